#!/usr/bin/env python3
"""Fixture tests for scripts/prove_judge.py: a mutant is proven only when
each named case fails under it and passed in the series, and a round fails
when a case no mutant names fails.  Run: python3 -m unittest discover
scripts/tests (make check runs it)."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

JUDGE = os.path.join(os.path.dirname(__file__), "..", "prove_judge.py")


def results(tmp, name, suites):
    """Write a kunit.py-style JSON file: suites = {suite: {case: status}}."""
    doc = {"name": "KUnit Test Group", "test_cases": [], "sub_groups": [
        {"name": s, "sub_groups": [],
         "test_cases": [{"name": c, "status": st} for c, st in cases.items()]}
        for s, cases in suites.items()]}
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        json.dump(doc, f)
    return path


def mutant(tmp, name, fails, may_fail=()):
    os.makedirs(os.path.join(tmp, "area"), exist_ok=True)
    path = os.path.join(tmp, "area", name)
    with open(path, "w") as f:
        f.write("A mutant for the tests.\n\n")
        f.write("".join("Must-fail: %s\n" % c for c in fails))
        f.write("".join("May-fail: %s\n" % c for c in may_fail))
        f.write("--- a/x.c\n+++ b/x.c\n")
    return path


def run_judge(args):
    return subprocess.run([sys.executable, JUDGE, "--base", "v6.12"] + args,
                          stdout=subprocess.PIPE, text=True, check=True).stdout.splitlines()


def judge(series, round_results, mutants):
    out = run_judge(["--series", series, "--round", "1", "--results", round_results,
                     "--mutants"] + mutants)
    return [l for l in out if not l.startswith("#")]


def judge_restored(restored_results, mutants):
    out = run_judge(["--restored", "--results", restored_results, "--mutants"] + mutants)
    return [l for l in out if not l.startswith("#")]


class ProveJudgeTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.series = results(self.tmp, "series.json",
                              {"s": {"a": "PASS", "b": "PASS", "c": "PASS"}})

    def test_named_case_fails_others_pass(self):
        r = results(self.tmp, "r.json", {"s": {"a": "FAIL", "b": "PASS", "c": "PASS"}})
        m = mutant(self.tmp, "m.patch", ["s.a"])
        self.assertEqual(judge(self.series, r, [m]),
                         ["ok mutant_area_m", "ok round_1_unnamed_cases_pass"])

    def test_named_case_passing_is_not_proof(self):
        r = results(self.tmp, "r.json", {"s": {"a": "PASS", "b": "PASS", "c": "PASS"}})
        m = mutant(self.tmp, "m.patch", ["s.a"])
        self.assertEqual(judge(self.series, r, [m])[0], "not ok mutant_area_m")

    def test_missing_named_case_is_not_proof(self):
        r = results(self.tmp, "r.json", {"s": {"b": "PASS", "c": "PASS"}})
        m = mutant(self.tmp, "m.patch", ["s.a"])
        self.assertEqual(judge(self.series, r, [m])[0], "not ok mutant_area_m")

    def test_unnamed_failure_fails_the_round(self):
        r = results(self.tmp, "r.json", {"s": {"a": "FAIL", "b": "FAIL", "c": "PASS"}})
        m = mutant(self.tmp, "m.patch", ["s.a"])
        self.assertEqual(judge(self.series, r, [m]),
                         ["ok mutant_area_m", "not ok round_1_unnamed_cases_pass"])

    def test_named_case_must_pass_in_the_series(self):
        series = results(self.tmp, "bad.json", {"s": {"a": "FAIL", "b": "PASS", "c": "PASS"}})
        r = results(self.tmp, "r.json", {"s": {"a": "FAIL", "b": "PASS", "c": "PASS"}})
        m = mutant(self.tmp, "m.patch", ["s.a"])
        self.assertEqual(judge(series, r, [m])[0], "not ok mutant_area_m")

    def test_two_mutants_share_a_boot(self):
        r = results(self.tmp, "r.json", {"s": {"a": "FAIL", "b": "FAIL", "c": "PASS"}})
        m1 = mutant(self.tmp, "m1.patch", ["s.a"])
        m2 = mutant(self.tmp, "m2.patch", ["s.b"])
        self.assertEqual(judge(self.series, r, [m1, m2]),
                         ["ok mutant_area_m1", "ok mutant_area_m2", "ok round_1_unnamed_cases_pass"])

    def test_case_two_mutants_name_proves_neither(self):
        r = results(self.tmp, "r.json", {"s": {"a": "FAIL", "b": "PASS", "c": "PASS"}})
        m1 = mutant(self.tmp, "m1.patch", ["s.a"])
        m2 = mutant(self.tmp, "m2.patch", ["s.a"])
        self.assertEqual(judge(self.series, r, [m1, m2]),
                         ["not ok mutant_area_m1", "not ok mutant_area_m2",
                          "ok round_1_unnamed_cases_pass"])

    def test_shared_case_needs_a_case_of_its_own(self):
        r = results(self.tmp, "r.json", {"s": {"a": "FAIL", "b": "FAIL", "c": "PASS"}})
        m1 = mutant(self.tmp, "m1.patch", ["s.a", "s.b"])
        m2 = mutant(self.tmp, "m2.patch", ["s.a"])
        self.assertEqual(judge(self.series, r, [m1, m2]),
                         ["ok mutant_area_m1", "not ok mutant_area_m2",
                          "ok round_1_unnamed_cases_pass"])

    def test_no_results_fails_everything(self):
        m = mutant(self.tmp, "m.patch", ["s.a"])
        self.assertEqual(judge(self.series, os.path.join(self.tmp, "none.json"), [m]),
                         ["not ok mutant_area_m", "not ok round_1_unnamed_cases_pass"])

    def test_not_proven_reason_comes_first(self):
        r = results(self.tmp, "r.json", {"s": {"a": "FAIL", "b": "PASS", "c": "PASS"}})
        m = mutant(self.tmp, "m.patch", ["s.a", "s.b"])
        out = run_judge(["--series", self.series, "--round", "1", "--results", r,
                         "--mutants", m])
        self.assertEqual(out[0], "# mutant_area_m: not proven: s.b PASS under the mutant")

    def test_may_fail_case_either_way(self):
        m = mutant(self.tmp, "m.patch", ["s.a"], may_fail=["s.b"])
        for b in ("FAIL", "PASS"):
            r = results(self.tmp, "r.json", {"s": {"a": "FAIL", "b": b, "c": "PASS"}})
            self.assertEqual(judge(self.series, r, [m]),
                             ["ok mutant_area_m", "ok round_1_unnamed_cases_pass"])

    def test_restored_series_passes_again(self):
        m = mutant(self.tmp, "m.patch", ["s.a"], may_fail=["s.b"])
        r = results(self.tmp, "r.json", {"s": {"a": "PASS", "b": "PASS", "c": "SKIP"}})
        self.assertEqual(judge_restored(r, [m]), ["ok restored_series_passes_named_cases",
                                                  "ok restored_series_passes_other_cases"])

    def test_restored_series_named_case_failing_or_missing(self):
        m = mutant(self.tmp, "m.patch", ["s.a"], may_fail=["s.b"])
        for doc in ({"a": "FAIL", "b": "PASS", "c": "PASS"}, {"a": "PASS", "c": "PASS"}):
            r = results(self.tmp, "r.json", {"s": doc})
            self.assertEqual(judge_restored(r, [m]), ["not ok restored_series_passes_named_cases",
                                                      "ok restored_series_passes_other_cases"])

    def test_restored_series_other_case_failing(self):
        m = mutant(self.tmp, "m.patch", ["s.a"])
        r = results(self.tmp, "r.json", {"s": {"a": "PASS", "b": "PASS", "c": "FAIL"}})
        self.assertEqual(judge_restored(r, [m]), ["ok restored_series_passes_named_cases",
                                                  "not ok restored_series_passes_other_cases"])

    def test_restored_series_without_results(self):
        m = mutant(self.tmp, "m.patch", ["s.a"])
        self.assertEqual(judge_restored(os.path.join(self.tmp, "none.json"), [m]),
                         ["not ok restored_series_passes_named_cases",
                          "not ok restored_series_passes_other_cases"])


if __name__ == "__main__":
    unittest.main()
