#!/usr/bin/env bash
# A PostgreSQL high-availability cluster on 127.0.0.1, in a directory of its own: one etcd and
# Patroni nodes (Debian's patroni and etcd-server, installed by bazel/install-deps.sh), the first
# a primary, the others streaming replicas, one of them synchronous. Automatic failover with a
# leader TTL of 10 s. For trying identity's failover behaviour, its docs (docs/deploy-ha.md) and
# its tests (tests/ha/); not a production layout (one etcd, trust authentication on loopback).
#
#   eval "$(deploy/patroni/cluster.sh start [DIR [NODES]])"   # NODES >= 2, default 2
#       prints export lines: IDENTITY_HA_DIR, and IDENTITY_HA_DATABASE_URL, a multi-host libpq URL
#       (every node, target_session_attrs=read-write) to give identity-server --database-url
#   deploy/patroni/cluster.sh status DIR         # Patroni's view (GET /cluster of a live node)
#   deploy/patroni/cluster.sh primary DIR        # the primary's node name (exit 1 if none)
#   deploy/patroni/cluster.sh kill-primary DIR   # SIGKILL the primary's Patroni and PostgreSQL
#                                                # (every PostgreSQL process); prints its name
#   deploy/patroni/cluster.sh start-node DIR NAME   # start a stopped node again (it rejoins)
#   deploy/patroni/cluster.sh wait-primary DIR [SECONDS]  # until a primary answers (default 60)
#   deploy/patroni/cluster.sh stop DIR           # stop everything and delete DIR
#
# Every wait is bounded. Runs the servers as the `postgres` user when started as root (PostgreSQL
# refuses root). Environment: PATRONI_TTL (default 10), PG_BIN (default: the newest
# /usr/lib/postgresql/*/bin).
set -euo pipefail

ttl=${PATRONI_TTL:-10}
pg_bin=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}

die() { echo "cluster.sh: $*" >&2; exit 1; }

# A prefix that runs a command as postgres by exec (no intermediate process: `"${as_pg[@]}" X &`
# makes $! the pid of X itself).
as_pg=()
[[ $(id -un) == postgres ]] ||
  as_pg=(setpriv --reuid=postgres --regid=postgres --init-groups --reset-env --)

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# http_code URL: the HTTP status of a GET (000 when nothing answers), within 2 s.
http_code() {
  curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$1" 2>/dev/null || true
}

# Node names and ports, from DIR/nodes: lines "NAME PG_PORT REST_PORT".
nodes() { cat "$dir/nodes"; }

rest_port() { awk -v n="$1" '$1 == n { print $3 }' "$dir/nodes"; }

write_node_config() {
  local name=$1 pg_port=$2 rest_port=$3 etcd_port=$4 scope=$5
  mkdir -p "$dir/$name"
  cat >"$dir/$name/patroni.yml" <<EOF
scope: $scope
namespace: /identity-ha/
name: $name
restapi:
  listen: 127.0.0.1:$rest_port
  connect_address: 127.0.0.1:$rest_port
etcd3:
  host: 127.0.0.1:$etcd_port
bootstrap:
  dcs:
    ttl: $ttl
    loop_wait: 1
    retry_timeout: $(( (ttl - 1) / 2 ))
    maximum_lag_on_failover: 1048576
    # A commit is acknowledged once a standby has it: a failover loses no acknowledged write
    # (signing keys, revocations, codes). Not strict: a lone primary keeps accepting writes.
    synchronous_mode: true
    postgresql:
      use_pg_rewind: true
      parameters:
        max_connections: 200
        wal_log_hints: "on"
        max_wal_senders: 10
        max_replication_slots: 10
        wal_keep_size: 128MB
  initdb:
    - encoding: UTF8
    - no-locale
  pg_hba:
    - host replication all 127.0.0.1/32 trust
    - host all all 127.0.0.1/32 trust
postgresql:
  listen: 127.0.0.1:$pg_port
  connect_address: 127.0.0.1:$pg_port
  data_dir: $dir/$name/data
  bin_dir: $pg_bin
  pgpass: $dir/$name/pgpass
  # A replica clones the primary at once (the default waits for a spread checkpoint: minutes).
  basebackup:
    - checkpoint: fast
  authentication:
    superuser:
      username: postgres
    replication:
      username: postgres
    rewind:
      username: postgres
  parameters:
    unix_socket_directories: $dir/$name
EOF
}

start_etcd() {
  local client_port=$1 peer_port=$2
  "${as_pg[@]}" setsid /usr/bin/etcd --name etcd --data-dir "$dir/etcd" \
    --listen-client-urls "http://127.0.0.1:$client_port" \
    --advertise-client-urls "http://127.0.0.1:$client_port" \
    --listen-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-cluster "etcd=http://127.0.0.1:$peer_port" \
    --enable-v2=true >"$dir/etcd.log" 2>&1 </dev/null &
  echo $! >"$dir/etcd.pid"
  local deadline=$((SECONDS + 30))
  until [[ $(http_code "http://127.0.0.1:$client_port/health") == 200 ]]; do
    ((SECONDS < deadline)) || { tail -20 "$dir/etcd.log" >&2; die "etcd did not start within 30 s"; }
    sleep 0.2
  done
}

start_node() {
  local name=$1
  [[ -f "$dir/$name/patroni.yml" ]] || die "no node $name in $dir"
  "${as_pg[@]}" setsid /usr/bin/patroni "$dir/$name/patroni.yml" >>"$dir/$name/patroni.log" 2>&1 \
    </dev/null &
  echo $! >"$dir/$name/patroni.pid"
}

# wait_for NAME ENDPOINT SECONDS: until GET /ENDPOINT on NAME's REST port answers 200.
wait_for() {
  local name=$1 endpoint=$2 limit=$3
  local port deadline=$((SECONDS + limit))
  port=$(rest_port "$name")
  until [[ $(http_code "http://127.0.0.1:$port/$endpoint") == 200 ]]; do
    if ((SECONDS >= deadline)); then
      tail -30 "$dir/$name/patroni.log" >&2
      die "$name: /$endpoint did not answer 200 within $limit s"
    fi
    sleep 0.2
  done
}

primary() {
  local name pg rest
  while read -r name pg rest; do
    [[ $(http_code "http://127.0.0.1:$rest/primary") == 200 ]] && { echo "$name"; return 0; }
  done < <(nodes)
  return 1
}

wait_primary() {
  local limit=$1 deadline=$((SECONDS + $1))
  until primary; do
    ((SECONDS < deadline)) || die "no primary within $limit s"
    sleep 0.2
  done
}

has_sync_standby() {
  local name pg rest
  while read -r name pg rest; do
    [[ $(http_code "http://127.0.0.1:$rest/sync") == 200 ]] && return 0
  done < <(nodes)
  return 1
}

alive() { [[ -n "${1:-}" ]] && kill -0 "$1" 2>/dev/null; }

# The postmaster's pid of NAME, if it runs.
postmaster_pid() {
  local file="$dir/$1/data/postmaster.pid"
  [[ -f "$file" ]] && head -n 1 "$file"
}

# kill_node NAME SIGNAL: Patroni, the postmaster and its children.
kill_node() {
  local name=$1 signal=$2 pids=() pm patroni_pid
  patroni_pid=$(cat "$dir/$name/patroni.pid" 2>/dev/null || true)
  alive "$patroni_pid" && pids+=("$patroni_pid")
  pm=$(postmaster_pid "$name" || true)
  if alive "$pm"; then
    pids+=("$pm")
    mapfile -t -O "${#pids[@]}" pids < <(pgrep -P "$pm" || true)
  fi
  ((${#pids[@]} == 0)) || kill "-$signal" "${pids[@]}" 2>/dev/null || true
}

cmd=${1:-}
case "$cmd" in
  start)
    [[ -x "$pg_bin/postgres" ]] || die "PostgreSQL is not installed (bazel/install-deps.sh)"
    for tool in /usr/bin/patroni /usr/bin/etcd /usr/bin/curl; do
      [[ -x "$tool" ]] || die "$tool is missing (bazel/install-deps.sh installs it)"
    done
    dir=${2:-$(mktemp -d /tmp/identity-ha.XXXXXX)}
    count=${3:-2}
    ((count >= 2)) || die "a cluster needs at least 2 nodes"
    mkdir -p "$dir"
    chmod 700 "$dir"
    etcd_port=$(free_port)
    peer_port=$(free_port)
    scope="identity-$(basename "$dir" | tr -c 'a-zA-Z0-9\n' '-')"
    : >"$dir/nodes"
    for ((i = 1; i <= count; i++)); do
      echo "node$i $(free_port) $(free_port)" >>"$dir/nodes"
    done
    while read -r name pg rest; do
      write_node_config "$name" "$pg" "$rest" "$etcd_port" "$scope"
    done < <(nodes)
    [[ $(id -un) == postgres ]] || chown -R postgres: "$dir"
    start_etcd "$etcd_port" "$peer_port"
    # The first node bootstraps the cluster; the others clone it once it is primary.
    start_node node1
    wait_for node1 primary 60
    "${as_pg[@]}" "$pg_bin/createdb" -h 127.0.0.1 -p "$(awk '$1 == "node1" { print $2 }' "$dir/nodes")" \
      -U postgres identity
    while read -r name pg rest; do
      [[ $name == node1 ]] || start_node "$name"
    done < <(nodes)
    while read -r name pg rest; do
      [[ $name == node1 ]] || wait_for "$name" "replica?lag=1MB" 60
    done < <(nodes)
    # One standby is synchronous before anyone writes.
    deadline=$((SECONDS + 30))
    until has_sync_standby; do
      ((SECONDS < deadline)) || die "no synchronous standby within 30 s"
      sleep 0.2
    done
    hosts=$(awk '{ printf "%s127.0.0.1:%s", (NR > 1 ? "," : ""), $2 }' "$dir/nodes")
    echo "export IDENTITY_HA_DIR=$dir"
    echo "export IDENTITY_HA_DATABASE_URL=postgresql://postgres@$hosts/identity?target_session_attrs=read-write"
    ;;
  status)
    dir=${2:?usage: cluster.sh status DIR}
    while read -r name pg rest; do
      body=$(curl -s --max-time 2 "http://127.0.0.1:$rest/cluster" 2>/dev/null) &&
        { echo "$body"; exit 0; }
    done < <(nodes)
    die "no node answers"
    ;;
  primary)
    dir=${2:?usage: cluster.sh primary DIR}
    primary
    ;;
  wait-primary)
    dir=${2:?usage: cluster.sh wait-primary DIR [SECONDS]}
    wait_primary "${3:-60}"
    ;;
  kill-primary)
    dir=${2:?usage: cluster.sh kill-primary DIR}
    name=$(primary) || die "no primary to kill"
    kill_node "$name" KILL
    echo "$name"
    ;;
  start-node)
    dir=${2:?usage: cluster.sh start-node DIR NAME}
    name=${3:?usage: cluster.sh start-node DIR NAME}
    alive "$(cat "$dir/$name/patroni.pid" 2>/dev/null || true)" && die "$name is running"
    start_node "$name"
    wait_for "$name" health 60
    ;;
  stop)
    dir=${2:?usage: cluster.sh stop DIR}
    [[ -f "$dir/nodes" ]] || { rm -rf "$dir"; exit 0; }
    # Patroni stops its PostgreSQL on SIGTERM; whatever is left after 10 s is killed.
    while read -r name pg rest; do kill_node "$name" TERM; done < <(nodes)
    deadline=$((SECONDS + 10))
    while read -r name pg rest; do
      while alive "$(cat "$dir/$name/patroni.pid" 2>/dev/null || true)" ||
        alive "$(postmaster_pid "$name" || true)"; do
        ((SECONDS < deadline)) || { kill_node "$name" KILL; break; }
        sleep 0.2
      done
    done < <(nodes)
    etcd_pid=$(cat "$dir/etcd.pid" 2>/dev/null || true)
    if alive "$etcd_pid"; then
      kill -TERM "$etcd_pid"
      for _ in $(seq 50); do alive "$etcd_pid" || break; sleep 0.2; done
      alive "$etcd_pid" && kill -KILL "$etcd_pid"
    fi
    rm -rf "$dir"
    ;;
  *)
    echo "usage: cluster.sh start [DIR [NODES]] | status DIR | primary DIR | wait-primary DIR [S]" \
      "| kill-primary DIR | start-node DIR NAME | stop DIR" >&2
    exit 2
    ;;
esac
