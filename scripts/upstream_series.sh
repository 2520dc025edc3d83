#!/usr/bin/env bash
# The series of an upstream-bound base split into one series per
# subsystem, ready for git send-email: each subsystem's patches are
# cherry-picked, in the kit's order, onto the bare base (so each series
# applies on its own), written with format-patch and a cover letter whose
# To: and Cc: come from the base's own scripts/get_maintainer.pl, and
# handed to 'git send-email --dry-run', which must accept them as they are.
#   scripts/upstream_series.sh <base>   (make series runs it for $UPSTREAM_BASE)
# Output: $OUT/upstream/<base>/<subsystem>/*.patch
set -euo pipefail
. "$(dirname "$0")/lib.sh"
base=${1:-${BASE:-}}
check_base "$base"
src=$CACHE/src/$base
branch=${OFRECONF_SERIES_BRANCH:-ofreconf/$base}
git -C "$src" rev-parse -q --verify "$branch" >/dev/null ||
	die "$src has no branch $branch; run 'make apply BASE=$base' first"
# git-send-email lives in git's exec path, not on PATH.
PATH=$(git --exec-path):$PATH
need_tool git-send-email git-email
need_tool perl perl

# subsystem_of COMMIT: the subsystem every file of COMMIT belongs to.
subsystem_of() {
	git -C "$src" diff-tree --no-commit-id --name-only -r "$1" | awk '
		/^drivers\/of\// { s = "of"; }
		/^arch\/powerpc\// { s = "powerpc"; }
		/^drivers\/base\// { s = "driver-core"; }
		{ if (s == "") s = "?"; seen[s] = 1; s = "" }
		END { n = 0; for (k in seen) { n++; one = k } print (n == 1 ? one : "mixed") }'
}

# Per subsystem: the cover letter's subject and what the series does; the
# cover letter adds the shortlog and diffstat.
declare -A subject=(
	[of]="of: runtime node removal and replacement hardening, with KUnit tests"
	[powerpc]="powerpc/pseries: drmem, INTx and PHB state after LPM and DLPAR"
	[driver-core]="drivers/base/node: KUnit tests for memory block links"
)
declare -A about=(
	[of]="drivers/of: nodes that leave the tree at runtime (a detached subtree, a node never attached) no longer leave stale phandle-cache entries or sysfs calls behind, with KUnit suites for the phandle cache under LPM-style replacement and for device-link releases before a changeset's nodes are freed."
	[powerpc]="powerpc: hardening of the drmem LMB code against malformed ibm,dynamic-memory(-v2) and ibm,associativity-lookup-arrays, a linear and serialized LMB refresh after LPM, INTx mappings tied to their devices, a removed PHB's IO area released, with the drmem and pci_intx KUnit suites; first two fixes without which the test guests cannot run with their checkers on: KASAN kernels built with GCC 12 hang in early boot, and lockdep switches itself off at the first interrupt replayed through the generic exit."
	[driver-core]="drivers/base/node: a KUnit suite for the links of memory blocks under their NUMA nodes, at boot and after a hot-add."
)
# Where one subsystem's series needs another's to run warning-free.
declare -A needs=(
	[powerpc]="The drmem suite's case that rewrites a property of a node it never attaches warns in kernfs without the drivers/of series' patch \"of: kobj: leave a node that is not in sysfs alone on a property update\"; the powerpc series applies and builds without it."
)

dest=$OUT/upstream/$base
rm -rf "$dest"
mkdir -p "$dest"
declare -A picks=()
for c in $(git -C "$src" rev-list --reverse "$base..$branch"); do
	s=$(subsystem_of "$c")
	[ -n "${about[$s]:-}" ] ||
		die "$(git -C "$src" log -1 --format='%h ("%s")' "$c") touches files of more than one subsystem or of none the kit sends ($s); split it"
	picks[$s]="${picks[$s]:-} $c"
done

wt=$(mktemp -d)
trap 'git -C "$src" worktree remove --force "$wt" >/dev/null 2>&1 || true; rm -rf "$wt"' EXIT
git -C "$src" worktree add -q --detach "$wt" "$base"
for s in $(printf '%s\n' "${!picks[@]}" | sort); do
	git -C "$wt" checkout -q --detach "$base"
	# shellcheck disable=SC2086 # a list of commit ids
	kit_git -C "$wt" cherry-pick ${picks[$s]} >"$dest/$s.pick.log" 2>&1 ||
		die "the $s patches do not apply to $base on their own; see $dest/$s.pick.log"
	out=$dest/$s
	mkdir -p "$out"
	git -C "$wt" format-patch -q --base="$base" --no-signature -o "$out" "$base..HEAD"
	to=$(cd "$wt" && perl scripts/get_maintainer.pl --no-git --no-git-fallback --no-fixes \
		--no-rolestats --m --no-r --no-l --no-s "$out"/*.patch | paste -sd, -)
	cc=$(cd "$wt" && perl scripts/get_maintainer.pl --no-git --no-git-fallback --no-fixes \
		--no-rolestats --no-m --r --l --no-s "$out"/*.patch | paste -sd, -)
	[ -n "$to" ] || die "get_maintainer.pl names no maintainer for the $s patches"
	rm -f "$out"/*.patch
	git -C "$wt" config branch.ofreconf-upstream.description "$(
		printf '%s\n\n%s\n' "${subject[$s]}" "${about[$s]}" | fold -s -w 72 | sed 's/ *$//'
		[ -z "${needs[$s]:-}" ] || printf '\n%s\n' "${needs[$s]}" | fold -s -w 72 | sed 's/ *$//'
		printf '\nEach patch carries the ofreconf identity; the submitter adds their own\nsign-off (git am -s) before sending.\n'
	)"
	git -C "$wt" checkout -q -B ofreconf-upstream
	kit_git -C "$wt" format-patch -q --cover-letter --cover-from-description=auto \
		--base="$base" --no-signature --to="$to" --cc="$cc" -o "$out" "$base..HEAD"
	git -C "$wt" checkout -q --detach
	git -C "$wt" branch -q -D ofreconf-upstream
	# send-email checks the headers and addresses of every patch and sends
	# nothing; --from is the submitter's, not known here.
	git send-email --dry-run --confirm=never --from="Submitter <submitter@example.org>" \
		"$out"/*.patch >"$dest/$s.send-email.log" 2>&1 ||
		die "git send-email --dry-run refuses the $s series; see $dest/$s.send-email.log"
	echo "ofreconf: $base $s: $(grep -vc 0000-cover <(ls "$out")) patches in $out, To: $to"
done
