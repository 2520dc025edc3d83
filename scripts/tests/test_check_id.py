#!/usr/bin/env python3
"""Tests for check_id (scripts/lib.sh) and the check results it keeps
(part in scripts/check.sh): a part of the check tier whose every check
passed keeps its records under an id of all it reads; the same inputs,
from any clone, give the same id and report the kept records, each case
saying so, without running the checks; a change to any input gives a new
id and runs them; a part with a failure is never kept.  Run: python3 -m
unittest discover scripts/tests (make check runs it)."""
import os
import shutil
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from test_round_id import ToyKit, git  # noqa: E402

# A checkpatch.pl that logs each file it is given and finds something in
# a file that holds the word BAD.
TOY_CHECKPATCH = r"""#!/usr/bin/perl
open(my $log, '>>', $ENV{CHECKPATCH_LOG}) or die;
my $file = $ARGV[-1];
print $log "$file\n";
open(my $in, '<', $file) or die;
while (<$in>) { print "WARNING:TOY: BAD found\n" if /BAD/; }
"""


class CheckIdTest(ToyKit, unittest.TestCase):
    def setUp(self):
        super().setUp()
        # The applied series, the guest .config, sparse, checkpatch.pl.
        git(self.src, "checkout", "-q", "-b", "ofreconf/v6.12")
        self.series_commit("series\n")
        self.write(os.path.join(self.cache, "build", "v6.12", ".config"), "CONFIG_X=y\n")
        self.write(os.path.join(self.kit, "drivers", "ofreconf_test.h"), "/* header */\n")
        self.write(os.path.join(self.kit, "patches/v6.12/0001-series.patch"),
                   "From: toy\nSubject: [PATCH] series\n")
        self.tool("sparse", "sparse 1", prefix="")
        self.write(os.path.join(self.src, "scripts", "checkpatch.pl"), TOY_CHECKPATCH)
        self.log = os.path.join(self.tmp, "checkpatch.log")

    def tool(self, name, version, prefix="ppc-"):
        path = os.path.join(self.tools, prefix + name)
        self.write(path, "#!/bin/sh\necho '%s'\n" % version)
        os.chmod(path, 0o755)

    def series_commit(self, text):
        self.write(os.path.join(self.src, "series.c"), text)
        git(self.src, "add", ".")
        git(self.src, "commit", "-q", "-m", "series")

    def run_kit(self, script, kit=None, **env):
        env = dict(os.environ, OFRECONF_CACHE=self.cache, OFRECONF_OUT=os.path.join(self.tmp, "out"),
                   CROSS_COMPILE=os.path.join(self.tools, "ppc-"), CHECKPATCH_LOG=self.log,
                   PATH=self.tools + os.pathsep + os.environ["PATH"], **self.env, **env)
        if not env.get("KDIR"):
            env.pop("KDIR", None)
        return subprocess.run(["bash", "-c", script, kit or self.kit],
                              env=env, capture_output=True, text=True)

    def check_id(self, part="v6.12", kit=None, **env):
        r = self.run_kit('. "$0/scripts/lib.sh"; check_id %s v6.12' % part, kit=kit, **env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, "")
        return r.stdout.strip()

    def test_same_inputs_same_id_from_any_clone(self):
        first = self.check_id()
        self.assertRegex(first, "^[0-9a-f]{16}$")
        self.assertEqual(self.check_id(), first)
        clone = os.path.join(self.tmp, "clone")
        shutil.copytree(self.kit, clone)
        self.assertEqual(self.check_id(kit=clone), first)
        self.assertNotEqual(self.check_id("checkpatch"), first)

    def test_each_input_changes_the_id(self):
        seen = {self.check_id(): "as set up"}
        kit = lambda rel: os.path.join(self.kit, rel)  # noqa: E731
        changes = {
            "a series patch": lambda: self.write(kit("patches/v6.12/0001-series.patch"), "v2\n"),
            "a module source": lambda: self.write(kit("drivers/ofreconf_test.h"), "v2\n"),
            "a config fragment": lambda: self.write(kit("kunit/guest-common.config"), "v2\n"),
            "the check script": lambda: self.write(kit("scripts/check.sh"), "v2\n"),
            "the stable check": lambda: self.write(kit("scripts/stable_alone.sh"), "v2\n"),
            "the applied series": lambda: self.series_commit("series v2\n"),
            "the guest .config": lambda: self.write(
                os.path.join(self.cache, "build", "v6.12", ".config"), "CONFIG_X=n\n"),
            "sparse": lambda: self.tool("sparse", "sparse 2", prefix=""),
            "the cross compiler": lambda: self.tool("gcc", "cross gcc 2"),
            "KCFLAGS": lambda: self.env.update(KCFLAGS="-DOFRECONF_TEST"),
            "the base tag": lambda: git(self.src, "tag", "-f", "v6.12", "ofreconf/v6.12"),
        }
        for what, change in changes.items():
            change()
            now = self.check_id()
            self.assertNotIn(now, seen, "%s changed and the id stayed that of %s"
                             % (what, seen.get(now)))
            seen[now] = what

    def test_files_the_check_does_not_read_leave_the_id(self):
        first = self.check_id()
        for rel in ("scripts/prove.sh", "scripts/guest/drmem.sh", "prove/drmem/one-v6.12.patch",
                    "patches/v7.3/0001-other-base.patch"):
            self.write(os.path.join(self.kit, rel), "changed\n")
        self.assertEqual(self.check_id(), first)

    def test_no_id_for_kdir(self):
        self.assertEqual(self.check_id(KDIR=self.src), "")

    def checkpatch_part(self, **env):
        """check.sh's checkpatch part on the toy kit: (its records, the
        files checkpatch.pl was given, what the part printed)."""
        if os.path.exists(self.log):
            os.remove(self.log)
        r = self.run_kit('"$0/scripts/check.sh" --only checkpatch v6.12', **env)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(self.tmp, "out", "check", "checkpatch.results")) as f:
            records = [line.rstrip("\n").split("\t") for line in f]
        checked = []
        if os.path.exists(self.log):
            with open(self.log) as f:
                checked = f.read().split()
        return records, checked, r.stdout

    def test_a_passing_part_is_kept_and_reported_again(self):
        records, checked, _ = self.checkpatch_part()
        self.assertEqual(len(checked), 3)  # the patch and the two driver files
        self.assertEqual([r[0] for r in records], ["ok"] * 3)
        again, checked, said = self.checkpatch_part()
        self.assertEqual(checked, [], "kept results, and checkpatch.pl ran")
        self.assertIn("reported again", said)
        self.assertEqual([r[:2] for r in again], [r[:2] for r in records])
        for r in again:
            self.assertRegex(r[2], r"^kept: passed in an earlier run with the same inputs "
                             r"\(check id [0-9a-f]{16}\)$")
        _, checked, _ = self.checkpatch_part(OFRECONF_CHECK_AGAIN="1")
        self.assertEqual(len(checked), 3)

    def test_a_failing_part_runs_every_time(self):
        self.write(os.path.join(self.kit, "patches/v6.12/0001-series.patch"), "BAD\n")
        for _ in range(2):
            records, checked, said = self.checkpatch_part()
            self.assertEqual(len(checked), 3)
            self.assertNotIn("reported again", said)
            self.assertIn("fail", [r[0] for r in records])
        # Fixed: runs, passes, and is kept from then on.
        self.write(os.path.join(self.kit, "patches/v6.12/0001-series.patch"), "fixed\n")
        _, checked, _ = self.checkpatch_part()
        self.assertEqual(len(checked), 3)
        _, checked, _ = self.checkpatch_part()
        self.assertEqual(checked, [])


if __name__ == "__main__":
    unittest.main()
