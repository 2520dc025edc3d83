#!/usr/bin/env python3
"""Judge the mutants of one prove round, and gather the rounds' verdicts.

  prove_judge.py --base B --series R.json... --round N --results R.json \
                 --mutants M.patch...
      prints the KTAP cases of round N: one per mutant, ok when each of its
      "Must-fail: suite.case" cases failed in the round's boot, each of its
      "Must-pass:" cases passed there, and each named case passed in the
      series' own results; and one for the round, ok when every case that
      no mutant of the round names passed.  "May-fail:" names a case the
      mutant breaks only sometimes (through state its named cases leave
      behind): it need not fail, but its failure is not unexpected.
  prove_judge.py --base B --restored --results R.json... --mutants M.patch...
      after the series is restored and booted again: one case, ok when
      every case any mutant names passed again, and one, ok when no other
      case failed.
  prove_judge.py --base B --series ... --collect PART...
      one KTAP document, suite prove_<base>, of the rounds' cases.

A case is "suite.case"; a parameterized case also has "suite.case/param"
entries, and naming "suite.case" names its parameters too.  A named case
that is missing from the boot (the kernel died before it) is not proof.
Python standard library only.
"""
import argparse
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ktap  # noqa: E402  (one reader of kunit.py's JSON)


def cases_of(paths):
    """{suite.case: status} over kunit.py JSON files; None if none loads.
    A parameterized case is "suite.case/param", and "suite.case" stands
    for all of its parameters: FAIL if any failed."""
    found, loaded = {}, False
    for path in paths:
        try:
            suites = ktap.read_json(path)
        except (OSError, ValueError):
            continue
        loaded = True
        for suite, cases in suites.items():
            for case, st in cases.items():
                found[suite + "." + case] = st
                if "/" in case:
                    parent = suite + "." + case.split("/", 1)[0]
                    if found.get(parent) not in ("FAIL", "ERROR"):
                        found[parent] = st if st not in ("PASS", "SKIP") else "PASS"
    return found if loaded else None


def header(path, field):
    """The values of "Field: value" lines before the patch's first diff."""
    values = []
    with open(path, errors="replace") as f:
        for line in f:
            if line.startswith(("diff --git", "--- a/", "Index: ")):
                break
            m = re.match(r"^%s:\s*(\S+)" % field, line)
            if m:
                values.append(m.group(1))
    return values


def case_name(path):
    """prove/<area>/<fix>-<base>.patch -> mutant_<area>_<fix>_<base>"""
    area = os.path.basename(os.path.dirname(os.path.abspath(path)))
    stem = os.path.basename(path)[:-len(".patch")]
    return "mutant_" + re.sub(r"[^A-Za-z0-9]+", "_", area + "_" + stem)


def status(results, name):
    return results.get(name, "MISSING") if results is not None else "NO RESULTS"


def judge_round(args):
    series = cases_of(args.series) or {}
    results = cases_of(args.results)
    named = set()
    lines = []
    # A case several mutants of a round must fail (the boot's "no kernel
    # report") must still fail, but proves none of them: any one may be
    # what broke it.  A mutant needs a failing case of its own.
    namers = {}
    for path in args.mutants:
        for c in header(path, "Must-fail"):
            namers.setdefault(c, []).append(case_name(path))
    for path in args.mutants:
        fails, passes = header(path, "Must-fail"), header(path, "Must-pass")
        named.update(fails + header(path, "May-fail"))
        why, seen = [], []
        if fails and all(len(namers[c]) > 1 for c in fails):
            why.append("each case it names is also named by another mutant of this round (%s)"
                       % " ".join(sorted({n for c in fails for n in namers[c]} - {case_name(path)})))
        for c in fails:
            got, had = status(results, c), series.get(c, "MISSING")
            seen.append("# %s: %s must fail: %s under the mutant, %s in the series"
                        % (case_name(path), c, got, had))
            if got != "FAIL":
                why.append("%s %s under the mutant" % (c, got))
            if had != "PASS":
                why.append("%s %s in the series" % (c, had))
        for c in passes:
            got = status(results, c)
            if got != "PASS":
                why.append("%s must pass, %s under the mutant" % (c, got))
        # The verdict first: the judge quotes a failed case's first comment.
        if why:
            lines.append("# %s: not proven: %s" % (case_name(path), "; ".join(why)))
        lines.extend(seen)
        lines.append("%s %s" % ("ok" if not why else "not ok", case_name(path)))
    if results is None:
        bad = ["the round's boot left no results (see prove/round-%s/)" % args.round]
    else:
        bad = sorted(k for k, s in results.items()
                     if s not in ("PASS", "SKIP") and not any(
                         k == n or k.startswith(n + "/") for n in named))
    if bad:
        lines.append("# round_%s: unnamed cases failed: %s" % (args.round, " ".join(bad[:8])))
    lines.append("%s round_%s_unnamed_cases_pass" % ("ok" if not bad else "not ok", args.round))
    print("\n".join(lines))
    return 0


def restored(args):
    """The series restored and booted again passes what the mutants broke."""
    results = cases_of(args.results)
    named = sorted({c for path in args.mutants
                    for field in ("Must-fail", "Must-pass", "May-fail")
                    for c in header(path, field)})
    if results is None:
        why = ["the restored series' boot left no results (see prove/restored/)"]
        print("# restored: " + why[0])
        print("not ok restored_series_passes_named_cases")
        print("not ok restored_series_passes_other_cases")
        return 0
    bad = ["%s %s" % (c, status(results, c)) for c in named if status(results, c) != "PASS"]
    if bad:
        print("# restored: named cases not passing again: " + "; ".join(bad[:8]))
    print("%s restored_series_passes_named_cases" % ("not ok" if bad else "ok"))
    other = sorted(k for k, s in results.items()
                   if s not in ("PASS", "SKIP") and k not in named
                   and not any(k.startswith(n + "/") for n in named))
    if other:
        print("# restored: other cases failed: " + " ".join(other[:8]))
    print("%s restored_series_passes_other_cases" % ("not ok" if other else "ok"))
    return 0


def collect(args):
    body, n, failed = [], 0, False
    for path in args.collect:
        with open(path) as f:
            for line in f.read().splitlines():
                m = re.match(r"^(ok|not ok) (\S+)$", line)
                if m:
                    n += 1
                    failed |= m.group(1) != "ok"
                    body.append("    %s %d %s" % (m.group(1), n, m.group(2)))
                elif line:
                    body.append("    " + line)
    name = "prove_" + args.base.replace(".", "_")
    print("KTAP version 1\n1..1\n    KTAP version 1\n    # Subtest: %s\n    1..%d" % (name, n))
    print("\n".join(body))
    print("%s 1 %s" % ("not ok" if failed or n == 0 else "ok", name))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", required=True)
    ap.add_argument("--series", nargs="*", default=[])
    ap.add_argument("--round")
    ap.add_argument("--results", nargs="*", default=[])
    ap.add_argument("--mutants", nargs="*", default=[])
    ap.add_argument("--collect", nargs="*")
    ap.add_argument("--restored", action="store_true")
    args = ap.parse_args()
    if args.collect is not None:
        return collect(args)
    return restored(args) if args.restored else judge_round(args)


if __name__ == "__main__":
    sys.exit(main())
