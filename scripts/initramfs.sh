#!/usr/bin/env bash
# Build the guest initramfs of a base: Debian's busybox-static:ppc64el
# (fetched under the kit's private apt configuration), the guest /init, the
# scenario scripts and ofreconf_test.ko.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/apt-private.sh"

base=${1:-${BASE:-}}
check_base "$base"
need_tool cpio cpio
out=$CACHE/initramfs/$base.cpio.gz
ko=$CACHE/module/$base/ofreconf_test.ko
[ -f "$ko" ] || die "$ko is missing; build it with 'make build BASE=$base'"

bb=$CACHE/busybox/busybox
if [ ! -x "$bb" ]; then
	apt_private_update
	apt_download "busybox-static:ppc64el" "$CACHE/debs"
	deb=$(ls "$CACHE"/debs/busybox-static_*_ppc64el.deb | tail -n 1)
	rm -rf "$CACHE/busybox.tmp"
	mkdir -p "$CACHE/busybox.tmp"
	dpkg-deb -x "$deb" "$CACHE/busybox.tmp"
	mkdir -p "$CACHE/busybox"
	mv "$CACHE/busybox.tmp/bin/busybox" "$bb"
	rm -rf "$CACHE/busybox.tmp"
fi

root=$CACHE/initramfs/$base.root
rm -rf "$root"
mkdir -p "$root"/{bin,dev,proc,sys,tmp,ofreconf/scenarios}
cp "$bb" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
guest=$OFRECONF_TOP/scripts/guest
install -m 755 "$guest/init.sh" "$root/init"
cp "$guest/lib.sh" "$guest/report.pattern" "$guest/ofreconf_test.params" "$ko" "$root/ofreconf/"
for f in "$guest"/*.sh; do
	case $(basename "$f") in init.sh | lib.sh) continue ;; esac
	cp "$f" "$root/ofreconf/scenarios/"
done
echo "$base" >"$root/ofreconf/base"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$out.tmp"
mv "$out.tmp" "$out"
echo "ofreconf: initramfs $out"
