"""examples/greeter, built outside identity's tree, run against a real identity-server.

Shared by the consumers of the interceptor built out of the tree: tests/cmake (the CMake package
and pkg-config) and tests/bazel_consumer (another Bazel workspace). A subclass of GreeterChecks
builds its greeter_server binaries and greeter_client, then calls start_greeters(); the cases
below run against every server it started:

- a call without a token and a forged token (the issued token's header and claims under the
  issuer's kid, another key's signature) are UNAUTHENTICATED before the handler: the handler's
  count, read through the open Handled method, does not move;
- a token without the method's scope is PERMISSION_DENIED, also before the handler;
- an issued token passes and reaches the handler once.
"""

import json
import os
import signal
import subprocess
import unittest

import grpc_test_support as support

ISSUER = "https://id.example"
AUDIENCE = "greeter-api"
# At least 32 characters, or the server refuses it at start.
ADMIN_SECRET = "admin-secret-for-the-greeter-checks"


class GreeterChecks(unittest.TestCase):
    """The cases; subclasses build the binaries and call start_greeters() in setUpClass."""

    processes = []
    servers = {}  # Build name -> address of its greeter_server.

    @classmethod
    def start(cls, work, args, env=None, log_name="log"):
        log = open(os.path.join(work, log_name), "wb")
        process = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT)
        cls.processes.append(process)
        return process

    @classmethod
    def start_greeters(cls, work, servers, client_binary, identity_server, idctl, database_url):
        """identity-server on `database_url`, two clients, and each of `servers` (name -> binary)
        listening on a free loopback port; logs go to files in `work`."""
        cls.client_binary = client_binary
        cls.issuer_address = "127.0.0.1:%d" % support.free_port()
        env = dict(os.environ, IDENTITY_KEK="cd" * 32, IDENTITY_BOOTSTRAP_ADMIN_CLIENT_ID="admin",
                   IDENTITY_BOOTSTRAP_ADMIN_CLIENT_SECRET=ADMIN_SECRET)
        issuer = cls.start(work, [identity_server, "--store=postgres",
                                  "--database-url=" + database_url,
                                  "--grpc-listen=" + cls.issuer_address, "--issuer=" + ISSUER,
                                  "--audience=" + AUDIENCE], env, "identity-server.log")
        support.wait_until("identity-server", lambda: issuer.poll() is None and subprocess.run(
            [idctl, "keys", "jwks", "--server", cls.issuer_address, "--timeout", "1"],
            capture_output=True).returncode == 0)
        cls.secrets = {}
        for client, scope in (("greeter-user", "greeter.hello"), ("stranger", "other.read")):
            created = subprocess.run(
                [idctl, "clients", "create", "--server", cls.issuer_address, "--client-id",
                 "admin", "--client-secret", ADMIN_SECRET, "--id", client, "--allow-scope",
                 scope], capture_output=True, text=True, timeout=30)
            if created.returncode != 0:
                raise AssertionError("idctl clients create: " + created.stdout + created.stderr)
            cls.secrets[client] = json.loads(created.stdout)["client_secret"]
        cls.servers = {}
        for name, binary in servers.items():
            address = "127.0.0.1:%d" % support.free_port()
            server = cls.start(work, [binary, "--listen=" + address, "--issuer=" + ISSUER,
                                      "--audience=" + AUDIENCE,
                                      "--key-server=" + cls.issuer_address],
                               log_name="greeter-server-%s.log" % name)
            cls.servers[name] = address
            support.wait_until("greeter_server (%s)" % name, lambda: server.poll() is None and
                               cls.handled_at(address) is not None)

    @classmethod
    def stop_processes(cls):
        for process in cls.processes:
            process.send_signal(signal.SIGTERM)
        for process in cls.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()

    @classmethod
    def client(cls, address, *args, client_id="greeter-user"):
        env = dict(os.environ, IDENTITY_CLIENT_SECRET=cls.secrets[client_id])
        return subprocess.run([cls.client_binary, "--greeter=" + address,
                               "--issuer-address=" + cls.issuer_address,
                               "--client-id=" + client_id] + list(args),
                              env=env, capture_output=True, text=True, timeout=30)

    @classmethod
    def handled_at(cls, address):
        """Hello calls that reached the handler (the open Handled method), or None."""
        done = cls.client(address, "--handled")
        return int(done.stdout) if done.returncode == 0 else None

    def assert_refused(self, code, why, *args, client_id="greeter-user"):
        """The call gets `code` with a message containing `why`, and no handler runs."""
        self.assertTrue(self.servers, "no greeter_server was started")
        for name, address in self.servers.items():
            with self.subTest(build=name):
                before = self.handled_at(address)
                done = self.client(address, *args, client_id=client_id)
                self.assertEqual(done.returncode, 1, done.stdout + done.stderr)
                self.assertTrue(done.stdout.startswith("error %d: " % code), done.stdout)
                self.assertIn(why, done.stdout)
                self.assertEqual(self.handled_at(address), before,
                                 "a refused call reached the handler")

    def test_call_without_a_token_is_refused_before_the_handler(self):
        self.assert_refused(16, "missing authorization metadata", "--token=none")

    def test_forged_token_is_refused_before_the_handler(self):
        self.assert_refused(16, "signature_invalid", "--token=forged")  # UNAUTHENTICATED

    def test_token_without_the_method_scope_is_permission_denied(self):
        self.assert_refused(7, "greeter.hello", "--token=issued", client_id="stranger")

    def test_issued_token_passes(self):
        self.assertTrue(self.servers, "no greeter_server was started")
        for name, address in self.servers.items():
            with self.subTest(build=name):
                before = self.handled_at(address)
                done = self.client(address, "--token=issued")
                self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
                self.assertEqual(done.stdout.strip(), "hello greeter-user")
                self.assertEqual(self.handled_at(address), before + 1)
