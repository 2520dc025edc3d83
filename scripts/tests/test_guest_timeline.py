#!/usr/bin/env python3
"""Tests of the lines scripts/guest.py puts in a boot's timeline.tsv:
the firmware's and prom_init's hand-over, each phase, each shell KTAP
result (at any depth, ok or not) and the end; not the KTAP headers, the
diagnostics, the kernel log or the other console lines.

  python3 scripts/tests/test_guest_timeline.py
Python standard library only.
"""
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import guest  # noqa: E402


class Timeline(unittest.TestCase):
    def test_recorded(self):
        for line in ("Booting from memory...",
                     "Booting Linux via __start() @ 0x0000000000400000 ...",
                     "@@phase init",
                     "@@phase insmod ofreconf_test.ko strict=1",
                     "@@ktap     ok 1 drmem_aa_wrap_hotadd_refused",
                     "@@ktap     not ok 3 phb_remove_add_cycles",
                     "@@ktap ok 1 intx_live",
                     "@@ktap     ok 9 phb_kmemleak_clean_after_cycles # SKIP no kmemleak",
                     "@@done"):
            self.assertTrue(guest.on_timeline(line), line)

    def test_left_out(self):
        for line in ("@@ktap     KTAP version 1",
                     "@@ktap     # Subtest: intx_live",
                     "@@ktap     1..14",
                     "@@ktap     # phb_remove_add_cycles: cycle 2: the PHB did not come back",
                     "@@dmesg [   26.1] ok 1 ofreconf_env",
                     "@@intx PHB cycles: 4 in 48 s",
                     "@@qmp {\"execute\":\"query-memory-devices\"}",
                     "[    1.0] Booting Linux on physical CPU 0x0",
                     "SLOF **********"):
            self.assertFalse(guest.on_timeline(line), line)


if __name__ == "__main__":
    unittest.main()
