#!/usr/bin/env python3
"""Tests for boot_id (scripts/lib.sh), the id under which prove.sh keeps
the guest's results of a round that passed: the same inputs give the same
id from any clone of the kit; a change to the round's kernel (its round
id), its areas, QEMU, the scripts that boot the guest and read its
console, or a variable that changes its command line gives a new one, so
kept results are never reported for a boot that would differ; the judge
and the prove driver, which run again on every run, leave it alone.  Run:
python3 -m unittest discover scripts/tests (make check runs it)."""
import os
import shutil
import subprocess
import unittest

from test_round_id import ToyKit


class BootIdTest(ToyKit, unittest.TestCase):
    def setUp(self):
        super().setUp()
        self.qemu("QEMU emulator version 1")

    def qemu(self, version):
        path = os.path.join(self.tools, "qemu-system-ppc64")
        self.write(path, "#!/bin/sh\necho '%s'\n" % version)
        os.chmod(path, 0o755)

    def boot_id(self, round_id="0123456789abcdef", areas="drmem,intx", kit=None, **env):
        env = dict(os.environ, OFRECONF_CACHE=self.cache,
                   PATH=self.tools + os.pathsep + os.environ["PATH"], **self.env, **env)
        for var in ("OFRECONF_APPEND", "OFRECONF_SOAK", "OFRECONF_VM_TIMEOUT"):
            if var not in self.env and var not in env:
                env.pop(var, None)
        r = subprocess.run(["bash", "-c", '. "$0/scripts/lib.sh"; boot_id "$@"',
                            kit or self.kit, round_id, areas],
                           env=env, capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, "")
        return r.stdout.strip()

    def test_same_inputs_same_id_from_any_clone(self):
        first = self.boot_id()
        self.assertRegex(first, "^[0-9a-f]{16}$")
        self.assertEqual(self.boot_id(), first)
        clone = os.path.join(self.tmp, "clone")
        shutil.copytree(self.kit, clone)
        self.assertEqual(self.boot_id(kit=clone), first)

    def test_each_input_changes_the_id(self):
        seen = {self.boot_id(): "as set up"}
        changes = {
            "the round id": lambda: self.boot_id(round_id="fedcba9876543210"),
            "the areas": lambda: self.boot_id(areas="drmem"),
            "QEMU": lambda: (self.qemu("QEMU emulator version 2"), self.boot_id())[1],
            "the boot script": lambda: (self.write(
                os.path.join(self.kit, "scripts/vm.sh"), "v2\n"), self.boot_id())[1],
            "the QEMU driver": lambda: (self.write(
                os.path.join(self.kit, "scripts/guest.py"), "v2\n"), self.boot_id())[1],
            "the console reader": lambda: (self.write(
                os.path.join(self.kit, "scripts/ktap.py"), "v2\n"), self.boot_id())[1],
            "OFRECONF_APPEND": lambda: self.boot_id(OFRECONF_APPEND="initcall_debug"),
            "OFRECONF_SOAK": lambda: self.boot_id(OFRECONF_SOAK="1"),
            "OFRECONF_VM_TIMEOUT": lambda: self.boot_id(OFRECONF_VM_TIMEOUT="60"),
        }
        for what, change in changes.items():
            now = change()
            self.assertNotIn(now, seen, "%s changed and the id stayed that of %s"
                             % (what, seen.get(now)))
            seen[now] = what

    def test_judge_and_driver_leave_the_id(self):
        first = self.boot_id()
        for rel in ("scripts/prove.sh", "scripts/prove_judge.py", "scripts/run.sh",
                    "scripts/tests/test_boot_id.py"):
            self.write(os.path.join(self.kit, rel), "changed\n")
        self.assertEqual(self.boot_id(), first)


if __name__ == "__main__":
    unittest.main()
