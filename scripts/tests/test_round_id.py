#!/usr/bin/env python3
"""Tests for round_id (scripts/lib.sh), the id under which prove.sh keeps a
round's kernel and initramfs in the cache: the same inputs give the same
id, from any clone of the kit; a change to any input gives a new one, so a
kept kernel is never booted for sources it was not built from; files that
do not go into the kernel or the initramfs leave it alone.  Run: python3 -m
unittest discover scripts/tests (make check runs it)."""
import os
import shutil
import subprocess
import tempfile
import unittest

TOP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def git(tree, *args):
    return subprocess.run(["git", "-C", tree, "-c", "user.name=t",
                           "-c", "user.email=t@t.invalid"] + list(args),
                          check=True, capture_output=True, text=True).stdout


class ToyKit:
    """A kit with a series, two mutants, config fragments and the module;
    a fetched base in its cache, tagged, and busybox; cross tools that
    only tell their version.  test_check_id.py builds on it too."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.kit = os.path.join(self.tmp, "kit")
        self.cache = os.path.join(self.tmp, "cache")
        shutil.copytree(os.path.join(TOP, "scripts"), os.path.join(self.kit, "scripts"))
        # What a kit holds of a base: a series, two mutants, config
        # fragments, the module's sources.
        for rel in ("patches/v6.12/0000-cover-letter.patch",
                    "patches/v6.12/0001-series.patch",
                    "prove/drmem/one-v6.12.patch", "prove/intx/two-v6.12.patch",
                    "kunit/guest-common.config", "kunit/qemu_pseries_le.py",
                    "Kbuild", "drivers/ofreconf_test.c"):
            self.write(os.path.join(self.kit, rel), rel + "\n")
        self.mutants = [os.path.join(self.kit, "prove", m)
                        for m in ("drmem/one-v6.12.patch", "intx/two-v6.12.patch")]
        # The fetched base, tagged, and busybox.
        self.src = os.path.join(self.cache, "src", "v6.12")
        self.write(os.path.join(self.src, "Makefile"), "base\n")
        git(self.src, "init", "-q", "-b", "toy")
        git(self.src, "add", ".")
        git(self.src, "commit", "-q", "-m", "base")
        git(self.src, "tag", "v6.12")
        self.write(os.path.join(self.cache, "busybox", "busybox"), "busybox 1\n")
        # Cross tools that only tell their version.
        self.tools = os.path.join(self.tmp, "tools")
        self.env = {}
        for tool in ("gcc", "ld"):
            self.tool(tool, "cross %s 1" % tool)

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def write(self, path, text):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)

    def tool(self, name, version):
        path = os.path.join(self.tools, "ppc-" + name)
        self.write(path, "#!/bin/sh\necho '%s'\n" % version)
        os.chmod(path, 0o755)


class RoundIdTest(ToyKit, unittest.TestCase):
    def round_id(self, *mutants, kit=None, **env):
        env = dict(os.environ, OFRECONF_CACHE=self.cache,
                   CROSS_COMPILE=os.path.join(self.tools, "ppc-"), **self.env, **env)
        if "KDIR" not in env or not env["KDIR"]:
            env.pop("KDIR", None)
        r = subprocess.run(["bash", "-c", '. "$0/scripts/lib.sh"; round_id v6.12 "$@"',
                            kit or self.kit] + list(mutants),
                           env=env, capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, "")
        return r.stdout.strip()

    def test_same_inputs_same_id_from_any_clone(self):
        first = self.round_id(*self.mutants)
        self.assertRegex(first, "^[0-9a-f]{16}$")
        self.assertEqual(self.round_id(*self.mutants), first)
        clone = os.path.join(self.tmp, "clone")
        shutil.copytree(self.kit, clone)
        moved = [m.replace(self.kit, clone) for m in self.mutants]
        self.assertEqual(self.round_id(*moved, kit=clone), first)

    def test_each_input_changes_the_id(self):
        seen = {self.round_id(*self.mutants): "as set up"}
        changes = {
            "a series patch": lambda: self.write(
                os.path.join(self.kit, "patches/v6.12/0001-series.patch"), "v2\n"),
            "a mutant": lambda: self.write(self.mutants[1], "v2\n"),
            "a config fragment": lambda: self.write(
                os.path.join(self.kit, "kunit/guest-common.config"), "v2\n"),
            "the module": lambda: self.write(
                os.path.join(self.kit, "drivers/ofreconf_test.c"), "v2\n"),
            "a guest scenario": lambda: self.write(
                os.path.join(self.kit, "scripts/guest/drmem.sh"), "v2\n"),
            "the build script": lambda: self.write(
                os.path.join(self.kit, "scripts/build.sh"), "v2\n"),
            "busybox": lambda: self.write(
                os.path.join(self.cache, "busybox", "busybox"), "busybox 2\n"),
            "the cross compiler": lambda: self.tool("gcc", "cross gcc 2"),
            "the cross linker": lambda: self.tool("ld", "cross ld 2"),
            "KCFLAGS": lambda: self.env.update(KCFLAGS="-DOFRECONF_TEST"),
            "the base tag": lambda: (self.write(os.path.join(self.src, "Makefile"), "v2\n"),
                                     git(self.src, "commit", "-q", "-am", "v2"),
                                     git(self.src, "tag", "-f", "v6.12")),
        }
        for what, change in changes.items():
            change()
            now = self.round_id(*self.mutants)
            self.assertNotIn(now, seen, "%s changed and the id stayed that of %s"
                             % (what, seen.get(now)))
            seen[now] = what

    def test_mutant_order_and_set_change_the_id(self):
        ids = {self.round_id(*self.mutants), self.round_id(*reversed(self.mutants)),
               self.round_id(self.mutants[0])}
        self.assertEqual(len(ids), 3)

    def test_files_outside_the_kernel_leave_the_id(self):
        first = self.round_id(*self.mutants)
        for rel in ("scripts/prove.sh", "scripts/tests/test_round_id.py",
                    "kunit/qemu_pseries_le.py", "prove/phandle/other-v6.12.patch"):
            self.write(os.path.join(self.kit, rel), "changed\n")
        self.assertEqual(self.round_id(*self.mutants), first)

    def test_no_id_without_mutants_for_kdir_or_before_busybox(self):
        self.assertEqual(self.round_id(), "")
        self.assertEqual(self.round_id(*self.mutants, KDIR=self.src), "")
        os.remove(os.path.join(self.cache, "busybox", "busybox"))
        self.assertEqual(self.round_id(*self.mutants), "")


if __name__ == "__main__":
    unittest.main()
