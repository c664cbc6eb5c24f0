#!/usr/bin/python3
"""End-to-end test of OAuth 2.0 Token Exchange (RFC 8693): two real identity-server processes on
one real PostgreSQL database, driven over loopback gRPC and HTTP by an independent client.

The client side uses nothing of ours but the .proto files: Debian's python3-grpcio with stubs
generated here by /usr/bin/protoc + grpc_python_plugin, urllib for the HTTP /token endpoint, and
PyJWT (python3-jwt) to verify the exchanged tokens against the servers' JWKS and to sign a
foreign token. It covers:

  - delegation (a gateway exchanges a user's access token for one with audience billing-api and
    a narrower scope; the token carries act {"sub": "gateway"}, keeps the user's sub, names the
    gateway in client_id, never outlives the subject token), with an actor token (its subject
    acts), and a chain (a token delegated to the gateway, exchanged again by billing: act nests
    the gateway under billing);
  - impersonation over HTTP /token (client_secret_basic): no act, issued_token_type in the JSON;
  - discovery's grant_types_supported;
  - the refusals as gRPC code + google.rpc.ErrorInfo reason and as HTTP status + error: a revoked
    subject token (revoked through server A, refused by server B and by A's HTTP face), an ID
    token, a foreign-signed token (invalid_request, RFC 8693 §2.2.2), an audience outside the
    policy, several audiences, an empty audience or resource over HTTP, a widened scope, an
    unsupported requested_token_type, a client without the grant, delegation the policy does not
    allow;
  - an audience that is a registered resource: scopes narrowed to the resource's; that token
    exchanged without an audience on the other replica is invalid_target (never retargeted).

Usage: /usr/bin/python3 token_exchange_test.py --server BINARY --proto-root DIR [-k PATTERN]
Needs IDENTITY_TEST_DATABASE_URL, a PostgreSQL where it may CREATE DATABASE (dropped at the end).
Writes JUnit XML to $XML_OUTPUT_FILE when set and exits non-zero if any test fails.
"""

import base64
import hashlib
import json
import os
import secrets
import sys
import tempfile
import unittest
import urllib.error
import urllib.parse
import urllib.request

import grpc
import jwt
from cryptography.hazmat.primitives.asymmetric import ec

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import grpc_test_support as support  # noqa: E402  (tests/python)
import identity_process  # noqa: E402  (tests/python)
import junit_report  # noqa: E402  (tests/python)

ISSUER = "https://id.example"
AUDIENCE = "orders-api"
ADMIN_SCOPE = "identity.admin"
ERROR_DOMAIN = "identity.dev"
KEK = secrets.token_hex(32)
EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
LEDGER = "https://ledger.example/api"  # A registered resource (RFC 8707).
ACCESS_TOKEN = "urn:ietf:params:oauth:token-type:access_token"
ID_TOKEN = "urn:ietf:params:oauth:token-type:id_token"
WEB_REDIRECT = "https://app.example/callback"
RPC_TIMEOUT = 30
HTTP_TIMEOUT = 30
PROTOS = ["google/rpc/status.proto", "google/rpc/error_details.proto",
          "identity/v1/token.proto", "identity/v1/introspection.proto", "identity/v1/keys.proto",
          "identity/v1/admin.proto"]

servers = []   # [Server A, Server B], set in main().
world = None   # The admin-made user and clients.


def generate_stubs(proto_root, out_dir):
    support.compile_protos([proto_root], PROTOS, out_dir)
    global status_pb2, error_details_pb2, token_pb2, token_pb2_grpc
    global introspection_pb2, introspection_pb2_grpc, keys_pb2, keys_pb2_grpc
    global admin_pb2, admin_pb2_grpc
    from google.rpc import error_details_pb2, status_pb2
    from identity.v1 import admin_pb2, admin_pb2_grpc
    from identity.v1 import introspection_pb2, introspection_pb2_grpc
    from identity.v1 import keys_pb2, keys_pb2_grpc, token_pb2, token_pb2_grpc


def basic(client_id, client_secret):
    return (("authorization", "Basic " + support.basic_credentials(client_id, client_secret)),)


def bearer(token):
    return (("authorization", "Bearer " + token),)


class Server(identity_process.IdentityProcess):
    """identity-server with the stubs this test calls; --store-cache-ttl=0: a revocation through
    one server is seen by the other at once."""

    def __init__(self, name, binary, url, work_dir, admin_id, admin_secret):
        super().__init__(
            name, binary, url, work_dir, ISSUER, AUDIENCE,
            {"IDENTITY_KEK": KEK, "IDENTITY_BOOTSTRAP_ADMIN_CLIENT_ID": admin_id,
             "IDENTITY_BOOTSTRAP_ADMIN_CLIENT_SECRET": admin_secret},
            ["--store-cache-ttl=0"])
        self.tokens = token_pb2_grpc.TokenServiceStub(self.channel)
        self.introspection = introspection_pb2_grpc.IntrospectionServiceStub(self.channel)
        self.keys = keys_pb2_grpc.KeyServiceStub(self.channel)
        self.admin = admin_pb2_grpc.AdminServiceStub(self.channel)

    def post_token(self, form, client_id, client_secret):
        """POST /token (client_secret_basic): (HTTP status, JSON body)."""
        request = urllib.request.Request(
            self.http + "/token", data=urllib.parse.urlencode(form).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded",
                     "Authorization": "Basic " + support.basic_credentials(client_id,
                                                                           client_secret)})
        try:
            with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())


class World:
    """A user, a web client she signs in to, and three services with their exchange policies,
    registered through AdminService on server A."""

    def __init__(self, admin_id, admin_secret):
        a = servers[0]
        admin = a.tokens.Token(token_pb2.TokenRequest(
            grant_type="client_credentials", client_id=admin_id, client_secret=admin_secret,
            scope=ADMIN_SCOPE), timeout=RPC_TIMEOUT).access_token
        md = bearer(admin)
        self.username = "alice." + secrets.token_hex(4)
        self.password = "pw-" + secrets.token_urlsafe(18)
        self.user_id = a.admin.CreateUser(admin_pb2.CreateUserRequest(
            username=self.username, password=self.password, name="Alice"),
            metadata=md, timeout=RPC_TIMEOUT).user_id
        self.secrets = {}
        self.create(a, md, client_id="web", name="Web app", redirect_uris=[WEB_REDIRECT],
                    grant_types=["authorization_code", "refresh_token"],
                    allowed_scopes=["openid", "orders.read", "orders.write"])
        self.create(a, md, client_id="gateway", name="Gateway",
                    grant_types=["client_credentials", EXCHANGE],
                    allowed_scopes=["orders.read", "orders.write"],
                    token_exchange=admin_pb2.TokenExchangePolicy(
                        delegation=True, audiences=["billing-api", "ledger-api"]))
        self.create(a, md, client_id="billing", name="Billing",
                    grant_types=[EXCHANGE], allowed_scopes=["orders.read"],
                    token_exchange=admin_pb2.TokenExchangePolicy(delegation=True,
                                                                 audiences=["ledger-api"]))
        # A registered resource (RFC 8707) a policy names as an audience.
        a.admin.CreateResource(admin_pb2.CreateResourceRequest(
            resource=LEDGER, name="Ledger", scopes=["orders.read"]), metadata=md,
            timeout=RPC_TIMEOUT)
        self.create(a, md, client_id="ledger-gw", name="Ledger gateway",
                    grant_types=[EXCHANGE], allowed_scopes=["orders.read", "orders.write"],
                    token_exchange=admin_pb2.TokenExchangePolicy(delegation=True,
                                                                 audiences=[LEDGER]))
        self.create(a, md, client_id="stand-in", name="Batch job",
                    grant_types=[EXCHANGE], allowed_scopes=["orders.read"],
                    token_exchange=admin_pb2.TokenExchangePolicy(impersonation=True))

    def create(self, server, md, **fields):
        created = server.admin.CreateClient(admin_pb2.CreateClientRequest(**fields),
                                            metadata=md, timeout=RPC_TIMEOUT)
        self.secrets[fields["client_id"]] = created.client_secret
        return created

    def md(self, client_id):
        return basic(client_id, self.secrets[client_id])


def error_reason(error):
    """The google.rpc.ErrorInfo reason of a failed call (AIP-193)."""
    trailers = dict(error.trailing_metadata() or ())
    status = status_pb2.Status.FromString(trailers["grpc-status-details-bin"])
    info = error_details_pb2.ErrorInfo()
    assert status.details[0].Unpack(info) and info.domain == ERROR_DOMAIN
    return info.reason


class ExchangeTest(unittest.TestCase):
    @property
    def a(self):
        return servers[0]

    @property
    def b(self):
        return servers[1]

    def user_tokens(self, scope="openid orders.read orders.write"):
        """Alice signs in to the web client on A (code + PKCE), redeemed on B."""
        verifier = secrets.token_urlsafe(32)
        challenge = base64.urlsafe_b64encode(
            hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        code = self.a.tokens.Authorize(token_pb2.AuthorizeRequest(
            response_type="code", client_id="web", redirect_uri=WEB_REDIRECT, scope=scope,
            state="s", code_challenge=challenge, code_challenge_method="S256", nonce="n",
            username=world.username, password=world.password), timeout=RPC_TIMEOUT).code
        return self.b.tokens.Token(token_pb2.TokenRequest(
            grant_type="authorization_code", code=code, redirect_uri=WEB_REDIRECT,
            code_verifier=verifier), metadata=world.md("web"), timeout=RPC_TIMEOUT)

    def exchange(self, server, client_id, subject_token, **fields):
        request = dict(grant_type=EXCHANGE, subject_token=subject_token,
                       subject_token_type=ACCESS_TOKEN)
        request.update(fields)
        return server.tokens.Token(token_pb2.TokenRequest(**request),
                                   metadata=world.md(client_id), timeout=RPC_TIMEOUT)

    def verify(self, server, token, audience):
        """PyJWT against the server's JWKS (KeyService.GetJwks): signature, iss, aud, typ."""
        jwks = jwt.PyJWKSet.from_json(
            server.keys.GetJwks(keys_pb2.GetJwksRequest(), timeout=RPC_TIMEOUT).jwks_json)
        header = jwt.get_unverified_header(token)
        self.assertEqual(header["typ"], "at+jwt")
        key = next(k for k in jwks.keys if k.key_id == header["kid"])
        return jwt.decode(token, key.key, algorithms=[header["alg"]], audience=audience,
                          issuer=ISSUER, options={"require": ["exp", "iat", "sub", "jti"]})

    def assert_refused(self, code, reason, call):
        with self.assertRaises(grpc.RpcError) as raised:
            call()
        self.assertEqual(raised.exception.code(), code, raised.exception.details())
        self.assertEqual(error_reason(raised.exception), reason)

    # --- what is issued --------------------------------------------------------------------

    def test_delegation_narrows_audience_scope_and_lifetime(self):
        user = self.user_tokens()
        subject = self.verify(self.a, user.access_token, AUDIENCE)
        exchanged = self.exchange(self.a, "gateway", user.access_token,
                                  audience=["billing-api"], scope="orders.read")
        self.assertEqual(exchanged.issued_token_type, ACCESS_TOKEN)
        self.assertEqual(exchanged.token_type, "Bearer")
        self.assertEqual(exchanged.refresh_token, "")
        self.assertEqual(exchanged.id_token, "")
        self.assertEqual(exchanged.scope, "orders.read")
        claims = self.verify(self.b, exchanged.access_token, "billing-api")
        self.assertEqual(claims["sub"], world.user_id)
        self.assertEqual(claims["client_id"], "gateway")
        self.assertEqual(claims["act"], {"sub": "gateway"})
        self.assertEqual(claims["scope"], "orders.read")
        self.assertLessEqual(claims["exp"], subject["exp"])
        self.assertEqual(claims["auth_time"], subject["auth_time"])
        # The other replica judges it a live token of the gateway for alice.
        introspected = self.b.introspection.Introspect(introspection_pb2.IntrospectRequest(
            token=exchanged.access_token), metadata=world.md("gateway"), timeout=RPC_TIMEOUT)
        self.assertTrue(introspected.active)
        self.assertEqual((introspected.sub, introspected.client_id), (world.user_id, "gateway"))

    def test_actor_token_names_its_subject_and_chains_nest(self):
        user = self.user_tokens()
        actor = self.b.tokens.Token(token_pb2.TokenRequest(
            grant_type="client_credentials", scope="orders.read"),
            metadata=world.md("gateway"), timeout=RPC_TIMEOUT).access_token
        delegated = self.exchange(self.b, "gateway", user.access_token, actor_token=actor,
                                  actor_token_type=ACCESS_TOKEN)
        self.assertEqual(self.verify(self.a, delegated.access_token, AUDIENCE)["act"],
                         {"sub": "gateway"})
        # Billing, handed the gateway's delegated token, exchanges it again on the other replica.
        chained = self.exchange(self.a, "billing", delegated.access_token,
                                audience=["ledger-api"])
        claims = self.verify(self.b, chained.access_token, "ledger-api")
        self.assertEqual(claims["sub"], world.user_id)
        self.assertEqual(claims["act"], {"sub": "billing", "act": {"sub": "gateway"}})
        self.assertEqual(claims["scope"], "orders.read")

    def test_impersonation_over_http_has_no_act(self):
        user = self.user_tokens()
        status, body = self.b.post_token(
            {"grant_type": EXCHANGE, "subject_token": user.access_token,
             "subject_token_type": ACCESS_TOKEN, "requested_token_type": ACCESS_TOKEN},
            "stand-in", world.secrets["stand-in"])
        self.assertEqual(status, 200, body)
        self.assertEqual(body["issued_token_type"], ACCESS_TOKEN)
        self.assertEqual(body["token_type"], "Bearer")
        self.assertNotIn("refresh_token", body)
        claims = self.verify(self.a, body["access_token"], AUDIENCE)
        self.assertEqual((claims["sub"], claims["client_id"]), (world.user_id, "stand-in"))
        self.assertNotIn("act", claims)

    def test_discovery_lists_the_grant_type(self):
        with urllib.request.urlopen(self.a.http + "/.well-known/openid-configuration",
                                    timeout=HTTP_TIMEOUT) as response:
            self.assertIn(EXCHANGE, json.loads(response.read())["grant_types_supported"])

    # --- what is refused --------------------------------------------------------------------

    def test_revoked_subject_token_is_refused_by_both_replicas(self):
        user = self.user_tokens()
        self.exchange(self.b, "gateway", user.access_token)  # Works before the revocation.
        self.a.tokens.Revoke(token_pb2.RevokeRequest(token=user.access_token),
                             metadata=world.md("web"), timeout=RPC_TIMEOUT)
        self.assert_refused(grpc.StatusCode.INVALID_ARGUMENT, "invalid_request",
                            lambda: self.exchange(self.b, "gateway", user.access_token))
        status, body = self.a.post_token(
            {"grant_type": EXCHANGE, "subject_token": user.access_token,
             "subject_token_type": ACCESS_TOKEN}, "gateway", world.secrets["gateway"])
        self.assertEqual((status, body["error"]), (400, "invalid_request"))

    def test_id_token_as_subject_is_invalid_request(self):
        user = self.user_tokens()
        self.assertTrue(user.id_token)
        self.assert_refused(grpc.StatusCode.INVALID_ARGUMENT, "invalid_request",
                            lambda: self.exchange(self.a, "gateway", user.id_token))
        self.assert_refused(grpc.StatusCode.INVALID_ARGUMENT, "invalid_request",
                            lambda: self.exchange(self.a, "gateway", user.id_token,
                                                  subject_token_type=ID_TOKEN))

    def test_foreign_signed_subject_is_invalid_request(self):
        # The server's iss, typ, kid and claims, signed by a key of this test's own.
        user = self.user_tokens()
        header = jwt.get_unverified_header(user.access_token)
        claims = jwt.decode(user.access_token, options={"verify_signature": False})
        forged = jwt.encode(claims, ec.generate_private_key(ec.SECP256R1()), algorithm="ES256",
                            headers={"typ": "at+jwt", "kid": header["kid"]})
        self.assert_refused(grpc.StatusCode.INVALID_ARGUMENT, "invalid_request",
                            lambda: self.exchange(self.b, "gateway", forged))

    def test_audience_outside_the_policy_is_invalid_target(self):
        user = self.user_tokens()
        self.assert_refused(grpc.StatusCode.INVALID_ARGUMENT, "invalid_target",
                            lambda: self.exchange(self.a, "gateway", user.access_token,
                                                  audience=["payroll-api"]))
        status, body = self.b.post_token(
            {"grant_type": EXCHANGE, "subject_token": user.access_token,
             "subject_token_type": ACCESS_TOKEN, "audience": "billing-api"},
            "billing", world.secrets["billing"])
        self.assertEqual((status, body["error"]), (400, "invalid_target"))

    def test_several_audiences_are_invalid_target(self):
        # RFC 9700 §2.3: one audience per token, even when the policy allows each.
        user = self.user_tokens()
        self.assert_refused(grpc.StatusCode.INVALID_ARGUMENT, "invalid_target",
                            lambda: self.exchange(self.a, "gateway", user.access_token,
                                                  audience=["billing-api", "ledger-api"]))
        status, body = self.b.post_token(
            [("grant_type", EXCHANGE), ("subject_token", user.access_token),
             ("subject_token_type", ACCESS_TOKEN), ("audience", "billing-api"),
             ("audience", "ledger-api")], "gateway", world.secrets["gateway"])
        self.assertEqual((status, body["error"]), (400, "invalid_target"))

    def test_empty_audience_or_resource_over_http_is_refused(self):
        # RFC 8707 §2 / RFC 8693 §2.1: an empty value is malformed, never "none named".
        user = self.user_tokens()
        status, body = self.a.post_token(
            {"grant_type": EXCHANGE, "subject_token": user.access_token,
             "subject_token_type": ACCESS_TOKEN, "audience": ""},
            "gateway", world.secrets["gateway"])
        self.assertEqual((status, body["error"]), (400, "invalid_request"))
        status, body = self.b.post_token(
            {"grant_type": "client_credentials", "scope": "orders.read", "resource": ""},
            "gateway", world.secrets["gateway"])
        self.assertEqual((status, body["error"]), (400, "invalid_target"))

    def test_resource_audience_narrows_scope_and_is_never_retargeted(self):
        user = self.user_tokens()  # orders.read orders.write
        exchanged = self.exchange(self.a, "ledger-gw", user.access_token, audience=[LEDGER])
        # requested (all) ∩ subject's ∩ client's ∩ the resource's: orders.read only.
        self.assertEqual(exchanged.scope, "orders.read")
        claims = self.verify(self.b, exchanged.access_token, LEDGER)
        self.assertEqual(claims["scope"], "orders.read")
        # The ledger's token exchanged without an audience, on the other replica: refused
        # rather than retargeted to the server's default audience (gRPC and HTTP).
        self.assert_refused(grpc.StatusCode.INVALID_ARGUMENT, "invalid_target",
                            lambda: self.exchange(self.b, "gateway", exchanged.access_token))
        status, body = self.a.post_token(
            {"grant_type": EXCHANGE, "subject_token": exchanged.access_token,
             "subject_token_type": ACCESS_TOKEN}, "gateway", world.secrets["gateway"])
        self.assertEqual((status, body["error"]), (400, "invalid_target"))
        # Naming it keeps it (the policy allows it).
        again = self.exchange(self.b, "ledger-gw", exchanged.access_token, audience=[LEDGER])
        self.assertEqual(self.verify(self.a, again.access_token, LEDGER)["scope"], "orders.read")

    def test_widened_scope_is_invalid_scope(self):
        user = self.user_tokens(scope="openid orders.read")
        self.assert_refused(grpc.StatusCode.INVALID_ARGUMENT, "invalid_scope",
                            lambda: self.exchange(self.a, "gateway", user.access_token,
                                                  scope="orders.read orders.write"))

    def test_unsupported_requested_token_type_is_invalid_request(self):
        user = self.user_tokens()
        status, body = self.a.post_token(
            {"grant_type": EXCHANGE, "subject_token": user.access_token,
             "subject_token_type": ACCESS_TOKEN, "requested_token_type": ID_TOKEN},
            "gateway", world.secrets["gateway"])
        self.assertEqual((status, body["error"]), (400, "invalid_request"))

    def test_policy_refusals_are_unauthorized_client(self):
        user = self.user_tokens()
        # The web client has no token exchange grant.
        self.assert_refused(grpc.StatusCode.PERMISSION_DENIED, "unauthorized_client",
                            lambda: self.exchange(self.a, "web", user.access_token))
        # stand-in may impersonate only: an actor token asks for delegation.
        actor = self.exchange(self.a, "stand-in", user.access_token).access_token
        self.assert_refused(grpc.StatusCode.PERMISSION_DENIED, "unauthorized_client",
                            lambda: self.exchange(self.b, "stand-in", user.access_token,
                                                  actor_token=actor,
                                                  actor_token_type=ACCESS_TOKEN))


def main(argv):
    options = dict(zip(argv[::2], argv[1::2]))
    if len(argv) % 2 or not {"--server", "--proto-root"} <= set(options) <= {
            "--server", "--proto-root", "-k"}:
        sys.stderr.write(__doc__)
        return 2
    shared_url = os.environ.get("IDENTITY_TEST_DATABASE_URL")
    if not shared_url:
        sys.stderr.write("IDENTITY_TEST_DATABASE_URL is not set (docs/build.md)\n")
        return 1
    work_dir = tempfile.mkdtemp(dir=os.environ.get("TEST_TMPDIR"))
    generate_stubs(options["--proto-root"], os.path.join(work_dir, "stubs"))
    log_dir = os.environ.get("TEST_UNDECLARED_OUTPUTS_DIR") or work_dir
    sys.stderr.write("grpcio %s, PyJWT %s, server %s, logs in %s\n"
                     % (grpc.__version__, jwt.__version__, options["--server"], log_dir))
    global world
    admin_id = "exchange-admin." + secrets.token_hex(4)
    admin_secret = secrets.token_urlsafe(32)
    database, database_url = support.create_database(shared_url, "identity_token_exchange_")
    passed = False
    try:
        for name in ("a", "b"):
            servers.append(Server(name, options["--server"], database_url, log_dir,
                                  admin_id, admin_secret))
        for server in servers:
            server.wait_ready()
        world = World(admin_id, admin_secret)
        passed = junit_report.run([ExchangeTest], "token_exchange_test", options.get("-k"))
        for server in servers:
            if server.stop() != 0:
                sys.stderr.write("identity-server %s did not exit cleanly\n" % server.name)
                passed = False
    finally:
        for server in servers:
            server.kill()
        if not passed:
            support.print_logs(log_dir)
        support.psql(shared_url, "DROP DATABASE IF EXISTS %s WITH (FORCE)" % database)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
