#!/usr/bin/env bash
# The kit's main job: for each base, fetch, apply, build, then the tiers
# (check, kunit, vm, prove), and a table of base x area at the end with the
# closing line "N passed, N failed, N skipped".
#   scripts/run.sh [--tiers "check kunit vm prove"] [base ...]
# make run runs the kunit and vm tiers; make test all four.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

tiers=${OFRECONF_TIERS:-kunit vm}
if [ "${1:-}" = --tiers ]; then
	tiers=$2
	shift 2
fi
bases=("$@")
[ ${#bases[@]} -gt 0 ] || read -r -a bases <<<"$BASES"
for b in "${bases[@]}"; do check_base "$b"; done
check_kdir
if [ -n "${KDIR:-}" ] && [ ${#bases[@]} -ne 1 ]; then
	die "KDIR is one tree: give its base too, e.g. make run KDIR=$KDIR BASE=v6.12"
fi
has() { case " $tiers " in *" $1 "*) return 0 ;; esac; return 1; }
t0=$(date +%s)
export OFRECONF_RUN_T0=$t0
need_build_tools
need_qemu
rm -rf "$OUT"
mkdir -p "$OUT"

# Every base is fetched first, side by side: unpacking a tree and
# committing it keeps one core busy.  6.12's kunit.py and checkpatch.pl
# judge every base, so v6.12 is always fetched.
fetches=("${bases[@]}")
[ -n "${KDIR:-}" ] || [[ " ${bases[*]} " == *" v6.12 "* ]] || fetches=(v6.12 "${fetches[@]}")
fetch_jobs=()
for b in "${fetches[@]}"; do
	stage "fetch $b" "$OFRECONF_TOP/scripts/fetch.sh" "$b" &
	fetch_jobs+=($!)
done
fetched=0
for j in "${fetch_jobs[@]}"; do wait "$j" || fetched=1; done
[ "$fetched" = 0 ] || die "a base could not be fetched; the FAILED line above names it"
# The check tier in parts (scripts/check.sh --only): the fixture tests
# and checkpatch, and each base's series checks as soon as its tree is
# final (prove's rounds have restored the series), beside the
# stages that follow, where guests leave a core idle; their few-object
# builds take a lock of their own.  At the end --collect judges the
# parts.  OFRECONF_SERIAL=1 runs the whole check after the last vm tier
# instead.  Not a vm tier beside the next base's build: on two cores that
# stretched both (cold, v6.12's vm tier and v7.3's build took 983 s side
# by side against 943 s one after the other, the guests using more CPU
# the longer they ran).
check_parts=0
has check && [ "${OFRECONF_SERIAL:-0}" != 1 ] && check_parts=1
check_jobs=()
# The first base's vm tier, with check parts and more than one base, runs
# last, beside the last base's check part, which alone leaves a core
# idle for its last minutes (v7.3's, 97 s after its vm tier ended, 40%
# idle), and not between the first base's prove rounds and the next
# base's build, where the cores were busy (0 and 2% idle in the two
# minutes of v5.10's vm tier, cold).  That base's tree and build stay
# as its prove rounds restored them: its check part compiles objects,
# never vmlinux or the initramfs.
vm_last=
[ "$check_parts" = 1 ] && [ ${#bases[@]} -gt 1 ] && vm_last=${bases[0]}
for b in "${bases[@]}"; do
	stage "apply $b" "$OFRECONF_TOP/scripts/apply.sh" "$b"
	stage "build $b" "$OFRECONF_TOP/scripts/build.sh" "$b"
	# A tier that fails goes on to the next: the judge in the summary
	# counts what it left missing.
	if has kunit; then stage "kunit $b" "$OFRECONF_TOP/scripts/kunit.sh" "$b" || true; fi
	# With a vm tier to come, prove's mutant rounds go first and restore
	# the series: the vm tier's boot is then the restored series' boot.
	# The base's check part needs the tree final: it starts once prove has
	# restored the series (its mark), beside the last round's boot, which
	# otherwise left a core idle (about 60 s of each base's prove stage).
	# The fixture tests and checkpatch, which need no tree of a base,
	# start with the first base's prove rounds: the first round's build
	# and boot leave a core idle (15 to 18% of the two cores for two
	# minutes), the stages before them none.
	if [ "$check_parts" = 1 ] && [ ${#check_jobs[@]} = 0 ]; then
		stage "check fixtures" "$OFRECONF_TOP/scripts/check.sh" --only fixtures "${bases[@]}" &
		check_jobs+=($!)
		stage "check checkpatch" "$OFRECONF_TOP/scripts/check.sh" --only checkpatch "${bases[@]}" &
		check_jobs+=($!)
	fi
	prove_job=
	if has prove && has vm; then
		rm -f "$OUT/$b/prove/series-restored"
		stage "prove rounds $b" "$OFRECONF_TOP/scripts/prove.sh" --rounds "$b" &
		prove_job=$!
		while kill -0 "$prove_job" 2>/dev/null && [ ! -e "$OUT/$b/prove/series-restored" ]; do
			sleep 1
		done
	fi
	if [ "$check_parts" = 1 ]; then
		stage "check $b" "$OFRECONF_TOP/scripts/check.sh" --only "$b" &
		check_jobs+=($!)
	fi
	[ -z "$prove_job" ] || wait "$prove_job" || true
	if has vm && [ "$b" != "$vm_last" ]; then
		stage "vm $b" "$OFRECONF_TOP/scripts/vm.sh" "$b" || true
	fi
done
if [ -n "$vm_last" ] && has vm; then
	stage "vm $vm_last" "$OFRECONF_TOP/scripts/vm.sh" "$vm_last" || true
fi
if has check; then
	# A part that stopped left no results: --collect runs it again.
	for j in "${check_jobs[@]}"; do wait "$j" || true; done
	if [ "$check_parts" = 1 ]; then
		stage "check verdict" "$OFRECONF_TOP/scripts/check.sh" --collect "${bases[@]}" || true
	else
		stage "check ${bases[*]}" "$OFRECONF_TOP/scripts/check.sh" "${bases[@]}" || true
	fi
fi
if has prove; then
	for b in "${bases[@]}"; do
		if has vm; then
			stage "prove verdict $b" "$OFRECONF_TOP/scripts/prove.sh" --verdict "$b" || true
		else
			stage "prove $b" "$OFRECONF_TOP/scripts/prove.sh" "$b" || true
		fi
	done
fi
# The stages in the order they ended; the check's parts ran beside other
# stages, so the last line is the run's own wall time, not a sum.
total=$(($(date +%s) - t0))
echo "ofreconf: finished in ${total}s"
awk -F'\t' -v total="$total" 'BEGIN { printf "%-44s %8s %8s\n", "stage", "wall s", "cpu s" }
	{ printf "%-44s %8d %8d\n", $1, $2, $3; c += $3 }
	END { printf "%-44s %8d %8d\n", "the run (stages side by side)", total, c }' "$OUT/stages.tsv"
# Every tier run is judged against expected/results.txt; exits 1 on a failure.
python3 "$OFRECONF_TOP/scripts/ktap.py" summary "$OUT" --bases "${bases[*]}" --tiers "$tiers"
