#!/bin/bash
# Runs connection_flood_test.py under Debian's Python (python3-grpcio lives in
# /usr/lib/python3/dist-packages; the python3 on PATH may lack it).
#
# Usage (from Bazel): connection_flood_test.sh SERVER_PATH [-k PATTERN]
set -euo pipefail

readonly PYTHON=/usr/bin/python3
readonly SCRIPT_REL=tests/flood/connection_flood_test.py

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
"$PYTHON" -c 'import grpc' 2>/dev/null || { echo "$PYTHON cannot import grpc: install python3-grpcio" >&2; exit 1; }
exec "$PYTHON" "$root/$SCRIPT_REL" --server "$server" "$@"
