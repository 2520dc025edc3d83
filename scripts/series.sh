#!/usr/bin/env bash
# Regenerate patches/<base>/ from the area branches of the cached base
# repository: branch ofreconf/series-<base> = the base tag plus the commits
# of area/<area>-<base> for each area in order, then git format-patch with a
# cover letter and --base.  A developer tool; the kit itself only reads
# patches/.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

base=${1:-${BASE:-}}
check_base "$base"
src=$CACHE/src/$base
git -C "$src" rev-parse -q --verify "refs/tags/$base" >/dev/null ||
	die "$src has no tag $base; run 'make fetch BASE=$base'"
wt=$CACHE/wt/series-$base
export GIT_COMMITTER_NAME="ofreconf developers" GIT_COMMITTER_EMAIL="dev@ofreconf.invalid"
[ -d "$wt" ] || git -C "$src" worktree add -q --detach "$wt" "$base"
git -C "$wt" checkout -q -f -B "ofreconf/series-$base" "$base"
areas=()
for area in $AREAS; do
	br=area/$area-$base
	git -C "$src" rev-parse -q --verify "$br" >/dev/null || continue
	# Area branches start at the pristine commit of the base.
	root=$(git -C "$src" rev-list --max-parents=0 "$br" | tail -n 1)
	[ "$(git -C "$src" rev-list --count "$root..$br")" -gt 0 ] || continue
	git -C "$wt" cherry-pick --allow-empty "$root..$br" >/dev/null ||
		die "the commits of $br do not apply after the areas before it; rebase $br"
	areas+=("$area")
done
git -C "$wt" config "branch.ofreconf/series-$base.description" "$(cat <<TXT
ofreconf: runtime device-tree reconfiguration for $base

When the device tree changes under a running kernel (Live Partition
Migration and DLPAR on pseries, overlays anywhere), state derived from it
goes stale.  This series, for Debian's ${BASE_PKG[$base]} ${BASE_VER[$base]},
holds the fixes this base lacks, hardening beyond upstream and the KUnit
suites that prove them, area by area: ${areas[*]:-none yet}.

Each patch says how it was tested; the suites run under kunit.py (UML for
generic OF code) and built into a QEMU pseries guest.
TXT
)"
dir=$OFRECONF_TOP/patches/$base
rm -f "$dir"/*.patch
mkdir -p "$dir"
git -C "$wt" format-patch -q --cover-letter --cover-from-description=auto \
	--base="$base" --no-signature -o "$dir" "$base..HEAD" 2>/dev/null || true
echo "ofreconf: $base: $(ls "$dir"/[0-9]*.patch 2>/dev/null | grep -vc 0000-cover) patches in $dir (areas: ${areas[*]:-none})"
