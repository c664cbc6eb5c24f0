#!/usr/bin/python3
"""The CMake build and install, and a service outside the tree built against the installed package.

1. SourceLists: the source lists of the root CMakeLists.txt name the files Bazel builds, and
   every identity/v1 proto whose generated header the interceptor includes.
2. InstalledPackage: the repository's CMakeLists.txt configured, built and installed into a
   temporary prefix (-Werror on identity's own sources): the public headers, the static libraries,
   the CMake package and the pkg-config files are there, and jwt/'s internal headers are not.
3. OutOfTreeGreeter: examples/greeter copied out of the tree and built twice against that prefix,
   once by its own CMakeLists.txt (find_package(identity CONFIG REQUIRED)) and once with
   pkg-config alone; each greeter_server runs against a real identity-server (a scratch database
   on the test PostgreSQL, IDENTITY_TEST_DATABASE_URL; the test fails without it), with the JWKS
   from its KeyService. greeter_client gets tokens with the installed token source and forges
   them with the installed identity::jwt. A call without a token and a forged token are refused
   before the handler (its count, read through an open method, does not move); an issued token
   passes; a token without the method's scope is PERMISSION_DENIED.

Usage: cmake_consumer_test.py [-k PATTERN]   (Bazel runs it from the runfiles root)
"""

import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

ROOT = os.getcwd()
sys.path.insert(0, os.path.join(ROOT, "tests", "python"))
import greeter_checks  # noqa: E402
import grpc_test_support as support  # noqa: E402
import junit_report  # noqa: E402

CMAKE = "/usr/bin/cmake"
WORK = tempfile.mkdtemp(dir=os.environ.get("TEST_TMPDIR"))
PREFIX = os.path.join(WORK, "prefix")
DATABASE_URL = None  # The scratch database main() creates for identity-server.
# Small and fast: both cores, -O1, no debug information.
BUILD_ARGS = ["-G", "Ninja", "-DCMAKE_BUILD_TYPE=Release", "-DCMAKE_CXX_FLAGS_RELEASE=-O1 -DNDEBUG",
              "-DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF"]
TIMEOUT = 900  # Seconds, for any one configure, build or install step.

# What `cmake --install` must lay out (relative to the prefix).
PUBLIC_HEADERS = ["jwt/" + h for h in (
    "algorithm.h", "base64url.h", "claims.h", "clock.h", "json.h", "jwk.h", "jwks.h", "jws.h",
    "jwt_signer.h", "jwt_verifier.h", "status.h")] + ["client/interceptor/" + h for h in (
        "call_authorizer.h", "jwks_cache.h", "method_policy.h", "online_check.h",
        "server_credentials.h", "token_source.h", "token_validator.h")]
INTERNAL_HEADERS = ["jwt/evp_key.h", "jwt/openssl_ptr.h", "jwt/signature.h"]
PROTOS = ["identity/v1/auth.proto", "identity/v1/introspection.proto", "identity/v1/keys.proto",
          "identity/v1/token.proto"]


def run(args, cwd=None, env=None, log_name=None):
    """Runs a build step; its output goes to WORK/<log_name> and, on failure, into the error."""
    done = subprocess.run(args, cwd=cwd, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=TIMEOUT)
    if log_name:
        with open(os.path.join(WORK, log_name), "a") as f:
            f.write("$ %s\n%s\n" % (" ".join(args), done.stdout))
    if done.returncode != 0:
        raise AssertionError("%s failed (%d):\n%s" % (" ".join(args), done.returncode,
                                                      done.stdout[-4000:]))
    return done.stdout


_INSTALL = {}


def install():
    """Configures, builds and installs the repository into PREFIX, once; raises on failure (again
    on every later call, without retrying)."""
    if "error" in _INSTALL:
        raise AssertionError("the install failed earlier: " + _INSTALL["error"])
    if "seconds" not in _INSTALL:
        start = time.monotonic()
        build = os.path.join(WORK, "identity-build")
        try:
            run([CMAKE, "-S", ROOT, "-B", build, "-DCMAKE_INSTALL_PREFIX=" + PREFIX,
                 "-DIDENTITY_WARNINGS_AS_ERRORS=ON"] + BUILD_ARGS, log_name="identity-build.log")
            run([CMAKE, "--build", build, "-j2"], log_name="identity-build.log")
            run([CMAKE, "--install", build], log_name="identity-build.log")
        except Exception as e:
            _INSTALL["error"] = str(e)[:200]
            raise
        _INSTALL["seconds"] = time.monotonic() - start
        used = resource.getrusage(resource.RUSAGE_CHILDREN)
        sys.stderr.write("identity built and installed in %.0f s (%.0f s of CPU)\n" % (
            _INSTALL["seconds"], used.ru_utime + used.ru_stime))
    return PREFIX


def pkg_config(*args):
    env = dict(os.environ, PKG_CONFIG_PATH=os.path.join(PREFIX, "lib", "pkgconfig"))
    return run(["/usr/bin/pkg-config"] + list(args), env=env).split()


def cmake_list(name):
    """The entries of `set(NAME ...)` in the root CMakeLists.txt (one per line, # comments)."""
    with open(os.path.join(ROOT, "CMakeLists.txt")) as f:
        text = f.read()
    body = re.search(r"^set\(%s\n(.*?)^\)" % name, text, re.M | re.S).group(1)
    return sorted(line.split("#")[0].strip() for line in body.splitlines()
                  if line.split("#")[0].strip())


def files_in(folder, suffix):
    """The files of `folder` (relative to ROOT) ending in `suffix`, not tests: the runfiles hold
    exactly what the Bazel targets list (jwt/) or glob (client/interceptor/)."""
    return sorted(os.path.join(folder, f) for f in os.listdir(os.path.join(ROOT, folder))
                  if f.endswith(suffix) and not f.endswith("_test" + suffix))


class SourceLists(unittest.TestCase):
    """CMakeLists.txt lists the files Bazel builds (a file added on one side only fails here)."""

    def test_jwt_sources_match_bazel(self):
        self.assertEqual(cmake_list("IDENTITY_JWT_SOURCES"), files_in("jwt", ".cc"))
        self.assertEqual(cmake_list("IDENTITY_JWT_PUBLIC_HEADERS"),
                         sorted(set(files_in("jwt", ".h")) - set(INTERNAL_HEADERS)))

    def test_interceptor_sources_match_bazel(self):
        self.assertEqual(cmake_list("IDENTITY_INTERCEPTOR_SOURCES"),
                         sorted(files_in("client/interceptor", ".cc") +
                                ["oauth_common/scope_syntax.cc"]))
        self.assertEqual(cmake_list("IDENTITY_INTERCEPTOR_PUBLIC_HEADERS"),
                         files_in("client/interceptor", ".h"))

    def test_every_proto_the_interceptor_includes_is_built(self):
        protos = set(cmake_list("IDENTITY_PROTOS"))
        services = set(cmake_list("IDENTITY_PROTO_SERVICES"))
        for source in cmake_list("IDENTITY_INTERCEPTOR_SOURCES"):
            with open(os.path.join(ROOT, source)) as f:
                for generated, grpc in re.findall(r'#include "(identity/v1/\w+)\.(grpc\.)?pb\.h"',
                                                  f.read()):
                    self.assertIn(generated + ".proto", protos, source)
                    if grpc:
                        self.assertIn(generated + ".proto", services, source)


class InstalledPackage(unittest.TestCase):
    """What `cmake --install` lays out."""

    @classmethod
    def setUpClass(cls):
        install()
        cls.include = os.path.join(PREFIX, "include", "identity")

    def test_installs_the_public_headers_protos_and_generated_headers(self):
        for path in PUBLIC_HEADERS + PROTOS + ["identity/v1/auth.pb.h",
                                              "identity/v1/keys.grpc.pb.h",
                                              "identity/v1/token.grpc.pb.h"]:
            self.assertTrue(os.path.isfile(os.path.join(self.include, path)), path)

    def test_keeps_the_jwt_internal_headers_private(self):
        installed = []
        for folder, _, files in os.walk(os.path.join(PREFIX, "include")):
            installed += [os.path.relpath(os.path.join(folder, f), self.include) for f in files]
        for header in INTERNAL_HEADERS:
            self.assertNotIn(header, installed)
        # Nor does an installed header reach for one (it would not compile outside jwt/).
        for path in installed:
            with open(os.path.join(self.include, path), errors="replace") as f:
                text = f.read()
            for header in INTERNAL_HEADERS:
                self.assertNotIn('"%s"' % header, text, path)
            self.assertNotIn("IDENTITY_JWT_INTERNAL", text, path)

    def test_installs_static_libraries_and_the_cmake_package(self):
        for path in ("lib/libidentity_jwt.a", "lib/libidentity_interceptor.a",
                     "lib/libidentity_proto.a", "lib/cmake/identity/identityConfig.cmake",
                     "lib/cmake/identity/identityConfigVersion.cmake",
                     "lib/cmake/identity/identityTargets.cmake"):
            self.assertTrue(os.path.isfile(os.path.join(PREFIX, path)), path)
        with open(os.path.join(PREFIX, "lib/cmake/identity/identityTargets.cmake")) as f:
            targets = f.read()
        for target in ("identity::jwt", "identity::interceptor", "identity::proto"):
            self.assertIn("add_library(%s STATIC IMPORTED)" % target, targets)

    def test_pkg_config_files_point_into_the_prefix(self):
        cflags = pkg_config("--cflags", "identity-interceptor")
        self.assertIn("-I" + self.include, [os.path.normpath(f) if f.startswith("-I") else f
                                            for f in cflags])
        libs = pkg_config("--libs", "identity-interceptor")
        for lib in ("-lidentity_interceptor", "-lidentity_proto", "-lidentity_jwt", "-lgrpc++",
                    "-lprotobuf", "-lcrypto"):
            self.assertIn(lib, libs)
        jwt_libs = pkg_config("--libs", "identity-jwt")
        self.assertTrue(jwt_libs[0].startswith("-L"), jwt_libs)
        self.assertEqual(os.path.normpath(jwt_libs[0][2:]), os.path.join(PREFIX, "lib"))
        self.assertEqual(jwt_libs[1], "-lidentity_jwt")
        protodir = pkg_config("--variable=protodir", "identity-interceptor")[0]
        self.assertTrue(os.path.isfile(os.path.join(protodir, "identity/v1/auth.proto")))


def build_with_cmake(source):
    """greeter with its own CMakeLists.txt: (server, client) binaries and the identity_DIR found."""
    build = os.path.join(WORK, "greeter-cmake")
    run([CMAKE, "-S", source, "-B", build, "-DCMAKE_PREFIX_PATH=" + PREFIX,
         "-DCMAKE_CXX_FLAGS=-Wall -Wextra -Werror"] + BUILD_ARGS, log_name="greeter-cmake.log")
    run([CMAKE, "--build", build, "-j2"], log_name="greeter-cmake.log")
    with open(os.path.join(build, "CMakeCache.txt")) as f:
        found = re.search(r"^identity_DIR:PATH=(.*)$", f.read(), re.M).group(1)
    return os.path.join(build, "greeter_server"), os.path.join(build, "greeter_client"), found


def build_with_pkg_config(source):
    """greeter_server from protoc, c++ and pkg-config alone (docs/interceptor.md)."""
    out = os.path.join(WORK, "greeter-pkg-config")
    os.makedirs(out)
    protodir = pkg_config("--variable=protodir", "identity-interceptor")[0]
    run(["/usr/bin/protoc", "-I" + source, "-I" + protodir, "--cpp_out=" + out,
         "--grpc_out=" + out, "--plugin=protoc-gen-grpc=/usr/bin/grpc_cpp_plugin",
         os.path.join(source, "greeter.proto")], log_name="greeter-pkg-config.log")
    flags = pkg_config("--cflags", "--libs", "identity-interceptor")
    server = os.path.join(out, "greeter_server")
    # The installed headers come in with -I here (not -isystem): -Werror covers them too.
    run(["/usr/bin/c++", "-std=c++17", "-O1", "-Wall", "-Wextra", "-Werror", "-I" + out,
         "-o", server,
         os.path.join(source, "greeter_server.cc"), os.path.join(out, "greeter.pb.cc"),
         os.path.join(out, "greeter.grpc.pb.cc")] + flags, log_name="greeter-pkg-config.log")
    return server


class OutOfTreeGreeter(greeter_checks.GreeterChecks):
    """examples/greeter, built outside the tree against the install, with identity-server
    (the cases are tests/python/greeter_checks.py's)."""

    @classmethod
    def setUpClass(cls):
        install()
        source = os.path.join(WORK, "greeter-source")  # Outside the repository: only the prefix.
        shutil.copytree(os.path.join(ROOT, "examples", "greeter"), source)
        cmake_server, client_binary, cls.identity_dir = build_with_cmake(source)
        pkg_config_server = build_with_pkg_config(source)
        used = resource.getrusage(resource.RUSAGE_CHILDREN)
        sys.stderr.write("identity and both greeter builds: %.0f s of CPU\n" % (
            used.ru_utime + used.ru_stime))

        cls.start_greeters(WORK, {"cmake": cmake_server, "pkg-config": pkg_config_server},
                           client_binary, os.path.join(ROOT, "server/identity-server"),
                           os.path.join(ROOT, "client/idctl/idctl"), DATABASE_URL)

    def test_consumer_found_the_package_in_the_temporary_prefix(self):
        self.assertEqual(os.path.realpath(self.identity_dir),
                         os.path.realpath(os.path.join(PREFIX, "lib/cmake/identity")))


def main():
    global DATABASE_URL
    shared_url = os.environ.get("IDENTITY_TEST_DATABASE_URL")
    if not shared_url:
        sys.stderr.write("IDENTITY_TEST_DATABASE_URL is not set: this test needs a PostgreSQL "
                         "(tests/run_all.sh starts one; docs/build.md)\n")
        return 1
    pattern = sys.argv[2] if len(sys.argv) > 2 and sys.argv[1] == "-k" else None
    database, DATABASE_URL = support.create_database(shared_url, "identity_cmake_")
    try:
        passed = junit_report.run([SourceLists, InstalledPackage, OutOfTreeGreeter],
                                  "cmake_consumer_test",
                                  pattern)
    finally:
        OutOfTreeGreeter.stop_processes()
        support.psql(shared_url, "DROP DATABASE IF EXISTS %s WITH (FORCE)" % database)
    if not passed:
        support.print_logs(WORK)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
