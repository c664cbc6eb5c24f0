#!/usr/bin/python3
"""Independent-client test: the real identity-server on PostgreSQL, called over loopback gRPC.

The client side uses nothing of ours but the .proto files: Debian's python3-grpcio with stubs
generated here by /usr/bin/protoc + grpc_python_plugin, and PyJWT 2.6 (python3-jwt, on
python3-cryptography) to verify the access tokens against the server's JWKS. It checks
client_credentials with both client authentication methods (RFC 6749 §2.3.1), the RFC 9068
access token, introspection (RFC 7662), the gRPC codes and google.rpc.ErrorInfo reasons that
docs/api.md documents, and a clean exit 0 on SIGTERM.

Usage: /usr/bin/python3 grpc_interop_test.py --server BINARY --proto-root DIR [-k PATTERN]
Needs IDENTITY_TEST_DATABASE_URL, a PostgreSQL where it may CREATE DATABASE: the server gets a
fresh database of its own (see create_database), dropped at the end. Writes JUnit XML to
$XML_OUTPUT_FILE when set (Bazel convention) and exits non-zero if any test fails.
"""

import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import unittest

import grpc
import jwt

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import grpc_test_support as support  # noqa: E402  (tests/python)
import junit_report  # noqa: E402  (tests/python)

ISSUER = "https://id.example"
AUDIENCE = "orders-api"
ADMIN_SCOPE = "identity.admin"  # What the bootstrap admin client is allowed.
ERROR_DOMAIN = "identity.dev"
KEK = secrets.token_hex(32)  # The server's key-encryption key, fresh like the database.
PROTOS = ["google/rpc/status.proto", "google/rpc/error_details.proto",
          "identity/v1/token.proto", "identity/v1/introspection.proto", "identity/v1/keys.proto",
          "identity/v1/admin.proto"]

server = None  # The Server under test, set in main().


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


def basic_authorization(client_id, client_secret):
    return (("authorization", "Basic " + support.basic_credentials(client_id, client_secret)),)


class Server:
    """identity-server as a child process, with a bootstrap admin client unique to this run."""

    def __init__(self, binary, database_url, work_dir):
        self.address = "127.0.0.1:%d" % support.free_port()
        # ':', ' ', '+', '%' and 'é' all need form-urlencoding in Basic (RFC 6749 §2.3.1).
        self.client_id = "grpc-interop:" + secrets.token_hex(6)
        self.client_secret = "s3cret +%/é:" + secrets.token_hex(12)
        env = {k: v for k, v in os.environ.items() if not k.startswith("IDENTITY_")}
        env.update(IDENTITY_KEK=KEK, IDENTITY_BOOTSTRAP_ADMIN_CLIENT_ID=self.client_id,
                   IDENTITY_BOOTSTRAP_ADMIN_CLIENT_SECRET=self.client_secret)
        self.log_path = os.path.join(work_dir, "identity-server.log")
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [binary, "--store=postgres", "--database-url=" + database_url,
                 "--grpc-listen=" + self.address, "--issuer=" + ISSUER, "--audience=" + AUDIENCE],
                env=env, stdout=log, stderr=subprocess.STDOUT)
        self.channel = grpc.insecure_channel(self.address)

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def wait_ready(self, seconds=30):
        ready = grpc.channel_ready_future(self.channel)
        deadline = time.monotonic() + seconds
        while True:
            try:
                return ready.result(timeout=0.5)
            except grpc.FutureTimeoutError:
                if self.process.poll() is not None:
                    raise RuntimeError("identity-server exited with %d before serving:\n%s"
                                       % (self.process.returncode, self.log()))
                if time.monotonic() > deadline:
                    raise RuntimeError("identity-server did not serve on %s within %ds:\n%s"
                                       % (self.address, seconds, self.log()))

    def stop(self, seconds=20):
        """SIGTERM, then the exit status (negative: killed by that signal)."""
        self.channel.close()
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=seconds)

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


class GrpcInteropTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tokens = token_pb2_grpc.TokenServiceStub(server.channel)
        cls.introspection = introspection_pb2_grpc.IntrospectionServiceStub(server.channel)
        cls.keys = keys_pb2_grpc.KeyServiceStub(server.channel)
        cls.admin = admin_pb2_grpc.AdminServiceStub(server.channel)

    @staticmethod
    def token_request(**fields):
        """A client_credentials TokenRequest authenticated by fields unless overridden."""
        fields.setdefault("grant_type", "client_credentials")
        fields.setdefault("client_id", server.client_id)
        fields.setdefault("client_secret", server.client_secret)
        return token_pb2.TokenRequest(**fields)

    def get_token(self, **fields):
        return self.tokens.Token(self.token_request(**fields))

    def introspect(self, token):
        return self.introspection.Introspect(introspection_pb2.IntrospectRequest(
            token=token, client_id=server.client_id, client_secret=server.client_secret))

    def verify_with_pyjwt(self, token):
        """Verifies with PyJWT against GetJwks; returns (header, claims)."""
        jwks = self.keys.GetJwks(keys_pb2.GetJwksRequest())
        header = jwt.get_unverified_header(token)
        self.assertIn("kid", header)
        keys = {key.key_id: key for key in jwt.PyJWKSet.from_json(jwks.jwks_json).keys}
        self.assertIn(header["kid"], keys, "the token's kid is not in the JWKS")
        claims = jwt.decode(token, keys[header["kid"]].key, algorithms=["ES256"],
                            audience=AUDIENCE, issuer=ISSUER,
                            options={"require": ["iss", "aud", "sub", "exp", "iat", "jti"]})
        return header, claims

    def assert_oauth_error(self, code, reason, call, request, metadata=None):
        """The call fails with `code` and one ErrorInfo(reason, identity.dev) in the details."""
        with self.assertRaises(grpc.RpcError) as raised:
            call(request, metadata=metadata)
        error = raised.exception
        self.assertEqual(error.code(), code, error.details())
        trailers = dict(error.trailing_metadata() or ())
        self.assertIn("grpc-status-details-bin", trailers)
        status = status_pb2.Status.FromString(trailers["grpc-status-details-bin"])
        self.assertEqual(status.code, code.value[0])
        self.assertEqual(status.message, error.details())
        self.assertEqual(len(status.details), 1)
        info = error_details_pb2.ErrorInfo()
        self.assertTrue(status.details[0].Unpack(info), status.details[0].type_url)
        self.assertEqual((info.reason, info.domain), (reason, ERROR_DOMAIN))
        self.assertNotIn(server.client_secret, error.details())  # docs/api.md: no secrets.
        return error

    # --- TokenService.Token (client_credentials) ---------------------------------------------

    def test_token_with_client_id_and_secret_fields(self):
        response = self.get_token()
        self.assertEqual(response.token_type, "Bearer")
        self.assertEqual(response.scope, ADMIN_SCOPE)
        self.assertGreater(response.expires_in, 0)
        self.assertEqual(self.verify_with_pyjwt(response.access_token)[1]["sub"], server.client_id)

    def test_token_with_basic_authorization_form_urlencoded(self):
        response = self.tokens.Token(
            self.token_request(client_id="", client_secret=""),
            metadata=basic_authorization(server.client_id, server.client_secret))
        self.assertEqual(response.token_type, "Bearer")
        self.assertEqual(response.scope, ADMIN_SCOPE)
        self.assertEqual(self.verify_with_pyjwt(response.access_token)[1]["sub"], server.client_id)

    def test_token_with_requested_scope(self):
        self.assertEqual(self.get_token(scope=ADMIN_SCOPE).scope, ADMIN_SCOPE)

    # --- the access token, verified independently (RFC 9068) -------------------------------

    def test_access_token_verifies_with_pyjwt(self):
        response = self.get_token()
        header, claims = self.verify_with_pyjwt(response.access_token)
        self.assertEqual(header["alg"], "ES256")
        self.assertEqual(header["typ"], "at+jwt")
        self.assertEqual(claims["iss"], ISSUER)
        self.assertEqual(claims["aud"], AUDIENCE)
        self.assertEqual(claims["sub"], server.client_id)
        self.assertEqual(claims["client_id"], server.client_id)
        self.assertEqual(claims["scope"], ADMIN_SCOPE)
        self.assertLess(abs(claims["iat"] - time.time()), 60)
        self.assertEqual(claims["exp"] - claims["iat"], response.expires_in)

    def test_jti_unique_across_tokens(self):
        first = self.verify_with_pyjwt(self.get_token().access_token)[1]["jti"]
        second = self.verify_with_pyjwt(self.get_token().access_token)[1]["jti"]
        self.assertTrue(first and second)
        self.assertNotEqual(first, second)

    def test_jwks_json_matches_typed_keys(self):
        jwks = self.keys.GetJwks(keys_pb2.GetJwksRequest())
        from_json = {k.key_id: k._jwk_data for k in jwt.PyJWKSet.from_json(jwks.jwks_json).keys}
        self.assertEqual(set(from_json), {k.kid for k in jwks.keys})
        for key in jwks.keys:
            for member in ("kty", "alg", "use", "crv", "x", "y", "n", "e"):
                self.assertEqual(from_json[key.kid].get(member, ""), getattr(key, member),
                                 "%s.%s" % (key.kid, member))
            self.assertNotIn("d", from_json[key.kid])

    # --- IntrospectionService.Introspect (RFC 7662) ----------------------------------------

    def test_introspect_active_token_matches_pyjwt_claims(self):
        token = self.get_token().access_token
        claims = self.verify_with_pyjwt(token)[1]
        result = self.introspect(token)
        self.assertTrue(result.active)
        self.assertEqual(result.token_type, "Bearer")
        self.assertEqual(
            (result.iss, list(result.aud), result.sub, result.client_id, result.scope,
             result.jti, result.iat, result.exp),
            (claims["iss"], [claims["aud"]], claims["sub"], claims["client_id"], claims["scope"],
             claims["jti"], claims["iat"], claims["exp"]))

    def test_introspect_with_basic_authorization(self):
        request = introspection_pb2.IntrospectRequest(token=self.get_token().access_token)
        result = self.introspection.Introspect(
            request, metadata=basic_authorization(server.client_id, server.client_secret))
        self.assertTrue(result.active)

    def test_introspect_tampered_signature_is_inactive(self):
        token = self.get_token().access_token
        signing_input, signature = token.rsplit(".", 1)
        middle = len(signature) // 2  # Not the last character: its low bits are padding.
        flipped = "A" if signature[middle] != "A" else "B"
        tampered = signing_input + "." + signature[:middle] + flipped + signature[middle + 1:]
        with self.assertRaises(jwt.InvalidSignatureError):
            self.verify_with_pyjwt(tampered)
        result = self.introspect(tampered)
        self.assertEqual(result, introspection_pb2.IntrospectResponse(active=False))

    def test_introspect_garbage_is_inactive(self):
        for garbage in ("garbage", "a.b.c", "eyJhbGciOiJub25lIn0.e30."):
            with self.subTest(token=garbage):
                result = self.introspect(garbage)
                self.assertEqual(result, introspection_pb2.IntrospectResponse(active=False))

    # --- errors: gRPC code + google.rpc.ErrorInfo (docs/api.md) ------------------------------

    def test_wrong_secret_is_invalid_client(self):
        self.assert_oauth_error(grpc.StatusCode.UNAUTHENTICATED, "invalid_client",
                                self.tokens.Token, self.token_request(client_secret="wrong"))

    def test_unknown_client_is_the_same_invalid_client(self):
        wrong = self.assert_oauth_error(grpc.StatusCode.UNAUTHENTICATED, "invalid_client",
                                        self.tokens.Token, self.token_request(client_secret="x"))
        unknown = self.assert_oauth_error(
            grpc.StatusCode.UNAUTHENTICATED, "invalid_client", self.tokens.Token,
            self.token_request(client_id="no-such-" + server.client_id, client_secret="x"))
        self.assertEqual(unknown.details(), wrong.details())

    def test_unsupported_grant_type(self):
        self.assert_oauth_error(grpc.StatusCode.INVALID_ARGUMENT, "unsupported_grant_type",
                                self.tokens.Token, self.token_request(grant_type="password"))

    def test_scope_not_allowed_is_invalid_scope(self):
        self.assert_oauth_error(grpc.StatusCode.INVALID_ARGUMENT, "invalid_scope",
                                self.tokens.Token, self.token_request(scope="orders.read"))

    def test_basic_and_fields_together_is_invalid_request(self):
        self.assert_oauth_error(grpc.StatusCode.INVALID_ARGUMENT, "invalid_request",
                                self.tokens.Token, self.token_request(),
                                basic_authorization(server.client_id, server.client_secret))

    def test_introspect_empty_token_is_invalid_request(self):
        request = introspection_pb2.IntrospectRequest(client_id=server.client_id,
                                                      client_secret=server.client_secret)
        self.assert_oauth_error(grpc.StatusCode.INVALID_ARGUMENT, "invalid_request",
                                self.introspection.Introspect, request)

    def test_introspect_wrong_secret_is_invalid_client(self):
        request = introspection_pb2.IntrospectRequest(
            token=self.get_token().access_token, client_id=server.client_id, client_secret="x")
        self.assert_oauth_error(grpc.StatusCode.UNAUTHENTICATED, "invalid_client",
                                self.introspection.Introspect, request)


    # --- AdminService: an admin token from Token, used by an independent client ------------

    def admin_metadata(self):
        token = self.get_token(scope=ADMIN_SCOPE).access_token
        return (("authorization", "Bearer " + token),)

    def test_admin_creates_a_client_that_gets_tokens(self):
        client_id = "py-" + secrets.token_hex(6)
        created = self.admin.CreateClient(
            admin_pb2.CreateClientRequest(client_id=client_id, name="Python client",
                                          allowed_scopes=["orders.read"]),
            metadata=self.admin_metadata())
        self.assertEqual(created.client.client_id, client_id)
        self.assertEqual(list(created.client.allowed_scopes), ["orders.read"])
        self.assertEqual(len(created.client_secret), 43)
        token = self.tokens.Token(token_pb2.TokenRequest(
            grant_type="client_credentials", client_id=client_id,
            client_secret=created.client_secret, scope="orders.read"))
        claims = self.verify_with_pyjwt(token.access_token)[1]
        self.assertEqual((claims["sub"], claims["scope"]), (client_id, "orders.read"))
        listed = self.admin.ListClients(admin_pb2.ListClientsRequest(),
                                        metadata=self.admin_metadata())
        self.assertIn(client_id, [c.client_id for c in listed.clients])
        self.admin.DeleteClient(admin_pb2.DeleteClientRequest(client_id=client_id),
                                metadata=self.admin_metadata())
        with self.assertRaises(grpc.RpcError) as raised:
            self.admin.GetClient(admin_pb2.GetClientRequest(client_id=client_id),
                                 metadata=self.admin_metadata())
        self.assertEqual(raised.exception.code(), grpc.StatusCode.NOT_FOUND)

    def test_admin_calls_without_an_admin_token_are_refused(self):
        request = admin_pb2.CreateClientRequest(client_id="intruder-" + secrets.token_hex(4))
        for metadata, code in (
                (None, grpc.StatusCode.UNAUTHENTICATED),
                ((("authorization", "Bearer not-a-token"),), grpc.StatusCode.UNAUTHENTICATED),
                (basic_authorization(server.client_id, server.client_secret),
                 grpc.StatusCode.UNAUTHENTICATED)):
            with self.subTest(metadata=metadata and metadata[0][1][:12]):
                with self.assertRaises(grpc.RpcError) as raised:
                    self.admin.CreateClient(request, metadata=metadata)
                self.assertEqual(raised.exception.code(), code, raised.exception.details())
        with self.assertRaises(grpc.RpcError) as raised:
            self.admin.GetClient(admin_pb2.GetClientRequest(client_id=request.client_id),
                                 metadata=self.admin_metadata())
        self.assertEqual(raised.exception.code(), grpc.StatusCode.NOT_FOUND)


class ShutdownTest(unittest.TestCase):
    """Runs last: SIGTERM drains and exits 0 (docs/configuration.md)."""

    def test_sigterm_exits_zero(self):
        self.assertEqual(server.stop(), 0, server.log())


def main(argv):
    options = dict(zip(argv[::2], argv[1::2]))
    if len(argv) % 2 or not {"--server", "--proto-root"} <= set(options) <= {
            "--server", "--proto-root", "-k"}:
        sys.stderr.write(__doc__)
        return 2
    database_url = os.environ.get("IDENTITY_TEST_DATABASE_URL")
    if not database_url:
        sys.stderr.write("IDENTITY_TEST_DATABASE_URL is not set: this test needs a PostgreSQL "
                         "(docs/build.md)\n")
        return 1
    work_dir = tempfile.mkdtemp(dir=os.environ.get("TEST_TMPDIR"))
    generate_stubs(options["--proto-root"], os.path.join(work_dir, "stubs"))
    sys.stderr.write("grpcio %s, PyJWT %s, server %s\n"
                     % (grpc.__version__, jwt.__version__, options["--server"]))

    global server
    database, private_url = support.create_database(database_url, "identity_grpc_interop_")
    try:
        server = Server(options["--server"], private_url, work_dir)
        server.wait_ready()
        passed = junit_report.run([GrpcInteropTest, ShutdownTest], "grpc_interop_test",
                                  options.get("-k"))
    finally:
        if server is not None:
            server.kill()
        support.psql(database_url, "DROP DATABASE IF EXISTS %s WITH (FORCE)" % database)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
