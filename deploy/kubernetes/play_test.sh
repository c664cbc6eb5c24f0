#!/usr/bin/env bash
# Runs deploy/kubernetes/base for real with `podman kube play` (no Kubernetes cluster needed):
#
#   1. a podman network of its own, and on it a PostgreSQL pod (a Pod manifest);
#   2. the base rendered with `kubectl kustomize` through a throwaway overlay that podman can
#      play: one replica, every container port published on 127.0.0.1 only (podman 4.3
#      publishes a port without hostPort on all addresses), and the kinds podman does not play
#      (Services, autoscaler, PDB, NetworkPolicy, ServiceAccount) left out. The Secrets
#      identity-secrets and identity-db-app are made for this run as podman secrets (random
#      KEK and admin secret, the PostgreSQL pod's address in the URL);
#   3. waits, bounded, for /readyz on the published management port, then checks that every
#      published port is on 127.0.0.1 and that the server runs as UID 65532 with a read-only
#      root and no capabilities (the base's securityContext, as podman applied it);
#   4. gets a client_credentials token with idctl as the bootstrap admin through the published
#      gRPC port, fetches the JWKS the same way, and verifies the token against it (iss, aud,
#      typ at+jwt);
#   5. removes the pods, the secrets, the network and the temporary files, whatever happened.
#
# Where podman 4.3 (Debian 12) differs from Kubernetes, the overlay works around it, and says
# so: Secret objects of a manifest are stored in a form its own secretKeyRef cannot read, and a
# Secret volume's files keep their base64 encoding, so the KEK goes in as IDENTITY_KEK from the
# secret instead of the file /etc/identity/kek/kek. Probes are not run (podman turns the
# liveness probe into a systemd health check, and logs that there is no systemd here).
#
# Usage: deploy/kubernetes/play_test.sh [--results FILE] [IDCTL]
#   IDCTL                  idctl binary (default bazel-bin/client/idctl/idctl)
#   IDENTITY_IMAGE         the server image (default localhost/identity-server:latest, as
#                          deploy/container/ builds it)
#   POSTGRES_IMAGE         the compose stack's PostgreSQL 15 image (default
#                          localhost/identity-stack-postgres:latest, made by
#                          deploy/compose/images.sh from the machine's Debian packages, in
#                          seconds, if absent): its entrypoint makes the cluster and database
#   --results FILE         also write "<case> PASSED|FAILED" lines (tests/summarize_results.py)
#
# Needs podman (runc), kubectl 1.27+, curl, and /usr/bin/python3 (free ports). All traffic stays on
# 127.0.0.1 and on the podman network the script creates. Exit status 0 when every step passed.
set -euo pipefail
cd "$(dirname "$0")/../.."
# The same podman settings as the image and the compose stack (runc, the ulimits these hosts
# allow, cgroupfs, netavark): deploy/container/env.sh. An existing CONTAINERS_CONF wins.
conf=${CONTAINERS_CONF:-}
source deploy/container/env.sh
[[ -z "$conf" ]] || export CONTAINERS_CONF=$conf

results=""
if [[ "${1:-}" == "--results" ]]; then
  results=$2
  shift 2
fi
idctl_arg=${1:-bazel-bin/client/idctl/idctl}
idctl=$(readlink -f "$idctl_arg" || true)
image=${IDENTITY_IMAGE:-localhost/identity-server:latest}
pg_image=${POSTGRES_IMAGE:-localhost/identity-stack-postgres:latest}
readonly READY_SECONDS=120

cases=()
# record CASE PASSED|FAILED [DETAIL]: CASE is one word (tests/summarize_results.py's format).
record() { cases+=("$1 $2"); echo "play_test: $1 $2${3:+ ($3)}"; }
write_results() {
  [[ -n "$results" ]] || return 0
  ((${#cases[@]})) || cases+=("play_test_setup FAILED")
  printf '%s\n' "${cases[@]}" >"$results"
}
# Until the full clean-up below is in place, a failed check still leaves a results file.
trap write_results EXIT
fail() { echo "play_test: $*" >&2; exit 1; }
command -v podman >/dev/null || fail "podman is not installed (apt-get install podman runc)"
command -v kubectl >/dev/null || fail "kubectl is not on PATH"
[[ -n "$idctl" && -x "$idctl" ]] || fail "no idctl at $idctl_arg (bazel build //client/idctl)"
podman image exists "$image" || fail "no image $image (deploy/container/ builds it; or set IDENTITY_IMAGE)"

work=$(mktemp -d /tmp/identity-play.XXXXXX)
run_id=$(basename "$work" | tr 'A-Z.' 'a-z-')
network="$run_id"

cleanup() {
  local rc=$?
  if ((rc != 0)) && [[ -f "$work/identity.yaml" ]]; then
    podman ps -a --filter "name=$run_id" --format '{{.Names}} {{.Status}} {{.Ports}}' >&2 || true
    echo "play_test: the server's log:" >&2
    podman logs --tail 40 "${run_id}-identity-pod-0-identity-server" >&2 2>/dev/null || true
    podman logs --tail 20 "${run_id}-postgres-postgres" >&2 2>/dev/null || true
  fi
  if [[ -f "$work/identity.yaml" ]]; then podman kube down "$work/identity.yaml" >/dev/null 2>&1 || true; fi
  if [[ -f "$work/postgres.yaml" ]]; then podman kube down "$work/postgres.yaml" >/dev/null 2>&1 || true; fi
  # This run's podman secrets (`kube down` leaves secrets).
  local secret
  for secret in $(podman secret ls --format '{{.Name}}' 2>/dev/null | grep "^$run_id-" || true); do
    podman secret rm "$secret" >/dev/null 2>&1 || true
  done
  podman network rm -f "$network" >/dev/null 2>&1 || true
  write_results
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT

# The compose stack's PostgreSQL image, made from the machine's own Debian packages.
podman image exists "$pg_image" || deploy/compose/images.sh >&2 ||
  fail "no image $pg_image, and deploy/compose/images.sh could not make it"

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
random_text() { head -c "$1" /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n'; }
grpc_port=$(free_port)
management_port=$(free_port)
http_port=$(free_port)
pg_password=$(random_text 24)
admin_secret=$(random_text 32)

podman network create "$network" >/dev/null

# 1. PostgreSQL: a Pod manifest running the image's own entrypoint, which makes the cluster (the
# superuser identity, its password from /run/secrets/db-password, scram-sha-256 from the
# network) and the database identity; its data stay in the container, thrown away with it.
printf '%s' "$pg_password" >"$work/db-password"
chown 999:999 "$work/db-password"
chmod 0400 "$work/db-password"
cat >"$work/postgres.yaml" <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: ${run_id}-postgres
spec:
  restartPolicy: Never
  containers:
    - name: postgres
      image: ${pg_image}
      volumeMounts:
        - name: db-password
          mountPath: /run/secrets/db-password
          readOnly: true
  volumes:
    - name: db-password
      hostPath:
        path: ${work}/db-password
        type: File
EOF
if ! podman kube play --network "$network" "$work/postgres.yaml" >/dev/null; then
  record postgres_pod_ready FAILED "podman kube play failed"
  fail "podman kube play of the PostgreSQL pod failed"
fi
pg_container="${run_id}-postgres-postgres"
pg_ready=""
for _ in $(seq 1 60); do
  # Ready once the entrypoint's own start (after initdb and CREATE DATABASE) accepts connections.
  if podman exec "$pg_container" /usr/lib/postgresql/15/bin/pg_isready -q \
    -h /var/run/postgresql -d identity -U identity 2>/dev/null; then
    pg_ready=1
    break
  fi
  sleep 0.5
done
[[ -n "$pg_ready" ]] || { record postgres_pod_ready FAILED "not within 30 s"; fail "PostgreSQL did not start"; }
pg_ip=$(podman inspect "$pg_container" \
  --format "{{(index .NetworkSettings.Networks \"$network\").IPAddress}}")
[[ "$pg_ip" =~ ^[0-9.]+$ ]] || fail "no address for PostgreSQL on $network: $pg_ip"
record postgres_pod_ready PASSED

# 2. The base, rendered through an overlay podman can play.
cp -r deploy/kubernetes/base "$work/base"
mkdir -p "$work/play"
# The Secrets as podman secrets of this run's own names. podman 4.3 cannot use the Secret
# objects of a manifest for env: it stores them as YAML and reads secretKeyRef as JSON
# ({"key": base64, ...}); so the script makes them itself, in that form.
kek=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
b64() { printf '%s' "$1" | base64 -w0; }
secrets_secret="${run_id}-identity-secrets"
db_secret="${run_id}-identity-db-app"
printf '{"kek":"%s","bootstrap-admin-client-id":"%s","bootstrap-admin-client-secret":"%s"}' \
  "$(b64 "$kek")" "$(b64 admin)" "$(b64 "$admin_secret")" |
  podman secret create "$secrets_secret" - >/dev/null
printf '{"uri":"%s"}' \
  "$(b64 "postgresql://identity:$pg_password@$pg_ip:5432/identity")" |
  podman secret create "$db_secret" - >/dev/null
image_name=${image%:*}
image_tag=${image##*:}
[[ "$image" == *:* && "$image_tag" != */* ]] || { image_name=$image; image_tag=latest; }
drop() { printf '  - patch: |-\n      $patch: delete\n      apiVersion: %s\n      kind: %s\n      metadata:\n        name: %s\n' "$1" "$2" "$3"; }
{
  cat <<EOF
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
# Names of this run's own, beside anything else podman runs.
namePrefix: ${run_id}-
resources:
  - ../base
configMapGenerator:
  - name: identity-config
    behavior: merge
    literals:
      - IDENTITY_ISSUER=http://localhost:8080
images:
  - name: localhost/identity-server
    newName: ${image_name}
    newTag: "${image_tag}"
patches:
  - target:
      kind: Deployment
      name: identity
    patch: |-
      - op: add
        path: /spec/replicas
        value: 1
      - op: add
        path: /spec/template/spec/containers/0/ports/0/hostIP
        value: 127.0.0.1
      - op: add
        path: /spec/template/spec/containers/0/ports/0/hostPort
        value: ${grpc_port}
      # podman 4.3 publishes a port without hostPort on every address of the host: give the
      # HTTP port a loopback one too, though the test does not use it.
      - op: add
        path: /spec/template/spec/containers/0/ports/1/hostIP
        value: 127.0.0.1
      - op: add
        path: /spec/template/spec/containers/0/ports/1/hostPort
        value: ${http_port}
      - op: add
        path: /spec/template/spec/containers/0/ports/2/hostIP
        value: 127.0.0.1
      - op: add
        path: /spec/template/spec/containers/0/ports/2/hostPort
        value: ${management_port}
      # podman 4.3 mounts a Secret volume's values still base64-encoded (and dereferences an
      # unset "optional"): the KEK goes in by IDENTITY_KEK from the same secret instead of
      # the file. Everything else is the base's.
      - op: test
        path: /spec/template/spec/containers/0/env/0/name
        value: IDENTITY_KEK_FILE
      - op: replace
        path: /spec/template/spec/containers/0/env/0
        value:
          name: IDENTITY_KEK
          valueFrom:
            secretKeyRef:
              name: ${secrets_secret}
              key: kek
      - op: replace
        path: /spec/template/spec/containers/0/env/1/valueFrom/secretKeyRef/name
        value: ${db_secret}
      - op: replace
        path: /spec/template/spec/containers/0/env/2/valueFrom/secretKeyRef/name
        value: ${secrets_secret}
      - op: replace
        path: /spec/template/spec/containers/0/env/3/valueFrom/secretKeyRef/name
        value: ${secrets_secret}
      - op: remove
        path: /spec/template/spec/containers/0/volumeMounts
      - op: remove
        path: /spec/template/spec/volumes
EOF
  drop v1 ServiceAccount identity
  drop v1 Service identity-grpc
  drop v1 Service identity-http
  drop v1 Service identity-headless
  drop policy/v1 PodDisruptionBudget identity
  drop autoscaling/v2 HorizontalPodAutoscaler identity
  drop networking.k8s.io/v1 NetworkPolicy identity
} >"$work/play/kustomization.yaml"
kubectl kustomize "$work/play" >"$work/identity.yaml"
record base_rendered_for_podman PASSED

if ! podman kube play --network "$network" "$work/identity.yaml" >/dev/null; then
  record identity_pod_started FAILED "podman kube play failed"
  fail "podman kube play of the rendered base failed"
fi
ready=""
deadline=$((SECONDS + READY_SECONDS))
while ((SECONDS < deadline)); do
  if curl -sf --max-time 2 "http://127.0.0.1:$management_port/readyz" >/dev/null; then
    ready=1
    break
  fi
  sleep 1
done
if [[ -z "$ready" ]]; then
  record identity_pod_ready FAILED "no /readyz within ${READY_SECONDS} s"
  fail "the identity pod did not become ready"
fi
record identity_pod_ready PASSED "/readyz after $((SECONDS + READY_SECONDS - deadline)) s"

# Every published port is on 127.0.0.1.
published=$(podman port "${run_id}-identity-pod-0-identity-server" 2>/dev/null || true)
if [[ -n "$published" ]] && ! grep -qv ' -> 127\.0\.0\.1:' <<<"$published"; then
  record ports_on_loopback_only PASSED
else
  record ports_on_loopback_only FAILED "$(tr '\n' ' ' <<<"$published")"
  exit 1
fi

# The base's security context, as podman applied it.
server_container="${run_id}-identity-pod-0-identity-server"
security=$(podman inspect "$server_container" \
  --format '{{.Config.User}} {{.HostConfig.ReadonlyRootfs}} {{len .EffectiveCaps}}')
if [[ "$security" == "65532:65532 true 0" || "$security" == "65532 true 0" ]]; then
  record non_root_read_only_no_capabilities PASSED
else
  record non_root_read_only_no_capabilities FAILED "user, read-only, capabilities: $security"
  exit 1
fi

# 4. A token through the published gRPC port, verified against the server's JWKS.
export IDENTITY_CLIENT_SECRET="$admin_secret"
if ! "$idctl" token --server "127.0.0.1:$grpc_port" --client-id admin --scope identity.admin \
    --timeout 10 >"$work/token.json"; then
  record client_credentials_token FAILED "through 127.0.0.1:$grpc_port"
  fail "idctl token failed"
fi
record client_credentials_token PASSED
token=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["access_token"])' "$work/token.json")
"$idctl" keys jwks --server "127.0.0.1:$grpc_port" --timeout 10 >"$work/jwks.json"
if "$idctl" jwt verify --jwks "$work/jwks.json" --iss http://localhost:8080 \
    --aud http://localhost:8080 --typ at+jwt "$token" >/dev/null; then
  record token_verifies_against_jwks PASSED
else
  record token_verifies_against_jwks FAILED
  exit 1
fi
echo "play_test: passed"
