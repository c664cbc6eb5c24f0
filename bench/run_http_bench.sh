#!/usr/bin/env bash
# HTTP load on `POST /token` (client_credentials, ES256 JWT access token):
# identity-server's HTTP front door against node oidc-provider
# (bench/oidc_provider, the baseline of the SPEC target), same machine, same
# script, same load tool: wrk with a Lua script that POSTs
# grant_type=client_credentials with HTTP Basic client authentication.
#
#   bench/run_http_bench.sh                  # docs/benchmarks.md has the figures
#   DURATION=5 REPEAT=1 bench/run_http_bench.sh
#   SERVERS=oidc-provider bench/run_http_bench.sh   # the baseline alone
#
# Settings (environment): SERVERS ("identity oidc-provider"), STORE (identity's
# store: postgres, the default, on a private PostgreSQL; or memory),
# CONNECTIONS ("8 32"), THREADS (wrk's -t, 1), WARMUP (2 s, a wrk run that is
# not counted), DURATION (10 s), REPEAT (3; the table shows medians),
# POOL_SIZE (identity's --database-pool-size, 8), RESULTS (a file to keep the
# JSON lines in; a temp file otherwise).
#
# oidc-provider's in-memory adapter keeps every token it issues, so it is
# started afresh for every run (warm-up + measurement). identity-server runs
# for the whole script. Before measuring, one request to each server is checked
# by hand: status 200 and an access token that is a JWT whose header says
# ES256. During the runs the Lua `response` hook counts every status other than
# 200. Exits non-zero if any response was not 200, wrk saw a socket error, the
# sample token was wrong, or a server exited badly.
#
# The servers, wrk and PostgreSQL all share this machine's cores (nproc: 2 on
# the benchmark machine); nothing is pinned.
set -euo pipefail
cd "$(dirname "$0")/.."

servers=${SERVERS:-identity oidc-provider}
store=${STORE:-postgres}
connections=${CONNECTIONS:-8 32}
threads=${THREADS:-1}
warmup=${WARMUP:-2}
duration=${DURATION:-10}
repeat=${REPEAT:-3}
pool_size=${POOL_SIZE:-8}
results=${RESULTS:-$(mktemp)}
: >"$results"

# wrk, Node and the rest come from bazel/install-deps.sh, like every entry point.
bazel/install-deps.sh

work=$(mktemp -d /tmp/http-bench.XXXXXX)
pg_dir=""
identity_pid=""
provider_pid=""
cleanup() {
  local pid
  for pid in "$identity_pid" "$provider_pid"; do
    if [[ -n "$pid" ]]; then
      kill -TERM "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  if [[ -n "$pg_dir" ]]; then tests/postgres/postgres.sh stop "$pg_dir"; fi
  rm -rf "$work"
  return 0
}
trap cleanup EXIT

# random_hex, free_port, wait_port.
source bench/lib.sh

client_id=bench
client_secret=$(random_hex 24)
# client_secret_basic (RFC 6749 §2.3.1): base64(urlencode(id) ":" urlencode(secret)).
BENCH_AUTHORIZATION="Basic $(basic_credentials "$client_id" "$client_secret")"
export BENCH_AUTHORIZATION

# The load: every request the same POST; every status but 200 counted.
# done() prints one JSON line (rates, latency percentiles, errors).
cat >"$work/token.lua" <<'EOF'
wrk.method = "POST"
wrk.body = "grant_type=client_credentials"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = os.getenv("BENCH_AUTHORIZATION")

local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) non200 = 0; first_bad = "" end
function response(status, headers, body)
  if status ~= 200 then
    non200 = non200 + 1
    if first_bad == "" then first_bad = status .. " " .. string.sub(body or "", 1, 200) end
  end
end
function done(summary, latency, requests)
  local bad, sample = 0, ""
  for _, t in ipairs(threads) do
    bad = bad + t:get("non200")
    if sample == "" then sample = t:get("first_bad") end
  end
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"rate":%.1f,"non200":%d,"connect_errors":%d,' ..
    '"read_errors":%d,"write_errors":%d,"timeouts":%d,"p50_us":%d,"p90_us":%d,' ..
    '"p99_us":%d,"max_us":%d,"first_bad":"%s"}\n',
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6), bad,
    e.connect, e.read, e.write, e.timeout, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, string.gsub(sample, '[%c"\\]', "?")))
end
EOF

# check_token NAME URL: one request; 200 and an ES256 JWT, or the script fails.
check_token() {
  local name=$1 url=$2 body status
  body=$(curl -s -o "$work/sample.json" -w '%{http_code}' -X POST \
    -H "Authorization: $BENCH_AUTHORIZATION" -H 'Content-Type: application/x-www-form-urlencoded' \
    --data grant_type=client_credentials "$url") || true
  status=$body
  /usr/bin/python3 - "$name" "$status" "$work/sample.json" <<'EOF'
import base64, json, sys
name, status, path = sys.argv[1], sys.argv[2], sys.argv[3]
text = open(path, errors="replace").read()
if status != "200":
    sys.exit("run_http_bench: %s: sample request: HTTP %s: %s" % (name, status, text[:300]))
resp = json.loads(text)
token = resp.get("access_token", "")
parts = token.split(".")
if len(parts) != 3:
    sys.exit("run_http_bench: %s: access_token is not a JWS: %r" % (name, token[:80]))
dec = lambda s: json.loads(base64.urlsafe_b64decode(s + "=" * (-len(s) % 4)))
header, claims = dec(parts[0]), dec(parts[1])
if header.get("alg") != "ES256":
    sys.exit("run_http_bench: %s: token alg %r, not ES256" % (name, header.get("alg")))
print("sample token from %s: header %s, claims %s, token_type %s, expires_in %s, %d bytes"
      % (name, json.dumps(header), sorted(claims), resp.get("token_type"),
         resp.get("expires_in"), len(token)))
EOF
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# measure NAME URL PID CONNECTIONS REP: warm-up, then the measured wrk run.
failed=0
measure() {
  local name=$1 url=$2 pid=$3 c=$4 rep=$5 out line t0 t1
  echo "== $name, $c connections, repetition $rep/$repeat, load average" \
    "$(cut -d ' ' -f 1-3 /proc/loadavg)"
  if [[ $warmup != 0 ]]; then
    wrk -t"$threads" -c"$c" -d"${warmup}s" -s "$work/token.lua" "$url" >"$work/warmup.out" 2>&1 ||
      { cat "$work/warmup.out" >&2; failed=1; return; }
  fi
  t0=$(cpu_ticks "$pid")
  out=$(/usr/bin/time -f 'WRKCPU %U %S' wrk -t"$threads" -c"$c" -d"${duration}s" --latency \
    -s "$work/token.lua" "$url" 2>&1) || { echo "$out" >&2; failed=1; return; }
  t1=$(cpu_ticks "$pid")
  echo "$out" | grep -v '^{' | grep -v '^WRKCPU'
  line=$(grep '^{' <<<"$out")
  /usr/bin/python3 - "$line" "$name" "$c" "$rep" "$((t1 - t0))" "$(getconf CLK_TCK)" \
    "$(grep '^WRKCPU' <<<"$out")" >>"$results" <<'EOF'
import json, sys
r = json.loads(sys.argv[1])
r.update(server=sys.argv[2], connections=int(sys.argv[3]), rep=int(sys.argv[4]))
ticks, hz = int(sys.argv[5]), int(sys.argv[6])
user, sys_ = map(float, sys.argv[7].split()[1:3])
n = max(r["requests"], 1)
r["server_cpu_us_per_req"] = ticks / hz * 1e6 / n
r["wrk_cpu_us_per_req"] = (user + sys_) * 1e6 / n
print(json.dumps(r))
EOF
  tail -n 1 "$results"
  /usr/bin/python3 - "$line" <<'EOF' || failed=1
import json, sys
r = json.loads(sys.argv[1])
bad = {k: r[k] for k in ("non200", "connect_errors", "read_errors", "write_errors", "timeouts") if r[k]}
if bad:
    sys.exit("run_http_bench: FAILED: %s (first: %s)" % (bad, r["first_bad"]))
EOF
}

# identity-server.
if [[ " $servers " == *" identity "* ]]; then
  bazel build --config=bench //server:identity-server
  store_args=(--store="$store")
  if [[ $store == postgres ]]; then
    eval "$(tests/postgres/postgres.sh start)"
    pg_dir=$IDENTITY_TEST_PG_DIR
    store_args+=(--database-url="$IDENTITY_TEST_DATABASE_URL" --database-pool-size="$pool_size")
  fi
  identity_http=$(free_port)
  IDENTITY_KEK=$(random_hex 32) \
    IDENTITY_BOOTSTRAP_ADMIN_CLIENT_ID=$client_id \
    IDENTITY_BOOTSTRAP_ADMIN_CLIENT_SECRET=$client_secret \
    bazel-bin/server/identity-server "${store_args[@]}" \
    --grpc-listen="127.0.0.1:$(free_port)" --http-listen="127.0.0.1:$identity_http" \
    --issuer=https://id.example >"$work/identity.log" 2>&1 &
  identity_pid=$!
  wait_port "$identity_http" "$identity_pid" || { cat "$work/identity.log" >&2; exit 1; }
  check_token identity "http://127.0.0.1:$identity_http/token"
fi

# oidc-provider (node).
start_provider() { start_oidc_provider "$client_id" "$client_secret" "$work/provider.log"; }
stop_provider() {
  kill -TERM "$provider_pid"
  local rc=0
  wait "$provider_pid" || rc=$?
  provider_pid=""
  [[ $rc -eq 0 ]] || { echo "run_http_bench: oidc-provider exited with status $rc" >&2; failed=1; }
}
if [[ " $servers " == *" oidc-provider "* ]]; then
  prepare_oidc_provider run_http_bench
  start_provider
  check_token oidc-provider "http://127.0.0.1:$provider_port/token"
  stop_provider
fi

echo "wrk $(wrk --version 2>&1 | head -n 1 | cut -d ' ' -f 2), -t$threads, connections: $connections;" \
  "warm-up ${warmup} s, ${duration} s measured, $repeat repetition(s)"
echo "The servers, wrk and PostgreSQL share this machine's $(nproc) cores (nothing pinned):" \
  "every rate below includes wrk's own CPU use on the same cores."

for ((rep = 1; rep <= repeat; rep++)); do
  for c in $connections; do
    if [[ -n "$identity_pid" ]]; then
      measure identity "http://127.0.0.1:$identity_http/token" "$identity_pid" "$c" "$rep"
    fi
    if [[ " $servers " == *" oidc-provider "* ]]; then
      start_provider  # a fresh in-memory adapter for every run
      measure oidc-provider "http://127.0.0.1:$provider_port/token" "$provider_pid" "$c" "$rep"
      stop_provider
    fi
  done
done

if [[ -n "$identity_pid" ]]; then
  kill -TERM "$identity_pid"
  rc=0
  wait "$identity_pid" || rc=$?
  identity_pid=""
  [[ $rc -eq 0 ]] || { echo "run_http_bench: identity-server exited with status $rc" >&2; failed=1; }
fi

/usr/bin/python3 - "$results" "$store" "$(nproc)" <<'EOF'
import json, statistics, sys
runs = {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    runs.setdefault((r["server"], r["connections"]), []).append(r)
if not runs:
    sys.exit("run_http_bench: no results")
med = lambda key, f: statistics.median(r[f] for r in runs[key])
print("\n| server | connections | requests/s | p50 ms | p90 ms | p99 ms | max ms | "
      "server CPU µs/req | wrk CPU µs/req | identity ÷ oidc-provider |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
order = {"identity": 0, "oidc-provider": 1}
for key in sorted(runs, key=lambda k: (order.get(k[0], 2), k[1])):
    server, c = key
    ratio = "-"
    if server == "identity" and ("oidc-provider", c) in runs:
        ratio = "**%.1f**" % (med(key, "rate") / med(("oidc-provider", c), "rate"))
    name = "identity-server (%s)" % sys.argv[2] if server == "identity" else server
    print("| %s | %d | %s | %.2f | %.2f | %.2f | %.1f | %.0f | %.0f | %s |" % (
        name, c, format(round(med(key, "rate")), ","), med(key, "p50_us") / 1e3,
        med(key, "p90_us") / 1e3, med(key, "p99_us") / 1e3, med(key, "max_us") / 1e3,
        med(key, "server_cpu_us_per_req"), med(key, "wrk_cpu_us_per_req"), ratio))
print("\n(medians of %d repetition(s); servers, wrk and PostgreSQL on the same %s cores; "
      "JSON lines in %s)" % (max(len(v) for v in runs.values()), sys.argv[3], sys.argv[1]))
EOF
exit $failed
