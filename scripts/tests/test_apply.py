#!/usr/bin/env python3
"""Tests for scripts/apply.sh on a toy tree: the series applies, a prove
round's mutants go on top, and going from one state to the next rewrites
only the files that differ, so that the build after it recompiles what the
mutants touch and not all that depends on the series.  Run: python3 -m
unittest discover scripts/tests (make check runs it)."""
import os
import shutil
import subprocess
import tempfile
import unittest

TOP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
OLD = 1000000000  # a file time no checkout writes


def git(tree, *args):
    return subprocess.run(["git", "-C", tree, "-c", "user.name=t",
                           "-c", "user.email=t@t.invalid"] + list(args),
                          check=True, capture_output=True, text=True).stdout


# Two mutants as prove/ holds them: a header, then a plain -p1 diff.
MUTANTS = {
    "a.c": "@@ -1,2 +1,2 @@\n a.c\n-series\n+mutant\n",
    "c.c": "@@ -1 +1,2 @@\n c.c\n+mutant\n",
}


class ApplyTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.kit = os.path.join(self.tmp, "kit")
        self.cache = os.path.join(self.tmp, "cache")
        self.src = os.path.join(self.cache, "src", "v6.12")
        # The kit's scripts, a series of two patches and two mutants.
        os.makedirs(os.path.join(self.kit, "patches", "v6.12"))
        shutil.copytree(os.path.join(TOP, "scripts"), os.path.join(self.kit, "scripts"))
        # A tree apply.sh takes for a kernel, tagged v6.12.
        for f in ("Makefile", "Kconfig", "arch/powerpc/Kconfig",
                  "scripts/kconfig/merge_config.sh", "a.c", "b.c", "c.c"):
            self.write(f, "%s\n" % f)
        git(self.src, "init", "-q", "-b", "toy")
        git(self.src, "add", ".")
        git(self.src, "commit", "-q", "-m", "base")
        git(self.src, "tag", "v6.12")
        # The series: a.c and b.c changed, one mail each.
        for i, f in enumerate(("a.c", "b.c"), 1):
            self.write(f, "%s\nseries\n" % f)
            git(self.src, "commit", "-q", "-am", "series %d" % i)
        git(self.src, "format-patch", "-q", "--cover-letter", "-o",
            os.path.join(self.kit, "patches", "v6.12"), "v6.12")
        git(self.src, "checkout", "-q", "v6.12")
        git(self.src, "branch", "-q", "-D", "toy")
        self.mutants = {f: self.mutant(f, diff) for f, diff in MUTANTS.items()}

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def write(self, rel, text):
        path = os.path.join(self.src, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)

    def mutant(self, rel, hunk):
        path = os.path.join(self.kit, "mutant-%s.patch" % rel)
        with open(path, "w") as f:
            f.write("Mutant: for the tests.\n\n--- a/%s\n+++ b/%s\n%s" % (rel, rel, hunk))
        return path

    def read(self, rel):
        with open(os.path.join(self.src, rel)) as f:
            return f.read()

    def apply(self, *extras):
        env = dict(os.environ, OFRECONF_CACHE=self.cache)
        env.pop("KDIR", None)
        return subprocess.run([os.path.join(self.kit, "scripts", "apply.sh"), "v6.12"]
                              + list(extras), env=env, capture_output=True, text=True)

    def age(self):
        """Set every file's time to OLD; a rewritten file gets a new one."""
        for d, _, files in os.walk(self.src):
            if ".git" in d.split(os.sep):
                continue
            for f in files:
                os.utime(os.path.join(d, f), (OLD, OLD))

    def rewritten(self):
        return sorted(f for f in ("a.c", "b.c", "c.c")
                      if os.stat(os.path.join(self.src, f)).st_mtime != OLD)

    def test_series_then_mutants_then_series_rewrite_only_what_differs(self):
        r = self.apply()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.read("b.c"), "b.c\nseries\n")
        self.assertEqual(git(self.src, "rev-list", "--count", "v6.12..HEAD").strip(), "2")
        self.age()
        r = self.apply(self.mutants["a.c"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.read("a.c"), "a.c\nmutant\n")
        self.assertEqual(self.rewritten(), ["a.c"])
        self.assertEqual(git(self.src, "symbolic-ref", "--short", "HEAD").strip(),
                         "ofreconf-prove/v6.12")
        # The next round: a.c back to the series, c.c mutated; b.c untouched.
        self.age()
        r = self.apply(self.mutants["c.c"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.rewritten(), ["a.c", "c.c"])
        self.assertEqual(self.read("a.c"), "a.c\nseries\n")
        # The series restored: only c.c goes back.
        self.age()
        r = self.apply()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.rewritten(), ["c.c"])
        self.assertEqual(self.read("c.c"), "c.c\n")
        self.assertEqual(git(self.src, "symbolic-ref", "--short", "HEAD").strip(),
                         "ofreconf/v6.12")
        # Nothing changed: nothing is rewritten.
        self.age()
        r = self.apply()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("already applied", r.stdout)
        self.assertEqual(self.rewritten(), [])

    def test_a_changed_series_is_applied_again(self):
        self.assertEqual(self.apply().returncode, 0)
        patch = sorted(p for p in os.listdir(os.path.join(self.kit, "patches", "v6.12"))
                       if not p.startswith("0000"))[1]
        path = os.path.join(self.kit, "patches", "v6.12", patch)
        with open(path) as f:
            text = f.read()
        with open(path, "w") as f:
            f.write(text.replace("+series", "+series v2"))
        r = self.apply()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.read("b.c"), "b.c\nseries v2\n")

    def test_a_moved_series_branch_is_made_again(self):
        self.assertEqual(self.apply().returncode, 0)
        self.write("b.c", "edited by hand\n")
        git(self.src, "commit", "-q", "-am", "by hand")
        r = self.apply(self.mutants["c.c"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.read("b.c"), "b.c\nseries\n")

    def test_a_mutant_that_does_not_apply_names_its_file(self):
        bad = self.mutant("c.c", "@@ -1 +1,2 @@\n not in c.c\n+mutant\n")
        r = self.apply(bad)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("mutant-c.c.patch does not apply to v6.12; failed files: c.c", r.stderr)


if __name__ == "__main__":
    unittest.main()
