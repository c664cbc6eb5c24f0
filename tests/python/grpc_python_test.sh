#!/bin/bash
# Runs one of the Python tests that drive identity-server over gRPC (tests/grpc_interop,
# tests/login_flow) under Debian's Python (python3-grpcio, python3-protobuf and
# python3-jwt live in /usr/lib/python3/dist-packages; the python3 on PATH may lack them).
#
# Usage (from Bazel): grpc_python_test.sh SCRIPT SERVER_PATH [unittest args...]
# SCRIPT is the test's path from the workspace root (tests/login_flow/login_flow_test.py).
# SERVER_PATH ($(location //server:identity-server)) is relative to the runfiles root of the
# "identity" workspace, which is the working directory under `bazel test`.
set -euo pipefail

readonly PYTHON=/usr/bin/python3
if [[ $# -lt 2 ]]; then
  echo "usage: $0 SCRIPT SERVER_PATH [unittest args...]" >&2
  exit 2
fi
readonly SCRIPT_REL="$1"
shift

# The runfiles root, or outside Bazel the source tree.
root=""
for candidate in "." "${TEST_SRCDIR:+$TEST_SRCDIR/identity}" "${RUNFILES_DIR:+$RUNFILES_DIR/identity}" \
                 "$0.runfiles/identity" "$(dirname "$0")/../.."; do
  if [[ -n "$candidate" && -f "$candidate/$SCRIPT_REL" ]]; then
    root=$(cd "$candidate" && pwd)
    break
  fi
done
if [[ -z "$root" ]]; then
  echo "cannot find $SCRIPT_REL in the runfiles" >&2
  exit 1
fi

server="$1"
shift
[[ "$server" == /* ]] || server="$root/$server"

if [[ -z "${IDENTITY_TEST_DATABASE_URL:-}" ]]; then
  echo "IDENTITY_TEST_DATABASE_URL is not set: this test needs a PostgreSQL (docs/build.md;" \
       "tests/run_all.sh passes --test_env=IDENTITY_TEST_DATABASE_URL=...)" >&2
  exit 1
fi
for tool in /usr/bin/psql /usr/bin/protoc /usr/bin/grpc_python_plugin; do
  [[ -x "$tool" ]] || { echo "$tool is missing (postgresql-client, protobuf-compiler-grpc)" >&2; exit 1; }
done
if ! "$PYTHON" -c 'import grpc, google.protobuf, jwt, cryptography' 2>/dev/null; then
  echo "$PYTHON cannot import grpc/google.protobuf/jwt/cryptography: install python3-grpcio," \
       "python3-protobuf, python3-jwt and python3-cryptography" >&2
  exit 1
fi

exec "$PYTHON" "$root/$SCRIPT_REL" --server "$server" --proto-root "$root/proto" "$@"
