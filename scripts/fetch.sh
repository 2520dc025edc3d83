#!/usr/bin/env bash
# Fetch a base: download Debian's linux-source package under a private apt
# configuration, check its version, unpack it into the cache and commit the
# pristine tree into a git repository tagged with the base name.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/apt-private.sh"

base=${1:-${BASE:-}}
check_base "$base"
if [ -n "${KDIR:-}" ]; then
	check_kdir
	echo "ofreconf: KDIR=$KDIR given, nothing to fetch for $base"
	exit 0
fi

pkg=${BASE_PKG[$base]}
ver=${BASE_VER[$base]}
src=$CACHE/src/$base
if [ -f "$src.fetched" ] && [ "$(cat "$src.fetched")" = "$pkg $ver" ] &&
	git -C "$src" rev-parse -q --verify "refs/tags/$base" >/dev/null; then
	echo "ofreconf: $base ($pkg $ver) already fetched in $src, nothing to do"
	exit 0
fi

need_tool git git
need_tool xz xz-utils
debs=$CACHE/debs
mkdir -p "$CACHE"
# Bases fetched side by side (scripts/run.sh) take turns with the private
# apt state; the unpacking below runs side by side.
{
	flock 9
	apt_private_update
	apt_download "$pkg=$ver" "$debs" "the mirror no longer has $ver in ${BASE_SUITE[$base]}; unpack that kernel source yourself and give it as KDIR=/path/to/linux (make run BASE=$base KDIR=...)"
} 9>"$CACHE/apt.lock"
deb=$(ls "$debs/${pkg}_${ver/:/%3a}_all.deb" 2>/dev/null || true)
[ -f "$deb" ] || die "downloaded package for $pkg $ver not found in $debs"
got=$(dpkg-deb -f "$deb" Version)
[ "$got" = "$ver" ] || die "$deb has version $got, expected $ver"

rm -rf "$src" "$src.tmp" "$src.deb" "$src.fetched"
mkdir -p "$src.tmp" "$src.deb"
echo "ofreconf: unpacking $pkg $ver"
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$src.deb" --wildcards './usr/src/linux-source-*.tar.xz'
tar -xJf "$src.deb"/usr/src/linux-source-*.tar.xz -C "$src.tmp" --strip-components=1
rm -rf "$src.deb"
mv "$src.tmp" "$src"

# A fixed identity and date make the base commit, and so the series'
# base-commit line, the same on every machine.
export GIT_AUTHOR_NAME="ofreconf" GIT_AUTHOR_EMAIL="dev@ofreconf.invalid"
export GIT_COMMITTER_NAME="ofreconf" GIT_COMMITTER_EMAIL="dev@ofreconf.invalid"
export GIT_AUTHOR_DATE="2000-01-01T00:00:00Z" GIT_COMMITTER_DATE="2000-01-01T00:00:00Z"
git -C "$src" init -q -b pristine
git -C "$src" config core.autocrlf false
git -C "$src" config gc.auto 0
git -C "$src" add -A -f .
git -C "$src" commit -q -m "$pkg $ver (Debian)"
git -C "$src" tag "$base"
echo "$pkg $ver" >"$src.fetched"
echo "ofreconf: $base is $pkg $ver at $(git -C "$src" rev-parse --short=12 "$base") in $src"
