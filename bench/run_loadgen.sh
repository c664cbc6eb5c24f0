#!/usr/bin/env bash
# Load on the real identity-server: Token (client_credentials, ES256) and
# Introspect over gRPC, with bench/loadgen, against a private PostgreSQL and,
# as the baseline measured in the same run, against --store=memory.
#
#   bench/run_loadgen.sh                      # docs/benchmarks.md has the figures
#   CONCURRENCIES="1 8" DURATION=5 REPEAT=1 bench/run_loadgen.sh
#
# Settings (environment): STORES ("memory postgres"), RPCS ("token
# introspect"; also "refresh" and "authorize", for which loadgen registers a
# user and a client of its own with the bootstrap admin), CONCURRENCIES ("1 8 32 64"), CHANNELS (4, at most one per
# caller), WARMUP (2 s), DURATION (10 s), REPEAT (1; the table shows medians),
# POOL_SIZE (the server's --database-pool-size, 8), RESULTS (a file to keep
# the JSON lines in; a temp file otherwise), SERVERS (space-separated
# NAME=BINARY pairs, "current=bazel-bin/server/identity-server" by default: to
# compare builds in one run, e.g. with a binary of an earlier commit; the
# table then shows each store as store@NAME).
#
# Each run prints loadgen's summary; the end is a table of medians with the
# ratios postgres/memory and introspect/token. Exits non-zero if any call of
# any run failed. Server, loadgen and PostgreSQL share this machine's cores.
set -euo pipefail
cd "$(dirname "$0")/.."

stores=${STORES:-memory postgres}
rpcs=${RPCS:-token introspect}
concurrencies=${CONCURRENCIES:-1 8 32 64}
channels=${CHANNELS:-4}
warmup=${WARMUP:-2}
duration=${DURATION:-10}
repeat=${REPEAT:-1}
pool_size=${POOL_SIZE:-8}
servers=${SERVERS:-current=bazel-bin/server/identity-server}
results=${RESULTS:-$(mktemp)}
: >"$results"

bazel/install-deps.sh
bazel build --config=bench //server:identity-server //bench:loadgen

pg_dir=""
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [[ -n "$pg_dir" ]]; then tests/postgres/postgres.sh stop "$pg_dir"; fi
  return 0
}
trap cleanup EXIT

if [[ " $stores " == *" postgres "* ]]; then
  eval "$(tests/postgres/postgres.sh start)"
  pg_dir=$IDENTITY_TEST_PG_DIR
  postmaster=$(head -n 1 "$pg_dir/data/postmaster.pid")
fi

# random_hex, free_port, wait_port.
source bench/lib.sh
export IDENTITY_KEK IDENTITY_CLIENT_SECRET
IDENTITY_KEK=$(random_hex 32)
IDENTITY_CLIENT_SECRET=$(random_hex 24)

# start_server STORE BINARY: sets server_pid and port, returns once the port
# answers.
start_server() {
  local store_args=(--store="$1")
  [[ "$1" == postgres ]] && store_args+=(--database-url="$IDENTITY_TEST_DATABASE_URL"
    --database-pool-size="$pool_size")
  port=$(free_port)
  IDENTITY_BOOTSTRAP_ADMIN_CLIENT_ID=bench \
    IDENTITY_BOOTSTRAP_ADMIN_CLIENT_SECRET=$IDENTITY_CLIENT_SECRET \
    "$2" "${store_args[@]}" \
    --grpc-listen="127.0.0.1:$port" --issuer=https://id.example &
  server_pid=$!
  wait_port "$port" "$server_pid"
}

stop_server() {
  kill -TERM "$server_pid"
  local rc=0
  wait "$server_pid" || rc=$?
  server_pid=""
  [[ $rc -eq 0 ]] || { echo "run_loadgen: the server exited with status $rc" >&2; return 1; }
}

failed=0
for ((rep = 1; rep <= repeat; rep++)); do
  for server in $servers; do
    for store in $stores; do
      label=$store
      [[ $servers == *" "* ]] && label="$store@${server%%=*}"
      start_server "$store" "${server#*=}"
      cpu_args=(--server-pid="$server_pid")
      [[ "$store" == postgres ]] && cpu_args+=(--postgres-pid="$postmaster")
      for rpc in $rpcs; do
        for c in $concurrencies; do
          echo "== store $label, repetition $rep/$repeat, load average" \
            "$(cut -d ' ' -f 1-3 /proc/loadavg)"
          out=$(bazel-bin/bench/loadgen --target="127.0.0.1:$port" --rpc="$rpc" \
            --concurrency="$c" --channels=$((c < channels ? c : channels)) \
            --warmup="$warmup" --duration="$duration" --client-id=bench \
            "${cpu_args[@]}") || failed=1
          echo "$out"
          grep '^{' <<<"$out" | sed "s/^{/{\"store\":\"$label\",/" >>"$results"
        done
      done
      stop_server || failed=1
    done
  done
done

/usr/bin/python3 - "$results" <<'EOF'
import json, statistics, sys
runs = {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    runs.setdefault((r["store"], r["rpc"], r["concurrency"]), []).append(r)
def med(key, field):
    return statistics.median(r[field] for r in runs[key]) if key in runs else None
print("\n| store | rpc | conc | calls/s | p50 ms | p90 ms | p99 ms | max ms | "
      "server µs/call | pg µs/call | loadgen µs/call | ÷ memory | ÷ token |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for key in sorted(runs, key=lambda k: (k[0].split("@")[0] != "memory", k[0], k[1] != "token",
                                      k[2])):
    store, rpc, c = key
    rate = med(key, "rate")
    server = store[len(store.split("@")[0]):]  # "@NAME" when several servers ran
    base = med(("memory" + server, rpc, c), "rate")
    token = med((store, "token", c), "rate")
    ratio = lambda other: "%.2f" % (rate / other) if other else "-"
    pg = ("%.0f" % med(key, "postgres_cpu_us_per_call")
          if store.startswith("postgres") else "-")
    print("| %s | %s | %d | %.0f | %.2f | %.2f | %.2f | %.1f | %.0f | %s | %.0f | %s | %s |" % (
        store, rpc, c, rate, med(key, "p50_us") / 1e3, med(key, "p90_us") / 1e3,
        med(key, "p99_us") / 1e3, med(key, "max_us") / 1e3,
        med(key, "server_cpu_us_per_call"), pg, med(key, "loadgen_cpu_us_per_call"),
        ratio(base), ratio(token)))
print("\n(medians of %d repetition(s); JSON lines in %s)" %
      (max(len(v) for v in runs.values()), sys.argv[1]))
EOF
exit $failed
