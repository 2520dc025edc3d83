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
need_build_tools
need_qemu
rm -rf "$OUT"
mkdir -p "$OUT"

# 6.12's kunit.py and checkpatch.pl judge every base.
[ -n "${KDIR:-}" ] || stage "fetch v6.12 (kunit.py, checkpatch.pl)" "$OFRECONF_TOP/scripts/fetch.sh" v6.12
# A base's vm tier only boots its own kernel and initramfs, so it runs
# beside the next base's fetch, apply and build (one build at a time: the
# guests and a build fill the two cores).  Before the next base's kunit
# and prove tiers boot guests of their own, it is waited for.  The check
# tier runs beside the last vm tier: by then no tree is built or mutated
# by anyone else.  OFRECONF_SERIAL=1 runs every stage one after the other.
vm_job=
wait_vm() {
	[ -z "$vm_job" ] || wait "$vm_job" || true
	vm_job=
}
# vm_beside base: the base's vm tier in the background (its job in vm_job),
# or in the foreground with OFRECONF_SERIAL=1.
vm_beside() {
	if [ "${OFRECONF_SERIAL:-0}" = 1 ]; then
		stage "vm $1" "$OFRECONF_TOP/scripts/vm.sh" "$1" || true
	else
		stage "vm $1" "$OFRECONF_TOP/scripts/vm.sh" "$1" &
		vm_job=$!
	fi
}
for b in "${bases[@]}"; do
	stage "fetch $b" "$OFRECONF_TOP/scripts/fetch.sh" "$b"
	stage "apply $b" "$OFRECONF_TOP/scripts/apply.sh" "$b"
	stage "build $b" "$OFRECONF_TOP/scripts/build.sh" "$b"
	wait_vm
	# A tier that fails goes on to the next: the judge in the summary
	# counts what it left missing.
	if has kunit; then stage "kunit $b" "$OFRECONF_TOP/scripts/kunit.sh" "$b" || true; fi
	# With a vm tier to come, prove's mutant rounds go first and restore
	# the series: the vm tier's boot is then the restored series' boot.
	if has prove && has vm; then
		stage "prove rounds $b" "$OFRECONF_TOP/scripts/prove.sh" --rounds "$b" || true
	fi
	if has vm; then vm_beside "$b"; fi
done
if has check; then stage "check ${bases[*]}" "$OFRECONF_TOP/scripts/check.sh" "${bases[@]}" || true; fi
wait_vm
if has prove; then
	for b in "${bases[@]}"; do
		if has vm; then
			stage "prove verdict $b" "$OFRECONF_TOP/scripts/prove.sh" --verdict "$b" || true
		else
			stage "prove $b" "$OFRECONF_TOP/scripts/prove.sh" "$b" || true
		fi
	done
fi
# The stages in the order they ended; the vm tiers and the check ran beside
# other stages, so the sum of wall times is more than the run took.
total=$(($(date +%s) - t0))
echo "ofreconf: finished in ${total}s"
awk -F'\t' -v total="$total" 'BEGIN { printf "%-44s %8s %8s\n", "stage", "wall s", "cpu s" }
	{ printf "%-44s %8d %8d\n", $1, $2, $3; c += $3 }
	END { printf "%-44s %8d %8d\n", "the run (stages side by side)", total, c }' "$OUT/stages.tsv"
# Every tier run is judged against expected/results.txt; exits 1 on a failure.
python3 "$OFRECONF_TOP/scripts/ktap.py" summary "$OUT" --bases "${bases[*]}" --tiers "$tiers"
