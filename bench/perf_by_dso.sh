#!/usr/bin/env bash
# Where a call's server CPU goes, by shared object (libcrypto, the kernel,
# libgrpc, libc, identity-server...), in µs per call: `perf record` (software
# cpu-clock sampling; these VMs have no hardware PMU) of the real
# identity-server (-c opt, --store=memory) while h2load sends a fixed number of
# calls of one gRPC path, as bench/cost_table.sh does. Comparing two paths
# shows what the longer one adds, library by library (docs/benchmarks.md,
# "Why gRPC Token still costs more than its parts").
#
#   bench/perf_by_dso.sh                    # Health/Check, Token, Introspect
#   PATHS="grpc-health grpc-token" CALLS=100000 bench/perf_by_dso.sh
#
# Settings: PATHS (grpc-health, grpc-jwks, grpc-token, grpc-introspect), CALLS
# (60,000 per path; 20,000 more before, not recorded), PERIOD (CPU time per
# sample, 250,000 ns: a fixed period, so that a kernel cap on the sampling
# rate cannot scale the figures), H2_CONNECTIONS (8), H2_STREAMS (8). Fails if
# the kernel's samples are missing (perf_event_paranoid above 1 would leave
# them out). Loopback only; every
# run is a fixed number of calls. The samples of the kernel land where it
# re-enables interrupts (this VM's paravirtual irq path), so read the kernel's
# total, not its symbols. Exits non-zero if a call failed.
set -euo pipefail
cd "$(dirname "$0")/.."

paths=${PATHS:-grpc-health grpc-token grpc-introspect}
calls=${CALLS:-60000}
period=${PERIOD:-250000}
connections=${H2_CONNECTIONS:-8}
streams=${H2_STREAMS:-8}

bazel/install-deps.sh
bazel build --config=bench //server:identity-server

work=$(mktemp -d /tmp/perf-by-dso.XXXXXX)
server_pid=""
# shellcheck disable=SC2317  # run by the EXIT trap
cleanup() {
  if [[ -n "$server_pid" ]]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
  return 0
}
trap cleanup EXIT

# random_hex, free_port, wait_port, grpc_body, grpc_handled, access_token,
# expect_handled.
# shellcheck source=bench/lib.sh
source bench/lib.sh

secret=$(random_hex 24)
grpc_port=$(free_port)
http_port=$(free_port)
IDENTITY_KEK=$(random_hex 32) IDENTITY_BOOTSTRAP_ADMIN_CLIENT_ID=bench \
  IDENTITY_BOOTSTRAP_ADMIN_CLIENT_SECRET=$secret \
  bazel-bin/server/identity-server --store=memory \
  --grpc-listen="127.0.0.1:$grpc_port" --http-listen="127.0.0.1:$http_port" \
  --issuer=https://id.example >"$work/server.log" 2>&1 &
server_pid=$!
wait_port "$grpc_port" "$server_pid" || { cat "$work/server.log" >&2; exit 1; }

grpc_body "$work/health" grpc.health.v1.HealthCheckRequest ''
grpc_body "$work/jwks" identity.v1.GetJwksRequest ''
grpc_body "$work/token" identity.v1.TokenRequest \
  "grant_type: \"client_credentials\" client_id: \"bench\" client_secret: \"$secret\""
token=$(access_token "$grpc_port" "$work/token.msg")
grpc_body "$work/introspect" identity.v1.IntrospectRequest \
  "token: \"$token\" client_id: \"bench\" client_secret: \"$secret\""

method() {
  case $1 in
    grpc-health) echo grpc.health.v1.Health/Check ;;
    grpc-jwks) echo identity.v1.KeyService/GetJwks ;;
    grpc-token) echo identity.v1.TokenService/Token ;;
    grpc-introspect) echo identity.v1.IntrospectionService/Introspect ;;
    *) echo "perf_by_dso: unknown path $1" >&2; exit 2 ;;
  esac
}

# load PATH N: N calls; fails unless h2load saw all N succeed and the server
# counted exactly N more OK.
load() {
  local before after out
  before=$(grpc_handled "$http_port" "$(method "$1")")
  out=$(timeout $(($2 / 1000 + 60)) h2load -n "$2" -c"$connections" -m"$streams" -t1 \
    -d "$work/${1#grpc-}" -H 'content-type: application/grpc' -H 'te: trailers' \
    "http://127.0.0.1:$grpc_port/$(method "$1")" 2>&1) || { echo "$out" >&2; exit 1; }
  after=$(grpc_handled "$http_port" "$(method "$1")")
  expect_handled "perf_by_dso: $1" "$2" "$before" "$after"
}

echo "perf_by_dso: $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD)," \
  "$(perf --version), $calls calls per path, one sample per $period ns of CPU"
for path in $paths; do
  load "$path" 20000
  perf record -q -e cpu-clock -c "$period" -p "$server_pid" \
    -o "$work/$path.data" >"$work/perf.log" 2>&1 &
  perf_pid=$!
  sleep 0.5  # attached
  load "$path" "$calls"
  kill -INT "$perf_pid"
  wait "$perf_pid" || true
  perf report -i "$work/$path.data" --no-children --sort dso -g none -n \
    >"$work/$path.txt" 2>/dev/null || { cat "$work/perf.log" >&2; exit 1; }
  if ! grep -q 'kernel.kallsyms' "$work/$path.txt"; then
    echo "perf_by_dso: $path: no kernel samples (perf_event_paranoid?)" >&2
    cat "$work/perf.log" >&2
    exit 1
  fi
  echo
  echo "== $path: server CPU µs per call, by shared object"
  awk -v calls="$calls" -v period="$period" '
      /^#/ || NF < 3 { next }
      { us = $2 * period / 1000 / calls; total += us
        if (us >= 0.5) printf "  %-36s %6.1f\n", $3, us }
      END { printf "  %-36s %6.1f\n", "(all)", total }' "$work/$path.txt"
done
