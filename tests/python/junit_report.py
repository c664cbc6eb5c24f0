"""Python tests under Bazel: run unittest classes and write one JUnit <testcase> per test method
to $XML_OUTPUT_FILE, so tests/summarize_results.py counts them like GoogleTest cases.

    import junit_report
    ok = junit_report.run([MyTest, ShutdownTest], "my_test")   # True when all passed
"""

import os
import re
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


def junit_cases(result):
    """[(test id, None | (kind, traceback))], one per test method (failed subtests included)."""
    problems = {}
    for kind, entries in (("error", result.errors), ("failure", result.failures)):
        for test, text in entries:
            test_id = getattr(test, "test_case", test).id()  # A failed subTest: its method.
            problems.setdefault(test_id, (kind, text))
    ids = result.started + [i for i in problems if i not in result.started]  # setUpClass
    return [(test_id, problems.get(test_id)) for test_id in ids]


def write_junit_xml(path, cases, seconds, suite_name):
    counts = {kind: sum(1 for _, p in cases if p and p[0] == kind) for kind in ("failure", "error")}
    attributes = dict(tests=str(len(cases)), failures=str(counts["failure"]),
                      errors=str(counts["error"]), time="%.3f" % seconds)
    root = ET.Element("testsuites", **attributes)
    suite = ET.SubElement(root, "testsuite", name=suite_name, **attributes)
    for test_id, problem in cases:
        classname, _, name = test_id.replace("__main__.", suite_name + ".").rpartition(".")
        case = ET.SubElement(suite, "testcase", classname=classname, name=name)
        if problem:
            kind, text = problem
            lines = text.strip().splitlines()
            raised = [line for line in lines if re.match(r"[\w.]+(Error|Exception)\b", line)]
            ET.SubElement(case, kind, message=(raised or lines)[-1]).text = text
    ET.ElementTree(root).write(path, encoding="UTF-8", xml_declaration=True)



def run(test_classes, suite_name, name_pattern=None):
    """Runs the classes' tests in order, writes the XML, prints "N passed, N failed"."""
    loader = unittest.TestLoader()
    if name_pattern:
        loader.testNamePatterns = ["*%s*" % name_pattern]
    suite = unittest.TestSuite([loader.loadTestsFromTestCase(c) for c in test_classes])
    start = time.monotonic()
    result = unittest.TextTestRunner(resultclass=RecordingResult, verbosity=2).run(suite)
    cases = junit_cases(result)
    if os.environ.get("XML_OUTPUT_FILE"):
        write_junit_xml(os.environ["XML_OUTPUT_FILE"], cases, time.monotonic() - start, suite_name)
    failed = sum(1 for _, problem in cases if problem)
    print("%d passed, %d failed" % (len(cases) - failed, failed))
    return result.wasSuccessful() and result.testsRun > 0
