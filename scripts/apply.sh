#!/usr/bin/env bash
# Apply a base's series: branch ofreconf/<base> from the base tag, then git
# am of patches/<base>/*.patch; the branch is kept while the tag and the
# patches stay the same.  With KDIR, the series goes onto a branch from the
# user's HEAD if KDIR is a git tree, and is taken as applied if not.  Extra
# patches (prove's mutants) are applied on top, in the order given, on
# branch ofreconf-prove/<base>: ofreconf/<base> only ever holds the series.
# The tree moves from one state to the next by one checkout, which rewrites
# only the files that differ: the build after it recompiles only them and
# what depends on them.
#   scripts/apply.sh <base> [extra.patch ...]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

base=${1:-${BASE:-}}
shift || true
extras=()
for e in "$@"; do extras+=("$(realpath "$e")"); done
check_base "$base"
check_kdir
src=$(src_dir "$base")
is_kernel_tree "$src" || die "$src is not a kernel tree; run 'make fetch BASE=$base' first"

if [ -n "${KDIR:-}" ] && ! git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
	echo "ofreconf: KDIR=$KDIR is not a git tree; taking the series as already applied"
	for e in "${extras[@]}"; do
		(cd "$src" && patch -p1 -N <"$e") || die "could not apply $e to $KDIR"
	done
	exit 0
fi

start=$base
[ -n "${KDIR:-}" ] && start=$(git -C "$src" rev-parse "${OFRECONF_KDIR_BASE:-HEAD}")
series_branch=ofreconf/$base
branch=$series_branch
[ ${#extras[@]} = 0 ] || branch=ofreconf-prove/$base
shopt -s nullglob
series=()
for p in "$OFRECONF_TOP/patches/$base"/[0-9][0-9][0-9][0-9]-*.patch; do
	[ "$(basename "$p")" = 0000-cover-letter.patch ] || series+=("$p")
done

# The same patches on the same start, with a clean tree, are already
# applied: leave the files (and so the build's timestamps) alone.
gitdir=$(git -C "$src" rev-parse --absolute-git-dir)
stamp=$gitdir/ofreconf-applied
want=$({ git -C "$src" rev-parse "$start"; cat "${series[@]}" "${extras[@]}"; } | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] &&
	[ "$(git -C "$src" symbolic-ref -q --short HEAD)" = "$branch" ] &&
	[ -z "$(git -C "$src" status --porcelain --untracked-files=no)" ]; then
	echo "ofreconf: $base: already applied on branch $branch"
	exit 0
fi
rm -f "$stamp"
git -C "$src" am --abort >/dev/null 2>&1 || true
# A fixed identity and date make the applied commits, and so the build's
# configuration stamp, the same on every run.
export GIT_COMMITTER_NAME="ofreconf" GIT_COMMITTER_EMAIL="dev@ofreconf.invalid"
export GIT_COMMITTER_DATE="2000-01-01T00:00:00Z"

# failed_files LOG: the files git am or git apply could not patch.
failed_files() {
	local f
	f=$(git -C "$src" diff --name-only --diff-filter=U | tr '\n' ' ')
	[ -n "$f" ] || f=$(sed -n 's/^error: patch failed: \([^:]*\):.*/\1/p
		s/^error: \([^:]*\): does not exist.*/\1/p
		s/^error: sha1 information is lacking or useless (\(.*\))\./\1/p
		s/^error: \([^:]*\): patch does not apply/\1/p' "$1" | sort -u | tr '\n' ' ')
	echo "${f:-unknown}"
}
log=$(mktemp)
index=$(mktemp -d)
trap 'rm -rf "$log" "$index"' EXIT

# The series branch is made again only when its start or patches changed,
# or someone moved it: then from the start, git am of each patch.
series_stamp=$gitdir/ofreconf-series
series_want="$({ git -C "$src" rev-parse "$start"; cat "${series[@]}"; } | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$series_stamp" 2>/dev/null)" != "$series_want $(git -C "$src" rev-parse -q --verify "$series_branch")" ]; then
	rm -f "$series_stamp"
	git -C "$src" checkout -q -f -B "$series_branch" "$start"
	for p in "${series[@]}"; do
		if ! git -C "$src" am -q --3way "$p" >"$log" 2>&1; then
			failed=$(failed_files "$log")
			git -C "$src" am --abort >/dev/null 2>&1 || true
			die "patch $(basename "$p") does not apply to $base; failed files: $failed"
		fi
	done
	echo "$series_want $(git -C "$src" rev-parse "$series_branch")" >"$series_stamp"
fi

# A file whose time changed but not its contents (check.sh sets times
# back) counts as unchanged, and the checkout leaves it as it is.
git -C "$src" update-index -q --refresh >/dev/null || true
# The extras (plain -p1 diffs or mails) become commits on the series
# branch, made in an index of their own: the files change only with the
# checkout below, and only those the extras change (or changed last time).
head=$series_branch
export GIT_AUTHOR_NAME=$GIT_COMMITTER_NAME GIT_AUTHOR_EMAIL=$GIT_COMMITTER_EMAIL
export GIT_AUTHOR_DATE=$GIT_COMMITTER_DATE
[ ${#extras[@]} = 0 ] || GIT_INDEX_FILE=$index/index git -C "$src" read-tree "$head"
for e in "${extras[@]}"; do
	if ! GIT_INDEX_FILE=$index/index git -C "$src" apply --cached "$e" >"$log" 2>&1; then
		die "patch $(basename "$e") does not apply to $base; failed files: $(failed_files "$log")"
	fi
	tree=$(GIT_INDEX_FILE=$index/index git -C "$src" write-tree)
	head=$(git -C "$src" commit-tree "$tree" -p "$head" -m "ofreconf: apply $(basename "$e")")
done
if [ "$branch" = "$series_branch" ]; then
	git -C "$src" checkout -q -f "$series_branch"
else
	git -C "$src" checkout -q -f -B "$branch" "$head"
fi
echo "$want" >"$stamp"
echo "ofreconf: $base: applied ${#series[@]} patches and ${#extras[@]} more on branch $branch"
