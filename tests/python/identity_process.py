"""identity-server as a child process of a Python test: its gRPC and HTTP listeners on free
loopback ports, its log in a file, readiness awaited on both faces, SIGTERM to stop. Shared by
the end-to-end tests that run two replicas on one PostgreSQL database; each test subclasses it to
add the gRPC stubs it calls (the stubs are compiled at test time, so this module imports none)."""

import os
import signal
import subprocess
import urllib.request

import grpc

import grpc_test_support as support


class IdentityProcess:
    """`binary` on the database at `url`, with `flags` after the listeners, the issuer and the
    audience. The environment is this process's without IDENTITY_* variables, plus `env`.
    --store-cache-ttl=0 belongs in `flags` when a change through one replica must be seen by the
    other at once."""

    def __init__(self, name, binary, url, work_dir, issuer, audience, env, flags=(),
                 http_port=None):
        self.name = name
        self.address = "127.0.0.1:%d" % support.free_port()
        self.http = "http://127.0.0.1:%d" % (http_port or support.free_port())
        clean = {k: v for k, v in os.environ.items() if not k.startswith("IDENTITY_")}
        clean.update(env)
        self.log_path = os.path.join(work_dir, "identity-server-%s.log" % name)
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [binary, "--store=postgres", "--database-url=" + url,
                 "--grpc-listen=" + self.address, "--http-listen=" + self.http[len("http://"):],
                 "--issuer=" + issuer, "--audience=" + audience] + list(flags),
                env=clean, stdout=log, stderr=log)
        self.channel = grpc.insecure_channel(self.address)

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def wait_ready(self, seconds=60):
        """Until discovery answers over HTTP and the gRPC channel is ready; RuntimeError with the
        log if the process exits first."""
        def serving():
            if self.process.poll() is not None:
                raise RuntimeError("identity-server %s exited:\n%s" % (self.name, self.log()))
            with urllib.request.urlopen(self.http + "/.well-known/openid-configuration",
                                        timeout=2) as response:
                return response.status == 200
        support.wait_until("identity-server %s" % self.name, serving, seconds=seconds)
        grpc.channel_ready_future(self.channel).result(timeout=seconds)

    def stop(self, seconds=20):
        """SIGTERM, then the exit status (the drain is bounded by `seconds`)."""
        self.channel.close()
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=seconds)

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
