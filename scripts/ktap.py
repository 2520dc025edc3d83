#!/usr/bin/env python3
"""Turn a run's logs into one KTAP document, parse it with 6.12's kunit.py
and judge it against expected/results.txt.

  ktap.py collect DIR --kunit KUNIT_PY [--boot-suite NAME] [--judge BASES TIER]
      DIR holds dmesg.log (or only console.log when the guest died),
      shell.ktap and the guest's exit status; writes DIR/results.ktap,
      DIR/parse.txt and DIR/results.json, then judges them.
  ktap.py ingest FILE DIR --kunit KUNIT_PY [--judge BASES TIER]
      a KTAP log from elsewhere (kunit.py run, a console, a tier's own
      KTAP) into DIR, then judges it.
  ktap.py judge DIR BASES TIER
      DIR's results against the cases expected of BASES (v6.12,v7.3) in
      TIER (kunit/uml, kunit/pseries, vm-xive, vm-xics, check, prove):
      one line per failure, exit 1 if any.
  ktap.py summary OUT [--bases BASES] --tiers TIERS
      judge every tier that ran; a table of tests, checks and proofs, and
      the closing line "N passed, N failed, N skipped".  BASES defaults to
      every base expected/results.txt names.

What judges a kernel log for reports (WARNING, BUG, KASAN, lockdep...) is
scripts/guest/report.pattern, one extended regular expression a line,
shared with the guest's scenarios (grep -Ef).
Python standard library only.
"""
import argparse
import json
import os
import re
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXPECTED = os.path.join(TOP, "expected", "results.txt")
PATTERN = os.path.join(TOP, "scripts", "guest", "report.pattern")
AREAS = ("phandle", "memlinks", "devlink", "intx", "drmem")
TIER_ORDER = ("kunit/uml", "kunit/pseries", "vm-xive", "vm-xics", "check", "prove")
TS = re.compile(r"^\[\s*\d+\.\d+\]\s?")
RESULT = re.compile(r"^(not ok|ok) (\d+)(?: -)? ([^#\s]+)(.*)$")
# 5.10's KUnit cannot skip: the module (ofreconf_test.h) prints
# "# case: SKIP reason", the 5.10 drmem suite "# case: # SKIP reason", and
# the case passes.  Both are the skips they say they are.
SKIP_5_10 = re.compile(r"^\s+# (\S+): (?:# )?SKIP\b ?(.*)$")
STOPPED = "the kernel stopped inside this suite"
JUDGE_NOTE = "# ofreconf-judge: "
NOT_RUN = re.compile(r"^not_run_\d+$")
# The CASE of a suite KUnit skips as a whole: its suite_init marks it
# skipped (7.3's example_skip_suite), and KUnit prints no case, only the
# suite's own result line.
WHOLE = "-"


def report_regex(path=PATTERN):
    """The kernel-report pattern of scripts/guest/report.pattern."""
    with open(path) as f:
        pats = [l.rstrip("\n") for l in f if l.strip()]
    return re.compile("|".join("(?:%s)" % p for p in pats))


def area_of(suite):
    for area in AREAS:
        if area in suite:
            return area
    return "foundation"


def kernel_suites(lines):
    """Split log lines into KUnit suite blocks and note what went wrong.

    Returns (suites, notes): suites a list of (name, lines), a suite that
    ran no case only its result line; notes one-line findings: a suite the
    kernel stopped inside, fewer suites than the kernel's own top-level
    plan announced (it stopped between suites).
    """
    suites, notes, plans = [], [], []
    cur = name = None
    skips = {}
    for raw in lines:
        line = TS.sub("", raw.rstrip("\n"))
        line = re.sub(r"^\t+", lambda m: "    " * len(m.group()), line)
        m = re.match(r"^1\.\.(\d+)\s*$", line)
        if m and cur is None:
            plans.append([int(m.group(1)), 0, None])
            continue
        m = SKIP_5_10.match(line)
        if m:
            skips[m.group(1)] = m.group(2)
        m = RESULT.match(line.strip())
        if m and m.group(1) == "ok" and m.group(3) in skips and "# SKIP" not in line:
            line = "%s # SKIP %s" % (line, skips.pop(m.group(3)))
        m = RESULT.match(line)
        if m and cur is None and plans and plans[-1][1] < plans[-1][0]:
            # A suite's result with no "# Subtest:" before it: KUnit ran
            # none of its cases (skipped as a whole, or its suite_init
            # failed).  It stands alone in the document.
            plans[-1][1] += 1
            plans[-1][2] = m.group(3)
            suites.append((m.group(3), [line]))
            continue
        m = re.match(r"^    # Subtest: (\S+)", line)
        if m and cur is None:
            name = m.group(1)
            cur = ["    KTAP version 1", line]
            if plans:
                plans[-1][1] += 1
                plans[-1][2] = name
            continue
        if cur is None:
            continue
        m = RESULT.match(line)
        if m and m.group(3) == name:
            cur.append(line)
            suites.append((name, cur))
            cur = None
            continue
        if line.startswith("    "):
            if not line.strip().startswith("KTAP version"):
                cur.append(line)
        elif line.strip():
            cur.append("    # " + line)
    if cur is not None:
        cur.append("not ok 1 %s # %s" % (name, STOPPED))
        suites.append((name, cur))
        notes.append("the kernel stopped inside suite %s: its remaining cases never ran; "
                     "read the end of console.log for the crash" % name)
    for want, got, last in plans:
        if got < want:
            notes.append("the kernel planned %d suites and printed %d (%s): it stopped between "
                         "suites; read console.log after that suite for the crash"
                         % (want, got, "last " + last if last else "none"))
    return suites, notes


def shell_suites(path):
    if not os.path.exists(path):
        return [], []
    with open(path, errors="replace") as f:
        return kernel_suites(f.readlines())


def boot_suite(name, logdir, dmesg):
    """Checks of the boot as a whole: it finished, and no kernel report."""
    cases = []
    status = open(os.path.join(logdir, "status")).read().strip() \
        if os.path.exists(os.path.join(logdir, "status")) else "0"
    cases.append(("guest_finished", status == "0",
                  "guest runner exit status %s" % status))
    console = []
    if os.path.exists(os.path.join(logdir, "console.log")):
        with open(os.path.join(logdir, "console.log"), errors="replace") as f:
            console = f.read().splitlines()
    init = any(l.startswith("@@phase init") for l in console)
    failed = [l for l in console if l.startswith("@@insmod-failed")]
    cases.append(("module_loaded", init and not failed,
                  failed[0] if failed else "the guest never reached /init"))
    failed = [l for l in console if l.startswith("@@scenario-failed")]
    cases.append(("every_scenario_finished", init and not failed,
                  failed[0] if failed else "the guest never reached /init"))
    report = report_regex()
    reports = [l for l in dmesg if report.search(l)]
    cases.append(("no_warn_bug_kasan_or_lockdep_report", not reports,
                  reports[0].strip() if reports else ""))
    lines = ["    KTAP version 1", "    # Subtest: " + name, "    1..%d" % len(cases)]
    for i, (case, ok, why) in enumerate(cases, 1):
        if not ok:
            lines.append("    # %s: %s" % (case, why))
        lines.append("    %s %d %s" % ("ok" if ok else "not ok", i, case))
    ok = all(c[1] for c in cases)
    lines.append("%s 1 %s" % ("ok" if ok else "not ok", name))
    return (name, lines)


def write_document(suites, notes, logdir, kunit):
    """One KTAP document of the suites, each keeping its own plan."""
    doc = ["KTAP version 1"] + [JUDGE_NOTE + n for n in notes] + ["1..%d" % len(suites)]
    for i, (name, lines) in enumerate(suites, 1):
        last = RESULT.match(lines[-1])
        doc += lines[:-1]
        doc.append("%s %d %s%s" % (last.group(1), i, name, last.group(4)))
    path = os.path.join(logdir, "results.ktap")
    with open(path, "w") as f:
        f.write("\n".join(doc) + "\n")
    out = subprocess.run([sys.executable, kunit, "parse",
                          "--json=" + os.path.join(logdir, "results.json"), path],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    with open(os.path.join(logdir, "parse.txt"), "w") as f:
        f.write(out.stdout)
    tail = [l for l in out.stdout.splitlines() if "Testing complete" in l]
    print("%s: %s" % (logdir, tail[-1].strip() if tail else "kunit.py parse found no results"))


# --- the expected list ----------------------------------------------------

def load_expected(path=EXPECTED):
    """[(bases, tiers, suite, case, skip_reason or None)] from the file."""
    entries = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            body, _, skip = line.partition(" # SKIP ")
            parts = body.split(None, 3)
            if len(parts) != 4 or (" #" in body):
                raise SystemExit("%s:%d: not 'BASES TIERS SUITE CASE [# SKIP reason]': %s"
                                 % (path, n, line))
            bases, tiers, suite, case = parts
            if _ and not skip.strip():
                raise SystemExit("%s:%d: a SKIP needs its reason: %s" % (path, n, line))
            entries.append((set(bases.split(",")), set(tiers.split(",")), suite,
                            case.strip(), skip.strip() if _ else None))
    return entries


def expected_for(bases, tier, path=EXPECTED):
    """{(suite, case): allowed skip reason or None} of BASES in TIER."""
    exp = {}
    for b, t, suite, case, skip in load_expected(path):
        if tier in t and b & set(bases):
            exp[(suite, case)] = skip
    return exp


def bases_of(path=EXPECTED):
    """Every base the list names, oldest first."""
    found = set()
    for b, _, _, _, _ in load_expected(path):
        found |= b
    return sorted(found, key=lambda b: [int(x) for x in re.findall(r"\d+", b)])


def tiers_of(base, path=EXPECTED):
    found = set()
    for b, t, _, _, _ in load_expected(path):
        if base in b:
            found |= t
    return [t for t in TIER_ORDER if t in found] + sorted(found - set(TIER_ORDER))


# --- reading a run --------------------------------------------------------

def flatten(group, prefix=""):
    """Yield (case path, status) of every leaf under a kunit.py JSON group."""
    for c in group.get("test_cases", []):
        yield prefix + c.get("name", ""), c.get("status", "FAIL")
    for g in group.get("sub_groups", []):
        yield from flatten(g, prefix + g.get("name", "") + "/")


def read_json(path):
    """{suite: {case: status}} from results.json; a suite that printed no
    case (kunit.py sees a test, not a group) maps to {WHOLE: its status}."""
    with open(path) as f:
        doc = json.load(f)
    suites = {}
    for g in doc.get("sub_groups", []):
        suites[g.get("name", "")] = dict(flatten(g))
    for c in doc.get("test_cases", []):
        suites.setdefault(c.get("name", ""), {WHOLE: c.get("status", "FAIL")})
    return suites


def read_ktap(path):
    """What the document says beyond kunit.py's JSON: the judge's notes,
    each suite's plan and number of results, skip reasons, and the first
    diagnostic of each failed case."""
    info = {"notes": [], "plan": {}, "ran": {}, "skip": {}, "diag": {}, "stopped": set()}
    if not os.path.exists(path):
        return info
    suite = None
    diag = None
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith(JUDGE_NOTE):
                info["notes"].append(line[len(JUDGE_NOTE):])
                continue
            m = re.match(r"^    # Subtest: (\S+)", line)
            if m:
                suite, diag = m.group(1), None
                info["ran"][suite] = 0
                continue
            if suite is None:
                continue
            m = re.match(r"^    1\.\.(\d+)", line)
            if m and suite not in info["plan"]:
                info["plan"][suite] = int(m.group(1))
                continue
            m = re.match(r"^    # (.*)", line)
            if m and diag is None:
                diag = m.group(1)
            m = re.match(r"^    (not ok|ok) \d+(?: -)? (.*?)(?: # (SKIP.*))?$", line)
            if m:
                info["ran"][suite] += 1
                if m.group(3):
                    info["skip"][(suite, m.group(2))] = m.group(3)[4:].strip()
                if m.group(1) == "not ok" and diag:
                    info["diag"][(suite, m.group(2))] = diag
                diag = None
                continue
            m = RESULT.match(line)
            if m and m.group(3) == suite:
                if STOPPED in line:
                    info["stopped"].add(suite)
                suite = None
    return info


def judge_doc(d, exp, label):
    """Judge directory D's results against EXP ({(suite, case): skip}).

    Returns (cases, problems): cases {(suite, case): (status, message)},
    status PASS, FAIL or SKIP, message set for a failure; problems one-line
    findings about the document itself.  A missing case is a FAIL, an
    extra case a FAIL, a skip not allowed a FAIL.
    """
    rel = d.rstrip("/")
    problems, cases = [], {}
    jpath = os.path.join(d, "results.json")
    try:
        got = read_json(jpath)
    except (OSError, ValueError) as e:
        why = "missing" if isinstance(e, OSError) else "not valid JSON (%s)" % e
        problems.append("%s: %s/results.json is %s: the tier did not run to its end or "
                        "kunit.py parse failed; read %s and rerun the tier"
                        % (label, rel, why, rel))
        for key in exp:
            cases[key] = ("FAIL", None)
        return cases, problems
    info = read_ktap(os.path.join(d, "results.ktap"))
    problems += ["%s: %s" % (label, n) for n in info["notes"]]
    for suite, planned in info["plan"].items():
        ran = info["ran"].get(suite, 0)
        if suite in info["stopped"]:
            continue
        if ran < planned:
            problems.append("%s: suite %s is truncated: %d of the %d cases its plan announced; "
                            "read the logs in %s for where it stopped" % (label, suite, ran, planned, rel))
        elif ran > planned:
            problems.append("%s: suite %s printed %d cases but its plan says %d: fix the "
                            "plan (ktap_begin) or the cases" % (label, suite, ran, planned))
    try:
        with open(os.path.join(d, "parse.txt"), errors="replace") as f:
            for line in f:
                if "[ERROR]" not in line:
                    continue
                m = re.search(r"Test: (\S*):", line)
                if m and m.group(1) in info["stopped"] | {s for s in info["plan"]
                                                          if info["ran"].get(s, 0) != info["plan"][s]}:
                    continue  # already said: truncated
                problems.append("%s: kunit.py parse error: %s (in %s/parse.txt)"
                                % (label, line.split("[ERROR]", 1)[1].strip(), rel))
    except OSError:
        problems.append("%s: %s/parse.txt is missing: kunit.py parse did not run" % (label, rel))
    exp_suites = {}
    for suite, case in exp:
        exp_suites.setdefault(suite, []).append(case)
    for suite, names in exp_suites.items():
        if suite not in got:
            problems.append("%s: suite %s is missing (none of its %d cases ran): read the logs in %s; "
                            "if it was dropped on purpose, remove its lines from expected/results.txt"
                            % (label, suite, len(names), rel))
            for case in names:
                cases[(suite, case)] = ("FAIL", None)
            continue
        if WHOLE in got[suite] and WHOLE not in names:
            problems.append("%s: suite %s ran none of its %d cases (its own result: %s): KUnit "
                            "skipped it as a whole or its suite_init failed; read the logs in %s"
                            % (label, suite, len(names), got[suite][WHOLE], rel))
            for case in names:
                cases[(suite, case)] = ("FAIL", None)
            continue
        for case in names:
            status = got[suite].get(case)
            key = (suite, case)
            if status is None and case == WHOLE:
                cases[key] = ("FAIL", "%s: suite %s ran its cases: expected/results.txt has KUnit "
                              "skip it as a whole" % (label, suite))
            elif status is None:
                more = " (the kernel stopped inside the suite)" if suite in info["stopped"] else ""
                cases[key] = ("FAIL", "%s: case %s.%s is missing%s: if it was renamed or removed, "
                              "change expected/results.txt" % (label, suite, case, more))
            elif status == "PASS":
                cases[key] = ("PASS", None)
            elif status == "SKIP" and exp[key] is not None:
                cases[key] = ("SKIP", None)
            elif status == "SKIP":
                cases[key] = ("FAIL", "%s: case %s.%s skipped (%s), a skip not allowed: make it run, "
                              "or list it with its reason in expected/results.txt"
                              % (label, suite, case, info["skip"].get(key) or "no reason given"))
            else:
                why = info["diag"].get(key, "")
                cases[key] = ("FAIL", "%s: case %s.%s failed%s (details in %s/results.ktap)"
                              % (label, suite, case, ": " + why if why else "", rel))
    for suite, found in got.items():
        if suite in exp_suites and WHOLE in found and WHOLE not in exp_suites[suite]:
            continue  # said above
        if suite not in exp_suites:
            problems.append("%s: unexpected suite %s (%d cases): add its cases to "
                            "expected/results.txt if it is new" % (label, suite, len(found)))
            for case in found:
                cases[(suite, case)] = ("FAIL", None)
            continue
        for case in found:
            if (suite, case) in exp or not case or NOT_RUN.match(case):
                continue  # "" and not_run_N stand for missing cases, said above
            cases[(suite, case)] = ("FAIL", "%s: unexpected case %s.%s: add it to "
                                    "expected/results.txt if it is new" % (label, suite, case))
    return cases, problems


def doc_dir(out, base, tier):
    if tier == "check":
        return os.path.join(out, "check", "ktap")
    return os.path.join(out, base, tier)


def judge_tier(d, bases, tier, path=EXPECTED):
    exp = expected_for(bases, tier, path)
    label = "%s %s" % (",".join(bases), tier)
    if not exp:
        return {}, ["%s: expected/results.txt lists no case for this tier" % label]
    return judge_doc(d, exp, label)


def messages(cases, problems):
    return problems + [m for _, m in cases.values() if m]


def judge(args):
    cases, problems = judge_tier(args.dir, args.bases.split(","), args.tier, args.expected)
    lines = messages(cases, problems)
    for line in lines:
        print("FAIL " + line)
    n = {s: sum(1 for st, _ in cases.values() if st == s) for s in ("PASS", "FAIL", "SKIP")}
    print("judged %s %s: %d passed, %d failed, %d skipped, %d findings"
          % (args.bases, args.tier, n["PASS"], n["FAIL"], n["SKIP"], len(problems)))
    return 1 if lines or n["FAIL"] else 0


def run_judge(args):
    if getattr(args, "judge", None):
        ns = argparse.Namespace(dir=args.dir, bases=args.judge[0], tier=args.judge[1],
                                expected=EXPECTED)
        return judge(ns)
    return 0


def collect(args):
    logdir = args.dir
    dmesg_path = os.path.join(logdir, "dmesg.log")
    if not os.path.exists(dmesg_path) or os.path.getsize(dmesg_path) == 0:
        dmesg_path = os.path.join(logdir, "console.log")
    with open(dmesg_path, errors="replace") as f:
        dmesg = f.readlines()
    suites, notes = kernel_suites(dmesg)
    more, more_notes = shell_suites(os.path.join(logdir, "shell.ktap"))
    suites += more
    notes += ["scenarios: " + n.replace("the kernel stopped", "the scenario stopped")
              for n in more_notes]
    if args.boot_suite:
        suites.append(boot_suite(args.boot_suite, logdir, dmesg))
    write_document(suites, notes, logdir, args.kunit)
    return run_judge(args)


def ingest(args):
    os.makedirs(args.dir, exist_ok=True)
    with open(args.file, errors="replace") as f:
        suites, notes = kernel_suites(f.readlines())
    if not suites:
        notes.append("no KUnit suite in %s: read it for why none ran" % args.file)
    write_document(suites, notes, args.dir, args.kunit)
    return run_judge(args)


# --- the closing table ----------------------------------------------------

SECTIONS = (("tests", "KUnit and scenario cases; a case run in several tiers of a base counts once"),
            ("checks", "checkpatch, sparse, W=1, each patch compiling, the judge's own fixtures"),
            ("proofs", "mutants: each area's bug put back and seen failing"))


def section_of(tier):
    return "checks" if tier == "check" else "proofs" if tier == "prove" else "tests"


def summary(args):
    bases = args.bases.split() if args.bases else bases_of()
    families = args.tiers.split()
    runs = []  # (bases, tier, dir)
    for base in bases:
        for tier in tiers_of(base):
            fam = re.split(r"[/-]", tier)[0]
            if fam in families and tier != "check":
                runs.append(([base], tier, doc_dir(args.out, base, tier)))
    if "check" in families:
        runs.append((bases, "check", doc_dir(args.out, None, "check")))
    merged = {}  # (section, row, suite, case) -> status
    findings = []
    for rb, tier, d in runs:
        cases, problems = judge_tier(d, rb, tier)
        findings += messages(cases, problems)
        sec = section_of(tier)
        row = "all" if tier == "check" else rb[0]
        for (suite, case), (st, _) in cases.items():
            key = (sec, row, suite, case)
            old = merged.get(key)
            if old == "FAIL" or (old == "PASS" and st == "SKIP"):
                continue
            merged[key] = st
        for n, _ in enumerate(problems):
            merged[(sec, row, "judge", "%s %d" % (tier, n))] = "FAIL"
    for line in findings:
        print("FAIL " + line)
    table = {}
    for (sec, row, suite, case), st in merged.items():
        # A proof's area is its mutant's (mutant_<area>_<fix>_<base>).
        area = ("judge" if suite == "judge" else "check" if sec == "checks"
                else area_of(case) if sec == "proofs" else area_of(suite))
        t = table.setdefault((sec, row, area), {"PASS": 0, "FAIL": 0, "SKIP": 0})
        t[st] += 1
    tot = {"PASS": 0, "FAIL": 0, "SKIP": 0}
    for sec, what in SECTIONS:
        rows = sorted((k[1:], v) for k, v in table.items() if k[0] == sec)
        print("%s: %s" % (sec, what))
        print("  %-6s %-11s %7s %7s %7s" % ("base", "area", "passed", "failed", "skipped"))
        if not rows:
            print("  (none run)")
        for (row, area), t in rows:
            print("  %-6s %-11s %7d %7d %7d" % (row, area, t["PASS"], t["FAIL"], t["SKIP"]))
            for k in tot:
                tot[k] += t[k]
    print("tiers judged: %s; logs and KTAP: %s" % (", ".join(sorted({t for _, t, _ in runs})),
                                                   os.path.abspath(args.out)))
    print("%d passed, %d failed, %d skipped" % (tot["PASS"], tot["FAIL"], tot["SKIP"]))
    return 1 if tot["FAIL"] or not runs else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("collect")
    c.add_argument("dir")
    c.add_argument("--kunit", required=True)
    c.add_argument("--boot-suite")
    c.add_argument("--judge", nargs=2, metavar=("BASES", "TIER"))
    i = sub.add_parser("ingest")
    i.add_argument("file")
    i.add_argument("dir")
    i.add_argument("--kunit", required=True)
    i.add_argument("--judge", nargs=2, metavar=("BASES", "TIER"))
    j = sub.add_parser("judge")
    j.add_argument("dir")
    j.add_argument("bases")
    j.add_argument("tier")
    j.add_argument("--expected", default=EXPECTED)
    s = sub.add_parser("summary")
    s.add_argument("out")
    s.add_argument("--bases", help="space-separated; default: every base expected/results.txt names")
    s.add_argument("--tiers", default="check kunit vm prove")
    args = ap.parse_args()
    return {"collect": collect, "ingest": ingest, "judge": judge,
            "summary": summary}[args.cmd](args) or 0


if __name__ == "__main__":
    sys.exit(main())
