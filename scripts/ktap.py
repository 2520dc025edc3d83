#!/usr/bin/env python3
"""Turn a guest run's logs into one KTAP document, judge it with 6.12's
kunit.py parse, and summarise results per base and area.

  ktap.py collect DIR --kunit KUNIT_PY [--boot-suite NAME]
      DIR holds dmesg.log (or only console.log when the guest died),
      shell.ktap and the guest's exit status; writes DIR/results.ktap,
      DIR/parse.txt and DIR/results.json.
  ktap.py ingest FILE DIR --kunit KUNIT_PY
      a KTAP log from elsewhere (kunit.py run, a console) into DIR.
  ktap.py summary OUT
      every OUT/<base>/<tier>/.../results.json: a table of base x area
      and the closing line "N passed, N failed, N skipped".
Python standard library only.
"""
import argparse
import glob
import json
import os
import re
import subprocess
import sys

AREAS = ("phandle", "memlinks", "devlink", "intx", "drmem")
TS = re.compile(r"^\[\s*\d+\.\d+\]\s?")
RESULT = re.compile(r"^(not ok|ok) (\d+)(?: -)? ([^#\s]+)(.*)$")
REPORT = re.compile(r"WARNING:|BUG:|possible (circular|recursive) locking"
                    r"|inconsistent lock state|Oops|Kernel panic")


def area_of(suite):
    for area in AREAS:
        if area in suite:
            return area
    return "foundation"


SKIP_5_10 = re.compile(r"^\s+# (\S+): SKIP (.*)$")


def kernel_suites(lines):
    """Split kernel log lines into KUnit suite blocks (list of lines).

    5.10's KUnit cannot skip: the module says "# case: SKIP reason" and
    passes the case; that result is reported here as the skip it is.
    """
    suites = []
    cur = None
    name = None
    skips = {}
    for raw in lines:
        line = TS.sub("", raw.rstrip("\n"))
        m = SKIP_5_10.match(line)
        if m:
            skips[m.group(1)] = m.group(2)
        m = RESULT.match(line.strip())
        if m and m.group(1) == "ok" and m.group(3) in skips and "# SKIP" not in line:
            line = "%s # SKIP %s" % (line, skips.pop(m.group(3)))
        m = re.match(r"^    # Subtest: (\S+)", line)
        if m and cur is None:
            name = m.group(1)
            cur = ["    KTAP version 1", line]
            continue
        if cur is None:
            continue
        m = RESULT.match(line)
        if m and m.group(3) == name:
            cur.append(line)
            suites.append((name, cur))
            cur = None
            continue
        if line.startswith("    ") or line.startswith("\t"):
            if not line.strip().startswith("KTAP version"):
                cur.append(line)
        elif line.strip():
            cur.append("    # " + line)
    if cur is not None:
        cur.append("not ok 1 %s # the kernel stopped inside this suite" % name)
        suites.append((name, cur))
    return suites


def shell_suites(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
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
    if any(l.startswith("@@phase init") for l in console):
        failed = [l for l in console if l.startswith("@@insmod-failed")]
        cases.append(("module_loaded", not failed, failed[0] if failed else ""))
        failed = [l for l in console if l.startswith("@@scenario-failed")]
        cases.append(("every_scenario_finished", not failed, failed[0] if failed else ""))
    reports = [l for l in dmesg if REPORT.search(l)]
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


def write_document(suites, logdir, kunit):
    doc = ["KTAP version 1", "1..%d" % len(suites)]
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


def collect(args):
    logdir = args.dir
    dmesg_path = os.path.join(logdir, "dmesg.log")
    if not os.path.exists(dmesg_path) or os.path.getsize(dmesg_path) == 0:
        dmesg_path = os.path.join(logdir, "console.log")
    with open(dmesg_path, errors="replace") as f:
        dmesg = f.readlines()
    suites = kernel_suites(dmesg) + shell_suites(os.path.join(logdir, "shell.ktap"))
    if args.boot_suite:
        suites.append(boot_suite(args.boot_suite, logdir, dmesg))
    write_document(suites, logdir, args.kunit)


def ingest(args):
    os.makedirs(args.dir, exist_ok=True)
    with open(args.file, errors="replace") as f:
        suites = kernel_suites(f.readlines())
    if not suites:
        suites = [("ofreconf_no_results", ["    KTAP version 1",
                   "    # Subtest: ofreconf_no_results", "    1..1",
                   "    not ok 1 results_found", "not ok 1 ofreconf_no_results"])]
    write_document(suites, args.dir, args.kunit)


def leaves(node):
    """Yield the statuses of every leaf test case in kunit.py's JSON."""
    subs = node.get("sub_groups", [])
    cases = node.get("test_cases", [])
    for c in cases:
        yield c.get("status", "FAIL")
    for s in subs:
        yield from leaves(s)


def summary(args):
    table = {}
    for path in sorted(glob.glob(os.path.join(args.out, "**", "results.json"), recursive=True)):
        rel = os.path.relpath(path, args.out).split(os.sep)
        # A mutant's own failures are prove's evidence, judged in prove.
        if any(part.startswith("mutant-") for part in rel):
            continue
        base, tier = rel[0], "/".join(rel[1:-1])
        with open(path) as f:
            doc = json.load(f)
        for suite in doc.get("sub_groups", []):
            key = (base, area_of(suite["name"]))
            t = table.setdefault(key, {"PASS": 0, "FAIL": 0, "SKIP": 0, "tiers": set()})
            for st in leaves(suite):
                t["SKIP" if st == "SKIP" else "PASS" if st == "PASS" else "FAIL"] += 1
            t["tiers"].add(tier.split("/")[0])
    print("%-6s %-11s %7s %7s %7s  %s" % ("base", "area", "passed", "failed", "skipped", "tiers"))
    tot = {"PASS": 0, "FAIL": 0, "SKIP": 0}
    for (base, area), t in sorted(table.items()):
        print("%-6s %-11s %7d %7d %7d  %s" % (base, area, t["PASS"], t["FAIL"], t["SKIP"],
                                              ",".join(sorted(t["tiers"]))))
        for k in tot:
            tot[k] += t[k]
    print("logs and KTAP: %s" % os.path.abspath(args.out))
    print("%d passed, %d failed, %d skipped" % (tot["PASS"], tot["FAIL"], tot["SKIP"]))
    return 1 if tot["FAIL"] or not table else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("collect")
    c.add_argument("dir")
    c.add_argument("--kunit", required=True)
    c.add_argument("--boot-suite")
    i = sub.add_parser("ingest")
    i.add_argument("file")
    i.add_argument("dir")
    i.add_argument("--kunit", required=True)
    s = sub.add_parser("summary")
    s.add_argument("out")
    args = ap.parse_args()
    return {"collect": collect, "ingest": ingest, "summary": summary}[args.cmd](args) or 0


if __name__ == "__main__":
    sys.exit(main())
