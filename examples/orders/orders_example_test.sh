#!/bin/bash
# Runs orders_example_test.py under Debian's Python (python3-grpcio, python3-jwt,
# python3-cryptography). From Bazel the working directory is the runfiles root.
set -euo pipefail
readonly PYTHON=/usr/bin/python3
root=""
for candidate in "." "${TEST_SRCDIR:+$TEST_SRCDIR/identity}" "$0.runfiles/identity"; do
  if [[ -n "$candidate" && -f "$candidate/examples/orders/orders_example_test.py" ]]; then
    root=$(cd "$candidate" && pwd)
    break
  fi
done
[[ -n "$root" ]] || { echo "cannot find the runfiles" >&2; exit 1; }
if ! "$PYTHON" -c 'import grpc, google.protobuf, jwt, cryptography' 2>/dev/null; then
  echo "$PYTHON needs python3-grpcio, python3-protobuf, python3-jwt, python3-cryptography" >&2
  exit 1
fi
exec "$PYTHON" "$root/examples/orders/orders_example_test.py" "$root" "$@"
