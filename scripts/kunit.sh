#!/usr/bin/env bash
# Tier kunit: the in-tree suites through the base's own kunit.py, parsed
# with 6.12's.
#   v6.12, v7.3: kunit.py run on UML with the generic OF suites
#          (--kunitconfig=drivers/of), and kunit.py exec of the pseries
#          guest kernel (suites built in) under QEMU.
#   v5.10: its kunit.py has no --arch; the built-in suites are judged from
#          the console of the vm tier's boot instead.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

base=${1:-${BASE:-}}
check_base "$base"
out=$OUT/$base/kunit
kunit_py=$CACHE/src/v6.12/tools/testing/kunit/kunit.py
[ -f "$kunit_py" ] || die "6.12's kunit.py is needed to parse results; run 'make fetch BASE=v6.12'"

if ! has_kunit_tool "$base"; then
	echo "ofreconf: $base: kunit.py cannot boot this base; its built-in suites run in the vm tier"
	exit 0
fi
src=$(src_dir "$base")
rm -rf "$out"
mkdir -p "$out/uml" "$out/pseries"

# QEMU pseries: boot the guest kernel built by build.sh, suites built in.
# The guest runs on one core beside the UML build below, which has the
# kernel build lock: it reads only the guest's vmlinux, and alone it would
# leave the second core idle for its whole boot.
# kmemleak is off there (kmemleak_off, scripts/lib.sh): no built-in suite
# has it scan.
need_qemu
kargs=()
karg=$(kmemleak_off "$base")
[ -z "$karg" ] || kargs=(--kernel_args="$karg")
(cd "$src" && python3 tools/testing/kunit/kunit.py exec --raw_output=all \
	--build_dir="$(build_dir "$base")" --arch=powerpc --cross_compile="$CROSS" "${kargs[@]}" \
	--qemu_config="$OFRECONF_TOP/kunit/qemu_pseries_le.py" --timeout=900) \
	>"$out/pseries/kunit.log" 2>&1 &
pseries_job=$!

# UML: the generic OF suites, without what no test uses (lean.config).
cc=gcc
command -v ccache >/dev/null 2>&1 && cc="ccache gcc"
# drivers/of/.kunitconfig, where the series lists its phandle suite: what
# a maintainer runs with 'kunit.py run --kunitconfig=drivers/of'.
(cd "$src" && build_lock python3 tools/testing/kunit/kunit.py run --raw_output=all \
	--build_dir="$(build_dir "$base" uml)" --kunitconfig=drivers/of \
	--kunitconfig="$OFRECONF_TOP/kunit/lean.config" \
	--jobs="$JOBS" --make_options="CC=$cc" --timeout=600) >"$out/uml/kunit.log" 2>&1 || true
wait "$pseries_job" || true
judged=0
python3 "$OFRECONF_TOP/scripts/ktap.py" ingest "$out/uml/kunit.log" "$out/uml" --kunit "$kunit_py" \
	--judge "$base" kunit/uml || judged=1

python3 "$OFRECONF_TOP/scripts/ktap.py" ingest "$out/pseries/kunit.log" "$out/pseries" --kunit "$kunit_py" \
	--judge "$base" kunit/pseries || judged=1
[ "$judged" = 0 ] || die "$base kunit: the judge found failures (the FAIL lines above; expected cases in expected/results.txt)"
