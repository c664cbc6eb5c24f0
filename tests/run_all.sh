#!/usr/bin/env bash
# The whole test suite: the README's test command, and exactly what .ci/run runs.
#
#   1. a private PostgreSQL (tests/postgres/postgres.sh), stopped at the end;
#   2. bazel test //...                      every unit, RFC/Wycheproof vector, storage (memory
#                                            and PostgreSQL), idctl and interop test, the JOSE
#                                            core against OpenSSL 3 and BoringSSL;
#   3. bazel test --config=asan ...          jwt/, idctl, storage and server again under ASan +
#                                            UBSan;
#   4. tests/fuzz/run_fuzzers.sh             each libFuzzer target for FUZZ_SECONDS (default 30).
#
# Prints "N passed, N failed" counted from the test cases' own results and exits non-zero on any
# failure. Leaves no Bazel server running.
set -uo pipefail
cd "$(dirname "$0")/.."

bazel/install-deps.sh || { echo "0 passed, 1 failed"; exit 1; }
# npm test helpers (openid-client, playwright-core) from the committed lockfile.
(cd tests/oidc_http && npm ci --no-audit --no-fund >&2) ||
  echo "run_all: npm ci failed in tests/oidc_http; //tests/oidc_http:oidc_http_test will fail" >&2

logs=$(mktemp -d)
pg_dir=""
cleanup() {
  bazel shutdown >/dev/null 2>&1
  [[ -n "$pg_dir" ]] && tests/postgres/postgres.sh stop "$pg_dir"
  rm -rf "$logs"
}
trap cleanup EXIT
summary_args=()

if pg_env=$(tests/postgres/postgres.sh start); then
  eval "$pg_env"
  pg_dir=$IDENTITY_TEST_PG_DIR
else
  echo "run_all: could not start PostgreSQL; its tests will fail" >&2
  IDENTITY_TEST_DATABASE_URL=""
fi

# run_bazel NAME [bazel test options...] TARGETS...
run_bazel() {
  local name=$1
  shift
  bazel test "$@" 2>&1 | tee "$logs/$name.log"
  local rc=${PIPESTATUS[0]}
  local options=()
  for arg in "$@"; do [[ "$arg" == --config=* ]] && options+=("$arg"); done
  local testlogs
  testlogs=$(bazel info "${options[@]}" bazel-testlogs 2>/dev/null)
  summary_args+=(--bazel "$logs/$name.log" "$testlogs" "$rc")
}

db=(--test_env=IDENTITY_TEST_DATABASE_URL="$IDENTITY_TEST_DATABASE_URL")
run_bazel all "${db[@]}" //...
run_bazel asan --config=asan "${db[@]}" //jwt/... //oauth_common/... //client/... //storage/... //server/...

: >"$logs/fuzz.txt"
tests/fuzz/run_fuzzers.sh "$logs/fuzz.txt"
summary_args+=(--results "$logs/fuzz.txt")

/usr/bin/python3 tests/summarize_results.py "${summary_args[@]}"
