#!/usr/bin/env bash
# Database cost per operation (issue 16, "Past one machine"): round trips,
# transactions, rows written, WAL and PostgreSQL CPU per call of each load of
# bench/loadgen, counted by PostgreSQL itself, so that the figures do not
# depend on how busy the machine is (only the CPU columns do).
#
#   bench/db_cost.sh                       # docs/capacity.md has the figures
#   RPCS="token refresh" DURATION=5 bench/db_cost.sh
#
# One private PostgreSQL 15 (tests/postgres/postgres.sh, restarted once with
# pg_stat_statements preloaded) and one identity-server (--config=bench, the
# defaults: --store-cache-ttl 5s, pool of 8). For each RPC, bench/loadgen runs
# CONCURRENCY callers for DURATION seconds without warm-up; before and after,
# the script reads, for the `identity` database only:
#   round trips   pg_stat_statements: statements executed (BEGIN and COMMIT
#                 included: track_utility's default), summed over all entries;
#   transactions  pg_stat_database xact_commit + xact_rollback (a statement
#                 outside BEGIN/COMMIT is a transaction of its own);
#   rows          pg_stat_database tup_inserted, tup_updated, tup_deleted;
#   WAL           pg_stat_statements wal_records and wal_bytes (what the
#                 statements wrote; checkpoints and vacuum not included);
# and PostgreSQL's CPU (the postmaster and all its processes, /proc) comes from
# loadgen's --postgres-pid. Background work (key refresh, the health probe,
# the caches' rereads) is measured in an idle window first and subtracted in
# proportion to each window's length (each window includes the 11 s wait
# before its closing snapshot). Setup calls of loadgen
# (registering a user and a client, the first login) fall inside the window
# and are counted: a few statements over thousands of calls.
#
# Settings (environment): RPCS ("token introspect refresh authorize"),
# CONCURRENCY (8), AUTHORIZE_CONCURRENCY (2), DURATION (10 s), RESULTS (a file for the JSON lines).
# Exits non-zero if a call failed. Loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."

rpcs=${RPCS:-token introspect refresh authorize}
concurrency=${CONCURRENCY:-8}
# Logins wait for a password-hash slot (--password-hash-concurrency, one per
# core by default) and are refused when none frees within
# --password-hash-wait: more callers than cores would count refusals.
authorize_concurrency=${AUTHORIZE_CONCURRENCY:-2}
duration=${DURATION:-10}
results=${RESULTS:-$(mktemp)}
: >"$results"

bazel/install-deps.sh
bazel build --config=bench //server:identity-server //bench:loadgen

pg_dir=""
server_pid=""
# shellcheck disable=SC2317  # run by the EXIT trap
cleanup() {
  if [[ -n "$server_pid" ]]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [[ -n "$pg_dir" ]]; then tests/postgres/postgres.sh stop "$pg_dir"; fi
  return 0
}
trap cleanup EXIT

# random_hex, free_port, wait_port.
# shellcheck source=bench/lib.sh
source bench/lib.sh

eval "$(tests/postgres/postgres.sh start)"
pg_dir=$IDENTITY_TEST_PG_DIR
pg_port=${IDENTITY_TEST_DATABASE_URL##*:}
pg_port=${pg_port%%/*}
admin_url="postgresql://postgres@127.0.0.1:$pg_port/postgres"
psql_admin() { psql -X -q -t -A -v ON_ERROR_STOP=1 "$admin_url" "$@"; }
# pg_stat_statements.track_utility is on by default: BEGIN and COMMIT count.
psql_admin -c "ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'"
tests/postgres/postgres.sh halt "$pg_dir"
eval "$(tests/postgres/postgres.sh start "$pg_dir" "$pg_port")"
psql_admin -c "CREATE EXTENSION pg_stat_statements"
postmaster=$(head -n 1 "$pg_dir/data/postmaster.pid")

# counters: one JSON object of the identity database's counters now. Waits
# first: an idle backend reports its transaction and row counters to
# pg_stat_database only up to 10 s later (PostgreSQL 15's PGSTAT_IDLE_INTERVAL);
# pg_stat_statements (statements, WAL) is current at each statement's end.
counters() {
  sleep 11
  psql_admin -c "
    SELECT json_build_object(
      'statements', s.calls, 'wal_records', s.wal_records, 'wal_bytes', s.wal_bytes,
      'transactions', d.xact_commit + d.xact_rollback,
      'inserted', d.tup_inserted, 'updated', d.tup_updated,
      'deleted', d.tup_deleted,
      'at', extract(epoch FROM clock_timestamp()))
    FROM pg_stat_database d,
      LATERAL (SELECT coalesce(sum(calls), 0) AS calls,
                      coalesce(sum(wal_records), 0) AS wal_records,
                      coalesce(sum(wal_bytes), 0) AS wal_bytes
               FROM pg_stat_statements WHERE dbid = d.datid) s
    WHERE d.datname = 'identity'"
}

export IDENTITY_KEK IDENTITY_BOOTSTRAP_ADMIN_CLIENT_SECRET
IDENTITY_KEK=$(random_hex 32)
IDENTITY_BOOTSTRAP_ADMIN_CLIENT_SECRET=$(random_hex 24)
port=$(free_port)
IDENTITY_BOOTSTRAP_ADMIN_CLIENT_ID=bench bazel-bin/server/identity-server --store=postgres \
  --database-url="$IDENTITY_TEST_DATABASE_URL" --grpc-listen="127.0.0.1:$port" \
  --issuer=https://id.example &
server_pid=$!
wait_port "$port" "$server_pid"

echo "db_cost: $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD)," \
  "$(nproc) cores, load average $(cut -d ' ' -f 1 /proc/loadavg); idle window ${duration} s"
# Each snapshot ends one window and starts the next (the idle one first).
before=$(counters)
sleep "$duration"
after=$(counters)
echo "{\"rpc\":\"idle\",\"before\":$before,\"after\":$after}" >>"$results"

failed=0
for rpc in $rpcs; do
  before=$after
  c=$concurrency
  [[ $rpc == authorize ]] && c=$authorize_concurrency
  out=$(IDENTITY_CLIENT_SECRET=$IDENTITY_BOOTSTRAP_ADMIN_CLIENT_SECRET \
    bazel-bin/bench/loadgen --target="127.0.0.1:$port" --rpc="$rpc" \
    --concurrency="$c" --channels=$((c < 4 ? c : 4)) \
    --warmup=0 --duration="$duration" --client-id=bench --server-pid="$server_pid" \
    --postgres-pid="$postmaster") || failed=1
  after=$(counters)
  echo "$out"
  echo "{\"rpc\":\"$rpc\",\"load\":$(grep '^{' <<<"$out"),\"before\":$before,\"after\":$after}" \
    >>"$results"
done

kill -TERM "$server_pid"
wait "$server_pid" || { echo "db_cost: the server exited badly" >&2; failed=1; }
server_pid=""

/usr/bin/python3 - "$results" <<'EOF'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
fields = ("statements", "transactions", "inserted", "updated", "deleted", "wal_records",
          "wal_bytes")
delta = lambda r: {f: float(r["after"][f]) - float(r["before"][f]) for f in fields + ("at",)}
idle = delta(rows[0])
idle_rate = {f: idle[f] / idle["at"] for f in fields}
print("\nbackground, idle: %s per second" %
      ", ".join("%s %.2f" % (f, idle_rate[f]) for f in fields))
print("\n| operation | calls | calls/s | round trips/call | transactions/call | rows inserted/call "
      "| rows updated/call | rows deleted/call | WAL records/call | WAL bytes/call "
      "| PostgreSQL CPU µs/call | server CPU µs/call |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
names = {"token": "client_credentials `Token`", "introspect": "`Introspect` (access token)",
         "refresh": "`Token` refresh_token (rotation)",
         "authorize": "login (`Authorize`, Argon2id) + code `Token`"}
for r in rows[1:]:
    d, load = delta(r), r["load"]
    calls = max(load["calls"], 1)
    per = {f: max(d[f] - idle_rate[f] * d["at"], 0) / calls for f in fields}
    print("| %s | %d | %.0f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.0f | %.0f | %.0f |" % (
        names.get(r["rpc"], r["rpc"]), load["calls"], load["rate"], per["statements"],
        per["transactions"], per["inserted"], per["updated"], per["deleted"],
        per["wal_records"], per["wal_bytes"], load["postgres_cpu_us_per_call"],
        load["server_cpu_us_per_call"]))
EOF
exit $failed
