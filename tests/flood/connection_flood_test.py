#!/usr/bin/python3
"""An HTTP connection flood cannot take gRPC down (issue 13, item 1; docs/http.md, "Bounds").

The real identity-server runs under a file-descriptor limit of 256 (RLIMIT_NOFILE 256:256, set
for the child only), on a PostgreSQL database of its own, with the HTTP listener on. The test opens more
keep-alive HTTP connections to /healthz than the process has descriptors, each with a request
sent, and holds them (--http-idle-timeout=1m keeps the server from reclaiming them meanwhile).
gRPC 1.51 stops accepting on a listening socket for good once accept4 fails with EMFILE, so
without a cap on HTTP connections new gRPC connections time out during the flood and most still
fail after it. Checked here: every new gRPC connection (a channel of its own, so a connection
of its own) answers KeyService/GetJwks during the flood and after it, the HTTP listener answers
at most its cap of those connections at a time, and it answers again once the flood ends.

Usage: /usr/bin/python3 connection_flood_test.py --server BINARY [-k PATTERN]
(IDENTITY_TEST_DATABASE_URL names the PostgreSQL the test creates its database on.)
Writes JUnit XML to $XML_OUTPUT_FILE when set and exits non-zero if a test fails.
"""

import json
import os
import re
import resource
import secrets
import select
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

import grpc

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import grpc_test_support as support  # noqa: E402  (tests/python)
import junit_report  # noqa: E402  (tests/python)

wait_until = support.wait_until

FD_LIMIT = 256
FLOOD = 300  # Keep-alive HTTP connections: more than the server has descriptors.
PROBES = 6  # New gRPC connections tried during the flood, and again after it.
CALL_TIMEOUT = 10  # Seconds per GetJwks call: wide, for a loaded machine.

server = None



class Server:
    def __init__(self, binary, work_dir, database_url):
        self.grpc_address = "127.0.0.1:%d" % support.free_port()
        self.http_port = support.free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("IDENTITY_")}
        env["IDENTITY_KEK"] = secrets.token_hex(32)
        # Idle flood connections are held, not reclaimed, for the test's length. (The
        # environment rather than a flag: a binary that predates the setting ignores it, so
        # the same test measures the code before the fix.)
        env["IDENTITY_HTTP_IDLE_TIMEOUT"] = "1m"
        self.log_path = os.path.join(work_dir, "identity-server.log")

        def limit_descriptors():  # In the child, before exec: its limit only.
            resource.setrlimit(resource.RLIMIT_NOFILE, (FD_LIMIT, FD_LIMIT))

        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [binary, "--store=postgres", "--database-url=" + database_url,
                 "--issuer=http://localhost",
                 "--grpc-listen=" + self.grpc_address,
                 "--http-listen=127.0.0.1:%d" % self.http_port],
                env=env, stdout=subprocess.DEVNULL, stderr=log, preexec_fn=limit_descriptors)
        wait_until("identity-server to answer gRPC", self.ready_or_exit)

    def ready_or_exit(self):
        if self.process.poll() is not None:
            raise SystemExit("identity-server exited with %d:\n%s"
                             % (self.process.returncode, self.log()))
        return self.new_connection_answers()

    def new_connection_answers(self):
        """Whether GetJwks succeeds on a new connection (a channel with its own subchannel pool
        shares no connection with any other channel of this process)."""
        channel = grpc.insecure_channel(self.grpc_address,
                                        options=[("grpc.use_local_subchannel_pool", 1)])
        try:
            get_jwks = channel.unary_unary("/identity.v1.KeyService/GetJwks",
                                           request_serializer=lambda _: b"",
                                           response_deserializer=lambda b: b)
            get_jwks(None, timeout=CALL_TIMEOUT)
            return True
        except grpc.RpcError:
            return False
        finally:
            channel.close()

    def open_descriptors(self):
        return len(os.listdir("/proc/%d/fd" % self.process.pid))

    def descriptor_limit(self):
        with open("/proc/%d/limits" % self.process.pid) as f:
            return int(re.search(r"Max open files\s+(\d+)", f.read()).group(1))

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def logged(self, msg):
        """The first JSON line with this `msg` (gRPC's own lines are not JSON)."""
        for line in self.log().splitlines():
            if not line.startswith("{"):
                continue
            entry = json.loads(line)
            if entry.get("msg") == msg:
                return entry
        return None

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=30)

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


GET_HEALTHZ = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"  # Keep-alive.


def answered(connections, seconds):
    """How many of `connections` have received an HTTP status line within `seconds`."""
    pending = {c: b"" for c in connections}
    done = 0
    deadline = time.monotonic() + seconds
    while pending and time.monotonic() < deadline:
        readable, _, _ = select.select(list(pending), [], [], 0.2)
        for c in readable:
            try:
                data = c.recv(4096)
            except OSError:
                data = b""
            if not data:
                del pending[c]
                continue
            pending[c] += data
            if pending[c].startswith(b"HTTP/1.1 200"):
                done += 1
                del pending[c]
    return done


class ConnectionFloodTest(unittest.TestCase):
    def test_new_grpc_connections_are_served_during_and_after_an_http_flood(self):
        self.assertEqual(server.descriptor_limit(), FD_LIMIT)
        flood = []
        try:
            for _ in range(FLOOD):
                c = socket.create_connection(("127.0.0.1", server.http_port), timeout=10)
                c.sendall(GET_HEALTHZ)
                flood.append(c)
            # At once, while the flood holds what it can: new gRPC connections.
            during, peak = 0, server.open_descriptors()
            for _ in range(PROBES):
                during += server.new_connection_answers()
                peak = max(peak, server.open_descriptors())
            # The listener answered up to its cap of them; the rest wait to be accepted.
            served = answered(flood, seconds=2)
        finally:
            for c in flood:
                c.close()
        after = sum(server.new_connection_answers() for _ in range(PROBES))
        with socket.create_connection(("127.0.0.1", server.http_port), timeout=10) as c:
            c.sendall(GET_HEALTHZ)
            http_after = answered([c], seconds=CALL_TIMEOUT)
        budget = server.logged("connection budget") or {}
        cap = budget.get("http_max_connections")
        print("flood of %d keep-alive HTTP connections under a limit of %d descriptors: %d "
              "answered (cap %s), server descriptors %d; new gRPC connections answered: %d/%d "
              "during the flood, %d/%d after it; HTTP after it: %d/1"
              % (FLOOD, FD_LIMIT, served, cap, peak, during, PROBES, after, PROBES, http_after))
        self.assertEqual(during, PROBES)
        self.assertEqual(after, PROBES)
        self.assertEqual(http_after, 1)
        self.assertIsNotNone(cap, "no connection budget line in the log")
        self.assertLess(cap, FD_LIMIT)
        self.assertGreater(served, 0)
        self.assertLessEqual(served, cap)
        self.assertLess(peak, FD_LIMIT)

    def test_sigterm_exits_zero(self):
        self.assertEqual(server.stop(), 0, server.log()[-3000:])


def main(argv):
    options = dict(zip(argv[::2], argv[1::2]))
    # --proto-root comes from the shared wrapper (tests/python/grpc_python_test.sh); unused.
    if len(argv) % 2 or not {"--server"} <= set(options) <= {"--server", "--proto-root", "-k"}:
        sys.stderr.write(__doc__)
        return 2
    shared_url = os.environ.get("IDENTITY_TEST_DATABASE_URL")
    if not shared_url:
        sys.stderr.write("IDENTITY_TEST_DATABASE_URL is not set: this test needs a PostgreSQL\n")
        return 1
    # This process holds the flood's sockets: more than a default soft limit may allow.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < 4 * FLOOD:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(4 * FLOOD, hard), hard))
    global server
    work_dir = tempfile.mkdtemp(dir=os.environ.get("TEST_TMPDIR"))
    passed = False
    database, database_url = support.create_database(shared_url, "identity_flood_")
    try:
        server = Server(options["--server"], work_dir, database_url)
        passed = junit_report.run([ConnectionFloodTest], "connection_flood_test",
                                  options.get("-k"))
    finally:
        if server is not None:
            server.kill()
            if not os.environ.get("XML_OUTPUT_FILE"):
                sys.stderr.write("--- identity-server log (tail)\n" + server.log()[-3000:])
        support.psql(shared_url, "DROP DATABASE IF EXISTS " + database)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
