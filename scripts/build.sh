#!/usr/bin/env bash
# Configure and build the ppc64le pseries guest kernel of a base out of tree,
# then ofreconf_test.ko against it with -Werror, and the guest initramfs.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

base=${1:-${BASE:-}}
check_base "$base"
check_kdir
need_build_tools
src=$(src_dir "$base")
obj=$(build_dir "$base")
is_kernel_tree "$src" || die "$src is not a kernel tree; run 'make fetch BASE=$base' first"
mkdir -p "$obj"

frags=("$OFRECONF_TOP/kunit/guest-common.config" "$OFRECONF_TOP/kunit/lean.config")
# v7.3's guest has v6.12's checkers: its fragment holds only what it adds.
[ "$base" != v7.3 ] || frags+=("$OFRECONF_TOP/kunit/guest-v6.12.config")
frags+=("$OFRECONF_TOP/kunit/guest-$base.config")
# Configure again when the fragments or the tree's Kconfig files change:
# options of the series' suites exist only once the series is applied.
# Not on each new commit: a prove round's mutants leave the options alone.
# A tree that is not a git tree (KDIR) is configured every time.
if kconfigs=$(git -C "$src" ls-files -s -- '*Kconfig*' 2>/dev/null); then
	kconfig_id=$(echo "$kconfigs" | sha256sum | cut -d' ' -f1)
else
	kconfig_id=$(date +%s.%N)
fi
{
	cat "${frags[@]}"
	echo "# Kconfig files: $kconfig_id"
	# A build tree from another kit layout or compiler is configured again.
	echo "# kit build layout $KIT_BUILD_LAYOUT; $("${CROSS}gcc" --version | head -n 1)"
} >"$obj/ofreconf.fragment"
if ! cmp -s "$obj/ofreconf.fragment" "$obj/ofreconf.fragment.used" || [ ! -f "$obj/.config" ]; then
	(cd "$src" && ARCH=powerpc CROSS_COMPILE=$CROSS \
		scripts/kconfig/merge_config.sh -n -m -O "$obj" "${frags[@]}" >"$obj/merge.log" 2>&1) ||
		die "merge_config.sh failed for $base; see $obj/merge.log"
	kmake "$base" olddefconfig >>"$obj/merge.log" 2>&1
	# Every line of the fragments must have survived olddefconfig.  An
	# option no Kconfig of this tree defines (a suite of a patch that is
	# not applied) is only reported.
	missing=() absent=()
	while read -r l; do
		grep -qxF "$l" "$obj/.config" && continue
		sym=${l%%=*}
		if grep -rqsE "^(menu)?config ${sym#CONFIG_}\$" --include='Kconfig*' "$src"; then
			missing+=("$l")
		else
			absent+=("$sym")
		fi
	done < <(grep -hE '^CONFIG_[A-Z0-9_]+=' "${frags[@]}" | grep -v '=n$')
	[ ${#absent[@]} -eq 0 ] || echo "ofreconf: $base: not in this tree, skipped: ${absent[*]}"
	[ ${#missing[@]} -eq 0 ] || die "the $base guest config lacks ${missing[*]}: a dependency is missing from kunit/guest-*.config"
	# An option the fragments leave out must stay out: one that another
	# option selects back would be built after all.
	back=()
	while read -r sym; do
		grep -qE "^$sym=[ym]\$" "$obj/.config" && back+=("$sym")
	done < <(sed -n 's/^\(CONFIG_[A-Z0-9_]*\)=n$/\1/p' "${frags[@]}")
	[ ${#back[@]} -eq 0 ] || die "the $base guest config still has ${back[*]}, which kunit/guest-*.config leaves out: another option selects it"
	cp "$obj/ofreconf.fragment" "$obj/ofreconf.fragment.used"
fi

if ! kmake "$base" vmlinux modules >"$obj/build.log" 2>&1; then
	grep -E 'error|Error' "$obj/build.log" | head -n 20 >&2
	die "the $base kernel does not build; full log in $obj/build.log"
fi
"$(dirname "$0")/module.sh" "$base"
"$(dirname "$0")/initramfs.sh" "$base"
