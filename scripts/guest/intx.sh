# shellcheck shell=sh
# intx (issue 4): INTx (LSI) mappings across PCI remove/rescan cycles and
# PHB remove_slot/add_slot cycles.  Sourced by /init after insmod; uses
# lib.sh.  Emits one KTAP suite, "intx_live", and "@@intx" lines with the
# numbers the note reports (irq descriptor counts, durations).
#
# The guest: two e1000 at pci.0 slots 2 and 6 (one shared LSI) and a
# second PHB (DRC "PHB 1") with an e1000 of its own.

# Cycle counts, by OFRECONF_CYCLES (/init).  Each intx bug shows in every
# cycle: a descriptor kept with its devices gone, a PHB IO window one step
# higher.  A prove boot and the vm tier run 5 rescans and 2 PHB cycles,
# the counts at which the mutants that name these cases (no-disposal,
# phb-iounmap) fail them in every run's prove rounds; make soak
# (OFRECONF_SOAK=1) runs 100 rescans and 20 PHB cycles.
case ${OFRECONF_CYCLES:-vm} in
soak) intx_rescans=100 intx_phbs=20 ;;
*) intx_rescans=5 intx_phbs=2 ;;
esac
INTX_RESCAN_CYCLES=${INTX_RESCAN_CYCLES:-$intx_rescans}
INTX_PHB_CYCLES=${INTX_PHB_CYCLES:-$intx_phbs}
INTX_PHB_DRC=${INTX_PHB_DRC:-PHB 1}
INTX_SLOTS=/sys/bus/pci/slots/control

intx_say() { echo "@@intx $*" >/dev/console; }
intx_now() { cut -d. -f1 /proc/uptime; }

# e1000 (8086:100e) addresses, optionally only those of one PCI domain.
intx_e1000s() {
	for _d in /sys/bus/pci/devices/${1:-*}:*; do
		[ -e "$_d/vendor" ] || continue
		[ "$(cat "$_d/vendor")" = 0x8086 ] && [ "$(cat "$_d/device")" = 0x100e ] &&
			echo "${_d##*/}"
	done
	return 0
}

# intx_gone IRQ...: count in INTX_KEPT each irq that still has a
# descriptor once its last device is removed, the last in INTX_KEPT_IRQ (a
# leaked mapping; re-added devices reuse the mapping, so the descriptor
# count alone cannot see it).
intx_gone() {
	for _v in "$@"; do
		[ ! -d "/sys/kernel/irq/$_v" ] || { INTX_KEPT=$((INTX_KEPT + 1)); INTX_KEPT_IRQ=$_v; }
	done
}

# Remove the e1000s of the first PHB (both sharers of the pin), then
# rescan; fails if they do not come back.
intx_rescan_cycle() {
	_v=$(cat "/sys/bus/pci/devices/${INTX_PAIR%% *}/irq")
	for _a in $INTX_PAIR; do
		echo 1 >"/sys/bus/pci/devices/$_a/remove" || return 1
	done
	intx_gone "$_v"
	echo 1 >/sys/bus/pci/rescan || return 1
	for _a in $INTX_PAIR; do
		[ -e "/sys/bus/pci/devices/$_a" ] || return 1
	done
}

# The second PHB's device-tree node: the parent of its e1000's node.
intx_phb_node() {
	_e=$(intx_e1000s "$INTX_PHB_DOMAIN" | head -n 1)
	[ -n "$_e" ] && _o=$(readlink -f "/sys/bus/pci/devices/$_e/of_node") &&
		echo "${_o%/*}"
}

# Between remove_slot and add_slot drmgr has firmware build the PHB's node
# afresh; add_slot then scans the PHB from that node.  Without this step
# the PHB comes back from its boot-time node, whose assigned-addresses no
# longer match the BARs once a rescan has moved them (the module's intx
# suite rescans the second PHB's e1000), and the e1000 reads garbage.
# 6.12 offers drmgr's way, "dt remove/add index" in /sys/kernel/dlpar;
# 5.10 does not, so drop the stale assigned-addresses through
# /proc/powerpc/ofdt, as a fresh node from QEMU has none.
intx_phb_fresh_node() {
	_n=$INTX_PHB_NODE
	[ -d "$_n" ] || { intx_say "no device-tree node for the second PHB"; return 1; }
	if grep -q dt /sys/kernel/dlpar 2>/dev/null; then
		_d=0x$(hexdump -v -e '1/1 "%02x"' "$_n/ibm,my-drc-index")
		echo "dt remove index $_d" >/sys/kernel/dlpar &&
			echo "dt add index $_d" >/sys/kernel/dlpar && return 0
		intx_say "$_n: dt remove/add index $_d failed"
		return 1
	fi
	for _c in "$_n"/*/assigned-addresses; do
		[ -e "$_c" ] || continue
		_p=$(dt_phandle "${_c%/*}") || _p=
		# No newline: reconfig.c would take it as part of the name.
		printf "remove_property %s assigned-addresses" "$_p" >/proc/powerpc/ofdt ||
			{ intx_say "${_c%/*}: cannot remove assigned-addresses (phandle '$_p')"; return 1; }
	done
}

# Remove the second PHB's devices and the PHB, then add it back; the PHB
# may come back under another domain number, so look its e1000 up again.
intx_phb_cycle() {
	_vs=
	for _a in $(intx_e1000s "$INTX_PHB_DOMAIN"); do
		_vs="$_vs $(cat "/sys/bus/pci/devices/$_a/irq")"
		echo 1 >"/sys/bus/pci/devices/$_a/remove" || return 1
	done
	# shellcheck disable=SC2086
	intx_gone $_vs
	echo "$INTX_PHB_DRC" >"$INTX_SLOTS/remove_slot" || return 1
	intx_phb_fresh_node || return 1
	echo "$INTX_PHB_DRC" >"$INTX_SLOTS/add_slot" || return 1
	_new=$(intx_e1000s | grep -v '^0000:' | head -n 1)
	[ -n "$_new" ] || return 1
	INTX_PHB_DOMAIN=${_new%%:*}
}

# What a PHB takes and must give back when it is removed (issue 13).
# intx_phb_io_window: the start of the second PHB's IO window, as an IO
# port number: its top-level /proc/ioports entry, named after its
# device-tree node; else the IO BAR of its e1000.
intx_phb_io_window() {
	_w=$(awk -v n="${INTX_PHB_NODE##*/}" 'substr($0, 1, 1) != " " {
		i = index($0, " : "); nm = substr($0, i + 3)
		if (n != "" && (nm == n || substr(nm, length(nm) - length(n)) == "/" n)) {
			split(substr($0, 1, i - 1), r, "-"); print "0x" r[1]; exit
		} }' /proc/ioports)
	if [ -z "$_w" ]; then
		_e=$(intx_e1000s "$INTX_PHB_DOMAIN" | head -n 1)
		[ -z "$_e" ] || while read -r _s _x _f; do
			[ $((_f & 0x100)) = 0 ] || [ $((_s)) = 0 ] || { _w=$_s; break; }
		done <"/sys/bus/pci/devices/$_e/resource"
	fi
	echo "${_w:-none}"
}

# intx_phb_io_areas: /proc/vmallocinfo areas that ioremap_phb() took for
# PHB IO windows (the caller it records is pcibios_map_phb_io_space, or
# the function it was inlined into).
intx_phb_io_areas() {
	grep -cE 'pcibios_(map_phb_io_space|map_io_space|setup_phb_io_space)\+' /proc/vmallocinfo || true
}

# intx_kmemleak_scan: have kmemleak scan now; prints the number of
# objects it reports, or nothing without kmemleak.  Objects younger than
# 5 s are not reported yet, hence the wait.
intx_kmemleak_scan() {
	_k=/sys/kernel/debug/kmemleak
	[ -w "$_k" ] || return 0
	sleep 6
	echo scan >"$_k" 2>/dev/null || return 0
	grep -c 'unreferenced object' "$_k" || true
}

# intx_fired IRQ: how many times IRQ fired, over all CPUs.
intx_fired() {
	_n=$(awk -v i="$1:" '$1 == i { s = 0; for (c = 2; c <= NF && $c ~ /^[0-9]+$/; c++) s += $c; print s }' /proc/interrupts)
	echo "${_n:-0}"
}

# intx_irq_rises IRQ COUNT: wait until IRQ has fired more than COUNT
# times, 3 s at most (it replaces a fixed wait of 2 s).
intx_irq_rises() {
	_rw=0
	while [ "$(intx_fired "$1")" -le "$2" ] && [ $_rw -lt 15 ]; do
		sleep 0.2
		_rw=$((_rw + 1))
	done
}

# intx_irqs_work ADDR...: bring each e1000 up and check that its
# interrupt fires: the driver's open forces a link-status interrupt, so
# the count must rise between before and after (a shared pin's count may
# be above 0 already from the other device).  The wait after each open
# ends as soon as the count rose; the judging below reads it again.
intx_irqs_work() {
	_ok=0
	_before=
	for _a in "$@"; do
		_irq=$(cat "/sys/bus/pci/devices/$_a/irq")
		[ -d "/sys/kernel/irq/$_irq" ] || { intx_say "$_a: irq $_irq has no descriptor"; _ok=1; continue; }
		_net=$(ls "/sys/bus/pci/devices/$_a/net" 2>/dev/null | head -n 1)
		[ -n "$_net" ] || { intx_say "$_a: no network interface"; _ok=1; continue; }
		_n=$(intx_fired "$_irq")
		_before="$_before $_a=$_n"
		ip link set "$_net" up 2>/dev/null || ifconfig "$_net" up || true
		intx_irq_rises "$_irq" "$_n"
	done
	for _a in "$@"; do
		_irq=$(cat "/sys/bus/pci/devices/$_a/irq")
		_b=$(echo "$_before" | tr ' ' '\n' | sed -n "s/^$_a=//p")
		_n=$(intx_fired "$_irq")
		intx_say "$_a: irq $_irq fired ${_b:-?} times before up, $_n after"
		[ -n "$_b" ] && [ "$_n" -gt "$_b" ] || _ok=1
		_net=$(ls "/sys/bus/pci/devices/$_a/net" 2>/dev/null | head -n 1)
		[ -z "$_net" ] || ip link set "$_net" down 2>/dev/null || ifconfig "$_net" down 2>/dev/null || true
	done
	return $_ok
}

# intx_registers_dead ADDR...: true if an e1000 reads an all-zero MAC, the
# sign that its driver could not reach the device's registers.
intx_registers_dead() {
	for _a in "$@"; do
		_net=$(ls "/sys/bus/pci/devices/$_a/net" 2>/dev/null | head -n 1)
		[ -n "$_net" ] || continue
		[ "$(cat "/sys/class/net/$_net/address")" = 00:00:00:00:00:00 ] && return 0
	done
	return 1
}

ktap_begin intx_live 14
INTX_PAIR=$(intx_e1000s 0000 | tr '\n' ' ')
INTX_PHB_DOMAIN=$(intx_e1000s | grep -v '^0000:' | head -n 1 | cut -d: -f1)
INTX_PHB_NODE=$(intx_phb_node)
intx_taint0=$(cat /proc/sys/kernel/tainted)
intx_start=$(irq_descs)
intx_say "irq descriptors at start: $intx_start; first PHB e1000s: $INTX_PAIR; second PHB domain: ${INTX_PHB_DOMAIN:-none}"

# 1. PCI remove-both-then-rescan cycles, a log check every 10 cycles and
#    after the last (the log buffer would not hold 100 cycles of probe
#    messages).
if [ "$(echo "$INTX_PAIR" | wc -w)" -lt 2 ]; then
	ktap_need pci_remove_rescan_cycles "two e1000 on the first PHB"
	ktap_need irq_descs_back_after_rescan_cycles "two e1000 on the first PHB"
else
	_t=$(intx_now) _i=0 INTX_KEPT=0 _bad=
	klog_mark
	while [ $_i -lt "$INTX_RESCAN_CYCLES" ]; do
		intx_rescan_cycle || { _bad="cycle $_i: the e1000s did not come back"; break; }
		_i=$((_i + 1))
		if [ $((_i % 10)) = 0 ] || [ "$_i" = "$INTX_RESCAN_CYCLES" ]; then
			_r=$(klog_reports | head -n 1)
			[ -z "$_r" ] || { _bad="cycle $_i: $_r"; break; }
			klog_mark
		fi
	done
	intx_after_rescan=$(irq_descs)
	intx_say "rescan cycles: $_i in $(($(intx_now) - _t)) s; irq descriptors $intx_start -> $intx_after_rescan; descriptor kept with both devices removed in $INTX_KEPT cycles"
	if [ -z "$_bad" ]; then ktap_case ok pci_remove_rescan_cycles; else ktap_case fail pci_remove_rescan_cycles "$_bad"; fi
	if [ "$INTX_KEPT" != 0 ]; then
		ktap_case fail irq_descs_back_after_rescan_cycles "the shared pin's irq $INTX_KEPT_IRQ kept its descriptor with both devices removed, in $INTX_KEPT of $_i cycles"
	elif [ "$intx_after_rescan" = "$intx_start" ]; then
		ktap_case ok irq_descs_back_after_rescan_cycles
	else
		ktap_case fail irq_descs_back_after_rescan_cycles "$intx_start before, $intx_after_rescan after"
	fi
fi

# 2. remove_slot/add_slot cycles of the second PHB.
intx_mid=$(irq_descs)
if [ -z "$INTX_PHB_DOMAIN" ] || [ ! -w "$INTX_SLOTS/remove_slot" ]; then
	ktap_need phb_remove_add_cycles "a second PHB with an e1000, and $INTX_SLOTS (CONFIG_HOTPLUG_PCI_RPA_DLPAR)"
	ktap_need irq_descs_back_after_phb_cycles "a second PHB with an e1000, and $INTX_SLOTS"
	for _c in phb_io_window_back_after_cycles phb_io_vmalloc_areas_back_after_cycles \
		phb_iomem_back_after_cycles phb_ioports_back_after_cycles \
		phb_kmemleak_clean_after_cycles phb_no_iounmap_early_bolted_message; do
		ktap_need "$_c" "a second PHB with an e1000, and $INTX_SLOTS"
	done
else
	# Baselines of what the PHB takes, before the first cycle.
	_leak0=$(intx_kmemleak_scan)
	[ ! -w /sys/kernel/debug/kmemleak ] || echo clear >/sys/kernel/debug/kmemleak
	_win0=$(intx_phb_io_window) _areas0=$(intx_phb_io_areas)
	_iomem0=$(wc -l </proc/iomem) _ioports0=$(wc -l </proc/ioports)
	intx_say "PHB IO window at cycle 0: $_win0; PHB IO vmalloc areas $_areas0; /proc/iomem $_iomem0 lines, /proc/ioports $_ioports0 lines; kmemleak ${_leak0:-absent}"
	_t=$(intx_now) _i=0 INTX_KEPT=0 _bolted=0 _bad=
	klog_mark
	while [ $_i -lt "$INTX_PHB_CYCLES" ]; do
		intx_phb_cycle || { _bad="cycle $_i: the PHB or its e1000 did not come back"; break; }
		_i=$((_i + 1))
		case $_i in 1 | 10 | 20) intx_say "PHB IO window at cycle $_i: $(intx_phb_io_window); PHB IO vmalloc areas $(intx_phb_io_areas)" ;; esac
		_n=$(klog_since_mark | grep -c 'iounmap early bolted mapping' || true)
		_bolted=$((_bolted + _n))
		_r=$(klog_reports | head -n 1)
		[ -z "$_r" ] || { _bad="cycle $_i: $_r"; break; }
		klog_mark
	done
	intx_after_phb=$(irq_descs)
	_win=$(intx_phb_io_window) _areas=$(intx_phb_io_areas)
	_iomem=$(wc -l </proc/iomem) _ioports=$(wc -l </proc/ioports)
	_leak=$(intx_kmemleak_scan)
	intx_say "PHB IO window after cycle $_i (the last): $_win (cycle 0: $_win0); PHB IO vmalloc areas $_areas0 -> $_areas; /proc/iomem $_iomem0 -> $_iomem lines; /proc/ioports $_ioports0 -> $_ioports lines; kmemleak ${_leak:-absent} new; 'iounmap early bolted mapping' $_bolted times"
	intx_say "PHB cycles: $_i in $(($(intx_now) - _t)) s; irq descriptors $intx_mid -> $intx_after_phb; second PHB now domain $INTX_PHB_DOMAIN"
	if [ -z "$_bad" ]; then ktap_case ok phb_remove_add_cycles; else ktap_case fail phb_remove_add_cycles "$_bad"; fi
	if [ "$INTX_KEPT" != 0 ]; then
		ktap_case fail irq_descs_back_after_phb_cycles "the e1000's irq $INTX_KEPT_IRQ kept its descriptor with the device removed, in $INTX_KEPT of $_i cycles"
	elif [ "$intx_after_phb" = "$intx_mid" ]; then
		ktap_case ok irq_descs_back_after_phb_cycles
	else
		ktap_case fail irq_descs_back_after_phb_cycles "$intx_mid before, $intx_after_phb after"
	fi
	if [ "$_win0" = none ]; then
		ktap_case fail phb_io_window_back_after_cycles "the second PHB has no IO window in /proc/ioports nor an IO BAR"
	elif [ "$_win" = "$_win0" ]; then
		ktap_case ok phb_io_window_back_after_cycles
	else
		ktap_case fail phb_io_window_back_after_cycles "window at $_win0 before, $_win after $_i cycles: the removed PHB's IO area was not released"
	fi
	if [ "$_areas" = "$_areas0" ]; then
		ktap_case ok phb_io_vmalloc_areas_back_after_cycles
	else
		ktap_case fail phb_io_vmalloc_areas_back_after_cycles "$_areas0 PHB IO areas in /proc/vmallocinfo before, $_areas after $_i cycles"
	fi
	if [ "$_iomem" = "$_iomem0" ]; then
		ktap_case ok phb_iomem_back_after_cycles
	else
		ktap_case fail phb_iomem_back_after_cycles "/proc/iomem: $_iomem0 lines before, $_iomem after"
	fi
	if [ "$_ioports" = "$_ioports0" ]; then
		ktap_case ok phb_ioports_back_after_cycles
	else
		ktap_case fail phb_ioports_back_after_cycles "/proc/ioports: $_ioports0 lines before, $_ioports after"
	fi
	if [ -z "$_leak" ]; then
		ktap_case skip phb_kmemleak_clean_after_cycles "kmemleak absent or disabled (CONFIG_DEBUG_KMEMLEAK, see the boot log)"
	elif [ "$_leak" = 0 ]; then
		ktap_case ok phb_kmemleak_clean_after_cycles
	else
		ktap_case fail phb_kmemleak_clean_after_cycles "kmemleak reports $_leak objects after the cycles; see /sys/kernel/debug/kmemleak"
	fi
	if [ "$_bolted" = 0 ]; then
		ktap_case ok phb_no_iounmap_early_bolted_message
	else
		ktap_case fail phb_no_iounmap_early_bolted_message "'Attempt to iounmap early bolted mapping' logged $_bolted times: iounmap() refused the PHB IO area"
	fi
fi

klog_mark
# 3. Removing both devices of the shared pin releases exactly that pin's
#    descriptor (the cycles above reuse one mapping, so a leak of it does not
#    show in the counts), and a rescan brings it back.
if [ "$(echo "$INTX_PAIR" | wc -w)" -lt 2 ]; then
	ktap_need shared_pin_descriptor_released "two e1000 on the first PHB"
else
	_before=$(irq_descs)
	for _a in $INTX_PAIR; do echo 1 >"/sys/bus/pci/devices/$_a/remove"; done
	_gone=$(irq_descs)
	echo 1 >/sys/bus/pci/rescan
	_back=$(irq_descs)
	intx_say "shared pin: irq descriptors $_before, $_gone with both devices removed, $_back after rescan"
	if [ "$_gone" = $((_before - 1)) ] && [ "$_back" = "$_before" ]; then
		ktap_case ok shared_pin_descriptor_released
	else
		ktap_case fail shared_pin_descriptor_released "descriptors $_before -> $_gone (removed) -> $_back (rescan)"
	fi
fi

# 4. Every e1000 is back, with an interrupt that is delivered; one case per
#    PHB, as the second PHB's device went through DLPAR remove and add.
if [ -z "$INTX_PAIR" ]; then
	ktap_need e1000_irqs_work_first_phb "an e1000 on the first PHB"
elif intx_irqs_work $INTX_PAIR; then
	ktap_case ok e1000_irqs_work_first_phb
else
	ktap_case fail e1000_irqs_work_first_phb "see the @@intx lines"
fi
_phb2=$(intx_e1000s | grep -v '^0000:' | tr '\n' ' ')
if [ -z "$_phb2" ]; then
	ktap_need e1000_irq_works_readded_phb "an e1000 on a second PHB"
elif intx_irqs_work $_phb2; then
	ktap_case ok e1000_irq_works_readded_phb
elif intx_registers_dead $_phb2; then
	ktap_case fail e1000_irq_works_readded_phb "the re-added PHB's e1000 cannot reach its registers (MAC all zero): its BARs and the PHB's node disagree"
else
	ktap_case fail e1000_irq_works_readded_phb "see the @@intx lines"
fi
_t=$(cat /proc/sys/kernel/tainted)
if [ "$_t" = "$intx_taint0" ]; then
	klog_check_clean no_kernel_report_after_cycles
else
	ktap_case fail no_kernel_report_after_cycles "kernel taint went from $intx_taint0 to $_t (WARN or KASAN report)"
fi
intx_say "irq descriptors at end: $(irq_descs) (start $intx_start)"
ktap_end
