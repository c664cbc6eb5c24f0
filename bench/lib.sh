# shellcheck shell=bash
# Shell functions shared by the benchmark scripts (sourced, not run).

random_hex() { /usr/bin/python3 -c "import secrets; print(secrets.token_hex($1))"; }

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_port PORT PID: returns once PORT accepts a connection; fails if PID exits.
wait_port() {
  /usr/bin/python3 - "$1" "$2" <<'PY'
import os, socket, sys, time
port, pid = int(sys.argv[1]), int(sys.argv[2])
for _ in range(600):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        sys.exit(0)
    except OSError:
        os.kill(pid, 0)  # raises once the server has exited
        time.sleep(0.1)
sys.exit("the server did not answer on port %d" % port)
PY
}

# basic_credentials ID SECRET: client_secret_basic's credentials (RFC 6749 §2.3.1),
# base64(urlencode(ID) ":" urlencode(SECRET)).
basic_credentials() {
  /usr/bin/python3 -c '
import base64, sys, urllib.parse
q = lambda s: urllib.parse.quote(s, safe="")
print(base64.b64encode((q(sys.argv[1]) + ":" + q(sys.argv[2])).encode()).decode())
' "$1" "$2"
}

# prepare_oidc_provider NAME: node present (NAME names the script in the error),
# bench/oidc_provider's packages installed from its lockfile, versions printed.
prepare_oidc_provider() {
  command -v node >/dev/null || { echo "$1: node is not installed" >&2; exit 1; }
  if [[ ! -d bench/oidc_provider/node_modules ]]; then
    (cd bench/oidc_provider && npm ci --no-audit --no-fund)
  fi
  echo "node $(node --version), oidc-provider" \
    "$(node -p 'require("./bench/oidc_provider/node_modules/oidc-provider/package.json").version')"
}

# start_oidc_provider ID SECRET LOG: node oidc-provider (bench/oidc_provider) with one
# client, on a free port, logging to LOG; sets provider_port and provider_pid (the
# caller's EXIT trap stops it). Exits if it does not answer.
start_oidc_provider() {
  provider_port=$(free_port)
  PORT=$provider_port CLIENT_ID=$1 CLIENT_SECRET=$2 \
    node bench/oidc_provider/provider.mjs >>"$3" 2>&1 &
  provider_pid=$!
  wait_port "$provider_port" "$provider_pid" || { cat "$3" >&2; exit 1; }
}

# grpc_body FILE MESSAGE TEXT: FILE holds one gRPC frame (uncompressed flag, a 4-byte
# big-endian length, MESSAGE encoded by protoc from the text format TEXT), the body
# h2load sends as a unary call; FILE.msg holds the bare message. Run from the root.
grpc_body() {
  protoc -Iproto --encode="$2" proto/identity/v1/token.proto proto/identity/v1/keys.proto \
    proto/identity/v1/introspection.proto \
    proto/grpc/health/v1/health.proto <<<"$3" >"$1.msg"
  /usr/bin/python3 -c '
import struct, sys
msg = open(sys.argv[1] + ".msg", "rb").read()
open(sys.argv[1], "wb").write(b"\0" + struct.pack(">I", len(msg)) + msg)
' "$1"
}

# grpc_handled PORT METHOD: the server's grpc_server_handled_total for METHOD
# ("package.Service/Method") as JSON {code: count}, from /metrics on PORT.
grpc_handled() {
  curl -sf "http://127.0.0.1:$1/metrics" | /usr/bin/python3 -c '
import json, re, sys
service, method = sys.argv[1].rsplit("/", 1)
codes = {}
for line in sys.stdin:
    if not line.startswith("grpc_server_handled_total{"):
        continue
    labels = dict(re.findall(r"(\w+)=\"([^\"]*)\"", line.split("}")[0]))
    if labels.get("grpc_service") == service and labels.get("grpc_method") == method:
        code = labels.get("grpc_code", "?")
        codes[code] = codes.get(code, 0) + int(float(line.rsplit(" ", 1)[1]))
print(json.dumps(codes))
' "$2"
}

# access_token PORT BODY: the access token a Token call with BODY (the message
# file grpc_body wrote, NAME.msg) gets from the gRPC server on PORT, called with
# Python grpcio. Fails without one.
access_token() {
  /usr/bin/python3 - "$1" "$2" <<'EOF'
import grpc, sys
with grpc.insecure_channel("127.0.0.1:" + sys.argv[1]) as channel:
    reply = channel.unary_unary("/identity.v1.TokenService/Token")(
        open(sys.argv[2], "rb").read(), timeout=10)
# TokenResponse field 1, access_token: tag 0x0a, a varint length, the bytes.
if reply[:1] != b"\x0a":
    sys.exit("no access token")
n, shift, i = 0, 0, 1
while True:
    b = reply[i]; i += 1; n |= (b & 0x7F) << shift; shift += 7
    if b < 0x80: break
print(reply[i:i + n].decode())
EOF
}

# expect_handled WHO N BEFORE AFTER: fails (saying so for WHO) unless the
# grpc_handled counts AFTER differ from BEFORE by exactly N calls, all OK.
expect_handled() {
  /usr/bin/python3 - "$@" <<'EOF'
import json, sys
who, n, before, after = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3]), json.loads(sys.argv[4])
delta = {c: v - before.get(c, 0) for c, v in after.items() if v != before.get(c, 0)}
if delta != {"OK": n}:
    sys.exit("%s: the server counted %s for %d calls" % (who, delta, n))
EOF
}
