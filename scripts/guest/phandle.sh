# shellcheck shell=sh
# phandle (seed 000): replay the device-tree side of Live Partition Migration
# three times, the way drmgr and the mobility code do it.  A subtree shaped
# like ibm,platform-facilities, whose children carry ibm,phandle, is found
# by phandle and detached (ofreconf_test's phandle_detach, as mobility's
# delete_dt_node() does), then added again with the same names and phandles
# through /proc/powerpc/ofdt.  After each round every phandle must resolve
# to the new, attached node.  Only the scenario's own nodes are touched and
# /proc/device-tree must read the same before and after.
#
# Keep the path and phandles in sync with drivers/ofreconf_phandle.c.

PH_PARENT=/ofreconf,platform-facilities
PH_CHILDREN="ibm,random-v1 ibm,compression-v1 ibm,sym-encryption-v1"
PH_MOD=/sys/module/ofreconf_test/parameters
PH_OFDT=/proc/powerpc/ofdt
PH_CMD=/tmp/phandle-ofdt

# ph_octal N: the 4-byte big-endian value N as printf octal escapes.
ph_octal() {
	printf '\\%03o\\%03o\\%03o\\%03o' $(($1 >> 24 & 255)) $(($1 >> 16 & 255)) \
		$(($1 >> 8 & 255)) $(($1 & 255))
}

# ph_add_node PATH NAME TYPE PHANDLE: drmgr's add_node, in one write.
ph_add_node() {
	# shellcheck disable=SC2059
	printf "add_node $1 name $((${#2} + 1)) $2\\000 device_type $((${#3} + 1)) $3\\000 ibm,phandle 4 $(ph_octal "$4")" >"$PH_CMD"
	cat "$PH_CMD" >"$PH_OFDT"
}

ph_remove_node() { printf 'remove_node %s' "$1" >"$PH_OFDT"; }

# The subtree: the parent has phandle 0x4f524601, the children the next ones.
ph_phandles() { echo 0x4f524601 0x4f524602 0x4f524603 0x4f524604; }

ph_path_of() {
	case $1 in
	0x4f524601) echo "$PH_PARENT" ;;
	0x4f524602) echo "$PH_PARENT/ibm,random-v1" ;;
	0x4f524603) echo "$PH_PARENT/ibm,compression-v1" ;;
	0x4f524604) echo "$PH_PARENT/ibm,sym-encryption-v1" ;;
	esac
}

ph_add_tree() {
	ph_add_node "$PH_PARENT" ibm,platform-facilities ibm,platform-facilities 0x4f524601 || return 1
	_ph=0x4f524602
	for _c in $PH_CHILDREN; do
		ph_add_node "$PH_PARENT/$_c" "$_c" "${_c%-v1}" "$_ph" || return 1
		_ph=$(printf '0x%x' $((_ph + 1)))
	done
}

# ph_remove_tree: by path, children first; repeated, in case a failed round
# left a second copy behind.
ph_remove_tree() {
	_n=0
	while [ -d "/proc/device-tree$PH_PARENT" ] && [ $_n -lt 4 ]; do
		for _c in $PH_CHILDREN; do
			[ ! -d "/proc/device-tree$PH_PARENT/$_c" ] || ph_remove_node "$PH_PARENT/$_c"
		done
		ph_remove_node "$PH_PARENT"
		_n=$((_n + 1))
	done
	[ ! -d "/proc/device-tree$PH_PARENT" ]
}

ph_lookup() {
	echo "$1" >"$PH_MOD/phandle_lookup" && cat "$PH_MOD/phandle_lookup"
}

# ph_check_lookups CASE: every phandle gives "live <its path>".
ph_check_lookups() {
	_bad=
	for _p in $(ph_phandles); do
		_got=$(ph_lookup "$_p")
		[ "$_got" = "live $(ph_path_of "$_p")" ] || _bad="${_bad:+$_bad; }$_p: $_got"
	done
	if [ -z "$_bad" ]; then ktap_case ok "$1"; else ktap_case fail "$1" "$_bad"; fi
}

ph_dt_sum() {
	find /proc/device-tree/ -type f | sort | xargs md5sum | md5sum | cut -d' ' -f1
}

# 16 cases: 2, 3 per round, 5 at the end.
ktap_begin ofreconf_phandle_live 16
if [ ! -w "$PH_OFDT" ] || [ ! -e "$PH_MOD/phandle_lookup" ]; then
	ktap_rest skip "needs $PH_OFDT and ofreconf_test's phandle_lookup"
	return 0
fi
if [ -d "/proc/device-tree$PH_PARENT" ]; then
	ktap_rest skip "$PH_PARENT exists: not the scenario's node, not touched"
	return 0
fi

ph_sum_before=$(ph_dt_sum)
klog_mark

if ph_add_tree; then ktap_case ok add_subtree; else ktap_case fail add_subtree "ofdt add_node failed"; fi
ph_check_lookups boot_lookups_live

for ph_round in 1 2 3; do
	if echo 0x4f524601 >"$PH_MOD/phandle_detach"; then
		ktap_case ok "round${ph_round}_detach_by_phandle"
	else
		ktap_case fail "round${ph_round}_detach_by_phandle" "phandle_detach 0x4f524601 failed"
	fi
	if ph_add_tree 2>/dev/null; then
		ktap_case ok "round${ph_round}_re_add"
	else
		ktap_case fail "round${ph_round}_re_add" "ofdt add_node failed: the old copy is still attached"
	fi
	ph_check_lookups "round${ph_round}_lookups_live"
done

if ph_remove_tree; then ktap_case ok remove_subtree; else ktap_case fail remove_subtree "$PH_PARENT still there"; fi
ph_bad=
for ph_p in $(ph_phandles); do
	ph_got=$(ph_lookup "$ph_p")
	[ "$ph_got" = none ] || ph_bad="${ph_bad:+$ph_bad; }$ph_p: $ph_got"
done
if [ -z "$ph_bad" ]; then ktap_case ok removed_phandles_not_found; else ktap_case fail removed_phandles_not_found "$ph_bad"; fi
echo 1 >"$PH_MOD/phandle_release"

ph_msg=$(klog_since_mark | grep -E '__of_detach_node|Duplicate name in base' | head -n 1)
if [ -z "$ph_msg" ]; then
	ktap_case ok no_detach_warn_or_duplicate_name
else
	ktap_case fail no_detach_warn_or_duplicate_name "$ph_msg"
fi
klog_check_clean no_kernel_report
ph_sum_after=$(ph_dt_sum)
if [ "$ph_sum_before" = "$ph_sum_after" ]; then
	ktap_case ok device_tree_unchanged
else
	ktap_case fail device_tree_unchanged "/proc/device-tree checksum $ph_sum_before before, $ph_sum_after after"
fi
ktap_end
