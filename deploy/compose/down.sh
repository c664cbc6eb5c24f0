#!/usr/bin/env bash
# Stops the compose stack deploy/compose/up.sh started (replicas drain on SIGTERM). The database
# and the secrets stay for the next up.sh, unless --purge: then the volumes and .compose/NAME go
# too (the KEK only makes sense with the database it sealed keys in).
#
#   deploy/compose/down.sh [--project NAME] [--purge]
set -euo pipefail
cd "$(dirname "$0")/../.."
source deploy/container/env.sh
project=identity purge=0
while [[ $# -gt 0 ]]; do
  case $1 in
    --project) project=$2; shift 2 ;;
    --purge) purge=1; shift ;;
    *) echo "usage: $0 [--project NAME] [--purge]" >&2; exit 2 ;;
  esac
done
state="$(pwd)/.compose/$project"
set -a
[[ -f "$state/ports.env" ]] && source "$state/ports.env"
IDENTITY_COMPOSE_STATE=$state
set +a
compose=(podman-compose --project-name "$project" --file deploy/compose/compose.yaml)
if [[ $purge -eq 1 ]]; then
  "${compose[@]}" down --volumes >&2
  rm -rf "$state"
else
  "${compose[@]}" down >&2
fi
# podman-compose 1.0.3 leaves the project's network behind.
if podman network exists "${project}_default"; then
  podman network rm --force "${project}_default" >/dev/null
fi
