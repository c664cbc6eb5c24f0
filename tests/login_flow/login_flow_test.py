#!/usr/bin/python3
"""End-to-end test of the end-user login flow: two real identity-server processes on one real
PostgreSQL database, driven over loopback gRPC by an independent client.

The client side uses nothing of ours but the .proto files: Debian's python3-grpcio with stubs
generated here by /usr/bin/protoc + grpc_python_plugin, its own PKCE pair (secrets, hashlib), and
PyJWT (python3-jwt) to verify access and ID tokens against the servers' JWKS. It covers:

  - the seed flow, Steps A to E, for a confidential client (HTTP Basic, RFC 6749 §2.3.1) and a
    public one (no secret): Authorize (RFC 6749 §4.1.1, RFC 9207 iss), Token with PKCE
    (RFC 7636), the RFC 9068 access token and the OIDC ID token (nonce, azp, auth_time, at_hash
    computed here), UserInfo with `authorization: Bearer`, Introspect, refresh-token rotation and
    reuse detection (RFC 9700 §4.14), revocation (RFC 7009); the calls alternate between the two
    servers, so every step also checks that the replicas share the state in the database;
  - the errors the issue lists, as gRPC code + google.rpc.ErrorInfo reason (and the
    ErrorInfo.metadata["redirect_uri"] rule of Authorize);
  - races across both processes: 20 concurrent redemptions of one code, 20 concurrent uses
    of one refresh token, and 20 concurrent Authorize calls with one pushed request's
    request_uri (RFC 9126), with the rows they leave checked with psql;
  - that no password, client secret, PKCE verifier, code or token appears in either server's log
    (every line of which must be JSON) or in any database column;
  - issue 13: 29 parallel wrong passwords spread over both servers check only 5 (the counters
    are in PostgreSQL), and the source is what the trusted proxy (the test, on 127.0.0.1) forwards
    in x-forwarded-for; a third server on the same database, with 2 password-hash slots, takes
    64 parallel logins with its peak RSS (VmHWM) growing by about 2 hashes, refusing the rest
    fast as busy;
  - RFC 8707 resource indicators: resources registered on one server, codes authorized for
    them there and exchanged on the other, a token per resource whose aud PyJWT checks, and
    every refusal (invalid_target, invalid_scope), including a code's single use whatever
    resource its replay names;
  - a clean exit 0 on SIGTERM of both.

Usage: /usr/bin/python3 login_flow_test.py --server BINARY --proto-root DIR [-k PATTERN]
Needs IDENTITY_TEST_DATABASE_URL, a PostgreSQL where it may CREATE DATABASE: both servers share a
fresh database of the test's own, dropped at the end. Writes JUnit XML to $XML_OUTPUT_FILE when
set (Bazel convention) and exits non-zero if any test fails.

The expired-code case is not here: codes live 60 s and no flag shortens that
(server/oauth/authorization.h, AuthorizationOptions::code_lifetime); the unit tests cover it.
"""

import base64
import hashlib
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse

import grpc
import jwt

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import grpc_test_support as support  # noqa: E402  (tests/python)
import junit_report  # noqa: E402  (tests/python)

ISSUER = "https://id.example"
AUDIENCE = "orders-api"
ADMIN_SCOPE = "identity.admin"
ERROR_DOMAIN = "identity.dev"
KEK = secrets.token_hex(32)  # Shared by both servers, fresh like the database.
SCOPE = "openid profile email"
WEB_REDIRECT = "https://app.example/callback"
SPA_REDIRECT = "http://127.0.0.1:8765/cb"
RPC_TIMEOUT = 30
RACERS = 20
PROTOS = ["google/rpc/status.proto", "google/rpc/error_details.proto",
          "identity/v1/token.proto", "identity/v1/introspection.proto", "identity/v1/keys.proto",
          "identity/v1/admin.proto"]
INVALID_ARGUMENT = grpc.StatusCode.INVALID_ARGUMENT
UNAUTHENTICATED = grpc.StatusCode.UNAUTHENTICATED

servers = []      # [Server A, Server B], set in main().
burst_server = None  # Server C, on the same database: 2 password hashes at a time.
database_url = None  # The private database both servers use.
world = None      # The admin-made user and clients (World), made once.

# Every secret value the test saw, label -> value: none may reach a log line or a column.
SEEN = {}
_seen_lock = threading.Lock()


def remember(label, value):
    """Records a secret value (and a JWT's signature part) for the log and database greps."""
    if not value:
        return value
    with _seen_lock:
        SEEN["%s #%d" % (label, len(SEEN))] = value
        if value.count(".") == 2:  # A JWT: its signature alone must not leak either.
            SEEN["%s signature #%d" % (label, len(SEEN))] = value.rsplit(".", 1)[1]
    return value


def generate_stubs(proto_root, out_dir):
    """Generates the Python stubs from the repository's .proto files and imports them."""
    support.compile_protos([proto_root], PROTOS, out_dir)
    global status_pb2, error_details_pb2, token_pb2, token_pb2_grpc
    global introspection_pb2, introspection_pb2_grpc, keys_pb2, keys_pb2_grpc
    global admin_pb2, admin_pb2_grpc
    from google.rpc import error_details_pb2, status_pb2
    from identity.v1 import admin_pb2, admin_pb2_grpc
    from identity.v1 import introspection_pb2, introspection_pb2_grpc
    from identity.v1 import keys_pb2, keys_pb2_grpc, token_pb2, token_pb2_grpc


def sql_literal(text):
    return "'" + text.replace("'", "''") + "'"


def b64url(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def opaque_hash(token):
    """How the server stores codes and refresh tokens (server/oauth/user_tokens.h): hex SHA-256."""
    return hashlib.sha256(token.encode()).hexdigest()


def basic_authorization(client_id, client_secret):
    """RFC 6749 §2.3.1: form-urlencode id and secret, then HTTP Basic."""
    value = remember("basic credentials", support.basic_credentials(client_id, client_secret))
    return (("authorization", "Basic " + value),)


def bearer(token):
    return (("authorization", "Bearer " + token),)


def pkce_pair():
    """RFC 7636 §4.1-4.2: a 43-character verifier (256 bits) and its S256 challenge."""
    verifier = remember("code_verifier", secrets.token_urlsafe(32))
    return verifier, b64url(hashlib.sha256(verifier.encode("ascii")).digest())


class Server:
    """identity-server as a child process; stdout and stderr go to its own log file."""

    def __init__(self, name, binary, url, work_dir, admin_id, admin_secret, extra_args=()):
        self.name = name
        self.address = "127.0.0.1:%d" % support.free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("IDENTITY_")}
        env.update(IDENTITY_KEK=KEK, IDENTITY_BOOTSTRAP_ADMIN_CLIENT_ID=admin_id,
                   IDENTITY_BOOTSTRAP_ADMIN_CLIENT_SECRET=admin_secret)
        self.log_path = os.path.join(work_dir, "identity-server-%s.log" % name)
        with open(self.log_path, "wb") as log:
            # --store-cache-ttl=0: every replica reads the database on every call, so a change
            # made through one server is visible through the other at once (docs/api.md), which
            # this test relies on when it alternates between them.
            self.process = subprocess.Popen(
                [binary, "--store=postgres", "--database-url=" + url,
                 "--grpc-listen=" + self.address, "--issuer=" + ISSUER, "--audience=" + AUDIENCE,
                 "--log-level=debug", "--store-cache-ttl=0"] + list(extra_args),
                env=env, stdout=log, stderr=log)
        self.channel = grpc.insecure_channel(self.address)
        self.tokens = token_pb2_grpc.TokenServiceStub(self.channel)
        self.introspection = introspection_pb2_grpc.IntrospectionServiceStub(self.channel)
        self.keys = keys_pb2_grpc.KeyServiceStub(self.channel)
        self.admin = admin_pb2_grpc.AdminServiceStub(self.channel)

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def wait_ready(self, seconds=60):
        ready = grpc.channel_ready_future(self.channel)
        deadline = time.monotonic() + seconds
        while True:
            try:
                return ready.result(timeout=0.5)
            except grpc.FutureTimeoutError:
                if self.process.poll() is not None:
                    raise RuntimeError("identity-server %s exited with %d before serving:\n%s"
                                       % (self.name, self.process.returncode, self.log()))
                if time.monotonic() > deadline:
                    raise RuntimeError("identity-server %s did not serve on %s within %ds:\n%s"
                                       % (self.name, self.address, seconds, self.log()))

    def stop(self, seconds=20):
        """SIGTERM, then the exit status (negative: killed by that signal)."""
        self.channel.close()
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=seconds)

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


class Client:
    """A registered client: how it authenticates at Token, Revoke and Introspect."""

    def __init__(self, client_id, secret, redirect_uri):
        self.client_id = client_id
        self.secret = secret
        self.redirect_uri = redirect_uri

    def credentials(self):
        """(fields, metadata): Basic metadata for a confidential client, the bare id else."""
        if self.secret:
            return {}, basic_authorization(self.client_id, self.secret)
        return {"client_id": self.client_id}, None


class World:
    """What the bootstrap admin registers through AdminService."""

    def __init__(self, admin_id, admin_secret):
        self.admin_id, self.admin_secret = admin_id, admin_secret
        a = servers[0]
        metadata = bearer(self.admin_token(a))
        self.username = "alice." + secrets.token_hex(4)
        self.password = remember("password", "pw-" + secrets.token_urlsafe(18))
        self.user = a.admin.CreateUser(admin_pb2.CreateUserRequest(
            username=self.username, password=self.password, name="Alice Example",
            email="alice@example.com", email_verified=True,
            # Standard claims beyond name and email (admin.proto UserClaims).
            claims=admin_pb2.UserClaims(
                given_name="Alice", locale="en-GB", phone_number="+441865270000",
                phone_number_verified=True,
                address=token_pb2.Address(locality="Oxford", country="GB"))),
            metadata=metadata, timeout=RPC_TIMEOUT)
        grants = ["authorization_code", "refresh_token"]
        web = a.admin.CreateClient(admin_pb2.CreateClientRequest(
            client_id="web", name="Web app", redirect_uris=[WEB_REDIRECT], grant_types=grants),
            metadata=metadata, timeout=RPC_TIMEOUT)
        remember("web client_secret", web.client_secret)
        # Created through server B: the replicas share the registry.
        spa = servers[1].admin.CreateClient(admin_pb2.CreateClientRequest(
            client_id="spa", name="Single-page app", redirect_uris=[SPA_REDIRECT],
            grant_types=grants, public_client=True),
            metadata=bearer(self.admin_token(servers[1])), timeout=RPC_TIMEOUT)
        self.web_response, self.spa_response = web, spa
        self.web = Client("web", web.client_secret, WEB_REDIRECT)
        self.spa = Client("spa", "", SPA_REDIRECT)

    def admin_token(self, server):
        response = server.tokens.Token(token_pb2.TokenRequest(
            grant_type="client_credentials", client_id=self.admin_id,
            client_secret=self.admin_secret, scope=ADMIN_SCOPE), timeout=RPC_TIMEOUT)
        return remember("admin access_token", response.access_token)


def error_info(error):
    """The google.rpc.ErrorInfo of a failed call (asserting the AIP-193 shape), or None."""
    trailers = dict(error.trailing_metadata() or ())
    if "grpc-status-details-bin" not in trailers:
        return None
    status = status_pb2.Status.FromString(trailers["grpc-status-details-bin"])
    if status.code != error.code().value[0] or len(status.details) != 1:
        return None
    info = error_details_pb2.ErrorInfo()
    if not status.details[0].Unpack(info) or info.domain != ERROR_DOMAIN:
        return None
    return info


def outcome(error):
    """(gRPC code name, ErrorInfo.reason or None) of a failed call."""
    info = error_info(error)
    return error.code().name, info.reason if info else None


class FlowTestCase(unittest.TestCase):
    """Helpers shared by the test classes."""

    maxDiff = None

    @property
    def a(self):
        return servers[0]

    @property
    def b(self):
        return servers[1]

    def assert_oauth_error(self, code, reason, call, request, metadata=None):
        """The call fails with `code` and one ErrorInfo(reason, identity.dev); returns the info."""
        with self.assertRaises(grpc.RpcError) as raised:
            call(request, metadata=metadata, timeout=RPC_TIMEOUT)
        error = raised.exception
        self.assertEqual((error.code(), self.reason_of(error)), (code, reason), error.details())
        trailers = dict(error.trailing_metadata() or ())
        status = status_pb2.Status.FromString(trailers["grpc-status-details-bin"])
        self.assertEqual(status.message, error.details())
        info = error_details_pb2.ErrorInfo()
        status.details[0].Unpack(info)
        for value in SEEN.values():  # docs/api.md: messages never echo secrets or tokens.
            self.assertNotIn(value, error.details())
        return info

    def reason_of(self, error):
        info = error_info(error)
        self.assertIsNotNone(info, "no ErrorInfo(domain %s) in %s: %s"
                             % (ERROR_DOMAIN, error.code(), error.details()))
        return info.reason

    # --- the flow's steps ----------------------------------------------------------------

    def authorize_request(self, client, challenge, **fields):
        request = dict(response_type="code", client_id=client.client_id,
                       redirect_uri=client.redirect_uri, scope=SCOPE,
                       state="st-" + secrets.token_urlsafe(12),
                       code_challenge=challenge, code_challenge_method="S256",
                       nonce="n-" + secrets.token_urlsafe(12),
                       username=world.username, password=world.password)
        request.update(fields)
        return token_pb2.AuthorizeRequest(**request)

    def authorize(self, server, client, **fields):
        """Steps A-B: a code for world's user. Returns (request, response, verifier)."""
        verifier, challenge = pkce_pair()
        request = self.authorize_request(client, challenge, **fields)
        response = server.tokens.Authorize(request, timeout=RPC_TIMEOUT)
        remember("authorization code", response.code)
        return request, response, verifier

    def redeem(self, server, client, code, verifier, **fields):
        """Steps C-D: Token(authorization_code), authenticated as `client`."""
        credentials, metadata = client.credentials()
        request = dict(grant_type="authorization_code", code=code,
                       redirect_uri=client.redirect_uri, code_verifier=verifier)
        request.update(credentials)
        request.update(fields)
        response = server.tokens.Token(token_pb2.TokenRequest(**request), metadata=metadata,
                                       timeout=RPC_TIMEOUT)
        self.remember_tokens(response)
        return response

    def refresh(self, server, client, refresh_token, **fields):
        credentials, metadata = client.credentials()
        request = dict(grant_type="refresh_token", refresh_token=refresh_token)
        request.update(credentials)
        request.update(fields)
        response = server.tokens.Token(token_pb2.TokenRequest(**request), metadata=metadata,
                                       timeout=RPC_TIMEOUT)
        self.remember_tokens(response)
        return response

    @staticmethod
    def remember_tokens(response):
        remember("access_token", response.access_token)
        remember("id_token", response.id_token)
        remember("refresh_token", response.refresh_token)

    def login(self, server, client):
        """Authorize on `server`, redeem on the other: (authorize response, token response)."""
        _, authorized, verifier = self.authorize(server, client)
        other = self.b if server is self.a else self.a
        return authorized, self.redeem(other, client, authorized.code, verifier)

    def revoke(self, server, client, token, hint=""):
        credentials, metadata = client.credentials()
        server.tokens.Revoke(token_pb2.RevokeRequest(token=token, token_type_hint=hint,
                                                     **credentials),
                             metadata=metadata, timeout=RPC_TIMEOUT)

    def introspect(self, server, token):
        """As the confidential client, fields this time (Basic is used by Token and Revoke)."""
        return server.introspection.Introspect(introspection_pb2.IntrospectRequest(
            token=token, client_id=world.web.client_id, client_secret=world.web.secret),
            timeout=RPC_TIMEOUT)

    def assert_refresh_fails(self, server, client, refresh_token):
        credentials, metadata = client.credentials()
        self.assert_oauth_error(
            INVALID_ARGUMENT, "invalid_grant", server.tokens.Token,
            token_pb2.TokenRequest(grant_type="refresh_token", refresh_token=refresh_token,
                                   **credentials), metadata)

    def verify(self, server, token, audience):
        """PyJWT against `server`'s GetJwks; the kid must be in the other replica's too."""
        header = jwt.get_unverified_header(token)
        self.assertIn("kid", header)
        for replica in servers:
            jwks = replica.keys.GetJwks(keys_pb2.GetJwksRequest(), timeout=RPC_TIMEOUT)
            keys = {key.key_id: key for key in jwt.PyJWKSet.from_json(jwks.jwks_json).keys}
            self.assertIn(header["kid"], keys,
                          "kid %s is not in server %s's JWKS" % (header["kid"], replica.name))
            if replica is server:
                key = keys[header["kid"]]
        claims = jwt.decode(token, key.key, algorithms=[header["alg"]], audience=audience,
                            issuer=ISSUER,
                            options={"require": ["iss", "aud", "sub", "exp", "iat"]})
        return header, claims

    def check_access_token(self, server, response, client, auth_time_near):
        header, claims = self.verify(server, response.access_token, AUDIENCE)
        self.assertEqual(header["typ"], "at+jwt")
        self.assertEqual(claims["iss"], ISSUER)
        self.assertIn(claims["aud"], (AUDIENCE, [AUDIENCE]))
        self.assertEqual(claims["sub"], world.user.user_id)
        self.assertEqual(claims["client_id"], client.client_id)
        self.assertEqual(sorted(claims["scope"].split()), sorted(SCOPE.split()))
        self.assertTrue(claims.get("jti"))
        self.assertIsInstance(claims.get("auth_time"), int)
        self.assertLessEqual(abs(claims["auth_time"] - auth_time_near), 5)
        self.assertLessEqual(claims["auth_time"], claims["iat"])
        self.assertEqual(claims["exp"] - claims["iat"], response.expires_in)
        return claims

    def check_id_token(self, server, response, client, access_claims, nonce):
        """OIDC Core §2, §3.1.3.6-7, §5.4; `nonce` None: none must be there (§12.2)."""
        header, claims = self.verify(server, response.id_token, client.client_id)
        self.assertEqual(claims["iss"], ISSUER)
        self.assertEqual(claims["sub"], world.user.user_id)
        self.assertIn(claims["aud"], (client.client_id, [client.client_id]))
        self.assertEqual(claims["azp"], client.client_id)
        if nonce is None:
            self.assertNotIn("nonce", claims)
        else:
            self.assertEqual(claims["nonce"], nonce)
        self.assertEqual(claims["auth_time"], access_claims["auth_time"])
        # OIDC Core §15.1: the default server signs ID tokens with RS256 (its access tokens with
        # ES256), verified above by PyJWT against the JWKS. at_hash: the left half of SHA-256
        # (RS256's hash) of the token's ASCII.
        self.assertEqual(header["alg"], "RS256")
        digest = hashlib.sha256(response.access_token.encode("ascii")).digest()
        self.assertEqual(claims["at_hash"], b64url(digest[:len(digest) // 2]))
        self.assertEqual((claims["name"], claims["preferred_username"]),
                         ("Alice Example", world.username))
        self.assertEqual((claims["email"], claims["email_verified"]),
                         ("alice@example.com", True))
        return claims

    def check_redirect(self, authorize_request, response):
        url = urllib.parse.urlsplit(response.redirect_url)
        query = urllib.parse.parse_qs(url.query, strict_parsing=True)
        self.assertEqual(urllib.parse.urlunsplit(url._replace(query="")),
                         authorize_request.redirect_uri)
        self.assertEqual(query, {"code": [response.code], "state": [authorize_request.state],
                                 "iss": [ISSUER]})
        self.assertEqual(response.state, authorize_request.state)
        # 256 random bits, base64url (token.proto).
        self.assertGreaterEqual(len(response.code), 43)
        self.assertRegex(response.code, r"^[A-Za-z0-9_-]+$")


class SeedFlowTest(FlowTestCase):
    """Steps A-E, then refresh, reuse detection and revocation, for each kind of client."""

    def run_seed_flow(self, client):
        a, b = self.a, self.b
        # A-B: authorize on server A.
        started = time.time()
        request, authorized, verifier = self.authorize(a, client)
        self.check_redirect(request, authorized)

        # C-D: redeem on server B (confidential: Basic metadata; public: client_id only).
        tokens = self.redeem(b, client, authorized.code, verifier)
        self.assertEqual(tokens.token_type, "Bearer")
        self.assertEqual(sorted(tokens.scope.split()), sorted(SCOPE.split()))
        self.assertGreater(tokens.expires_in, 0)
        self.assertTrue(tokens.id_token and tokens.refresh_token)
        access = self.check_access_token(b, tokens, client, started)
        self.check_id_token(b, tokens, client, access, request.nonce)

        # E: UserInfo with `authorization: Bearer`, on server A.
        info = a.tokens.UserInfo(token_pb2.UserInfoRequest(), metadata=bearer(tokens.access_token),
                                 timeout=RPC_TIMEOUT)
        # OIDC Core §5.4: profile and email release theirs; address and phone were not asked for.
        self.assertEqual(info, token_pb2.UserInfoResponse(
            sub=world.user.user_id, name="Alice Example", preferred_username=world.username,
            email="alice@example.com", email_verified=True, given_name="Alice", locale="en-GB",
            updated_at=world.user.claims_updated_at.seconds))

        # Introspect on both servers: active, with the token's claims.
        for server in (a, b):
            result = self.introspect(server, tokens.access_token)
            self.assertEqual(
                (result.active, result.sub, result.client_id, result.iss, list(result.aud),
                 result.jti, result.token_type, sorted(result.scope.split())),
                (True, world.user.user_id, client.client_id, ISSUER, [AUDIENCE], access["jti"],
                 "Bearer", sorted(SCOPE.split())), "introspected on " + server.name)

        # Refresh on A: a new refresh token, an ID token without nonce, same auth_time.
        refreshed = self.refresh(a, client, tokens.refresh_token)
        self.assertTrue(refreshed.refresh_token)
        self.assertNotEqual(refreshed.refresh_token, tokens.refresh_token)
        self.assertNotEqual(refreshed.access_token, tokens.access_token)
        new_access = self.check_access_token(a, refreshed, client, started)
        self.assertEqual(new_access["auth_time"], access["auth_time"])
        self.assertNotEqual(new_access["jti"], access["jti"])
        self.check_id_token(a, refreshed, client, new_access, None)

        # The old refresh token again, on B: invalid_grant, and the reuse revokes the grant:
        # the replacement fails too (on A), and every access token of the grant, the one
        # the refresh minted included, is inactive on both (RFC 9700 §4.14.2).
        self.assertTrue(self.introspect(b, refreshed.access_token).active)
        self.assert_refresh_fails(b, client, tokens.refresh_token)
        self.assert_refresh_fails(a, client, refreshed.refresh_token)
        for server in (a, b):
            for access_token in (tokens.access_token, refreshed.access_token):
                self.assertFalse(self.introspect(server, access_token).active, server.name)

        # Revoking an access token (a second login, on A): inactive at once on both, and
        # refused by UserInfo; its refresh token still works.
        _, second = self.login(a, client)
        self.assertTrue(self.introspect(b, second.access_token).active)
        self.revoke(a, client, second.access_token, "access_token")
        for server in (a, b):
            self.assertEqual(self.introspect(server, second.access_token),
                             introspection_pb2.IntrospectResponse(active=False), server.name)
        self.assert_oauth_error(UNAUTHENTICATED, "invalid_token", b.tokens.UserInfo,
                                token_pb2.UserInfoRequest(access_token=second.access_token))
        second_refreshed = self.refresh(b, client, second.refresh_token)

        # Revoking a refresh token (on B; no hint): it no longer refreshes, and the access
        # tokens of its grant are inactive (RFC 7009 §2.1).
        self.assertTrue(self.introspect(a, second_refreshed.access_token).active)
        self.revoke(b, client, second_refreshed.refresh_token)
        self.assert_refresh_fails(a, client, second_refreshed.refresh_token)
        self.assert_refresh_fails(b, client, second_refreshed.refresh_token)
        for server in (a, b):
            self.assertFalse(self.introspect(server, second_refreshed.access_token).active,
                             server.name)

    def test_seed_flow_confidential_client(self):
        self.run_seed_flow(world.web)

    def test_seed_flow_public_client(self):
        self.run_seed_flow(world.spa)

    def test_admin_registered_the_clients_as_asked(self):
        web, spa = world.web_response, world.spa_response
        self.assertEqual(len(web.client_secret), 43)
        self.assertEqual(spa.client_secret, "")
        for created, redirect, public in ((web, WEB_REDIRECT, False), (spa, SPA_REDIRECT, True)):
            client = self.b.admin.GetClient(
                admin_pb2.GetClientRequest(client_id=created.client.client_id),
                metadata=bearer(world.admin_token(self.b)), timeout=RPC_TIMEOUT)
            self.assertEqual((list(client.redirect_uris), sorted(client.grant_types),
                              client.public_client),
                             ([redirect], ["authorization_code", "refresh_token"], public))


class NegativeTest(FlowTestCase):
    """The errors of the flow: gRPC code and ErrorInfo.reason (token.proto, docs/api.md)."""

    def redeem_error(self, server, client, code, verifier, reason, **fields):
        credentials, metadata = client.credentials()
        request = dict(grant_type="authorization_code", code=code,
                       redirect_uri=client.redirect_uri, code_verifier=verifier)
        request.update(credentials)
        request.update(fields)
        return self.assert_oauth_error(INVALID_ARGUMENT, reason, server.tokens.Token,
                                       token_pb2.TokenRequest(**request), metadata)

    def test_wrong_code_verifier_is_invalid_grant(self):
        for client in (world.web, world.spa):
            with self.subTest(client=client.client_id):
                _, authorized, _ = self.authorize(self.a, client)
                other_verifier, _ = pkce_pair()
                self.redeem_error(self.b, client, authorized.code, other_verifier,
                                  "invalid_grant")

    def test_wrong_redirect_uri_at_token_is_invalid_grant(self):
        _, authorized, verifier = self.authorize(self.a, world.web)
        self.redeem_error(self.a, world.web, authorized.code, verifier, "invalid_grant",
                          redirect_uri="https://app.example/other")

    def test_another_clients_code_is_invalid_grant(self):
        _, authorized, verifier = self.authorize(self.a, world.spa)
        self.redeem_error(self.b, world.web, authorized.code, verifier, "invalid_grant",
                          redirect_uri=SPA_REDIRECT)
        # Left alone (not burnt): its own client still redeems it.
        self.assertTrue(self.redeem(self.a, world.spa, authorized.code, verifier).access_token)

    def test_unknown_redirect_uri_at_authorize_is_not_redirected(self):
        _, challenge = pkce_pair()
        for redirect in ("https://evil.example/callback", WEB_REDIRECT + "/", ""):
            with self.subTest(redirect_uri=redirect):
                info = self.assert_oauth_error(
                    INVALID_ARGUMENT, "invalid_request", self.a.tokens.Authorize,
                    self.authorize_request(world.web, challenge, redirect_uri=redirect))
                self.assertNotIn("redirect_uri", info.metadata)

    def test_unknown_client_at_authorize_is_not_redirected(self):
        _, challenge = pkce_pair()
        info = self.assert_oauth_error(
            INVALID_ARGUMENT, "invalid_request", self.b.tokens.Authorize,
            self.authorize_request(world.web, challenge, client_id="no-such-client"))
        self.assertNotIn("redirect_uri", info.metadata)

    def assert_redirected_error(self, info, request, error):
        """ErrorInfo.metadata["redirect_uri"]: the client's redirect_uri with error and state."""
        self.assertIn("redirect_uri", info.metadata)
        url = urllib.parse.urlsplit(info.metadata["redirect_uri"])
        self.assertEqual(urllib.parse.urlunsplit(url._replace(query="")), request.redirect_uri)
        query = urllib.parse.parse_qs(url.query)
        self.assertEqual(query.get("error"), [error])
        self.assertEqual(query.get("state"), [request.state])
        self.assertEqual(query.get("iss"), [ISSUER])
        self.assertNotIn("code", query)

    def test_unsupported_response_type_is_redirected(self):
        _, challenge = pkce_pair()
        for client in (world.web, world.spa):
            with self.subTest(client=client.client_id):
                request = self.authorize_request(client, challenge, response_type="token")
                info = self.assert_oauth_error(INVALID_ARGUMENT, "unsupported_response_type",
                                               self.a.tokens.Authorize, request)
                self.assert_redirected_error(info, request, "unsupported_response_type")

    def test_missing_code_challenge_is_invalid_request(self):
        for client, method in ((world.web, "S256"), (world.spa, "S256"), (world.spa, "")):
            with self.subTest(client=client.client_id, method=method):
                request = self.authorize_request(client, "", code_challenge_method=method)
                info = self.assert_oauth_error(INVALID_ARGUMENT, "invalid_request",
                                               self.b.tokens.Authorize, request)
                self.assert_redirected_error(info, request, "invalid_request")

    def test_plain_pkce_is_refused_by_default(self):
        verifier, _ = pkce_pair()
        request = self.authorize_request(world.spa, verifier, code_challenge_method="plain")
        info = self.assert_oauth_error(INVALID_ARGUMENT, "invalid_request",
                                       self.a.tokens.Authorize, request)
        self.assert_redirected_error(info, request, "invalid_request")

    def test_wrong_password_is_access_denied(self):
        _, challenge = pkce_pair()
        wrong = remember("wrong password", "wrong-" + secrets.token_urlsafe(12))
        for username in (world.username, "nobody." + secrets.token_hex(4)):
            with self.subTest(known_user=username == world.username):
                info = self.assert_oauth_error(
                    UNAUTHENTICATED, "access_denied", self.a.tokens.Authorize,
                    self.authorize_request(world.web, challenge, username=username,
                                           password=wrong))
                self.assertNotIn("redirect_uri", info.metadata)  # The user may retry.

    def test_disabled_user_is_access_denied_and_loses_refresh(self):
        a, b = self.a, self.b
        metadata = bearer(world.admin_token(a))
        username = "bob." + secrets.token_hex(4)
        password = remember("password", "pw-" + secrets.token_urlsafe(18))
        bob = a.admin.CreateUser(admin_pb2.CreateUserRequest(
            username=username, password=password, name="Bob", email="bob@example.com"),
            metadata=metadata, timeout=RPC_TIMEOUT)
        verifier, challenge = pkce_pair()
        authorized = a.tokens.Authorize(self.authorize_request(
            world.web, challenge, username=username, password=password), timeout=RPC_TIMEOUT)
        remember("authorization code", authorized.code)
        tokens = self.redeem(b, world.web, authorized.code, verifier)
        # RFC 7662 §2.1: the refresh token introspects as one, to its own client.
        refresh = self.introspect(a, tokens.refresh_token)
        self.assertEqual((refresh.active, refresh.token_type, refresh.sub, refresh.client_id),
                         (True, "refresh_token", bob.user_id, world.web.client_id))
        self.assertTrue(self.introspect(a, tokens.access_token).active)

        disabled = b.admin.DisableUser(admin_pb2.DisableUserRequest(
            user_id=bob.user_id, disabled=True), metadata=bearer(world.admin_token(b)),
            timeout=RPC_TIMEOUT)
        self.assertTrue(disabled.disabled)
        _, challenge = pkce_pair()
        info = self.assert_oauth_error(
            UNAUTHENTICATED, "access_denied", a.tokens.Authorize,
            self.authorize_request(world.web, challenge, username=username, password=password))
        self.assertNotIn("redirect_uri", info.metadata)
        # admin.proto: "their refresh tokens stop working"; token.proto: UserInfo refuses.
        self.assert_refresh_fails(a, world.web, tokens.refresh_token)
        self.assert_oauth_error(UNAUTHENTICATED, "invalid_token", b.tokens.UserInfo,
                                token_pb2.UserInfoRequest(), bearer(tokens.access_token))
        # Issue 13 item 7: the access token is inactive at once on both replicas (what
        # revocation-sensitive methods ask), and so is the refresh token.
        for server in (a, b):
            self.assertFalse(self.introspect(server, tokens.access_token).active, server.name)
            self.assertFalse(self.introspect(server, tokens.refresh_token).active, server.name)

    def test_new_password_ends_the_users_grants_on_every_replica(self):
        a, b = self.a, self.b
        username = "carol." + secrets.token_hex(4)
        password = remember("password", "pw-" + secrets.token_urlsafe(18))
        carol = a.admin.CreateUser(admin_pb2.CreateUserRequest(
            username=username, password=password, name="Carol"),
            metadata=bearer(world.admin_token(a)), timeout=RPC_TIMEOUT)
        verifier, challenge = pkce_pair()
        authorized = a.tokens.Authorize(self.authorize_request(
            world.web, challenge, username=username, password=password), timeout=RPC_TIMEOUT)
        remember("authorization code", authorized.code)
        tokens = self.redeem(a, world.web, authorized.code, verifier)
        refreshed = self.refresh(b, world.web, tokens.refresh_token)
        self.assertTrue(self.introspect(a, refreshed.access_token).active)

        new_password = remember("password", "pw-" + secrets.token_urlsafe(18))
        b.admin.SetUserPassword(admin_pb2.SetUserPasswordRequest(
            user_id=carol.user_id, password=new_password),
            metadata=bearer(world.admin_token(b)), timeout=RPC_TIMEOUT)
        for server in (a, b):
            for token in (tokens.access_token, refreshed.access_token):
                self.assertFalse(self.introspect(server, token).active, server.name)
        self.assert_refresh_fails(a, world.web, refreshed.refresh_token)

    def test_code_replay_is_invalid_grant_and_revokes_the_first_tokens(self):
        _, authorized, verifier = self.authorize(self.a, world.web)
        first = self.redeem(self.a, world.web, authorized.code, verifier)
        self.assertTrue(self.introspect(self.b, first.access_token).active)
        self.redeem_error(self.b, world.web, authorized.code, verifier, "invalid_grant")
        # RFC 6749 §4.1.2: what the first redemption issued is revoked.
        for server in (self.a, self.b):
            self.assertEqual(self.introspect(server, first.access_token),
                             introspection_pb2.IntrospectResponse(active=False), server.name)
        self.assert_refresh_fails(self.a, world.web, first.refresh_token)
        # And a third try is just as refused.
        self.redeem_error(self.a, world.web, authorized.code, verifier, "invalid_grant")

    def test_confidential_client_must_authenticate_at_token(self):
        _, authorized, verifier = self.authorize(self.a, world.web)
        base = dict(grant_type="authorization_code", code=authorized.code,
                    redirect_uri=WEB_REDIRECT, code_verifier=verifier, client_id="web")
        for secret in ("", "wrong-" + secrets.token_urlsafe(8)):
            with self.subTest(secret=bool(secret)):
                self.assert_oauth_error(UNAUTHENTICATED, "invalid_client", self.b.tokens.Token,
                                        token_pb2.TokenRequest(client_secret=secret, **base))
        # The code survived the refused attempts: the authenticated client redeems it.
        self.assertTrue(self.redeem(self.a, world.web, authorized.code, verifier).access_token)

    def test_userinfo_refusals(self):
        self.assert_oauth_error(UNAUTHENTICATED, "invalid_token", self.a.tokens.UserInfo,
                                token_pb2.UserInfoRequest())
        self.assert_oauth_error(UNAUTHENTICATED, "invalid_token", self.a.tokens.UserInfo,
                                token_pb2.UserInfoRequest(), bearer("not-a-token"))
        # A client_credentials token is no user's: insufficient_scope.
        self.assert_oauth_error(grpc.StatusCode.PERMISSION_DENIED, "insufficient_scope",
                                self.b.tokens.UserInfo, token_pb2.UserInfoRequest(),
                                bearer(world.admin_token(self.b)))

    def test_refresh_token_of_another_client_is_invalid_grant(self):
        _, tokens = self.login(self.a, world.spa)
        self.assert_refresh_fails(self.b, world.web, tokens.refresh_token)
        # Left alone: its own client still rotates it.
        self.assertTrue(self.refresh(self.a, world.spa, tokens.refresh_token).refresh_token)


def race(calls):
    """Runs the callables at once (a barrier), each on its own thread: [(ok, value|RpcError)]."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i):
        try:
            barrier.wait(timeout=RPC_TIMEOUT)
            results[i] = (True, calls[i]())
        except grpc.RpcError as error:
            results[i] = (False, error)
        except Exception as error:  # noqa: BLE001  Reported by the caller's assertion.
            results[i] = (False, error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(RPC_TIMEOUT * 2)
    return results


class RaceTest(FlowTestCase):
    """Concurrent use of one code and of one refresh token, across both server processes."""

    def racing_stubs(self):
        """RACERS stubs, half on their own channels to A, half to B, all connected."""
        self.channels = []
        stubs = []
        for i in range(RACERS):
            channel = grpc.insecure_channel(servers[i % 2].address)
            grpc.channel_ready_future(channel).result(timeout=RPC_TIMEOUT)
            self.channels.append(channel)
            stubs.append(token_pb2_grpc.TokenServiceStub(channel))
        self.addCleanup(lambda: [channel.close() for channel in self.channels])
        return stubs

    def tally(self, results):
        """(successes, Counter of failure outcomes as 'CODE/reason')."""
        successes = [value for ok, value in results if ok]
        failures = {}
        for ok, value in results:
            if not ok:
                key = ("%s/%s" % outcome(value) if isinstance(value, grpc.RpcError)
                       else repr(value))
                failures[key] = failures.get(key, 0) + 1
        return successes, failures

    def test_twenty_concurrent_redemptions_of_one_code(self):
        _, authorized, verifier = self.authorize(self.a, world.web)
        credentials, metadata = world.web.credentials()
        request = token_pb2.TokenRequest(grant_type="authorization_code", code=authorized.code,
                                         redirect_uri=WEB_REDIRECT, code_verifier=verifier,
                                         **credentials)
        stubs = self.racing_stubs()
        results = race([lambda stub=stub: stub.Token(request, metadata=metadata,
                                                     timeout=RPC_TIMEOUT) for stub in stubs])
        successes, failures = self.tally(results)
        for response in successes:
            self.remember_tokens(response)
        self.assertEqual((len(successes), failures),
                         (1, {"INVALID_ARGUMENT/invalid_grant": RACERS - 1}))
        winner = successes[0]
        winner_jti = jwt.decode(winner.access_token, options={"verify_signature": False})["jti"]

        # The code's row: redeemed, bound to the winner's access token.
        rows = support.psql(database_url,
                    "SELECT redeemed_at IS NOT NULL, access_token_jti, grant_id"
                    " FROM authorization_codes WHERE code_hash = %s"
                    % sql_literal(opaque_hash(authorized.code)))
        self.assertEqual([row[:2] for row in rows], [["t", winner_jti]])
        # Every loser was a second use: what the winner got is revoked (RFC 6749 §4.1.2), and
        # no refresh token of the grant is left alive (losers' half-made ones included).
        family = support.psql(database_url,
                      "SELECT token_hash, revoked FROM refresh_tokens WHERE family_id = %s"
                      % sql_literal(rows[0][2]))
        self.assertIn(opaque_hash(winner.refresh_token), [row[0] for row in family])
        self.assertEqual({row[1] for row in family}, {"t"}, family)
        for server in (self.a, self.b):
            self.assertFalse(self.introspect(server, winner.access_token).active, server.name)
        self.assert_refresh_fails(self.b, world.web, winner.refresh_token)

    def test_twenty_concurrent_uses_of_one_refresh_token(self):
        authorized, tokens = self.login(self.a, world.web)
        original = tokens.refresh_token
        credentials, metadata = world.web.credentials()
        request = token_pb2.TokenRequest(grant_type="refresh_token", refresh_token=original,
                                         **credentials)
        stubs = self.racing_stubs()
        results = race([lambda stub=stub: stub.Token(request, metadata=metadata,
                                                     timeout=RPC_TIMEOUT) for stub in stubs])
        successes, failures = self.tally(results)
        for response in successes:
            self.remember_tokens(response)
        self.assertEqual((len(successes), failures),
                         (1, {"INVALID_ARGUMENT/invalid_grant": RACERS - 1}))
        replacement = successes[0].refresh_token
        self.assertTrue(replacement)

        # The reuse policy: the whole family is revoked, the replacement included.
        for server in (self.a, self.b):
            self.assert_refresh_fails(server, world.web, replacement)
            self.assert_refresh_fails(server, world.web, original)

        # No half-written state: the original rotated once, one replacement, all revoked.
        code_rows = support.psql(database_url,
                         "SELECT redeemed_at IS NOT NULL, grant_id FROM authorization_codes"
                         " WHERE code_hash = %s" % sql_literal(opaque_hash(authorized.code)))
        self.assertEqual(len(code_rows), 1)
        self.assertEqual(code_rows[0][0], "t")
        family_id = support.psql(database_url,
                         "SELECT family_id FROM refresh_tokens WHERE token_hash = %s"
                         % sql_literal(opaque_hash(original)))
        self.assertEqual(family_id, [[code_rows[0][1]]])
        family = support.psql(database_url,
                      "SELECT token_hash, rotated_at IS NULL, revoked FROM refresh_tokens"
                      " WHERE family_id = %s ORDER BY created_at" % sql_literal(family_id[0][0]))
        by_hash = {row[0]: row[1:] for row in family}
        self.assertEqual(len(family), 2, family)
        self.assertEqual(by_hash.get(opaque_hash(original)), ["f", "t"],
                         "the original: rotated_at set, revoked")
        self.assertEqual(by_hash.get(opaque_hash(replacement)), ["t", "t"],
                         "the replacement: rotated_at NULL, revoked")


    def test_twenty_concurrent_uses_of_one_pushed_request(self):
        # RFC 9126 §4: a request_uri pushed at A is used once, whichever replica sees it first.
        verifier, challenge = pkce_pair()
        credentials, metadata = world.web.credentials()
        push = dict(response_type="code", redirect_uri=world.web.redirect_uri, scope=SCOPE,
                    state="st-pushed", code_challenge=challenge, code_challenge_method="S256",
                    nonce="n-" + secrets.token_urlsafe(12))
        push.update(credentials)
        pushed = self.a.tokens.PushAuthorization(token_pb2.PushAuthorizationRequest(**push),
                                                 metadata=metadata, timeout=RPC_TIMEOUT)
        remember("request_uri", pushed.request_uri)
        self.assertTrue(pushed.request_uri.startswith("urn:ietf:params:oauth:request_uri:"))
        self.assertEqual(pushed.expires_in, 60)
        request = token_pb2.AuthorizeRequest(client_id=world.web.client_id,
                                             request_uri=pushed.request_uri,
                                             username=world.username, password=world.password)
        stubs = self.racing_stubs()
        results = race([lambda stub=stub: stub.Authorize(request, timeout=RPC_TIMEOUT)
                        for stub in stubs])
        successes, failures = self.tally(results)
        for response in successes:
            remember("authorization code", response.code)
        self.assertEqual((len(successes), failures),
                         (1, {"INVALID_ARGUMENT/invalid_request": RACERS - 1}))
        self.assertEqual(successes[0].state, "st-pushed")  # The pushed parameters.
        self.assertEqual(support.psql(
            database_url, "SELECT count(*) FROM pushed_authorization_requests"
            " WHERE request_uri_hash = %s" % sql_literal(opaque_hash(pushed.request_uri))),
            [["0"]])
        tokens = self.redeem(self.b, world.web, successes[0].code, verifier)
        self.assertTrue(tokens.id_token)


class GuessingTest(FlowTestCase):
    """Issue 13, item 3: the login throttle (5 failures per username, 20 per source, in 15 min)
    holds for concurrent guesses spread over both servers, whose counters are in PostgreSQL; the
    source is what the trusted proxy (127.0.0.1, --trusted-proxies) forwards."""

    GUESSES = 29

    @staticmethod
    def forwarded(source):
        """The metadata a reverse proxy at 127.0.0.1 adds for a client at `source`."""
        return (("x-forwarded-for", source),)

    def login(self, server, username, password, source):
        """Authorize for world.web: 'OK' or 'CODE/reason'."""
        _, challenge = pkce_pair()
        request = self.authorize_request(world.web, challenge, username=username,
                                         password=password)
        try:
            server.tokens.Authorize(request, metadata=self.forwarded(source),
                                    timeout=RPC_TIMEOUT)
            return "OK"
        except grpc.RpcError as error:
            return "%s/%s" % outcome(error)

    def test_parallel_guesses_on_both_servers_do_not_pass_the_throttle(self):
        """29 wrong passwords at once, alternating between the servers, then the right one:
        without the reservation all 29 were checked and the right one logged in."""
        admin = bearer(world.admin_token(self.a))
        username = "victim." + secrets.token_hex(4)
        password = remember("password", "pw-" + secrets.token_urlsafe(18))
        self.a.admin.CreateUser(admin_pb2.CreateUserRequest(username=username, password=password),
                                metadata=admin, timeout=RPC_TIMEOUT)
        wrong = remember("wrong password", "wrong-" + secrets.token_urlsafe(12))
        # Each guess from its own address: only the per-user limit is in play.
        results = race([lambda i=i: self.login(servers[i % 2], username, wrong,
                                               "127.2.0.%d" % (i + 1))
                        for i in range(self.GUESSES)])
        tally = {}
        for ok, value in results:
            key = value if ok else repr(value)
            tally[key] = tally.get(key, 0) + 1
        self.assertEqual(tally, {"UNAUTHENTICATED/access_denied": 5,
                                 "RESOURCE_EXHAUSTED/temporarily_unavailable": self.GUESSES - 5})
        for server in (self.a, self.b):
            self.assertEqual(self.login(server, username, password, "127.2.1.1"),
                             "RESOURCE_EXHAUSTED/temporarily_unavailable", server.name)
        rows = support.psql(database_url, "SELECT count(*) FROM login_attempts"
                                          " WHERE key LIKE 'user:%' AND locked_until > now()")
        self.assertGreaterEqual(int(rows[0][0]), 1)

    def test_the_source_is_what_the_trusted_proxy_forwards(self):
        """20 failures from one forwarded address (4 each for 5 unknown names, so no username
        locks) lock that address on both servers; another address, and the proxy itself, are
        not locked."""
        wrong = remember("wrong password", "wrong-" + secrets.token_urlsafe(12))
        names = ["nobody.%s.%d" % (secrets.token_hex(3), i) for i in range(6)]
        source = "127.3.0.%d" % secrets.randbelow(250)
        for i in range(20):
            self.assertEqual(self.login(servers[i % 2], names[i // 4], wrong, source),
                             "UNAUTHENTICATED/access_denied", i)
        for server in (self.a, self.b):
            self.assertEqual(self.login(server, names[5], wrong, source),
                             "RESOURCE_EXHAUSTED/temporarily_unavailable", server.name)
        self.assertEqual(self.login(self.b, names[5], wrong, "127.4.0.1"),
                         "UNAUTHENTICATED/access_denied")
        # A client's own header is not believed when it does not come from the proxy: only the
        # right-most (proxy-added) entry counts.
        self.assertEqual(self.login(self.a, names[5], wrong, source + ", 127.4.0.2"),
                         "UNAUTHENTICATED/access_denied")


class LoginBurstTest(FlowTestCase):
    """Issue 13, item 2: 64 concurrent logins against a server allowing 2 password hashes at a
    time (--password-hash-concurrency=2, default Argon2id: 19 MiB each). The others wait up to
    100 ms, then are refused at once; the process's peak resident memory grows by about 2 hashes,
    not 64 (before the bound: about 16.5 MiB per concurrent login)."""

    BURST = 64
    HASH_MIB = 19
    SLOTS = 2
    SLACK_MIB = 64  # Threads' stacks, gRPC buffers, allocator: generous, far below 64 hashes.

    @staticmethod
    def status_kib(pid, field):
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        raise AssertionError("no %s in /proc/%d/status" % (field, pid))

    def test_64_parallel_logins_stay_within_the_hash_bound(self):
        server = burst_server
        pid = server.process.pid
        _, challenge = pkce_pair()
        wrong = remember("wrong password", "wrong-" + secrets.token_urlsafe(12))

        def call(i):
            # Unknown names (a dummy hash each, as costly as a real one), each from its own
            # forwarded address: no throttle in play, only the hash bound.
            request = self.authorize_request(world.web, challenge,
                                             username="burst.%d.%s" % (i, secrets.token_hex(3)),
                                             password=wrong)
            return server.tokens.Authorize(request, timeout=RPC_TIMEOUT,
                                           metadata=(("x-forwarded-for", "127.5.0.%d" % (i + 1)),))

        # Warm up (threads, first hash), then reset the peak to what is resident now.
        race([lambda i=i: call(100 + i) for i in range(4)])
        with open("/proc/%d/clear_refs" % pid, "w") as f:
            f.write("5")  # Linux: resets VmHWM to the current RSS.
        before = self.status_kib(pid, "VmRSS")
        started = time.monotonic()
        results = race([lambda i=i: call(i) for i in range(self.BURST)])
        elapsed = time.monotonic() - started
        peak = self.status_kib(pid, "VmHWM")
        tally = {}
        for ok, value in results:
            key = "OK" if ok else ("%s/%s" % outcome(value) if isinstance(value, grpc.RpcError)
                                   else repr(value))
            tally[key] = tally.get(key, 0) + 1
        growth_mib = (peak - before) / 1024.0
        sys.stderr.write("login burst: %d calls in %.1f s, %s; RSS %.0f MiB before, peak growth "
                         "%.0f MiB (bound %d x %d MiB + %d MiB slack)\n"
                         % (self.BURST, elapsed, tally, before / 1024.0, growth_mib, self.SLOTS,
                            self.HASH_MIB, self.SLACK_MIB))
        self.assertEqual(set(tally) - {"UNAUTHENTICATED/access_denied",
                                       "RESOURCE_EXHAUSTED/temporarily_unavailable"}, set(), tally)
        self.assertGreater(tally.get("RESOURCE_EXHAUSTED/temporarily_unavailable", 0), 0, tally)
        self.assertGreater(tally.get("UNAUTHENTICATED/access_denied", 0), 0, tally)
        self.assertLessEqual(growth_mib, self.SLOTS * self.HASH_MIB + self.SLACK_MIB)
        # The refusal is the busy one: retry after 1 s, not the throttle's lockout.
        for ok, value in results:
            if not ok and outcome(value)[0] == "RESOURCE_EXHAUSTED":
                self.assertEqual(error_info(value).metadata["retry_after_seconds"], "1")
                self.assertEqual(value.details(), "the server is busy; try again later")


ORDERS_API = "https://orders.example/api"
BILLING_API = "urn:example:billing"
OTHER_API = "https://other.example/"  # No scope of it is the resource client's.


class ResourceIndicatorTest(FlowTestCase):
    """RFC 8707 resource indicators across both replicas: resources and a client registered
    through AdminService, codes authorized for resources on one server and exchanged on the
    other, a token per resource verified by PyJWT for that audience only (RFC 9700 §2.3), and
    every refusal as INVALID_ARGUMENT / invalid_target."""

    client = None

    @classmethod
    def setUpClass(cls):
        if cls.client is not None:
            return
        a, b = servers
        for indicator, scopes in ((ORDERS_API, ["orders.read", "orders.write"]),
                                  (BILLING_API, ["billing.read"]),
                                  (OTHER_API, ["other.read"])):
            a.admin.CreateResource(admin_pb2.CreateResourceRequest(
                resource=indicator, name=indicator, scopes=scopes),
                metadata=bearer(world.admin_token(a)), timeout=RPC_TIMEOUT)
        # Through server B: the replicas share the registry.
        listed = b.admin.ListResources(admin_pb2.ListResourcesRequest(),
                                       metadata=bearer(world.admin_token(b)),
                                       timeout=RPC_TIMEOUT)
        assert {r.resource for r in listed.resources} >= {ORDERS_API, BILLING_API, OTHER_API}
        created = b.admin.CreateClient(admin_pb2.CreateClientRequest(
            client_id="resource-web", name="Resource web", redirect_uris=[WEB_REDIRECT],
            allowed_scopes=["orders.read", "billing.read"],
            grant_types=["authorization_code", "refresh_token", "client_credentials"]),
            metadata=bearer(world.admin_token(b)), timeout=RPC_TIMEOUT)
        remember("resource-web client_secret", created.client_secret)
        cls.client = Client("resource-web", created.client_secret, WEB_REDIRECT)

    def claims_for(self, server, token, audience):
        """PyJWT verifies `token` for `audience` and refuses it for the others."""
        _, claims = self.verify(server, token, audience)
        self.assertIn(claims["aud"], (audience, [audience]))
        for other in {ORDERS_API, BILLING_API, AUDIENCE} - {audience}:
            with self.assertRaises(jwt.InvalidAudienceError, msg=other):
                self.verify(server, token, other)
        return claims

    def refresh_error(self, server, refresh_token, reason, **fields):
        credentials, metadata = self.client.credentials()
        self.assert_oauth_error(
            INVALID_ARGUMENT, reason, server.tokens.Token,
            token_pb2.TokenRequest(grant_type="refresh_token", refresh_token=refresh_token,
                                   **credentials, **fields), metadata)

    def test_a_token_for_each_resource_of_the_grant_across_replicas(self):
        _, authorized, verifier = self.authorize(
            self.a, self.client, scope="openid orders.read billing.read",
            resource=[ORDERS_API, BILLING_API])
        tokens = self.redeem(self.b, self.client, authorized.code, verifier,
                             resource=[ORDERS_API])
        claims = self.claims_for(self.b, tokens.access_token, ORDERS_API)
        self.assertEqual((claims["scope"], tokens.scope), ("orders.read", "orders.read"))
        self.assertTrue(tokens.id_token)  # The client's ID token is unchanged.
        self.assertEqual(list(self.introspect(self.a, tokens.access_token).aud), [ORDERS_API])
        # RFC 8707 §2.2: the refresh token gets a token for the other resource, on server A.
        billing = self.refresh(self.a, self.client, tokens.refresh_token, resource=[BILLING_API])
        self.assertEqual(self.claims_for(self.a, billing.access_token, BILLING_API)["scope"],
                         "billing.read")
        # Not the grant's, unknown, or two at once: refused, and the token is not rotated.
        for resource in ([OTHER_API], ["https://unknown.example/"], [ORDERS_API, BILLING_API]):
            with self.subTest(resource=resource):
                self.refresh_error(self.b, billing.refresh_token, "invalid_target",
                                   resource=resource)
        # A grant of several resources must name one.
        self.refresh_error(self.b, billing.refresh_token, "invalid_target")
        orders = self.refresh(self.b, self.client, billing.refresh_token, resource=[ORDERS_API])
        self.claims_for(self.b, orders.access_token, ORDERS_API)
        # Scope narrowing within the resource: billing.read is the grant's, not the API's.
        self.refresh_error(self.a, orders.refresh_token, "invalid_scope",
                           resource=[ORDERS_API], scope="billing.read")

    def test_a_code_for_one_resource_is_refused_for_another_then_single_use(self):
        _, authorized, verifier = self.authorize(
            self.a, self.client, scope="openid orders.read billing.read", resource=[ORDERS_API])
        credentials, metadata = self.client.credentials()
        redeem = dict(grant_type="authorization_code", code=authorized.code,
                      redirect_uri=WEB_REDIRECT, code_verifier=verifier, **credentials)
        self.assert_oauth_error(INVALID_ARGUMENT, "invalid_target", self.b.tokens.Token,
                                token_pb2.TokenRequest(resource=[BILLING_API], **redeem),
                                metadata)
        # Refused before redemption: the code still works, on the other server, for its
        # resource (named none: its only one)...
        tokens = self.redeem(self.a, self.client, authorized.code, verifier)
        self.claims_for(self.a, tokens.access_token, ORDERS_API)
        # ...once: a replay on server B, whatever resource it names, is invalid_grant.
        self.assert_oauth_error(INVALID_ARGUMENT, "invalid_grant", self.b.tokens.Token,
                                token_pb2.TokenRequest(resource=[ORDERS_API], **redeem),
                                metadata)

    def test_authorize_refusals_are_redirected_invalid_target(self):
        for resource in (["https://unknown.example/"], ["/relative/api"],
                         [ORDERS_API + "#fragment"], [OTHER_API]):
            with self.subTest(resource=resource):
                verifier, challenge = pkce_pair()
                request = self.authorize_request(self.client, challenge,
                                                 scope="openid orders.read", resource=resource)
                info = self.assert_oauth_error(INVALID_ARGUMENT, "invalid_target",
                                               self.b.tokens.Authorize, request)
                query = urllib.parse.parse_qs(
                    urllib.parse.urlsplit(info.metadata["redirect_uri"]).query)
                self.assertEqual(query["error"], ["invalid_target"])

    def test_client_credentials_for_one_resource(self):
        credentials, metadata = self.client.credentials()
        response = self.a.tokens.Token(token_pb2.TokenRequest(
            grant_type="client_credentials", resource=[BILLING_API], **credentials),
            metadata=metadata, timeout=RPC_TIMEOUT)
        remember("access_token", response.access_token)
        claims = self.claims_for(self.b, response.access_token, BILLING_API)
        self.assertEqual(claims["scope"], "billing.read")
        for resource in ([ORDERS_API, BILLING_API], [OTHER_API], ["orders.example/api"]):
            with self.subTest(resource=resource):
                self.assert_oauth_error(INVALID_ARGUMENT, "invalid_target", self.b.tokens.Token,
                                        token_pb2.TokenRequest(grant_type="client_credentials",
                                                               resource=resource,
                                                               **credentials), metadata)


class ShutdownAndLeakTest(FlowTestCase):
    """Runs last (in name order): SIGTERM both, then the logs and the database are searched."""

    def test_1_sigterm_both_exit_zero(self):
        for server in servers:
            with self.subTest(server=server.name):
                self.assertEqual(server.stop(), 0, server.log()[-4000:])

    def test_2_every_log_line_is_json(self):
        for server in servers:
            lines = server.log().splitlines()
            self.assertTrue(lines, "server %s logged nothing" % server.name)
            for number, line in enumerate(lines, 1):
                with self.subTest(server=server.name, line=number):
                    try:
                        self.assertIsInstance(json.loads(line), dict)
                    except ValueError:
                        self.fail("not JSON: %r" % line[:300])

    def test_3_debug_log_has_every_call(self):
        """--log-level=debug logs every call: the grep below is not vacuous."""
        for server in servers:
            methods = set()
            for line in server.log().splitlines():
                try:
                    methods.add(json.loads(line).get("method"))
                except ValueError:
                    pass
            for method in ("Authorize", "Token", "UserInfo", "Revoke"):
                self.assertIn("/identity.v1.TokenService/" + method, methods, server.name)
            self.assertIn("/identity.v1.IntrospectionService/Introspect", methods, server.name)

    def test_4_no_secret_in_any_log_line(self):
        self.assertGreater(len(SEEN), 20)
        sys.stderr.write("searching the logs for %d secret values\n" % len(SEEN))
        for server in servers:
            text = server.log()
            # JSON escapes: a value with '/' may be logged as '\/'.
            leaked = sorted(label for label, value in SEEN.items()
                            if value in text or value.replace("/", "\\/") in text)
            self.assertEqual(leaked, [], "server %s's log holds these" % server.name)

    def test_5_no_secret_in_any_database_column(self):
        tables = [row[0] for row in support.psql(
            database_url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        for expected in ("users", "clients", "authorization_codes", "refresh_tokens"):
            self.assertIn(expected, tables)
        dump = "\n".join(
            "\t".join(row) for table in tables
            for row in support.psql(database_url, "SELECT t::text FROM %s AS t" % table))
        self.assertIn(world.user.user_id, dump)  # The dump is real.
        leaked = sorted(label for label, value in SEEN.items() if value in dump)
        self.assertEqual(leaked, [])


def main(argv):
    options = dict(zip(argv[::2], argv[1::2]))
    if len(argv) % 2 or not {"--server", "--proto-root"} <= set(options) <= {
            "--server", "--proto-root", "-k"}:
        sys.stderr.write(__doc__)
        return 2
    shared_url = os.environ.get("IDENTITY_TEST_DATABASE_URL")
    if not shared_url:
        sys.stderr.write("IDENTITY_TEST_DATABASE_URL is not set: this test needs a PostgreSQL "
                         "(docs/build.md)\n")
        return 1
    work_dir = tempfile.mkdtemp(dir=os.environ.get("TEST_TMPDIR"))
    generate_stubs(options["--proto-root"], os.path.join(work_dir, "stubs"))
    # The servers' logs: kept among the test's outputs under Bazel (test.outputs/outputs.zip).
    log_dir = os.environ.get("TEST_UNDECLARED_OUTPUTS_DIR") or work_dir
    sys.stderr.write("grpcio %s, PyJWT %s, server %s, logs in %s\n"
                     % (grpc.__version__, jwt.__version__, options["--server"], log_dir))

    global database_url, world, burst_server
    admin_id = "login-flow-admin." + secrets.token_hex(4)
    admin_secret = remember("admin client_secret", secrets.token_urlsafe(32))
    remember("admin basic credentials", base64.b64encode(
        (admin_id + ":" + admin_secret).encode()).decode())
    database, database_url = support.create_database(shared_url, "identity_login_flow_")
    passed = False
    try:
        # Both at once on the fresh database: they race to migrate it and seed keys and admin.
        # The test client plays a reverse proxy at 127.0.0.1 (GuessingTest); the wait for a
        # hash slot is long, so that no concurrent login is refused as busy here.
        for name in ("a", "b"):
            servers.append(Server(name, options["--server"], database_url, log_dir,
                                  admin_id, admin_secret,
                                  ["--trusted-proxies=127.0.0.1", "--password-hash-wait=10s"]))
        for server in servers:
            server.wait_ready()
        world = World(admin_id, admin_secret)
        burst_server = Server("c", options["--server"], database_url, log_dir, admin_id,
                              admin_secret, ["--trusted-proxies=127.0.0.1",
                                             "--password-hash-concurrency=2",
                                             "--password-hash-wait=100ms", "--log-level=info"])
        burst_server.wait_ready()
        passed = junit_report.run([SeedFlowTest, NegativeTest, RaceTest, GuessingTest,
                                   LoginBurstTest, ResourceIndicatorTest, ShutdownAndLeakTest],
                                  "login_flow_test", options.get("-k"))
    finally:
        for server in servers + ([burst_server] if burst_server else []):
            server.kill()
        support.psql(shared_url, "DROP DATABASE IF EXISTS %s WITH (FORCE)" % database)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
