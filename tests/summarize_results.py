#!/usr/bin/python3
"""Counts test cases from the real results of one suite run and prints "N passed, N failed".

Usage: summarize_results.py --bazel LOG TESTLOGS_DIR RC [--bazel ...] [--results FILE ...]

--bazel: the console output of one `bazel test` run, the bazel-testlogs directory of that run's
configuration, and its exit code. Every target named in Bazel's summary is counted by the test
cases in its test.xml (GoogleTest and the interop test write one <testcase> per case); a target
without a readable test.xml counts as one case with the target's status. A failed Bazel run that
reports no target (analysis or build error) counts as one failure.
--results: a file of "<name> PASSED|FAILED" lines (the fuzzers).
"""
import os
import re
import sys
import xml.etree.ElementTree as ET

SUMMARY = re.compile(
    r"^(//\S+)\s+(?:\(cached\)\s+)?(PASSED|FAILED TO BUILD|FAILED|FLAKY|TIMEOUT|NO STATUS|INCOMPLETE|SKIPPED)\b")


def count_xml(path):
    """Returns (passed, failed) test cases in a JUnit/GoogleTest XML file, or None."""
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        return None
    passed = failed = 0
    for case in root.iter("testcase"):
        if case.get("status") == "notrun" or case.find("skipped") is not None:
            continue
        if case.find("failure") is not None or case.find("error") is not None:
            failed += 1
        else:
            passed += 1
    if passed + failed == 0:
        return None
    return passed, failed


def summarize_bazel(log, testlogs, rc, failures):
    passed = failed = 0
    seen = set()
    with open(log, errors="replace") as f:
        for line in f:
            match = SUMMARY.match(line.strip())
            if not match or match.group(1) in seen:
                continue
            label, status = match.groups()
            seen.add(label)
            package, _, name = label[2:].partition(":")
            counted = None
            if status in ("PASSED", "FAILED", "FLAKY"):
                counted = count_xml(os.path.join(testlogs, package, name, "test.xml"))
            if counted is None:
                counted = (1, 0) if status in ("PASSED", "FLAKY") else (0, 1)
            if status == "FAILED" and counted[1] == 0:
                counted = (counted[0], 1)  # Crashed after its cases passed.
            passed += counted[0]
            failed += counted[1]
            if counted[1]:
                failures.append(f"{label} {status}")
    if rc not in (0, 3) and not seen:
        failed += 1
        failures.append(f"bazel exited {rc} before running tests ({log})")
    elif rc not in (0, 3) and failed == 0:
        failed += 1
        failures.append(f"bazel exited {rc} ({log})")
    return passed, failed


def main(argv):
    passed = failed = 0
    failures = []
    i = 0
    while i < len(argv):
        if argv[i] == "--bazel":
            p, f = summarize_bazel(argv[i + 1], argv[i + 2], int(argv[i + 3]), failures)
            i += 4
        elif argv[i] == "--results":
            p = f = 0
            with open(argv[i + 1]) as results:
                for line in results:
                    parts = line.split()
                    if len(parts) != 2:
                        continue
                    if parts[1] == "PASSED":
                        p += 1
                    else:
                        f += 1
                        failures.append(" ".join(parts))
            i += 2
        else:
            sys.exit(f"unknown argument {argv[i]}")
        passed += p
        failed += f
    for failure in failures:
        print(f"FAILED: {failure}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
