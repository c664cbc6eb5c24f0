#!/usr/bin/env bash
# Per-call work on identity's paths, counted rather than timed (issue 16: "measure
# first, differentially"; counts do not move with the machine's load):
#   - syscalls per call: `strace -c -f` attached to the running identity-server
#     (-c opt, --store=memory) over a fixed number of calls of one path;
#   - instructions, allocations (malloc, calloc, realloc, posix_memalign,
#     aligned_alloc; operator new ends in malloc) and lock acquisitions per call:
#     the same server under valgrind's callgrind, its counters zeroed before and
#     dumped after a fixed number of calls of one path (callgrind_control), so
#     start-up is never counted. Calls of one function are summed over all its
#     callers in the dump.
#
#   bench/count_per_call.sh                 # docs/benchmarks.md has the figures
#   CALLS=2000 CG_CALLS=200 bench/count_per_call.sh   # a trial
#
# Paths (PATHS): grpc-health, grpc-jwks, grpc-token, grpc-introspect (one
# access token of the server, introspected again and again), http-healthz,
# http-jwks, http-token, as in bench/cost_table.sh. All load is h2load on one connection
# (gRPC: HTTP/2 with 4 streams in flight; HTTP: --h1, one request at a time),
# so connection set-up is paid once per run and the differences between paths
# are per-call work. Settings: CALLS (20,000 per path under strace), CG_CALLS
# (2,000 per path under callgrind), STRACE / CALLGRIND (1 or 0, the two halves),
# KEEP (a directory to copy the callgrind dumps to, PATH.callgrind, for
# `callgrind_annotate --inclusive=yes`).
#
# Every run is checked: h2load must report every call succeeded with status 2xx,
# and for gRPC the server's grpc_server_handled_total must show exactly that many
# OK and no other code. Exits non-zero on any failed call or a bad server exit.
# Loopback only; every run has a fixed count and h2load is bounded by timeout.
set -euo pipefail
cd "$(dirname "$0")/.."

calls=${CALLS:-20000}
cg_calls=${CG_CALLS:-2000}
paths=${PATHS:-grpc-health grpc-jwks grpc-token http-healthz http-jwks http-token}
do_strace=${STRACE:-1}
do_callgrind=${CALLGRIND:-1}
keep=${KEEP:-}

# strace, valgrind and h2load come from bazel/install-deps.sh.
bazel/install-deps.sh
bazel build --config=bench //server:identity-server

work=$(mktemp -d /tmp/count-per-call.XXXXXX)
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

client_secret=$(random_hex 24)
basic=$(printf '%s' "bench:$client_secret" | base64 -w 0)  # hex secret: nothing to escape
grpc_body "$work/health" grpc.health.v1.HealthCheckRequest ''
grpc_body "$work/jwks" identity.v1.GetJwksRequest ''
grpc_body "$work/token" identity.v1.TokenRequest \
  "grant_type: \"client_credentials\" client_id: \"bench\" client_secret: \"$client_secret\""
printf 'grant_type=client_credentials' >"$work/form"

# start_server [WRAPPER...]: the server (under WRAPPER, if any); sets server_pid.
start_server() {
  grpc_port=$(free_port)
  http_port=$(free_port)
  IDENTITY_KEK=$(random_hex 32) IDENTITY_BOOTSTRAP_ADMIN_CLIENT_ID=bench \
    IDENTITY_BOOTSTRAP_ADMIN_CLIENT_SECRET=$client_secret \
    "$@" bazel-bin/server/identity-server --store=memory \
    --grpc-listen="127.0.0.1:$grpc_port" --http-listen="127.0.0.1:$http_port" \
    --issuer=https://id.example >>"$work/server.log" 2>&1 &
  server_pid=$!
  if ! wait_port "$grpc_port" "$server_pid" || ! wait_port "$http_port" "$server_pid"; then
    cat "$work/server.log" >&2
    exit 1
  fi
  if [[ " $paths " == *" grpc-introspect "* ]]; then introspect_body; fi
}

failed=0
stop_server() {
  kill -TERM "$server_pid"
  local rc=0
  wait "$server_pid" || rc=$?
  server_pid=""
  [[ $rc -eq 0 ]] || { echo "count_per_call: the server exited with status $rc" >&2; failed=1; }
}

grpc_method() {
  case $1 in
    grpc-health) echo grpc.health.v1.Health/Check ;;
    grpc-jwks) echo identity.v1.KeyService/GetJwks ;;
    grpc-token) echo identity.v1.TokenService/Token ;;
    grpc-introspect) echo identity.v1.IntrospectionService/Introspect ;;
  esac
}

# introspect_body: the body of grpc-introspect, the introspection of one access
# token of the running server (its keys are new at every start), asked with
# the bootstrap client's credentials.
introspect_body() {
  local token
  token=$(access_token "$grpc_port" "$work/token.msg") ||
    { echo "count_per_call: no token to introspect" >&2; exit 1; }
  grpc_body "$work/introspect" identity.v1.IntrospectRequest \
    "token: \"$token\" client_id: \"bench\" client_secret: \"$client_secret\""
}

# load PATH N: N calls of PATH on one connection; fails unless all N succeeded.
load() {
  local path=$1 n=$2 args before="" out
  case $path in
    grpc-*)
      args=(-m4 -d "$work/${path#grpc-}" -H 'content-type: application/grpc' -H 'te: trailers'
        "http://127.0.0.1:$grpc_port/$(grpc_method "$path")")
      before=$(grpc_handled "$http_port" "$(grpc_method "$path")") ;;
    http-token)
      args=(--h1 -m1 -d "$work/form" -H 'content-type: application/x-www-form-urlencoded'
        -H "authorization: Basic $basic" "http://127.0.0.1:$http_port/token") ;;
    http-*) args=(--h1 -m1 "http://127.0.0.1:$http_port/${path#http-}") ;;
    *) echo "count_per_call: unknown path $path" >&2; exit 2 ;;
  esac
  out=$(timeout $((n / 10 + 120)) h2load -n "$n" -c1 -t1 "${args[@]}" 2>&1) ||
    { echo "$out" >&2; failed=1; return 1; }
  if ! grep -q "requests: $n total, $n started, $n done, $n succeeded, 0 failed" <<<"$out" ||
    ! grep -q "status codes: $n 2xx" <<<"$out"; then
    echo "count_per_call: $path: not all $n calls succeeded:" >&2
    echo "$out" >&2
    failed=1
    return 1
  fi
  if [[ -n $before ]]; then
    expect_handled "count_per_call: $path" "$n" "$before" \
      "$(grpc_handled "$http_port" "$(grpc_method "$path")")" ||
      { failed=1; return 1; }
  fi
}

results=$work/results.jsonl
: >"$results"

echo "count_per_call: $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD)," \
  "$(strace -V | head -n 1), $(valgrind --version), $(h2load --version | head -n 1)"

if [[ $do_strace == 1 ]]; then
  start_server
  for path in $paths; do
    load "$path" 1000 || continue  # warm: connections, caches, the signing key
    strace -c -f -p "$server_pid" -o "$work/strace.$path" 2>"$work/strace.err" &
    spid=$!
    # Attached once every thread of the server has a tracer.
    for _ in $(seq 100); do
      if ! grep -L 'TracerPid:[[:space:]]*[1-9]' "/proc/$server_pid"/task/*/status | grep -q .; then
        break
      fi
      sleep 0.1
    done
    load "$path" "$calls" || true
    kill -INT "$spid"
    wait "$spid" || true
    /usr/bin/python3 - "$path" "$calls" "$work/strace.$path" >>"$results" <<'EOF'
import json, sys
path, n, file = sys.argv[1], int(sys.argv[2]), sys.argv[3]
per = {}
for line in open(file):
    f = line.split()
    if len(f) >= 5 and f[0][0].isdigit() and f[-1] != "total":
        per[f[-1]] = int(f[3])
top = sorted(per.items(), key=lambda kv: -kv[1])[:6]
print(json.dumps({"path": path, "syscalls": sum(per.values()) / n,
                  "top": ", ".join("%s %.2f" % (k, v / n) for k, v in top)}))
EOF
  done
  stop_server
fi

if [[ $do_callgrind == 1 ]]; then
  # One dump file per thread (cg.out.DUMP-THREAD), so that threads that run on a
  # timer rather than per call (the Maintenance thread's key refresh, every 30 s,
  # costs ~380 M instructions and would land in whichever window it falls in under
  # valgrind's slowed clock) are left out of the per-call figures and reported
  # apart.
  start_server valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" \
    --separate-threads=yes --vgdb=yes --dump-instr=no
  dump=0
  for path in $paths; do
    load "$path" 200 || continue  # warm
    callgrind_control -z "$server_pid" >/dev/null 2>&1
    load "$path" "$cg_calls" || true
    callgrind_control -d "$path" "$server_pid" >/dev/null 2>&1
    dump=$((dump + 1))
    for _ in $(seq 100); do
      compgen -G "$work/cg.out.$dump-*" >/dev/null && break
      sleep 0.1
    done
    sleep 1  # every thread's file of this dump written
    /usr/bin/python3 - "$path" "$cg_calls" "$work" "$dump" "$keep" >>"$results" <<'EOF'
import glob, json, re, shutil, sys
path, n, work, dump, keep = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
BACKGROUND = "identity::server::Maintenance::"
def parse(file):
    names, calls, ir, cfn, fns = {}, {}, 0, None, set()
    def name(ref):
        m = re.match(r"\((\d+)\)(?: (.*))?", ref)
        if not m:
            return ref
        if m.group(2):
            names[m.group(1)] = m.group(2)
        return names.get(m.group(1), ref)
    for line in open(file, errors="replace"):
        if line.startswith(("fn=", "cfn=")):
            key, ref = line.rstrip("\n").split("=", 1)
            fn = re.sub(r"'\d+$", "", name(ref))
            fns.add(fn)
            if key == "cfn":
                cfn = fn
        elif line.startswith("calls=") and cfn:
            calls[cfn] = calls.get(cfn, 0) + int(line[6:].split()[0])
        elif line.startswith(("summary:", "totals:")):
            ir = int(line.split()[1])
    return ir, calls, any(BACKGROUND in f for f in fns)
ir, background, calls = 0, 0, {}
for file in glob.glob("%s/cg.out.%s-*" % (work, dump)):
    t_ir, t_calls, is_background = parse(file)
    if keep:
        shutil.copy(file, "%s/%s.callgrind-%s" % (keep, path, file.rsplit("-", 1)[1]))
    if is_background:
        background += t_ir
        continue
    ir += t_ir
    for k, v in t_calls.items():
        calls[k] = calls.get(k, 0) + v
count = lambda pred: sum(v for k, v in calls.items() if pred(k))
allocs = count(lambda k: k in ("malloc", "calloc", "realloc", "posix_memalign", "aligned_alloc"))
absl_locks = count(lambda k: re.search(r"absl::[\w:]*Mutex::(Lock|ReaderLock|WriterLock)\(\)$", k))
pthread_locks = count(lambda k: k in ("pthread_mutex_lock", "__pthread_mutex_lock"))
print(json.dumps({"path": path, "instructions": ir / n, "allocations": allocs / n,
                  "absl_locks": absl_locks / n, "pthread_locks": pthread_locks / n,
                  "background_instructions": background}))
EOF
  done
  stop_server
fi

/usr/bin/python3 - "$results" "$calls" "$cg_calls" <<'EOF'
import json, sys
rows = {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    rows.setdefault(r["path"], {}).update(r)
fmt = lambda r, k, f: (f % r[k]) if k in r else "-"
print("\n| path | syscalls/call | instructions/call | allocations/call | absl Mutex locks/call "
      "| pthread mutex locks/call | most frequent syscalls per call |")
print("|---|---:|---:|---:|---:|---:|---|")
for path, r in rows.items():
    print("| %s | %s | %s | %s | %s | %s | %s |" % (
        path, fmt(r, "syscalls", "%.2f"),
        format(round(r["instructions"]), ",") if "instructions" in r else "-",
        fmt(r, "allocations", "%.1f"), fmt(r, "absl_locks", "%.1f"),
        fmt(r, "pthread_locks", "%.1f"), r.get("top", "-")))
print("\n(syscalls: strace -c -f over %s calls per path; the rest: callgrind over %s calls "
      "per path, counters zeroed before and dumped after, the Maintenance thread left out: %s)"
      % (sys.argv[2], sys.argv[3], ", ".join(
          "%s %s instructions" % (p, format(r["background_instructions"], ","))
          for p, r in rows.items() if "background_instructions" in r)))
EOF
exit $failed
