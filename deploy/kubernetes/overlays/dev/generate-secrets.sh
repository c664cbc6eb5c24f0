#!/usr/bin/env bash
# Makes the dev overlay's secrets in secrets/ (git-ignored) once: a random KEK, a bootstrap
# admin client id and secret, a PostgreSQL password and the database URL built from it. Files
# that exist are kept, so the KEK that sealed the signing keys stays the same. Kustomize's
# secretGenerator (kustomization.yaml) turns them into the Secrets identity-secrets and
# identity-db-app. Prints nothing secret.
set -euo pipefail
dir="$(cd "$(dirname "$0")" && pwd)/secrets"
umask 077
mkdir -p "$dir"

# random_text BYTES: that many random bytes as URL-safe text without padding.
random_text() { head -c "$1" /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n'; }

make_file() {  # make_file NAME VALUE: written without a newline (Secret values are verbatim)
  [[ -s "$dir/$1" ]] && return 0
  printf '%s' "$2" >"$dir/$1"
  echo "generated secrets/$1"
}

make_file kek "$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
make_file bootstrap-admin-client-id "admin"
make_file bootstrap-admin-client-secret "$(random_text 32)"
make_file postgres-username "identity"
make_file postgres-password "$(random_text 24)"
make_file database-uri \
  "postgresql://identity:$(cat "$dir/postgres-password")@identity-postgres:5432/identity"
