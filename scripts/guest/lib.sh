# shellcheck shell=sh
# Helpers for the guest scenarios (busybox ash).  Sourced by /init.
#
# Results leave the guest as KTAP on the console, each line prefixed with
# "@@ktap " so the host can tell them from kernel messages.  A scenario
# asks the host for a QMP command with "@@qmp <json>" and reads the reply
# from the console.

KTAP_SUITE=
KTAP_CASES=
KTAP_N=0
KTAP_FAILED=0
KLOG_MARK=0

ktap_out() { echo "@@ktap $*" >/dev/console; }

# ktap_begin SUITE: start a suite; its cases are printed by ktap_end.
ktap_begin() {
	KTAP_SUITE=$1
	KTAP_CASES=
	KTAP_N=0
	KTAP_FAILED=0
	echo "@@phase $1" >/dev/console
}

# ktap_case ok|fail|skip NAME [REASON...]
ktap_case() {
	_r=$1 _name=$2
	shift 2
	KTAP_N=$((KTAP_N + 1))
	case $_r in
	ok) _line="ok $KTAP_N $_name" ;;
	skip) _line="ok $KTAP_N $_name # SKIP $*" ;;
	*)
		_line="not ok $KTAP_N $_name"
		KTAP_FAILED=1
		[ $# -eq 0 ] || KTAP_CASES="$KTAP_CASES
    # $_name: $*"
		;;
	esac
	KTAP_CASES="$KTAP_CASES
    $_line"
}

# ktap_expect NAME CONDITION-COMMAND... : a case that passes when the
# command succeeds.
ktap_expect() {
	_name=$1
	shift
	if "$@"; then ktap_case ok "$_name"; else ktap_case fail "$_name" "failed: $*"; fi
}

ktap_end() {
	ktap_out "    KTAP version 1"
	ktap_out "    # Subtest: $KTAP_SUITE"
	ktap_out "    1..$KTAP_N"
	echo "$KTAP_CASES" | while IFS= read -r l; do
		[ -z "$l" ] || ktap_out "$l"
	done
	if [ "$KTAP_FAILED" = 0 ]; then
		ktap_out "ok 1 $KTAP_SUITE"
	else
		ktap_out "not ok 1 $KTAP_SUITE"
	fi
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

# klog_mark; ...; klog_since_mark: kernel log lines printed since the mark.
klog_mark() { KLOG_MARK=$(dmesg | wc -l); }
klog_since_mark() { dmesg | tail -n +$((KLOG_MARK + 1)); }

# klog_check_clean CASE: a case that fails if a WARN, BUG, KASAN or lockdep
# report was logged since the mark.
klog_check_clean() {
	_bad=$(klog_since_mark | grep -E 'WARNING:|BUG:|possible (circular|recursive) locking|inconsistent lock state|Oops|Kernel panic' | head -n 3)
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
