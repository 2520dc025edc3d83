#!/usr/bin/env bash
# Do the patches tagged for stable apply to the plain base on their own?
# A stable maintainer takes only the patches with "Cc: stable@vger.kernel.org"
# in their changelog, in the series' order, on the released base: apply
# each of them, and nothing else, to the base's tag.  The patches go into a
# temporary index read from the tag (git apply --cached, what git am runs,
# with no fuzz): no files are checked out, and the tree and its index are
# not touched.  Exits non-zero naming the first one that does not apply.
#   scripts/stable_alone.sh <base> [patch directory, default patches/<base>]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

base=${1:-${BASE:-}}
check_base "$base"
dir=${2:-$OFRECONF_TOP/patches/$base}
src=$(src_dir "$base")
git -C "$src" rev-parse -q --verify "refs/tags/$base" >/dev/null ||
	die "$src has no tag $base; run 'make fetch BASE=$base'"

index=$(mktemp)
trap 'rm -f "$index"' EXIT
export GIT_INDEX_FILE=$index
git -C "$src" read-tree "refs/tags/$base"

n=0
for p in "$dir"/[0-9][0-9][0-9][0-9]-*.patch; do
	case $(basename "$p") in 0000-cover-letter.patch) continue ;; esac
	# The tag in the changelog, not in a diff line: stop at the "---".
	sed '/^---$/q' "$p" | grep -qi '^Cc: *stable@vger\.kernel\.org' || continue
	if ! log=$(git -C "$src" apply --cached "$p" 2>&1); then
		echo "$log" | head -n 5 >&2
		die "$base: $(basename "$p") (Cc: stable) does not apply to $base without the untagged patches before it; move it up or make it stand alone"
	fi
	n=$((n + 1))
done
echo "ofreconf: $base: the $n Cc: stable patches of $dir apply to $base on their own"
