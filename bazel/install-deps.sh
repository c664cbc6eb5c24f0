#!/usr/bin/env bash
# Installs every Debian package identity needs to build, test and benchmark. Idempotent: when all
# packages are present it only asks dpkg and returns (well under a second). Every entry point
# (deploy/quickstart.sh, tests/run_all.sh, .ci/run) calls it, so a fresh machine needs nothing done
# by hand.
set -euo pipefail

packages=(
  # Build: Debian's Bazel 4.2.3 and the rule sets it loads implicitly.
  bazel-bootstrap bazel-rules-java bazel-rules-proto pkg-config
  # The CMake build of the libraries other services link (CMakeLists.txt; tests/cmake).
  cmake ninja-build
  # Libraries.
  libabsl-dev libssl-dev android-libboringssl-dev nlohmann-json3-dev
  libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc libpqxx-dev
  libargon2-dev libboost-dev
  # The database the server keeps its state in (tests start a private instance).
  postgresql
  # PostgreSQL high availability (deploy/patroni/cluster.sh, tests/ha): Patroni with one etcd.
  patroni etcd-server
  # Tests and benchmarks. Prometheus: promtool checks and a real scrape in the tests.
  prometheus
  libgtest-dev libgmock-dev libbenchmark-dev
  # HTTP load (bench/run_http_bench.sh) and HTTP/2 + gRPC load (h2load; bench/cost_table.sh).
  wrk nghttp2-client
  # Counting per-call work (bench/count_per_call.sh): syscalls, instructions, allocations.
  strace valgrind
  # Fuzzing (libFuzzer ships in clang's runtime).
  clang libclang-rt-14-dev
  # Interoperability tests: an independent JOSE implementation (PyJWT on cryptography).
  python3 python3-jwt python3-cryptography
  # The independent gRPC client test (tests/grpc_interop): Python gRPC and protobuf.
  python3-grpcio python3-protobuf
  # The HTTP front door's tests (tests/oidc_http): Node (npm comes with it; the npm packages are
  # installed by tests/run_all.sh with npm ci) and a headless browser driven by playwright-core.
  nodejs chromium
)

source "$(dirname "${BASH_SOURCE[0]}")/apt_install.sh"
install_missing install-deps "${packages[@]}"
