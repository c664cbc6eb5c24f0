"""A fixture for summarize_results_test: a Python test through tests/python/junit_report.py with
one test that passes, one skipped by a decorator, and a class whose setUpClass skips, so that its
test never runs. Usage: skipping_test.py JUNIT_REPORT_DIR; writes $XML_OUTPUT_FILE."""

import sys
import unittest

sys.path.insert(0, sys.argv[1])
import junit_report  # noqa: E402


class Runs(unittest.TestCase):
    def test_passes(self):
        self.assertTrue(True)

    @unittest.skip("needs a browser")
    def test_skipped_by_decorator(self):
        self.fail("a skipped test ran")


class SkipsInSetUpClass(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        raise unittest.SkipTest("no database")

    def test_never_runs(self):
        self.fail("a test of a skipped class ran")


if __name__ == "__main__":
    sys.exit(0 if junit_report.run([Runs, SkipsInSetUpClass], "skipping_test") else 1)
