#!/usr/bin/python3
"""End-to-end test of the OAuth 2.0 Device Authorization Grant (RFC 8628): two real
identity-server processes on one real PostgreSQL database, driven by independent clients.

Nothing of ours on the client side but the .proto files (for the gRPC calls and the admin set-up):
the "browser" is Python's urllib with a cookie jar (no JavaScript: the pages need none), the
device is plain HTTP (urllib) or Debian's python3-grpcio, tokens are verified with PyJWT
(python3-jwt) against the servers' /jwks, and `idctl login --device` is run as a child process.
Server A serves the verification URI (its /device pages); the device polls server B (or A), so
every rule that must hold across replicas is shown across two processes:

  - the whole flow: POST /device_authorization on B, authorization_pending on B, the user types
    the code at A's /device (pre-filled from verification_uri_complete), signs in, sees the
    client and scopes and approves; the token from A, verified with PyJWT; the device code is
    single-use (a poll on B after the redemption on A is invalid_grant); the refresh token works;
  - slow_down shared by the replicas: a poll on A right after one on B slows the device down,
    and the new interval (5 s more) is in the database;
  - denial (access_denied), a confidential client over gRPC (Basic metadata, no refresh token),
    a live browser session skipping the sign-in, the missing CSRF token refused;
  - 20 concurrent polls of one approved device code spread over both servers: one token;
  - guessing user codes: 20 wrong codes from one forwarded source, split over both servers,
    then the 21st refused with 429 (the throttle's counters are in PostgreSQL);
  - idctl login --device against server B, approved in the browser at A;
  - a third-party client: approving at A records the consent (listed through B) and the poll
    gets tokens; consent withdrawn through B between approval and poll: invalid_grant on A;
  - the approving login session records a client with a backchannel_logout_uri: ending the
    session through B delivers a logout token to a receiver on loopback, and the grant's refresh
    token is refused by both servers;
  - a public client's authorizations bounded per source across both servers (429, Retry-After);
    slow_down answered with Retry-After;
  - no device code, user code or password in either server's log or in any database column.

Usage: /usr/bin/python3 device_flow_test.py --server BINARY --proto-root DIR --idctl BINARY
[-k PATTERN]. Needs IDENTITY_TEST_DATABASE_URL (a PostgreSQL where it may CREATE DATABASE).
Writes JUnit XML to $XML_OUTPUT_FILE when set and exits non-zero if any test fails.
"""

import html
import http.server
from http import cookiejar
import json
import os
import re
import secrets
import select
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

import grpc
import jwt

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import grpc_test_support as support  # noqa: E402  (tests/python)
import identity_process  # noqa: E402  (tests/python)
import junit_report  # noqa: E402  (tests/python)

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
AUDIENCE = "orders-api"
ADMIN_SCOPE = "identity.admin"
ERROR_DOMAIN = "identity.dev"
KEK = secrets.token_hex(32)
RPC_TIMEOUT = 30
HTTP_TIMEOUT = 30
INTERVAL = 1  # --device-poll-interval, seconds.
PROTOS = ["google/rpc/status.proto", "google/rpc/error_details.proto",
          "identity/v1/token.proto", "identity/v1/admin.proto"]

servers = []    # [A, B]
world = None
idctl_binary = None
database_url = None
SEEN = {}       # label -> secret value: none may reach a log line or a column.


def remember(label, value):
    if value:
        SEEN["%s #%d" % (label, len(SEEN))] = value
    return value


def generate_stubs(proto_root, out_dir):
    support.compile_protos([proto_root], PROTOS, out_dir)
    global status_pb2, error_details_pb2, token_pb2, token_pb2_grpc, admin_pb2, admin_pb2_grpc
    from google.rpc import error_details_pb2, status_pb2
    from identity.v1 import admin_pb2, admin_pb2_grpc, token_pb2, token_pb2_grpc


class Server(identity_process.IdentityProcess):
    """identity-server with the device flow's settings and the stubs this test calls."""

    def __init__(self, name, binary, url, work_dir, issuer, http_port, admin_id, admin_secret):
        super().__init__(
            name, binary, url, work_dir, issuer, AUDIENCE,
            {"IDENTITY_KEK": KEK, "IDENTITY_BOOTSTRAP_ADMIN_CLIENT_ID": admin_id,
             "IDENTITY_BOOTSTRAP_ADMIN_CLIENT_SECRET": admin_secret},
            ["--log-level=debug", "--store-cache-ttl=0", "--trusted-proxies=127.0.0.1",
             "--device-poll-interval=%ds" % INTERVAL], http_port=http_port)
        self.tokens = token_pb2_grpc.TokenServiceStub(self.channel)
        self.admin = admin_pb2_grpc.AdminServiceStub(self.channel)


def fetch(method, url, form=None, headers=None, opener=None):
    """(status, headers, body text) of one request; errors are answers too."""
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if data is not None:
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with (opener or urllib.request.build_opener()).open(request, timeout=HTTP_TIMEOUT) as r:
            return r.status, r.headers, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode()


def start_device(server, client_id="cli", scope="openid orders.read offline_access"):
    status, _, body = fetch("POST", server.http + "/device_authorization",
                           {"client_id": client_id, "scope": scope})
    assert status == 200, body
    started = json.loads(body)
    remember("device_code", started["device_code"])
    remember("user_code", started["user_code"])
    remember("user_code normalized", started["user_code"].replace("-", ""))
    return started


def poll(server, device_code, client_id="cli"):
    """(HTTP status, JSON body) of one poll of /token."""
    status, _, body = fetch("POST", server.http + "/token",
                           {"grant_type": DEVICE_GRANT, "client_id": client_id,
                            "device_code": device_code})
    return status, json.loads(body)


def hidden(page, name):
    match = re.search(r'name="%s" value="([^"]*)"' % re.escape(name), page)
    return html.unescape(match.group(1)) if match else None


class Browser:
    """A browser without JavaScript: urllib with a cookie jar, filling in the /device forms."""

    def __init__(self, forwarded_for=None):
        self.jar = cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
        self.base = None

    def get(self, url):
        self.base = url.split("/device")[0]
        return fetch("GET", url, headers=self.headers, opener=self.opener)

    def submit(self, page, fields):
        form = {"step": hidden(page, "step"), "csrf": hidden(page, "csrf")}
        if hidden(page, "user_code") is not None:
            form["user_code"] = hidden(page, "user_code")
        form.update(fields)
        return fetch("POST", self.base + "/device", form, self.headers, self.opener)

    def answer(self, verification_uri_complete, approve=True, client_name="Orders CLI",
               user=None):
        """Types the pre-filled code, signs in (as `user`, (name, password), default the world's)
        if asked, answers: the final page's status, body."""
        status, _, page = self.get(verification_uri_complete)
        assert status == 200, page
        prefilled = re.search(r'id="user_code" name="user_code"[^>]*value="([^"]*)"', page)
        status, _, page = self.submit(page, {"user_code": html.unescape(prefilled.group(1))})
        assert status == 200, page
        if hidden(page, "step") == "login":
            username, password = user or (world.username, world.password)
            status, _, page = self.submit(page, {"username": username, "password": password})
            assert status == 200, page
        assert hidden(page, "step") == "decide", page
        assert client_name in page and world.scope_text in page, page
        return self.submit(page, {"decision": "confirm" if approve else "cancel"})[::2]


class World:
    def __init__(self, admin_id, admin_secret):
        a = servers[0]
        token = a.tokens.Token(token_pb2.TokenRequest(
            grant_type="client_credentials", client_id=admin_id, client_secret=admin_secret,
            scope=ADMIN_SCOPE), timeout=RPC_TIMEOUT).access_token
        metadata = (("authorization", "Bearer " + remember("admin token", token)),)
        self.admin_md = metadata
        self.username = "alice." + secrets.token_hex(4)
        self.password = remember("password", "pw-" + secrets.token_urlsafe(18))
        self.user = a.admin.CreateUser(admin_pb2.CreateUserRequest(
            username=self.username, password=self.password, name="Alice",
            email="alice@example.com", email_verified=True), metadata=metadata,
            timeout=RPC_TIMEOUT)
        a.admin.CreateClient(admin_pb2.CreateClientRequest(
            client_id="cli", name="Orders CLI", allowed_scopes=["orders.read", "offline_access"],
            grant_types=[DEVICE_GRANT, "refresh_token"], public_client=True),
            metadata=metadata, timeout=RPC_TIMEOUT)
        tv = servers[1].admin.CreateClient(admin_pb2.CreateClientRequest(
            client_id="tv", name="Orders TV", allowed_scopes=["orders.read"],
            grant_types=[DEVICE_GRANT]), metadata=metadata, timeout=RPC_TIMEOUT)
        self.tv_secret = remember("tv secret", tv.client_secret)
        self.scope_text = "orders.read"


def verify(token, audience, typ):
    """PyJWT: signature against B's /jwks, iss, aud, exp; the header's typ."""
    keys = jwt.PyJWKClient(servers[1].http + "/jwks")
    key = keys.get_signing_key_from_jwt(token)
    claims = jwt.decode(token, key.key, algorithms=["ES256", "RS256", "PS256", "EdDSA"],
                        audience=audience, issuer=servers[0].http)
    assert jwt.get_unverified_header(token).get("typ") == typ
    return claims


def error_reason(error):
    trailers = dict(error.trailing_metadata() or ())
    status = status_pb2.Status.FromString(trailers["grpc-status-details-bin"])
    info = error_details_pb2.ErrorInfo()
    status.details[0].Unpack(info)
    assert info.domain == ERROR_DOMAIN
    return info.reason


class DeviceFlowTest(unittest.TestCase):
    maxDiff = None

    def test_1_flow_across_replicas(self):
        a, b = servers
        started = start_device(b)
        self.assertEqual(started["verification_uri"], a.http + "/device")
        self.assertEqual(started["verification_uri_complete"],
                         a.http + "/device?user_code=" + started["user_code"])
        self.assertEqual((started["expires_in"], started["interval"]), (600, INTERVAL))
        status, body = poll(b, started["device_code"])
        self.assertEqual((status, body["error"]), (400, "authorization_pending"))
        status, page = Browser().answer(started["verification_uri_complete"])
        self.assertEqual(status, 200, page)
        self.assertIn("Device connected", page)
        time.sleep(INTERVAL + 0.2)  # RFC 8628 §3.5: no sooner than the interval.
        status, tokens = poll(a, started["device_code"])
        self.assertEqual(status, 200, tokens)
        remember("access token", tokens["access_token"])
        remember("refresh token", tokens["refresh_token"])
        access = verify(tokens["access_token"], AUDIENCE, "at+jwt")
        self.assertEqual(access["sub"], world.user.user_id)
        self.assertEqual(access["client_id"], "cli")
        self.assertEqual(access["scope"], "openid orders.read offline_access")
        id_token = verify(tokens["id_token"], "cli", "JWT")
        self.assertEqual(id_token["sub"], world.user.user_id)
        # Single use, across replicas.
        time.sleep(INTERVAL + 0.2)
        status, body = poll(b, started["device_code"])
        self.assertEqual((status, body["error"]), (400, "invalid_grant"))
        # The refresh token works on the other server.
        status, _, body = fetch("POST", b.http + "/token",
                               {"grant_type": "refresh_token", "client_id": "cli",
                                "refresh_token": tokens["refresh_token"]})
        self.assertEqual(status, 200, body)
        remember("rotated refresh token", json.loads(body)["refresh_token"])

    def test_2_slow_down_is_shared_across_replicas(self):
        a, b = servers
        started = start_device(a)
        self.assertEqual(poll(b, started["device_code"])[1]["error"], "authorization_pending")
        status, body = poll(a, started["device_code"])
        self.assertEqual((status, body["error"]), (400, "slow_down"))
        rows = support.psql(database_url, "SELECT interval_seconds FROM device_authorizations "
                            "WHERE device_code_hash = encode(sha256(%s::bytea), 'hex')"
                            % ("'" + started["device_code"] + "'"))
        self.assertEqual(rows, [[str(INTERVAL + 5)]])

    def test_3_denial_is_access_denied(self):
        started = start_device(servers[1])
        status, page = Browser().answer(started["verification_uri_complete"], approve=False)
        self.assertEqual(status, 200)
        self.assertIn("Device not connected", page)
        status, body = poll(servers[1], started["device_code"])
        self.assertEqual((status, body["error"]), (400, "access_denied"))

    def test_4_confidential_client_over_grpc(self):
        a, b = servers
        basic = (("authorization", "Basic " + support.basic_credentials("tv", world.tv_secret)),)
        started = a.tokens.DeviceAuthorization(
            token_pb2.DeviceAuthorizationRequest(scope="openid orders.read"),
            metadata=basic, timeout=RPC_TIMEOUT)
        remember("device_code", started.device_code)
        remember("user_code", started.user_code)
        request = token_pb2.TokenRequest(grant_type=DEVICE_GRANT, device_code=started.device_code)
        with self.assertRaises(grpc.RpcError) as pending:
            b.tokens.Token(request, metadata=basic, timeout=RPC_TIMEOUT)
        self.assertEqual(pending.exception.code(), grpc.StatusCode.FAILED_PRECONDITION)
        self.assertEqual(error_reason(pending.exception), "authorization_pending")
        browser = Browser()
        status, _, page = browser.get(started.verification_uri_complete)
        status, _, page = browser.submit(page, {"user_code": started.user_code})
        status, _, page = browser.submit(page, {"username": world.username,
                                                "password": world.password})
        self.assertIn("Orders TV", page)
        status, _, page = browser.submit(page, {"decision": "confirm"})
        self.assertEqual(status, 200)
        time.sleep(INTERVAL + 0.2)
        tokens = a.tokens.Token(request, metadata=basic, timeout=RPC_TIMEOUT)
        remember("access token", tokens.access_token)
        self.assertEqual(tokens.refresh_token, "")  # tv may not refresh.
        self.assertEqual(verify(tokens.access_token, AUDIENCE, "at+jwt")["client_id"], "tv")
        # A live session skips the sign-in: the next code goes straight to the approval page.
        second = start_device(a)
        status, _, page = browser.get(second["verification_uri_complete"])
        status, _, page = browser.submit(page, {"user_code": second["user_code"]})
        self.assertEqual(hidden(page, "step"), "decide", page)

    def test_5_concurrent_polls_redeem_once(self):
        started = start_device(servers[0])
        status, _ = Browser().answer(started["verification_uri_complete"])
        self.assertEqual(status, 200)
        time.sleep(INTERVAL + 0.2)
        results = []
        lock = threading.Lock()

        def racer(i):
            outcome = poll(servers[i % 2], started["device_code"])
            with lock:
                results.append(outcome)

        threads = [threading.Thread(target=racer, args=(i,)) for i in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        self.assertEqual(len(results), 20)
        wins = [body for status, body in results if status == 200]
        for body in wins:
            remember("access token", body["access_token"])
            remember("refresh token", body["refresh_token"])
        self.assertEqual(len(wins), 1, results)
        self.assertTrue(all(body.get("error") in ("slow_down", "invalid_grant")
                            for status, body in results if status != 200), results)
        rows = support.psql(database_url, "SELECT count(*) FROM device_authorizations "
                            "WHERE redeemed_at IS NOT NULL AND access_token_jti = '%s'"
                            % jwt.decode(wins[0]["access_token"],
                                         options={"verify_signature": False})["jti"])
        self.assertEqual(rows, [["1"]])
        # The losers revoked only their own refresh tokens: the winner's works.
        status, _, body = fetch("POST", servers[1].http + "/token",
                               {"grant_type": "refresh_token", "client_id": "cli",
                                "refresh_token": wins[0]["refresh_token"]})
        self.assertEqual(status, 200, body)
        remember("rotated refresh token", json.loads(body)["refresh_token"])

    def test_6_guessing_is_throttled_across_replicas(self):
        started = start_device(servers[0])
        guesser = Browser(forwarded_for="198.51.100.9")
        for i in range(20):
            server = servers[i % 2]
            status, _, page = guesser.get(server.http + "/device")
            status, _, page = guesser.submit(page, {"user_code": "BBBB-BBBB"})
            self.assertEqual(status, 400, page)
        status, headers, page = guesser.submit(page, {"user_code": started["user_code"]})
        self.assertEqual(status, 429, page)
        self.assertGreaterEqual(int(headers["Retry-After"]), 1)
        # Another source is not locked out.
        other = Browser(forwarded_for="198.51.100.10")
        status, _, page = other.get(started["verification_uri_complete"])
        status, _, page = other.submit(page, {"user_code": started["user_code"]})
        self.assertEqual(status, 200, page)

    def test_7_missing_csrf_is_refused(self):
        started = start_device(servers[0])
        status, _, _ = fetch("POST", servers[0].http + "/device",
                            {"step": "code", "user_code": started["user_code"], "csrf": "x"})
        self.assertEqual(status, 403)

    def test_8_idctl_login_device(self):
        a, b = servers
        child = subprocess.Popen(
            [idctl_binary, "login", "--device", "--server", b.address, "--client-id", "cli",
             "--scope", "openid orders.read", "--timeout", "60"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            seen = ""
            deadline = time.monotonic() + 30
            # Until the whole line is there (stderr may come in pieces).
            while (not re.search(r"\(or open \S+\)", seen)
                   and time.monotonic() < deadline):
                ready, _, _ = select.select([child.stderr], [], [], 1)
                if ready:
                    chunk = os.read(child.stderr.fileno(), 4096).decode()
                    if not chunk:
                        break
                    seen += chunk
            match = re.search(r"\(or open (\S+)\)", seen)
            self.assertIsNotNone(match, seen)
            remember("user_code", re.search(r"enter the code (\S+)", seen).group(1))
            status, page = Browser().answer(match.group(1))
            self.assertEqual(status, 200, page)
            out, err = child.communicate(timeout=60)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
        self.assertEqual(child.returncode, 0, err)
        tokens = json.loads(out)
        remember("access token", tokens["access_token"])
        remember("refresh token", tokens.get("refresh_token"))
        self.assertEqual(verify(tokens["access_token"], AUDIENCE, "at+jwt")["sub"],
                         world.user.user_id)

    # --- issue 18's review findings (test_9x sort before test_9_) -------------------------------

    # Each browser below comes from an address of its own: the per-source entry throttle
    # counts right codes too, and the earlier tests spent 127.0.0.1's.

    def test_91_third_party_consent_is_recorded_and_rechecked_across_replicas(self):
        a, b = servers
        a.admin.CreateClient(admin_pb2.CreateClientRequest(
            client_id="partner", name="Partner TV", allowed_scopes=["orders.read"],
            grant_types=[DEVICE_GRANT], public_client=True, third_party=True),
            metadata=world.admin_md, timeout=RPC_TIMEOUT)

        def consents():
            return {c.client_id: list(c.scopes) for c in b.admin.ListConsents(
                admin_pb2.ListConsentsRequest(user_id=world.user.user_id),
                metadata=world.admin_md, timeout=RPC_TIMEOUT).consents}

        # Approved at A's page: the consent is recorded (seen on B), and B's poll gets tokens.
        started = start_device(b, "partner", "orders.read")
        browser = Browser(forwarded_for="198.51.100.31")
        status, page = browser.answer(started["verification_uri_complete"],
                                     client_name="Partner TV")
        self.assertEqual(status, 200, page)
        self.assertEqual(consents().get("partner"), ["orders.read"])
        status, tokens = poll(b, started["device_code"], "partner")
        self.assertEqual(status, 200, tokens)
        remember("access token", tokens["access_token"])
        # Approved again, then the consent withdrawn on B before the poll on A: invalid_grant
        # (RFC 6749 §5.2: the grant was revoked), and the device code is spent.
        started = start_device(a, "partner", "orders.read")
        browser = Browser(forwarded_for="198.51.100.32")
        status, page = browser.answer(started["verification_uri_complete"],
                                     client_name="Partner TV")
        self.assertEqual(status, 200, page)
        b.admin.RevokeConsent(admin_pb2.RevokeConsentRequest(
            user_id=world.user.user_id, client_id="partner"),
            metadata=world.admin_md, timeout=RPC_TIMEOUT)
        status, body = poll(a, started["device_code"], "partner")
        self.assertEqual((status, body["error"]), (400, "invalid_grant"), body)
        self.assertIn("consent", body["error_description"])
        time.sleep(INTERVAL + 0.2)
        status, body = poll(b, started["device_code"], "partner")
        self.assertEqual((status, body["error"]), (400, "invalid_grant"), body)

    def test_92_approving_session_reaches_the_device_client_at_logout(self):
        a, b = servers
        received = []
        got = threading.Event()

        class Receiver(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length", "0"))
                received.append(urllib.parse.parse_qs(self.rfile.read(length).decode()))
                self.send_response(200)
                self.end_headers()
                got.set()

            def log_message(self, *args):
                pass

        receiver = http.server.HTTPServer(("127.0.0.1", 0), Receiver)
        thread = threading.Thread(target=receiver.serve_forever, daemon=True)
        thread.start()
        try:
            uri = "http://127.0.0.1:%d/logout" % receiver.server_address[1]
            a.admin.CreateClient(admin_pb2.CreateClientRequest(
                client_id="tv-bcl", name="Logout TV", allowed_scopes=["orders.read"],
                grant_types=[DEVICE_GRANT, "refresh_token"], public_client=True,
                backchannel_logout_uri=uri), metadata=world.admin_md, timeout=RPC_TIMEOUT)
            # Bob, so that ending his sessions touches no other test's.
            bob = ("bob." + secrets.token_hex(4),
                   remember("bob's password", "pw-" + secrets.token_urlsafe(18)))
            bob_id = a.admin.CreateUser(admin_pb2.CreateUserRequest(
                username=bob[0], password=bob[1], name="Bob"),
                metadata=world.admin_md, timeout=RPC_TIMEOUT).user_id
            started = start_device(b, "tv-bcl", "orders.read")
            browser = Browser(forwarded_for="198.51.100.33")
            status, page = browser.answer(started["verification_uri_complete"],
                                         client_name="Logout TV", user=bob)
            self.assertEqual(status, 200, page)
            status, tokens = poll(b, started["device_code"], "tv-bcl")
            self.assertEqual(status, 200, tokens)
            remember("refresh token", tokens["refresh_token"])
            # The session (signed in at A) ends through B: B tells the device's client.
            b.admin.EndUserSessions(admin_pb2.EndUserSessionsRequest(user_id=bob_id),
                                    metadata=world.admin_md, timeout=RPC_TIMEOUT)
            self.assertTrue(got.wait(20), "no logout token within 20 s")
            logout = jwt.decode(received[0]["logout_token"][0],
                                options={"verify_signature": False})
            self.assertEqual(logout["sub"], bob_id)
            self.assertIn(logout["aud"], ("tv-bcl", ["tv-bcl"]))
            # ...and the grant ended with the session (no offline_access), on both servers.
            for server in servers:
                status, _, body = fetch("POST", server.http + "/token",
                                       {"grant_type": "refresh_token", "client_id": "tv-bcl",
                                        "refresh_token": tokens["refresh_token"]})
                self.assertEqual((status, json.loads(body)["error"]), (400, "invalid_grant"))
        finally:
            receiver.shutdown()
            receiver.server_close()
            thread.join(10)

    def test_93_public_client_authorizations_are_bounded_per_source_across_replicas(self):
        # 50 per source and 15 minutes, counted in PostgreSQL: 25 on each server from one
        # forwarded address, then the 51st refused with Retry-After; another address may.
        form = {"client_id": "cli", "scope": "orders.read"}
        for i in range(50):
            status, _, body = fetch("POST", servers[i % 2].http + "/device_authorization",
                                   form, {"X-Forwarded-For": "198.51.100.20"})
            self.assertEqual(status, 200, body)
            remember("device_code %d" % i, json.loads(body)["device_code"])
        status, headers, body = fetch("POST", servers[0].http + "/device_authorization", form,
                                      {"X-Forwarded-For": "198.51.100.20"})
        self.assertEqual((status, json.loads(body)["error"]), (429, "temporarily_unavailable"))
        self.assertGreaterEqual(int(headers["Retry-After"]), 1)
        status, _, body = fetch("POST", servers[1].http + "/device_authorization", form,
                                {"X-Forwarded-For": "198.51.100.21"})
        self.assertEqual(status, 200, body)
        remember("device_code other", json.loads(body)["device_code"])

    def test_94_slow_down_carries_retry_after(self):
        a, b = servers
        started = start_device(a)
        poll(b, started["device_code"])
        status, headers, body = fetch("POST", a.http + "/token",
                                      {"grant_type": DEVICE_GRANT, "client_id": "cli",
                                       "device_code": started["device_code"]})
        self.assertEqual((status, json.loads(body)["error"]), (400, "slow_down"))
        self.assertGreaterEqual(int(headers["Retry-After"]), INTERVAL + 5)

    def test_9_no_secret_in_logs_or_columns(self):
        logs = "".join(server.log() for server in servers)
        dump = "\n".join("\t".join(row) for row in support.psql(
            database_url, "SELECT d::text FROM device_authorizations d "
            "UNION ALL SELECT r::text FROM refresh_tokens r"))
        self.assertIn("cli", dump)  # The dump is real.
        leaked = sorted(label for label, value in SEEN.items() if value in logs + dump)
        self.assertEqual(leaked, [])


def main(argv):
    options = dict(zip(argv[::2], argv[1::2]))
    if len(argv) % 2 or not {"--server", "--proto-root", "--idctl"} <= set(options) <= {
            "--server", "--proto-root", "--idctl", "-k"}:
        sys.stderr.write(__doc__)
        return 2
    shared_url = os.environ.get("IDENTITY_TEST_DATABASE_URL")
    if not shared_url:
        sys.stderr.write("IDENTITY_TEST_DATABASE_URL is not set\n")
        return 1
    global database_url, world, idctl_binary
    idctl_binary = os.path.abspath(options["--idctl"])
    work_dir = tempfile.mkdtemp(dir=os.environ.get("TEST_TMPDIR"))
    generate_stubs(options["--proto-root"], os.path.join(work_dir, "stubs"))
    log_dir = os.environ.get("TEST_UNDECLARED_OUTPUTS_DIR") or work_dir
    admin_id = "device-flow-admin." + secrets.token_hex(4)
    admin_secret = remember("admin secret", secrets.token_urlsafe(32))
    database, database_url = support.create_database(shared_url, "identity_device_flow_")
    passed = False
    try:
        http_ports = [support.free_port(), support.free_port()]
        issuer = "http://127.0.0.1:%d" % http_ports[0]  # A serves the verification URI.
        for name, port in zip("ab", http_ports):
            servers.append(Server(name, options["--server"], database_url, log_dir, issuer, port,
                                  admin_id, admin_secret))
        for server in servers:
            server.wait_ready()
        world = World(admin_id, admin_secret)
        passed = junit_report.run([DeviceFlowTest], "device_flow_test", options.get("-k"))
    finally:
        for server in servers:
            server.kill()
        support.psql(shared_url, "DROP DATABASE IF EXISTS %s WITH (FORCE)" % database)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
