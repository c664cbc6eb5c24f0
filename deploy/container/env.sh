# shellcheck shell=bash disable=SC2034
# Sourced by the container scripts: podman reads deploy/container/containers.conf (runc, ulimits
# these hosts allow, no systemd) instead of the system's. Defines the image names.
container_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export CONTAINERS_CONF="$container_dir/containers.conf"
# The image build.sh makes, and the prefix of the offline base images it keeps for reuse.
IDENTITY_IMAGE=${IDENTITY_IMAGE:-localhost/identity-server:latest}
IDENTITY_BASE_REPO=localhost/identity-base
