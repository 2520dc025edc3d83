# shellcheck shell=sh
# Helpers for the guest scenarios (busybox ash).  Sourced by /init.
#
# Results leave the guest as KTAP on the console, each line prefixed with
# "@@ktap " so the host can tell them from kernel messages.  A scenario
# asks the host for a QMP command with "@@qmp <json>" and reads the reply
# from the console.

KTAP_SUITE=
KTAP_PLAN=0
KTAP_N=0
KTAP_FAILED=0
KLOG_MARK=0
# The open suite, for init.sh to finish when a scenario dies or times out.
KTAP_STATE=/tmp/ofreconf-ktap-state
# ofreconf.strict=1 (the kit's own guest): what the kit created must be
# there; a case that would skip for its absence fails.
OFRECONF_STRICT=${OFRECONF_STRICT:-0}
# Kernel reports (WARN, BUG, KASAN, lockdep, Oops, panic, refcount leak):
# one extended regular expression a line, shared with the host's ktap.py.
KLOG_REPORT=/ofreconf/report.pattern

ktap_out() { echo "@@ktap $*" >/dev/console; }

ktap_save() { echo "$KTAP_SUITE $KTAP_PLAN $KTAP_N $KTAP_FAILED" >"$KTAP_STATE"; }

# ktap_begin SUITE PLAN: print the suite's header and its plan of PLAN
# cases; each ktap_case prints its line as it finishes.
ktap_begin() {
	KTAP_SUITE=$1
	KTAP_PLAN=$2
	KTAP_N=0
	KTAP_FAILED=0
	echo "@@phase $1" >/dev/console
	ktap_out "    KTAP version 1"
	ktap_out "    # Subtest: $KTAP_SUITE"
	ktap_out "    1..$KTAP_PLAN"
	ktap_save
}

# ktap_case ok|fail|skip NAME [REASON...]
ktap_case() {
	_r=$1 _name=$2
	shift 2
	KTAP_N=$((KTAP_N + 1))
	case $_r in
	ok) ktap_out "    ok $KTAP_N $_name" ;;
	skip) ktap_out "    ok $KTAP_N $_name # SKIP $*" ;;
	*)
		KTAP_FAILED=1
		[ $# -eq 0 ] || ktap_out "    # $_name: $*"
		ktap_out "    not ok $KTAP_N $_name"
		;;
	esac
	ktap_save
}

# ktap_need NAME REASON: case NAME cannot run, the system lacks what
# REASON says: a skip on a user's system, a failure in the kit's own guest
# (strict), where the kit made it.
ktap_need() {
	if [ "$OFRECONF_STRICT" = 1 ]; then
		ktap_case fail "$1" "strict: the kit's guest must have this: $2"
	else
		ktap_case skip "$1" "$2"
	fi
}

# ktap_expect NAME CONDITION-COMMAND... : a case that passes when the
# command succeeds.
ktap_expect() {
	_name=$1
	shift
	if "$@"; then ktap_case ok "$_name"; else ktap_case fail "$_name" "failed: $*"; fi
}

# ktap_rest ok|skip|fail REASON: the plan's remaining cases, named
# not_run_<n>, with REASON (a skip fails when strict); then the suite's
# result.  A scenario that cannot go on ends with this.
ktap_rest() {
	_r=$1 _why=$2
	if [ "$_r" = skip ] && [ "$OFRECONF_STRICT" = 1 ]; then
		_r=fail _why="strict: the kit's guest must have this: $_why"
	fi
	while [ "$KTAP_N" -lt "$KTAP_PLAN" ]; do
		ktap_case "$_r" "not_run_$((KTAP_N + 1))" "$_why"
	done
	ktap_end
}

# ktap_end [WHY]: the suite's result; cases the plan promised and the
# scenario never reported fail, with WHY.
ktap_end() {
	while [ "$KTAP_N" -lt "$KTAP_PLAN" ]; do
		ktap_case fail "not_run_$((KTAP_N + 1))" "${1:-the scenario ended before this case}"
	done
	if [ "$KTAP_FAILED" = 0 ]; then
		ktap_out "ok 1 $KTAP_SUITE"
	else
		ktap_out "not ok 1 $KTAP_SUITE"
	fi
	rm -f "$KTAP_STATE"
}

# ktap_finish_killed WHY: after a scenario's shell ended (timeout, exit),
# finish the suite it left open: its unreported cases fail with WHY.
ktap_finish_killed() {
	[ -f "$KTAP_STATE" ] || return 0
	read -r KTAP_SUITE KTAP_PLAN KTAP_N KTAP_FAILED <"$KTAP_STATE"
	ktap_end "$1"
}

# qmp JSON: run one QMP command on the host; prints the reply's "return"
# as JSON and succeeds, or prints the error and fails.
qmp() {
	echo "@@qmp $1" >/dev/console
	IFS= read -r _reply </dev/console
	case $_reply in
	"@@ok "*) echo "${_reply#@@ok }" ;;
	*)
		echo "${_reply#@@err }"
		return 1
		;;
	esac
}

# qmp_dimms: "id addr size node" for each DIMM QEMU has plugged.
qmp_dimms() {
	_r=$(qmp '{"execute":"query-memory-devices"}') || return 1
	echo "$_r" | awk '
	function num(s, key) {
		if (match(s, "\"" key "\": [0-9]+"))
			return substr(s, RSTART + length(key) + 4, RLENGTH - length(key) - 4)
		return ""
	}
	{
		n = split($0, dev, /"type": /)
		for (i = 2; i <= n; i++) {
			id = "-"
			if (match(dev[i], /"id": "[^"]*"/))
				id = substr(dev[i], RSTART + 7, RLENGTH - 8)
			a = num(dev[i], "addr")
			s = num(dev[i], "size")
			d = num(dev[i], "node")
			if (a != "" && s != "" && d != "")
				print id, a, s, d
		}
	}'
}

# klog_mark; ...; klog_since_mark: kernel log lines printed since the mark.
klog_mark() { KLOG_MARK=$(dmesg | wc -l); }
klog_since_mark() { dmesg | tail -n +$((KLOG_MARK + 1)); }

# klog_reports: the kernel reports logged since the mark.
klog_reports() { klog_since_mark | grep -Ef "$KLOG_REPORT"; }

# klog_check_clean CASE: a case that fails if a kernel report was logged
# since the mark.
klog_check_clean() {
	_bad=$(klog_reports | head -n 3)
	if [ -z "$_bad" ]; then
		ktap_case ok "$1"
	else
		ktap_case fail "$1" "$(echo "$_bad" | head -n 1)"
	fi
}

# irq_descs: number of interrupt descriptors the kernel has.
irq_descs() { ls /sys/kernel/irq | wc -l; }

# dt_cells FILE: a device-tree property's big-endian 32-bit cells, one
# decimal number a line.
dt_cells() {
	od -An -v -tu1 "$1" | awk '{ for (i = 1; i <= NF; i++) b[n++] = $i }
	END { for (i = 0; i + 3 < n; i += 4)
		printf "%.0f\n", ((b[i] * 256 + b[i + 1]) * 256 + b[i + 2]) * 256 + b[i + 3] }'
}

# dt_phandle NODE: the phandle of a /proc/device-tree node, the handle
# /proc/powerpc/ofdt takes; fails if the node has none.
dt_phandle() {
	for _ph in phandle ibm,phandle linux,phandle; do
		[ -e "$1/$_ph" ] && dt_cells "$1/$_ph" && return 0
	done
	return 1
}
