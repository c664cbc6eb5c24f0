#!/usr/bin/env bash
# Builds the identity image offline: identity-server and idctl with `bazel build -c opt`, a base
# image of exactly their runtime libraries made from Debian's packages with mmdebstrap (reused from
# container storage when it already holds one for the same packages and libraries), then
# Containerfile with `podman build --network=none --pull=never`. Nothing but Debian packages is
# downloaded. docs/deploy.md.
#
#   deploy/container/build.sh [--archive FILE] [--rebuild-base] [--tag IMAGE] [--fastbuild]
#
#   --archive FILE   also write the image as a docker-archive FILE (`docker load -i FILE`,
#                    `podman load -i FILE`)
#   --rebuild-base   make the base again even when container storage holds one
#   --tag IMAGE      the image's name (default localhost/identity-server:latest)
#   --fastbuild      Bazel's default compilation mode instead of -c opt: the binaries
#                    `bazel test //...` already built (tests/run_all.sh), no second compile
#
# Prints the image name on stdout, its size and timings on stderr. Runs as root (mmdebstrap in
# root mode, podman's system storage).
set -euo pipefail
cd "$(dirname "$0")/../.."
source deploy/container/env.sh

archive="" rebuild_base=0 mode=(-c opt)
while [[ $# -gt 0 ]]; do
  case $1 in
    --archive) archive=$(realpath -m "$2"); shift 2 ;;
    --rebuild-base) rebuild_base=1; shift ;;
    --tag) IDENTITY_IMAGE=$2; shift 2 ;;
    --fastbuild) mode=(); shift ;;
    *) echo "usage: $0 [--archive FILE] [--rebuild-base] [--tag IMAGE] [--fastbuild]" >&2; exit 2 ;;
  esac
done

log() { echo "build.sh: $*" >&2; }
start=$SECONDS
bazel/install-deps.sh
deploy/container/install-tools.sh

bazel build "${mode[@]}" //server:identity-server //client:idctl >&2
bin=$(bazel info "${mode[@]}" bazel-bin 2>/dev/null)
binaries=("$bin/server/identity-server" "$bin/client/idctl/idctl")

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The shared libraries the binaries load (their sonames), which the base must hold.
sonames() {
  ldd "${binaries[@]}" | awk '$2 == "=>" {print $1} $1 ~ /^\/.*ld-linux/ {print $1}' | sort -u
}

# Makes the base: the Debian packages of runtime-packages.txt (with what they depend on) extracted
# without a shell or package manager, then pruned to the files the binaries' libraries are. Its tag
# names a digest of the package list, the sonames and this recipe, so storage that holds it already
# is reused and a new library makes a new base. IDENTITY_DEBIAN_MIRROR: another Debian mirror
# (default http://deb.debian.org).
ensure_base() {
  local key tag
  key=$( (cat deploy/container/runtime-packages.txt deploy/container/prune_rootfs.py; sonames
    sed -n '/^ensure_base()/,/^}/p' "$0") | sha256sum | cut -c1-12)
  tag="$IDENTITY_BASE_REPO:bookworm-$key"
  if [[ $rebuild_base -eq 0 ]] && podman image exists "$tag"; then
    log "reusing base $tag"
    echo "$tag"
    return
  fi
  local begin=$SECONDS rootfs="$work/rootfs" mirror=${IDENTITY_DEBIAN_MIRROR:-http://deb.debian.org}
  log "making base $tag with mmdebstrap (downloads Debian packages from $mirror)"
  mmdebstrap --quiet --variant=extract --mode=root \
    --include="$(grep -v '^#' deploy/container/runtime-packages.txt | paste -sd, -)" \
    --extract-hook='ls "$1/var/cache/apt/archives" | grep "\.deb$" > "$1/debian-packages.txt"' \
    bookworm "$rootfs" \
    "deb $mirror/debian bookworm main" "deb $mirror/debian bookworm-updates main" \
    "deb $mirror/debian-security bookworm-security main" >&2
  /usr/bin/python3 deploy/container/prune_rootfs.py "$rootfs" "${binaries[@]}" >&2
  tar -C "$rootfs" --numeric-owner -cf - . |
    podman import --quiet --message "identity runtime base (mmdebstrap)" - "$tag" >/dev/null
  log "base $tag made in $((SECONDS - begin)) s"
  echo "$tag"
}

base=$(ensure_base)
context="$work/context"
mkdir -p "$context"
cp -r deploy/container/Containerfile deploy/container/runtime-packages.txt \
  deploy/container/rootfs "$context/"
install -m 0555 "${binaries[@]}" "$context/"
podman build --quiet --network=none --pull=never --format docker \
  --build-arg BASE="$base" --build-arg RUNTIME=prebuilt -t "$IDENTITY_IMAGE" "$context" >/dev/null

# Both binaries load in the image, as the image's user, with a read-only root and no network.
podman run --rm --network=none --read-only --no-healthcheck "$IDENTITY_IMAGE" --help >/dev/null
podman run --rm --network=none --read-only --no-healthcheck --entrypoint /usr/local/bin/idctl "$IDENTITY_IMAGE" \
  help >/dev/null
size=$(podman image inspect --format '{{.Size}}' "$IDENTITY_IMAGE")
log "$IDENTITY_IMAGE: $((size / 1000000)) MB ($size bytes), built in $((SECONDS - start)) s"
if [[ -n "$archive" ]]; then
  rm -f "$archive"
  podman save --quiet --format docker-archive -o "$archive" "$IDENTITY_IMAGE"
  log "archive $archive: $(($(stat -c %s "$archive") / 1000000)) MB (docker load -i / podman load -i)"
fi
echo "$IDENTITY_IMAGE"
