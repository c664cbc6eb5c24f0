#!/usr/bin/env bash
# Quick start: installs what is missing, builds idctl and walks through the JOSE core with it:
# a key, its JWKS, a signed token, decoding, verification, and a tampered token refused.
# (The token server and its PostgreSQL arrive with later work; this script will then start them.)
set -euo pipefail
cd "$(dirname "$0")/.."

bazel/install-deps.sh
bazel build -c opt //client:idctl
idctl="$(bazel info -c opt bazel-bin)/client/idctl/idctl"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

say idctl keys generate --alg ES256 --kid demo-key
"$idctl" keys generate --alg ES256 --kid demo-key | tee "$work/key.json"

say idctl keys jwks key.json
"$idctl" keys jwks "$work/key.json" | tee "$work/jwks.json"

exp=$(($(date +%s) + 600))
claims="{\"iss\":\"https://id.example\",\"sub\":\"alice\",\"aud\":\"orders-api\",\"exp\":$exp,\"scope\":\"orders.read\"}"
say idctl jwt sign --key key.json --typ at+jwt --claims "'$claims'"
token=$("$idctl" jwt sign --key "$work/key.json" --typ at+jwt --claims "$claims")
echo "$token"

say idctl jwt decode TOKEN
"$idctl" jwt decode "$token"

say idctl jwt verify --jwks jwks.json --iss https://id.example --aud orders-api --typ at+jwt TOKEN
"$idctl" jwt verify --jwks "$work/jwks.json" --iss https://id.example --aud orders-api \
  --typ at+jwt "$token"
echo "exit status: 0 (valid)"

say idctl jwt verify ... TAMPERED_TOKEN
tampered="${token%?}$( [[ "${token: -1}" == A ]] && echo B || echo A )"
if "$idctl" jwt verify --jwks "$work/jwks.json" "$tampered"; then
  echo "a tampered token verified: this is a bug" >&2
  exit 1
else
  echo "exit status: $? (invalid, as it must be)"
fi

printf '\nidctl is at %s; run "%s help" for every command.\n' "$idctl" "$idctl"
