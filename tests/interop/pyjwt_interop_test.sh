#!/bin/bash
# Runs the PyJWT interoperability test under Debian's Python (python3-jwt lives in
# /usr/lib/python3/dist-packages; the python3 on PATH may be another build without it).
#
# Usage (from Bazel): pyjwt_interop_test.sh IDCTL_PATH
# In a sh_test the working directory is the runfiles root of the "identity" workspace, and
# IDCTL_PATH ($(location //client/idctl)) is relative to it: client/idctl/idctl.
set -euo pipefail

if [[ $# -lt 1 ]]; then
  echo "usage: $0 IDCTL_PATH [unittest args...]" >&2
  exit 2
fi

readonly PYTHON=/usr/bin/python3
readonly SCRIPT_REL=tests/interop/pyjwt_interop_test.py

# Find the runfiles root: the current directory under `bazel test`, otherwise
# $TEST_SRCDIR/identity, $RUNFILES_DIR/identity or the script's .runfiles tree (bazel run);
# outside Bazel fall back to the script's own directory.
script=""
for root in "." "${TEST_SRCDIR:+$TEST_SRCDIR/identity}" "${RUNFILES_DIR:+$RUNFILES_DIR/identity}" \
            "$0.runfiles/identity"; do
  if [[ -n "$root" && -f "$root/$SCRIPT_REL" ]]; then
    script="$root/$SCRIPT_REL"
    idctl_root="$root"
    break
  fi
done
if [[ -z "$script" ]]; then
  script="$(dirname "$0")/pyjwt_interop_test.py"
  idctl_root="."
fi

idctl="$1"
shift
if [[ "$idctl" != /* && ! -x "$idctl" && -x "$idctl_root/$idctl" ]]; then
  idctl="$idctl_root/$idctl"
fi

if ! "$PYTHON" -c 'import jwt, cryptography' 2>/dev/null; then
  echo "$PYTHON cannot import jwt/cryptography: install python3-jwt and python3-cryptography" >&2
  exit 1
fi

exec "$PYTHON" "$script" "$idctl" "$@"
