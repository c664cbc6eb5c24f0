#!/usr/bin/env bash
# Makes the compose stack's PostgreSQL 15, haproxy 2.6 and Prometheus images from the Debian
# packages installed on this machine (host_rootfs.py: the files and the libraries they load), with
# no registry and nothing downloaded. An image already in container storage for the same package
# versions is reused. Prints nothing on stdout; sets nothing. docs/deploy.md.
#
#   deploy/compose/images.sh [--rebuild]
set -euo pipefail
cd "$(dirname "$0")/../.."
source deploy/container/env.sh
deploy/container/install-tools.sh
bazel/install-deps.sh  # postgresql, prometheus

rebuild=0
[[ "${1:-}" == "--rebuild" ]] && rebuild=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# make_image NAME PACKAGES ENTRYPOINT_JSON USER PATH... (STOPSIGNAL from $stop_signal): the image localhost/identity-stack-NAME,
# tagged with a digest of the package versions and this script.
make_image() {
  local name=$1 packages=$2 entrypoint=$3 user=$4
  shift 4
  local key tag rootfs="$work/$name"
  key=$( (dpkg-query -W $packages; cat "$0" deploy/compose/host_rootfs.py) | sha256sum | cut -c1-12)
  tag="localhost/identity-stack-$name:$key"
  if [[ $rebuild -eq 0 ]] && podman image exists "$tag"; then
    podman tag "$tag" "localhost/identity-stack-$name:latest"
    return
  fi
  mkdir -p "$rootfs/etc" "$rootfs/tmp"
  chmod 1777 "$rootfs/tmp"
  /usr/bin/python3 deploy/compose/host_rootfs.py "$rootfs" "$@"
  cp deploy/container/rootfs/etc/nsswitch.conf "$rootfs/etc/"
  printf 'root:x:0:0:root:/:/sbin/nologin\npostgres:x:999:999:PostgreSQL:/var/lib/postgresql:/sbin/nologin\nhaproxy:x:998:998:haproxy:/var/lib/haproxy:/sbin/nologin\nprometheus:x:997:997:Prometheus:/prometheus:/sbin/nologin\n' >"$rootfs/etc/passwd"
  printf 'root:x:0:\npostgres:x:999:\nhaproxy:x:998:\nprometheus:x:997:\n' >"$rootfs/etc/group"
  [[ -d "$work/extra-$name" ]] && cp -a "$work/extra-$name/." "$rootfs/"
  tar -C "$rootfs" --numeric-owner -cf - . |
    podman import --quiet --change "ENTRYPOINT $entrypoint" --change "USER $user" --change "STOPSIGNAL ${stop_signal:-SIGTERM}" \
      --change "ENV TZ=UTC" --message "identity stack: $name from Debian packages" - "$tag" >/dev/null
  podman tag "$tag" "localhost/identity-stack-$name:latest"
  echo "images.sh: made $tag" >&2
}

# PostgreSQL: initdb on first start (password from a mounted file), then postgres. initdb runs
# postgres through popen, which needs /bin/sh.
# The volume mounted on .../data takes the owner of the directory it covers.
mkdir -p "$work/extra-postgres/usr/local/bin" "$work/extra-postgres/var/lib/postgresql/data" \
  "$work/extra-postgres/var/run/postgresql"
chown -R 999:999 "$work/extra-postgres/var/lib/postgresql" "$work/extra-postgres/var/run/postgresql"
install -m 0555 deploy/compose/postgres-entrypoint.sh "$work/extra-postgres/usr/local/bin/"
pg=/usr/lib/postgresql/15
stop_signal=SIGINT make_image postgres "postgresql-15 bash dash tzdata" '["/usr/local/bin/postgres-entrypoint.sh"]' 999:999 \
  /bin/bash /bin/sh "$pg/bin/postgres" "$pg/bin/initdb" "$pg/bin/pg_isready" \
  "$pg/lib/plpgsql.so" "$pg/lib/dict_snowball.so" /usr/share/postgresql/15 /usr/share/zoneinfo \
  /usr/share/postgresql/15/man! /usr/share/zoneinfo/right!

# haproxy under catatonit: haproxy as PID 1 ignores SIGTERM.
mkdir -p "$work/extra-haproxy/var/lib/haproxy"
make_image haproxy "haproxy catatonit" \
  '["/usr/bin/catatonit", "--", "/usr/sbin/haproxy", "-W", "-db", "-f", "/usr/local/etc/haproxy/haproxy.cfg"]' \
  998:998 /usr/sbin/haproxy /usr/bin/catatonit

mkdir -p "$work/extra-prometheus/prometheus"
chown 997:997 "$work/extra-prometheus/prometheus"
make_image prometheus "prometheus" \
  '["/usr/bin/prometheus", "--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus", "--web.listen-address=0.0.0.0:9090"]' \
  997:997 /usr/bin/prometheus /usr/bin/promtool
