#!/usr/bin/env bash
# The cost table of issue 16 ("Performance at the limit"): what one call costs
# on each of identity's paths, measured side by side in one run on this machine,
# with the target ratios computed from that same run.
#
#   bench/cost_table.sh                 # docs/benchmarks.md has the figures
#   QUICK=1 bench/cost_table.sh         # a trial: 3 s per path, one repetition
#   PATHS="grpc-health grpc-token" bench/cost_table.sh
#
# Paths (PATHS, all by default), each measured on one identity-server
# (--store=memory, -c opt via --config=bench) or one node oidc-provider:
#   grpc-health  grpc.health.v1.Health/Check (open, empty)          h2load
#   grpc-jwks    identity.v1.KeyService/GetJwks (open, no crypto)     h2load
#   grpc-token   identity.v1.TokenService/Token (client_credentials)  h2load
#   grpc-introspect identity.v1.IntrospectionService/Introspect of one same
#                access token, issued just before each repetition (a token
#                seen before: issue 16's verified-token cache)         h2load
#   http-healthz GET /healthz                                         wrk
#   http-jwks    GET /jwks                                            wrk
#   http-token   POST /token (client_credentials, client_secret_basic) wrk
#   oidc-token   node oidc-provider POST /token (the same wrk script)  wrk
# and one ES256 signature: `openssl speed -seconds SIGN_SECONDS ecdsap256`
# (CPU time per signature on one core; openssl speed counts CPU, not wall time).
#
# For every path: calls/s, the server's CPU per call (utime + stime of all its
# threads from /proc/PID/stat over the measured window, which is the load
# tool's lifetime; the kernel's part, stime, shown apart), the server's thread
# count after the run, and the load tool's own CPU per call (/usr/bin/time), so
# a saturated load tool shows. gRPC unary calls are HTTP/2 POSTs sent by h2load
# (content-type: application/grpc, te: trailers, a body file holding the 5-byte
# gRPC frame header and the message encoded by protoc). h2load counts a gRPC
# error (HTTP 200 with a non-zero grpc-status trailer) as a success, so every
# gRPC run is checked on the server side: grpc_server_handled_total from the
# server's /metrics, scraped before and after the run (outside the CPU window),
# must show exactly as many OK for the method as calls sent (h2load -n, a fixed
# count; see measure_h2) and no other code; for grpc-introspect, the server's
# identity_token_validations_total{outcome="active"} must also grow by exactly
# that count (an inactive answer is a gRPC OK too). Before measuring, one call of each path is checked by hand (the
# gRPC ones with Python grpcio: status OK and, for Token, an ES256 JWT).
#
# Settings (environment): PATHS, DURATION (10 s per measured run), WARMUP (2 s,
# a run that is not counted; for h2load WARMUP x 10,000 calls, see measure_h2), REPEAT (3; the table shows medians),
# SIGN_SECONDS (3), CONNECTIONS (wrk's connections, 16), WRK_THREADS (1),
# H2_CONNECTIONS (8), H2_STREAMS (8 concurrent streams per connection),
# H2_THREADS (1), SERVER_ARGS (more identity-server flags, e.g.
# --verified-token-cache-size=0 to measure introspection without the cache),
# SERVER_BINARY (another identity-server binary, e.g. an earlier commit's, for a
# before-and-after; bazel-bin/server/identity-server otherwise), RESULTS (a file to keep the JSON lines in; a temp file
# otherwise). QUICK=1 changes the defaults to DURATION=3 WARMUP=1 REPEAT=1
# SIGN_SECONDS=1.
#
# Exits non-zero if any call failed (wrk: a status other than 200 or a socket
# error; h2load: a failed/errored/timed-out request; gRPC: a code other than
# OK in the server's metrics), a sample call was wrong, or a server exited
# badly. Every run has a fixed duration; the servers are stopped at exit.
# Loopback only. Servers and load tools share this machine's cores (nothing
# pinned): prefer the CPU-per-call columns, which contention disturbs less
# than the rates.
set -euo pipefail
# A SERVER_BINARY given relative to where the script was started.
server_binary=bazel-bin/server/identity-server
if [[ -n ${SERVER_BINARY:-} ]]; then server_binary=$(realpath -e "$SERVER_BINARY"); fi
cd "$(dirname "$0")/.."

if [[ ${QUICK:-0} == 1 ]]; then
  defaults=(3 1 1 1)
else
  defaults=(10 2 3 3)
fi
duration=${DURATION:-${defaults[0]}}
warmup=${WARMUP:-${defaults[1]}}
repeat=${REPEAT:-${defaults[2]}}
sign_seconds=${SIGN_SECONDS:-${defaults[3]}}
paths=${PATHS:-grpc-health grpc-jwks grpc-token grpc-introspect http-healthz http-jwks http-token oidc-token}
connections=${CONNECTIONS:-16}
wrk_threads=${WRK_THREADS:-1}
h2_connections=${H2_CONNECTIONS:-8}
h2_streams=${H2_STREAMS:-8}
h2_threads=${H2_THREADS:-1}
read -r -a server_args <<<"${SERVER_ARGS:-}"
results=${RESULTS:-$(mktemp)}
: >"$results"

# h2load (nghttp2-client), wrk, Node and protoc come from bazel/install-deps.sh.
bazel/install-deps.sh

work=$(mktemp -d /tmp/cost-table.XXXXXX)
identity_pid=""
provider_pid=""
# shellcheck disable=SC2317  # run by the EXIT trap
cleanup() {
  local pid
  for pid in "$identity_pid" "$provider_pid"; do
    if [[ -n "$pid" ]]; then
      kill -TERM "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  rm -rf "$work"
  return 0
}
trap cleanup EXIT

# random_hex, free_port, wait_port, grpc_body, grpc_handled.
# shellcheck source=bench/lib.sh
source bench/lib.sh

wants() { [[ " $paths " == *" $1 "* ]]; }
wants_any() {
  local p
  for p in "$@"; do wants "$p" && return 0; done
  return 1
}
loadavg() { cut -d ' ' -f 1 /proc/loadavg; }
# "utime,stime,minflt|tid:voluntary:involuntary ...": CPU in ticks and minor
# page faults (the whole process, /proc/PID/stat), and each thread's context
# switches (waiting; preempted) from /proc/PID/task/TID/status. Only threads
# alive at both readings are counted, so the switches are a lower bound when
# threads start or end during a run.
cpu_ticks() {
  local stat task switches=""
  stat=$(awk '{print $14 "," $15 "," $10}' "/proc/$1/stat")
  for task in "/proc/$1"/task/*; do
    switches+=" ${task##*/}:$(awk '/^voluntary_ctxt_switches/ {v = $2}
      /^nonvoluntary_ctxt_switches/ {n = $2} END {print v + 0 ":" n + 0}' \
      "$task/status" 2>/dev/null || echo 0:0)"
  done
  echo "$stat|$switches"
}

client_id=bench
client_secret=$(random_hex 24)
# client_secret_basic (RFC 6749 §2.3.1): base64(urlencode(id) ":" urlencode(secret)).
BENCH_AUTHORIZATION="Basic $(basic_credentials "$client_id" "$client_secret")"
export BENCH_AUTHORIZATION

# wrk: one request repeated (BENCH_METHOD, BENCH_BODY; BENCH_AUTHORIZATION when
# the body is a token request); every status but 200 counted; done() prints
# one JSON line.
cat >"$work/load.lua" <<'EOF'
wrk.method = os.getenv("BENCH_METHOD")
local body = os.getenv("BENCH_BODY")
if body ~= "" then
  wrk.body = body
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.headers["Authorization"] = os.getenv("BENCH_AUTHORIZATION")
end

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
    '{"calls":%d,"seconds":%.3f,"failed":%d,"socket_errors":%d,"p50_us":%d,"p99_us":%d,' ..
    '"first_bad":"%s"}\n',
    summary.requests, summary.duration / 1e6, bad,
    e.connect + e.read + e.write + e.timeout, latency:percentile(50), latency:percentile(99),
    string.gsub(sample, '[%c"\\]', "?")))
end
EOF

# record NAME TOOL PID T0 T1 LOADCPU JSON: appends one result line (CPU per call).
failed=0
record() {
  /usr/bin/python3 - "$@" "$(getconf CLK_TCK)" "$(loadavg)" "$(find "/proc/$3/task" \
    -mindepth 1 -maxdepth 1 | wc -l)" >>"$results" <<'EOF'
import json, sys
name, tool, _, t0, t1, loadcpu, line, hz, load, threads = sys.argv[1:11]
r = json.loads(line)
calls = max(r["calls"], 1)
user, sys_ = map(float, loadcpu.split()[1:3])
def reading(text):
    stat, tasks = text.split("|")
    switches = {}
    for task in tasks.split():
        tid, voluntary, involuntary = task.split(":")
        switches[tid] = (int(voluntary), int(involuntary))
    return list(map(int, stat.split(","))), switches
(u0, s0, f0), w0 = reading(t0)
(u1, s1, f1), w1 = reading(t1)
both = w0.keys() & w1.keys()
v1, v0 = sum(w1[t][0] for t in both), sum(w0[t][0] for t in both)
n1, n0 = sum(w1[t][1] for t in both), sum(w0[t][1] for t in both)
per_call = lambda ticks: ticks / int(hz) * 1e6 / calls
r.update(path=name, tool=tool, rate=r["calls"] / r["seconds"],
         server_us=per_call(u1 - u0 + s1 - s0), server_sys_us=per_call(s1 - s0),
         server_faults=(f1 - f0) / calls, server_waits=(v1 - v0) / calls,
         server_preemptions=(n1 - n0) / calls,
         server_threads=int(threads), tool_us=(user + sys_) * 1e6 / calls, load1=float(load))
print(json.dumps(r))
EOF
  tail -n 1 "$results"
  /usr/bin/python3 - "$7" <<'EOF' || failed=1
import json, sys
r = json.loads(sys.argv[1])
bad = {k: r[k] for k in ("failed", "socket_errors") if r.get(k)}
if bad or not r["calls"]:
    sys.exit("cost_table: FAILED: %s %s" % (bad or "no calls", r.get("first_bad", "")))
EOF
}

# measure_wrk NAME URL PID METHOD BODY: warm-up, then the measured run.
measure_wrk() {
  local name=$1 url=$2 pid=$3 out t0 t1
  export BENCH_METHOD=$4 BENCH_BODY=$5
  if [[ $warmup != 0 ]]; then
    wrk -t"$wrk_threads" -c"$connections" -d"${warmup}s" -s "$work/load.lua" "$url" \
      >"$work/warmup.out" 2>&1 || { cat "$work/warmup.out" >&2; failed=1; return; }
  fi
  t0=$(cpu_ticks "$pid")
  out=$(/usr/bin/time -f 'LOADCPU %U %S' wrk -t"$wrk_threads" -c"$connections" \
    -d"${duration}s" --latency -s "$work/load.lua" "$url" 2>&1) ||
    { echo "$out" >&2; failed=1; return; }
  t1=$(cpu_ticks "$pid")
  record "$name" "wrk -t$wrk_threads -c$connections" "$pid" "$t0" "$t1" \
    "$(grep '^LOADCPU' <<<"$out")" "$(grep '^{' <<<"$out")"
}

# measure_h2 NAME METHOD BODYFILE: warm-up, then the measured h2load run,
# checked against the server's own count of gRPC codes. Both runs send a fixed
# number of calls (h2load -n), never cut at a deadline: at a deadline h2load
# abandons the calls in flight, which the server counts as errors. The warm-up
# sends WARMUP x 10,000 calls; the measured run as many as the warm-up's rate
# gives in DURATION seconds. h2load itself is bounded by `timeout`.
measure_h2() {
  local name=$1 method=$2 body=$3 out before after t0 t1 args calls rate
  args=(-c"$h2_connections" -m"$h2_streams" -t"$h2_threads" -d "$body"
    -H 'content-type: application/grpc' -H 'te: trailers'
    "http://127.0.0.1:$identity_grpc/$method")
  calls=$((duration * 5000))
  if [[ $warmup != 0 ]]; then
    timeout $((warmup * 10 + 30)) h2load -n $((warmup * 10000)) "${args[@]}" \
      >"$work/warmup.out" 2>&1 || { cat "$work/warmup.out" >&2; failed=1; return; }
    rate=$(grep -o '[0-9.]* req/s' "$work/warmup.out" | head -n 1 | cut -d ' ' -f 1)
    calls=$(awk -v r="$rate" -v d="$duration" -v m="$((h2_connections * h2_streams))" \
      'BEGIN {n = int(r * d / m) * m; print (n < m ? m : n)}')
  fi
  before=$(grpc_handled "$identity_http" "$method")
  t0=$(cpu_ticks "$identity_pid")
  out=$(/usr/bin/time -f 'LOADCPU %U %S' timeout $((duration * 10 + 30)) \
    h2load -n "$calls" "${args[@]}" 2>&1) || { echo "$out" >&2; failed=1; return; }
  t1=$(cpu_ticks "$identity_pid")
  after=$(grpc_handled "$identity_http" "$method")
  local line
  line=$(/usr/bin/python3 - "$out" "$before" "$after" "$calls" <<'EOF'
import json, re, sys
out, before, after = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
sent = int(sys.argv[4])
t = re.search(r"finished in ([\d.]+)(us|ms|s),", out)  # h2load picks the unit
seconds = float(t.group(1)) / {"us": 1e6, "ms": 1e3, "s": 1}[t.group(2)]
m = re.search(r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, "
              r"(\d+) failed, (\d+) errored, (\d+) timeout", out)
succeeded, failed, errored, timeout = (int(m.group(i)) for i in (4, 5, 6, 7))
delta = {c: n - before.get(c, 0) for c, n in after.items() if n != before.get(c, 0)}
ok = delta.pop("OK", 0)
bad_calls = sum(delta.values()) + abs(ok - succeeded) + (sent - succeeded)
lat = re.search(r"time for request:\s+(\S+)\s+(\S+)\s+(\S+)", out)
bad = ""
if bad_calls:
    bad = "sent %d, h2load: %d succeeded; server: %d OK and %s" % (sent, succeeded, ok, delta)
print(json.dumps({"calls": succeeded, "seconds": seconds, "failed": failed + errored + bad_calls,
                  "socket_errors": timeout, "server_ok": ok, "other_codes": delta,
                  "mean_latency": lat.group(3) if lat else "", "first_bad": bad}))
EOF
  ) || { echo "$out" >&2; failed=1; return; }
  record "$name" "h2load -c$h2_connections -m$h2_streams -t$h2_threads" "$identity_pid" \
    "$t0" "$t1" "$(grep '^LOADCPU' <<<"$out")" "$line"
}

# check_jwt NAME TOKEN: the token is a JWS whose header says ES256.
check_jwt() {
  /usr/bin/python3 - "$@" <<'EOF'
import base64, json, sys
name, token = sys.argv[1], sys.argv[2]
parts = token.split(".")
if len(parts) != 3:
    sys.exit("cost_table: %s: not a JWS: %r" % (name, token[:80]))
header = json.loads(base64.urlsafe_b64decode(parts[0] + "=" * (-len(parts[0]) % 4)))
if header.get("alg") != "ES256":
    sys.exit("cost_table: %s: alg %r, not ES256" % (name, header.get("alg")))
print("%s: sample token %s, %d bytes" % (name, json.dumps(header), len(token)))
EOF
}

# check_grpc NAME METHOD BODYFILE: one call with Python grpcio (Debian's), the
# same bytes h2load sends; prints the first string field of the reply (Token's
# access_token), fails on any status but OK.
check_grpc() {
  /usr/bin/python3 - "$identity_grpc" "$2" "$3.msg" <<'EOF' || { echo "cost_table: $1: sample call failed" >&2; exit 1; }
import grpc, sys
port, method, path = sys.argv[1], "/" + sys.argv[2], sys.argv[3]
with grpc.insecure_channel("127.0.0.1:" + port) as channel:
    reply = channel.unary_unary(method)(open(path, "rb").read(), timeout=10)
# The reply's field 1 when it is length-delimited (tag 0x0a), else nothing.
if reply[:1] == b"\x0a":
    n, shift, i = 0, 0, 1
    while True:
        b = reply[i]; i += 1; n |= (b & 0x7F) << shift; shift += 7
        if b < 0x80: break
    print(reply[i:i + n].decode(errors="replace"))
else:
    print("")
EOF
}

# check_http NAME URL METHOD BODY: 200, and an ES256 JWT when it is a token request.
check_http() {
  local status args=(-s -o "$work/sample" -w '%{http_code}' -X "$3")
  [[ -n $4 ]] && args+=(-H "Authorization: $BENCH_AUTHORIZATION" --data "$4")
  status=$(curl "${args[@]}" "$2") || true
  [[ $status == 200 ]] || { echo "cost_table: $1: HTTP $status: $(head -c 300 "$work/sample")" >&2; exit 1; }
  if [[ -n $4 ]]; then
    check_jwt "$1" "$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["access_token"])' "$work/sample")"
  else
    echo "$1: sample HTTP 200, $(wc -c <"$work/sample") bytes"
  fi
}

stop_server() {  # stop_server PID NAME: SIGTERM; fails the run on a bad exit.
  kill -TERM "$1"
  local rc=0
  wait "$1" || rc=$?
  [[ $rc -eq 0 ]] || { echo "cost_table: $2 exited with status $rc" >&2; failed=1; }
}

# introspect_body: a fresh access token (Token, checked as an ES256 JWT), the
# Introspect request for it in $work/introspect, and one sample call that must
# answer active: true (the reply's field 1, a varint: 08 01).
introspect_body() {
  local token
  token=$(check_grpc grpc-token identity.v1.TokenService/Token "$work/token")
  check_jwt grpc-introspect "$token" >/dev/null
  grpc_body "$work/introspect" identity.v1.IntrospectRequest \
    "token: \"$token\" client_id: \"$client_id\" client_secret: \"$client_secret\""
  /usr/bin/python3 - "$identity_grpc" "$work/introspect.msg" <<'EOF' ||
import grpc, sys
with grpc.insecure_channel("127.0.0.1:" + sys.argv[1]) as channel:
    reply = channel.unary_unary("/identity.v1.IntrospectionService/Introspect")(
        open(sys.argv[2], "rb").read(), timeout=10)
sys.exit(0 if reply[:2] == b"\x08\x01" else "the sample token is not active")
EOF
    { echo "cost_table: grpc-introspect: sample call failed" >&2; exit 1; }
  echo "grpc-introspect: sample call OK, active: true"
}

# active_validations: identity_token_validations_total{outcome="active"}, summed.
active_validations() {
  curl -sf "http://127.0.0.1:$identity_http/metrics" | awk '
    /^identity_token_validations_total\{/ && /outcome="active"/ {n += $NF}
    END {printf "%d\n", n}'
}

# measure_introspect: a fresh token, then measure_h2, then every call, the
# warm-up's (WARMUP x 10,000) included, must have been answered active.
measure_introspect() {
  local before after calls
  introspect_body
  before=$(active_validations)
  measure_h2 grpc-introspect identity.v1.IntrospectionService/Introspect "$work/introspect"
  after=$(active_validations)
  calls=$(tail -n 1 "$results" |
    /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["calls"])')
  calls=$((calls + warmup * 10000))
  if ((after - before != calls)); then
    echo "cost_table: grpc-introspect: $calls calls, $((after - before)) answered active" >&2
    failed=1
  fi
}

server_build="commit $(git rev-parse --short HEAD)"
if [[ -n ${SERVER_BINARY:-} ]]; then
  server_build="identity-server $server_binary (sha256 $(sha256sum "$server_binary" | cut -c1-12))"
fi
echo "cost_table: $(date -u '+%Y-%m-%d %H:%M UTC'), $server_build," \
  "$(nproc) cores, 1-minute load average $(loadavg) at start"

# identity-server: memory store, the bootstrap admin as the client.
if wants_any grpc-health grpc-jwks grpc-token grpc-introspect http-healthz http-jwks \
  http-token; then
  bazel build --config=bench //server:identity-server
  identity_grpc=$(free_port)
  identity_http=$(free_port)
  IDENTITY_KEK=$(random_hex 32) \
    IDENTITY_BOOTSTRAP_ADMIN_CLIENT_ID=$client_id \
    IDENTITY_BOOTSTRAP_ADMIN_CLIENT_SECRET=$client_secret \
    "$server_binary" --store=memory \
    --grpc-listen="127.0.0.1:$identity_grpc" --http-listen="127.0.0.1:$identity_http" \
    --issuer=https://id.example "${server_args[@]}" >"$work/identity.log" 2>&1 &
  identity_pid=$!
  wait_port "$identity_grpc" "$identity_pid" || { cat "$work/identity.log" >&2; exit 1; }
  wait_port "$identity_http" "$identity_pid" || { cat "$work/identity.log" >&2; exit 1; }

  grpc_body "$work/health" grpc.health.v1.HealthCheckRequest ''
  grpc_body "$work/jwks" identity.v1.GetJwksRequest ''
  grpc_body "$work/token" identity.v1.TokenRequest \
    "grant_type: \"client_credentials\" client_id: \"$client_id\" client_secret: \"$client_secret\""
  check_grpc grpc-health grpc.health.v1.Health/Check "$work/health" >/dev/null
  echo "grpc-health: sample call OK"
  check_grpc grpc-jwks identity.v1.KeyService/GetJwks "$work/jwks" >/dev/null
  echo "grpc-jwks: sample call OK"
  check_jwt grpc-token "$(check_grpc grpc-token identity.v1.TokenService/Token "$work/token")"
  if wants grpc-introspect; then introspect_body; fi
  check_http http-healthz "http://127.0.0.1:$identity_http/healthz" GET ''
  check_http http-jwks "http://127.0.0.1:$identity_http/jwks" GET ''
  check_http http-token "http://127.0.0.1:$identity_http/token" POST grant_type=client_credentials
fi

# node oidc-provider: its in-memory adapter keeps every token, so a fresh one per run.
start_provider() { start_oidc_provider "$client_id" "$client_secret" "$work/provider.log"; }
if wants oidc-token; then
  prepare_oidc_provider cost_table
  start_provider
  check_http oidc-token "http://127.0.0.1:$provider_port/token" POST grant_type=client_credentials
  stop_server "$provider_pid" oidc-provider
  provider_pid=""
fi

echo "$(h2load --version | head -n 1), wrk" \
  "$(wrk --version 2>&1 | head -n 1 | cut -d ' ' -f 2), $(openssl version | cut -d ' ' -f 1-2);" \
  "warm-up ${warmup} s, ${duration} s measured, $repeat repetition(s)"

for ((rep = 1; rep <= repeat; rep++)); do
  echo "== repetition $rep/$repeat, 1-minute load average $(loadavg)"
  wants grpc-health && measure_h2 grpc-health grpc.health.v1.Health/Check "$work/health"
  wants grpc-jwks && measure_h2 grpc-jwks identity.v1.KeyService/GetJwks "$work/jwks"
  wants grpc-token && measure_h2 grpc-token identity.v1.TokenService/Token "$work/token"
  wants grpc-introspect && measure_introspect
  wants http-healthz && measure_wrk http-healthz "http://127.0.0.1:$identity_http/healthz" \
    "$identity_pid" GET ''
  wants http-jwks && measure_wrk http-jwks "http://127.0.0.1:$identity_http/jwks" \
    "$identity_pid" GET ''
  wants http-token && measure_wrk http-token "http://127.0.0.1:$identity_http/token" \
    "$identity_pid" POST grant_type=client_credentials
  if wants oidc-token; then
    start_provider
    measure_wrk oidc-token "http://127.0.0.1:$provider_port/token" "$provider_pid" \
      POST grant_type=client_credentials
    stop_server "$provider_pid" oidc-provider
    provider_pid=""
  fi
done

# One ES256 signature (P-256), CPU time on one core.
sign_per_s=$(openssl speed -seconds "$sign_seconds" ecdsap256 2>/dev/null |
  awk '/nistp256/ && NF >= 5 {print $(NF - 1)}' | tail -n 1)
[[ -n $sign_per_s ]] || { echo "cost_table: openssl speed printed no ecdsap256 line" >&2; exit 1; }

if [[ -n "$identity_pid" ]]; then
  stop_server "$identity_pid" identity-server
  identity_pid=""
fi

/usr/bin/python3 - "$results" "$sign_per_s" "$(loadavg)" <<'EOF'
import json, statistics, sys
runs = {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    runs.setdefault(r["path"], []).append(r)
sign_us = 1e6 / float(sys.argv[2])
med = lambda path, field: statistics.median(r[field] for r in runs[path])
names = {
    "grpc-health": "identity gRPC `grpc.health.v1.Health/Check` (open, empty)",
    "grpc-jwks": "identity gRPC `KeyService/GetJwks` (open, no crypto)",
    "grpc-token": "identity gRPC `TokenService/Token` (client_credentials, ES256)",
    "grpc-introspect": "identity gRPC `IntrospectionService/Introspect` (one token, seen before)",
    "http-healthz": "identity HTTP `GET /healthz`",
    "http-jwks": "identity HTTP `GET /jwks`",
    "http-token": "identity HTTP `POST /token` (client_credentials, ES256)",
    "oidc-token": "node oidc-provider `POST /token` (same wrk script)",
}
print("\n| path | load tool | calls/s | server CPU µs/call | of which kernel "
      "| page faults/call | thread waits/call | preemptions/call | server threads "
      "| load tool CPU µs/call | 1-min load |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for path in names:
    if path in runs:
        print("| %s | %s | %s | %.1f | %.1f | %.2f | %.2f | %.2f | %d | %.1f | %.2f |" % (
            names[path], runs[path][0]["tool"], format(round(med(path, "rate")), ","),
            med(path, "server_us"), med(path, "server_sys_us"), med(path, "server_faults"),
            med(path, "server_waits"), med(path, "server_preemptions"),
            med(path, "server_threads"), med(path, "tool_us"), med(path, "load1")))
print("| one ES256 signature (`openssl speed ecdsap256`, one core) | | | %.1f | | | | | | | |"
      % sign_us)
print("\n(medians of %d repetition(s); load average %s at the end; JSON lines in %s)"
      % (max(len(v) for v in runs.values()), sys.argv[3], sys.argv[1]))

cpu = lambda p: med(p, "server_us") if p in runs else None
verdict = lambda ok: "**met**" if ok else "**not met**"
print("\nTargets (issue 16), from this run:")
if cpu("http-token") and cpu("oidc-token"):
    ratio = cpu("oidc-token") / cpu("http-token")
    print("- HTTP /token CPU per token vs oidc-provider's: %.1f× less (target ≥ 10×): %s"
          % (ratio, verdict(ratio >= 10)))
if cpu("grpc-token") and cpu("grpc-health"):
    bound = cpu("grpc-health") + 1.5 * sign_us
    print("- gRPC Token %.1f µs ≤ Health/Check %.1f µs + 1.5 × signature %.1f µs = %.1f µs: %s"
          % (cpu("grpc-token"), cpu("grpc-health"), sign_us, bound,
             verdict(cpu("grpc-token") <= bound)))
if cpu("grpc-introspect") and cpu("grpc-health"):
    ratio = cpu("grpc-introspect") / cpu("grpc-health")
    print("- gRPC Introspect of a token seen before %.1f µs = %.2f × Health/Check %.1f µs "
          "(target ≤ 1.5 ×): %s" % (cpu("grpc-introspect"), ratio, cpu("grpc-health"),
                                    verdict(ratio <= 1.5)))
if cpu("grpc-health") and cpu("http-healthz"):
    print("- gRPC Health/Check %.1f µs ≤ HTTP /healthz %.1f µs: %s"
          % (cpu("grpc-health"), cpu("http-healthz"),
             verdict(cpu("grpc-health") <= cpu("http-healthz"))))
print("\nBreakdown (server CPU per call):")
for face, floor, jwks, token in (("gRPC", "grpc-health", "grpc-jwks", "grpc-token"),
                                 ("HTTP", "http-healthz", "http-jwks", "http-token")):
    if cpu(floor) and cpu(token):
        own = cpu(token) - cpu(floor) - sign_us
        line = ("- %s Token %.1f µs = transport floor %.1f µs (%.0f%%) + signature %.1f µs "
                "(%.0f%%) + identity's own per-call work %.1f µs (%.0f%%)"
                % (face, cpu(token), cpu(floor), 100 * cpu(floor) / cpu(token), sign_us,
                   100 * sign_us / cpu(token), own, 100 * own / cpu(token)))
        if cpu(jwks):
            line += "; GetJwks/jwks adds %.1f µs to the floor" % (cpu(jwks) - cpu(floor))
        print(line)
EOF
exit $failed
