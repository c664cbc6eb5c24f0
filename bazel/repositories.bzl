"""The external repositories identity's BUILD files name, for this workspace and for another one.

This repository's WORKSPACE calls identity_repositories(); a workspace that uses identity's
libraries (docs/interceptor.md, "Outside this repository (Bazel)") calls it after its
local_repository:

    local_repository(name = "identity", path = "/src/identity")
    load("@identity//bazel:repositories.bzl", "identity_repositories")
    identity_repositories(path = "/src/identity")

Every repository is a local stub or a view of Debian's installed packages: nothing is downloaded
(docs/build.md). A repository the calling workspace already declared is left as it is.
"""

load("//bazel:system_library.bzl", "system_libraries")

# One cc_library per Debian library, flags from pkg-config (see system_library.bzl). Names are
# what BUILD files use as @system//:NAME.
SYSTEM_LIBRARIES = {
    "absl": "absl_status absl_statusor absl_strings absl_str_format absl_time absl_synchronization absl_raw_hash_set absl_hash",
    "argon2": "libargon2",
    "benchmark": "benchmark",
    "gmock": "gmock",
    "gtest": "gtest",
    "grpc": "grpc++ protobuf",
    "grpc_reflection": "-lgrpc++_reflection grpc++ protobuf",
    "gtest_main": "gtest_main gmock",
    # Boost.Beast and Asio are header-only in Boost 1.74 (no pkg-config file); TLS through Asio
    # needs OpenSSL's libssl, the same OpenSSL 3 as gRPC.
    "boost_beast": "-lpthread openssl",
    "libcrypto": "libcrypto",
    "libpqxx": "libpqxx libpq",
    "nlohmann_json": "nlohmann_json",
}

def _declare(rule, name, **kwargs):
    if not native.existing_rule(name):
        rule(name = name, **kwargs)

def identity_repositories(path = "."):
    """Declares rules_java, rules_proto, rules_cc, remote_coverage_tools, system and boringssl.

    Args:
      path: where identity's sources are, as given to local_repository ("." in identity itself);
        the stubs under bazel/stubs are found there.
    """

    # Bazel 4.2.3 loads these rule sets implicitly; Debian packages rules_java and rules_proto.
    _declare(native.local_repository, "rules_java", path = "/usr/share/bazel/rules/java")
    _declare(native.local_repository, "rules_proto", path = "/usr/share/bazel/rules/proto")

    # rules_cc: Debian's bazel-rules-cc 0.0.4 does not work with Bazel 4.2.3; a stub wraps the
    # native rules instead.
    _declare(native.local_repository, "rules_cc", path = path + "/bazel/stubs/rules_cc")

    # Pulled in by every cc_test for `bazel coverage`, which we do not use (gcov outside Bazel).
    _declare(
        native.local_repository,
        "remote_coverage_tools",
        path = path + "/bazel/stubs/remote_coverage_tools",
    )

    _declare(system_libraries, "system", libraries = SYSTEM_LIBRARIES)

    # BoringSSL as Debian builds it for Android (android-libboringssl-dev). Only code without
    # gRPC may link it: Debian's gRPC links OpenSSL 3 and a process cannot hold both.
    _declare(
        native.new_local_repository,
        "boringssl",
        build_file = str(Label("//bazel:boringssl.BUILD")),
        path = "/usr",
    )
