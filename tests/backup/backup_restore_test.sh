#!/bin/bash
# Backup and restore of identity's database (docs/deploy.md, "Backup and restore"), run for real:
#
#   1. identity-server on a database of its own: a client registered, a token issued, the keys
#      rotated once (a RETIRED, a CURRENT and a NEXT key of each default algorithm, ES256 and
#      RS256);
#   2. pg_dump -Fc of that database while the server runs (a consistent snapshot), then the server
#      stopped; pg_restore --no-owner into a new database;
#   3. a server on the restore with the same KEK: the same keys, the client's secret still works,
#      the token issued before the backup is still active and verifies against the new JWKS;
#   4. a server on the restore with another KEK refuses to start: the KEK must be kept with the
#      backups.
#
# Usage (from Bazel): backup_restore_test.sh SERVER IDCTL. Needs IDENTITY_TEST_DATABASE_URL.
set -euo pipefail

readonly SERVER=$(realpath "$1") IDCTL=$(realpath "$2")
readonly SHARED_URL=${IDENTITY_TEST_DATABASE_URL:?needs IDENTITY_TEST_DATABASE_URL}
readonly ISSUER=https://id.example
work=$(mktemp -d "${TEST_TMPDIR:-/tmp}/backup.XXXXXX")
suffix=$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')
readonly SOURCE_DB=backup_src_$suffix RESTORED_DB=backup_dst_$suffix
pids=()

fail() { echo "FAIL: $*" >&2; for f in "$work"/*.log; do echo "--- $f" >&2; tail -20 "$f" >&2; done; exit 1; }
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  psql -X -q -d "$SHARED_URL" -c "DROP DATABASE IF EXISTS $SOURCE_DB" >/dev/null 2>&1 || true
  psql -X -q -d "$SHARED_URL" -c "DROP DATABASE IF EXISTS $RESTORED_DB" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

url_of() { /usr/bin/python3 -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(p._replace(path="/" + sys.argv[2]).geturl())' "$SHARED_URL" "$1"; }
free_port() { /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# start_server NAME DATABASE KEK: starts identity-server; sets $address and $pid.
start_server() {
  local name=$1 database=$2 kek=$3
  address=127.0.0.1:$(free_port)
  IDENTITY_KEK=$kek IDENTITY_BOOTSTRAP_ADMIN_CLIENT_ID=admin \
    IDENTITY_BOOTSTRAP_ADMIN_CLIENT_SECRET=$ADMIN_SECRET \
    "$SERVER" --store=postgres --database-url="$(url_of "$database")" --grpc-listen="$address" \
    --issuer=$ISSUER --audience=orders-api >"$work/$name.log" 2>&1 &
  pid=$!
  pids+=("$pid")
}

# wait_serving: the server at $address answers its health check (at most 30 s).
wait_serving() {
  for _ in $(seq 1 300); do
    "$IDCTL" health --server "$address" --timeout 2 >/dev/null 2>&1 && return 0
    kill -0 "$pid" 2>/dev/null || fail "the server at $address exited"
    sleep 0.1
  done
  fail "the server at $address did not become SERVING in 30 s"
}

field() { /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
kids() { /usr/bin/python3 -c 'import json, sys; print(" ".join(sorted(k["kid"] + ":" + k["state"] for k in json.load(sys.stdin).get("keys", []))))'; }

ADMIN_SECRET=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
KEK=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
OTHER_KEK=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
export IDENTITY_CLIENT_SECRET=$ADMIN_SECRET

# 1. The original.
psql -X -q -d "$SHARED_URL" -c "CREATE DATABASE $SOURCE_DB" >/dev/null
start_server original "$SOURCE_DB" "$KEK"
wait_serving
admin=(--server "$address" --client-id admin)
created=$("$IDCTL" clients create "${admin[@]}" --id svc --allow-scope orders.read)
svc_secret=$(field client_secret <<<"$created")
"$IDCTL" keys rotate "${admin[@]}" >/dev/null
token=$(IDENTITY_CLIENT_SECRET=$svc_secret "$IDCTL" token --server "$address" --client-id svc \
  --scope orders.read | field access_token)
keys_before=$("$IDCTL" keys list "${admin[@]}" | kids)
[[ $(wc -w <<<"$keys_before") -eq 6 ]] || fail "expected 6 keys (ES256 and RS256) before the backup: $keys_before"

# 2. The backup, taken live, and the restore.
pg_dump -Fc -d "$(url_of "$SOURCE_DB")" -f "$work/identity.dump" ||
  fail "pg_dump failed"
kill -TERM "$pid"
wait "$pid" || fail "the original server did not exit 0 on SIGTERM"
psql -X -q -d "$SHARED_URL" -c "CREATE DATABASE $RESTORED_DB" >/dev/null
pg_restore --no-owner --exit-on-error -d "$(url_of "$RESTORED_DB")" "$work/identity.dump" ||
  fail "pg_restore failed"

# 3. A server on the restore, with the same KEK.
start_server restored "$RESTORED_DB" "$KEK"
wait_serving
admin=(--server "$address" --client-id admin)
keys_after=$("$IDCTL" keys list "${admin[@]}" | kids)
[[ "$keys_after" == "$keys_before" ]] ||
  fail "the keys differ after the restore: before '$keys_before', after '$keys_after'"
active=$(IDENTITY_CLIENT_SECRET=$svc_secret "$IDCTL" introspect --server "$address" \
  --client-id svc "$token" | field active)
[[ "$active" == "True" ]] || fail "the token issued before the backup is not active: $active"
"$IDCTL" keys jwks --server "$address" >"$work/jwks.json"
"$IDCTL" jwt verify --jwks "$work/jwks.json" --iss $ISSUER --aud orders-api --typ at+jwt \
  "$token" >/dev/null || fail "the token issued before the backup does not verify"
new_token=$(IDENTITY_CLIENT_SECRET=$svc_secret "$IDCTL" token --server "$address" \
  --client-id svc --scope orders.read | field access_token) ||
  fail "the client's secret does not work after the restore"
"$IDCTL" jwt verify --jwks "$work/jwks.json" --iss $ISSUER --aud orders-api --typ at+jwt \
  "$new_token" >/dev/null || fail "a token issued after the restore does not verify"
if IDENTITY_CLIENT_SECRET=wrong-secret "$IDCTL" token --server "$address" --client-id svc \
  >/dev/null 2>&1; then
  fail "a wrong secret was accepted after the restore"
fi
kill -TERM "$pid"
wait "$pid" || fail "the restored server did not exit 0 on SIGTERM"

# 4. Another KEK: the sealed signing keys cannot be opened, and the server must not start.
start_server wrong_kek "$RESTORED_DB" "$OTHER_KEK"
for _ in $(seq 1 300); do
  kill -0 "$pid" 2>/dev/null || break
  "$IDCTL" health --server "$address" --timeout 1 >/dev/null 2>&1 &&
    fail "a server with another KEK serves the restored database"
  sleep 0.1
done
if kill -0 "$pid" 2>/dev/null; then fail "a server with another KEK still runs after 30 s"; fi
status=0
wait "$pid" || status=$?
[[ $status -ne 0 ]] || fail "a server with another KEK exited 0"
echo "a server with another KEK exited $status: $(tail -1 "$work/wrong_kek.log")"

echo "PASS: backup and restore (keys: $keys_after)"
