# shellcheck shell=bash
# Shared helpers for the ofreconf scripts: the base table, the cache layout,
# stage timing and error reporting.  Sourced, never run.

OFRECONF_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${OFRECONF_CACHE:-$HOME/.cache/ofreconf}
OUT=${OFRECONF_OUT:-$OFRECONF_TOP/out}
CROSS=${CROSS_COMPILE:-powerpc64le-linux-gnu-}
JOBS=${JOBS:-$(nproc)}

# base -> Debian package, version, suite
declare -A BASE_PKG=([v5.10]=linux-source-5.10 [v6.12]=linux-source-6.12
	[v7.3]=linux-source-7.3)
declare -A BASE_VER=([v5.10]=5.10.262-1 [v6.12]=6.12.117-1~deb12u1
	[v7.3]=7.3.4-1~bpo13+1)
declare -A BASE_SUITE=([v5.10]=bullseye-security [v6.12]=bookworm-security
	[v7.3]=trixie-backports)
# The bases make run/test cover when no BASE is given.
BASES="v5.10 v6.12 v7.3"
# The bases whose own kunit.py boots the pseries guest (--arch, 5.16 on):
# their built-in suites run in the kunit tier, the vm boots only the
# module's.  v5.10's built-in suites run in its vm boots.
KUNIT_TOOL_BASES="v6.12 v7.3"
# The base whose series goes upstream: make series also splits it per
# subsystem for git send-email (scripts/upstream_series.sh).
UPSTREAM_BASE=v7.3
# Raise when a change to how the kit builds must not reuse older build trees.
KIT_BUILD_LAYOUT=2
AREAS="foundation phandle memlinks devlink intx drmem"
# The scenarios each vm tier boot runs (scripts/guest/<area>.sh; the
# module's suites run on both): expected/results.txt lists their cases
# under vm-xive and vm-xics accordingly.
VM_XIVE_AREAS="phandle,intx,drmem"
VM_XICS_AREAS="intx,memlinks"
# The slow in-tree suites of an area, by the object KUnit gives as their
# "module" attribute: a prove boot leaves out those of areas none of its
# mutants touch (kunit.filter, KUnit 6.6 on: the bases below).  The other
# areas' suites take under a second, and node_memlinks hot-plugs the DIMM
# the scenarios use after it, so they always run.
declare -gA AREA_SLOW_KUNIT=([phandle]=of_phandle_cache_test [devlink]=of_devlink_removal_test)
KUNIT_FILTER_BASES="v6.12 v7.3"

# git as the kit: the identity of the commits and mails the scripts make.
kit_git() {
	git -c user.name="ofreconf developers" -c user.email=dev@ofreconf.invalid "$@"
}

die() {
	echo "ofreconf: error: $*" >&2
	exit 1
}

# CPU seconds (user + system) used by the waited-for children of the
# process PID.
children_cpu() {
	awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); printf "%d\n", ($14 + $15) / hz }' "/proc/$1/stat"
}

# Print one line when a long stage starts and its time when it ends (in
# make run and make test, each at its second of the run), and add
# "stage<TAB>wall<TAB>cpu" to $OUT/stages.tsv for the closing table.
# The command runs in a subshell of its own that reads its children's CPU
# time: the caller's would also count a stage running beside it in the
# background, as soon as that one ends.
stage() {
	local name=$1 t0 rc wall cpu f at=
	shift
	t0=$(date +%s)
	[ -z "${OFRECONF_RUN_T0:-}" ] || at=" (at $((t0 - OFRECONF_RUN_T0)) s)"
	echo "==> $name$at"
	f=$(mktemp)
	rc=0
	(
		r=0
		"$@" || r=$?
		children_cpu "$BASHPID" >"$f"
		exit "$r"
	) || rc=$?
	wall=$(($(date +%s) - t0))
	cpu=$(cat "$f")
	rm -f "$f"
	mkdir -p "$OUT"
	printf '%s\t%d\t%d\n' "$name" "$wall" "${cpu:-0}" >>"$OUT/stages.tsv"
	if [ "$rc" -ne 0 ]; then
		echo "<== $name FAILED after ${wall}s (cpu ${cpu:-?}s)" >&2
		return "$rc"
	fi
	echo "<== $name done in ${wall}s (cpu ${cpu}s)${at:+ (ended at $((t0 + wall - OFRECONF_RUN_T0)) s)}"
}

check_base() {
	local b=$1
	[ -n "$b" ] || die "no BASE given; supported bases: $BASES"
	[ -n "${BASE_PKG[$b]:-}" ] ||
		die "unknown BASE '$b'; known bases: $(printf '%s\n' "${!BASE_PKG[@]}" | sort -V | xargs) (e.g. make run BASE=v6.12)"
}

# The kernel source tree of a base: the user's KDIR or the cached git tree.
src_dir() {
	if [ -n "${KDIR:-}" ]; then
		echo "$KDIR"
	else
		echo "$CACHE/src/$1"
	fi
}

# has_kunit_tool BASE: does the base's kunit.py boot its pseries guest?
has_kunit_tool() { [[ " $KUNIT_TOOL_BASES " == *" $1 "* ]]; }

build_dir() { echo "$CACHE/build/$1${2:+-$2}"; }

# kmemleak_off BASE: the boot parameter that turns kmemleak off, where
# BASE's guest kernel has it (kunit/guest-v6.12.config), for a boot whose
# tests never ask it to scan.  It records every allocation with its stack
# trace: a v6.12 XIVE vm guest (TCG, one vCPU) ran 276 s with it and 180 s
# with kmemleak=off, every case passing but the one that scans.
kmemleak_off() {
	grep -qx 'CONFIG_DEBUG_KMEMLEAK=y' "$(build_dir "$1")/.config" 2>/dev/null || return 0
	echo kmemleak=off
}

is_kernel_tree() {
	[ -f "$1/Makefile" ] && [ -f "$1/Kconfig" ] && [ -d "$1/arch/powerpc" ] &&
		[ -f "$1/scripts/kconfig/merge_config.sh" ]
}

check_kdir() {
	[ -z "${KDIR:-}" ] && return 0
	is_kernel_tree "$KDIR" ||
		die "KDIR=$KDIR is not a kernel source tree (no Makefile, Kconfig and arch/powerpc there); point KDIR at the top of a Linux tree or leave it unset to fetch a base"
}

# Install Debian packages when a tool is missing and we are root.
need_tool() {
	local tool=$1 pkg=$2
	command -v "$tool" >/dev/null 2>&1 && return 0
	if [ "$(id -u)" -eq 0 ] && [ "${OFRECONF_NO_INSTALL:-0}" != 1 ]; then
		echo "ofreconf: installing $pkg for $tool"
		if ! { apt-get install -y -qq "$pkg" >/dev/null 2>&1 ||
			{ apt-get update -qq >/dev/null 2>&1 &&
				DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkg" >/dev/null 2>&1; }; }; then
			die "could not install $pkg (for $tool); run 'apt-get update && apt-get install $pkg' by hand"
		fi
	fi
	command -v "$tool" >/dev/null 2>&1 ||
		die "$tool is missing; install it with 'apt-get install $pkg' (make run and make test do this when run as root)"
}

need_build_tools() {
	need_tool "${CROSS}gcc" "gcc-${CROSS%-}"
	need_tool flex flex
	need_tool bison bison
	need_tool bc bc
	need_tool cpio cpio
	need_tool perl perl
	need_tool python3 python3
	need_tool rsync rsync
	need_tool xz xz-utils
	need_tool ccache ccache
	need_tool sparse sparse
	# libelf and openssl headers for objtool / sign-file on the host
	[ -f /usr/include/libelf.h ] || need_tool_hdr libelf-dev
	[ -f /usr/include/openssl/ssl.h ] || need_tool_hdr libssl-dev
}

need_tool_hdr() {
	if [ "$(id -u)" -eq 0 ] && [ "${OFRECONF_NO_INSTALL:-0}" != 1 ]; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" >/dev/null 2>&1 ||
			die "could not install $1; run 'apt-get update && apt-get install $1'"
	else
		die "$1 is missing; install it with 'apt-get install $1'"
	fi
}

need_qemu() { need_tool qemu-system-ppc64 qemu-system-ppc; }

# ccache keyed on paths relative to the cache, so trees and build
# directories of the same base share their objects.
export CCACHE_DIR=${CCACHE_DIR:-$CACHE/ccache}
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$CACHE}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-8G}
# Depend mode: on a miss ccache hashes the headers the compiler's own -MMD
# list names instead of running the preprocessor first.  A cold build (CI
# always is) is mostly misses: v6.12's mm/, kernel/ and lib/ (398
# objects, 2 cores) took 122 and 134 s without ccache, 175 and 182 s in
# its default mode and 141 and 148 s in depend mode; a rerun hit every
# object in 12 s in both modes.  CCACHE_NODEPEND=true turns it off.
[ -n "${CCACHE_NODEPEND:-}" ] || export CCACHE_DEPEND=true
# What a miss still cost in depend mode: hashing every header of every
# object again, and compressing the object it stores.  The inode cache
# hashes a header once per run (keyed on its inode, size and times); the
# objects go in uncompressed (a cold make test leaves 0.45 GB, 0.15
# compressed).
# Measured on the same 398 objects of v6.12, empty cache, 2 cores (CPU
# = user + system): 142 s wall and 275 s CPU with gcc alone, 172 and
# 323 s in depend mode, 159 and 308 s with the inode cache, 151 and
# 280 s with both.
# CCACHE_NOINODECACHE=true and CCACHE_COMPRESS=true turn them off.
[ -n "${CCACHE_NOINODECACHE:-}" ] || export CCACHE_INODECACHE=true
[ -n "${CCACHE_COMPRESS:-}" ] || export CCACHE_NOCOMPRESS=true
# The compilers' heaps in transparent huge pages (glibc 2.35 on; older
# glibc ignores it): where the system leaves THP to madvise, each 4 KiB
# page of cc1's malloc arena is a page fault; system time was 25 of the
# 90 CPU minutes of a cold make test.  v6.12's mm/ and kernel/ (gcc
# alone, 2 cores), one run each in both orders: 112 and 102 s, 208 and
# 198 CPU s without; 100 and 98 s, 194 and 191 CPU s with.
case ${GLIBC_TUNABLES:-} in
*glibc.malloc.hugetlb=*) ;;
*) export GLIBC_TUNABLES=${GLIBC_TUNABLES:+$GLIBC_TUNABLES:}glibc.malloc.hugetlb=1 ;;
esac

# build_inputs BASE: what a build of BASE reads besides the kit's own
# files, one line each: the base's tree, the cross and host compilers and
# the variables Kbuild takes from the environment into the build.
build_inputs() {
	echo "base $1 $(git -C "$(src_dir "$1")" rev-parse "$1")"
	"${CROSS}gcc" --version | head -n 1
	"${CROSS}ld" --version | head -n 1
	gcc --version | head -n 1
	env | grep -E '^(K(C|CPP|A|RUST)FLAGS|[AC]FLAGS_(KERNEL|MODULE)|LDFLAGS_MODULE|LLVM(_IAS)?)=' |
		sort || true
}

# round_id BASE MUTANT...: one id for every input of the kernel and
# initramfs a prove round of BASE with these mutants builds: the base's
# tree, the series, the mutants in their order, the guest config
# fragments, the kit's build, module and guest files, busybox, the cross
# and host compilers and Kbuild's variables in the environment.  Names
# are relative to the kit, so another clone of it gets the same id.
# Nothing without mutants (the restored series is always built: that puts
# the tree back), for a tree of the user's (KDIR: the kit cannot name what
# it holds) or before the first build has fetched busybox.
round_id() {
	local base=$1 rel=() f
	shift
	[ $# -gt 0 ] && [ -z "${KDIR:-}" ] && [ -f "$CACHE/busybox/busybox" ] || return 0
	for f in "$@"; do rel+=("$(realpath --relative-to="$OFRECONF_TOP" "$f")"); done
	(
		build_inputs "$base"
		sha256sum <"$CACHE/busybox/busybox"
		cd "$OFRECONF_TOP" || exit 1
		# shellcheck disable=SC2046 # file names without spaces
		sha256sum patches/"$base"/[0-9][0-9][0-9][0-9]-*.patch "${rel[@]}" kunit/*.config \
			Kbuild $(find drivers scripts/guest -type f | sort) \
			scripts/lib.sh scripts/apply.sh scripts/build.sh scripts/module.sh \
			scripts/initramfs.sh scripts/apt-private.sh
	) | sha256sum | cut -c1-16
}

# boot_id ROUND_ID AREAS: one id for what a prove round's boot is made
# of: its kernel and initramfs (ROUND_ID), the areas it runs, QEMU, the
# scripts that boot it and turn its console into results, and the
# variables that change its command line.  prove.sh keeps the guest's
# results of a round that passed under it.  Not in it: the judge
# (prove_judge.py), which judges kept results again on every run.
boot_id() {
	(
		echo "round $1 areas $2"
		qemu-system-ppc64 --version | head -n 1
		env | grep -E '^OFRECONF_(APPEND|SOAK|VM_TIMEOUT)=' | sort || true
		cd "$OFRECONF_TOP" || exit 1
		sha256sum scripts/vm.sh scripts/guest.py scripts/ktap.py
	) | sha256sum | cut -c1-16
}

# check_id PART BASE...: one id for every input of a part of the check
# tier (scripts/check.sh): checkpatch, or a base's series checks.  It
# covers the build_inputs of the BASEs (whose trees hold checkpatch.pl and
# its word lists), sparse and perl, the kit's patches of the BASEs, the
# module, the config fragments and the scripts the part runs; for a base
# part also the tree of its applied series and the guest .config the
# objects are compiled with.  Nothing for a tree of the user's (KDIR).
check_id() {
	local part=$1 b
	shift
	[ -z "${KDIR:-}" ] || return 0
	(
		echo "check part $part"
		for b in "$@"; do build_inputs "$b"; done
		sparse --version
		perl -e 'print "perl $^V\n"'
		if [ "$part" != checkpatch ]; then
			git -C "$(src_dir "$part")" rev-parse "ofreconf/$part^{tree}"
			sha256sum <"$(build_dir "$part")/.config"
		fi
		cd "$OFRECONF_TOP" || exit 1
		for b in "$@"; do sha256sum patches/"$b"/[0-9][0-9][0-9][0-9]-*.patch; done
		# shellcheck disable=SC2046 # file names without spaces
		sha256sum Kbuild $(find drivers -type f | sort) kunit/*.config scripts/lib.sh \
			scripts/check.sh scripts/stable_alone.sh scripts/module.sh scripts/build.sh \
			scripts/apply.sh
	) | sha256sum | cut -c1-16
}

# Two cores: kernel builds take this lock so that two never run at once.
# The check tier gives each base's few-object builds a lock of their own
# (OFRECONF_BUILD_LOCK, scripts/check.sh).
build_lock() { flock "${OFRECONF_BUILD_LOCK:-$CACHE/build.lock}" "$@"; }

# make for the guest kernel of a base (KBUILD_BUILD_* keep ccache hits)
kmake() {
	local base=$1
	shift
	local cc="${CROSS}gcc"
	command -v ccache >/dev/null 2>&1 && cc="ccache ${CROSS}gcc"
	mkdir -p "$CACHE"
	build_lock make -s -C "$(src_dir "$base")" O="$(build_dir "$base")" ARCH=powerpc \
		CROSS_COMPILE="$CROSS" CC="$cc" -j"$JOBS" \
		KBUILD_BUILD_TIMESTAMP="ofreconf" KBUILD_BUILD_USER=ofreconf \
		KBUILD_BUILD_HOST=ofreconf "$@"
}
