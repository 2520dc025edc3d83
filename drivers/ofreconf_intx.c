// SPDX-License-Identifier: GPL-2.0
/*
 * ofreconf_intx: INTx (LSI) mappings of PCI devices across removal and
 * rescan on a live pseries guest.
 *
 * The devices come from the pci_devs parameter, "A,B[,C]": A and B are two
 * devices sharing one INTx pin (in the kit's QEMU guest, the e1000s at
 * slots 2 and 6 of the first PHB), C an optional device with a pin of its
 * own (the e1000 of the second PHB).  Without the parameter every case is
 * skipped: nothing else is ever removed.  Every case rescans what it
 * removed before it ends.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/irq.h>
#include <linux/irqdomain.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "ofreconf_test.h"

/* One device named by pci_devs, and the mapping it had at the start. */
struct intx_dev {
	char addr[16];
	struct pci_bus *bus;
	unsigned int devfn;
	unsigned int virq;
	irq_hw_number_t hwirq;
	struct irq_domain *domain;
};

struct intx_ctx {
	struct intx_dev a, b, c;
	bool have_c;
};

static struct pci_dev *intx_get(const struct intx_dev *d)
{
	unsigned int domain, bus, dev, fn;

	if (sscanf(d->addr, "%x:%x:%x.%x", &domain, &bus, &dev, &fn) != 4)
		return NULL;
	return pci_get_domain_bus_and_slot(domain, bus, PCI_DEVFN(dev, fn));
}

/* The virq now mapped for @d's hardware interrupt; 0 when there is none. */
static unsigned int intx_mapped(const struct intx_dev *d)
{
	return irq_find_mapping(d->domain, d->hwirq);
}

/* Fill @d from the live device; NULL on success, else why it cannot be used. */
static const char *intx_probe(struct intx_dev *d, const char *addr)
{
	struct irq_data *data;
	struct pci_dev *pdev;

	strscpy(d->addr, addr, sizeof(d->addr));
	pdev = intx_get(d);
	if (!pdev)
		return "a device named by pci_devs is absent";
	d->bus = pdev->bus;
	d->devfn = pdev->devfn;
	d->virq = pdev->irq;
	pci_dev_put(pdev);
	data = d->virq ? irq_get_irq_data(d->virq) : NULL;
	if (!data || !data->domain)
		return "a device named by pci_devs has no INTx mapping";
	d->hwirq = irqd_to_hwirq(data);
	d->domain = data->domain;
	return NULL;
}

/* Resolve pci_devs; NULL on success, else the reason to skip. */
static const char *intx_setup(struct intx_ctx *ctx)
{
	char *list, *cur, *addr[3] = { NULL, NULL, NULL };
	const char *why = NULL;
	int n = 0;

	if (!ofreconf_pci_devs || !*ofreconf_pci_devs)
		return "pci_devs not given: no PCI device may be removed";
	list = kstrdup(ofreconf_pci_devs, GFP_KERNEL);
	if (!list)
		return "out of memory";
	cur = list;
	while (n < 3 && (addr[n] = strsep(&cur, ",")) != NULL)
		n++;
	if (n < 2) {
		why = "pci_devs needs at least two devices sharing a pin";
		goto out;
	}
	why = intx_probe(&ctx->a, addr[0]);
	if (!why)
		why = intx_probe(&ctx->b, addr[1]);
	if (!why && ctx->a.virq != ctx->b.virq)
		why = "the first two pci_devs devices do not share an INTx mapping";
	if (!why && n == 3 && !intx_probe(&ctx->c, addr[2]))
		ctx->have_c = ctx->c.virq != ctx->a.virq;
out:
	kfree(list);
	return why;
}

static void intx_remove(const struct intx_dev *d)
{
	struct pci_dev *pdev = intx_get(d);

	if (!pdev)
		return;
	pci_stop_and_remove_bus_device_locked(pdev);
	pci_dev_put(pdev);
}

static void intx_rescan(const struct intx_dev *d)
{
	pci_lock_rescan_remove();
	pci_rescan_bus(d->bus);
	pci_unlock_rescan_remove();
}

/* The irq of the live device at @d's address; 0 when it is absent. */
static unsigned int intx_irq_now(const struct intx_dev *d)
{
	struct pci_dev *pdev = intx_get(d);
	unsigned int irq;

	if (!pdev)
		return 0;
	irq = pdev->irq;
	pci_dev_put(pdev);
	return irq;
}

static int intx_init(struct kunit *test)
{
	struct intx_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);

	if (!ctx)
		return -ENOMEM;
	test->priv = ctx;
	return 0;
}

#define INTX_SETUP_OR_SKIP(test, ctx)					\
	do {								\
		const char *_why = intx_setup(ctx);			\
		if (_why)						\
			OFRECONF_SKIP(test, "%s", _why);		\
	} while (0)

/* Removing one of two devices on a pin keeps the mapping for the other. */
static void intx_remove_one_of_shared_keeps_mapping(struct kunit *test)
{
	struct intx_ctx *ctx = test->priv;
	unsigned int virq;

	INTX_SETUP_OR_SKIP(test, ctx);
	virq = ctx->a.virq;

	intx_remove(&ctx->a);
	KUNIT_EXPECT_EQ_MSG(test, intx_mapped(&ctx->b), virq,
			    "hwirq 0x%lx lost its mapping while %s still uses it",
			    ctx->b.hwirq, ctx->b.addr);
	KUNIT_EXPECT_EQ(test, intx_irq_now(&ctx->b), virq);
	KUNIT_EXPECT_NOT_ERR_OR_NULL(test, irq_get_irq_data(virq));
	intx_rescan(&ctx->a);
}

/* Removing the last device on a pin disposes of the pin's mapping. */
static void intx_remove_both_disposes_mapping(struct kunit *test)
{
	struct intx_ctx *ctx = test->priv;

	INTX_SETUP_OR_SKIP(test, ctx);

	intx_remove(&ctx->a);
	intx_remove(&ctx->b);
	KUNIT_EXPECT_EQ_MSG(test, intx_mapped(&ctx->a), 0U,
			    "hwirq 0x%lx is still mapped (virq %u) with no device left",
			    ctx->a.hwirq, intx_mapped(&ctx->a));
	intx_rescan(&ctx->a);
}

/* After removal and rescan, both devices are back with a valid, shared mapping. */
static void intx_rescan_maps_again(struct kunit *test)
{
	struct intx_ctx *ctx = test->priv;
	unsigned int virq;

	INTX_SETUP_OR_SKIP(test, ctx);

	intx_remove(&ctx->a);
	intx_remove(&ctx->b);
	intx_rescan(&ctx->a);

	virq = intx_mapped(&ctx->a);
	KUNIT_ASSERT_NE_MSG(test, virq, 0U, "hwirq 0x%lx is not mapped after the rescan",
			    ctx->a.hwirq);
	KUNIT_EXPECT_EQ_MSG(test, intx_irq_now(&ctx->a), virq, "%s", ctx->a.addr);
	KUNIT_EXPECT_EQ_MSG(test, intx_irq_now(&ctx->b), virq, "%s", ctx->b.addr);
	KUNIT_EXPECT_NOT_ERR_OR_NULL(test, irq_get_irq_data(virq));
}

/*
 * Removing a device that never got a mapping disposes of nothing, even when
 * its irq (the line number from config space) equals another device's virq.
 */
static void intx_remove_unmapped_disposes_nothing(struct kunit *test)
{
	struct intx_ctx *ctx = test->priv;
	unsigned int virq, scanned_irq;
	struct pci_dev *pdev;
	u8 line;

	INTX_SETUP_OR_SKIP(test, ctx);
	virq = ctx->a.virq;
	if (virq >= 0xff)
		OFRECONF_SKIP(test, "virq %u does not fit the config-space line byte", virq);

	/*
	 * Bring A back as a scanned but never added device: no
	 * pcibios_bus_add_device(), so no mapping, and its irq is what config
	 * space says, here the virq that B still uses.
	 */
	intx_remove(&ctx->a);
	KUNIT_ASSERT_EQ(test, pci_bus_read_config_byte(ctx->a.bus, ctx->a.devfn,
						       PCI_INTERRUPT_LINE, &line), 0);
	pci_bus_write_config_byte(ctx->a.bus, ctx->a.devfn, PCI_INTERRUPT_LINE, virq);
	pci_lock_rescan_remove();
	pdev = pci_scan_single_device(ctx->a.bus, ctx->a.devfn);
	scanned_irq = pdev ? pdev->irq : 0;
	if (scanned_irq == virq)
		pci_stop_and_remove_bus_device(pdev);
	pci_unlock_rescan_remove();
	pci_bus_write_config_byte(ctx->a.bus, ctx->a.devfn, PCI_INTERRUPT_LINE, line);

	KUNIT_EXPECT_EQ_MSG(test, scanned_irq, virq,
			    "could not scan %s with irq %u", ctx->a.addr, virq);
	KUNIT_EXPECT_EQ_MSG(test, intx_mapped(&ctx->b), virq,
			    "removing unmapped %s disposed of the mapping %s uses",
			    ctx->a.addr, ctx->b.addr);
	KUNIT_EXPECT_NOT_ERR_OR_NULL(test, irq_get_irq_data(virq));
	intx_rescan(&ctx->a);
}

/*
 * Removing a device whose irq was changed after it got its mapping (as a
 * fixup may do) disposes of its own mapping and leaves the one its irq names.
 */
static void intx_remove_changed_irq_drops_own_mapping(struct kunit *test)
{
	struct intx_ctx *ctx = test->priv;
	struct pci_dev *pdev;

	INTX_SETUP_OR_SKIP(test, ctx);
	if (!ctx->have_c)
		OFRECONF_SKIP(test, "no third pci_devs device with a pin of its own");

	pdev = intx_get(&ctx->c);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pdev);
	pdev->irq = ctx->a.virq;
	pci_stop_and_remove_bus_device_locked(pdev);
	pci_dev_put(pdev);

	KUNIT_EXPECT_EQ_MSG(test, intx_mapped(&ctx->c), 0U,
			    "the mapping of removed %s (hwirq 0x%lx) is still there",
			    ctx->c.addr, ctx->c.hwirq);
	KUNIT_EXPECT_EQ_MSG(test, intx_mapped(&ctx->a), ctx->a.virq,
			    "the mapping shared by %s and %s went away",
			    ctx->a.addr, ctx->b.addr);
	intx_rescan(&ctx->c);
}

static struct kunit_case intx_cases[] = {
	KUNIT_CASE(intx_remove_one_of_shared_keeps_mapping),
	KUNIT_CASE(intx_remove_both_disposes_mapping),
	KUNIT_CASE(intx_rescan_maps_again),
	KUNIT_CASE(intx_remove_unmapped_disposes_nothing),
	KUNIT_CASE(intx_remove_changed_irq_drops_own_mapping),
	{}
};

struct kunit_suite ofreconf_intx_suite = {
	.name = "ofreconf_intx",
	.init = intx_init,
	.test_cases = intx_cases,
};
