#!/bin/bash
# Runs oidc_http_test.js under the machine's Node.js (>= 20) with the npm packages that
# `npm ci` installed in the source tree's tests/oidc_http/node_modules.
#
# Usage (from Bazel): oidc_http_test.sh [--script NAME.js] SERVER_PATH IDCTL_PATH [--page-preview PATH]
#                     [--filter TEXT]
# NAME.js is a test script of this folder (default oidc_http_test.js; basic_op_test.js is the
# Basic OP certification plan's modules).
# Both paths ($(location ...)) are relative to the runfiles root of the "identity" workspace,
# which is the working directory under `bazel test`.
#
# Finding node_modules: they are not Bazel inputs (Debian's Bazel 4.2.3 has no npm rules, and
# the tree is large and machine-made). The runfiles hold a symlink to each source file in
# `data`; `readlink -f` of oidc_http_test.js leads back to the source tree's tests/oidc_http/,
# and the test runs from there, so Node resolves `openid-client` and `playwright-core` in the
# node_modules beside it (Node resolves the real path of the main module anyway). The same works
# outside Bazel: `tests/oidc_http/oidc_http_test.sh bazel-bin/server/identity-server
# bazel-bin/client/idctl/idctl`. The test checks that the installed versions are the ones
# package.json pins, and says to run `npm ci` when they are not.
set -euo pipefail

script_name=oidc_http_test.js
if [[ "${1:-}" == "--script" ]]; then
  script_name="$2"
  shift 2
fi
if [[ $# -lt 2 || ! "$script_name" =~ ^[a-z_]+\.js$ ]]; then
  echo "usage: $0 [--script NAME.js] SERVER_PATH IDCTL_PATH [--filter TEXT]" >&2
  exit 2
fi

readonly SCRIPT_REL="tests/oidc_http/$script_name"

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
idctl="$2"
shift 2
[[ "$server" == /* ]] || server="$root/$server"
[[ "$idctl" == /* ]] || idctl="$root/$idctl"

script=$(readlink -f "$root/$SCRIPT_REL")
source_dir=$(dirname "$script")
if [[ ! -d "$source_dir/node_modules/openid-client" || ! -d "$source_dir/node_modules/playwright-core" ]]; then
  echo "$source_dir/node_modules is missing or incomplete: run \`npm ci\` in tests/oidc_http" \
       "(tests/run_all.sh does)" >&2
  exit 1
fi
if ! command -v node >/dev/null; then
  echo "node is not on PATH (Node.js 20 or later is needed)" >&2
  exit 1
fi
[[ -x /usr/bin/psql ]] || { echo "/usr/bin/psql is missing (postgresql-client)" >&2; exit 1; }
[[ -x /usr/bin/chromium ]] || { echo "/usr/bin/chromium is missing: apt-get install chromium" >&2; exit 1; }
if [[ -z "${IDENTITY_TEST_DATABASE_URL:-}" ]]; then
  echo "IDENTITY_TEST_DATABASE_URL is not set: this test needs a PostgreSQL (docs/build.md;" \
       "tests/run_all.sh passes --test_env=IDENTITY_TEST_DATABASE_URL=...)" >&2
  exit 1
fi

exec node "$script" --server "$server" --idctl "$idctl" "$@"
