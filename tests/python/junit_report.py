"""Python tests under Bazel: run unittest classes and write one JUnit <testcase> per test method
to $XML_OUTPUT_FILE, so tests/summarize_results.py counts them like GoogleTest cases: a failed
test has <failure> or <error>, a skipped one (or one never run) <skipped>.

    import junit_report
    ok = junit_report.run([MyTest, ShutdownTest], "my_test")   # True when all passed
"""

import os
import re
import sys
import time
import unittest
import xml.etree.ElementTree as ET


class RecordingResult(unittest.TextTestResult):
    """Remembers every test started, in order, for the JUnit XML."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.started = []

    def startTest(self, test):
        self.started.append(test.id())
        super().startTest(test)


def junit_cases(result, planned=()):
    """[(test id, None | (kind, text))], one per test method: kind "failure" or "error" (failed
    subtests included, and an unexpected success as a failure), or "skipped" for a test skipped
    or never run (a test in `planned` that did not start, e.g. after setUpClass failed)."""
    problems = {}
    class_skips = {}  # "__main__.Class" -> why its setUpClass skipped.
    unexpected = [(test, "unexpected success: the test is marked expectedFailure")
                  for test in result.unexpectedSuccesses]
    for kind, entries in (("error", result.errors), ("failure", result.failures),
                          ("failure", unexpected), ("skipped", result.skipped)):
        for test, text in entries:
            test_id = getattr(test, "test_case", test).id()  # A failed subTest: its method.
            holder = re.fullmatch(r"setUpClass \((.+)\)", test_id)
            if kind == "skipped" and holder:  # Reported below, on each test of the class.
                class_skips[holder.group(1)] = text
                continue
            problems.setdefault(test_id, (kind, text))
    for test_id in planned:
        if test_id not in result.started and test_id not in problems:
            why = class_skips.get(test_id.rpartition(".")[0])
            problems[test_id] = ("skipped", "setUpClass skipped: " + why if why else "not run")
    ids = result.started + [i for i in problems if i not in result.started]  # setUpClass
    return [(test_id, problems.get(test_id)) for test_id in ids]


def count(cases):
    """{"passed": n, "failed": n, "skipped": n} over junit_cases' result."""
    kinds = [problem[0] if problem else "passed" for _, problem in cases]
    return {"passed": kinds.count("passed"), "skipped": kinds.count("skipped"),
            "failed": len(kinds) - kinds.count("passed") - kinds.count("skipped")}


def write_junit_xml(path, cases, seconds, suite_name):
    counts = {kind: sum(1 for _, p in cases if p and p[0] == kind)
              for kind in ("failure", "error", "skipped")}
    attributes = dict(tests=str(len(cases)), failures=str(counts["failure"]),
                      errors=str(counts["error"]), skipped=str(counts["skipped"]),
                      time="%.3f" % seconds)
    root = ET.Element("testsuites", **attributes)
    suite = ET.SubElement(root, "testsuite", name=suite_name, **attributes)
    for test_id, problem in cases:
        classname, _, name = test_id.replace("__main__.", suite_name + ".").rpartition(".")
        case = ET.SubElement(suite, "testcase", classname=classname, name=name)
        if problem:
            kind, text = problem
            lines = text.strip().splitlines() or [kind]
            raised = [line for line in lines if re.match(r"[\w.]+(Error|Exception)\b", line)]
            ET.SubElement(case, kind, message=(raised or lines)[-1]).text = text
    ET.ElementTree(root).write(path, encoding="UTF-8", xml_declaration=True)


def planned_ids(suite):
    """The ids of every test in a (nested) unittest suite."""
    for test in suite:
        if isinstance(test, unittest.TestSuite):
            yield from planned_ids(test)
        else:
            yield test.id()


def write_results(path, cases):
    """One "<test method> PASSED|FAILED" line per case (tests/summarize_results.py's format for a
    step outside Bazel); a skipped case is FAILED there: nothing is skipped silently."""
    with open(path, "w") as f:
        for test_id, problem in cases:
            f.write("%s %s\n" % (test_id.rpartition(".")[2], "FAILED" if problem else "PASSED"))


def unlisted_classes(test_classes, module):
    """The unittest.TestCase classes `module` defines that have tests and that neither
    `test_classes` nor a subclass in it runs: a class written but forgotten in the list."""
    listed = set()
    for listed_class in test_classes:
        listed.update(listed_class.__mro__)
    loader = unittest.TestLoader()
    return sorted(name for name, value in vars(module).items()
                  if isinstance(value, type) and issubclass(value, unittest.TestCase)
                  and value.__module__ == module.__name__ and value not in listed
                  and loader.getTestCaseNames(value))


def run(test_classes, suite_name, name_pattern=None, results_path=None):
    """Runs the classes' tests in order, writes the XML (and `results_path`, write_results),
    prints "N passed, N failed, N skipped".
    True when nothing failed and at least one test passed (all skipped is not a pass)."""
    loader = unittest.TestLoader()
    if name_pattern:
        loader.testNamePatterns = ["*%s*" % name_pattern]
    suite = unittest.TestSuite([loader.loadTestsFromTestCase(c) for c in test_classes])
    planned = list(planned_ids(suite))
    start = time.monotonic()
    result = unittest.TextTestRunner(resultclass=RecordingResult, verbosity=2).run(suite)
    cases = junit_cases(result, planned)
    if not name_pattern:  # A filtered run leaves classes out on purpose.
        main = sys.modules.get("__main__")
        for name in unlisted_classes(test_classes, main) if main else []:
            why = ("%s defines tests but is not in the list given to junit_report.run, so "
                   "they never run" % name)
            print("FAIL: " + why, file=sys.stderr)
            cases.append(("__main__.%s.not_in_the_run_list" % name, ("failure", why)))
    if os.environ.get("XML_OUTPUT_FILE"):
        write_junit_xml(os.environ["XML_OUTPUT_FILE"], cases, time.monotonic() - start, suite_name)
    if results_path:
        write_results(results_path, cases)
    counts = count(cases)
    print("%(passed)d passed, %(failed)d failed, %(skipped)d skipped" % counts)
    return result.wasSuccessful() and counts["failed"] == 0 and counts["passed"] > 0
