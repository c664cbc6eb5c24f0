"""Shared by the Python tests that drive the real identity-server: free ports, a database of
the test's own on the test PostgreSQL, Python stubs compiled from the .proto files at test
time, and RFC 6749 §2.3.1 Basic credentials."""

import base64
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.parse


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def psql(url, sql):
    """Runs one statement; returns its rows as lists of strings (unaligned, tab-separated)."""
    done = subprocess.run(["/usr/bin/psql", "-X", "-q", "-A", "-t", "-F", "\t",
                           "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError("psql %r failed: %s" % (sql, done.stderr.strip()))
    return [line.split("\t") for line in done.stdout.splitlines() if line]


def create_database(shared_url, prefix):
    """A fresh database on the test server, so the server under test migrates and seeds its own
    and no other test's rows (or keys sealed under another KEK) can reach it. Returns (name, url).
    """
    name = prefix + secrets.token_hex(4)
    psql(shared_url, "CREATE DATABASE " + name)
    return name, urllib.parse.urlsplit(shared_url)._replace(path="/" + name).geturl()


def compile_protos(include_dirs, protos, out_dir):
    """Generates Python stubs with /usr/bin/protoc and grpc_python_plugin into `out_dir`, and
    puts it first on sys.path ("google" is a namespace package: google.protobuf still loads)."""
    os.makedirs(out_dir)
    subprocess.run(["/usr/bin/protoc"] + ["-I" + d for d in include_dirs] +
                   ["-I/usr/include", "--python_out=" + out_dir, "--grpc_python_out=" + out_dir,
                    "--plugin=protoc-gen-grpc_python=/usr/bin/grpc_python_plugin"] + protos,
                   check=True)
    sys.path.insert(0, out_dir)


def basic_credentials(client_id, client_secret):
    """RFC 6749 §2.3.1: form-urlencode id and secret, then base64 for HTTP Basic."""
    raw = urllib.parse.quote_plus(client_id) + ":" + urllib.parse.quote_plus(client_secret)
    return base64.b64encode(raw.encode()).decode()


def wait_until(what, predicate, seconds=30, interval=0.1):
    """Polls `predicate` until it returns a true value, which it returns; fails after `seconds`
    (a poll: an exception from `predicate` means "not yet")."""
    deadline = time.monotonic() + seconds
    last = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
            if last:
                return last
        except Exception as e:  # noqa: BLE001
            last = e
        time.sleep(interval)
    raise AssertionError("timed out after %ds waiting for %s (last: %r)" % (seconds, what, last))


def print_logs(folder, tail_chars=3000):
    """Writes the end of every *.log file of `folder` to stderr (after a failure)."""
    for name in sorted(os.listdir(folder)):
        if name.endswith(".log"):
            with open(os.path.join(folder, name), errors="replace") as f:
                sys.stderr.write("--- %s\n%s\n" % (name, f.read()[-tail_chars:]))
