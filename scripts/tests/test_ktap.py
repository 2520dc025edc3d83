#!/usr/bin/env python3
"""Fixture tests of the kit's judge (scripts/ktap.py): each fixture is a
kernel log or KTAP document run through ktap.py ingest and 6.12's
kunit.py parse, then judged against fixtures/expected.txt; each test
asserts the verdict and its one-line message.

  KUNIT_PY=/path/to/kunit.py python3 scripts/tests/test_ktap.py
(default: 6.12's kunit.py in the kit's cache).  Python standard library only.
"""
import io
import os
import shutil
import sys
import tempfile
import unittest
from contextlib import redirect_stdout

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import ktap  # noqa: E402

FIX = os.path.join(HERE, "fixtures")
EXPECTED = os.path.join(FIX, "expected.txt")
KUNIT_PY = os.environ.get("KUNIT_PY") or os.path.join(
    os.environ.get("OFRECONF_CACHE", os.path.expanduser("~/.cache/ofreconf")),
    "src/v6.12/tools/testing/kunit/kunit.py")


class Judge(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.path.exists(KUNIT_PY):
            raise RuntimeError("6.12's kunit.py is needed at %s: run 'make fetch BASE=v6.12' "
                               "or set KUNIT_PY" % KUNIT_PY)
        cls.tmp = tempfile.mkdtemp(prefix="ofreconf-judge-")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def run_fixture(self, name, base="v5.10"):
        """Ingest fixture NAME; return (counts, failure lines)."""
        d = os.path.join(self.tmp, name)
        with redirect_stdout(io.StringIO()):
            ktap.ingest(type("A", (), {"file": os.path.join(FIX, name), "dir": d,
                                       "kunit": KUNIT_PY, "judge": None})())
        return self.judge_dir(d, base)

    def judge_dir(self, d, base):
        cases, problems = ktap.judge_tier(d, [base], "vm-xive", EXPECTED)
        counts = {s: sum(1 for st, _ in cases.values() if st == s) for s in ("PASS", "FAIL", "SKIP")}
        return counts, ktap.messages(cases, problems)

    def assertOnly(self, lines, *wanted):
        """Exactly these failure lines, each matched by a substring."""
        self.assertEqual(len(lines), len(wanted), "\n".join(lines))
        for want in wanted:
            self.assertEqual(sum(want in line for line in lines), 1,
                             "%r in:\n%s" % (want, "\n".join(lines)))

    def test_6_12_pass_and_allowed_skips(self):
        counts, lines = self.run_fixture("v6.12-pass.log", "v6.12")
        self.assertOnly(lines)
        self.assertEqual(counts, {"PASS": 5, "FAIL": 0, "SKIP": 2})

    def test_5_10_skip_forms(self):
        # "# case: SKIP why" (module) is allowed for case_3; "# case: # SKIP
        # why" (5.10 drmem_kunit.c) is a skip too, and not allowed for case_2.
        counts, lines = self.run_fixture("v5.10-skips.log")
        self.assertOnly(lines, "v5.10 vm-xive: case suite_a.case_2 skipped (no ibm,dynamic-"
                        "reconfiguration-memory LMBs), a skip not allowed")
        self.assertEqual(counts, {"PASS": 3, "FAIL": 1, "SKIP": 1})

    def test_crashed_suite(self):
        counts, lines = self.run_fixture("crashed-suite.log", "v6.12")
        self.assertOnly(lines,
                        "the kernel stopped inside suite suite_b",
                        "case suite_b.case_2 is missing (the kernel stopped inside the suite)",
                        "case suite_b.case_p/value 1 is missing (the kernel stopped inside",
                        "case suite_b.case_p/value 2 is missing (the kernel stopped inside")
        self.assertEqual(counts["FAIL"], 3)

    def test_crash_between_suites(self):
        counts, lines = self.run_fixture("between-suites.log")
        self.assertOnly(lines,
                        "the kernel planned 2 suites and printed 1 (last suite_a): it stopped "
                        "between suites",
                        "suite suite_b is missing (none of its 2 cases ran)")
        self.assertEqual(counts, {"PASS": 2, "FAIL": 2, "SKIP": 1})

    def test_truncated_document(self):
        counts, lines = self.run_fixture("truncated.ktap")
        self.assertOnly(lines,
                        "suite suite_b is truncated: 1 of the 2 cases its plan announced",
                        "case suite_b.case_2 is missing")
        self.assertEqual(counts["FAIL"], 1)

    def test_missing_suite(self):
        counts, lines = self.run_fixture("missing-suite.ktap")
        self.assertOnly(lines, "v5.10 vm-xive: suite suite_b is missing (none of its 2 cases ran)")
        self.assertEqual(counts, {"PASS": 2, "FAIL": 2, "SKIP": 1})

    def test_extra_case(self):
        counts, lines = self.run_fixture("extra-case.ktap")
        self.assertOnly(lines, "v5.10 vm-xive: unexpected case suite_a.case_4: add it to "
                        "expected/results.txt")
        self.assertEqual(counts, {"PASS": 4, "FAIL": 1, "SKIP": 1})

    def test_disallowed_skip_and_failed_case(self):
        counts, lines = self.run_fixture("disallowed-skip.ktap")
        self.assertOnly(lines,
                        "case suite_a.case_1 skipped (pci_devs not given: no PCI device may be "
                        "touched), a skip not allowed",
                        "case suite_b.case_2 failed: case_2: strict: no second PHB with an e1000")
        self.assertEqual(counts, {"PASS": 2, "FAIL": 2, "SKIP": 1})

    def test_parse_error_no_ktap(self):
        counts, lines = self.run_fixture("no-ktap.log")
        self.assertOnly(lines,
                        "no KUnit suite in",
                        "kunit.py parse error: Test: main: 0 tests run!",
                        "suite suite_a is missing",
                        "suite suite_b is missing")
        self.assertEqual(counts["PASS"] + counts["SKIP"], 0)

    def test_whole_suite_skip(self):
        # 7.3's KUnit prints a suite its suite_init skips as its result line
        # alone, no "# Subtest:": one of the plan's suites, judged as CASE "-".
        counts, lines = self.run_fixture("whole-suite-skip.log", "v7.3")
        self.assertOnly(lines)
        self.assertEqual(counts, {"PASS": 2, "FAIL": 0, "SKIP": 2})

    def test_suite_init_failed_and_suite_not_skipped(self):
        counts, lines = self.run_fixture("suite-init-failed.log", "v7.3")
        self.assertOnly(lines,
                        "v7.3 vm-xive: suite suite_a ran none of its 3 cases (its own result: FAIL)",
                        "v7.3 vm-xive: suite suite_c ran its cases: expected/results.txt has KUnit "
                        "skip it as a whole",
                        "v7.3 vm-xive: unexpected case suite_c.case_1")
        self.assertEqual(counts, {"PASS": 0, "FAIL": 5, "SKIP": 0})

    def test_missing_results_file(self):
        d = os.path.join(self.tmp, "empty")
        os.makedirs(d)
        counts, lines = self.judge_dir(d, "v5.10")
        self.assertOnly(lines, "v5.10 vm-xive: %s/results.json is missing" % d)
        self.assertEqual(counts, {"PASS": 0, "FAIL": 5, "SKIP": 0})

    def test_report_pattern(self):
        # One pattern for host and guest: a report matches, a boot banner not.
        r = ktap.report_regex()
        for line in ("BUG: KASAN: slab-out-of-bounds in read_drconf_v2_cell",
                     "WARNING: possible circular locking dependency detected",
                     "WARNING: inconsistent lock state",
                     "ERROR: memory leak, expected refcount 1 instead of 2",
                     "Kernel panic - not syncing: Fatal exception"):
            self.assertTrue(r.search(line), line)
        for line in ("KASAN init done", "ofreconf_test: loaded"):
            self.assertFalse(r.search(line), line)

    def test_expected_file_reads(self):
        # The kit's own list parses, and every tier names at least one case.
        self.assertEqual(ktap.bases_of(), ["v5.10", "v6.12", "v7.3"])
        for base in ktap.bases_of():
            for tier in ktap.tiers_of(base):
                self.assertTrue(ktap.expected_for([base], tier), (base, tier))
        # 7.3 runs the tiers 6.12 runs.
        self.assertEqual(ktap.tiers_of("v7.3"), ktap.tiers_of("v6.12"))


if __name__ == "__main__":
    unittest.main(verbosity=2)
