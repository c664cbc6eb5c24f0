#!/usr/bin/env bash
# Installs the Debian packages the container image and the compose stack need (podman with runc,
# podman-compose, mmdebstrap, skopeo, haproxy, catatonit) and writes the containers.conf these
# machines need. Kept apart from bazel/install-deps.sh so a plain build does not pull in a
# container engine; every entry point that builds or runs containers (deploy/container/build.sh,
# deploy/compose/up.sh, deploy/compose/ha_test.sh, tests/run_all.sh) calls it. Idempotent: when
# everything is present it only asks dpkg (well under a second).
#
# Prints nothing on stdout. Callers export CONTAINERS_CONF themselves (deploy/container/env.sh).
set -euo pipefail

packages=(
  # The engine, daemonless, and its network stack: netavark, aardvark-dns (a Recommends, not
  # installed by default) for the compose network's name resolution, and iptables, which netavark
  # runs to set up every bridge network and Debian's netavark does not depend on (without it a
  # container on a network fails to start: "netavark: No such file or directory").
  # runc, not crun: crun's setrlimit is refused on cgroup v1 hybrid hosts like these.
  podman runc buildah uidmap slirp4netns fuse-overlayfs netavark aardvark-dns iptables
  # The stack: podman-compose reads deploy/compose/compose.yaml.
  podman-compose
  # The base image from Debian's packages, offline from any registry; skopeo exports archives.
  mmdebstrap skopeo
  # The load balancer and an init for it inside the haproxy image (haproxy as PID 1 ignores
  # SIGTERM).
  haproxy catatonit
  # deploy/compose/up.sh asks for a token through the stack's HTTP front door.
  curl
)

source "$(dirname "${BASH_SOURCE[0]}")/../../bazel/apt_install.sh"
install_missing install-tools "${packages[@]}"
