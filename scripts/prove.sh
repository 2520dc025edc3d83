#!/usr/bin/env bash
# Tier prove: each mutant puts one fixed bug back and names the cases that
# must fail.  A mutant is a patch under prove/<area>/ for this base
# (<fix>-<base>.patch) with one "Must-fail: suite.case" line per case in
# its header; patches without such lines are hand-run tools, not mutants.
#
# Mutants of different areas touch different code, so they share a boot,
# and so do the mutants of one area that carry the same "Boot-group:" line
# (their author saw each fail only its own cases, so together they cannot
# make each other's cases fail).  An area's units are its boot groups and
# its other mutants one by one; round r applies the r-th unit of every
# area on top of the series, rebuilds, boots the guest once (XIVE, the
# built-in suites but the slow ones of areas outside the round, the
# module, the areas' scenarios) and prove_judge.py judges each mutant on its own
# named cases; every case no mutant of the round names must pass, and each
# mutant needs a failing case no other mutant of its round names.  A
# round's boot runs from copies of its kernel and initramfs while the next
# round builds, at most one guest per core.  A round's kernel and initramfs
# are kept in the cache under an id of all they are made from (round_id,
# lib.sh): a later run whose round has the same id boots them without
# applying or building, and a changed input gives a new id, so nothing
# stale boots.  A round that passed also keeps its guest's results, under
# an id of its boot's inputs (boot_id, lib.sh): a later run with the same
# id judges them again instead of booting (keep_boot, below).  The named
# cases must pass in the series' own vm and kunit results, and again in a
# boot of the restored series.
#   scripts/prove.sh <base> [area ...]            rounds, restored boot, verdict
#   scripts/prove.sh --rounds <base> [area ...]   rounds, then the series
#       restored and built: the vm tier that follows (make test) is the
#       restored series' boot, so it needs no boot of its own here
#   scripts/prove.sh --verdict <base> [area ...]  judge what the rounds and
#       the restored series' boot (prove's own, else the vm tier's) left
set -euo pipefail
. "$(dirname "$0")/lib.sh"

mode=all
case ${1:-} in
--rounds | --verdict)
	mode=${1#--}
	shift
	;;
esac
base=${1:-${BASE:-}}
check_base "$base"
shift || true
areas=("$@")
[ ${#areas[@]} -gt 0 ] || read -r -a areas <<<"$AREAS"
kunit_py=$CACHE/src/v6.12/tools/testing/kunit/kunit.py
out=$OUT/$base
[ "$mode" = verdict ] || rm -rf "$out/prove"
mkdir -p "$out/prove"

# area -> its units for this base, one a line, the mutants of a unit
# separated by spaces
declare -A units=()
rounds=0
for area in "${areas[@]}"; do
	list=$(grep -l '^Must-fail: ' "$OFRECONF_TOP"/prove/"$area"/*"$base".patch 2>/dev/null | sort || true)
	[ -n "$list" ] || continue
	units[$area]=$(for m in $list; do
		g=$(sed -n 's/^Boot-group: *//p' "$m" | head -n 1)
		echo "${g:-${m##*/}} $m"
	done | awk '{ u[$1] = u[$1] (u[$1] == "" ? "" : " ") $2; if (!($1 in o)) o[$1] = NR }
		END { for (k in u) print o[k], u[k] }' | sort -n | cut -d' ' -f2-)
	n=$(echo "${units[$area]}" | wc -l)
	[ "$n" -le "$rounds" ] || rounds=$n
done
if [ "$rounds" = 0 ]; then
	echo "ofreconf: prove $base: no mutants (prove/<area>/*-$base.patch with Must-fail lines)"
	exit 0
fi

# Where the rounds' kernels and initramfs are kept, one directory per
# round id: only those of this base's latest run.
kept=$CACHE/prove-kernels/$base
used_ids=()
# Whether a round moved the tree off the series (a kept kernel does not).
moved=0

# boot_once DIR LABEL AREAS [MUTANT...]: the series with the mutants on
# top, built (or kept from a run with the same round id), and booted once
# (XIVE, the built-in suites but the slow ones of other areas, the
# module, the AREAS' scenarios) in the background, logs in DIR: the next
# round builds while this one boots.  A step that fails leaves DIR
# without results, which the judge counts as failures.
boot_once() {
	local dir=$1 label=$2 boot_areas=$3 t0 id at to how booted=
	shift 3
	mkdir -p "$dir"
	t0=$(date +%s)
	id=$(round_id "$base" "$@")
	# Without an id, the round's own directory holds its kernel.
	at=$dir
	if [ -n "$id" ]; then
		at=$kept/$id
		booted=$at/boot-$(boot_id "$id" "$boot_areas")
	fi
	if [ -n "$id" ] && [ -f "$at/vmlinux" ] && [ -f "$at/initrd.cpio.gz" ]; then
		how="kept ($at)"
		if [ -f "$booted/vm-xive/results.json" ] && [ "${OFRECONF_PROVE_AGAIN:-0}" != 1 ]; then
			used_ids+=("$id")
			cp -r "$booted/vm-xive" "$dir/vm-xive"
			echo "$booted" >"$dir/kept-boot"
			echo "ofreconf: prove $base $label: its kernel, initramfs and boot are those of an earlier run whose round passed; its results are reported again ($booted)" |
				tee "$dir/vm.log"
			return
		fi
	else
		moved=1
		if ! "$OFRECONF_TOP/scripts/apply.sh" "$base" "$@" >"$dir/apply.log" 2>&1; then
			echo "ofreconf: prove $base $label: the patches do not apply; see $dir/apply.log"
			return
		fi
		if ! "$OFRECONF_TOP/scripts/build.sh" "$base" >"$dir/build.log" 2>&1; then
			echo "ofreconf: prove $base $label: the kernel does not build; see $dir/build.log"
			return
		fi
		how="build $(($(date +%s) - t0))s"
		# A kept kernel is there whole or not at all: a run stopped
		# halfway leaves a .part directory, which prune_kept removes.
		to=$at
		[ -z "$id" ] || { rm -rf "$at.part" && mkdir -p "$at.part" && to=$at.part; }
		cp "$(build_dir "$base")/vmlinux" "$to/vmlinux"
		cp "$CACHE/initramfs/$base.cpio.gz" "$to/initrd.cpio.gz"
		[ -z "$id" ] || { rm -rf "$at" && mv "$to" "$at"; }
	fi
	[ -z "$id" ] || used_ids+=("$id")
	# Where the verdict keeps this boot's results if the round passes.
	[ -z "$booted" ] || echo "$booted" >"$dir/keep-to"
	# At most one guest per core (JOBS): a TCG guest keeps at least one busy.
	while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n || true; done
	(
		t2=$(date +%s)
		OFRECONF_VM_OUT=$dir OFRECONF_VM_KERNEL=$at/vmlinux OFRECONF_VM_INITRD=$at/initrd.cpio.gz \
			OFRECONF_AREAS=$boot_areas OFRECONF_PROVE=1 \
			"$OFRECONF_TOP/scripts/vm.sh" "$base" xive >"$dir/vm.log" 2>&1 || true
		echo "ofreconf: prove $base $label: $how, boot $(($(date +%s) - t2))s"
	) &
}

# prune_kept: drop the kept kernels no round of this run used.
prune_kept() {
	local d
	for d in "$kept"/*; do
		[ -e "$d" ] || continue
		[[ " ${used_ids[*]} " == *" ${d##*/} "* ]] || rm -rf "$d"
	done
}

# round_of R: set round (its mutants) and round_areas for round R.
round_of() {
	local area unit ms
	round=() round_areas=()
	for area in "${!units[@]}"; do
		unit=$(echo "${units[$area]}" | sed -n "${1}p")
		[ -n "$unit" ] || continue
		read -r -a ms <<<"$unit"
		round+=("${ms[@]}")
		round_areas+=("$area")
	done
}

all_mutants=() all_areas=()
for area in "${!units[@]}"; do
	read -r -a ms <<<"$(echo "${units[$area]}" | tr '\n' ' ')"
	all_mutants+=("${ms[@]}")
	all_areas+=("$area")
done

if [ "$mode" != verdict ]; then
	for r in $(seq 1 "$rounds"); do
		round_of "$r"
		names=$(for m in "${round[@]}"; do echo "${m#"$OFRECONF_TOP"/prove/}"; done | tr '\n' ' ')
		echo "ofreconf: prove $base round $r/$rounds: $names"
		boot_once "$out/prove/round-$r" "round $r" "$(IFS=,; echo "${round_areas[*]}")" "${round[@]}"
	done
	prune_kept
	if [ "$mode" = rounds ]; then
		# The series back in place and built for the vm tier's boot.  A
		# run whose rounds all booted kept kernels never left it: the
		# build stage before prove applied and built it.
		if [ "$moved" = 0 ]; then
			echo "ofreconf: prove $base: every round's kernel was kept; the tree still holds the series"
		else
			echo "ofreconf: prove $base: restoring the series for the vm tier"
		fi
		if [ "$moved" = 1 ] && ! { "$OFRECONF_TOP/scripts/apply.sh" "$base" &&
			"$OFRECONF_TOP/scripts/build.sh" "$base"; } >"$out/prove/restore.log" 2>&1; then
			touch "$out/prove/restore.failed"
			wait
			die "$base prove: the series does not apply or build again; see $out/prove/restore.log"
		fi
		# The tree is final while the last round still boots: make test
		# starts the base's check part on this mark (scripts/run.sh).
		touch "$out/prove/series-restored"
		wait
		exit 0
	fi
	# The series restored, built and booted once more, on the same areas:
	# what the mutants broke must pass again.  This also leaves the
	# series' own build in place for the next run.
	echo "ofreconf: prove $base: restoring the series"
	boot_once "$out/prove/restored" restored "$(IFS=,; echo "${all_areas[*]}")"
	wait
fi

# keep_boot R: after round R's judgement.  A round that booted, and whose
# every judged line is ok, keeps its guest's results where boot_once said
# (keep-to), whole or not at all, in place of an older boot of the same
# kernel.  A round reported again from kept results says so in its KTAP;
# if it no longer passes (the series' own results changed), its kept
# boot goes, and the next run boots it again.
keep_boot() {
	local dir=$out/prove/round-$1 part=$out/prove/round-$1.ktap.part to passed=0
	grep -q '^ok ' "$part" && ! grep -q '^not ok ' "$part" && passed=1
	if [ -f "$dir/kept-boot" ]; then
		to=$(cat "$dir/kept-boot")
		# First in the round's part: a KTAP diagnostic goes with the case after it.
		{
			echo "# round_$1: kept: booted in an earlier run with the same kernel, initramfs and boot (${to##*/})"
			cat "$part"
		} >"$part.kept" && mv "$part.kept" "$part"
		[ "$passed" = 1 ] || rm -rf "$to"
		return 0
	fi
	[ "$passed" = 1 ] && [ -f "$dir/keep-to" ] && [ -f "$dir/vm-xive/results.json" ] || return 0
	to=$(cat "$dir/keep-to")
	[ -d "$(dirname "$to")" ] || return 0
	rm -rf "$(dirname "$to")"/boot-*
	mkdir -p "$to.part"
	cp -r "$dir/vm-xive" "$to.part/vm-xive"
	mv "$to.part" "$to"
}

# The verdict.  v5.10 has no kunit tier (has_kunit_tool): ls fails on
# its pattern, and that is fine.
series_results=$(ls "$out"/vm-*/results.json "$out"/kunit/*/results.json 2>/dev/null | tr '\n' ' ' || true)
# shellcheck disable=SC2206 # a list of paths, no spaces in them
judge=(python3 "$OFRECONF_TOP/scripts/prove_judge.py" --base "$base" --series $series_results)
for r in $(seq 1 "$rounds"); do
	round_of "$r"
	# A round that did not boot leaves no results: every mutant of it fails.
	"${judge[@]}" --round "$r" --results "$out/prove/round-$r"/vm-*/results.json \
		--mutants "${round[@]}" >"$out/prove/round-$r.ktap.part" || true
	keep_boot "$r"
done
# The restored series' boot: prove's own, else (--rounds) the vm tier's,
# which booted the tree --rounds restored; its built-in suites on 6.12 and 7.3 ran
# in the kunit tier.
restored_results=$(ls "$out"/prove/restored/vm-*/results.json 2>/dev/null | tr '\n' ' ' || true)
if [ -z "$restored_results" ] && [ ! -d "$out/prove/restored" ] && [ ! -e "$out/prove/restore.failed" ]; then
	restored_results=$series_results
fi
# shellcheck disable=SC2086 # lists of paths, no spaces in them
"${judge[@]}" --restored --results $restored_results --mutants "${all_mutants[@]}" \
	>"$out/prove/restored.ktap.part" || true
"${judge[@]}" --collect "$out"/prove/round-*.ktap.part "$out/prove/restored.ktap.part" \
	>"$out/prove/prove.ktap"
python3 "$OFRECONF_TOP/scripts/ktap.py" ingest "$out/prove/prove.ktap" "$out/prove" --kunit "$kunit_py" \
	--judge "$base" prove ||
	die "$base prove: the judge found failures (the FAIL lines above; expected cases in expected/results.txt)"
