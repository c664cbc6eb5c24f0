"""A PostgreSQL failover under load (issue 14, "PostgreSQL high availability").

Two identity-server processes share a Patroni cluster (deploy/patroni/cluster.sh: one etcd, a
primary and a synchronous replica, TTL 10 s) through a multi-host URL with
target_session_attrs=read-write. Bounded load on both over HTTP (loopback only): client_credentials
Token, Introspect and JWKS, which need no write, readiness (/readyz), and Revoke, which writes.
Then SIGKILL of the primary's Patroni and PostgreSQL. Measured: failed calls per kind, how long a
failed write took, the time from the kill until writes succeed again on both servers. Proved
afterwards: every token issued verifies against the JWKS of both servers, the signing keys are
those from before the kill (none lost, none added, one current and one next per algorithm), every
acknowledged revocation is in the new primary.

Writes one line per case, "<case> PASSED|FAILED", to --results (tests/summarize_results.py), and
the figures as JSON to --figures when given. Exit status: 0 when every case passed.
"""

import argparse
import base64
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import jwt  # PyJWT (python3-jwt): an independent verifier.

ISSUER = "https://id.example"
CALL_TIMEOUT = 5.0  # Seconds, each HTTP call.
PAUSE = 0.05  # Seconds between one worker's calls.
MAX_CALLS_PER_WORKER = 2000  # Bounds the load whatever the timings.
FAIL_FAST_BOUND = 3.0  # Seconds: a failed write must fail within this.
LOAD_BEFORE_KILL = 3.0  # Seconds of load before the kill.
RECOVERY_BOUND_TTLS = 2  # Writes must be back within this many TTLs of the kill.
LOAD_AFTER_RECOVERY = 2.0  # Seconds of load once writes are back everywhere.


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method, url, form=None, auth=None):
    """(status, body, seconds). Errors are results: 0 when nothing answered."""
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    if auth is not None:
        basic = "%s:%s" % tuple(urllib.parse.quote(part, safe="") for part in auth)
        request.add_header("Authorization", "Basic " + base64.b64encode(basic.encode()).decode())
    start = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=CALL_TIMEOUT) as response:
            return response.status, response.read().decode(), time.monotonic() - start
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace"), time.monotonic() - start
    except (OSError, urllib.error.URLError) as e:
        return 0, str(e), time.monotonic() - start


def wait_until(what, predicate, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise RuntimeError("%s: not within %d s" % (what, seconds))


class Server:
    def __init__(self, binary, database_url, work_dir, name, client, kek):
        self.name = name
        self.client = client
        port = free_port()
        self.base = "http://127.0.0.1:%d" % port
        self.management = "http://127.0.0.1:%d" % free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("IDENTITY_")}
        env.update(IDENTITY_KEK=kek, IDENTITY_BOOTSTRAP_ADMIN_CLIENT_ID=client[0],
                   IDENTITY_BOOTSTRAP_ADMIN_CLIENT_SECRET=client[1])
        self.log_path = os.path.join(work_dir, name + ".log")
        with open(self.log_path, "wb") as log:
            # Defaults otherwise: --store-cache-ttl 5s, --store-stale-if-error 30s,
            # --key-refresh-interval 30s, the pool's timeouts.
            self.process = subprocess.Popen(
                [binary, "--store=postgres", "--database-url=" + database_url,
                 "--grpc-listen=127.0.0.1:%d" % free_port(), "--issuer=" + ISSUER,
                 "--http-listen=127.0.0.1:%d" % port,
                 "--management-listen=" + self.management[len("http://"):]],
                env=env, stdout=subprocess.DEVNULL, stderr=log)
        wait_until(name + " ready", self.ready, 90)

    def ready(self):
        if self.process.poll() is not None:
            raise RuntimeError("%s exited with %d:\n%s" % (self.name, self.process.returncode,
                                                           self.log()[-3000:]))
        return http("GET", self.management + "/readyz")[0] == 200

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def token(self):
        return http("POST", self.base + "/token", {"grant_type": "client_credentials"},
                    self.client)

    def introspect(self, token):
        return http("POST", self.base + "/introspect", {"token": token}, self.client)

    def revoke(self, token):
        return http("POST", self.base + "/revoke", {"token": token}, self.client)

    def jwks(self):
        return http("GET", self.base + "/jwks")

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


class Load:
    """Workers per server and kind; every call recorded as (kind, server, start, ok, status, s)."""

    KINDS = ("token", "introspect", "jwks", "readyz", "revoke")

    def __init__(self, servers):
        self.servers = servers
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.calls = []
        self.tokens = []  # Every access token issued.
        self.revoked = []  # jti of every revocation acknowledged (200).
        self.threads = []
        self.standing = {}  # Per server: a token introspected throughout (never revoked).
        for server in servers:
            status, body, _ = server.token()
            if status != 200:
                raise RuntimeError("%s: warm-up token: %d %s" % (server.name, status, body))
            self.standing[server.name] = json.loads(body)["access_token"]
            self.tokens.append(self.standing[server.name])

    def record(self, kind, server, start, ok, status, seconds, body):
        with self.lock:
            self.calls.append((kind, server.name, start, ok, status, seconds,
                               "" if ok else body[:200]))

    def worker(self, server, kind):
        for _ in range(MAX_CALLS_PER_WORKER):
            if self.stop.is_set():
                return
            start = time.monotonic()
            if kind == "token":
                status, body, seconds = server.token()
                ok = status == 200
                if ok:
                    with self.lock:
                        self.tokens.append(json.loads(body)["access_token"])
            elif kind == "introspect":
                status, body, seconds = server.introspect(self.standing[server.name])
                ok = status == 200 and json.loads(body).get("active") is True
            elif kind == "jwks":
                status, body, seconds = server.jwks()
                ok = status == 200 and len(json.loads(body).get("keys", [])) >= 1
            elif kind == "readyz":
                status, body, seconds = http("GET", server.management + "/readyz")
                ok = status == 200
            else:
                # A token to revoke comes from the standing one's kind of call, not counted:
                # only the revocation, a write, is.
                issued, body, _ = server.token()
                if issued != 200:
                    time.sleep(PAUSE)
                    continue
                token = json.loads(body)["access_token"]
                with self.lock:
                    self.tokens.append(token)
                status, body, seconds = server.revoke(token)
                ok = status == 200
                if ok:
                    jti = jwt.decode(token, options={"verify_signature": False})["jti"]
                    with self.lock:
                        self.revoked.append(jti)
            self.record(kind, server, start, ok, status, seconds, body)
            time.sleep(PAUSE)

    def start(self):
        for server in self.servers:
            for kind in self.KINDS:
                thread = threading.Thread(target=self.worker, args=(server, kind), daemon=True)
                thread.start()
                self.threads.append(thread)

    def finish(self):
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=CALL_TIMEOUT * 3)

    def snapshot(self):
        with self.lock:
            return list(self.calls)


def cluster(script, *args):
    done = subprocess.run([script, *args], capture_output=True, text=True, timeout=150)
    if done.returncode != 0:
        raise RuntimeError("cluster.sh %s: %s" % (" ".join(args), done.stderr[-3000:]))
    return done.stdout


def psql(url, sql):
    done = subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-Atc", sql],
                          capture_output=True, text=True, timeout=30)
    if done.returncode != 0:
        raise RuntimeError("psql: " + done.stderr)
    return [line for line in done.stdout.splitlines() if line]


def signing_keys(url):
    """(kid, state, alg) of every signing key in the store."""
    return sorted(tuple(row.split("|")) for row in psql(
        url, "SELECT kid, state, alg FROM signing_keys ORDER BY kid"))


def verify_all(tokens, jwks_by_server):
    """The tokens that do not verify against every server's JWKS."""
    bad = []
    sets = {name: jwt.PyJWKSet.from_dict(jwks) for name, jwks in jwks_by_server.items()}
    for token in tokens:
        header = jwt.get_unverified_header(token)
        for name, keyset in sets.items():
            try:
                key = next(k for k in keyset.keys if k.key_id == header["kid"])
                jwt.decode(token, key.key, algorithms=[header["alg"]],
                           options={"verify_aud": False, "verify_exp": False}, issuer=ISSUER)
            except Exception as e:  # pylint: disable=broad-except
                bad.append((name, header.get("kid"), repr(e)))
    return bad


def summarize(calls, kill_at, ttl):
    figures = {}
    for kind in Load.KINDS:
        mine = [c for c in calls if c[0] == kind]
        failed = [c for c in mine if not c[3]]
        figures[kind] = {
            "calls": len(mine),
            "failed": len(failed),
            "failed_statuses": sorted({c[4] for c in failed}),
            "max_seconds": round(max((c[5] for c in mine), default=0), 3),
            "max_failed_seconds": round(max((c[5] for c in failed), default=0), 3),
            "calls_after_kill": len([c for c in mine if c[2] >= kill_at]),
            "failure_samples": sorted({c[6] for c in failed})[:3],
        }
    # Writes: per server, the first success after the last failure, from the kill.
    recovery = {}
    for name in sorted({c[1] for c in calls}):
        writes = sorted((c for c in calls if c[0] == "revoke" and c[1] == name),
                        key=lambda c: c[2])
        failed = [c for c in writes if not c[3] and c[2] >= kill_at]
        last_failure = failed[-1][2] if failed else kill_at
        back = [c for c in writes if c[3] and c[2] > last_failure]
        recovery[name] = {
            "failed_after_kill": len(failed),
            "first_failure_s": round(failed[0][2] - kill_at, 3) if failed else None,
            "recovered_s": round(back[0][2] + back[0][5] - kill_at, 3) if back else None,
        }
    figures["write_recovery"] = recovery
    figures["ttl_s"] = ttl
    return figures


def run(args, results):
    ttl = int(os.environ.get("PATRONI_TTL", "10"))
    work_dir = tempfile.mkdtemp(prefix="identity-ha-test.")
    cluster_dir = tempfile.mkdtemp(prefix="identity-ha.", dir="/tmp")
    servers = []
    load = None
    figures = {}
    try:
        started = time.monotonic()
        env = cluster(args.cluster, "start", cluster_dir)
        url = next(line.split("=", 1)[1] for line in env.splitlines()
                   if line.startswith("export IDENTITY_HA_DATABASE_URL="))
        figures["cluster_start_s"] = round(time.monotonic() - started, 1)
        results.case("ha.cluster_up", "Patroni cluster up (etcd, primary, synchronous replica)",
                     True)

        client = ("ha-" + secrets.token_hex(4), "ha-secret-" + secrets.token_hex(16))
        kek = secrets.token_hex(32)
        for name in ("identity-a", "identity-b"):
            servers.append(Server(args.server, url, work_dir, name, client, kek))
        keys_before = signing_keys(url)

        load = Load(servers)
        load.start()
        time.sleep(LOAD_BEFORE_KILL)
        kill_at = time.monotonic()
        killed = cluster(args.cluster, "kill-primary", cluster_dir).strip()
        cluster(args.cluster, "wait-primary", cluster_dir, "60")
        figures["new_primary_s"] = round(time.monotonic() - kill_at, 3)
        figures["killed"] = killed

        # Until writes succeed again on both servers (bounded), then a little more load.
        def writes_back():
            calls = load.snapshot()
            return all(any(c[0] == "revoke" and c[1] == s.name and c[3] and
                           c[2] > kill_at + figures["new_primary_s"] for c in calls)
                       for s in servers)
        try:
            wait_until("writes back on both servers", writes_back, 60)
        except RuntimeError:
            pass  # Measured below as not recovered.
        time.sleep(LOAD_AFTER_RECOVERY)
        load.finish()
        calls = load.snapshot()
        figures.update(summarize(calls, kill_at, ttl))

        for kind, label in (("token", "client_credentials Token"), ("introspect", "Introspect"),
                            ("jwks", "JWKS"), ("readyz", "readiness (/readyz)")):
            f = figures[kind]
            results.case("ha.%s_zero_failures" % kind,
                         "%s, zero failed calls through the failover" % label,
                         f["failed"] == 0 and f["calls_after_kill"] > 0, f)
        w = figures["revoke"]
        results.case("ha.writes_fail_fast",
                     "writes (Revoke) fail fast during the failover: 503, each within %g s"
                     % FAIL_FAST_BOUND,
                     set(w["failed_statuses"]) <= {503} and w["max_seconds"] < FAIL_FAST_BOUND,
                     w)
        recovered = [r["recovered_s"] for r in figures["write_recovery"].values()]
        results.case("ha.writes_recover",
                     "writes succeed again on both servers within %d s of the kill, no restart"
                     % (RECOVERY_BOUND_TTLS * ttl),
                     all(r is not None and r < RECOVERY_BOUND_TTLS * ttl for r in recovered) and
                     all(s.process.poll() is None for s in servers), figures["write_recovery"])

        jwks = {}
        for server in servers:
            status, body, _ = server.jwks()
            jwks[server.name] = json.loads(body) if status == 200 else {"keys": []}
        bad = verify_all(load.tokens, jwks)
        figures["tokens_verified"] = len(load.tokens)
        results.case("ha.tokens_verify",
                     "every token issued verifies against the JWKS of both servers",
                     not bad and len(load.tokens) > 0, {"tokens": len(load.tokens), "bad": bad[:5]})

        keys_after = signing_keys(url)
        published = [sorted(k["kid"] for k in j["keys"]) for j in jwks.values()]
        algs = sorted({alg for _, _, alg in keys_after})
        per_alg = {alg: sorted(state for _, state, a in keys_after if a == alg) for alg in algs}
        results.case("ha.signing_keys_kept",
                     "no signing key lost or doubled (the same keys before and after, "
                     "one current and one next per algorithm, all published)",
                     keys_after == keys_before and bool(algs) and
                     all(states.count("current") == 1 and states.count("next") == 1
                         for states in per_alg.values()) and
                     all(p == sorted(kid for kid, _, _ in keys_after) for p in published),
                     {"before": keys_before, "after": keys_after, "published": published})

        revoked = sorted(set(load.revoked))
        figures["revocations_acknowledged"] = len(revoked)
        found = 0
        for i in range(0, len(revoked), 500):
            chunk = ",".join("'%s'" % jti for jti in revoked[i:i + 500])
            found += int(psql(url, "SELECT count(*) FROM revoked_tokens WHERE jti IN (%s)"
                              % chunk)[0])
        results.case("ha.revocations_kept",
                     "every acknowledged revocation survived the failover",
                     len(revoked) > 0 and found == len(revoked),
                     {"acknowledged": len(revoked), "found": found})
    except Exception as e:  # pylint: disable=broad-except
        results.error(e)
    finally:
        if load is not None:
            load.finish()
        for server in servers:
            server.stop()
        if not all(line.endswith(" PASSED") for line in results.lines):
            for server in servers:
                print("--- %s log (tail) ---\n%s" % (server.name, server.log()[-3000:]),
                      file=sys.stderr)
        if os.environ.get("IDENTITY_HA_KEEP_LOGS"):
            print("server logs kept in " + work_dir, file=sys.stderr)
        else:
            shutil.rmtree(work_dir, ignore_errors=True)
        try:
            cluster(args.cluster, "stop", cluster_dir)
        except Exception as e:  # pylint: disable=broad-except
            print("cluster stop: %s" % e, file=sys.stderr)
    return figures


class Results:
    def __init__(self, path):
        self.path = path
        self.lines = []

    def case(self, key, description, passed, detail=None):
        """`key`: one word, as tests/summarize_results.py reads "<case> PASSED|FAILED" lines."""
        line = "%s %s" % (key, "PASSED" if passed else "FAILED")
        print("%s  %s%s" % (line, description, "" if detail is None else "  " + json.dumps(detail)))
        self.lines.append(line)

    def error(self, e):
        print("error: %s" % e, file=sys.stderr)
        self.case("ha.ran_to_the_end", "the test ran to the end (%s)" % type(e).__name__,
                  False)

    def write(self):
        with open(self.path, "w") as f:
            f.write("".join(line + "\n" for line in self.lines))
        return all(line.endswith(" PASSED") for line in self.lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", required=True, help="identity-server binary")
    parser.add_argument("--cluster", required=True, help="deploy/patroni/cluster.sh")
    parser.add_argument("--results", required=True)
    parser.add_argument("--figures")
    args = parser.parse_args()
    results = Results(args.results)
    started = time.monotonic()
    figures = run(args, results)
    figures["total_s"] = round(time.monotonic() - started, 1)
    print(json.dumps(figures, indent=1, sort_keys=True))
    if args.figures:
        with open(args.figures, "w") as f:
            json.dump(figures, f, indent=1, sort_keys=True)
    return 0 if results.write() else 1


if __name__ == "__main__":
    sys.exit(main())
