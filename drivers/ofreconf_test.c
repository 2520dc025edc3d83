// SPDX-License-Identifier: GPL-2.0
/*
 * ofreconf_test: KUnit suites that exercise runtime device-tree
 * reconfiguration on a live pseries guest or LPAR.
 *
 * Load it with insmod; results are KTAP in the kernel log and in
 * /sys/kernel/debug/kunit/<suite>/results.  It is non-destructive: it
 * only touches device-tree nodes it creates, and PCI devices only when
 * the pci_devs parameter names them.
 *
 * This file holds the module's parameters and its first suite, which
 * checks what the scenario suites need and says what is missing.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/namei.h>
#include <linux/of.h>
#include <linux/path.h>
#include <linux/pci.h>
#include <asm/firmware.h>

#include "ofreconf_test.h"

char *ofreconf_pci_devs;
module_param_named(pci_devs, ofreconf_pci_devs, charp, 0444);
MODULE_PARM_DESC(pci_devs,
		 "A,B[,C]: PCI addresses (DDDD:BB:DD.F) the tests may remove and rescan; A and B share an INTx pin, C has its own");

bool ofreconf_strict;
module_param_named(strict, ofreconf_strict, bool, 0444);
MODULE_PARM_DESC(strict,
		 "1 in the kit's own guest: a case that would skip for a missing device or node fails");

/* Look up one PCI device by its "DDDD:BB:DD.F" address; NULL if absent. */
struct pci_dev *ofreconf_get_pci_dev(const char *addr)
{
	unsigned int domain, bus, dev, fn;

	if (sscanf(addr, "%x:%x:%x.%x", &domain, &bus, &dev, &fn) != 4)
		return NULL;
	return pci_get_domain_bus_and_slot(domain, bus, PCI_DEVFN(dev, fn));
}

/* The scenarios drive pseries reconfiguration: they need an LPAR. */
static void env_is_pseries_lpar(struct kunit *test)
{
	if (!IS_ENABLED(CONFIG_PPC_PSERIES) || !firmware_has_feature(FW_FEATURE_LPAR))
		OFRECONF_SKIP(test, "not a pseries LPAR: the live scenarios do not apply");
	KUNIT_EXPECT_TRUE(test, of_have_populated_dt());
}

/* Memory DLPAR and the drmem scenarios need the dynamic memory node. */
static void env_has_dynamic_reconfiguration_memory(struct kunit *test)
{
	struct device_node *dn;

	dn = of_find_node_by_path("/ibm,dynamic-reconfiguration-memory");
	if (!dn)
		OFRECONF_SKIP(test,
			      "no /ibm,dynamic-reconfiguration-memory (QEMU: maxmem must exceed -m)");
	KUNIT_EXPECT_TRUE(test, of_find_property(dn, "ibm,dynamic-memory-v2", NULL) ||
			  of_find_property(dn, "ibm,dynamic-memory", NULL));
	of_node_put(dn);
}

/* drmgr-style device-tree updates go through /proc/powerpc/ofdt. */
static int env_lookup_proc_ofdt(void)
{
	struct path path;
	int err;

	err = kern_path("/proc/powerpc/ofdt", LOOKUP_FOLLOW, &path);
	if (!err)
		path_put(&path);
	return err;
}

/*
 * The cases run in a kernel thread, and on 7.3 (nullfs) a kernel thread's
 * root is not the root of the task that loads the module, where /proc is
 * mounted.  Where KUnit has suite_init, which runs in the loader's context,
 * the file is looked up there.
 */
#ifdef OFRECONF_KUNIT_SUITE_INIT
static int env_proc_ofdt_err;

static int env_suite_init(struct kunit_suite *suite)
{
	env_proc_ofdt_err = env_lookup_proc_ofdt();
	return 0;
}

#define env_proc_ofdt_lookup_result() env_proc_ofdt_err
#else
#define env_proc_ofdt_lookup_result() env_lookup_proc_ofdt()
#endif

static void env_has_proc_ofdt(struct kunit *test)
{
	int err = env_proc_ofdt_lookup_result();

	if (err == -ENOENT)
		OFRECONF_SKIP(test, "/proc/powerpc/ofdt is missing (is /proc mounted?)");
	KUNIT_ASSERT_EQ(test, err, 0);
}

/* Every PCI device named by pci_devs exists and has an INTx pin. */
static void env_has_named_pci_devs(struct kunit *test)
{
	char *list, *cur, *addr;
	struct pci_dev *pdev;
	u8 pin;

	if (!ofreconf_pci_devs || !*ofreconf_pci_devs)
		OFRECONF_SKIP(test, "pci_devs not given: no PCI device may be touched");
	list = kstrdup(ofreconf_pci_devs, GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, list);
	cur = list;
	while ((addr = strsep(&cur, ",")) != NULL) {
		pdev = ofreconf_get_pci_dev(addr);
		KUNIT_EXPECT_NOT_ERR_OR_NULL_MSG(test, pdev, "PCI device %s not found", addr);
		if (!pdev)
			continue;
		pci_read_config_byte(pdev, PCI_INTERRUPT_PIN, &pin);
		KUNIT_EXPECT_NE_MSG(test, (int)pin, 0, "%s has no INTx pin", addr);
		pci_dev_put(pdev);
	}
	kfree(list);
}

static struct kunit_case env_cases[] = {
	KUNIT_CASE(env_is_pseries_lpar),
	KUNIT_CASE(env_has_dynamic_reconfiguration_memory),
	KUNIT_CASE(env_has_proc_ofdt),
	KUNIT_CASE(env_has_named_pci_devs),
	{}
};

struct kunit_suite ofreconf_env_suite = {
	.name = "ofreconf_env",
#ifdef OFRECONF_KUNIT_SUITE_INIT
	.suite_init = env_suite_init,
#endif
	.test_cases = env_cases,
};

kunit_test_suites(&ofreconf_env_suite, &ofreconf_intx_suite, &ofreconf_phandle_suite,
		  &ofreconf_devlink_suite);

MODULE_DESCRIPTION("KUnit suites for runtime device-tree reconfiguration");
MODULE_AUTHOR("ofreconf developers <dev@ofreconf.invalid>");
MODULE_LICENSE("GPL");
