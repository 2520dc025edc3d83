#!/usr/bin/env bash
# Apply a base's series: a fresh branch from the base tag, then git am of
# patches/<base>/*.patch.  With KDIR, the series goes onto a fresh branch
# from the user's HEAD if KDIR is a git tree, and is taken as applied if not.
# Extra patches (prove's mutants) are applied on top, in the order given,
# on branch ofreconf-prove/<base>: ofreconf/<base> only ever holds the series.
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
branch=ofreconf/$base
[ ${#extras[@]} = 0 ] || branch=ofreconf-prove/$base
shopt -s nullglob
patches=("$OFRECONF_TOP/patches/$base"/[0-9][0-9][0-9][0-9]-*.patch)
patches+=("${extras[@]}")

# The same patches on the same start, with a clean tree, are already
# applied: leave the files (and so the build's timestamps) alone.
stamp=$(git -C "$src" rev-parse --absolute-git-dir)/ofreconf-applied
want=$({ git -C "$src" rev-parse "$start"; cat "${patches[@]}"; } | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] &&
	[ "$(git -C "$src" symbolic-ref -q --short HEAD)" = "$branch" ] &&
	[ -z "$(git -C "$src" status --porcelain --untracked-files=no)" ]; then
	echo "ofreconf: $base: already applied on branch $branch"
	exit 0
fi
rm -f "$stamp"
git -C "$src" am --abort >/dev/null 2>&1 || true
git -C "$src" checkout -q -f -B "$branch" "$start"
# A fixed committer makes the applied commits, and so the build's
# configuration stamp, the same on every run.
export GIT_COMMITTER_NAME="ofreconf" GIT_COMMITTER_EMAIL="dev@ofreconf.invalid"
export GIT_COMMITTER_DATE="2000-01-01T00:00:00Z"
n=0
for p in "${patches[@]}"; do
	case $(basename "$p") in 0000-cover-letter.patch) continue ;; esac
	# A series patch is a mail; a mutant may also be a plain -p1 diff.
	if head -n 1 "$p" | grep -q '^From '; then
		apply=(git -C "$src" am -q --3way "$p")
	else
		apply=(sh -c 'git -C "$1" apply --index "$2" && git -C "$1" commit -q -m "ofreconf: apply $(basename "$2")"' sh "$src" "$p")
	fi
	if ! "${apply[@]}" >/tmp/ofreconf-am.$$ 2>&1; then
		failed=$(git -C "$src" diff --name-only --diff-filter=U | tr '\n' ' ')
		[ -n "$failed" ] || failed=$(sed -n 's/^error: patch failed: \([^:]*\):.*/\1/p
			s/^error: \([^:]*\): does not exist.*/\1/p
			s/^error: sha1 information is lacking or useless (\(.*\))\./\1/p
			s/^error: \([^:]*\): patch does not apply/\1/p' /tmp/ofreconf-am.$$ | sort -u | tr '\n' ' ')
		git -C "$src" am --abort >/dev/null 2>&1 || true
		rm -f /tmp/ofreconf-am.$$
		die "patch $(basename "$p") does not apply to $base; failed files: ${failed:-unknown}"
	fi
	rm -f /tmp/ofreconf-am.$$
	n=$((n + 1))
done
echo "$want" >"$stamp"
echo "ofreconf: $base: applied $n patches on branch $branch"
