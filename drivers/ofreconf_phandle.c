// SPDX-License-Identifier: GPL-2.0
/*
 * ofreconf_phandle: of_find_node_by_phandle() on a live guest (seed 000).
 *
 * After a Live Partition Migration the hypervisor deletes nodes such as
 * ibm,platform-facilities and its children and adds new copies with the
 * same phandles; the mobility code finds the nodes to delete by phandle.
 * A lookup that returns an already detached copy makes __of_detach_node()
 * warn and the new node end up renamed in sysfs.
 *
 * The suite checks the live tree at load time, then builds a subtree of its
 * own (status "disabled", so that no device is created for it), detaches it
 * and checks that none of its phandles still resolves.  Creating nodes from
 * a module needs of_changeset_create_node() (6.6 and later); older
 * kernels, 5.10 among them, build the suite without those cases.  The replay itself is the
 * guest scenario scripts/guest/phandle.sh: it adds and removes its own
 * nodes through /proc/powerpc/ofdt, and uses three writable parameters of
 * this module for what only kernel code can do:
 *   phandle_lookup   write a phandle, read back "live <path>",
 *                    "detached <path>", "none" or "foreign <path>";
 *                    a node of the scenario stays referenced, as a bound
 *                    driver would keep it, until phandle_release;
 *   phandle_detach   write a phandle: find the node by phandle and detach
 *                    it with its children, as mobility's delete_dt_node()
 *                    and dlpar_detach_node() do;
 *   phandle_release  write anything: drop the references lookups took.
 * Only nodes under PHANDLE_SCENARIO_PATH are detached or kept referenced.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/of.h>
#include <linux/string.h>

#include "ofreconf_test.h"

/* Keep in sync with scripts/guest/phandle.sh. */
#define PHANDLE_SCENARIO_PATH	"/ofreconf,platform-facilities"
#define PHANDLE_SCENARIO_BASE	0x4f524601
#define PHANDLE_SCENARIO_NODES	4
#define PHANDLE_MAX_HELD	64

/* The suite's own subtrees: a parent and three children, under the root. */
#define PHANDLE_OWN_NODES	4
/* One phandle range per case, so that a failed case cannot spoil the next. */
#define PHANDLE_OWN_BASE_NODES		0x4f524701
#define PHANDLE_OWN_BASE_SUBTREE	0x4f524711

static DEFINE_MUTEX(phandle_mutex);
static struct device_node *phandle_held[PHANDLE_MAX_HELD];
static int phandle_nheld;
static char phandle_last[160] = "none";

/* True when @np hangs off the root through attached nodes only. */
static bool phandle_node_is_live(struct device_node *np)
{
	for (; np; np = np->parent) {
		if (of_node_check_flag(np, OF_DETACHED))
			return false;
		if (!np->parent)
			return np == of_root;
	}
	return false;
}

/* True for the scenario's own nodes: the only ones this file touches. */
static bool phandle_node_is_ours(struct device_node *np)
{
	char path[sizeof(PHANDLE_SCENARIO_PATH) + 1];

	snprintf(path, sizeof(path), "%pOF", np);
	return !strncmp(path, PHANDLE_SCENARIO_PATH, strlen(PHANDLE_SCENARIO_PATH)) &&
	       (path[strlen(PHANDLE_SCENARIO_PATH)] == '\0' ||
		path[strlen(PHANDLE_SCENARIO_PATH)] == '/');
}

static int phandle_lookup_set(const char *val, const struct kernel_param *kp)
{
	struct device_node *np;
	u32 ph;
	int err;

	err = kstrtou32(val, 0, &ph);
	if (err)
		return err;

	mutex_lock(&phandle_mutex);
	np = of_find_node_by_phandle(ph);
	if (!np) {
		strscpy(phandle_last, "none", sizeof(phandle_last));
	} else if (!phandle_node_is_ours(np)) {
		snprintf(phandle_last, sizeof(phandle_last), "foreign %pOF", np);
		of_node_put(np);
	} else {
		snprintf(phandle_last, sizeof(phandle_last), "%s %pOF",
			 phandle_node_is_live(np) ? "live" : "detached", np);
		if (phandle_nheld < PHANDLE_MAX_HELD)
			phandle_held[phandle_nheld++] = np;
		else
			of_node_put(np);
	}
	mutex_unlock(&phandle_mutex);
	return 0;
}

static int phandle_lookup_get(char *buf, const struct kernel_param *kp)
{
	int len;

	mutex_lock(&phandle_mutex);
	len = sprintf(buf, "%s\n", phandle_last);
	mutex_unlock(&phandle_mutex);
	return len;
}

static const struct kernel_param_ops phandle_lookup_ops = {
	.set = phandle_lookup_set,
	.get = phandle_lookup_get,
};
module_param_cb(phandle_lookup, &phandle_lookup_ops, NULL, 0600);
MODULE_PARM_DESC(phandle_lookup,
		 "write a phandle, read how of_find_node_by_phandle() answered");

/* Children first, then the node: what dlpar_detach_node() does. */
static void phandle_detach_subtree(struct device_node *np)
{
	struct device_node *child;

	while ((child = of_get_next_child(np, NULL))) {
		phandle_detach_subtree(child);
		of_node_put(child);
	}
	if (of_node_check_flag(np, OF_DETACHED)) {
		/*
		 * The stale node of seed 000.  of_detach_node() warns and
		 * still drops the tree's reference, which this node no longer
		 * has: take one for it, so the replay shows the warning and not
		 * a use-after-free.
		 */
		pr_warn("phandle 0x%x gave detached node %pOF; detaching it as mobility would\n",
			np->phandle, np);
		of_node_get(np);
	}
	of_detach_node(np);
}

static int phandle_detach_set(const char *val, const struct kernel_param *kp)
{
	struct device_node *np;
	int err = 0;
	u32 ph;

	err = kstrtou32(val, 0, &ph);
	if (err)
		return err;

	np = of_find_node_by_phandle(ph);
	if (!np)
		return -ENOENT;
	if (phandle_node_is_ours(np))
		phandle_detach_subtree(np);
	else
		err = -EPERM;
	of_node_put(np);
	return err;
}

static const struct kernel_param_ops phandle_detach_ops = {
	.set = phandle_detach_set,
};
module_param_cb(phandle_detach, &phandle_detach_ops, NULL, 0200);
MODULE_PARM_DESC(phandle_detach,
		 "write a phandle of the phandle scenario's nodes: detach that subtree");

static int phandle_release_set(const char *val, const struct kernel_param *kp)
{
	mutex_lock(&phandle_mutex);
	while (phandle_nheld)
		of_node_put(phandle_held[--phandle_nheld]);
	mutex_unlock(&phandle_mutex);
	return 0;
}

static const struct kernel_param_ops phandle_release_ops = {
	.set = phandle_release_set,
};
module_param_cb(phandle_release, &phandle_release_ops, NULL, 0200);
MODULE_PARM_DESC(phandle_release, "write anything: drop the references lookups took");

/* The scenario's phandles are free, so it can only touch its own nodes. */
static void phandle_scenario_range_unused(struct kunit *test)
{
	struct device_node *np;

	for (np = of_find_all_nodes(NULL); np; np = of_find_all_nodes(np))
		KUNIT_EXPECT_FALSE_MSG(test, np->phandle >= PHANDLE_SCENARIO_BASE &&
				       np->phandle < PHANDLE_SCENARIO_BASE + PHANDLE_SCENARIO_NODES,
				       "%pOF already has phandle 0x%x", np, np->phandle);
}

/* Every phandle of the live tree resolves to its own, attached node. */
static void phandle_live_tree_resolves(struct kunit *test)
{
	struct device_node *np, *found;
	int checked = 0;

	for (np = of_find_all_nodes(NULL); np; np = of_find_all_nodes(np)) {
		if (!np->phandle)
			continue;
		found = of_find_node_by_phandle(np->phandle);
		KUNIT_EXPECT_PTR_EQ_MSG(test, found, np, "phandle 0x%x of %pOF",
					np->phandle, np);
		if (found)
			KUNIT_EXPECT_TRUE_MSG(test, phandle_node_is_live(found),
					      "phandle 0x%x gave detached %pOF",
					      np->phandle, found);
		of_node_put(found);
		checked++;
	}
	if (!checked)
		OFRECONF_SKIP(test, "no node of the live tree has a phandle");
	kunit_info(test, "%d phandles resolved\n", checked);
}

/* Phandles that never existed, 0 and 0xffffffff resolve to nothing. */
static void phandle_edge_values(struct kunit *test)
{
	static const phandle edge[] = {
		PHANDLE_SCENARIO_BASE + PHANDLE_SCENARIO_NODES, 0, 0xffffffff,
	};
	struct device_node *np;
	int i;

	for (i = 0; i < ARRAY_SIZE(edge); i++) {
		np = of_find_node_by_phandle(edge[i]);
		KUNIT_EXPECT_TRUE_MSG(test, !np, "phandle 0x%x gave %pOF",
				      edge[i], np);
		of_node_put(np);
	}
}

#ifdef OFRECONF_OF_CREATE_NODE
static const char * const phandle_own_names[PHANDLE_OWN_NODES] = {
	"ofreconf-phandle-own", "own-a", "own-b", "own-c",
};

/* node[0] is the parent, node[1..] its children. */
struct phandle_own {
	struct device_node *node[PHANDLE_OWN_NODES];
	struct of_changeset cs;
	phandle base;
};

static bool phandle_in_tree(phandle ph)
{
	struct device_node *np;

	for (np = of_find_all_nodes(NULL); np; np = of_find_all_nodes(np)) {
		if (np->phandle == ph) {
			of_node_put(np);
			return true;
		}
	}
	return false;
}

/*
 * Allocate the nodes, detached.  of_changeset_create_node() queues an attach
 * before any property could be added, and a node takes its phandle from its
 * properties when it is attached, so the nodes come from a changeset that is
 * never applied and the attach is queued after the properties below.
 */
static int phandle_own_alloc(struct phandle_own *t)
{
	struct of_changeset make;
	int i, err = 0;

	of_changeset_init(&make);
	for (i = 0; i < PHANDLE_OWN_NODES; i++) {
		t->node[i] = of_changeset_create_node(&make, i ? t->node[0] : of_root,
						      phandle_own_names[i]);
		if (!t->node[i]) {
			err = -ENOMEM;
			break;
		}
	}
	of_changeset_destroy(&make);
	return err;
}

static int phandle_own_queue(struct phandle_own *t)
{
	int i, err = 0;

	for (i = 0; i < PHANDLE_OWN_NODES && !err; i++) {
		struct device_node *np = t->node[i];

		err = of_changeset_add_prop_string(&t->cs, np, "name", phandle_own_names[i]) ?:
		      of_changeset_add_prop_string(&t->cs, np, "status", "disabled") ?:
		      of_changeset_add_prop_u32(&t->cs, np, "phandle", t->base + i) ?:
		      of_changeset_attach_node(&t->cs, np);
	}
	return err;
}

/* Build and attach the subtree; on failure nothing is attached. */
static int phandle_own_attach(struct phandle_own *t, phandle base)
{
	int i, err;

	memset(t, 0, sizeof(*t));
	of_changeset_init(&t->cs);
	t->base = base;
	for (i = 0; i < PHANDLE_OWN_NODES; i++)
		if (phandle_in_tree(base + i))
			return -EEXIST;
	err = phandle_own_alloc(t);
	if (!err)
		err = phandle_own_queue(t);
	if (!err)
		err = of_changeset_apply(&t->cs);
	if (err) {
		of_changeset_destroy(&t->cs);
		for (i = 0; i < PHANDLE_OWN_NODES; i++)
			of_node_put(t->node[i]);
	}
	return err;
}

/*
 * Detach whatever is still attached, children first, and drop the nodes.  If
 * a lookup handed out one of them after its detach, the phandle cache may
 * still point at it: keep the nodes then, rather than leave freed memory in
 * the cache.
 */
static void phandle_own_release(struct phandle_own *t, bool stale)
{
	int i;

	for (i = PHANDLE_OWN_NODES - 1; i >= 0; i--)
		if (!of_node_check_flag(t->node[i], OF_DETACHED))
			of_detach_node(t->node[i]);
	/* all detached: the changeset only holds references now */
	of_changeset_destroy(&t->cs);
	if (stale)
		return;
	for (i = 0; i < PHANDLE_OWN_NODES; i++)
		of_node_put(t->node[i]);
}

/* Look up node @i of @t: false if the lookup gave a detached node. */
static bool phandle_own_check_gone(struct kunit *test, struct phandle_own *t, int i)
{
	struct device_node *np = of_find_node_by_phandle(t->base + i);
	bool gone = !np;

	KUNIT_EXPECT_TRUE_MSG(test, gone, "phandle 0x%x of detached %s gave %pOF (%s)",
			      t->base + i, phandle_own_names[i], np,
			      np && phandle_node_is_live(np) ? "live" : "detached");
	of_node_put(np);
	return gone;
}

/* Fill the phandle cache with every node of @t. */
static void phandle_own_lookup_all(struct kunit *test, struct phandle_own *t)
{
	struct device_node *np;
	int i;

	for (i = 0; i < PHANDLE_OWN_NODES; i++) {
		np = of_find_node_by_phandle(t->base + i);
		KUNIT_EXPECT_PTR_EQ_MSG(test, np, t->node[i], "phandle 0x%x before the detach",
					t->base + i);
		of_node_put(np);
	}
}

/* Detached one by one, children first, no node of ours resolves any more. */
static void phandle_detached_nodes_not_found(struct kunit *test)
{
	struct phandle_own t;
	bool stale = false;
	int i, err;

	err = phandle_own_attach(&t, PHANDLE_OWN_BASE_NODES);
	KUNIT_ASSERT_EQ_MSG(test, err, 0, "cannot build the suite's own subtree (phandles 0x%x..)",
			    PHANDLE_OWN_BASE_NODES);
	phandle_own_lookup_all(test, &t);

	for (i = PHANDLE_OWN_NODES - 1; i >= 0; i--)
		of_detach_node(t.node[i]);
	for (i = 0; i < PHANDLE_OWN_NODES; i++)
		stale |= !phandle_own_check_gone(test, &t, i);
	phandle_own_release(&t, stale);
}

/* Detached with its children in place, no phandle of the subtree resolves. */
static void phandle_detached_subtree_not_found(struct kunit *test)
{
	struct phandle_own t;
	bool stale = false;
	int i, err;

	err = phandle_own_attach(&t, PHANDLE_OWN_BASE_SUBTREE);
	KUNIT_ASSERT_EQ_MSG(test, err, 0, "cannot build the suite's own subtree (phandles 0x%x..)",
			    PHANDLE_OWN_BASE_SUBTREE);
	phandle_own_lookup_all(test, &t);

	/* the parent alone: its children stay linked below it */
	of_detach_node(t.node[0]);
	for (i = 0; i < PHANDLE_OWN_NODES; i++)
		stale |= !phandle_own_check_gone(test, &t, i);
	phandle_own_release(&t, stale);
}
#endif

static struct kunit_case phandle_cases[] = {
	KUNIT_CASE(phandle_scenario_range_unused),
	KUNIT_CASE(phandle_live_tree_resolves),
	KUNIT_CASE(phandle_edge_values),
#ifdef OFRECONF_OF_CREATE_NODE
	KUNIT_CASE(phandle_detached_nodes_not_found),
	KUNIT_CASE(phandle_detached_subtree_not_found),
#endif
	{}
};

struct kunit_suite ofreconf_phandle_suite = {
	.name = "ofreconf_phandle",
	.test_cases = phandle_cases,
};
