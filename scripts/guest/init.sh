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

# ofreconf.areas=a,b on the kernel command line limits the scenarios run;
# ofreconf.prove=1 tells them a mutant is under test, ofreconf.soak=1 that
# the host asked for a soak: OFRECONF_CYCLES (prove, vm or soak) picks the
# cycle counts of the repeated cases (each scenario says why its counts do);
# ofreconf.strict=1 says this is the kit's own guest: what the kit made
# (the e1000 pair, the second PHB, dynamic memory, /proc/powerpc/ofdt)
# must be there, and a case that would skip without it fails.
OFRECONF_AREAS=all
OFRECONF_PROVE=0
OFRECONF_SOAK=0
OFRECONF_STRICT=0
for w in $(cat /proc/cmdline); do
	case $w in
	ofreconf.areas=*) OFRECONF_AREAS=${w#ofreconf.areas=} ;;
	ofreconf.prove=*) OFRECONF_PROVE=${w#ofreconf.prove=} ;;
	ofreconf.soak=*) OFRECONF_SOAK=${w#ofreconf.soak=} ;;
	ofreconf.strict=*) OFRECONF_STRICT=${w#ofreconf.strict=} ;;
	esac
done
OFRECONF_CYCLES=vm
[ "$OFRECONF_SOAK" != 1 ] || OFRECONF_CYCLES=soak
[ "$OFRECONF_PROVE" != 1 ] || OFRECONF_CYCLES=prove
export OFRECONF_AREAS OFRECONF_PROVE OFRECONF_STRICT OFRECONF_CYCLES

# The README's command: the PCI devices the module may remove (the kit's
# guest: the e1000 pair sharing a pin, then the second PHB's e1000).
pci_devs=$(sed -n 's/^pci_devs=//p' /ofreconf/ofreconf_test.params)
# The devlink cases' cycles: the module's default 100 in a soak, 10 in a
# prove boot and in the vm tier, the count at which the devlink mutant
# fails them (the module's devlink_cycles says why fewer than 100 do).  A
# prove boot without the devlink area runs them once: no mutant of its
# round is there, the cases only have to pass.
params="pci_devs=$pci_devs strict=$OFRECONF_STRICT"
case $OFRECONF_CYCLES,$OFRECONF_AREAS, in
prove,*devlink,* | prove,all,) params="$params devlink_cycles=10" ;;
prove,*) params="$params devlink_cycles=1" ;;
vm,*) params="$params devlink_cycles=10" ;;
esac
klog_mark
echo "@@phase insmod ofreconf_test.ko $params" >/dev/console
# shellcheck disable=SC2086 # $params is words by design
insmod /ofreconf/ofreconf_test.ko $params ||
	echo "@@insmod-failed $?" >/dev/console

ktap_begin ofreconf_module_load 1
klog_check_clean no_kernel_report_while_loading
ktap_end

for s in /ofreconf/scenarios/*.sh; do
	[ -f "$s" ] || continue
	area=$(basename "$s" .sh)
	case ",$OFRECONF_AREAS," in *",all,"* | *",$area,"*) ;; *) continue ;; esac
	# Its own shell and a time limit, so that one scenario's failure or
	# hang cannot stop the others or lose the kernel log.
	rc=0
	timeout "${OFRECONF_SCENARIO_TIMEOUT:-900}" sh -c '. /ofreconf/lib.sh; . "$1"' sh "$s" || rc=$?
	[ "$rc" = 0 ] || echo "@@scenario-failed $s (exit $rc)" >/dev/console
	# A suite the scenario left open (it exited, or the timeout killed it:
	# exit 143): its unreported cases fail.
	ktap_finish_killed "the $area scenario ended (exit $rc) before this case"
done

rmmod ofreconf_test 2>/dev/null
echo "@@phase dmesg" >/dev/console
dmesg | sed 's/^/@@dmesg /' >/dev/console
echo "@@done" >/dev/console
poweroff -f
