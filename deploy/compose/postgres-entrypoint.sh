#!/bin/bash
# The compose stack's PostgreSQL (deploy/compose/images.sh): on first start, a cluster whose
# superuser `identity` has the password in /run/secrets/db-password (scram-sha-256 from the
# network) and a database `identity`; then the server in the foreground, stopped cleanly by SIGTERM (smart shutdown).
set -euo pipefail
data=/var/lib/postgresql/data/pgdata
bin=/usr/lib/postgresql/15/bin
if [[ ! -s "$data/PG_VERSION" ]]; then
  "$bin/initdb" --pgdata="$data" --username=identity --pwfile=/run/secrets/db-password \
    --auth=scram-sha-256 --encoding=UTF8 --locale=C --no-instructions >&2
  echo "host all all all scram-sha-256" >>"$data/pg_hba.conf"
  "$bin/postgres" --single -D "$data" -c jit=off postgres <<<"CREATE DATABASE identity;" >/dev/null
fi
exec "$bin/postgres" -D "$data" -c listen_addresses='*' -c jit=off \
  -c unix_socket_directories=/var/run/postgresql
