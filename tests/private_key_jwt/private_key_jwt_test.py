#!/usr/bin/python3
"""End-to-end test of private_key_jwt client authentication (RFC 7523 §2.2 and §3, OIDC Core §9):
two real identity-server processes on one real PostgreSQL database, and an independent client.

The client side uses nothing of ours but the .proto files: Debian's python3-grpcio with stubs
generated here, python3-cryptography for the client's keys, and PyJWT (python3-jwt) to sign the
assertions (ES256 and PS256) and to verify the access tokens against the server's JWKS. It covers:

  - registration through AdminService (token_endpoint_auth_method private_key_jwt, an inline
    public jwks, no secret returned) and discovery (token_endpoint_auth_methods_supported,
    token_endpoint_auth_signing_alg_values_supported);
  - an assertion accepted at HTTP POST /token and at gRPC TokenService.Token, at /introspect and
    /revoke, and at gRPC Introspect;
  - single use across replicas: an assertion accepted by server A is refused (invalid_client) by
    server B over HTTP and gRPC, and 16 concurrent presentations of one assertion spread over
    both servers give exactly one token; replay_claims holds only hashes;
  - negative cases through the real binaries: another key, HS256 keyed with the public key's
    PEM (alg confusion), "none", a wrong audience, an expired or too-long-lived assertion, no
    jti, a secret from the private_key_jwt client, an assertion from a secret client.

Usage: /usr/bin/python3 private_key_jwt_test.py --server BINARY --proto-root DIR [-k PATTERN]
Needs IDENTITY_TEST_DATABASE_URL, a PostgreSQL where it may CREATE DATABASE. Writes JUnit XML to
$XML_OUTPUT_FILE when set and exits non-zero if any test fails.
"""

import base64
import concurrent.futures
import json
import os
import secrets
import sys
import tempfile
import time
import unittest
import urllib.parse
import urllib.request

import http.client
import itertools
import threading

import grpc
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import grpc_test_support as support  # noqa: E402  (tests/python)
import identity_process  # noqa: E402  (tests/python)
import junit_report  # noqa: E402  (tests/python)

ISSUER = "https://id.example"
TOKEN_URL = ISSUER + "/token"
AUDIENCE = "orders-api"
ADMIN_SCOPE = "identity.admin"
ERROR_DOMAIN = "identity.dev"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
KEK = secrets.token_hex(32)
RPC_TIMEOUT = 30
WEB_REDIRECT = "https://app.example/callback"
HTTP_TIMEOUT = 30
RACERS = 16
PROTOS = ["google/rpc/status.proto", "google/rpc/error_details.proto",
          "identity/v1/token.proto", "identity/v1/introspection.proto",
          "identity/v1/admin.proto"]

servers = []         # [A, B]
# Each HTTP request comes from an address of its own in 127.0.0.0/8 (all of it is loopback), so
# the refusals this test provokes on purpose do not put the test's one address in the client
# authentication back-off (server/oauth/client_auth_throttle.h), which they do count in.
_sources = itertools.count(1)
_sources_lock = threading.Lock()


def next_source():
    with _sources_lock:
        n = next(_sources)
    return "127.0.%d.%d" % (1 + n // 250, 1 + n % 250)

database_url = None
world = None


def generate_stubs(proto_root, out_dir):
    support.compile_protos([proto_root], PROTOS, out_dir)
    global status_pb2, error_details_pb2, token_pb2, token_pb2_grpc
    global introspection_pb2, introspection_pb2_grpc, admin_pb2, admin_pb2_grpc
    from google.rpc import error_details_pb2, status_pb2
    from identity.v1 import admin_pb2, admin_pb2_grpc
    from identity.v1 import introspection_pb2, introspection_pb2_grpc
    from identity.v1 import token_pb2, token_pb2_grpc


class Server(identity_process.IdentityProcess):
    """identity-server with the stubs this test calls, and its HTTP face."""

    def __init__(self, name, binary, url, work_dir, admin_id, admin_secret):
        super().__init__(
            name, binary, url, work_dir, ISSUER, AUDIENCE,
            {"IDENTITY_KEK": KEK, "IDENTITY_BOOTSTRAP_ADMIN_CLIENT_ID": admin_id,
             "IDENTITY_BOOTSTRAP_ADMIN_CLIENT_SECRET": admin_secret},
            ["--store-cache-ttl=0"])
        self.tokens = token_pb2_grpc.TokenServiceStub(self.channel)
        self.introspection = introspection_pb2_grpc.IntrospectionServiceStub(self.channel)
        self.admin = admin_pb2_grpc.AdminServiceStub(self.channel)

    def get(self, path):
        with urllib.request.urlopen(self.http + path, timeout=HTTP_TIMEOUT) as response:
            return response.status, json.loads(response.read())

    def post(self, path, form, headers=None):
        """(status, JSON body) of a form POST from a fresh loopback source address."""
        host, port = self.http[len("http://"):].rsplit(":", 1)
        connection = http.client.HTTPConnection(host, int(port), timeout=HTTP_TIMEOUT,
                                                source_address=(next_source(), 0))
        try:
            connection.request("POST", path, urllib.parse.urlencode(form),
                               dict({"Content-Type": "application/x-www-form-urlencoded"},
                                    **(headers or {})))
            response = connection.getresponse()
            body = response.read()
            return response.status, json.loads(body) if body else {}
        finally:
            connection.close()


def public_jwk(private_key, kid, alg):
    """The public JWK of a cryptography key, by PyJWT's own algorithms."""
    algorithm = jwt.get_algorithm_by_name(alg)
    jwk = json.loads(algorithm.to_jwk(private_key.public_key()))
    jwk.update(kid=kid, use="sig", alg=alg)
    return jwk


class Signer:
    """A client's key and how it makes assertions (RFC 7523 §3), with PyJWT."""

    def __init__(self, client_id, private_key, kid, alg):
        self.client_id, self.key, self.kid, self.alg = client_id, private_key, kid, alg

    def assertion(self, aud=TOKEN_URL, lifetime=60, **overrides):
        now = int(time.time())
        claims = {"iss": self.client_id, "sub": self.client_id, "aud": aud,
                  "jti": secrets.token_urlsafe(16), "iat": now, "exp": now + lifetime}
        claims.update(overrides)
        claims = {k: v for k, v in claims.items() if v is not None}
        return jwt.encode(claims, self.key, algorithm=self.alg, headers={"kid": self.kid})


class World:
    """The clients the bootstrap admin registers through AdminService."""

    def __init__(self, admin_id, admin_secret):
        a = servers[0]
        token = a.tokens.Token(token_pb2.TokenRequest(
            grant_type="client_credentials", client_id=admin_id, client_secret=admin_secret,
            scope=ADMIN_SCOPE), timeout=RPC_TIMEOUT).access_token
        self.admin_metadata = (("authorization", "Bearer " + token),)
        ec_key = ec.generate_private_key(ec.SECP256R1())
        rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.jwks = {"keys": [public_jwk(ec_key, "ec-1", "ES256"),
                              public_jwk(rsa_key, "rsa-1", "PS256")]}
        self.created = a.admin.CreateClient(admin_pb2.CreateClientRequest(
            client_id="svc-pk", name="Service with a key", allowed_scopes=["orders.read"],
            token_endpoint_auth_method="private_key_jwt", jwks=json.dumps(self.jwks)),
            metadata=self.admin_metadata, timeout=RPC_TIMEOUT)
        # A web app authenticating by private_key_jwt at /par and /token.
        a.admin.CreateClient(admin_pb2.CreateClientRequest(
            client_id="web-pk", name="Web app with a key", grant_types=["authorization_code"],
            redirect_uris=[WEB_REDIRECT], token_endpoint_auth_method="private_key_jwt",
            jwks=json.dumps(self.jwks)), metadata=self.admin_metadata, timeout=RPC_TIMEOUT)
        self.web = Signer("web-pk", ec_key, "ec-1", "ES256")
        self.es = Signer("svc-pk", ec_key, "ec-1", "ES256")
        self.ps = Signer("svc-pk", rsa_key, "rsa-1", "PS256")
        # A secret client holding the same keys would be refused them: a client_secret_basic
        # client may not register jwks at all, so the secret client here has none.
        secret_client = a.admin.CreateClient(admin_pb2.CreateClientRequest(
            client_id="svc-secret", name="Service with a secret", allowed_scopes=["orders.read"]),
            metadata=self.admin_metadata, timeout=RPC_TIMEOUT)
        self.secret = secret_client.client_secret
        self.as_secret_client = Signer("svc-secret", ec_key, "ec-1", "ES256")
        self.ec_public_pem = ec_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def outcome(error):
    """(gRPC code name, ErrorInfo.reason or None) of a failed call."""
    trailers = dict(error.trailing_metadata() or ())
    if "grpc-status-details-bin" not in trailers:
        return error.code().name, None
    status = status_pb2.Status.FromString(trailers["grpc-status-details-bin"])
    info = error_details_pb2.ErrorInfo()
    if len(status.details) != 1 or not status.details[0].Unpack(info):
        return error.code().name, None
    return error.code().name, info.reason if info.domain == ERROR_DOMAIN else None


def http_token(server, assertion, **extra):
    form = {"grant_type": "client_credentials", "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": assertion}
    form.update(extra)
    return server.post("/token", form)


def grpc_token(server, assertion):
    return server.tokens.Token(token_pb2.TokenRequest(
        grant_type="client_credentials", client_assertion_type=ASSERTION_TYPE,
        client_assertion=assertion), timeout=RPC_TIMEOUT)


def verify_access_token(test, server, access_token):
    jwks = server.get("/jwks")[1]
    kid = jwt.get_unverified_header(access_token)["kid"]
    jwk = next(k for k in jwks["keys"] if k["kid"] == kid)
    claims = jwt.decode(access_token, jwt.PyJWK(jwk).key, algorithms=[jwk["alg"]],
                        audience=AUDIENCE, issuer=ISSUER)
    test.assertEqual(claims["client_id"], "svc-pk")
    return claims


class RegistrationTest(unittest.TestCase):
    def test_private_key_jwt_client_gets_no_secret(self):
        self.assertEqual(world.created.client_secret, "")
        self.assertEqual(world.created.client.token_endpoint_auth_method, "private_key_jwt")
        kids = [k["kid"] for k in json.loads(world.created.client.jwks)["keys"]]
        self.assertEqual(kids, ["ec-1", "rsa-1"])

    def test_a_private_key_is_refused_as_jwks(self):
        key = ec.generate_private_key(ec.SECP256R1())
        jwk = json.loads(jwt.get_algorithm_by_name("ES256").to_jwk(key))  # With "d".
        with self.assertRaises(grpc.RpcError) as raised:
            servers[1].admin.CreateClient(admin_pb2.CreateClientRequest(
                client_id="leaky", token_endpoint_auth_method="private_key_jwt",
                jwks=json.dumps({"keys": [jwk]})),
                metadata=world.admin_metadata, timeout=RPC_TIMEOUT)
        self.assertEqual(outcome(raised.exception), ("INVALID_ARGUMENT", "invalid_request"))

    def test_discovery_offers_private_key_jwt(self):
        for server in servers:
            doc = server.get("/.well-known/openid-configuration")[1]
            self.assertIn("private_key_jwt", doc["token_endpoint_auth_methods_supported"])
            algs = doc["token_endpoint_auth_signing_alg_values_supported"]
            self.assertTrue({"ES256", "PS256", "RS256", "EdDSA"} <= set(algs), algs)
            self.assertFalse({"none", "HS256"} & set(algs), algs)


class AuthenticationTest(unittest.TestCase):
    def test_http_token_with_an_assertion(self):
        status, body = http_token(servers[0], world.es.assertion())
        self.assertEqual(status, 200, body)
        claims = verify_access_token(self, servers[0], body["access_token"])
        self.assertEqual(claims["scope"], "orders.read")

    def test_grpc_token_with_an_assertion(self):
        response = grpc_token(servers[1], world.ps.assertion(aud=ISSUER))
        verify_access_token(self, servers[1], response.access_token)

    def test_http_introspect_and_revoke_with_assertions(self):
        token = grpc_token(servers[0], world.es.assertion()).access_token
        status, body = servers[1].post("/introspect", {
            "token": token, "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": world.es.assertion(aud=ISSUER + "/introspect")})
        self.assertEqual((status, body.get("active")), (200, True), body)
        status, body = servers[0].post("/revoke", {
            "token": token, "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": world.es.assertion(aud=ISSUER)})
        self.assertEqual(status, 200, body)
        response = servers[1].introspection.Introspect(introspection_pb2.IntrospectRequest(
            token=token, client_assertion_type=ASSERTION_TYPE,
            client_assertion=world.ps.assertion()), timeout=RPC_TIMEOUT)
        self.assertFalse(response.active)  # Revoked through the other server.


class PushedAuthorizationTest(unittest.TestCase):
    """RFC 9126 §2.1: client authentication at the PAR endpoint as at the token endpoint."""

    def par_form(self):
        return {"response_type": "code", "redirect_uri": WEB_REDIRECT, "scope": "openid",
                "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
                "code_challenge_method": "S256", "client_assertion_type": ASSERTION_TYPE}

    def test_http_par_with_an_assertion(self):
        form = self.par_form()
        form["client_assertion"] = world.web.assertion(aud=ISSUER + "/par")
        status, body = servers[0].post("/par", form)
        self.assertEqual(status, 201, body)
        self.assertTrue(body["request_uri"].startswith("urn:ietf:params:oauth:request_uri:"))
        status, body = servers[1].post("/par", form)  # The same assertion again.
        self.assertEqual((status, body.get("error")), (401, "invalid_client"), body)

    def test_grpc_push_authorization_with_an_assertion(self):
        response = servers[1].tokens.PushAuthorization(token_pb2.PushAuthorizationRequest(
            response_type="code", redirect_uri=WEB_REDIRECT, scope="openid",
            code_challenge="E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            code_challenge_method="S256", client_assertion_type=ASSERTION_TYPE,
            client_assertion=world.web.assertion(aud=ISSUER)), timeout=RPC_TIMEOUT)
        self.assertEqual(response.expires_in, 60)


class OtherGrantsTest(unittest.TestCase):
    """The device authorization endpoint and the token exchange grant authenticate clients by
    the same rule: a private_key_jwt client's assertion is accepted there too."""

    DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
    EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange"
    ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"

    @classmethod
    def setUpClass(cls):
        for client_id, extra in (
                ("dev-pk", {"grant_types": [cls.DEVICE_GRANT]}),
                ("xchg-pk", {"grant_types": [cls.EXCHANGE_GRANT],
                             "token_exchange": admin_pb2.TokenExchangePolicy(delegation=True)})):
            servers[0].admin.CreateClient(admin_pb2.CreateClientRequest(
                client_id=client_id, name=client_id, allowed_scopes=["orders.read"],
                token_endpoint_auth_method="private_key_jwt", jwks=json.dumps(world.jwks),
                **extra), metadata=world.admin_metadata, timeout=RPC_TIMEOUT)
        cls.device = Signer("dev-pk", world.es.key, "ec-1", "ES256")
        cls.exchanger = Signer("xchg-pk", world.es.key, "ec-1", "ES256")

    def test_device_authorization_and_polling_with_assertions(self):
        status, body = servers[0].post("/device_authorization", {
            "scope": "orders.read", "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": self.device.assertion(aud=ISSUER)})
        self.assertEqual(status, 200, body)
        # Polled on the other server: the client authenticated, the user has not answered.
        status, poll = servers[1].post("/token", {
            "grant_type": self.DEVICE_GRANT, "device_code": body["device_code"],
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": self.device.assertion()})
        self.assertEqual((status, poll.get("error")), (400, "authorization_pending"), poll)
        response = servers[1].tokens.DeviceAuthorization(token_pb2.DeviceAuthorizationRequest(
            scope="orders.read", client_assertion_type=ASSERTION_TYPE,
            client_assertion=self.device.assertion(aud=ISSUER)), timeout=RPC_TIMEOUT)
        self.assertTrue(response.device_code)

    def test_device_authorization_refuses_a_replayed_assertion(self):
        form = {"client_assertion_type": ASSERTION_TYPE,
                "client_assertion": self.device.assertion(aud=ISSUER)}
        self.assertEqual(servers[0].post("/device_authorization", form)[0], 200)
        status, body = servers[1].post("/device_authorization", form)
        self.assertEqual((status, body.get("error")), (401, "invalid_client"), body)

    def test_token_exchange_with_an_assertion(self):
        subject = grpc_token(servers[0], world.es.assertion()).access_token
        form = {"grant_type": self.EXCHANGE_GRANT, "subject_token": subject,
                "subject_token_type": self.ACCESS_TOKEN_TYPE,
                "client_assertion_type": ASSERTION_TYPE,
                "client_assertion": self.exchanger.assertion()}
        status, body = servers[1].post("/token", form)
        self.assertEqual(status, 200, body)
        claims = jwt.decode(body["access_token"], options={"verify_signature": False})
        self.assertEqual((claims["sub"], claims["act"]["sub"]), ("svc-pk", "xchg-pk"))
        status, body = servers[0].post("/token", form)  # The same assertion again.
        self.assertEqual((status, body.get("error")), (401, "invalid_client"), body)


class ReplayTest(unittest.TestCase):
    """RFC 7523 §3 item 7: a jti is used once, across replicas, until the assertion expires."""

    def test_an_assertion_used_on_a_is_refused_by_b(self):
        assertion = world.es.assertion()
        status, body = http_token(servers[0], assertion)
        self.assertEqual(status, 200, body)
        status, body = http_token(servers[1], assertion)
        self.assertEqual((status, body.get("error")), (401, "invalid_client"), body)
        self.assertIn("already used", body.get("error_description", ""))
        with self.assertRaises(grpc.RpcError) as raised:
            grpc_token(servers[1], assertion)
        self.assertEqual(outcome(raised.exception), ("UNAUTHENTICATED", "invalid_client"))
        with self.assertRaises(grpc.RpcError):
            grpc_token(servers[0], assertion)

    def test_concurrent_presentations_across_both_servers_have_one_winner(self):
        assertion = world.ps.assertion()

        def present(i):
            return http_token(servers[i % 2], assertion)[0]

        with concurrent.futures.ThreadPoolExecutor(RACERS) as pool:
            results = list(pool.map(present, range(RACERS)))
        self.assertEqual(sorted(results), [200] + [401] * (RACERS - 1), results)

    def test_the_database_holds_hashes_not_jtis(self):
        jti = "visible-jti-" + secrets.token_hex(4)
        status, _ = http_token(servers[0], world.es.assertion(jti=jti))
        self.assertEqual(status, 200)
        rows = support.psql(database_url, "SELECT kind, id_hash FROM replay_claims")
        self.assertTrue(rows)
        self.assertTrue(all(kind == "client_assertion" for kind, _ in rows), rows)
        self.assertFalse([r for r in rows if jti in r[1]])


class RefusalTest(unittest.TestCase):
    def assertRefused(self, status_body, why=""):
        status, body = status_body
        self.assertEqual((status, body.get("error")), (401, "invalid_client"), body)
        self.assertIn(why, body.get("error_description", ""))

    def test_signature_by_another_key(self):
        impostor = Signer("svc-pk", ec.generate_private_key(ec.SECP256R1()), "ec-1", "ES256")
        self.assertRefused(http_token(servers[0], impostor.assertion()), "signature_invalid")

    def test_hs256_keyed_with_the_public_key(self):
        # RFC 8725 §2.1 algorithm confusion: PyJWT refuses a PEM as an HMAC key, so the
        # assertion is put together by hand.
        import hashlib
        import hmac
        header = base64.urlsafe_b64encode(json.dumps(
            {"alg": "HS256", "kid": "ec-1"}).encode()).rstrip(b"=")
        now = int(time.time())
        payload = base64.urlsafe_b64encode(json.dumps(
            {"iss": "svc-pk", "sub": "svc-pk", "aud": TOKEN_URL, "jti": "h", "exp": now + 60}
        ).encode()).rstrip(b"=")
        mac = hmac.new(world.ec_public_pem, header + b"." + payload, hashlib.sha256).digest()
        token = b".".join([header, payload, base64.urlsafe_b64encode(mac).rstrip(b"=")])
        self.assertRefused(http_token(servers[0], token.decode()), "alg_not_allowed")

    def test_alg_none(self):
        token = jwt.encode({"iss": "svc-pk", "sub": "svc-pk", "aud": TOKEN_URL, "jti": "n",
                            "exp": int(time.time()) + 60}, None, algorithm="none")
        self.assertRefused(http_token(servers[0], token), "alg_none")

    def test_wrong_audience(self):
        self.assertRefused(http_token(servers[0], world.es.assertion(
            aud="https://other.example/token")), "audience_mismatch")

    def test_expired_and_too_long_lived(self):
        now = int(time.time())
        self.assertRefused(http_token(servers[0], world.es.assertion(
            iat=now - 600, exp=now - 300)), "expired")
        self.assertRefused(http_token(servers[0], world.es.assertion(lifetime=3600)),
                           "exp is too far")

    def test_no_jti(self):
        self.assertRefused(http_token(servers[0], world.es.assertion(jti=None)), "jti")

    def test_secret_from_the_private_key_jwt_client(self):
        status, body = servers[0].post("/token", {"grant_type": "client_credentials"},
                                       {"Authorization": "Basic " + support.basic_credentials(
                                           "svc-pk", "guess")})
        self.assertEqual((status, body.get("error")), (401, "invalid_client"), body)

    def test_assertion_from_a_secret_client(self):
        self.assertRefused(http_token(servers[0], world.as_secret_client.assertion()))

    def test_assertion_and_secret_together(self):
        status, body = http_token(servers[0], world.es.assertion(), client_secret="x")
        self.assertEqual((status, body.get("error")), (400, "invalid_request"), body)


def main(argv):
    options = dict(zip(argv[::2], argv[1::2]))
    if len(argv) % 2 or not {"--server", "--proto-root"} <= set(options) <= {
            "--server", "--proto-root", "-k"}:
        sys.stderr.write(__doc__)
        return 2
    shared_url = os.environ.get("IDENTITY_TEST_DATABASE_URL")
    if not shared_url:
        sys.stderr.write("IDENTITY_TEST_DATABASE_URL is not set\n")
        return 1
    work_dir = tempfile.mkdtemp(dir=os.environ.get("TEST_TMPDIR"))
    generate_stubs(options["--proto-root"], os.path.join(work_dir, "stubs"))
    log_dir = os.environ.get("TEST_UNDECLARED_OUTPUTS_DIR") or work_dir
    sys.stderr.write("grpcio %s, PyJWT %s, logs in %s\n" % (grpc.__version__, jwt.__version__,
                                                           log_dir))
    global database_url, world
    admin_id = "pkjwt-admin." + secrets.token_hex(4)
    admin_secret = secrets.token_urlsafe(32)
    database, database_url = support.create_database(shared_url, "identity_pkjwt_")
    passed = False
    try:
        for name in ("a", "b"):
            servers.append(Server(name, options["--server"], database_url, log_dir,
                                  admin_id, admin_secret))
        for server in servers:
            server.wait_ready()
        world = World(admin_id, admin_secret)
        passed = junit_report.run([RegistrationTest, AuthenticationTest,
                                   PushedAuthorizationTest, OtherGrantsTest, ReplayTest,
                                   RefusalTest], "private_key_jwt_test", options.get("-k"))
    finally:
        for server in servers:
            server.kill()
        support.psql(shared_url, "DROP DATABASE IF EXISTS %s WITH (FORCE)" % database)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
