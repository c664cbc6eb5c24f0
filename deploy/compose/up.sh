#!/usr/bin/env bash
# Starts the compose stack (compose.yaml): builds the identity image (deploy/container/build.sh)
# and the stack's images (images.sh), makes the secrets on first start, starts PostgreSQL and
# waits until it accepts connections, then the replicas, haproxy and Prometheus, waits until a
# token is issued through haproxy, and prints where to connect. Every port is published on
# 127.0.0.1 only. Run it again to pick up where you left off; deploy/compose/down.sh stops it.
#
#   deploy/compose/up.sh [--project NAME]        (default: identity)
#
# The secrets (KEK, PostgreSQL password, bootstrap admin secret) and the chosen ports stay in
# .compose/NAME/ (git-ignored, mode 700): the KEK seals the signing keys in the database, so keep
# it with the data (down.sh --purge deletes both). Environment: IDENTITY_GRPC_PORT (50051),
# IDENTITY_HTTP_PORT (8080), IDENTITY_PROMETHEUS_PORT (9090), IDENTITY_HAPROXY_STATS_PORT (8404)
# on first start (a port taken is replaced by a free one); IDENTITY_SKIP_BUILD=1 uses the images
# already in container storage. docs/deploy.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
source deploy/container/env.sh

project=identity
while [[ $# -gt 0 ]]; do
  case $1 in
    --project) project=$2; shift 2 ;;
    *) echo "usage: $0 [--project NAME]" >&2; exit 2 ;;
  esac
done
log() { echo "up.sh: $*" >&2; }

deploy/container/install-tools.sh
if [[ "${IDENTITY_SKIP_BUILD:-0}" != 1 ]]; then
  deploy/container/build.sh >/dev/null
  deploy/compose/images.sh
fi

state="$root/.compose/$project"
mkdir -p "$state"
chmod 700 "$state"
random() { /usr/bin/python3 -c "import secrets; print(secrets.$1)"; }
# write FILE OWNER CONTENT: a secret file only its reader (a container's uid) may read.
write() { (umask 077 && printf '%s\n' "$3" >"$state/$1") && chown "$2" "$state/$1" && chmod 0400 "$state/$1"; }
if [[ ! -f "$state/kek" ]]; then
  log "first start: generating the KEK, the PostgreSQL password and the bootstrap admin secret in $state"
  db_password=$(random 'token_urlsafe(32)')
  write kek 65532:65532 "$(random 'token_hex(32)')"
  write db-password 999:999 "$db_password"
  write identity.conf 65532:65532 \
    "database-url = postgresql://identity:$db_password@postgres:5432/identity?connect_timeout=2"
  write bootstrap.env 0:0 "IDENTITY_BOOTSTRAP_ADMIN_CLIENT_ID=admin
IDENTITY_BOOTSTRAP_ADMIN_CLIENT_SECRET=$(random 'token_urlsafe(32)')"
  write admin-secret 0:0 "$(sed -n 's/^IDENTITY_BOOTSTRAP_ADMIN_CLIENT_SECRET=//p' "$state/bootstrap.env")"
fi

# The port asked for when it is free, else any free one; kept for the next start.
free_port() { /usr/bin/python3 -c 'import socket, sys
s = socket.socket()
try: s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError: s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])' "$1"; }
if [[ ! -f "$state/ports.env" ]]; then
  {
    echo "IDENTITY_GRPC_PORT=$(free_port "${IDENTITY_GRPC_PORT:-50051}")"
    echo "IDENTITY_HTTP_PORT=$(free_port "${IDENTITY_HTTP_PORT:-8080}")"
    echo "IDENTITY_PROMETHEUS_PORT=$(free_port "${IDENTITY_PROMETHEUS_PORT:-9090}")"
    echo "IDENTITY_HAPROXY_STATS_PORT=$(free_port "${IDENTITY_HAPROXY_STATS_PORT:-8404}")"
  } >"$state/ports.env"
fi
set -a
source "$state/ports.env"
IDENTITY_COMPOSE_STATE=$state
set +a

# podman-compose's chatter goes to compose.log; shown when something fails.
compose_log="$state/compose.log"
: >"$compose_log"
compose() { podman-compose --project-name "$project" --file deploy/compose/compose.yaml "$@" >>"$compose_log" 2>&1; }
trap '[[ $? -eq 0 ]] || tail -20 "$compose_log" >&2' EXIT
compose up -d postgres
log "waiting for PostgreSQL to accept connections"
ready=0
for _ in $(seq 120); do
  if podman exec "${project}_postgres_1" /usr/lib/postgresql/15/bin/pg_isready --quiet \
       --host=127.0.0.1 --username=identity --dbname=identity; then
    ready=1
    break
  fi
  sleep 0.5
done
[[ $ready -eq 1 ]] || { log "PostgreSQL did not accept connections within 60 s"; exit 1; }
compose up -d

grpc="127.0.0.1:$IDENTITY_GRPC_PORT"
http="127.0.0.1:$IDENTITY_HTTP_PORT"
log "waiting for a token through haproxy (POST http://$http/token)"
served=0
for _ in $(seq 120); do
  # The secret through curl's config on stdin, not its command line.
  if curl -sf --max-time 2 -K - -d grant_type=client_credentials "http://$http/token" \
       <<<"user = \"admin:$(cat "$state/admin-secret")\"" >/dev/null; then
    served=1
    break
  fi
  sleep 0.5
done
[[ $served -eq 1 ]] || { log "no token through haproxy within 60 s"; compose ps; exit 1; }

cat <<EOT
The identity stack "$project" is up (podman-compose; containers ${project}_*):

  gRPC, balanced over identity-1 and identity-2   $grpc
  HTTP front door (OpenID Connect), the issuer    http://localhost:$IDENTITY_HTTP_PORT
  Prometheus (alerts from deploy/prometheus)      http://127.0.0.1:$IDENTITY_PROMETHEUS_PORT
  haproxy statistics                              http://127.0.0.1:$IDENTITY_HAPROXY_STATS_PORT/

Try (idctl: bazel build -c opt //client:idctl, then bazel-bin/client/idctl/idctl):
  idctl=$root/bazel-bin/client/idctl/idctl
  export IDENTITY_CLIENT_SECRET=\$(cat $state/admin-secret)
  \$idctl token --server $grpc --client-id admin --scope identity.admin
  \$idctl health --server $grpc
  curl -s http://localhost:$IDENTITY_HTTP_PORT/.well-known/openid-configuration
  podman exec ${project}_identity-1_1 idctl keys jwks --server 127.0.0.1:50051

Secrets: $state (git-ignored). Stop: deploy/compose/down.sh --project $project
EOT
