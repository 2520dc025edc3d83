# shellcheck shell=sh
# Scenario drmem: two suites, drmem_aa_scenario (issue 14, below) and
# drmem_lpm_scenario (seed 004): after the hypervisor updates
# ibm,dynamic-memory-v2 (as it does after a migration), a later DLPAR
# rewrite of the property by the kernel keeps the hypervisor's aa_index,
# and malformed updates change nothing and report nothing.
#
# 1. hot-add DIMM 1 (512M) on node 1 through QMP;
# 2. rewrite the property through /proc/powerpc/ofdt as the hypervisor
#    would, DIMM 1's LMBs moved to node 0's associativity index;
# 3. write each malformed shape through /proc/powerpc/ofdt, every aa_index
#    in it bogus, so that a partial update would show;
# 4. hot-add DIMM 2 (256M) so that the kernel rewrites the property from
#    its LMBs, and read it back: DIMM 1 keeps node 0's index, and every
#    LMB but DIMM 2's is what step 2 said.
# The kernel's rewrite in step 4 puts a good property back.

DRMEM_DN=/proc/device-tree/ibm,dynamic-reconfiguration-memory
DRMEM_T=/tmp/drmem
DRMEM_BOGUS_AA=119
# busybox awk has no libm: no ^ and no %, so these do the arithmetic.
DRMEM_AWK='function mod(a, b) { return a - int(a / b) * b }
function assigned(f) { return mod(int(f / 8), 2) == 1 }'

# drmem_lmbs FILE: one line "drc base aa flags" per LMB of an
# ibm,dynamic-memory-v2 property; nothing for a malformed one.
drmem_lmbs() {
	dt_cells "$1" | awk -v sz="$DRMEM_LMB_SIZE" '{ w[n++] = $1 }
	END {
		if (n != 1 + 6 * w[0])
			exit
		for (s = 0; s < w[0]; s++)
			if ((total += w[1 + 6 * s]) > 65536)
				exit
		p = 1
		for (s = 0; s < w[0]; s++) {
			base = w[p + 1] * 4294967296 + w[p + 2]
			for (j = 0; j < w[p]; j++)
				printf "%.0f %.0f %.0f %.0f\n", w[p + 3] + j, base + j * sz, w[p + 4], w[p + 5]
			p += 6
		}
	}'
}

# drmem_v2_escaped: reads "drc base aa flags" lines and prints the
# ibm,dynamic-memory-v2 property they make (consecutive LMBs with the same
# aa and flags share a set) as its length, then printf octal escapes.
drmem_v2_escaped() {
	awk "$DRMEM_AWK"'
	function be(x) {
		return sprintf("\\%03o\\%03o\\%03o\\%03o", mod(int(x / 16777216), 256),
			       mod(int(x / 65536), 256), mod(int(x / 256), 256), mod(x, 256))
	}
	{
		if (!n || $1 != drc[n] + cnt[n] || $3 != aa[n] || $4 != fl[n]) {
			n++
			drc[n] = $1; base[n] = $2; aa[n] = $3; fl[n] = $4; cnt[n] = 0
		}
		cnt[n]++
	}
	END {
		s = be(n)
		for (i = 1; i <= n; i++) {
			hi = int(base[i] / 4294967296)
			s = s be(cnt[i]) be(hi) be(base[i] - hi * 4294967296) be(drc[i]) be(aa[i]) be(fl[i])
		}
		print 4 + 24 * n
		print s
	}'
}

# drmem_write_named NAME LEN ESCAPED: update property NAME of the node
# through /proc/powerpc/ofdt in one write, as LPM's device tree update does.
drmem_write_named() {
	printf 'update_property %s %s %s ' "$DRMEM_PHANDLE" "$1" "$2" >"$DRMEM_T/ofdt"
	# shellcheck disable=SC2059
	printf "$3" >>"$DRMEM_T/ofdt"
	dd if="$DRMEM_T/ofdt" of=/proc/powerpc/ofdt bs=1M 2>/dev/null
}

# drmem_write_prop LEN ESCAPED: update ibm,dynamic-memory-v2.
drmem_write_prop() { drmem_write_named ibm,dynamic-memory-v2 "$1" "$2"; }

# drmem_node_aa NODE: the lookup-array index whose last cell is NODE.
drmem_node_aa() {
	dt_cells "$DRMEM_DN/ibm,associativity-lookup-arrays" | awk -v node="$1" '
	{ w[n++] = $1 }
	END { for (k = 0; k < w[0]; k++) if (w[1 + (k + 1) * w[1]] == node) { print k; exit } }'
}

# drmem_assigned: number of assigned LMBs in the property.
drmem_assigned() {
	drmem_lmbs "$DRMEM_DN/ibm,dynamic-memory-v2" | awk "$DRMEM_AWK"' assigned($4)' | wc -l
}

# drmem_hotadd ID SIZE NODE BEFORE: hot-add a pc-dimm and wait until the
# kernel has rewritten the property with its LMBs assigned (BEFORE is the
# number assigned before).
drmem_hotadd() {
	_before=$4
	qmp "{\"execute\":\"object-add\",\"arguments\":{\"qom-type\":\"memory-backend-ram\",\"id\":\"$1-mem\",\"size\":$2}}" >/dev/null || return 1
	qmp "{\"execute\":\"device_add\",\"arguments\":{\"driver\":\"pc-dimm\",\"id\":\"$1\",\"memdev\":\"$1-mem\",\"node\":$3}}" >/dev/null || return 1
	_want=$((_before + $2 / DRMEM_LMB_SIZE))
	_i=0
	while [ $_i -lt 60 ]; do
		_now=$(drmem_assigned)
		[ "$_now" -ge "$_want" ] && return 0
		sleep 1
		_i=$((_i + 1))
	done
	return 1
}

# drmem_warn_settle: wait until the kernel's ratelimit would print the
# next rejection warning.  Each warning is ratelimited at 10 per window of
# 5 s that opens with the first one, so once the last printed warning is
# over 5 s old its window has closed (suppressed ones fell inside it).  No
# warning in the log, or an old one, means no wait; 0.5 s more covers the
# printk clock running a little ahead of /proc/uptime.
drmem_warn_settle() {
	_last=$(dmesg | grep -E 'ignoring (malformed )?ibm,' | tail -n 1 |
		sed -n 's/^\[ *\([0-9.]*\)\].*/\1/p')
	[ -n "$_last" ] || return 0
	_wait=$(awk -v l="$_last" '{ w = l + 5.5 - $1; print (w > 0 ? int(w) + 1 : 0) }' /proc/uptime)
	[ "$_wait" = 0 ] || sleep "$_wait"
}

# drmem_shape NAME LEN ESCAPED: write one malformed property.
drmem_shape() {
	echo "drmem: shape $1 ($2 bytes)" >/dev/kmsg
	drmem_write_prop "$2" "$3" || true
}

drmem_be() { printf '\\%03o\\%03o\\%03o\\%03o' $(($1 >> 24 & 255)) $(($1 >> 16 & 255)) $(($1 >> 8 & 255)) $(($1 & 255)); }

# drmem_setup: what both suites need (the LMB size, the node's phandle,
# node 0's and node 1's lookup-array indexes aa0 and aa1); without it, the
# open suite's cases are skipped (failed when strict) and it fails.
drmem_setup() {
	if [ ! -e "$DRMEM_DN/ibm,dynamic-memory-v2" ] || [ ! -w /proc/powerpc/ofdt ]; then
		ktap_rest skip "no ibm,dynamic-memory-v2 or /proc/powerpc/ofdt"
		return 1
	fi
	mkdir -p "$DRMEM_T"
	DRMEM_LMB_SIZE=$(dt_cells "$DRMEM_DN/ibm,lmb-size" | awk '{ v = v * 4294967296 + $1 } END { printf "%.0f", v }')
	DRMEM_PHANDLE=$(dt_phandle "$DRMEM_DN") || DRMEM_PHANDLE=
	aa0=$(drmem_node_aa 0)
	aa1=$(drmem_node_aa 1)
	if [ -z "$DRMEM_PHANDLE" ] || [ -z "$aa0" ] || [ -z "$aa1" ] || [ "$aa0" = "$aa1" ]; then
		ktap_rest skip "no phandle ($DRMEM_PHANDLE) or no nodes 0 and 1 in the lookup arrays ($aa0/$aa1)"
		return 1
	fi
}

drmem_scenario() {
	ktap_begin drmem_lpm_scenario 8
	drmem_setup || return 0
	klog_mark

	# 1. DIMM 1 on node 1.
	drmem_lmbs "$DRMEM_DN/ibm,dynamic-memory-v2" >"$DRMEM_T/boot"
	echo "drmem: hot-adding DIMM 1 (512M, node 1)" >/dev/console
	if drmem_hotadd drmem-dimm1 536870912 1 "$(drmem_assigned)"; then
		drmem_lmbs "$DRMEM_DN/ibm,dynamic-memory-v2" >"$DRMEM_T/dimm1"
		# DIMM 1's LMBs: assigned now, not at boot.
		awk "$DRMEM_AWK"' NR == FNR { if (assigned($4)) was[$1] = 1; next }
		     assigned($4) && !was[$1] { print $1 }' "$DRMEM_T/boot" "$DRMEM_T/dimm1" >"$DRMEM_T/dimm1.drc"
		_bad=$(awk -v aa="$aa1" 'NR == FNR { d[$1] = 1; next } d[$1] && $3 != aa' \
			"$DRMEM_T/dimm1.drc" "$DRMEM_T/dimm1" | wc -l)
		if [ -s "$DRMEM_T/dimm1.drc" ] && [ "$_bad" = 0 ]; then
			ktap_case ok drmem_dimm1_on_node1
		else
			ktap_case fail drmem_dimm1_on_node1 "DIMM 1 LMBs: $(tr '\n' ' ' <"$DRMEM_T/dimm1.drc"), $_bad not on node 1's index $aa1"
		fi
	else
		ktap_case fail drmem_dimm1_on_node1 "hot-add of a 512M DIMM on node 1 did not show in the property"
		ktap_rest fail "no DIMM 1 to move: the hot-add failed"
		return 0
	fi

	# 2. The hypervisor's update: DIMM 1 moves to node 0's index.
	awk -v aa="$aa0" 'NR == FNR { d[$1] = 1; next } d[$1] { $3 = aa } { print }' \
		"$DRMEM_T/dimm1.drc" "$DRMEM_T/dimm1" >"$DRMEM_T/lpm"
	drmem_v2_escaped <"$DRMEM_T/lpm" >"$DRMEM_T/lpm.esc"
	if drmem_write_prop "$(sed -n 1p "$DRMEM_T/lpm.esc")" "$(sed -n 2p "$DRMEM_T/lpm.esc")" &&
		drmem_lmbs "$DRMEM_DN/ibm,dynamic-memory-v2" | cmp -s - "$DRMEM_T/lpm"; then
		ktap_case ok drmem_lpm_update_written
	else
		ktap_case fail drmem_lpm_update_written "update_property through /proc/powerpc/ofdt failed"
	fi

	# 3. Malformed shapes, each with a bogus aa_index everywhere.
	awk -v aa="$DRMEM_BOGUS_AA" '{ $3 = aa; print }' "$DRMEM_T/lpm" | drmem_v2_escaped >"$DRMEM_T/bogus.esc"
	blen=$(sed -n 1p "$DRMEM_T/bogus.esc")
	besc=$(sed -n 2p "$DRMEM_T/bogus.esc")
	bsets=$(((blen - 4) / 24))
	# Each escaped byte is 4 characters; the count is the first 4 bytes.
	body=${besc#????????????????}
	set1=$(echo "$besc" | cut -c17-112)
	# Seven shapes, each warned about: a fresh ratelimit window holds them.
	drmem_warn_settle
	klog_mark
	drmem_shape v2_4_bytes_count_16 4 "$(drmem_be 16)"
	drmem_shape v2_cut_inside_count 2 "$(drmem_be 1 | cut -c1-8)"
	drmem_shape v2_cut_inside_a_set $((blen - 10)) "$(echo "$besc" | cut -c1-$(((blen - 10) * 4)))"
	drmem_shape v2_count_larger_than_data "$blen" "$(drmem_be $((bsets + 1)))$body"
	drmem_shape v2_count_smaller_than_data "$blen" "$(drmem_be $((bsets - 1)))$body"
	drmem_shape v2_count_0xffffffff "$blen" "$(drmem_be 4294967295)$body"
	drmem_shape v2_length_not_multiple_of_entry $((blen + 4)) "$besc$(drmem_be 0)"
	drmem_shape v2_drc_range_wraps 52 "$(drmem_be 2)$set1$(drmem_be 32)$(drmem_be 0)$(drmem_be 0)$(drmem_be 4294967280)$(drmem_be $DRMEM_BOGUS_AA)$(drmem_be 8)"
	drmem_shape v2_lmb_count_overflows 52 "$(drmem_be 2)$(drmem_be 2147483647)$(drmem_be 0)$(drmem_be 0)$(drmem_be 0)$(drmem_be $DRMEM_BOGUS_AA)$(drmem_be 8)$(drmem_be 2147483647)$(drmem_be 0)$(drmem_be 0)$(drmem_be 2147483647)$(drmem_be $DRMEM_BOGUS_AA)$(drmem_be 8)"
	# A good property that changes no LMB; DIMM 2's rewrite puts the
	# whole one back (or, if that fails, the hypervisor's below).
	drmem_shape v2_empty_but_valid 4 "$(drmem_be 0)"
	klog_check_clean drmem_malformed_no_kernel_report
	if klog_since_mark | grep -q 'ignoring malformed ibm,dynamic-memory-v2'; then
		ktap_case ok drmem_malformed_rejected_with_warning
	else
		ktap_case fail drmem_malformed_rejected_with_warning "no 'ignoring malformed' warning in the log"
	fi

	# 4. DIMM 2 makes the kernel rewrite the property from its LMBs.
	klog_mark
	echo "drmem: hot-adding DIMM 2 (256M, node 0)" >/dev/console
	drmem_rewritten=1
	if drmem_hotadd drmem-dimm2 268435456 0 "$(awk "$DRMEM_AWK"' assigned($4)' "$DRMEM_T/lpm" | wc -l)"; then
		ktap_case ok drmem_dimm2_rewrites_property
	else
		drmem_rewritten=0
		ktap_case fail drmem_dimm2_rewrites_property "hot-add of a 256M DIMM did not show in the property"
		drmem_write_prop "$(sed -n 1p "$DRMEM_T/lpm.esc")" "$(sed -n 2p "$DRMEM_T/lpm.esc")" || true
	fi
	drmem_lmbs "$DRMEM_DN/ibm,dynamic-memory-v2" >"$DRMEM_T/after"
	_bad=$(awk -v aa="$aa0" 'NR == FNR { d[$1] = 1; next } d[$1] && $3 != aa { print $1 ":" $3 }' \
		"$DRMEM_T/dimm1.drc" "$DRMEM_T/after" | tr '\n' ' ')
	# Without DIMM 2 the kernel never rewrote the property: what is there
	# is the scenario's own write, which proves nothing.
	if [ "$drmem_rewritten" = 0 ]; then
		ktap_case fail drmem_lpm_aa_index_kept "the kernel did not rewrite the property (DIMM 2 hot-add failed): nothing to judge"
	elif [ -z "$_bad" ]; then
		ktap_case ok drmem_lpm_aa_index_kept
	else
		ktap_case fail drmem_lpm_aa_index_kept "DIMM 1 LMBs (drc:aa) not on node 0's index $aa0 after the rewrite: $_bad"
	fi
	# Every LMB the second DIMM did not take is what the hypervisor said.
	# DIMM 2's LMBs are the ones that were not assigned and now are.
	_bad=$(awk "$DRMEM_AWK"' NR == FNR { want[$1] = $0; fl[$1] = $4; next }
		want[$1] != $0 && !(!assigned(fl[$1]) && assigned($4)) { printf "%s:%s ", $1, $3 }' \
		"$DRMEM_T/lpm" "$DRMEM_T/after")
	_dimm2=$(awk "$DRMEM_AWK"' NR == FNR { fl[$1] = $4; next } !assigned(fl[$1]) && assigned($4)' \
		"$DRMEM_T/lpm" "$DRMEM_T/after" | wc -l)
	if [ -z "$_bad" ] && [ "$_dimm2" -eq $((268435456 / DRMEM_LMB_SIZE)) ]; then
		ktap_case ok drmem_malformed_changed_no_lmb
	else
		ktap_case fail drmem_malformed_changed_no_lmb "LMBs (drc:aa) that differ from the hypervisor's property: ${_bad}($_dimm2 newly assigned)"
	fi
	klog_check_clean drmem_no_kernel_report
	ktap_end
}

# Suite drmem_aa_scenario (issue 14): a malformed
# ibm,associativity-lookup-arrays, as an LPM update could write it, then a
# DIMM hot-add on node 1: the kernel warns (ratelimited, naming the
# property), the hot-add fails and nothing changes, with no kernel report.
# Unchecked, find_aa_index() compares past the property (KASAN on v6.12)
# and appends at the index the header gives.  Then the valid arrays go
# back and a further DIMM hot-adds onto node 1 and is unplugged again.
# Runs before drmem_lpm_scenario, whose malformed ibm,dynamic-memory-v2 a
# mutant may take.
DRMEM_ALA=$DRMEM_DN/ibm,associativity-lookup-arrays
DRMEM_AA_SIZE=268435456
DRMEM_NODES=/sys/devices/system/node

# drmem_ala_write FILE: write the cells in FILE (decimal, one a line) as
# the lookup arrays; fails unless the property reads back as written.
drmem_ala_write() {
	_esc=$(while read -r _c; do drmem_be "$_c"; done <"$1")
	drmem_write_named ibm,associativity-lookup-arrays $(($(wc -l <"$1") * 4)) "$_esc" &&
		dt_cells "$DRMEM_ALA" | cmp -s - "$1"
}

# drmem_state: what a refused hot-add must leave as it was: both
# properties, the memory blocks and each node's links to them.
drmem_state() {
	od -An -v -tx1 "$DRMEM_ALA" "$DRMEM_DN/ibm,dynamic-memory-v2"
	ls /sys/devices/system/memory
	for _n in "$DRMEM_NODES"/node*; do
		echo "$_n"
		for _l in "$_n"/memory[0-9]*; do
			[ ! -e "$_l" ] || echo "${_l##*/}"
		done
	done
}

# drmem_aa_plug ID: hot-add DIMM ID (backend ID-mem) on node 1 and wait
# until the guest is done with it: succeeds once its LMBs are assigned,
# fails on the kernel's hot-add failure (or after 60 s).
drmem_aa_plug() {
	_want=$(($(drmem_assigned) + DRMEM_AA_SIZE / DRMEM_LMB_SIZE))
	qmp "{\"execute\":\"object-add\",\"arguments\":{\"qom-type\":\"memory-backend-ram\",\"id\":\"$1-mem\",\"size\":$DRMEM_AA_SIZE}}" >/dev/null || return 1
	qmp "{\"execute\":\"device_add\",\"arguments\":{\"driver\":\"pc-dimm\",\"id\":\"$1\",\"memdev\":\"$1-mem\",\"node\":1}}" >/dev/null || return 1
	drmem_aa_wait "$_want"
}

# drmem_aa_wait WANT: wait until WANT LMBs are assigned (succeeds) or the
# kernel logs a hot-add failure since the mark (fails; 60 s at most).
drmem_aa_wait() {
	_i=0
	while [ $_i -lt 60 ]; do
		[ "$(drmem_assigned)" -ge "$1" ] && return 0
		klog_since_mark | grep -qE 'hot-add failed|count-add failed|Failed to hot-add' && return 1
		sleep 1
		_i=$((_i + 1))
	done
	return 1
}

# drmem_aa_unplug ID: device_del DIMM ID, wait until QEMU has let it go,
# and delete its backend.
drmem_aa_unplug() {
	qmp "{\"execute\":\"device_del\",\"arguments\":{\"id\":\"$1\"}}" >/dev/null || return 1
	_i=0
	while qmp_dimms | grep -q "^$1 "; do
		_i=$((_i + 1))
		[ $_i -lt 60 ] || return 1
		sleep 1
	done
	qmp "{\"execute\":\"object-del\",\"arguments\":{\"id\":\"$1-mem\"}}" >/dev/null
}

# drmem_aa_on_node1 ID: every memory block of DIMM ID exists and is
# linked under node 1 and under no other node.
drmem_aa_on_node1() {
	_d=$(qmp_dimms | grep "^$1 ") || return 1
	# shellcheck disable=SC2086 # "id addr size node"
	set -- $_d
	_bs=$((0x$(cat /sys/devices/system/memory/block_size_bytes)))
	_b=$(($2 / _bs))
	_end=$((($2 + $3) / _bs))
	while [ $_b -lt $_end ]; do
		for _l in "$DRMEM_NODES"/node*/"memory$_b"; do
			[ "$_l" = "$DRMEM_NODES/node1/memory$_b" ] || return 1
		done
		_b=$((_b + 1))
	done
}

# drmem_aa_shape NAME CELLS-FILE: write the malformed arrays, hot-add a
# DIMM, judge, put the valid arrays back.  Three cases: drmem_aa_NAME_hotadd_refused,
# drmem_aa_NAME_nothing_changed, drmem_aa_NAME_no_kernel_report; a
# cleanup that fails is told in DRMEM_AA_LEFT.
drmem_aa_shape() {
	_id=drmem-aa-$(echo "$1" | tr _ -)
	# The shape's warning must not fall in the last shape's window.
	drmem_warn_settle
	klog_mark
	echo "drmem_aa: shape $1, then a DIMM hot-add on node 1" >/dev/kmsg
	_why=
	drmem_ala_write "$2" || _why="the malformed arrays did not read back as written"
	drmem_state >"$DRMEM_T/aa.before"
	_assigned=$(drmem_assigned)
	_plugged=0
	drmem_aa_plug "$_id" && _plugged=1
	sleep 2
	drmem_state >"$DRMEM_T/aa.after"
	_now=$(drmem_assigned)
	klog_since_mark >"$DRMEM_T/aa.klog"
	_reports=$(klog_reports | head -n 1)
	echo "drmem_aa: shape $1 done" >/dev/kmsg
	if [ -n "$_why" ]; then
		ktap_case fail "drmem_aa_$1_hotadd_refused" "$_why"
	elif [ "$_plugged" = 1 ] || [ "$_now" != "$_assigned" ]; then
		ktap_case fail "drmem_aa_$1_hotadd_refused" "the hot-add went through: $_assigned assigned LMBs before, $_now after"
	elif ! grep -q 'ignoring ibm,associativity-lookup-arrays.*header does not match the length' "$DRMEM_T/aa.klog"; then
		ktap_case fail "drmem_aa_$1_hotadd_refused" "no 'ignoring ibm,associativity-lookup-arrays ... header does not match the length' warning"
	else
		ktap_case ok "drmem_aa_$1_hotadd_refused"
	fi
	if cmp -s "$DRMEM_T/aa.before" "$DRMEM_T/aa.after"; then
		ktap_case ok "drmem_aa_$1_nothing_changed"
	else
		ktap_case fail "drmem_aa_$1_nothing_changed" "$(diff "$DRMEM_T/aa.before" "$DRMEM_T/aa.after" | grep '^[-+][^-+]' | head -n 4 | tr '\n' ' ')"
	fi
	if [ -z "$_reports" ]; then
		ktap_case ok "drmem_aa_$1_no_kernel_report"
	else
		ktap_case fail "drmem_aa_$1_no_kernel_report" "$_reports"
	fi
	# The valid arrays back.  A DIMM the guest took is unplugged; a refused
	# one stays in QEMU for the rest of the boot, with no memory in the
	# guest: QEMU will not let the guest isolate the LMB it refused without
	# an unplug request, and after one the guest, which never added the
	# LMB, does not release it either (scripts/guest.py has slots for them).
	drmem_ala_write "$DRMEM_T/ala.valid" || DRMEM_AA_LEFT="$DRMEM_AA_LEFT $1: the valid arrays did not go back;"
	if [ "$_plugged" = 1 ]; then
		drmem_aa_unplug "$_id" || DRMEM_AA_LEFT="$DRMEM_AA_LEFT $1: $_id not unplugged in 60 s;"
	fi
}

drmem_aa_scenario() {
	ktap_begin drmem_aa_scenario 9
	drmem_setup || return 0
	dt_cells "$DRMEM_ALA" >"$DRMEM_T/ala.valid"
	_n=$(sed -n 1p "$DRMEM_T/ala.valid")
	_m=$(sed -n 2p "$DRMEM_T/ala.valid")
	if [ "$_m" -lt 1 ] || [ $((_n * _m % 2)) != 0 ]; then
		ktap_rest fail "lookup arrays of $_n arrays of $_m cells: cannot build the shapes"
		return 0
	fi
	# wrap: the same cells as arrays of 2 cells, N * 2 wrapping around
	# 2^32 to the cells held: the u32 product numa.c's unchecked length
	# test used.
	{ echo $((_n * _m / 2 + 2147483648)); echo 2; sed 1,2d "$DRMEM_T/ala.valid"; } >"$DRMEM_T/ala.wrap"
	# more_arrays: three copies of an array other than node 1's, the header
	# claims four: an unchecked lookup for node 1 compares past the end
	# and appends at index 4 of a copy sized for four.  Three keep that
	# write inside the copy's kmalloc slot (a mutant's boot goes on).
	awk -v m="$_m" -v skip="$aa1" 'NR > 2 && int((NR - 3) / m) != skip && c < m { a[++c] = $1 }
	END { print 4; print m; for (r = 0; r < 3; r++) for (j = 1; j <= m; j++) print a[j] }' \
		"$DRMEM_T/ala.valid" >"$DRMEM_T/ala.more"
	DRMEM_AA_LEFT=
	drmem_aa_shape wrap "$DRMEM_T/ala.wrap"
	drmem_aa_shape more_arrays "$DRMEM_T/ala.more"

	# The valid arrays (back since the last shape): a further hot-add works
	# and lands on node 1.
	drmem_warn_settle
	klog_mark
	echo "drmem_aa: valid arrays, a DIMM hot-add on node 1" >/dev/kmsg
	if ! drmem_aa_plug drmem-aa-valid; then
		ktap_case fail drmem_aa_valid_hotadd_on_node1 "the hot-add of a 256M DIMM on node 1 did not assign its LMBs"
	elif ! drmem_aa_on_node1 drmem-aa-valid; then
		ktap_case fail drmem_aa_valid_hotadd_on_node1 "the DIMM's memory blocks are not all linked under node 1 alone: $(qmp_dimms | grep "^drmem-aa-valid ")"
	else
		ktap_case ok drmem_aa_valid_hotadd_on_node1
	fi
	drmem_aa_unplug drmem-aa-valid || DRMEM_AA_LEFT="$DRMEM_AA_LEFT drmem-aa-valid not unplugged in 60 s;"
	dt_cells "$DRMEM_ALA" | cmp -s - "$DRMEM_T/ala.valid" || DRMEM_AA_LEFT="$DRMEM_AA_LEFT the lookup arrays differ from the boot's;"
	if [ -z "$DRMEM_AA_LEFT" ]; then
		ktap_case ok drmem_aa_cleaned_up
	else
		ktap_case fail drmem_aa_cleaned_up "$DRMEM_AA_LEFT"
	fi
	klog_check_clean drmem_aa_valid_no_kernel_report
	ktap_end
}

drmem_aa_scenario
drmem_scenario
