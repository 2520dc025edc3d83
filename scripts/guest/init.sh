#!/bin/busybox sh
# /init of the ofreconf guest: mount the pseudo filesystems, load the test
# module, run each area's scenario, hand the kernel log to the host and
# power off.  Every line the host must read starts with "@@".
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug
stty -echo -F /dev/console 2>/dev/null
# Kernel messages stay in the log; the host gets them whole at the end.
dmesg -n 1

. /ofreconf/lib.sh
echo "@@phase init" >/dev/console

params=$(cat /ofreconf/*.params 2>/dev/null | tr '\n' ' ')
klog_mark
echo "@@phase insmod ofreconf_test $params" >/dev/console
# shellcheck disable=SC2086
insmod /ofreconf/ofreconf_test.ko $params || echo "@@insmod-failed $?" >/dev/console

ktap_begin ofreconf_module_load
klog_check_clean no_kernel_report_while_loading
ktap_end

# ofreconf.areas=a,b on the kernel command line limits the scenarios run;
# ofreconf.prove=1 tells them a mutant is under test (fewer cycles will do).
OFRECONF_AREAS=all
OFRECONF_PROVE=0
for w in $(cat /proc/cmdline); do
	case $w in
	ofreconf.areas=*) OFRECONF_AREAS=${w#ofreconf.areas=} ;;
	ofreconf.prove=*) OFRECONF_PROVE=${w#ofreconf.prove=} ;;
	esac
done
export OFRECONF_AREAS OFRECONF_PROVE

for s in /ofreconf/scenarios/*.sh; do
	[ -f "$s" ] || continue
	area=$(basename "$s" .sh)
	case ",$OFRECONF_AREAS," in *",all,"* | *",$area,"*) ;; *) continue ;; esac
	# Its own shell and a time limit, so that one scenario's failure or
	# hang cannot stop the others or lose the kernel log.
	timeout "${OFRECONF_SCENARIO_TIMEOUT:-900}" sh -c '. /ofreconf/lib.sh; . "$1"' sh "$s" ||
		echo "@@scenario-failed $s (exit $?)" >/dev/console
done

rmmod ofreconf_test 2>/dev/null
echo "@@phase dmesg" >/dev/console
dmesg | sed 's/^/@@dmesg /' >/dev/console
echo "@@done" >/dev/console
poweroff -f
