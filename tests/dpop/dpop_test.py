#!/usr/bin/python3
"""End-to-end test of DPoP at the token endpoints (RFC 9449): two real identity-server processes
on one real PostgreSQL database, and an independent client.

The client side uses nothing of ours but the .proto files: Debian's python3-grpcio with stubs
generated here, python3-cryptography for the client's keys, and PyJWT (python3-jwt) to sign the
proofs (a "jwk" header, "typ" dpop+jwt) and to verify the access tokens against the server's
JWKS. It covers:

  - discovery's dpop_signing_alg_values_supported;
  - HTTP POST /token with a DPoP header and gRPC TokenService.Token with "dpop" metadata (htu
    https://<authority>/identity.v1.TokenService/Token): token_type DPoP and "cnf"."jkt" the
    key's RFC 7638 thumbprint in a token PyJWT verifies; Bearer without a proof;
  - single use across replicas: a proof accepted by server A is refused by server B;
  - a client registered with dpop_bound_access_tokens is refused without a proof;
  - a public client's refresh token (code + PKCE, code redeemed with a proof) needs a proof by
    the same key, on the other server too, through rotation; a confidential client's is unbound;
  - introspection of a bound token (HTTP and gRPC): token_type DPoP and cnf.jkt;
  - UserInfo (RFC 9449 §7): "Authorization: DPoP" with a proof (htm, htu, ath) by the token's
    key; the bound token as Bearer is refused with a DPoP challenge; a replayed proof (on the
    other server), none, another key's or another token's ath are invalid_dpop_proof;
  - refusals: two proofs, another htu, another htm, a stale iat, alg none, no jwk.

Usage: /usr/bin/python3 dpop_test.py --server BINARY --proto-root DIR [-k PATTERN]
Needs IDENTITY_TEST_DATABASE_URL, a PostgreSQL where it may CREATE DATABASE. Writes JUnit XML to
$XML_OUTPUT_FILE when set and exits non-zero if any test fails.
"""

import base64
import hashlib
import http.client
import itertools
import json
import os
import secrets
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse
import urllib.request

import grpc
import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import grpc_test_support as support  # noqa: E402  (tests/python)
import identity_process  # noqa: E402  (tests/python)
import junit_report  # noqa: E402  (tests/python)

ISSUER = "https://id.example"
TOKEN_URL = ISSUER + "/token"
GRPC_TOKEN_PATH = "/identity.v1.TokenService/Token"
AUDIENCE = "orders-api"
ADMIN_SCOPE = "identity.admin"
ERROR_DOMAIN = "identity.dev"
KEK = secrets.token_hex(32)
RPC_TIMEOUT = 30
HTTP_TIMEOUT = 30
WEB_REDIRECT = "https://app.example/callback"
PROTOS = ["google/rpc/status.proto", "google/rpc/error_details.proto",
          "identity/v1/token.proto", "identity/v1/introspection.proto",
          "identity/v1/admin.proto", "identity/v1/keys.proto"]

servers = []  # [A, B]
world = None
# Each HTTP request from an address of its own in 127.0.0.0/8, so the refusals provoked here
# never put one address in the client authentication back-off.
_sources = itertools.count(1)
_sources_lock = threading.Lock()


def next_source():
    with _sources_lock:
        n = next(_sources)
    return "127.0.%d.%d" % (1 + n // 250, 1 + n % 250)


def generate_stubs(proto_root, out_dir):
    support.compile_protos([proto_root], PROTOS, out_dir)
    global status_pb2, error_details_pb2, token_pb2, token_pb2_grpc, keys_pb2, keys_pb2_grpc
    global introspection_pb2, introspection_pb2_grpc, admin_pb2, admin_pb2_grpc
    from google.rpc import error_details_pb2, status_pb2
    from identity.v1 import admin_pb2, admin_pb2_grpc
    from identity.v1 import introspection_pb2, introspection_pb2_grpc
    from identity.v1 import keys_pb2, keys_pb2_grpc
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
        self.keys = keys_pb2_grpc.KeyServiceStub(self.channel)

    def grpc_htu(self):
        """The htu of a proof for Token on this server: the authority grpcio sends is the
        target it was given (RFC 9449 §4.3 item 9 ignores the rest)."""
        return "https://" + self.address + GRPC_TOKEN_PATH

    def get(self, path):
        with urllib.request.urlopen(self.http + path, timeout=HTTP_TIMEOUT) as response:
            return response.status, json.loads(response.read())

    def post(self, path, form, headers=()):
        """(status, headers, JSON body) of a form POST; `headers` a list of pairs (a name may
        repeat)."""
        return self.send("POST", path, urllib.parse.urlencode(form), headers)

    def send(self, method, path, body=None, headers=()):
        """(status, headers (a repeated name's values joined by newlines), JSON body)."""
        host, port = self.http[len("http://"):].rsplit(":", 1)
        connection = http.client.HTTPConnection(host, int(port), timeout=HTTP_TIMEOUT,
                                                source_address=(next_source(), 0))
        try:
            connection.putrequest(method, path)
            if body is not None:
                connection.putheader("Content-Type", "application/x-www-form-urlencoded")
                connection.putheader("Content-Length", str(len(body)))
            for name, value in headers:
                connection.putheader(name, value)
            connection.endheaders(body.encode() if body is not None else None)
            response = connection.getresponse()
            raw = response.read()
            received = {}
            for name, value in response.getheaders():
                received[name] = received[name] + "\n" + value if name in received else value
            return response.status, received, json.loads(raw) if raw else {}
        finally:
            connection.close()


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Holder:
    """A client's DPoP key and the proofs it makes with PyJWT (RFC 9449 §4.2)."""

    def __init__(self, private_key, alg):
        self.key, self.alg = private_key, alg
        self.jwk = json.loads(jwt.get_algorithm_by_name(alg).to_jwk(private_key.public_key()))

    def thumbprint(self):
        """RFC 7638, computed here from the JWK's required members."""
        members = {"EC": ("crv", "kty", "x", "y"), "RSA": ("e", "kty", "n")}[self.jwk["kty"]]
        canonical = json.dumps({m: self.jwk[m] for m in members}, separators=(",", ":"),
                               sort_keys=True)
        return b64url(hashlib.sha256(canonical.encode()).digest())

    def proof(self, htu=TOKEN_URL, htm="POST", iat=None, jwk=True, **extra):
        claims = {"jti": secrets.token_urlsafe(16), "htm": htm, "htu": htu,
                  "iat": int(time.time()) if iat is None else iat}
        claims.update(extra)
        headers = {"typ": "dpop+jwt"}
        if jwk:
            headers["jwk"] = self.jwk
        return jwt.encode(claims, self.key, algorithm=self.alg, headers=headers)


class World:
    """A user and the clients the bootstrap admin registers through AdminService on A."""

    def __init__(self, admin_id, admin_secret):
        a = servers[0]
        admin = a.tokens.Token(token_pb2.TokenRequest(
            grant_type="client_credentials", client_id=admin_id, client_secret=admin_secret,
            scope=ADMIN_SCOPE), timeout=RPC_TIMEOUT).access_token
        md = (("authorization", "Bearer " + admin),)
        self.username = "alice." + secrets.token_hex(4)
        self.password = "pw-" + secrets.token_urlsafe(18)
        a.admin.CreateUser(admin_pb2.CreateUserRequest(
            username=self.username, password=self.password, name="Alice"),
            metadata=md, timeout=RPC_TIMEOUT)
        self.secrets = {}
        self.registered = {}
        for fields in (
                dict(client_id="svc", name="Service", allowed_scopes=["orders.read"]),
                dict(client_id="svc-dpop", name="Service bound to DPoP",
                     allowed_scopes=["orders.read"], dpop_bound_access_tokens=True),
                dict(client_id="spa", name="Browser app", public_client=True,
                     redirect_uris=[WEB_REDIRECT], allowed_scopes=["openid", "orders.read"],
                     grant_types=["authorization_code", "refresh_token"]),
                dict(client_id="web", name="Web app", redirect_uris=[WEB_REDIRECT],
                     allowed_scopes=["orders.read"],
                     grant_types=["authorization_code", "refresh_token"])):
            created = a.admin.CreateClient(admin_pb2.CreateClientRequest(**fields),
                                           metadata=md, timeout=RPC_TIMEOUT)
            self.secrets[fields["client_id"]] = created.client_secret
            self.registered[fields["client_id"]] = created.client
        self.es = Holder(ec.generate_private_key(ec.SECP256R1()), "ES256")
        self.ps = Holder(rsa.generate_private_key(public_exponent=65537, key_size=2048), "PS256")

    def basic(self, client_id):
        return "Basic " + support.basic_credentials(client_id, self.secrets[client_id])

    def md(self, client_id):
        return (("authorization", self.basic(client_id)),)


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


def http_token(server, client_id="svc", proofs=(), **form):
    fields = {"grant_type": "client_credentials"}
    fields.update(form)
    headers = [("DPoP", p) for p in proofs]
    if world.secrets.get(client_id):
        headers.append(("Authorization", world.basic(client_id)))
    else:
        fields["client_id"] = client_id
    return server.post("/token", fields, headers)


def grpc_token(server, client_id="svc", proofs=(), **fields):
    request = {"grant_type": "client_credentials"}
    request.update(fields)
    metadata = [("dpop", p) for p in proofs]
    if world.secrets.get(client_id):
        metadata.append(("authorization", world.basic(client_id)))
    else:
        request["client_id"] = client_id
    return server.tokens.Token(token_pb2.TokenRequest(**request), metadata=metadata,
                               timeout=RPC_TIMEOUT)


def verified_claims(server, token):
    """PyJWT against the server's JWKS (KeyService.GetJwks): signature, iss, aud, typ."""
    jwks = jwt.PyJWKSet.from_json(
        server.keys.GetJwks(keys_pb2.GetJwksRequest(), timeout=RPC_TIMEOUT).jwks_json)
    header = jwt.get_unverified_header(token)
    assert header["typ"] == "at+jwt", header
    key = next(k for k in jwks.keys if k.key_id == header["kid"])
    return jwt.decode(token, key.key, algorithms=[header["alg"]], audience=AUDIENCE,
                      issuer=ISSUER)


class TestCase(unittest.TestCase):
    @property
    def a(self):
        return servers[0]

    @property
    def b(self):
        return servers[1]

    def assertHttpRefused(self, result, error, status=400):
        code, _, body = result
        self.assertEqual((code, body.get("error")), (status, error), body)

    def assertGrpcRefused(self, call, code, reason):
        with self.assertRaises(grpc.RpcError) as caught:
            call()
        self.assertEqual(outcome(caught.exception), (code, reason))

    def user_code(self, client_id, scope="orders.read"):
        """Alice signs in to `client_id` on A (Authorize with her credentials, PKCE S256)."""
        verifier = secrets.token_urlsafe(32)
        challenge = b64url(hashlib.sha256(verifier.encode()).digest())
        code = self.a.tokens.Authorize(token_pb2.AuthorizeRequest(
            response_type="code", client_id=client_id, redirect_uri=WEB_REDIRECT,
            scope=scope, state="s", code_challenge=challenge,
            code_challenge_method="S256", username=world.username,
            password=world.password), timeout=RPC_TIMEOUT).code
        return {"grant_type": "authorization_code", "code": code,
                "redirect_uri": WEB_REDIRECT, "code_verifier": verifier}


class DiscoveryTest(TestCase):
    def test_dpop_signing_algs_are_published(self):
        _, doc = self.a.get("/.well-known/openid-configuration")
        algs = doc.get("dpop_signing_alg_values_supported", [])
        for alg in ("ES256", "PS256", "RS256", "EdDSA"):
            self.assertIn(alg, algs)
        self.assertFalse([a for a in algs if a.startswith("HS") or a == "none"], algs)

    def test_client_registration_reads_back(self):
        self.assertTrue(world.registered["svc-dpop"].dpop_bound_access_tokens)
        self.assertFalse(world.registered["svc"].dpop_bound_access_tokens)


class BindingTest(TestCase):
    def test_http_proof_binds_the_token(self):
        for holder in (world.es, world.ps):
            status, headers, body = http_token(self.a, proofs=[holder.proof()])
            self.assertEqual(status, 200, body)
            self.assertEqual(body["token_type"], "DPoP")
            self.assertEqual(headers.get("Cache-Control"), "no-store")
            claims = verified_claims(self.a, body["access_token"])
            self.assertEqual(claims["cnf"], {"jkt": holder.thumbprint()})

    def test_grpc_proof_binds_the_token(self):
        response = grpc_token(self.b, proofs=[world.es.proof(htu=self.b.grpc_htu())])
        self.assertEqual(response.token_type, "DPoP")
        claims = verified_claims(self.b, response.access_token)
        self.assertEqual(claims["cnf"]["jkt"], world.es.thumbprint())

    def test_without_a_proof_the_token_is_bearer(self):
        status, _, body = http_token(self.a)
        self.assertEqual((status, body["token_type"]), (200, "Bearer"), body)
        self.assertNotIn("cnf", verified_claims(self.a, body["access_token"]))
        self.assertEqual(grpc_token(self.a).token_type, "Bearer")

    def test_introspection_shows_the_binding(self):
        _, _, body = http_token(self.a, proofs=[world.es.proof()])
        token = body["access_token"]
        status, _, info = self.b.post("/introspect", {"token": token},
                                      [("Authorization", world.basic("svc"))])
        self.assertEqual(status, 200, info)
        self.assertEqual((info["active"], info["token_type"]), (True, "DPoP"))
        self.assertEqual(info["cnf"], {"jkt": world.es.thumbprint()})
        response = self.a.introspection.Introspect(
            introspection_pb2.IntrospectRequest(token=token), metadata=world.md("svc"),
            timeout=RPC_TIMEOUT)
        self.assertEqual((response.token_type, response.cnf.jkt),
                         ("DPoP", world.es.thumbprint()))


class ReplayTest(TestCase):
    def test_a_proof_used_on_a_is_refused_on_b(self):
        proof = world.es.proof()
        status, _, body = http_token(self.a, proofs=[proof])
        self.assertEqual(status, 200, body)
        self.assertHttpRefused(http_token(self.b, proofs=[proof]), "invalid_dpop_proof")
        self.assertHttpRefused(http_token(self.a, proofs=[proof]), "invalid_dpop_proof")

    def test_a_grpc_proof_is_used_once(self):
        proof = world.es.proof(htu=self.a.grpc_htu())
        grpc_token(self.a, proofs=[proof])
        self.assertGrpcRefused(lambda: grpc_token(self.a, proofs=[proof]),
                               "INVALID_ARGUMENT", "invalid_dpop_proof")

    def test_an_unauthenticated_request_does_not_use_up_the_proof(self):
        proof = world.es.proof()
        status, _, body = self.a.post("/token", {"grant_type": "client_credentials"},
                                      [("DPoP", proof), ("Authorization", "Basic " +
                                        support.basic_credentials("svc", "wrong"))])
        self.assertEqual((status, body.get("error")), (401, "invalid_client"), body)
        status, _, body = http_token(self.b, proofs=[proof])
        self.assertEqual(status, 200, body)


class RequiredDpopTest(TestCase):
    def test_a_client_that_must_use_dpop_is_refused_without_a_proof(self):
        self.assertHttpRefused(http_token(self.a, "svc-dpop"), "invalid_dpop_proof")
        self.assertGrpcRefused(lambda: grpc_token(self.b, "svc-dpop"),
                               "INVALID_ARGUMENT", "invalid_dpop_proof")
        status, _, body = http_token(self.a, "svc-dpop", proofs=[world.es.proof()])
        self.assertEqual((status, body.get("token_type")), (200, "DPoP"), body)


class RefreshTest(TestCase):
    def test_a_public_clients_refresh_token_needs_the_same_key(self):
        status, _, first = http_token(self.a, "spa", proofs=[world.es.proof()],
                                      **self.user_code("spa"))
        self.assertEqual((status, first.get("token_type")), (200, "DPoP"), first)
        refresh = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
        self.assertHttpRefused(http_token(self.b, "spa", **refresh), "invalid_grant")
        self.assertHttpRefused(http_token(self.b, "spa", proofs=[world.ps.proof()], **refresh),
                               "invalid_grant")
        status, _, second = http_token(self.b, "spa", proofs=[world.es.proof()], **refresh)
        self.assertEqual((status, second.get("token_type")), (200, "DPoP"), second)
        self.assertEqual(verified_claims(self.b, second["access_token"])["cnf"]["jkt"],
                         world.es.thumbprint())
        # The rotated token keeps the binding, over gRPC too.
        self.assertGrpcRefused(
            lambda: grpc_token(self.a, "spa", grant_type="refresh_token",
                               refresh_token=second["refresh_token"]),
            "INVALID_ARGUMENT", "invalid_grant")
        third = grpc_token(self.a, "spa", proofs=[world.es.proof(htu=self.a.grpc_htu())],
                           grant_type="refresh_token", refresh_token=second["refresh_token"])
        self.assertEqual(third.token_type, "DPoP")

    def test_a_confidential_clients_refresh_token_is_not_bound(self):
        status, _, first = http_token(self.a, "web", proofs=[world.es.proof()],
                                      **self.user_code("web"))
        self.assertEqual((status, first.get("token_type")), (200, "DPoP"), first)
        status, _, second = http_token(self.b, "web", grant_type="refresh_token",
                                       refresh_token=first["refresh_token"])
        self.assertEqual((status, second.get("token_type")), (200, "Bearer"), second)


class UserInfoTest(TestCase):
    """RFC 9449 §7: UserInfo, a protected resource of this server, takes DPoP tokens."""

    def bound_token(self):
        status, _, body = http_token(self.a, "spa", proofs=[world.es.proof()],
                                     **self.user_code("spa", "openid orders.read"))
        self.assertEqual((status, body.get("token_type")), (200, "DPoP"), body)
        return body["access_token"]

    def resource_proof(self, token, holder=None, htm="GET"):
        ath = b64url(hashlib.sha256(token.encode()).digest())
        return (holder or world.es).proof(htu=ISSUER + "/userinfo", htm=htm, ath=ath)

    def test_a_bound_token_with_its_proof(self):
        token = self.bound_token()
        status, _, body = self.b.send("GET", "/userinfo", headers=[
            ("Authorization", "DPoP " + token), ("DPoP", self.resource_proof(token))])
        self.assertEqual(status, 200, body)
        self.assertTrue(body["sub"])
        status, _, body = self.a.send("POST", "/userinfo", "", headers=[
            ("Authorization", "DPoP " + token),
            ("DPoP", self.resource_proof(token, htm="POST"))])
        self.assertEqual(status, 200, body)

    def test_a_bound_token_as_bearer_is_refused_with_a_dpop_challenge(self):
        token = self.bound_token()
        status, headers, body = self.a.send("GET", "/userinfo", headers=[
            ("Authorization", "Bearer " + token)])
        self.assertEqual((status, body.get("error")), (401, "invalid_token"), body)
        self.assertIn("DPoP ", headers.get("WWW-Authenticate", ""))
        self.assertIn("algs=", headers.get("WWW-Authenticate", ""))

    def test_proof_refusals(self):
        token = self.bound_token()
        proof = self.resource_proof(token)
        self.assertEqual(self.a.send("GET", "/userinfo", headers=[
            ("Authorization", "DPoP " + token), ("DPoP", proof)])[0], 200)
        for headers in ([("DPoP", proof)],  # replayed, on the other server
                        [],  # no proof
                        [("DPoP", self.resource_proof(token, world.ps))],  # another key
                        [("DPoP", self.resource_proof("another token"))]):  # another ath
            status, received, body = self.b.send(
                "GET", "/userinfo", headers=[("Authorization", "DPoP " + token)] + headers)
            self.assertEqual((status, body.get("error")), (401, "invalid_dpop_proof"), body)
            self.assertIn('DPoP realm="identity", error="invalid_dpop_proof"',
                          received.get("WWW-Authenticate", ""))


class RefusalTest(TestCase):
    def test_two_proofs(self):
        self.assertHttpRefused(http_token(self.a, proofs=[world.es.proof(), world.es.proof()]),
                               "invalid_dpop_proof")
        self.assertGrpcRefused(
            lambda: grpc_token(self.a, proofs=[world.es.proof(htu=self.a.grpc_htu()),
                                               world.es.proof(htu=self.a.grpc_htu())]),
            "INVALID_ARGUMENT", "invalid_dpop_proof")

    def test_another_htu_or_htm(self):
        self.assertHttpRefused(http_token(self.a, proofs=[world.es.proof(
            htu="https://other.example/token")]), "invalid_dpop_proof")
        self.assertHttpRefused(http_token(self.a, proofs=[world.es.proof(htm="GET")]),
                               "invalid_dpop_proof")
        # The HTTP token endpoint's URL is not the gRPC method's.
        self.assertGrpcRefused(lambda: grpc_token(self.a, proofs=[world.es.proof()]),
                               "INVALID_ARGUMENT", "invalid_dpop_proof")

    def test_a_stale_proof(self):
        self.assertHttpRefused(http_token(self.a, proofs=[world.es.proof(
            iat=int(time.time()) - 600)]), "invalid_dpop_proof")

    def test_alg_none_and_no_jwk(self):
        header = b64url(json.dumps({"typ": "dpop+jwt", "alg": "none",
                                    "jwk": world.es.jwk}).encode())
        payload = b64url(json.dumps({"jti": "n", "htm": "POST", "htu": TOKEN_URL,
                                     "iat": int(time.time())}).encode())
        self.assertHttpRefused(http_token(self.a, proofs=[header + "." + payload + "."]),
                               "invalid_dpop_proof")
        self.assertHttpRefused(http_token(self.a, proofs=[world.es.proof(jwk=False)]),
                               "invalid_dpop_proof")

    def test_garbage(self):
        self.assertHttpRefused(http_token(self.a, proofs=["not-a-jwt"]), "invalid_dpop_proof")


TEST_CASES = [DiscoveryTest, BindingTest, ReplayTest, RequiredDpopTest, RefreshTest,
              UserInfoTest, RefusalTest]


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
    global world
    admin_id = "dpop-admin." + secrets.token_hex(4)
    admin_secret = secrets.token_urlsafe(32)
    database, database_url = support.create_database(shared_url, "identity_dpop_")
    passed = False
    try:
        for name in ("a", "b"):
            servers.append(Server(name, options["--server"], database_url, log_dir,
                                  admin_id, admin_secret))
        for server in servers:
            server.wait_ready()
        world = World(admin_id, admin_secret)
        passed = junit_report.run(TEST_CASES, "dpop_test", options.get("-k"))
    finally:
        for server in servers:
            server.kill()
        support.psql(shared_url, "DROP DATABASE IF EXISTS %s WITH (FORCE)" % database)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
