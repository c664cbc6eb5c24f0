#!/usr/bin/python3
"""identity's libraries used from another Bazel workspace, as docs/interceptor.md documents.

examples/greeter becomes a workspace of its own in a temporary folder: its .bazelrc,
WORKSPACE.consumer
(as WORKSPACE, with its path to identity pointed at this checkout) and BUILD.consumer (as
BUILD.bazel). A Bazel server of its own (a temporary output base) builds greeter_server and
greeter_client from @identity//client/interceptor, @identity//jwt and identity's proto rule.
Then the cases of tests/python/greeter_checks.py run them against a real identity-server on a
scratch database of the test PostgreSQL (IDENTITY_TEST_DATABASE_URL): no token and a forged
token refused before the handler, a token without the scope PERMISSION_DENIED, an issued token
passes.

Runs outside Bazel (tests/run_all.sh), after identity-server and idctl are built:
  tests/bazel_consumer/bazel_consumer_test.py RESULTS_FILE
writes "<case> PASSED|FAILED" lines to RESULTS_FILE (tests/summarize_results.py) and exits
non-zero on any failure.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.realpath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "python"))
import greeter_checks  # noqa: E402
import grpc_test_support as support  # noqa: E402
import junit_report  # noqa: E402

WORK = tempfile.mkdtemp(prefix="identity-bazel-consumer-")
WORKSPACE = os.path.join(WORK, "greeter")
OUTPUT_BASE = os.path.join(WORK, "output_base")
TIMEOUT = 1200  # Seconds for the consumer's build (a cold compile of jwt/ and the interceptor).
DOCUMENTED_PATH = '"../identity"'  # What WORKSPACE.consumer says; the test points it here.
DATABASE_URL = None


def consumer_bazel(*args, timeout=TIMEOUT):
    return subprocess.run(["bazel", "--output_base=" + OUTPUT_BASE] + list(args), cwd=WORKSPACE,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=timeout)


def lay_out_workspace():
    """examples/greeter as a workspace of its own, from the files the docs name."""
    source = os.path.join(ROOT, "examples", "greeter")
    os.makedirs(WORKSPACE)
    for name in (".bazelrc", "greeter.proto", "greeter_server.cc", "greeter_client.cc"):
        shutil.copy(os.path.join(source, name), WORKSPACE)
    with open(os.path.join(source, "WORKSPACE.consumer")) as f:
        workspace = f.read()
    if workspace.count(DOCUMENTED_PATH) != 2:
        raise AssertionError("WORKSPACE.consumer no longer names %s twice" % DOCUMENTED_PATH)
    with open(os.path.join(WORKSPACE, "WORKSPACE"), "w") as f:
        f.write(workspace.replace(DOCUMENTED_PATH, '"%s"' % ROOT))
    shutil.copy(os.path.join(source, "BUILD.consumer"), os.path.join(WORKSPACE, "BUILD.bazel"))


def server_cpu_seconds():
    """CPU time of the consumer's Bazel server with its reaped children (the compilers)."""
    pid = consumer_bazel("info", "server_pid", timeout=120).stdout.strip().splitlines()[-1]
    try:
        with open("/proc/%s/stat" % pid) as f:
            fields = f.read().rpartition(")")[2].split()
    except OSError:
        return "?"
    ticks = sum(int(v) for v in fields[11:15])  # utime, stime, cutime, cstime
    return "%.0f" % (ticks / os.sysconf("SC_CLK_TCK"))


class BazelConsumer(greeter_checks.GreeterChecks):
    """greeter built by Bazel from @identity in a workspace of its own."""

    @classmethod
    def setUpClass(cls):
        lay_out_workspace()
        start = time.monotonic()
        # Offline here: a download attempt fails at once instead of waiting on the network.
        built = consumer_bazel("build", "--experimental_repository_disable_download",
                               "//:greeter_server", "//:greeter_client")
        with open(os.path.join(WORK, "consumer-build.log"), "w") as f:
            f.write(built.stdout)
        if built.returncode != 0:
            raise AssertionError("the consumer workspace does not build:\n" + built.stdout[-4000:])
        sys.stderr.write("bazel_consumer: greeter built from @identity in %.0f s, %s s of CPU "
                         "in the consumer's Bazel server and its compilers\n" % (
                             time.monotonic() - start, server_cpu_seconds()))
        bin_dir = os.path.join(WORKSPACE, "bazel-bin")
        cls.built = [os.path.join(bin_dir, n) for n in ("greeter_server", "greeter_client")]
        identity_bin = subprocess.run(["bazel", "info", "bazel-bin"], cwd=ROOT,
                                      capture_output=True, text=True, timeout=120).stdout.strip()
        cls.start_greeters(WORK, {"bazel": cls.built[0]}, cls.built[1],
                           os.path.join(identity_bin, "server/identity-server"),
                           os.path.join(identity_bin, "client/idctl/idctl"), DATABASE_URL)

    def test_binaries_come_from_the_consumer_workspace(self):
        for binary in self.built:
            self.assertTrue(os.path.realpath(binary).startswith(OUTPUT_BASE), binary)
            self.assertTrue(os.access(binary, os.X_OK), binary)


def clean_up():
    BazelConsumer.stop_processes()
    consumer_bazel("shutdown", timeout=120)
    subprocess.run(["chmod", "-R", "u+w", WORK], capture_output=True)
    shutil.rmtree(WORK, ignore_errors=True)


def main():
    global DATABASE_URL
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    shared_url = os.environ.get("IDENTITY_TEST_DATABASE_URL")
    if not shared_url:
        sys.stderr.write("IDENTITY_TEST_DATABASE_URL is not set: this test needs a PostgreSQL "
                         "(tests/run_all.sh starts one)\n")
        return 1  # No results file: tests/summarize_results.py counts the exit as a failure.
    database, DATABASE_URL = support.create_database(shared_url, "identity_bazel_")
    passed = False
    try:
        passed = junit_report.run([BazelConsumer], "bazel_consumer_test",
                                  results_path=sys.argv[1])
    finally:
        support.psql(shared_url, "DROP DATABASE IF EXISTS %s WITH (FORCE)" % database)
        if not passed:
            support.print_logs(WORK)
        clean_up()
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
