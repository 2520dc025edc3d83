#!/usr/bin/env bash
# Regenerate patches/<base>/ from the series as applied (branch
# ofreconf/<base> of the cached base repository): one git format-patch run
# with a cover letter and --base, so the numbering, the subjects' [PATCH n/m]
# and the cover letter's list and diffstat follow the patches' order.  A
# developer tool: edit the commits on that branch (or add patches to
# patches/<base>/ in order), then run 'make series BASE=<base>'.
# OFRECONF_SERIES_BRANCH names another branch of that repository to take
# the series from (a rework kept off ofreconf/<base>, which the runs use).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

base=${1:-${BASE:-}}
check_base "$base"
src=$CACHE/src/$base
git -C "$src" rev-parse -q --verify "refs/tags/$base" >/dev/null ||
	die "$src has no tag $base; run 'make fetch BASE=$base'"
branch=${OFRECONF_SERIES_BRANCH:-ofreconf/$base}
git -C "$src" rev-parse -q --verify "$branch" >/dev/null ||
	die "$src has no branch $branch; run 'make apply BASE=$base' first"
[ "$(git -C "$src" rev-list --count "$base..$branch")" -gt 0 ] ||
	die "$branch has no commit above $base"
order="The patches tagged for stable come first and apply to the base on their
own; the untagged fixes and hardening follow, then the KUnit suites, each
after the fixes it tests."
# v7.3 puts two boot fixes before them: its KASAN and lockdep guests need them.
[ "$base" != v7.3 ] || order="The first two patches let this base's guests boot with their checkers
on: KASAN kernels built with GCC 12 hang in early boot without the first,
and without the second lockdep switches itself off at the first replayed
interrupt.  The patches tagged for stable follow and apply to the base on
their own, without the first; the untagged fixes and hardening come next,
then the KUnit suites, each after the fixes it tests."
git -C "$src" config "branch.$branch.description" "$(
	cat <<TXT
ofreconf: runtime device-tree reconfiguration for $base

When the device tree changes under a running kernel (Live Partition
Migration and DLPAR on pseries, overlays anywhere), state derived from it
goes stale.  This series, for Debian's ${BASE_PKG[$base]}
${BASE_VER[$base]}, holds the fixes this base lacks, hardening beyond
upstream and the KUnit suites that show each behaviour.  Each patch says
how it was tested; the suites run under kunit.py (UML for generic OF
code) and built into a QEMU pseries guest.

$order

Each patch carries the kit's identity; a submitter adds their own
sign-off with 'git am -s' (or b4) before sending.
TXT
)"
dir=$OFRECONF_TOP/patches/$base
tmp=$(mktemp -d)
kit_git -C "$src" format-patch -q --cover-letter --cover-from-description=auto \
	--base="$base" --no-signature -o "$tmp" "$base..$branch"
rm -f "$dir"/*.patch
mkdir -p "$dir"
mv "$tmp"/*.patch "$dir/"
rmdir "$tmp"
echo "ofreconf: $base: $(ls "$dir"/[0-9]*.patch | grep -vc 0000-cover) patches in $dir"
[ "$base" != "$UPSTREAM_BASE" ] || "$OFRECONF_TOP/scripts/upstream_series.sh" "$base"
