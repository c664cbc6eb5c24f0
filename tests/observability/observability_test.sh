#!/bin/bash
# Runs observability_test.py under Debian's Python (python3-grpcio lives in
# /usr/lib/python3/dist-packages; the python3 on PATH may lack it).
#
# Usage (from Bazel): observability_test.sh SERVER_PATH [-k PATTERN]
set -euo pipefail

readonly PYTHON=/usr/bin/python3
readonly SCRIPT_REL=tests/observability/observability_test.py

root=""
for candidate in "." "${TEST_SRCDIR:+$TEST_SRCDIR/identity}" "${RUNFILES_DIR:+$RUNFILES_DIR/identity}" \
                 "$0.runfiles/identity" "$(dirname "$0")/../.."; do
  if [[ -n "$candidate" && -f "$candidate/$SCRIPT_REL" ]]; then
    root=$(cd "$candidate" && pwd)
    break
  fi
done
[[ -n "$root" ]] || { echo "cannot find $SCRIPT_REL in the runfiles" >&2; exit 1; }

server="$1"
shift
[[ "$server" == /* ]] || server="$root/$server"

for tool in /usr/bin/prometheus /usr/bin/promtool /usr/bin/protoc /usr/bin/grpc_python_plugin; do
  [[ -x "$tool" ]] || { echo "$tool is missing (bazel/install-deps.sh installs it)" >&2; exit 1; }
done
exec "$PYTHON" "$root/$SCRIPT_REL" --server "$server" --root "$root" "$@"
