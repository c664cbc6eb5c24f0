#!/usr/bin/env bash
# The PostgreSQL failover test (tests/ha/failover_test.py) as a step of tests/run_all.sh, outside
# Bazel: it runs a Patroni cluster (deploy/patroni/cluster.sh) as the postgres user, which Bazel's
# sandbox would not allow.
#
#   tests/ha/run_failover.sh RESULTS_FILE [FIGURES_JSON]
#
# Writes "<case> PASSED|FAILED" lines to RESULTS_FILE (tests/summarize_results.py --results).
# The server binary: $IDENTITY_SERVER if set, else `bazel build //server:identity-server` (cached
# after the suite's `bazel test //...`). Takes about 1.5 minutes; every wait is bounded.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
results=${1:?usage: run_failover.sh RESULTS_FILE [FIGURES_JSON]}
figures=${2:-}

fail() {
  echo "run_failover: $*" >&2
  echo "ha.could_run FAILED" >>"$results"
  exit 1
}

server=${IDENTITY_SERVER:-}
if [[ -z "$server" ]]; then
  bazel build //server:identity-server >&2 || fail "the server did not build"
  server="$(bazel info bazel-bin 2>/dev/null)/server/identity-server"
fi
[[ -x "$server" ]] || fail "no server binary at $server"
for tool in /usr/bin/patroni /usr/bin/etcd /usr/bin/psql /usr/bin/curl; do
  [[ -x "$tool" ]] || fail "$tool is missing (bazel/install-deps.sh installs it)"
done
/usr/bin/python3 -c 'import jwt' 2>/dev/null || fail "python3-jwt is missing"

args=(--server "$server" --cluster "$PWD/deploy/patroni/cluster.sh" --results "$results")
[[ -n "$figures" ]] && args+=(--figures "$figures")
exec timeout -k 10 300 /usr/bin/python3 tests/ha/failover_test.py "${args[@]}"
