#!/usr/bin/env bash
# The whole test suite: the README's test command, and exactly what .ci/run runs.
#
#   1. bazel test //...                      every unit, RFC/Wycheproof vector, idctl and interop
#                                            test, against OpenSSL 3 and BoringSSL;
#   2. bazel test --config=asan ...          jwt/ and idctl again under ASan + UBSan;
#   3. tests/fuzz/run_fuzzers.sh             each libFuzzer target for FUZZ_SECONDS (default 30).
#
# Prints "N passed, N failed" counted from the test cases' own results and exits non-zero on any
# failure. Leaves no Bazel server running.
set -uo pipefail
cd "$(dirname "$0")/.."

bazel/install-deps.sh || { echo "0 passed, 1 failed"; exit 1; }

logs=$(mktemp -d)
trap 'bazel shutdown >/dev/null 2>&1; rm -rf "$logs"' EXIT
summary_args=()

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

run_bazel all //...
run_bazel asan --config=asan //jwt/... //client/idctl/...

: >"$logs/fuzz.txt"
tests/fuzz/run_fuzzers.sh "$logs/fuzz.txt"
summary_args+=(--results "$logs/fuzz.txt")

/usr/bin/python3 tests/summarize_results.py "${summary_args[@]}"
