#!/usr/bin/env bash
# Tier prove: for each area that has a mutant prove/<area>/<base>.patch,
# reintroduce the bug on top of the series, rebuild, rerun the guest (all
# built-in suites, the module and the scenarios) and expect the area's
# cases to fail; the series' own run (vm tier) shows them passing.  Ends
# with the series re-applied and rebuilt.
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

count() { # results.json area -> "passed failed"
	python3 - "$@" <<'PY'
import json, sys
sys.path.insert(0, sys.argv[3])
import ktap
p = f = 0
for path in sys.argv[1].split():
    try:
        doc = json.load(open(path))
    except (OSError, ValueError):
        continue
    for s in doc.get("sub_groups", []):
        if ktap.area_of(s["name"]) != sys.argv[2]:
            continue
        for st in ktap.leaves(s):
            p += st == "PASS"
            f += st not in ("PASS", "SKIP")
print(p, f)
PY
}

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
		read -r mp mf < <(count "$(ls "$dir"/*/results.json 2>/dev/null | tr '\n' ' ')" "$area" "$OFRECONF_TOP/scripts")
		n=$((n + 1))
		if [ "$mf" -gt 0 ]; then
			lines+=("    # mutant: $mf $area cases failed, $mp passed (logs $dir)")
			lines+=("    ok $n mutant_makes_${area}_cases_fail")
		else
			lines+=("    # mutant: no $area case failed ($mp passed): the tests cannot see this bug")
			lines+=("    not ok $n mutant_makes_${area}_cases_fail")
		fi
	else
		n=$((n + 1))
		lines+=("    # the mutant did not apply or build: see $dir/apply.log $dir/build.log")
		lines+=("    not ok $n mutant_makes_${area}_cases_fail")
	fi
	# The restored series: the vm and kunit tiers' own results.
	read -r sp sf < <(count "$(ls "$out"/vm-*/results.json "$out"/kunit/*/results.json 2>/dev/null | tr '\n' ' ')" "$area" "$OFRECONF_TOP/scripts")
	n=$((n + 1))
	if [ "$sp" -gt 0 ] && [ "$sf" -eq 0 ]; then
		lines+=("    ok $n series_passes_${area}_cases")
	else
		lines+=("    # series: $sp $area cases passed, $sf failed")
		lines+=("    not ok $n series_passes_${area}_cases")
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
	python3 "$OFRECONF_TOP/scripts/ktap.py" ingest "$ktap" "$out/prove" --kunit "$kunit_py"
else
	echo "ofreconf: prove $base: no mutants under prove/*/$base.patch"
fi
