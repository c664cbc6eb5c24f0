#!/usr/bin/python3
"""Observability of the real identity-server, checked with the real tools.

- A private PostgreSQL cluster of this test's own (tests/postgres/postgres.sh), so the test can
  stop it and start it again: an outage of the database, not of a proxy.
- identity-server on it, with --http-listen (the front door), --management-listen (/metrics,
  /healthz, /readyz) and the log level at debug.
- Debian's Prometheus 2.42 scraping the server every second, with the project's alert rules
  (deploy/prometheus/alerts.yml) loaded, and its `promtool`.
- A Python gRPC client (python3-grpcio, stubs generated here from //proto and from the standard
  grpc.health.v1 protocol).

Checks: the operational endpoints are on the management listener and not on the front door;
`promtool check metrics` on a live scrape; after N Token requests (and M refused), PromQL
over Prometheus's own scrapes returns N (and M) in the domain and go-grpc-prometheus series; the
alert rules evaluate without error on live data; grpc.health.v1 and /readyz go NOT_SERVING while
PostgreSQL is stopped and SERVING again after it restarts, while /healthz stays up; every log line
is a JSON object, and no secret or token appears in any.

Usage: /usr/bin/python3 observability_test.py --server BINARY --root DIR [-k PATTERN]
DIR is the source (or runfiles) root holding proto/, tests/ and deploy/. Writes JUnit XML to
$XML_OUTPUT_FILE when set (Bazel convention) and exits non-zero if any test fails.
"""

import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

import grpc

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import grpc_test_support as support  # noqa: E402  (tests/python)
import junit_report  # noqa: E402  (tests/python)

wait_until = support.wait_until

ISSUER = "https://id.example"
KEK = secrets.token_hex(32)
N_ISSUED = 25  # Token requests that succeed.
M_REFUSED = 4  # Token requests with a wrong secret: fewer than the 5 free failures
# of client authentication (server/oauth/client_auth_throttle.h), so none is throttled.

root = None
cluster = None
server = None
prometheus = None



def http_get(url, timeout=5):
    """(status, body) of a GET; HTTP errors are results, not exceptions."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def generate_stubs(out_dir):
    support.compile_protos([os.path.join(root, "proto"), os.path.join(root, "tests", "observability")],
                           ["identity/v1/token.proto", "health.proto"], out_dir)
    global token_pb2, token_pb2_grpc, health_pb2, health_pb2_grpc
    import health_pb2
    import health_pb2_grpc
    from identity.v1 import token_pb2, token_pb2_grpc


class Cluster:
    """A PostgreSQL cluster of this test's own, on a fixed port so it can come back there."""

    def __init__(self, work_dir):
        self.script = os.path.join(root, "tests", "postgres", "postgres.sh")
        # postgres must reach the directory: not under Bazel's (root-only) output base.
        self.dir = tempfile.mkdtemp(prefix="identity-obs-pg.", dir="/tmp")
        self.port = support.free_port()
        self.url = None
        self.start()

    def start(self):
        done = subprocess.run([self.script, "start", self.dir, str(self.port)],
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError("postgres.sh start failed: " + done.stderr)
        self.url = re.search(r"IDENTITY_TEST_DATABASE_URL=(\S+)", done.stdout).group(1)

    def halt(self):
        subprocess.run([self.script, "halt", self.dir], check=True)

    def remove(self):
        subprocess.run([self.script, "stop", self.dir], check=False)


class Server:
    def __init__(self, binary, database_url, work_dir):
        self.grpc_address = "127.0.0.1:%d" % support.free_port()
        self.http_port = support.free_port()
        self.http = "http://127.0.0.1:%d" % self.http_port  # The front door.
        self.management_port = support.free_port()
        self.management = "http://127.0.0.1:%d" % self.management_port
        self.client_id = "obs-" + secrets.token_hex(4)
        self.client_secret = "obs-secret-" + secrets.token_hex(16)
        env = {k: v for k, v in os.environ.items() if not k.startswith("IDENTITY_")}
        env.update(IDENTITY_KEK=KEK, IDENTITY_BOOTSTRAP_ADMIN_CLIENT_ID=self.client_id,
                   IDENTITY_BOOTSTRAP_ADMIN_CLIENT_SECRET=self.client_secret)
        self.log_path = os.path.join(work_dir, "identity-server.log")
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [binary, "--store=postgres", "--database-url=" + database_url,
                 "--grpc-listen=" + self.grpc_address, "--issuer=" + ISSUER,
                 "--http-listen=127.0.0.1:%d" % self.http_port,
                 "--management-listen=127.0.0.1:%d" % self.management_port,
                 "--log-level=debug",
                 "--health-check-interval=200ms",
                 # Every call reads the database: an outage shows at once.
                 "--store-cache-ttl=0"],
                env=env, stdout=subprocess.DEVNULL, stderr=log)
        self.channel = grpc.insecure_channel(self.grpc_address)
        self.tokens = token_pb2_grpc.TokenServiceStub(self.channel)
        self.health = health_pb2_grpc.HealthStub(self.channel)
        wait_until("identity-server to be ready", self.ready_or_exit)

    def ready_or_exit(self):
        if self.process.poll() is not None:
            raise SystemExit("identity-server exited with %d:\n%s"
                             % (self.process.returncode, self.log()))
        return http_get(self.management + "/readyz", timeout=1)[0] == 200

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def token(self, secret):
        return self.tokens.Token(token_pb2.TokenRequest(
            grant_type="client_credentials", client_id=self.client_id, client_secret=secret),
            timeout=10)

    def health_status(self):
        try:
            return self.health.Check(health_pb2.HealthCheckRequest(), timeout=2).status
        except grpc.RpcError as e:
            return e.code()

    def stop(self):
        self.channel.close()
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=20)

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


class Prometheus:
    def __init__(self, target, work_dir):
        self.port = support.free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        rules = os.path.join(work_dir, "alerts.yml")
        shutil.copy(os.path.join(root, "deploy", "prometheus", "alerts.yml"), rules)
        config = os.path.join(work_dir, "prometheus.yml")
        with open(config, "w") as f:
            f.write("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                    "rule_files:\n  - %s\n"
                    "scrape_configs:\n  - job_name: identity\n"
                    "    static_configs:\n      - targets: ['%s']\n" % (rules, target))
        self.log_path = os.path.join(work_dir, "prometheus.log")
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                ["/usr/bin/prometheus", "--config.file=" + config,
                 "--storage.tsdb.path=" + os.path.join(work_dir, "tsdb"),
                 "--web.listen-address=127.0.0.1:%d" % self.port],
                stdout=log, stderr=subprocess.STDOUT)

    def query(self, promql):
        """The values of an instant query, as floats."""
        status, body = http_get(self.url + "/api/v1/query?" +
                                urllib.parse.urlencode({"query": promql}))
        if status != 200:
            raise RuntimeError("query %r: HTTP %d %s" % (promql, status, body))
        return [float(r["value"][1]) for r in json.loads(body)["data"]["result"]]

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


class ObservabilityTest(unittest.TestCase):
    """In order: metrics, Prometheus, health through an outage, logs."""

    def test_0_operational_endpoints_are_off_the_front_door(self):
        for path in ("/metrics", "/healthz", "/readyz"):
            self.assertEqual(http_get(server.management + path)[0], 200, path)
            self.assertEqual(http_get(server.http + path)[0], 404, path)
        self.assertEqual(http_get(server.http + "/jwks")[0], 200)  # The front door serves.

    def test_1_promtool_accepts_a_live_scrape(self):
        server.token(server.client_secret)  # Some series with labels.
        status, body = http_get(server.management + "/metrics")
        self.assertEqual(status, 200)
        done = subprocess.run(["/usr/bin/promtool", "check", "metrics"], input=body,
                              capture_output=True, text=True)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        for name in ("grpc_server_handled_total", "grpc_server_handling_seconds_bucket",
                     "identity_tokens_issued_total", "identity_signing_key_age_seconds",
                     "identity_db_pool_connections", "identity_db_query_duration_seconds_bucket",
                     "identity_db_up", "process_resident_memory_bytes"):
            self.assertIn("\n" + name, body)

    def test_2_prometheus_counts_the_token_requests(self):
        # The bootstrap client is unique to this run: its counts start from zero.
        for _ in range(N_ISSUED):
            server.token(server.client_secret)
        for _ in range(M_REFUSED):
            with self.assertRaises(grpc.RpcError) as refused:
                server.token("wrong")
            self.assertEqual(refused.exception.code(), grpc.StatusCode.UNAUTHENTICATED)
        # test_1 issued one token before: N + 1 in all.
        issued = 'sum(identity_tokens_issued_total{job="identity",grant_type="client_credentials",' \
                 'client_id="%s"})' % server.client_id
        wait_until("Prometheus to see %d tokens" % (N_ISSUED + 1),
                   lambda: prometheus.query(issued) == [N_ISSUED + 1], seconds=60)
        self.assertEqual(prometheus.query(
            'sum(identity_token_errors_total{grant_type="client_credentials",'
            'error="invalid_client"})'), [M_REFUSED])
        # go-grpc-prometheus's series, with Go's code names.
        self.assertEqual(prometheus.query(
            'sum(grpc_server_handled_total{grpc_service="identity.v1.TokenService",'
            'grpc_method="Token",grpc_code="OK",grpc_type="unary"})'), [N_ISSUED + 1])
        self.assertEqual(prometheus.query(
            'sum(grpc_server_handled_total{grpc_method="Token",grpc_code="Unauthenticated"})'),
            [M_REFUSED])
        self.assertEqual(prometheus.query(
            'sum(grpc_server_handling_seconds_count{grpc_method="Token"})'),
            [N_ISSUED + 1 + M_REFUSED])

    def test_3_alert_rules_evaluate_on_live_data(self):
        def evaluated():
            status, body = http_get(prometheus.url + "/api/v1/rules")
            groups = json.loads(body)["data"]["groups"]
            rules = [r for g in groups for r in g["rules"]]
            return rules if rules and all(r.get("lastEvaluation", "").startswith("20")
                                          and not r["lastEvaluation"].startswith("0001")
                                          for r in rules) else None
        rules = wait_until("every rule to be evaluated", evaluated, seconds=30)
        broken = [(r["name"], r.get("lastError")) for r in rules if r["health"] != "ok"]
        self.assertEqual(broken, [])
        # A healthy server fires no alert.
        firing = prometheus.query('ALERTS{alertstate="firing"}')
        self.assertEqual(firing, [])

    def test_4_health_follows_postgres_through_an_outage(self):
        serving = health_pb2.HealthCheckResponse.SERVING
        not_serving = health_pb2.HealthCheckResponse.NOT_SERVING
        self.assertEqual(server.health_status(), serving)
        self.assertEqual(http_get(server.management + "/readyz")[0], 200)
        cluster.halt()
        try:
            wait_until("NOT_SERVING", lambda: server.health_status() == not_serving)
            self.assertEqual(http_get(server.management + "/readyz")[0], 503)
            # Alive all the same.
            self.assertEqual(http_get(server.management + "/healthz")[0], 200)
            self.assertIn("\nidentity_db_up 0\n", http_get(server.management + "/metrics")[1])
            with self.assertRaises(grpc.RpcError) as down:
                server.token(server.client_secret)
            self.assertEqual(down.exception.code(), grpc.StatusCode.UNAVAILABLE)
        finally:
            cluster.start()
        wait_until("SERVING again", lambda: server.health_status() == serving)
        self.assertEqual(http_get(server.management + "/readyz")[0], 200)
        self.assertIn("\nidentity_db_up 1\n", http_get(server.management + "/metrics")[1])
        wait_until("a token again", lambda: server.token(server.client_secret).access_token)

    def test_5_logs_are_json_lines_without_secrets(self):
        token = server.token(server.client_secret).access_token
        time.sleep(0.5)  # The call's line is written as its status is sent.
        lines = server.log().splitlines()
        self.assertGreater(len(lines), N_ISSUED)
        for line in lines:
            entry = json.loads(line)  # Every line is one JSON object.
            self.assertTrue({"time", "level", "msg"} <= set(entry), line)
        text = "\n".join(lines)
        self.assertNotIn(server.client_secret, text)
        self.assertNotIn(token, text)
        self.assertNotIn(token.split(".")[2], text)  # Not even the signature.
        calls = [json.loads(l) for l in lines if '"msg":"grpc call"' in l]
        token_calls = [c for c in calls if c["method"] == "/identity.v1.TokenService/Token"]
        self.assertGreaterEqual(len(token_calls), N_ISSUED + M_REFUSED)
        for call in token_calls:
            self.assertEqual(call["client_id"], server.client_id)
            self.assertTrue(call["request_id"])
            self.assertGreaterEqual(call["latency_ms"], 0)
        self.assertIn("UNAUTHENTICATED", {c["status"] for c in token_calls})
        levels = {l["msg"]: l["level"] for l in map(json.loads, lines)}
        self.assertEqual(levels.get("not ready"), "warn")
        self.assertEqual(levels.get("ready"), "info")


class ShutdownTest(unittest.TestCase):
    def test_sigterm_exits_zero(self):
        self.assertEqual(server.stop(), 0, server.log())


def main(argv):
    options = dict(zip(argv[::2], argv[1::2]))
    if len(argv) % 2 or not {"--server", "--root"} <= set(options) <= {"--server", "--root", "-k"}:
        sys.stderr.write(__doc__)
        return 2
    global root, cluster, server, prometheus
    root = options["--root"]
    work_dir = tempfile.mkdtemp(dir=os.environ.get("TEST_TMPDIR"))
    generate_stubs(os.path.join(work_dir, "stubs"))
    try:
        cluster = Cluster(work_dir)
        server = Server(options["--server"], cluster.url, work_dir)
        prometheus = Prometheus("127.0.0.1:%d" % server.management_port, work_dir)
        wait_until("Prometheus to scrape identity",
                   lambda: prometheus.query('up{job="identity"}') == [1.0], seconds=60)
        passed = junit_report.run([ObservabilityTest, ShutdownTest], "observability_test",
                                  options.get("-k"))
    finally:
        for part in (prometheus, server):
            if part is not None:
                try:
                    part.kill() if part is server else part.stop()
                except Exception:  # noqa: BLE001
                    pass
        if server is not None and not os.environ.get("XML_OUTPUT_FILE"):
            sys.stderr.write("--- identity-server log (tail)\n" + server.log()[-3000:])
        if cluster is not None:
            cluster.remove()
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
