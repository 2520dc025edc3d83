/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ofreconf_test: KUnit suites that exercise runtime device-tree
 * reconfiguration on a live pseries guest or LPAR.  Shared declarations.
 */
#ifndef OFRECONF_TEST_H
#define OFRECONF_TEST_H

#include <kunit/test.h>
#include <linux/version.h>

/*
 * Skip the current case with a reason.  5.10's KUnit has no skip state, so
 * there the case passes and says why in a diagnostic line.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 14, 0)
#define OFRECONF_SKIP(test, fmt, ...) kunit_skip(test, fmt, ##__VA_ARGS__)
#else
#define OFRECONF_SKIP(test, fmt, ...)					\
	do {								\
		kunit_info(test, "SKIP " fmt, ##__VA_ARGS__);		\
		return;							\
	} while (0)
#endif

/* Comma-separated PCI addresses the module may use (module parameter). */
extern char *ofreconf_pci_devs;

struct pci_dev *ofreconf_get_pci_dev(const char *addr);

extern struct kunit_suite ofreconf_env_suite;
extern struct kunit_suite ofreconf_intx_suite;
extern struct kunit_suite ofreconf_phandle_suite;

#endif /* OFRECONF_TEST_H */
