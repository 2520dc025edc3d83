#!/usr/bin/env bash
# Tier prove: for each area that has a mutant prove/<area>/<base>.patch,
# reintroduce the bug on top of the series, rebuild, rerun the guest (all
# built-in suites, the module and the scenarios) and expect the area's
# cases to fail, while the series' own runs (kunit and vm tiers) pass them:
# one case per mutant.  Ends with the series re-applied and rebuilt.
#   scripts/prove.sh <base> [area ...]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

base=${1:-${BASE:-}}
check_base "$base"
shift || true
areas=("$@")
[ ${#areas[@]} -gt 0 ] || read -r -a areas <<<"$AREAS"
kunit_py=$CACHE/src/v6.12/tools/testing/kunit/kunit.py
out=$OUT/$base
ktap=$out/prove/prove.ktap
mkdir -p "$out/prove"

blocks=()
ran=0
for area in "${areas[@]}"; do
	mutant=$OFRECONF_TOP/prove/$area/$base.patch
	[ -f "$mutant" ] || continue
	ran=1
	dir=$out/mutant-$area
	rm -rf "$dir"
	mkdir -p "$dir"
	lines=()
	n=0
	echo "ofreconf: prove $base $area: applying $(basename "$(dirname "$mutant")")/$(basename "$mutant")"
	if "$OFRECONF_TOP/scripts/apply.sh" "$base" "$mutant" >"$dir/apply.log" 2>&1 &&
		"$OFRECONF_TOP/scripts/build.sh" "$base" >"$dir/build.log" 2>&1; then
		OFRECONF_VM_OUT=$dir OFRECONF_AREAS=$area OFRECONF_PROVE=1 \
			"$OFRECONF_TOP/scripts/vm.sh" "$base" xive >"$dir/vm.log" 2>&1 || true
		# The area's expected cases: how many the mutant's run failed (a
		# missing one counts: the mutant crashed the kernel) and how many the
		# series' own kunit and vm runs passed and failed.
		read -r mp mf sp sf < <(python3 "$OFRECONF_TOP/scripts/ktap.py" mutant "$OUT" "$base" "$area" "$dir/vm-xive")
		n=$((n + 1))
		if [ "$mf" -gt 0 ] && [ "$sp" -gt 0 ] && [ "$sf" -eq 0 ]; then
			lines+=("    # mutant: $mf $area cases failed, $mp passed; the series passes all $sp (logs $dir)")
			lines+=("    ok $n mutant_makes_${area}_cases_fail")
		elif [ "$mf" -eq 0 ]; then
			lines+=("    # mutant: no $area case failed ($mp passed): the tests cannot see this bug")
			lines+=("    not ok $n mutant_makes_${area}_cases_fail")
		else
			lines+=("    # series: $sp $area cases passed, $sf failed or missing: a failing mutant proves nothing while the series fails too")
			lines+=("    not ok $n mutant_makes_${area}_cases_fail")
		fi
	else
		n=$((n + 1))
		lines+=("    # the mutant did not apply or build: see $dir/apply.log $dir/build.log")
		lines+=("    not ok $n mutant_makes_${area}_cases_fail")
	fi
	res=ok
	printf '%s\n' "${lines[@]}" | grep -q '^    not ok' && res="not ok"
	blocks+=("    KTAP version 1" "    # Subtest: prove_$area" "    1..$n" "${lines[@]}" "$res 1 prove_$area")
done

if [ "$ran" = 1 ]; then
	echo "ofreconf: prove $base: restoring the series"
	"$OFRECONF_TOP/scripts/apply.sh" "$base" >/dev/null
	"$OFRECONF_TOP/scripts/build.sh" "$base" >/dev/null
	{
		echo "KTAP version 1"
		printf '%s\n' "${blocks[@]}"
	} >"$ktap"
	python3 "$OFRECONF_TOP/scripts/ktap.py" ingest "$ktap" "$out/prove" --kunit "$kunit_py" \
		--judge "$base" prove ||
		die "$base prove: the judge found failures (the FAIL lines above; expected cases in expected/results.txt)"
else
	echo "ofreconf: prove $base: no mutants under prove/*/$base.patch"
fi
