#!/usr/bin/env bash
# Two identity-server replicas on one PostgreSQL, loaded at once: checks
# docs/capacity.md's model (PostgreSQL's CPU per operation stays what one
# replica costs; client_credentials needs no database). For each of refresh and
# token: bench/loadgen (8 callers, 2 s warm-up, 10 s) against replica 1 alone,
# then against both replicas at the same time. loadgen's PostgreSQL CPU is all
# of PostgreSQL over its window, so the combined figure divides that by the
# calls of both replicas.
#
#   bench/two_replicas.sh      # after bench/run_loadgen.sh or db_cost.sh built the binaries
#
# Loopback only; a private PostgreSQL (tests/postgres/postgres.sh), stopped at exit.
set -euo pipefail
cd "$(dirname "$0")/.."
bazel build --config=bench //server:identity-server //bench:loadgen
# shellcheck source=bench/lib.sh
source bench/lib.sh
work=$(mktemp -d /tmp/two-replicas.XXXXXX)
eval "$(tests/postgres/postgres.sh start)"
pgdir=$IDENTITY_TEST_PG_DIR
pm=$(head -n 1 "$pgdir/data/postmaster.pid")
export IDENTITY_KEK IDENTITY_BOOTSTRAP_ADMIN_CLIENT_SECRET IDENTITY_BOOTSTRAP_ADMIN_CLIENT_ID=bench
IDENTITY_KEK=$(random_hex 32); IDENTITY_BOOTSTRAP_ADMIN_CLIENT_SECRET=$(random_hex 24)
pids=()
# shellcheck disable=SC2317  # run by the EXIT trap
cleanup() {
  local p
  for p in "${pids[@]}"; do
    kill -TERM "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  tests/postgres/postgres.sh stop "$pgdir"
  rm -rf "$work"
}
trap cleanup EXIT
ports=()
for i in 1 2; do
  g=$(free_port); h=$(free_port)
  bazel-bin/server/identity-server --store=postgres --database-url="$IDENTITY_TEST_DATABASE_URL" \
    --grpc-listen="127.0.0.1:$g" --http-listen="127.0.0.1:$h" --issuer=https://id.example \
    --log-level=warn >"$work/replica$i.log" 2>&1 &
  pids+=($!); ports+=("$g")
  wait_port "$g" "${pids[-1]}"
done
lg() {  # lg PORT PID RPC
  IDENTITY_CLIENT_SECRET=$IDENTITY_BOOTSTRAP_ADMIN_CLIENT_SECRET bazel-bin/bench/loadgen \
    --target="127.0.0.1:$1" --rpc="$3" --concurrency=8 --channels=4 --warmup=2 --duration=10 \
    --client-id=bench --server-pid="$2" --postgres-pid="$pm" | grep '^{'
}
for rpc in refresh token; do
  echo "== $rpc, one replica"
  lg "${ports[0]}" "${pids[0]}" "$rpc"
  echo "== $rpc, two replicas at once"
  lg "${ports[0]}" "${pids[0]}" "$rpc" >"$work/two_a.json" &
  a=$!
  lg "${ports[1]}" "${pids[1]}" "$rpc" >"$work/two_b.json"
  wait "$a"
  cat "$work/two_a.json" "$work/two_b.json"
  /usr/bin/python3 -c '
import json,sys
a,b=(json.load(open(f)) for f in sys.argv[1:3])
n=a["calls"]+b["calls"]
print("combined: %d calls, %.0f calls/s, PostgreSQL CPU %.0f µs per call (all of PostgreSQL over both replicas calls)" % (n, a["rate"]+b["rate"], (a["postgres_cpu_us_per_call"]*a["calls"]+b["postgres_cpu_us_per_call"]*b["calls"])/2/n))
' "$work/two_a.json" "$work/two_b.json"
done
