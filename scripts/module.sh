#!/usr/bin/env bash
# Build ofreconf_test.ko against a built kernel tree with -Werror.
#   scripts/module.sh <base>      against the kit's guest build of <base>
#   KDIR=/lib/modules/$(uname -r)/build scripts/module.sh
set -euo pipefail
. "$(dirname "$0")/lib.sh"

base=${1:-${BASE:-}}
if [ -n "$base" ]; then
	check_base "$base"
	kdir=$(build_dir "$base")
	arch=(ARCH=powerpc CROSS_COMPILE="$CROSS")
else
	kdir=${KDIR:-/lib/modules/$(uname -r)/build}
	arch=()
fi
[ -f "$kdir/Module.symvers" ] || [ -f "$kdir/.config" ] ||
	die "$kdir is not a built kernel tree (no .config or Module.symvers); build it first or set KDIR"
# A powerpc tree on another host (a guest tree built here) needs the
# cross compiler; on the LPAR itself the native one does.
if [ ${#arch[@]} = 0 ] && grep -q '^CONFIG_PPC=y' "$kdir/.config" 2>/dev/null &&
	[ "$(uname -m)" != ppc64le ]; then
	arch=(ARCH=powerpc CROSS_COMPILE="$CROSS")
fi
obj=${MODULE_OUT:-$CACHE/module/${base:-custom}}
mkdir -p "$obj"
# Build in a copy so the source checkout stays clean.
rsync -a --delete --exclude '*.o' --exclude '*.ko' "$OFRECONF_TOP/Kbuild" "$OFRECONF_TOP/drivers" "$obj/"
if ! make -C "$kdir" M="$obj" "${arch[@]}" W=1 modules >"$obj/build.log" 2>&1; then
	cat "$obj/build.log" >&2
	die "ofreconf_test.ko does not build against $kdir; log in $obj/build.log"
fi
echo "ofreconf: built $obj/ofreconf_test.ko"
