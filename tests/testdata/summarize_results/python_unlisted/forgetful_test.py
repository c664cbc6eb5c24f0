"""A fixture for summarize_results_test: a Python test through tests/python/junit_report.py
whose module defines a second TestCase class with a test, but leaves it out of the list it
runs; a base class run through its subclass is not forgotten.
Usage: forgetful_test.py JUNIT_REPORT_DIR."""

import sys
import unittest

sys.path.insert(0, sys.argv[1])
import junit_report  # noqa: E402


class SharedChecks(unittest.TestCase):
    def test_inherited(self):
        self.assertTrue(True)


class Listed(SharedChecks):
    pass


class Forgotten(unittest.TestCase):
    def test_would_fail(self):
        self.fail("a forgotten class ran")


if __name__ == "__main__":
    sys.exit(0 if junit_report.run([Listed], "forgetful_test") else 1)
