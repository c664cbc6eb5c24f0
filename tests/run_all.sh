#!/usr/bin/env bash
# The whole test suite: the README's test command, and exactly what .ci/run runs.
#
#   1. a private PostgreSQL (tests/postgres/postgres.sh), stopped at the end;
#   2. bazel test //...                      every unit, RFC/Wycheproof vector, storage (memory
#                                            and PostgreSQL), idctl and interop test, the JOSE
#                                            core against OpenSSL 3 and BoringSSL;
#   3. tests/bazel_consumer/*_test.py        examples/greeter built by another Bazel workspace
#                                            from @identity, run against identity-server (~4 min);
#   4. bazel test --config=asan ...          jwt/, idctl, storage and server again under ASan +
#                                            UBSan;
#   5. tests/fuzz/run_fuzzers.sh             each libFuzzer target for FUZZ_SECONDS (default 30);
#   6. deploy/compose/ha_test.sh             the container image and the compose stack (podman),
#                                            load through haproxy while a replica is killed, every
#                                            replica restarted, PostgreSQL restarted (~4-6 min).
#   7. deploy/kubernetes/play_test.sh        the Kubernetes base under `podman kube play` (~30 s);
#   8. tests/ha/run_failover.sh              a PostgreSQL failover under load: a Patroni cluster
#                                            (deploy/patroni/cluster.sh), two servers, SIGKILL of
#                                            the primary (about 1.5 minutes).
#
# Ends with "N passed, N failed, N skipped" counted from the test cases' own results, after a
# summary of what ran (the cases of each Bazel run, the ASan re-runs among them, the distinct
# cases, the fuzz targets, the failover cases), and exits non-zero on any failure, including any
# step's non-zero exit that no counted failure explains (tests/summarize_results.py). Leaves no
# Bazel server running.
set -uo pipefail
cd "$(dirname "$0")/.."

bazel/install-deps.sh || { echo "0 passed, 1 failed, 0 skipped"; exit 1; }
# npm test helpers (openid-client, playwright-core) from the committed lockfile.
(cd tests/oidc_http && npm ci --no-audit --no-fund >&2) ||
  echo "run_all: npm ci failed in tests/oidc_http; //tests/oidc_http:oidc_http_test will fail" >&2
# npm test helper of the Kubernetes manifests check (kubernetes-models, yaml).
(cd tests/kubernetes && npm ci --no-audit --no-fund >&2) ||
  echo "run_all: npm ci failed in tests/kubernetes; //tests/kubernetes:manifests_test will fail" >&2
# oidc-provider, the OpenID provider that is not identity (tests/oidc_provider).
(cd tests/oidc_provider && npm ci --no-audit --no-fund >&2) ||
  echo "run_all: npm ci failed in tests/oidc_provider; its interop test will fail" >&2

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

# run_bazel LOG_NAME TITLE [bazel test options...] TARGETS...
run_bazel() {
  local name=$1 title=$2
  shift 2
  bazel test "$@" 2>&1 | tee "$logs/$name.log"
  local rc=${PIPESTATUS[0]}
  local options=()
  for arg in "$@"; do [[ "$arg" == --config=* ]] && options+=("$arg"); done
  local testlogs
  testlogs=$(bazel info "${options[@]}" bazel-testlogs 2>/dev/null)
  summary_args+=(--bazel "$title" "$logs/$name.log" "$testlogs" "$rc")
}

db=(--test_env=IDENTITY_TEST_DATABASE_URL="$IDENTITY_TEST_DATABASE_URL")
run_bazel all "bazel test //..." "${db[@]}" //...
# Another Bazel workspace using identity's libraries (examples/greeter as WORKSPACE.consumer
# documents it), built by a Bazel server of its own and run against the identity-server step 2
# built (before the ASan run moves bazel-bin).
: >"$logs/bazel_consumer.txt"
IDENTITY_TEST_DATABASE_URL="$IDENTITY_TEST_DATABASE_URL" \
  tests/bazel_consumer/bazel_consumer_test.py "$logs/bazel_consumer.txt"
bazel_consumer_rc=$?
summary_args+=(--cases "another Bazel workspace using @identity (tests/bazel_consumer)" \
  "$logs/bazel_consumer.txt" "$bazel_consumer_rc")

asan_targets=(//jwt/... //oauth_common/... //client/... //storage/... //server/...)
run_bazel asan "bazel test --config=asan (ASan + UBSan) ${asan_targets[*]}" --config=asan \
  "${db[@]}" "${asan_targets[@]}"

: >"$logs/fuzz.txt"
tests/fuzz/run_fuzzers.sh "$logs/fuzz.txt"
fuzz_rc=$?
summary_args+=(--results "fuzz targets, ${FUZZ_SECONDS:-30} s each (tests/fuzz/run_fuzzers.sh)" \
  "$logs/fuzz.txt" "$fuzz_rc")

# The image from the binaries step 2 built (--fastbuild: no second compile), a stack of its own
# on free loopback ports, removed at the end.
: >"$logs/ha.txt"
deploy/compose/ha_test.sh "$logs/ha.txt" --fastbuild
ha_rc=$?
summary_args+=(--cases "high availability on the compose stack (deploy/compose/ha_test.sh)" \
  "$logs/ha.txt" "$ha_rc")

# The Kubernetes base run for real with `podman kube play` (the image step 6 built, PostgreSQL
# in a pod of the compose stack's image): pods ready, a token issued and verified.
: >"$logs/kube_play.txt"
deploy/kubernetes/play_test.sh --results "$logs/kube_play.txt" bazel-bin/client/idctl/idctl
kube_play_rc=$?
summary_args+=(--cases "Kubernetes manifests under podman kube play (deploy/kubernetes/play_test.sh)" \
  "$logs/kube_play.txt" "$kube_play_rc")

: >"$logs/failover.txt"
tests/ha/run_failover.sh "$logs/failover.txt"
failover_rc=$?
summary_args+=(--cases "PostgreSQL failover under load (tests/ha/run_failover.sh)" \
  "$logs/failover.txt" "$failover_rc")

/usr/bin/python3 tests/summarize_results.py "${summary_args[@]}"
