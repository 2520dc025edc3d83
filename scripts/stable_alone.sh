#!/usr/bin/env bash
# Do the patches tagged for stable apply to the plain base on their own?
# A stable maintainer takes only the patches with "Cc: stable@vger.kernel.org"
# in their changelog, in the series' order, on the released base: git am
# each of them, and nothing else, in a temporary worktree at the base's tag
# (removed after).  Exits non-zero naming the first one that does not apply.
#   scripts/stable_alone.sh <base> [patch directory, default patches/<base>]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

base=${1:-${BASE:-}}
check_base "$base"
dir=${2:-$OFRECONF_TOP/patches/$base}
src=$(src_dir "$base")
git -C "$src" rev-parse -q --verify "refs/tags/$base" >/dev/null ||
	die "$src has no tag $base; run 'make fetch BASE=$base'"

wt=$(mktemp -d)
cleanup() {
	git -C "$src" worktree remove --force "$wt" 2>/dev/null || rm -rf "$wt"
	git -C "$src" worktree prune
}
trap cleanup EXIT
git -C "$src" worktree add -q --detach "$wt" "refs/tags/$base"

n=0
for p in "$dir"/[0-9][0-9][0-9][0-9]-*.patch; do
	case $(basename "$p") in 0000-cover-letter.patch) continue ;; esac
	# The tag in the changelog, not in a diff line: stop at the "---".
	sed '/^---$/q' "$p" | grep -qi '^Cc: *stable@vger\.kernel\.org' || continue
	if ! log=$(kit_git -C "$wt" am -q "$p" 2>&1); then
		echo "$log" | head -n 5 >&2
		die "$base: $(basename "$p") (Cc: stable) does not apply to $base without the untagged patches before it; move it up or make it stand alone"
	fi
	n=$((n + 1))
done
echo "ofreconf: $base: the $n Cc: stable patches of $dir apply to $base on their own"
