#!/usr/bin/env bash
# Tier vm: boot the patched guest kernel of a base under QEMU pseries with
# the initramfs (busybox, ofreconf_test.ko, the scenarios), once per
# interrupt controller, and judge its KTAP.
#   scripts/vm.sh <base> [xive|xics ...]      (default: xive xics)
# OFRECONF_VM_OUT overrides where the logs go, OFRECONF_VM_KERNEL and
# OFRECONF_VM_INITRD what boots (prove uses them).  OFRECONF_SOAK=1 (make
# soak) runs the repeated cases at their long counts (scripts/guest/init.sh).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

base=${1:-${BASE:-}}
check_base "$base"
shift || true
modes=("$@")
[ ${#modes[@]} -gt 0 ] || modes=(${OFRECONF_IC_MODES:-xive xics})
need_qemu
kunit_py=$CACHE/src/v6.12/tools/testing/kunit/kunit.py
[ -f "$kunit_py" ] || die "6.12's kunit.py is needed to parse results; run 'make fetch BASE=v6.12'"
kernel=${OFRECONF_VM_KERNEL:-$(build_dir "$base")/vmlinux}
initrd=${OFRECONF_VM_INITRD:-$CACHE/initramfs/$base.cpio.gz}
[ -f "$kernel" ] || die "$kernel is missing; run 'make build BASE=$base'"
[ -f "$initrd" ] || die "$initrd is missing; run 'make build BASE=$base'"

# movable_node: the DIMM scripts/guest.py cold-plugs is boot memory, which
# goes to ZONE_NORMAL and takes unmovable boot allocations unless it is
# marked hotplug; QEMU flags its LMBs hot-removable, and movable_node keeps
# such memory out of boot allocations and in ZONE_MOVABLE, so the memlinks
# scenario can hot-remove it (memhp_default_state only covers memory added
# after boot).  Node 0's and node 1's boot memory is not flagged and stays
# where it was.
# ofreconf.strict=1 (XIVE, and every prove boot): the kit's own guest; what
# the kit made must be there, and the module is loaded with strict=1.  The
# XICS boot loads it as the README tells a user (strict=0): there a missing
# device would skip, and the judge fails any skip expected/results.txt does
# not list.
# node_memlinks_kunit.hotplug=1 (every boot): the DIMM is the kit's, so the
# series' node_memlinks suite may hot-remove its block and add it back (its
# hot-add case), and must: without the parameter the case would skip.
append="console=hvc0 log_buf_len=8M panic=-1 movable_node node_memlinks_kunit.hotplug=1 ${OFRECONF_APPEND:-}"
# The vm boot that keeps kmemleak, where the guest has it (v6.12, v7.3):
# only intx_live.phb_kmemleak_clean_after_cycles has it scan, and one
# guest's scan after the PHB cycles finds what they leak.  The other vm
# boot, like every prove boot and the kunit tier's guest, runs with
# kmemleak=off (kmemleak_off, scripts/lib.sh).  XICS: with kmemleak on
# both, the XICS guest ended first in make test (warm, beside the check
# tier: v6.12 XICS 256 s, XIVE 284 s; v7.3 266 and 294 s), so kmemleak's
# cost goes to the guest that waited.
VM_KMEMLEAK_MODE=xics
# boot MODE DIR: one guest, its exit code in DIR/status.
boot() {
	local mode=$1 dir=$2 areas extra rc=0
	# Which scenarios run: OFRECONF_AREAS (prove), else each once or, where
	# it depends on the interrupt controller (intx), on both.  memlinks
	# runs on XICS, where it evens out the two guests that run side by
	# side (v6.12 alone, one vCPU: XIVE 252 s with it, XICS about 150 s
	# without; memlinks 42 s).
	areas=${OFRECONF_AREAS:-}
	[ -n "$areas" ] || areas=$([ "$mode" = xive ] && echo "$VM_XIVE_AREAS" || echo "$VM_XICS_AREAS")
	extra="ofreconf.areas=$areas ofreconf.strict=$([ "$mode" = xics ] && echo 0 || echo 1)"
	# A prove boot runs without kmemleak (kmemleak_off, scripts/lib.sh):
	# no mutant names the one case that has it scan, which then skips;
	# of the vm tier's boots only VM_KMEMLEAK_MODE's keeps it.
	[ -z "${OFRECONF_PROVE:-}" ] || extra+=" ofreconf.prove=1"
	[ -z "${OFRECONF_PROVE:-}" ] && [ "$mode" = "$VM_KMEMLEAK_MODE" ] ||
		extra+=" $(kmemleak_off "$base")"
	[ "${OFRECONF_SOAK:-0}" != 1 ] || extra+=" ofreconf.soak=1"
	# Where kunit.py exec already ran the built-in suites (has_kunit_tool),
	# the vm boots run only the module's (KUnit applies its glob to modules
	# too).  A prove boot runs the built-in suites: a mutant must break its
	# named cases and nothing else.
	if has_kunit_tool "$base" && [ -z "${OFRECONF_PROVE:-}" ]; then
		extra+=" kunit.filter_glob=ofreconf*"
	fi
	# A prove boot of some areas leaves out the other areas' slow suites.
	# A case a mutant names that did not run is not proof (prove_judge.py),
	# so a suite left out by mistake fails the round.
	if [ -n "${OFRECONF_PROVE:-}" ] && [[ " $KUNIT_FILTER_BASES " == *" $base "* ]]; then
		local area skip=()
		for area in "${!AREA_SLOW_KUNIT[@]}"; do
			[[ ",$areas," == *",$area,"* || ",$areas," == *",all,"* ]] ||
				skip+=("module!=${AREA_SLOW_KUNIT[$area]}")
		done
		[ ${#skip[@]} = 0 ] || extra+=" kunit.filter=$(IFS=,; echo "${skip[*]}")"
	fi
	python3 "$OFRECONF_TOP/scripts/guest.py" --kernel "$kernel" --initrd "$initrd" \
		--ic-mode "$mode" --log-dir "$dir" --timeout "${OFRECONF_VM_TIMEOUT:-1500}" \
		--append "$append $extra" || rc=$?
	echo "$rc" >"$dir/status"
	echo "ofreconf: $base $mode guest ran $(cat "$dir/time" 2>/dev/null || echo ?)s (exit $rc), console: $dir/console.log"
}

# log_dir MODE: where the MODE guest's logs go.
log_dir() { echo "${OFRECONF_VM_OUT:-$OUT/$base}/vm-$1"; }

# The guests run side by side, one vCPU and so at most one core each
# (scripts/guest.py); they share nothing but the read-only kernel and
# initramfs.
for mode in "${modes[@]}"; do
	dir=$(log_dir "$mode")
	rm -rf "$dir"
	mkdir -p "$dir"
	boot "$mode" "$dir" &
done
wait

judged=0
for mode in "${modes[@]}"; do
	dir=$(log_dir "$mode")
	# A guest that never reached /init stops the run (not under prove,
	# where a mutant may crash the kernel on purpose).
	if ! grep -q '^@@phase init' "$dir/console.log" && [ -z "${OFRECONF_VM_OUT:-}" ]; then
		tail -n 15 "$dir/console.log" | sed 's/^/  | /' >&2
		die "the $base guest ($mode) did not boot to /init; its console is in $dir/console.log: check the guest config (kunit/guest-*.config) and the kernel's last lines above"
	fi
	# A mutant's run (prove) is judged by prove.sh, not against the list.
	judge=(--judge "$base" "vm-$mode")
	[ -z "${OFRECONF_VM_OUT:-}" ] || judge=()
	python3 "$OFRECONF_TOP/scripts/ktap.py" collect "$dir" --kunit "$kunit_py" \
		--boot-suite "ofreconf_boot_${base/./_}_$mode" "${judge[@]}" || judged=1
done
[ "$judged" = 0 ] || die "$base vm: the judge found failures (the FAIL lines above; expected cases in expected/results.txt)"
