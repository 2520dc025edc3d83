# shellcheck shell=sh
# memlinks (seed 001): every memory block is linked under exactly the NUMA
# node that owns it, at boot and across DIMM hot-remove and re-add; no
# stale link is left under /sys/devices/system/node/nodeX.  Sourced by
# /init; uses lib.sh.  Emits one KTAP suite, "memlinks_live" (a fixed
# plan of 8 cases), and "@@memlinks" lines with the numbers.
#
# The guest (scripts/guest.py): two NUMA nodes of boot memory, node 0's
# below node 1's, and a DIMM of node 0 (memlinks-dimm0 on the backend
# memlinks-mem0) cold-plugged on the command line.  QEMU places DIMMs in
# the hotplug area above all boot memory, so node 0's pfn span covers
# node 1's blocks: when the node of each pfn was checked only while
# system_state was SYSTEM_BOOTING, node 1's blocks were linked under
# node 0 as well.
#
# Who owns a block is derived without reading the links under test: boot
# memory from the /proc/device-tree memory@ nodes (reg, and the last cell
# of ibm,associativity, which is the node id QEMU gives and the guest
# uses), DIMMs from QMP's query-memory-devices (address, size, node).
#
# The DIMM's removal must succeed: scripts/vm.sh boots the guest with
# movable_node.  QEMU flags a cold-plugged DIMM's LMBs hot-removable in
# ibm,dynamic-memory-v2, the kernel marks them hotplug in memblock, and
# movable_node keeps boot allocations out of them and puts them in
# ZONE_MOVABLE, so the guest can offline them; a re-added DIMM lands in
# ZONE_MOVABLE too (the default zone under movable_node).  memhp_default_state
# would not do: it only applies to memory hot-added after boot.  A removal
# the guest refuses fails dimm_hot_removed; it is never a skip.

# DIMM cycles, by OFRECONF_CYCLES (/init): 2 in a prove boot and in the vm
# tier, 20 in make soak.  The system-state mutant links node 1's blocks
# under node 0 at boot, and the cycles only touch the DIMM, so the boot
# and after-cycles checks catch it with any count; two cycles already run
# remove, re-add, remove, re-add, the order in which a link left by one
# removal collides with the next re-add (the seed's BUG, the stale-link
# mutant).
case ${OFRECONF_CYCLES:-vm} in
soak) ml_cycles=20 ;;
*) ml_cycles=2 ;;
esac
ML_CYCLES=${ML_CYCLES:-$ml_cycles}
ML_WAIT=${ML_WAIT:-120}
ML_DIMM=memlinks-dimm0
ML_BACKEND=memlinks-mem0
ML_MEM=/sys/devices/system/memory
ML_NODE=/sys/devices/system/node
ML_T=/tmp/memlinks
ML_DT=/proc/device-tree

ml_say() { echo "@@memlinks $*" >/dev/console; }
ml_now() { cut -d. -f1 /proc/uptime; }

# ml_boot_ranges: "start size node" for each reg range of the memory@ nodes.
ml_boot_ranges() {
	_ac=$(dt_cells "$ML_DT/#address-cells")
	_sc=$(dt_cells "$ML_DT/#size-cells")
	for _d in "$ML_DT"/memory@*; do
		if [ ! -e "$_d/reg" ] || [ ! -e "$_d/ibm,associativity" ]; then
			continue
		fi
		_nid=$(dt_cells "$_d/ibm,associativity" | tail -n 1)
		dt_cells "$_d/reg" | awk -v ac="$_ac" -v sc="$_sc" -v nid="$_nid" '
		{ w[n++] = $1 }
		END {
			for (i = 0; i + ac + sc <= n; i += ac + sc) {
				a = 0
				s = 0
				for (j = 0; j < ac; j++)
					a = a * 4294967296 + w[i + j]
				for (j = 0; j < sc; j++)
					s = s * 4294967296 + w[i + ac + j]
				if (s > 0)
					printf "%.0f %.0f %s\n", a, s, nid
			}
		}'
	done
}

# ml_layout: the ranges file, "start size node", boot memory and DIMMs.
ml_layout() {
	ml_boot_ranges >"$ML_T/ranges"
	qmp_dimms >"$ML_T/dimms" || return 1
	awk '{ print $2, $3, $4 }' "$ML_T/dimms" >>"$ML_T/ranges"
}

# ml_problems: one line per memory block or node link that breaks the
# invariant: each memoryN links to exactly the nodes owning its range, and
# each nodeX lists exactly the blocks it owns, with no dangling link.
ml_problems() {
	ls "$ML_MEM" | sed -n 's/^memory\([0-9][0-9]*\)$/\1/p' | sort -n >"$ML_T/blocks"
	# "N owner..." in ascending node order
	awk -v bs="$ML_BS" '
	BEGIN { n = 0 }
	FILENAME == ARGV[1] { a[n] = $1; s[n] = $2; d[n] = $3; n++; next }
	{
		st = $1 * bs
		en = st + bs
		k = 0
		for (i = 0; i < n; i++) {
			if (a[i] >= en || a[i] + s[i] <= st)
				continue
			dup = 0
			for (j = 0; j < k; j++)
				if (o[j] == d[i])
					dup = 1
			if (!dup)
				o[k++] = d[i]
		}
		for (i = 0; i < k; i++)
			for (j = i + 1; j < k; j++)
				if (o[j] + 0 < o[i] + 0) {
					t = o[i]; o[i] = o[j]; o[j] = t
				}
		line = $1
		for (i = 0; i < k; i++)
			line = line " " o[i]
		print line
	}' "$ML_T/ranges" "$ML_T/blocks" >"$ML_T/owners"
	while read -r _n; do
		_l=$(cd "$ML_MEM/memory$_n" && ls -d node[0-9]* 2>/dev/null | sed 's/^node//' | sort -n | tr '\n' ' ')
		echo "$_n $_l"
	done <"$ML_T/blocks" >"$ML_T/links"
	: >"$ML_T/listed"
	for _nd in "$ML_NODE"/node[0-9]*; do
		[ -d "$_nd" ] || continue
		for _e in "$_nd"/memory[0-9]*; do
			[ -L "$_e" ] || continue
			if [ -e "$_e" ]; then
				echo "${_nd##*/node} ${_e##*/memory}"
			else
				echo "${_nd##*/node} ${_e##*/memory} dangling"
			fi
		done
	done >"$ML_T/listed"
	awk '
	FILENAME == ARGV[1] { own[$1] = $0; for (i = 2; i <= NF; i++) owns[$1 " " $i] = 1; next }
	FILENAME == ARGV[2] {
		want = own[$1]
		sub(/^[0-9]+ ?/, "", want)
		got = $0
		sub(/^[0-9]+ ?/, "", got)
		sub(/ +$/, "", got)
		if (want == "")
			printf "memory%s: no range of the layout covers it\n", $1
		else if (got != want)
			printf "memory%s: links to node(s) [%s], owned by node(s) [%s]\n", $1, got, want
		next
	}
	{
		listed[$1 " " $2] = 1
		if ($3 == "dangling")
			printf "node%s/memory%s: stale, its block is gone\n", $1, $2
		else if (!owns[$2 " " $1])
			printf "node%s/memory%s: listed, but node %s owns none of it\n", $1, $2, $1
	}
	END {
		for (p in owns) {
			split(p, f, " ")
			if (!listed[f[2] " " f[1]])
				printf "node%s: does not list memory%s, which it owns\n", f[2], f[1]
		}
	}' "$ML_T/owners" "$ML_T/links" "$ML_T/listed"
}

# ml_check CASE WHEN: the whole-system invariant as one case.
ml_check() {
	if ! ml_layout; then
		ktap_case fail "$1" "query-memory-devices failed: $(cat "$ML_T/dimms")"
		return
	fi
	ml_problems >"$ML_T/problems"
	_np=$(wc -l <"$ML_T/problems")
	ml_say "$2 blocks=$(wc -l <"$ML_T/blocks") node_links=$(wc -l <"$ML_T/listed") problems=$_np"
	sed "s/^/@@memlinks $2 problem: /" "$ML_T/problems" | head -n 20 >/dev/console
	if [ "$_np" = 0 ]; then
		ktap_case ok "$1"
	else
		ktap_case fail "$1" "$_np problem(s), first: $(head -n 1 "$ML_T/problems")"
	fi
}

# ml_dimm_blocks: the block ids of the DIMM, from $ML_T/dimms.
ml_dimm_blocks() {
	awk -v id="$ML_DIMM" -v bs="$ML_BS" '$1 == id {
		for (b = $2 / bs; b < ($2 + $3) / bs; b++)
			printf "%.0f\n", b
	}' "$ML_T/dimms"
}

# ml_dimm_gone: succeeds once QEMU no longer has the DIMM.
ml_dimm_gone() {
	qmp_dimms >"$ML_T/dimms" && ! grep -q "^$ML_DIMM " "$ML_T/dimms"
}

# ml_dimm_online: succeeds once QEMU has the DIMM and the guest has all its
# blocks online.
ml_dimm_online() {
	qmp_dimms >"$ML_T/dimms" && grep -q "^$ML_DIMM " "$ML_T/dimms" || return 1
	for _b in $(ml_dimm_blocks); do
		[ "$(cat "$ML_MEM/memory$_b/state" 2>/dev/null)" = online ] || return 1
	done
}

# ml_wait COMMAND: retry COMMAND once a second for up to $ML_WAIT seconds.
ml_wait() {
	_i=0
	until "$@"; do
		_i=$((_i + 1))
		[ $_i -lt "$ML_WAIT" ] || return 1
		sleep 1
	done
}

# ml_leftovers BLOCKS...: what is left of removed blocks, one per line.
ml_leftovers() {
	for _b in "$@"; do
		[ ! -e "$ML_MEM/memory$_b" ] || echo "memory$_b still exists"
		for _e in "$ML_NODE"/node[0-9]*/memory"$_b"; do
			[ -L "$_e" ] && echo "${_e#"$ML_NODE"/} left behind"
		done
	done
	return 0
}

# ml_readd_problems BLOCKS...: each block links to the DIMM's node only and
# only that node lists it.
ml_readd_problems() {
	for _b in "$@"; do
		_l=$(cd "$ML_MEM/memory$_b" && ls -d node[0-9]* 2>/dev/null | tr '\n' ' ')
		[ "$_l" = "node$ML_DIMM_NODE " ] || echo "memory$_b links to [${_l% }], not node$ML_DIMM_NODE"
		for _e in "$ML_NODE"/node[0-9]*/memory"$_b"; do
			[ -L "$_e" ] || continue
			_x=${_e%/memory*}
			[ "${_x##*/}" = "node$ML_DIMM_NODE" ] || echo "${_e#"$ML_NODE"/} listed"
		done
		[ -L "$ML_NODE/node$ML_DIMM_NODE/memory$_b" ] || echo "node$ML_DIMM_NODE does not list memory$_b"
	done
	return 0
}

# ml_cycles: remove and re-add the DIMM $ML_CYCLES times; sets ML_DONE
# and the first failure of each kind.
ml_cycles() {
	ML_DONE=0
	ML_REMOVED=0
	ML_READDED=0
	_c=1
	while [ $_c -le "$ML_CYCLES" ]; do
		qmp_dimms >"$ML_T/dimms" || { ML_ERR_REMOVE="cycle $_c: query-memory-devices failed"; return; }
		_blocks=$(ml_dimm_blocks | tr '\n' ' ')
		_t0=$(ml_now)
		if ! _r=$(qmp "{\"execute\":\"device_del\",\"arguments\":{\"id\":\"$ML_DIMM\"}}"); then
			ML_ERR_REMOVE="cycle $_c: device_del $ML_DIMM refused: $_r"
			return
		fi
		if ! ml_wait ml_dimm_gone; then
			_why=$(klog_since_mark | grep -iE 'hotplug-mem|dlpar|offlin|remov' | tail -n 1)
			ML_ERR_REMOVE="cycle $_c: the guest did not remove $ML_DIMM within ${ML_WAIT}s (memory in use?): ${_why:-nothing in the kernel log}"
			return
		fi
		ML_REMOVED=$((ML_REMOVED + 1))
		_t1=$(ml_now)
		# shellcheck disable=SC2086
		_left=$(ml_leftovers $_blocks | head -n 3 | tr '\n' ';')
		[ -z "$_left" ] || [ -n "${ML_ERR_GONE:-}" ] || ML_ERR_GONE="cycle $_c, blocks $_blocks: $_left"
		if ! _r=$(qmp "{\"execute\":\"device_add\",\"arguments\":{\"driver\":\"pc-dimm\",\"id\":\"$ML_DIMM\",\"memdev\":\"$ML_BACKEND\",\"node\":$ML_DIMM_NODE}}"); then
			ML_ERR_ADD="cycle $_c: device_add $ML_DIMM refused: $_r"
			return
		fi
		if ! ml_wait ml_dimm_online; then
			ML_ERR_ADD="cycle $_c: the blocks of $ML_DIMM were not all online within ${ML_WAIT}s"
			return
		fi
		ML_READDED=$((ML_READDED + 1))
		_t2=$(ml_now)
		_blocks=$(ml_dimm_blocks | tr '\n' ' ')
		# shellcheck disable=SC2086
		_bad=$(ml_readd_problems $_blocks | head -n 3 | tr '\n' ';')
		[ -z "$_bad" ] || [ -n "${ML_ERR_LINKS:-}" ] || ML_ERR_LINKS="cycle $_c, blocks $_blocks: $_bad"
		ml_say "cycle $_c blocks=${_blocks% } remove_s=$((_t1 - _t0)) add_s=$((_t2 - _t1))"
		ML_DONE=$_c
		_c=$((_c + 1))
	done
}

# ml_result CASE ERROR NEEDED: fail with ERROR if set, or when fewer than
# NEEDED cycles got this far; else pass.
ml_result() {
	if [ -n "$2" ]; then
		ktap_case fail "$1" "$2"
	elif [ "$3" -lt "$ML_CYCLES" ]; then
		ktap_case fail "$1" "only $3 of $ML_CYCLES cycles got this far: ${ML_ERR_REMOVE:-${ML_ERR_ADD:-}}"
	else
		ktap_case ok "$1"
	fi
}

ml_scenario() {
	ktap_begin memlinks_live 8
	mkdir -p "$ML_T"
	klog_mark
	ML_BS=$((0x$(cat "$ML_MEM/block_size_bytes" 2>/dev/null || echo 0)))
	ml_layout || true
	ML_DIMM_NODE=$(awk -v id="$ML_DIMM" '$1 == id { print $4 }' "$ML_T/dimms")
	_addr=$(awk -v id="$ML_DIMM" '$1 == id { print $2 }' "$ML_T/dimms")
	ml_say "layout block_size=$ML_BS dimm=$ML_DIMM addr=${_addr:-none} node=${ML_DIMM_NODE:-none} ranges=$(tr ' \n' ':,' <"$ML_T/ranges")"
	# Node 0's span covers node 1's memory: some boot range of another
	# node lies between the DIMM's node's first range and the DIMM.
	_covered=
	if [ "$ML_BS" -gt 0 ] && [ -n "$ML_DIMM_NODE" ]; then
		_covered=$(awk -v nid="$ML_DIMM_NODE" -v addr="$_addr" '
			BEGIN { n = 0 }
			{ s[n] = $1; z[n] = $2; d[n] = $3; n++ }
			END {
				low = -1
				for (i = 0; i < n; i++)
					if (d[i] == nid && (low < 0 || s[i] < low))
						low = s[i]
				for (i = 0; i < n; i++)
					if (d[i] != nid && s[i] > low && s[i] + z[i] <= addr)
						print d[i]
			}' "$ML_T/ranges" | sort -u | tr '\n' ' ')
	fi
	if [ -n "$_covered" ]; then
		ktap_case ok layout_dimm_above_other_node
		for _b in $(ml_dimm_blocks); do
			ml_say "dimm block memory$_b state=$(cat "$ML_MEM/memory$_b/state" 2>/dev/null) valid_zones=$(cat "$ML_MEM/memory$_b/valid_zones" 2>/dev/null)"
		done
	else
		ktap_case fail layout_dimm_above_other_node "no DIMM $ML_DIMM above another node's memory (block size $ML_BS, DIMM node '${ML_DIMM_NODE}' at '${_addr}'): scripts/guest.py must cold-plug it"
	fi

	ml_check blocks_linked_under_own_node_at_boot boot

	if [ -n "$_covered" ]; then
		_t=$(ml_now)
		ml_cycles
		ml_say "cycles=$ML_CYCLES done=$ML_DONE removed=$ML_REMOVED readded=$ML_READDED seconds=$(($(ml_now) - _t))"
	else
		ML_DONE=0 ML_REMOVED=0 ML_READDED=0
		ML_ERR_REMOVE="no DIMM to remove (see layout_dimm_above_other_node)"
	fi
	ml_result dimm_hot_removed "${ML_ERR_REMOVE:-}" "$ML_REMOVED"
	ml_result no_link_left_after_remove "${ML_ERR_GONE:-}" "$ML_REMOVED"
	ml_result dimm_re_added "${ML_ERR_ADD:-}" "$ML_READDED"
	ml_result re_added_blocks_linked_under_own_node "${ML_ERR_LINKS:-}" "$ML_READDED"

	ml_check blocks_linked_under_own_node_after_cycles after
	klog_check_clean no_kernel_report
	ktap_end
}

ml_scenario
