#!/usr/bin/python3
"""Counts test cases from the real results of one suite run; its last line of output is
"N passed, N failed, N skipped".

Usage: summarize_results.py [--bazel NAME LOG TESTLOGS_DIR RC ...] [--results NAME FILE RC ...]
                            [--cases NAME FILE RC ...]

--bazel: one `bazel test` run: a name for it ("bazel test //...", "... --config=asan ..."), its
console output, the bazel-testlogs directory of that run's configuration, and its exit code.
Every target in Bazel's summary is counted by the test cases in its test.xml (GoogleTest, the
Python tests through tests/python/junit_report.py, and Bazel's own XML for other tests write one
<testcase> per case; with --runs_per_test or shards, each run's or shard's test.xml):
  - a case with <failure> or <error> failed; one that was skipped or not run (<skipped>,
    status="notrun", result="skipped"/"suppressed") is skipped, never passed, so a target whose
    cases were all skipped passes nothing;
  - a target without a readable test.xml counts as one case with the target's status;
  - FAILED with no failed case (a crash after the cases passed) and FLAKY (failed, then passed on
    a retry) add one failure: neither is a pass;
  - TIMEOUT, FAILED TO BUILD, NO STATUS, INCOMPLETE: one failure; SKIPPED (Bazel did not run the
    target, e.g. incompatible with the platform): one skipped case;
  - a non-zero exit code that no counted failure explains (a build or analysis error, tests that
    failed without a summary line Bazel printed or we parsed) is one failure, and so is a zero
    exit with no target in the summary (nothing ran that we can see).
--results: the fuzzers: a name, a file of "<target> PASSED|FAILED" lines, and the exit code of
the script that wrote it. A non-zero exit without a FAILED line, or no line at all, is one failure.
--cases: the same for a script of test cases outside Bazel (deploy/compose/ha_test.sh): a file of
"<case> PASSED|FAILED" lines, counted as test cases rather than fuzz targets. In both, a
FAILED line may go on with its reason ("<case> FAILED <reason>"), printed with the failure.

Before the last line it names what ran: the targets and cases of each Bazel run, how many cases
were re-runs of cases already counted (the ASan run repeats the unit tests), the distinct cases,
and the fuzz targets; then a line per failure and per skipped case. Exits 1 when anything failed
or nothing passed, 0 otherwise (skips alone do not fail the run, but they are reported).
"""
import collections
import glob
import os
import re
import sys
import xml.etree.ElementTree as ET

SUMMARY = re.compile(
    r"^(//\S+)\s+(?:\(cached\)\s+)?"
    r"(PASSED|FAILED TO BUILD|FAILED|FLAKY|TIMEOUT|NO STATUS|INCOMPLETE|SKIPPED)\b")

PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"

# One Bazel summary status without a usable test.xml -> the outcome of its one case.
STATUS_OUTCOME = {"PASSED": PASSED, "SKIPPED": SKIPPED}


class Tally:
    """Case outcomes of one run, with the identity of each case."""

    def __init__(self, name, kind):
        self.name = name
        self.kind = kind  # "bazel", "results" (fuzz targets) or "cases".
        self.counts = collections.Counter()
        self.targets = 0
        self.keys = []  # (target, case) per counted case, for the distinct count.
        self.failures = []
        self.skips = []

    def add(self, outcome, key, description):
        self.counts[outcome] += 1
        self.keys.append(key)
        if outcome == FAILED:
            self.failures.append(description)
        elif outcome == SKIPPED:
            self.skips.append(description)

    def add_failure(self, description):
        """A failure that is no test case (a crash, a flaky pass, an exit code)."""
        self.counts[FAILED] += 1
        self.failures.append(description)


def case_outcome(case):
    if case.find("failure") is not None or case.find("error") is not None:
        return FAILED
    if (case.find("skipped") is not None or case.get("status") == "notrun"
            or case.get("result") in ("skipped", "suppressed")):
        return SKIPPED
    return PASSED


def read_cases(xml_paths):
    """[(case name, outcome)] from JUnit/GoogleTest XML files, or None if any is unreadable or
    none holds a case."""
    cases = []
    for path in xml_paths:
        try:
            root = ET.parse(path).getroot()
        except (OSError, ET.ParseError):
            return None
        for case in root.iter("testcase"):
            name = "%s.%s" % (case.get("classname", ""), case.get("name", ""))
            cases.append((name, case_outcome(case)))
    return cases or None


def target_xml_paths(testlogs, label):
    """The test.xml of a target, or those of its runs and shards (run_1_of_20/test.xml, ...)."""
    package, _, name = label[2:].partition(":")
    directory = os.path.join(testlogs, package, name)
    single = os.path.join(directory, "test.xml")
    if os.path.isfile(single):
        return [single]
    return sorted(glob.glob(os.path.join(directory, "*", "test.xml")))


def count_target(tally, label, status, testlogs):
    cases = None
    if status in ("PASSED", "FAILED", "FLAKY"):
        cases = read_cases(target_xml_paths(testlogs, label))
    if cases is None:
        outcome = STATUS_OUTCOME.get(status, FAILED)
        tally.add(outcome, (label, ""), "%s %s" % (label, status))
        return
    for name, outcome in cases:
        tally.add(outcome, (label, name), "%s %s" % (label, name))
    failed_cases = sum(1 for _, outcome in cases if outcome == FAILED)
    if status == "FAILED" and failed_cases == 0:
        tally.add_failure("%s FAILED after its cases passed (a crash or a leak)" % label)
    elif status == "FLAKY":
        tally.add_failure("%s FLAKY: failed, then passed on a retry" % label)


def summarize_bazel(name, log, testlogs, rc):
    tally = Tally(name, "bazel")
    seen = set()
    with open(log, errors="replace") as f:
        for line in f:
            match = SUMMARY.match(line.strip())
            if not match or match.group(1) in seen:
                continue
            label, status = match.groups()
            seen.add(label)
            tally.targets += 1
            count_target(tally, label, status, testlogs)
    if rc != 0 and not seen:
        tally.add_failure("%s: bazel exited %d before running tests (%s)" % (name, rc, log))
    elif rc != 0 and tally.counts[FAILED] == 0:
        tally.add_failure("%s: bazel exited %d, and no failed test explains it (%s)"
                          % (name, rc, log))
    elif not seen:
        tally.add_failure("%s: no test target in bazel's summary (%s)" % (name, log))
    return tally


def summarize_results(name, path, rc, kind="results"):
    tally = Tally(name, kind)
    try:
        with open(path, errors="replace") as results:
            lines = [line.split() for line in results]
    except OSError:
        lines = []
    for parts in lines:
        # "<case> FAILED" may go on with the reason, shown with the failure.
        if len(parts) < 2 or (len(parts) > 2 and parts[1] != "FAILED"):
            continue
        tally.targets += 1
        outcome = PASSED if parts[1] == "PASSED" else FAILED
        tally.add(outcome, (name, parts[0]), " ".join(parts))
    if rc != 0 and tally.counts[FAILED] == 0:
        tally.add_failure("%s: exited %d, and no failed target explains it" % (name, rc))
    elif tally.targets == 0:
        tally.add_failure("%s: no result in %s" % (name, path))
    return tally


def describe(tallies):
    """The lines that name what ran, before the totals."""
    lines = []
    counted = set()
    fuzz_targets = 0
    for tally in tallies:
        c = tally.counts
        outcomes = "%d passed, %d failed, %d skipped" % (c[PASSED], c[FAILED], c[SKIPPED])
        if tally.kind == "results":
            fuzz_targets += tally.targets
            lines.append("%s: %d fuzz targets (%s)" % (tally.name, tally.targets, outcomes))
            continue
        if tally.kind == "cases":
            counted.update(tally.keys)
            lines.append("%s: %d test cases (%s)" % (tally.name, tally.targets, outcomes))
            continue
        reruns = 0
        for key in tally.keys:
            if key in counted:
                reruns += 1
            counted.add(key)
        text = "%s: %d targets, %d test cases (%s)" % (tally.name, tally.targets,
                                                       len(tally.keys), outcomes)
        if reruns:
            text += ", %d of them re-runs of cases counted before" % reruns
        lines.append(text)
    lines.append("%d distinct test cases and %d fuzz targets; the totals count every run of each"
                 % (len(counted), fuzz_targets))
    return lines


def parse_args(argv):
    tallies = []
    i = 0
    while i < len(argv):
        if argv[i] == "--bazel" and i + 4 < len(argv):
            tallies.append(summarize_bazel(argv[i + 1], argv[i + 2], argv[i + 3],
                                           int(argv[i + 4])))
            i += 5
        elif argv[i] == "--results" and i + 3 < len(argv):
            tallies.append(summarize_results(argv[i + 1], argv[i + 2], int(argv[i + 3])))
            i += 4
        elif argv[i] == "--cases" and i + 3 < len(argv):
            tallies.append(summarize_results(argv[i + 1], argv[i + 2], int(argv[i + 3]),
                                             kind="cases"))
            i += 4
        else:
            sys.exit("usage: %s [--bazel NAME LOG TESTLOGS RC] [--results NAME FILE RC] "
                     "[--cases NAME FILE RC] (at %r)" % (sys.argv[0], argv[i]))
    return tallies


def main(argv):
    tallies = parse_args(argv)
    totals = collections.Counter()
    for tally in tallies:
        totals.update(tally.counts)
    for line in describe(tallies):
        print(line)
    for tally in tallies:
        for skip in tally.skips:
            print("SKIPPED: %s" % skip)
    for tally in tallies:
        for failure in tally.failures:
            print("FAILED: %s" % failure)
    print("%d passed, %d failed, %d skipped" % (totals[PASSED], totals[FAILED], totals[SKIPPED]))
    return 1 if totals[FAILED] or totals[PASSED] == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
