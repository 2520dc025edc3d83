// SPDX-License-Identifier: GPL-2.0
/*
 * ofreconf_devlink: device-tree node removal waits for device-link
 * releases, on a live guest or LPAR (seed 002).
 *
 * Deleting a device that is the consumer of a device link queues the
 * link's release on a workqueue; until it runs, the link holds its
 * consumer and supplier, and their device-tree nodes.  Destroying the
 * changeset that attached those nodes (and removing an overlay, which
 * destroys its changeset) must wait for that release, with
 * device_link_wait_removal() (upstream 0462c56c290a, 8917e7385346), or
 * it drops its references while the release still holds the nodes.
 *
 * Each cycle attaches, through a changeset, a disabled parent with a
 * supplier child and one consumer child a link, adds a device on each
 * child, links each consumer to the supplier, then removes it all: the
 * devices, the changeset's revert and its destruction.  Where a case
 * needs the order to be certain, the last consumer's release sleeps, so
 * its link release is still pending when the changeset is destroyed.
 * Every removal runs in a work item the case waits for with a time
 * limit: a removal that hangs fails its case and the module stays
 * loaded (its code still runs), instead of hanging the run.
 *
 * The changeset API creates nodes from 6.6 on; older kernels export no
 * node allocator, so there the nodes are built as pseries DLPAR builds
 * them (dlpar.c), with the ktype of a live node.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/device.h>
#include <linux/kref.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/of.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include "ofreconf_test.h"

#define DL_CYCLES		100
#define DL_MAX_LINKS		100
/*
 * A cycle of DL_MAX_LINKS links adds and deletes 101 devices: over four
 * seconds on a TCG guest with KASAN beside another guest (five cycles
 * took 22 s of a v6.12 vm boot), so its latency takes the median of three.
 * The case only times the removal; a hang fails it in any cycle.
 */
#define DL_MAX_LINKS_CYCLES	3
/* How long the lagging consumer's release sleeps: longer than a removal's checks. */
#define DL_RELEASE_MS		20
/* Bound on one removal, 100 links on a TCG guest with KASAN included. */
#define DL_REMOVE_TIMEOUT_MS	20000
#define DL_HOST_NAME		"ofreconf_devlink_host"

/*
 * Releases counted per cycle, in a ring of slots so that a release that
 * comes late (the bug) is counted in its own cycle's slot, not a later
 * one: without the wait a cycle takes under 2 ms, its release 20 ms.
 */
#define DL_SLOTS		256
static atomic_t dl_released[DL_SLOTS];
static atomic_t dl_seq = ATOMIC_INIT(0);
static unsigned int dl_cycle_no;
/* A removal hung: its work may still run, nothing else may start. */
static bool dl_hung;

/*
 * Cycles of each repeated case.  The bug they look for shows in every
 * cycle: the kit's prove boots and vm tier give 10, and make soak
 * keeps this default.
 */
static int dl_cycles = DL_CYCLES;
module_param_named(devlink_cycles, dl_cycles, int, 0444);
MODULE_PARM_DESC(devlink_cycles, "cycles of each repeated devlink case (default 100)");

struct dl_dev {
	struct device dev;
	bool slow;
	unsigned int slot;
};

/* np[0] the parent, np[1] the supplier, np[2..] the consumers; dev[i] on np[i + 1]. */
struct dl_cycle {
	struct of_changeset cs;
	int nlinks;
	unsigned int slot;
	struct device_node *np[DL_MAX_LINKS + 2];
	struct dl_dev *dev[DL_MAX_LINKS + 1];
	/* the removal: hold the nodes to read their refcount after it */
	bool hold;
	struct work_struct work;
	struct completion done;
	/* what the removal saw */
	int revert_err;
	s64 took_us;
	int released;
	int unbalanced;
};

static void dl_dev_release(struct device *dev)
{
	struct dl_dev *od = container_of(dev, struct dl_dev, dev);
	unsigned int slot = od->slot;

	if (od->slow)
		msleep(DL_RELEASE_MS);
	of_node_put(dev->of_node);
	kfree(od);
	atomic_inc(&dl_released[slot]);
}

static struct dl_dev *dl_dev_add(struct device_node *np, const char *role, bool slow,
				 unsigned int slot)
{
	struct dl_dev *od;
	int ret;

	od = kzalloc(sizeof(*od), GFP_KERNEL);
	if (!od)
		return NULL;
	device_initialize(&od->dev);
	od->dev.release = dl_dev_release;
	od->dev.of_node = of_node_get(np);
	od->slow = slow;
	od->slot = slot;
	ret = dev_set_name(&od->dev, "ofreconf_devlink_%s%d", role,
			   atomic_inc_return(&dl_seq));
	if (!ret)
		ret = device_add(&od->dev);
	if (ret) {
		put_device(&od->dev);
		return NULL;
	}
	return od;
}

#ifdef OFRECONF_OF_CREATE_NODE
/* A new node under @parent, attached by @cs; @cs holds the only reference. */
static struct device_node *dl_node(struct of_changeset *cs, struct device_node *parent,
				   const char *name)
{
	struct device_node *np = of_changeset_create_node(cs, parent, name);

	of_node_put(np);
	return np;
}

static int dl_disable(struct of_changeset *cs, struct device_node *np)
{
	return of_changeset_add_prop_string(cs, np, "status", "disabled");
}
#else
static struct device_node *dl_node(struct of_changeset *cs, struct device_node *parent,
				   const char *name)
{
	struct device_node *np;
	int err;

	np = kzalloc(sizeof(*np), GFP_KERNEL);
	if (!np)
		return NULL;
	np->full_name = kstrdup(name, GFP_KERNEL);
	if (!np->full_name) {
		kfree(np);
		return NULL;
	}
	/* freed by of_node_release() once detached and unreferenced */
	of_node_set_flag(np, OF_DYNAMIC);
	of_node_set_flag(np, OF_DETACHED);
	kobject_init(&np->kobj, of_root->kobj.ktype);
	np->fwnode.ops = &of_fwnode_ops;
	np->parent = parent;
	err = of_changeset_attach_node(cs, np);
	of_node_put(np);
	return err ? NULL : np;
}

static int dl_disable(struct of_changeset *cs, struct device_node *np)
{
	struct property *prop;
	int err = -ENOMEM;

	prop = kzalloc(sizeof(*prop), GFP_KERNEL);
	if (!prop)
		return err;
	prop->name = kstrdup("status", GFP_KERNEL);
	prop->value = kstrdup("disabled", GFP_KERNEL);
	prop->length = sizeof("disabled");
	if (prop->name && prop->value)
		err = of_changeset_add_property(cs, np, prop);
	if (err) {
		kfree(prop->name);
		kfree(prop->value);
		kfree(prop);
	}
	return err;
}
#endif

/*
 * Attach the nodes, add the devices and link each consumer to the
 * supplier; with @slow the last consumer's release lags.
 */
static int dl_cycle_add(struct dl_cycle *c, int nlinks, bool slow)
{
	char name[24];
	int i, ndev = 0, err;

	memset(c, 0, sizeof(*c));
	c->nlinks = nlinks;
	c->slot = dl_cycle_no++ % DL_SLOTS;
	atomic_set(&dl_released[c->slot], 0);
	of_changeset_init(&c->cs);
	c->np[0] = dl_node(&c->cs, of_root, "ofreconf-devlink");
	err = c->np[0] ? dl_disable(&c->cs, c->np[0]) : -ENOMEM;
	for (i = 1; !err && i < nlinks + 2; i++) {
		if (i == 1)
			strscpy(name, "supplier", sizeof(name));
		else
			snprintf(name, sizeof(name), "consumer@%d", i - 2);
		c->np[i] = dl_node(&c->cs, c->np[0], name);
		if (!c->np[i])
			err = -ENOMEM;
	}
	if (!err)
		err = of_changeset_apply(&c->cs);
	if (err) {
		of_changeset_destroy(&c->cs);
		return err;
	}

	for (; !err && ndev < nlinks + 1; ndev++) {
		c->dev[ndev] = dl_dev_add(c->np[ndev + 1], ndev ? "con" : "sup",
					  slow && ndev == nlinks, c->slot);
		if (!c->dev[ndev])
			break;
		if (ndev && !device_link_add(&c->dev[ndev]->dev, &c->dev[0]->dev,
					     DL_FLAG_STATELESS))
			err = -ENOMEM;
	}
	if (!err && ndev == nlinks + 1)
		return 0;

	while (ndev--)
		if (c->dev[ndev])
			device_unregister(&c->dev[ndev]->dev);
	WARN_ON(of_changeset_revert(&c->cs));
	of_changeset_destroy(&c->cs);
	return -ENOMEM;
}

/* Consumers first, then the supplier, then the nodes: what a removal does. */
static int dl_cycle_unplug(struct dl_cycle *c)
{
	int i;

	for (i = c->nlinks; i >= 0; i--)
		device_unregister(&c->dev[i]->dev);
	return of_changeset_revert(&c->cs);
}

static void dl_remove_fn(struct work_struct *work)
{
	struct dl_cycle *c = container_of(work, struct dl_cycle, work);
	ktime_t t0 = ktime_get();
	int i;

	c->revert_err = dl_cycle_unplug(c);
	/* a failed revert leaves nodes attached: destroying would free them */
	if (!c->revert_err)
		of_changeset_destroy(&c->cs);
	c->took_us = ktime_us_delta(ktime_get(), t0);
	c->released = atomic_read(&dl_released[c->slot]);
	for (i = 0; c->hold && i < c->nlinks + 2; i++) {
		/* only the reference taken before the removal may remain */
		if (kref_read(&c->np[i]->kobj.kref) != 1)
			c->unbalanced++;
		of_node_put(c->np[i]);
	}
	complete(&c->done);
}

/*
 * Remove @c in a work item and wait for it at most DL_REMOVE_TIMEOUT_MS.
 * False if it did not finish: @c then belongs to the work for good.
 */
static bool dl_cycle_remove(struct dl_cycle *c, bool hold)
{
	int i;

	c->hold = hold;
	for (i = 0; hold && i < c->nlinks + 2; i++)
		of_node_get(c->np[i]);
	INIT_WORK(&c->work, dl_remove_fn);
	init_completion(&c->done);
	queue_work(system_unbound_wq, &c->work);
	if (wait_for_completion_timeout(&c->done, msecs_to_jiffies(DL_REMOVE_TIMEOUT_MS)))
		return true;
	/* the work may still run this module's code: keep it loaded */
	dl_hung = true;
	__module_get(THIS_MODULE);
	return false;
}

/* A cycle, allocated outside KUnit's resources: a hung removal still owns it. */
static struct dl_cycle *dl_cycle_alloc(struct kunit *test)
{
	struct dl_cycle *c;

	KUNIT_ASSERT_FALSE_MSG(test, dl_hung, "an earlier removal hung");
	KUNIT_ASSERT_GT_MSG(test, dl_cycles, 0, "devlink_cycles must be positive");
	if (!of_root)
		OFRECONF_SKIP(test, "no live device tree: of_root is NULL");
	c = kzalloc(sizeof(*c), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, c);
	return c;
}

/*
 * Run @cycles cycles with @nlinks links, the last consumer lagging if
 * @slow; count the cycles whose removal returned before every device was
 * released and those that left a node with references.  False if a
 * removal hung or a cycle could not be set up (reported).
 */
static bool dl_run(struct kunit *test, int cycles, int nlinks, bool slow, bool hold,
		   s64 *took_us, int *early, int *unbalanced)
{
	struct dl_cycle *c = dl_cycle_alloc(test);
	int i, err;

	*early = *unbalanced = 0;
	for (i = 0; i < cycles; i++) {
		err = dl_cycle_add(c, nlinks, slow);
		if (err) {
			KUNIT_FAIL(test, "cycle %d: cannot attach nodes and link devices: %d",
				   i, err);
			break;
		}
		if (!dl_cycle_remove(c, hold)) {
			KUNIT_FAIL(test, "cycle %d: removal with %d links running after %d ms",
				   i, nlinks, DL_REMOVE_TIMEOUT_MS);
			return false;
		}
		if (c->revert_err) {
			KUNIT_FAIL(test, "cycle %d: revert failed: %d", i, c->revert_err);
			break;
		}
		if (c->released != nlinks + 1)
			(*early)++;
		*unbalanced += c->unbalanced;
		if (took_us)
			took_us[i] = c->took_us;
	}
	kfree(c);
	return i == cycles;
}

/* The changeset is destroyed only after the pending link releases ran, every cycle. */
static void devlink_remove_waits_for_release(struct kunit *test)
{
	int early, unbalanced;

	if (!dl_run(test, dl_cycles, 1, true, false, NULL, &early, &unbalanced))
		return;
	KUNIT_EXPECT_EQ_MSG(test, early, 0,
			    "removal returned before the link release ran in %d of %d cycles",
			    early, dl_cycles);
}

/* Every node's refcount is back to one when its changeset drops it, every cycle. */
static void devlink_node_refcount_one(struct kunit *test)
{
	int early, unbalanced;

	if (!dl_run(test, dl_cycles, 1, true, true, NULL, &early, &unbalanced))
		return;
	KUNIT_EXPECT_EQ_MSG(test, unbalanced, 0,
			    "%d nodes still referenced after their changeset was destroyed (%d cycles)",
			    unbalanced, dl_cycles);
}

static int dl_cmp_s64(const void *a, const void *b)
{
	s64 x = *(const s64 *)a, y = *(const s64 *)b;

	return x < y ? -1 : x > y;
}

/*
 * Removal with @nlinks links and no lag, @cycles times: each ends in bounded
 * time; the median is printed.
 */
static void dl_latency(struct kunit *test, int cycles, int nlinks)
{
	int early, unbalanced;
	s64 *took;

	took = kunit_kzalloc(test, cycles * sizeof(*took), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, took);
	if (!dl_run(test, cycles, nlinks, false, false, took, &early, &unbalanced))
		return;
	sort(took, cycles, sizeof(*took), dl_cmp_s64, NULL);
	kunit_info(test, "removal with %d link%s: median %lld us, min %lld us, max %lld us over %d cycles\n",
		   nlinks, nlinks == 1 ? "" : "s", took[cycles / 2], took[0],
		   took[cycles - 1], cycles);
}

/* Removal with one link returns within the bound; its median latency is printed. */
static void devlink_latency_1_link(struct kunit *test)
{
	dl_latency(test, dl_cycles, 1);
}

/* The same with ten consumers linked to one supplier. */
static void devlink_latency_10_links(struct kunit *test)
{
	dl_latency(test, dl_cycles, 10);
}

/* The same with a hundred, over DL_MAX_LINKS_CYCLES cycles. */
static void devlink_latency_100_links(struct kunit *test)
{
	dl_latency(test, min_t(int, dl_cycles, DL_MAX_LINKS_CYCLES), DL_MAX_LINKS);
}

static int dl_host_probe(struct platform_device *pdev)
{
	struct dl_cycle *c;
	int err;

	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	err = dl_cycle_add(c, 1, true);
	if (err) {
		kfree(c);
		return err;
	}
	platform_set_drvdata(pdev, c);
	return 0;
}

/* Removes the nodes its probe attached, with the link release pending. */
static void dl_host_unplug(struct platform_device *pdev)
{
	struct dl_cycle *c = platform_get_drvdata(pdev);

	WARN_ON(dl_cycle_unplug(c));
	of_changeset_destroy(&c->cs);
	kfree(c);
}

#ifdef OFRECONF_VOID_REMOVE
static void dl_host_remove(struct platform_device *pdev)
{
	dl_host_unplug(pdev);
}
#else
static int dl_host_remove(struct platform_device *pdev)
{
	dl_host_unplug(pdev);
	return 0;
}
#endif

static struct platform_driver dl_host_driver = {
	.probe = dl_host_probe,
	.remove = dl_host_remove,
	.driver = {
		.name = DL_HOST_NAME,
	},
};

struct dl_unbind {
	struct work_struct work;
	struct platform_device *pdev;
	struct completion done;
};

static void dl_unbind_fn(struct work_struct *work)
{
	struct dl_unbind *u = container_of(work, struct dl_unbind, work);

	platform_device_unregister(u->pdev);
	complete(&u->done);
}

/* Unregister @pdev in a work item, waiting at most DL_REMOVE_TIMEOUT_MS. */
static bool dl_unbind_bounded(struct platform_device *pdev)
{
	struct dl_unbind *u = kzalloc(sizeof(*u), GFP_KERNEL);

	if (!u) {
		platform_device_unregister(pdev);
		return true;
	}
	INIT_WORK(&u->work, dl_unbind_fn);
	init_completion(&u->done);
	u->pdev = pdev;
	queue_work(system_unbound_wq, &u->work);
	if (!wait_for_completion_timeout(&u->done, msecs_to_jiffies(DL_REMOVE_TIMEOUT_MS))) {
		/* @u and the driver stay with the blocked removal */
		dl_hung = true;
		__module_get(THIS_MODULE);
		return false;
	}
	kfree(u);
	return true;
}

/* A driver's remove() destroying its changeset, a link release pending, returns. */
static void devlink_driver_remove_no_deadlock(struct kunit *test)
{
	struct platform_device *pdev;

	KUNIT_ASSERT_FALSE_MSG(test, dl_hung, "an earlier removal hung");
	KUNIT_ASSERT_EQ(test, platform_driver_register(&dl_host_driver), 0);
	pdev = platform_device_register_simple(DL_HOST_NAME, PLATFORM_DEVID_AUTO, NULL, 0);
	if (IS_ERR(pdev) || !platform_get_drvdata(pdev)) {
		if (!IS_ERR(pdev))
			platform_device_unregister(pdev);
		platform_driver_unregister(&dl_host_driver);
		KUNIT_FAIL(test, "the host device was not probed");
		return;
	}
	if (!dl_unbind_bounded(pdev)) {
		KUNIT_FAIL(test, "driver removal still blocked after %d ms", DL_REMOVE_TIMEOUT_MS);
		return;
	}
	platform_driver_unregister(&dl_host_driver);
}

#ifdef OFRECONF_OF_OVERLAY
#define DL_OVL_PATH		"/ofreconf-devlink-overlay"
#define DL_OVL_HOST_NAME	"ofreconf_devlink_ovl_host"

/* One overlay host at a time: what its probe made, what its remove saw. */
static struct {
	int ovcs_id;
	unsigned int slot;
	struct dl_dev *sup, *con;
	bool probed;
	bool removed;
	int remove_err;
	int released;
} dl_ovl;

static int dl_ovl_probe(struct platform_device *pdev)
{
	struct device_node *sup_np, *con_np;
	int err;

	dl_ovl.slot = dl_cycle_no++ % DL_SLOTS;
	atomic_set(&dl_released[dl_ovl.slot], 0);
	dl_ovl.removed = false;
	err = of_overlay_fdt_apply(__dtbo_ofreconf_devlink_overlay_begin,
				   __dtbo_ofreconf_devlink_overlay_end -
				   __dtbo_ofreconf_devlink_overlay_begin,
				   &dl_ovl.ovcs_id, NULL);
	if (err)
		return err;
	sup_np = of_find_node_by_path(DL_OVL_PATH "/supplier");
	con_np = of_find_node_by_path(DL_OVL_PATH "/consumer");
	dl_ovl.sup = sup_np ? dl_dev_add(sup_np, "osup", false, dl_ovl.slot) : NULL;
	dl_ovl.con = dl_ovl.sup && con_np ? dl_dev_add(con_np, "ocon", true, dl_ovl.slot) : NULL;
	of_node_put(sup_np);
	of_node_put(con_np);
	if (dl_ovl.con && device_link_add(&dl_ovl.con->dev, &dl_ovl.sup->dev, DL_FLAG_STATELESS)) {
		dl_ovl.probed = true;
		return 0;
	}
	if (dl_ovl.con)
		device_unregister(&dl_ovl.con->dev);
	if (dl_ovl.sup)
		device_unregister(&dl_ovl.sup->dev);
	WARN_ON(of_overlay_remove(&dl_ovl.ovcs_id));
	return -ENOMEM;
}

/*
 * The overlay goes with the driver: its remove() deletes the devices,
 * which queues the link release, and removes the overlay (under of_mutex,
 * which waits for the release) while the driver core holds the device lock.
 */
static void dl_ovl_unplug(struct platform_device *pdev)
{
	device_unregister(&dl_ovl.con->dev);
	device_unregister(&dl_ovl.sup->dev);
	dl_ovl.remove_err = of_overlay_remove(&dl_ovl.ovcs_id);
	dl_ovl.released = atomic_read(&dl_released[dl_ovl.slot]);
	dl_ovl.removed = true;
}

#ifdef OFRECONF_VOID_REMOVE
static void dl_ovl_remove(struct platform_device *pdev)
{
	dl_ovl_unplug(pdev);
}
#else
static int dl_ovl_remove(struct platform_device *pdev)
{
	dl_ovl_unplug(pdev);
	return 0;
}
#endif

static struct platform_driver dl_ovl_driver = {
	.probe = dl_ovl_probe,
	.remove = dl_ovl_remove,
	.driver = {
		.name = DL_OVL_HOST_NAME,
	},
};

/*
 * A driver's remove() that removes its overlay, a link release pending,
 * returns only after the release ran, every cycle; none hangs.
 */
static void devlink_overlay_driver_remove(struct kunit *test)
{
	struct platform_device *pdev;
	int i, early = 0;

	KUNIT_ASSERT_FALSE_MSG(test, dl_hung, "an earlier removal hung");
	KUNIT_ASSERT_GT_MSG(test, dl_cycles, 0, "devlink_cycles must be positive");
	KUNIT_ASSERT_EQ(test, platform_driver_register(&dl_ovl_driver), 0);
	for (i = 0; i < dl_cycles; i++) {
		dl_ovl.probed = false;
		pdev = platform_device_register_simple(DL_OVL_HOST_NAME, PLATFORM_DEVID_AUTO,
						       NULL, 0);
		if (IS_ERR(pdev) || !dl_ovl.probed) {
			if (!IS_ERR(pdev))
				platform_device_unregister(pdev);
			KUNIT_FAIL(test, "cycle %d: the overlay host was not probed", i);
			break;
		}
		if (!dl_unbind_bounded(pdev)) {
			KUNIT_FAIL(test, "cycle %d: driver removal still blocked after %d ms",
				   i, DL_REMOVE_TIMEOUT_MS);
			return;
		}
		KUNIT_EXPECT_TRUE_MSG(test, dl_ovl.removed, "cycle %d: remove() did not run", i);
		KUNIT_EXPECT_EQ_MSG(test, dl_ovl.remove_err, 0, "cycle %d: of_overlay_remove()", i);
		if (dl_ovl.released != 2)
			early++;
	}
	platform_driver_unregister(&dl_ovl_driver);
	KUNIT_EXPECT_EQ_MSG(test, early, 0,
			    "overlay removed before its link release ran in %d of %d cycles",
			    early, dl_cycles);
}
#endif

static struct kunit_case devlink_cases[] = {
	KUNIT_CASE(devlink_remove_waits_for_release),
	KUNIT_CASE(devlink_node_refcount_one),
	KUNIT_CASE(devlink_latency_1_link),
	KUNIT_CASE(devlink_latency_10_links),
	KUNIT_CASE(devlink_latency_100_links),
	KUNIT_CASE(devlink_driver_remove_no_deadlock),
#ifdef OFRECONF_OF_OVERLAY
	KUNIT_CASE(devlink_overlay_driver_remove),
#endif
	{}
};

struct kunit_suite ofreconf_devlink_suite = {
	.name = "ofreconf_devlink",
	.test_cases = devlink_cases,
};
