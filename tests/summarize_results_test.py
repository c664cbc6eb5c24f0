#!/usr/bin/python3
"""The suite's counter (tests/summarize_results.py), run as tests/run_all.sh runs it, on fixture
Bazel logs, test.xml trees and fuzz results under tests/testdata/summarize_results/ (one folder
per case): each test states one counting rule and asserts the totals line (the last line), the
exit status and, where it matters, what the summary names.

Run by Bazel (//tests:summarize_results_test) with Debian's /usr/bin/python3; also by hand from
the workspace root: tests/summarize_results_test.py
"""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "testdata", "summarize_results")
sys.path.insert(0, os.path.join(HERE, "python"))
import junit_report  # noqa: E402

ALL = "bazel test //..."
ASAN = "bazel test --config=asan ..."


def fixture(*parts):
    return os.path.join(FIXTURES, *parts)


def bazel(case, rc=0, name=ALL, log="bazel.log", testlogs="testlogs"):
    """--bazel arguments for a fixture folder."""
    return ["--bazel", name, fixture(case, log), fixture(case, testlogs), str(rc)]


def fuzz(results, rc=0):
    return ["--results", "fuzz targets", fixture("fuzz", results), str(rc)]


class Counter:
    """One run of summarize_results.py: its output lines and exit status."""

    def __init__(self, args):
        done = subprocess.run([sys.executable, os.path.join(HERE, "summarize_results.py")] + args,
                              capture_output=True, text=True)
        self.lines = done.stdout.splitlines()
        self.stderr = done.stderr
        self.rc = done.returncode

    @property
    def totals(self):
        return self.lines[-1] if self.lines else ""

    def has_line(self, text):
        return any(text in line for line in self.lines)


class SummarizeResultsTest(unittest.TestCase):
    def count(self, *args):
        counter = Counter([a for group in args for a in group])
        self.assertEqual(counter.stderr, "")
        return counter

    def assertCounted(self, counter, totals, rc):
        self.assertEqual((counter.totals, counter.rc), (totals, rc), "\n".join(counter.lines))

    def test_cases_are_counted_from_each_targets_xml(self):
        # GoogleTest's cases, a cached target, and Bazel's own XML for a sh_test (one case).
        self.assertCounted(self.count(bazel("passing")), "4 passed, 0 failed, 0 skipped", 0)

    def test_totals_are_the_last_line_after_a_summary_of_what_ran(self):
        counter = self.count(bazel("passing"), fuzz("passed.txt"))
        self.assertEqual(counter.totals, "6 passed, 0 failed, 0 skipped")
        self.assertIn(ALL + ": 2 targets, 4 test cases (4 passed, 0 failed, 0 skipped)",
                      counter.lines)
        self.assertIn("fuzz targets: 2 fuzz targets (2 passed, 0 failed, 0 skipped)",
                      counter.lines)
        self.assertTrue(counter.has_line("4 distinct test cases and 2 fuzz targets"))

    def test_cases_outside_bazel_count_as_test_cases_not_fuzz_targets(self):
        # deploy/compose/ha_test.sh writes the fuzzers' format; --cases counts them as cases.
        counter = self.count(bazel("passing"),
                             ["--cases", "ha", fixture("fuzz", "one_failed.txt"), "1"])
        self.assertEqual((counter.totals, counter.rc), ("5 passed, 1 failed, 0 skipped", 1))
        self.assertIn("ha: 2 test cases (1 passed, 1 failed, 0 skipped)", counter.lines)
        self.assertTrue(counter.has_line("6 distinct test cases and 0 fuzz targets"))

    def test_skipped_and_disabled_gtest_cases_are_skipped_not_passed(self):
        # GTEST_SKIP (result="skipped", <skipped>) and DISABLED_ (status="notrun").
        counter = self.count(bazel("gtest_skips"))
        self.assertCounted(counter, "2 passed, 0 failed, 2 skipped", 0)
        self.assertIn("SKIPPED: //storage:postgres_store_test PostgresStoreTest.NeedsDatabase",
                      counter.lines)
        self.assertIn("SKIPPED: //storage:postgres_store_test PostgresStoreTest.DISABLED_Slow",
                      counter.lines)

    def test_a_target_whose_cases_all_skipped_passes_nothing(self):
        self.assertCounted(self.count(bazel("all_skipped_target")),
                           "1 passed, 0 failed, 2 skipped", 0)

    def test_a_run_where_everything_skipped_fails(self):
        self.assertCounted(self.count(bazel("only_skipped")), "0 passed, 0 failed, 2 skipped", 1)

    def test_skipped_python_tests_are_skipped_not_passed(self):
        # A Python test through junit_report: one passes, one is skipped by a decorator, one
        # never runs because its class's setUpClass skipped.
        work = tempfile.mkdtemp(dir=os.environ.get("TEST_TMPDIR"))
        try:
            xml = os.path.join(work, "testlogs", "tests", "python", "skipping_test", "test.xml")
            os.makedirs(os.path.dirname(xml))
            done = subprocess.run(
                [sys.executable, fixture("python_skips", "skipping_test.py"),
                 os.path.join(HERE, "python")],
                env=dict(os.environ, XML_OUTPUT_FILE=xml), capture_output=True, text=True)
            self.assertEqual(done.returncode, 0, done.stderr)
            self.assertEqual(done.stdout.splitlines()[-1], "1 passed, 0 failed, 2 skipped")
            counter = self.count(["--bazel", ALL, fixture("python_skips", "bazel.log"),
                                  os.path.join(work, "testlogs"), "0"])
            self.assertCounted(counter, "1 passed, 0 failed, 2 skipped", 0)
            self.assertTrue(counter.has_line("SkipsInSetUpClass.test_never_runs"))
        finally:
            shutil.rmtree(work)

    def test_a_test_class_left_out_of_the_run_list_is_a_failure(self):
        done = subprocess.run(
            [sys.executable, fixture("python_unlisted", "forgetful_test.py"),
             os.path.join(HERE, "python")], capture_output=True, text=True)
        self.assertEqual(done.returncode, 1, done.stdout)
        self.assertEqual(done.stdout.splitlines()[-1], "1 passed, 1 failed, 0 skipped")
        self.assertIn("Forgotten defines tests but is not in the list", done.stderr + done.stdout)

    def test_a_failed_case_is_a_failure(self):
        counter = self.count(bazel("failed_case", rc=3))
        self.assertCounted(counter, "2 passed, 1 failed, 0 skipped", 1)
        self.assertIn("FAILED: //server:config_test ConfigTest.Refuses", counter.lines)

    def test_a_target_that_failed_after_its_cases_passed_is_a_failure(self):
        self.assertCounted(self.count(bazel("crash_after_pass", rc=3)),
                           "2 passed, 1 failed, 0 skipped", 1)

    def test_flaky_is_not_a_pass(self):
        counter = self.count(bazel("flaky"))
        self.assertCounted(counter, "2 passed, 1 failed, 0 skipped", 1)
        self.assertTrue(counter.has_line("interceptor_integration_test FLAKY"))

    def test_failed_tests_without_a_summary_line_are_a_failure(self):
        # Exit code 3 (some tests failed), but no "//target  FAILED" line to count.
        self.assertCounted(self.count(bazel("failures_without_summary", rc=3)),
                           "0 passed, 1 failed, 0 skipped", 1)

    def test_a_nonzero_exit_no_failure_explains_is_a_failure(self):
        counter = self.count(bazel("unexplained_exit", rc=1))
        self.assertCounted(counter, "1 passed, 1 failed, 0 skipped", 1)
        self.assertTrue(counter.has_line("bazel exited 1, and no failed test explains it"))

    def test_a_build_error_before_any_test_is_a_failure(self):
        self.assertCounted(self.count(bazel("build_error", rc=1)),
                           "0 passed, 1 failed, 0 skipped", 1)

    def test_a_log_without_any_target_is_a_failure_even_with_exit_zero(self):
        self.assertCounted(self.count(bazel("no_summary"), fuzz("passed.txt")),
                           "2 passed, 1 failed, 0 skipped", 1)

    def test_timeouts_and_unbuilt_targets_fail_and_targets_bazel_skipped_are_skipped(self):
        counter = self.count(bazel("statuses", rc=3))
        self.assertCounted(counter, "1 passed, 4 failed, 1 skipped", 1)
        for failed in ("//server:server_postgres_test TIMEOUT",
                       "//server:config_test FAILED TO BUILD",
                       "//storage:postgres_store_test NO STATUS",
                       "//tests/login_flow:login_flow_test INCOMPLETE"):
            self.assertIn("FAILED: " + failed, counter.lines)
        self.assertIn("SKIPPED: //bench:boringssl_only_test SKIPPED", counter.lines)

    def test_a_target_without_a_readable_xml_is_one_case_with_its_status(self):
        # jws_test's XML is truncated, jwk_test has none: one passed case each.
        self.assertCounted(self.count(bazel("missing_xml")), "2 passed, 0 failed, 0 skipped", 0)

    def test_the_summary_tells_asan_reruns_from_distinct_cases(self):
        counter = self.count(bazel("asan_reruns"),
                             bazel("asan_reruns", name=ASAN, log="bazel-asan.log",
                                   testlogs="testlogs-asan"))
        self.assertCounted(counter, "5 passed, 0 failed, 0 skipped", 0)
        self.assertIn(ASAN + ": 1 targets, 2 test cases (2 passed, 0 failed, 0 skipped), "
                      "2 of them re-runs of cases counted before", counter.lines)
        self.assertTrue(counter.has_line("3 distinct test cases and 0 fuzz targets"))

    def test_each_run_of_runs_per_test_is_counted(self):
        counter = self.count(bazel("runs_per_test"))
        self.assertCounted(counter, "4 passed, 0 failed, 0 skipped", 0)
        self.assertTrue(counter.has_line("2 of them re-runs"))
        self.assertTrue(counter.has_line("2 distinct test cases"))

    def test_a_failed_fuzz_target_is_a_failure(self):
        counter = self.count(bazel("passing"), fuzz("one_failed.txt", rc=1))
        self.assertCounted(counter, "5 passed, 1 failed, 0 skipped", 1)
        self.assertIn("FAILED: jwks_fuzzer FAILED", counter.lines)

    def test_a_failure_carries_its_reason_to_the_summary(self):
        # Only FAILED may go on with words; "noise PASSED with words after it" is no case.
        counter = self.count(bazel("passing"), ["--cases", "ha", fixture(
            "fuzz", "failed_with_reason.txt"), "1"])
        self.assertCounted(counter, "5 passed, 1 failed, 0 skipped", 1)
        self.assertIn("FAILED: rolling_restart FAILED identity-2: exit 137 after 20.6 s, "
                      "drain not logged", counter.lines)

    def test_the_fuzz_scripts_nonzero_exit_without_a_failed_target_is_a_failure(self):
        self.assertCounted(self.count(bazel("passing"), fuzz("passed.txt", rc=1)),
                           "6 passed, 1 failed, 0 skipped", 1)

    def test_no_fuzz_result_is_a_failure(self):
        self.assertCounted(self.count(bazel("passing"), fuzz("empty.txt")),
                           "4 passed, 1 failed, 0 skipped", 1)

    def test_a_missing_fuzz_results_file_is_a_failure(self):
        self.assertCounted(self.count(bazel("passing"), fuzz("no-such-file.txt", rc=1)),
                           "4 passed, 1 failed, 0 skipped", 1)

    def test_bad_arguments_are_refused(self):
        counter = Counter(["--bazel", ALL, fixture("passing", "bazel.log")])
        self.assertNotEqual(counter.rc, 0)
        self.assertIn("usage", counter.stderr)


if __name__ == "__main__":
    sys.exit(0 if junit_report.run([SummarizeResultsTest], "summarize_results_test") else 1)
