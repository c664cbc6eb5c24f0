#!/usr/bin/env bash
# Quick start: installs what is missing, builds identity-server and idctl,
# starts a private PostgreSQL (data in .quickstart/, git-ignored), starts the
# server with a bootstrap admin and a demo client, gets and introspects a token,
# and keeps the server running until Ctrl-C. Run it again to pick up where you
# left off: the database, the key-encryption key and the secrets persist in
# .quickstart/ (delete that folder to start over).
#
# For a demo only: the PostgreSQL runs with fsync off, trusts local
# connections, and the secrets sit in files next to it.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

bazel/install-deps.sh
bazel build -c opt //server:identity-server //client:idctl
bin="$(bazel info -c opt bazel-bin)"
server_bin="$bin/server/identity-server"
idctl="$bin/client/idctl/idctl"

state="$root/.quickstart"
mkdir -p "$state"
chmod 700 "$state"
# PostgreSQL runs as the postgres user, which must reach the data directory.
chmod o+x "$state"
secret() { /usr/bin/python3 -c 'import secrets; print(secrets.token_urlsafe(32))'; }
[[ -f "$state/kek" ]] || (umask 077 && /usr/bin/python3 -c 'import secrets; print(secrets.token_hex(32))' >"$state/kek")
[[ -f "$state/admin-secret" ]] || (umask 077 && secret >"$state/admin-secret")

say() { printf '\n\033[1m%s\033[0m\n' "$*"; }

say "Starting PostgreSQL (data in .quickstart/postgres)"
eval "$(tests/postgres/postgres.sh start "$state/postgres")"
server_pid=
cleanup() {
  set +e
  if [[ -n "$server_pid" ]]; then
    kill -TERM "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
  fi
  tests/postgres/postgres.sh halt "$state/postgres"
}
trap cleanup EXIT
trap 'exit 0' INT TERM

# The port given when it is free, else any free port.
free_port() { /usr/bin/python3 -c 'import socket, sys
s = socket.socket()
try: s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError: s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])' "$1"; }
address="127.0.0.1:$(free_port 50051)"
# The HTTP front door (OpenID Connect).
http_port=$(free_port 9464)
# The management listener (/metrics, /healthz, /readyz; Keycloak's port 9000):
# loopback only, off the front door.
management_port=$(free_port 9000)
say "Starting identity-server: gRPC on $address, HTTP (OpenID Connect) on http://localhost:$http_port, management (/metrics, /readyz) on http://127.0.0.1:$management_port"
IDENTITY_BOOTSTRAP_ADMIN_CLIENT_ID=admin \
IDENTITY_BOOTSTRAP_ADMIN_CLIENT_SECRET="$(cat "$state/admin-secret")" \
  "$server_bin" --store=postgres --database-url="$IDENTITY_TEST_DATABASE_URL" \
  --grpc-listen="$address" --issuer="http://localhost:$http_port" --audience=orders-api \
  --kek-file="$state/kek" --http-listen="127.0.0.1:$http_port" \
  --management-listen="127.0.0.1:$management_port" &
server_pid=$!
for _ in $(seq 100); do
  "$idctl" keys jwks --server "$address" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { echo "identity-server exited" >&2; exit 1; }
  sleep 0.2
done

export IDENTITY_CLIENT_SECRET
IDENTITY_CLIENT_SECRET=$(cat "$state/admin-secret")
if [[ ! -f "$state/demo-secret" ]]; then
  say "Registering the demo client (idctl clients create, as the bootstrap admin)"
  "$idctl" clients create --server "$address" --client-id admin \
    --id demo --name "Quick-start demo" --allow-scope orders.read --allow-scope orders.write \
    | tee "$state/demo-client.json"
  /usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["client_secret"])' \
    "$state/demo-client.json" >"$state/demo-secret"
  chmod 600 "$state/demo-secret" "$state/demo-client.json"
fi
IDENTITY_CLIENT_SECRET=$(cat "$state/demo-secret")

say "\$ idctl token --server $address --client-id demo --scope orders.read"
response=$("$idctl" token --server "$address" --client-id demo --scope orders.read)
echo "$response"
token=$(/usr/bin/python3 -c 'import json,sys; print(json.loads(sys.argv[1])["access_token"])' "$response")

say "\$ idctl introspect --server $address --client-id demo TOKEN"
"$idctl" introspect --server "$address" --client-id demo "$token"

say "\$ idctl keys jwks --server $address > jwks.json && idctl jwt verify --jwks jwks.json ..."
"$idctl" keys jwks --server "$address" >"$state/jwks.json"
"$idctl" jwt verify --jwks "$state/jwks.json" --iss "http://localhost:$http_port" --aud orders-api \
  --typ at+jwt "$token" >/dev/null && echo "valid (verified offline against the server's JWKS)"

cat <<EOT

identity-server is running on $address (PostgreSQL: $IDENTITY_TEST_DATABASE_URL).
Try, in another shell:

  idctl=$idctl
  export IDENTITY_CLIENT_SECRET=\$(cat $state/demo-secret)
  \$idctl token --server $address --client-id demo --scope orders.read
  \$idctl introspect --server $address --client-id demo ACCESS_TOKEN

  # Administration, as the bootstrap admin:
  export IDENTITY_CLIENT_SECRET=\$(cat $state/admin-secret)
  \$idctl clients list --server $address --client-id admin
  \$idctl keys list --server $address --client-id admin
  \$idctl keys rotate --server $address --client-id admin

  # The OpenID Connect front door (docs/http.md): discovery for any OIDC library.
  curl -s http://localhost:$http_port/.well-known/openid-configuration

  # Metrics, liveness and readiness, on the management listener only
  # (docs/observability.md); Prometheus: deploy/prometheus/prometheus.yml.
  curl -s http://127.0.0.1:$management_port/metrics | grep identity_tokens_issued_total
  curl -s http://127.0.0.1:$management_port/readyz

Ctrl-C stops the server and PostgreSQL (the data stays in .quickstart/).
EOT
wait "$server_pid"
