/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ofreconf_test: KUnit suites that exercise runtime device-tree
 * reconfiguration on a live pseries guest or LPAR.  Shared declarations.
 */
#ifndef OFRECONF_TEST_H
#define OFRECONF_TEST_H

#include <kunit/test.h>

/*
 * strict=1 (the kit's own guest): what the kit set up must be there, so a
 * case that would skip for its absence fails instead, with the same reason.
 */
extern bool ofreconf_strict;

/*
 * Skip the current case with a reason; like kunit_skip(), it ends the case.
 * 5.10's KUnit has no skip state: there the case ends as passed, after a
 * "SKIP <reason>" line that the kit's KTAP reader reports as a skip.
 * With strict=1 the case fails instead, with the same reason.
 */
#ifdef kunit_skip
#define ofreconf_mark_skipped(test, vaf) kunit_mark_skipped(test, "%pV", vaf)
#else
#define ofreconf_mark_skipped(test, vaf) kunit_info(test, "SKIP %pV", vaf)
#endif

static inline __printf(2, 3) void ofreconf_skip(struct kunit *test, const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	if (ofreconf_strict)
		KUNIT_FAIL(test, "strict: %pV", &vaf);
	else
		ofreconf_mark_skipped(test, &vaf);
	va_end(args);
	kunit_try_catch_throw(&test->try_catch);
}

#define OFRECONF_SKIP(test, fmt, ...) ofreconf_skip(test, fmt, ##__VA_ARGS__)

/* Comma-separated PCI addresses the module may use (module parameter). */
extern char *ofreconf_pci_devs;

struct pci_dev *ofreconf_get_pci_dev(const char *addr);

extern struct kunit_suite ofreconf_env_suite;
extern struct kunit_suite ofreconf_intx_suite;
extern struct kunit_suite ofreconf_phandle_suite;
extern struct kunit_suite ofreconf_devlink_suite;

/* drivers/ofreconf_devlink_overlay.dtso, wrapped by Kbuild's dtbo rule */
extern u8 __dtbo_ofreconf_devlink_overlay_begin[];
extern u8 __dtbo_ofreconf_devlink_overlay_end[];

#endif /* OFRECONF_TEST_H */
