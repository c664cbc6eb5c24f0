#!/usr/bin/python3
"""The Orders example end to end, and the interceptor against an independent JOSE implementation.

1. With identity-server as the issuer, on a scratch database of its own on the test PostgreSQL
   (IDENTITY_TEST_DATABASE_URL; the test fails without it): idctl registers two clients;
   orders_client, using the interceptor library's token source, calls orders_server, which
   fetches the JWKS from KeyService; the scopes of each method come from its (identity.v1.auth)
   option.
2. With a JWKS file whose key this test holds: PyJWT (python3-jwt) signs tokens that break one rule
   each (alg none, HMAC with the public key, wrong key, unknown kid, expired, future nbf, wrong
   audience, wrong issuer, wrong typ, missing scope). Each is refused with the right gRPC code,
   and the server's handler count (Ping, an open method) shows no handler ran for them.

Usage: orders_example_test.py RUNFILES_ROOT [-k PATTERN]
"""

import base64
import hashlib
import hmac
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

import grpc
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

ROOT = os.path.abspath(sys.argv[1])
sys.path.insert(0, os.path.join(ROOT, "tests", "python"))
import grpc_test_support as support  # noqa: E402
import junit_report  # noqa: E402

ISSUER = "https://id.example"
AUDIENCE = "orders-api"
# At least 32 characters, or the server refuses it at start.
ADMIN_SECRET = "admin-secret-for-the-orders-example"
WORK = tempfile.mkdtemp(dir=os.environ.get("TEST_TMPDIR"))
PROCESSES = []
DATABASE_URL = None  # The scratch database main() creates for identity-server.


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(args, env=None, log_name="log"):
    log = open(os.path.join(WORK, log_name), "wb")
    process = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT)
    PROCESSES.append(process)
    return process


def wait_serving(address, process, seconds=30):
    channel = grpc.insecure_channel(address)
    deadline = time.monotonic() + seconds
    while True:
        try:
            grpc.channel_ready_future(channel).result(timeout=0.5)
            return channel
        except grpc.FutureTimeoutError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("%s did not start" % process.args[0])


def generate_stubs():
    out = os.path.join(WORK, "stubs")
    os.makedirs(out)
    subprocess.run(["/usr/bin/protoc", "-I" + os.path.join(ROOT, "examples/orders"),
                    "-I" + os.path.join(ROOT, "proto"), "-I/usr/include",
                    "--python_out=" + out, "--grpc_python_out=" + out,
                    "--plugin=protoc-gen-grpc_python=/usr/bin/grpc_python_plugin",
                    "orders.proto", "identity/v1/auth.proto"], check=True)
    sys.path.insert(0, out)


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class WithIdentityServer(unittest.TestCase):
    """orders_client -> orders_server, tokens and keys from a real identity-server."""

    @classmethod
    def setUpClass(cls):
        cls.issuer_address = "127.0.0.1:%d" % free_port()
        env = dict(os.environ, IDENTITY_KEK="ab" * 32, IDENTITY_BOOTSTRAP_ADMIN_CLIENT_ID="admin",
                   IDENTITY_BOOTSTRAP_ADMIN_CLIENT_SECRET=ADMIN_SECRET)
        issuer = start([os.path.join(ROOT, "server/identity-server"), "--store=postgres",
                        "--database-url=" + DATABASE_URL,
                        "--grpc-listen=" + cls.issuer_address, "--issuer=" + ISSUER,
                        "--audience=" + AUDIENCE], env, "identity-server.log")
        wait_serving(cls.issuer_address, issuer)
        cls.secrets = {}
        for client, scopes in (("shop", ["orders.read", "orders.write"]), ("viewer", ["orders.read"])):
            args = [os.path.join(ROOT, "client/idctl/idctl"), "clients", "create",
                    "--server", cls.issuer_address, "--client-id", "admin",
                    "--client-secret", ADMIN_SECRET, "--id", client]
            for scope in scopes:
                args += ["--allow-scope", scope]
            created = subprocess.run(args, capture_output=True, text=True, check=True)
            cls.secrets[client] = json.loads(created.stdout)["client_secret"]
        cls.orders_address = "127.0.0.1:%d" % free_port()
        orders = start([os.path.join(ROOT, "examples/orders/orders_server"),
                        "--listen=" + cls.orders_address, "--issuer=" + ISSUER,
                        "--audience=" + AUDIENCE, "--key-server=" + cls.issuer_address],
                       log_name="orders-server.log")
        wait_serving(cls.orders_address, orders)

    def client(self, client_id, *extra):
        env = dict(os.environ, IDENTITY_CLIENT_SECRET=self.secrets[client_id])
        return subprocess.run([os.path.join(ROOT, "examples/orders/orders_client"),
                               "--orders=" + self.orders_address,
                               "--issuer-address=" + self.issuer_address,
                               "--client-id=" + client_id] + list(extra),
                              env=env, capture_output=True, text=True)

    def test_reader_gets_an_order(self):
        done = self.client("shop")
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        self.assertIn("for client shop", done.stdout)

    def test_writer_places_an_order(self):
        done = self.client("shop", "--place=book")
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        self.assertIn('item "book"', done.stdout)

    def test_reader_cannot_place_an_order(self):
        done = self.client("viewer", "--place=book")
        self.assertEqual(done.returncode, 1, done.stdout + done.stderr)
        self.assertIn("error 7:", done.stdout)  # PERMISSION_DENIED
        self.assertIn("orders.write", done.stdout)


class ForgedTokens(unittest.TestCase):
    """orders_server trusting a JWKS file; tokens signed by PyJWT, each breaking one rule."""

    @classmethod
    def setUpClass(cls):
        import orders_pb2
        import orders_pb2_grpc
        cls.pb = orders_pb2
        cls.key = ec.generate_private_key(ec.SECP256R1())
        numbers = cls.key.public_key().public_numbers()
        cls.public_jwk = {"kty": "EC", "crv": "P-256", "kid": "trusted", "alg": "ES256",
                          "use": "sig", "x": b64(numbers.x.to_bytes(32, "big")),
                          "y": b64(numbers.y.to_bytes(32, "big"))}
        jwks_path = os.path.join(WORK, "jwks.json")
        with open(jwks_path, "w") as f:
            json.dump({"keys": [cls.public_jwk]}, f)
        address = "127.0.0.1:%d" % free_port()
        server = start([os.path.join(ROOT, "examples/orders/orders_server"),
                        "--listen=" + address, "--issuer=" + ISSUER, "--audience=" + AUDIENCE,
                        "--jwks-file=" + jwks_path], log_name="orders-forged.log")
        cls.stub = orders_pb2_grpc.OrdersStub(wait_serving(address, server))

    def claims(self, **changes):
        now = int(time.time())
        claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "forger", "client_id": "forger",
                  "iat": now, "exp": now + 300, "jti": os.urandom(8).hex(),
                  "scope": "orders.read orders.write"}
        claims.update(changes)
        return {k: v for k, v in claims.items() if v is not None}

    def sign(self, claims, key=None, kid="trusted", typ="at+jwt"):
        return jwt.encode(claims, key or self.key, algorithm="ES256",
                          headers={"kid": kid, "typ": typ})

    def handled(self):
        return self.stub.Ping(self.pb.PingRequest()).handled

    def call(self, token, place=False):
        metadata = (("authorization", "Bearer " + token),)
        if place:
            return self.stub.PlaceOrder(self.pb.PlaceOrderRequest(item="x"), metadata=metadata)
        return self.stub.GetOrder(self.pb.GetOrderRequest(id="1"), metadata=metadata)

    def assert_refused(self, token, code=grpc.StatusCode.UNAUTHENTICATED, place=False):
        before = self.handled()
        with self.assertRaises(grpc.RpcError) as raised:
            self.call(token, place)
        self.assertEqual(raised.exception.code(), code, raised.exception.details())
        self.assertNotIn(token.split(".")[-1] or token, raised.exception.details())
        self.assertEqual(self.handled(), before, "a refused call reached its handler")
        return raised.exception.details()

    def test_a_valid_token_passes(self):
        before = self.handled()
        order = self.call(self.sign(self.claims()))
        self.assertEqual(order.client_id, "forger")
        self.assertEqual(self.handled(), before + 1)

    def test_alg_none(self):
        header = b64(json.dumps({"alg": "none", "typ": "at+jwt", "kid": "trusted"}).encode())
        payload = b64(json.dumps(self.claims()).encode())
        self.assertIn("none", self.assert_refused(header + "." + payload + "."))

    def test_hmac_signed_with_the_public_key(self):
        header = b64(json.dumps({"alg": "HS256", "typ": "at+jwt", "kid": "trusted"}).encode())
        payload = b64(json.dumps(self.claims()).encode())
        pem = self.key.public_key().public_bytes(serialization.Encoding.PEM,
                                                 serialization.PublicFormat.SubjectPublicKeyInfo)
        for secret in (pem, json.dumps(self.public_jwk).encode()):
            signature = hmac.new(secret, (header + "." + payload).encode(), hashlib.sha256).digest()
            self.assert_refused(header + "." + payload + "." + b64(signature))

    def test_wrong_key_with_the_trusted_kid(self):
        self.assert_refused(self.sign(self.claims(), key=ec.generate_private_key(ec.SECP256R1())))

    def test_unknown_kid(self):
        details = self.assert_refused(
            self.sign(self.claims(), key=ec.generate_private_key(ec.SECP256R1()), kid="other"))
        self.assertIn("kid", details)

    def test_expired(self):
        now = int(time.time())
        self.assertIn("expired", self.assert_refused(
            self.sign(self.claims(iat=now - 600, exp=now - 60))))

    def test_not_yet_valid(self):
        self.assert_refused(self.sign(self.claims(nbf=int(time.time()) + 3600)))

    def test_wrong_audience(self):
        self.assert_refused(self.sign(self.claims(aud="billing-api")))

    def test_wrong_issuer(self):
        self.assert_refused(self.sign(self.claims(iss="https://evil.example")))

    def test_not_an_access_token(self):
        self.assert_refused(self.sign(self.claims(), typ="JWT"))

    def test_missing_scope_is_permission_denied(self):
        token = self.sign(self.claims(scope="orders.read"))
        self.call(token)  # Reading is allowed...
        details = self.assert_refused(token, grpc.StatusCode.PERMISSION_DENIED, place=True)
        self.assertIn("orders.write", details)

    def test_garbage(self):
        for token in ("garbage", "a.b.c", "e30.e30.e30"):
            with self.subTest(token=token):
                self.assert_refused(token)


def main():
    global DATABASE_URL
    shared_url = os.environ.get("IDENTITY_TEST_DATABASE_URL")
    if not shared_url:
        sys.stderr.write("IDENTITY_TEST_DATABASE_URL is not set: this test needs a PostgreSQL "
                         "(tests/run_all.sh starts one; docs/build.md)\n")
        return 1
    generate_stubs()
    pattern = sys.argv[3] if len(sys.argv) > 3 and sys.argv[2] == "-k" else None
    database, DATABASE_URL = support.create_database(shared_url, "identity_orders_")
    try:
        passed = junit_report.run([WithIdentityServer, ForgedTokens], "orders_example_test",
                                  pattern)
    finally:
        for process in PROCESSES:
            process.send_signal(signal.SIGTERM)
        for process in PROCESSES:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        support.psql(shared_url, "DROP DATABASE IF EXISTS %s WITH (FORCE)" % database)
    if not passed:
        support.print_logs(WORK)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
