#!/usr/bin/env bash
# A private, throwaway PostgreSQL for tests and local runs.
#
#   eval "$(tests/postgres/postgres.sh start [DIR [PORT]])"   # prints export lines
#   tests/postgres/postgres.sh stop DIR    # stops the server and deletes DIR
#   tests/postgres/postgres.sh halt DIR    # stops the server, keeps the data
#
# `start` on a DIR that already holds a cluster (after `halt`) starts it again
# with its data; give the PORT it had to bring it back where clients expect it
# (a database outage and its end, in tests).
#
# `start` creates a cluster in DIR (default: a new temp dir), owned by the
# `postgres` user because PostgreSQL refuses to run as root, listens on
# 127.0.0.1 at a free port (TCP, so Bazel's sandbox reaches it), trusts local
# connections, creates the database `identity`, and prints
#   export IDENTITY_TEST_PG_DIR=...
#   export IDENTITY_TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:PORT/identity
# It is only for tests: no password, fsync off.
set -euo pipefail

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[[ -x "$bin/initdb" ]] || { echo "postgres.sh: PostgreSQL is not installed" >&2; exit 1; }

as_postgres() {
  if [[ $(id -un) == postgres ]]; then "$@"; else runuser -u postgres -- "$@"; fi
}

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

case "${1:-}" in
  start)
    dir=${2:-$(mktemp -d /tmp/identity-pg.XXXXXX)}
    mkdir -p "$dir"
    chown postgres: "$dir" 2>/dev/null || true
    chmod 700 "$dir"
    fresh=0
    if [[ -f "$dir/data/PG_VERSION" ]]; then
      # A server left running on this cluster (e.g. after a crash) is stopped
      # first, so that it comes back on a known port.
      as_postgres "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1 &&
        as_postgres "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    else
      fresh=1
      as_postgres "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-locale \
        >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    port=${3:-$(free_port)}
    as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
      start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    if [[ $fresh == 1 ]]; then
      as_postgres "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres identity
    fi
    echo "export IDENTITY_TEST_PG_DIR=$dir"
    echo "export IDENTITY_TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:$port/identity"
    ;;
  stop)
    dir=${2:?usage: postgres.sh stop DIR}
    if [[ -d "$dir/data" ]]; then
      as_postgres "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
  halt)
    dir=${2:?usage: postgres.sh halt DIR}
    if [[ -d "$dir/data" ]]; then
      as_postgres "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    ;;
  *)
    echo "usage: postgres.sh start [DIR [PORT]] | stop DIR | halt DIR" >&2
    exit 2
    ;;
esac
