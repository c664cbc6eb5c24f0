#!/usr/bin/env bash
# The high-availability test on the compose stack: builds the images (deploy/container/build.sh,
# deploy/compose/images.sh), starts a stack of its own (project identity-ha-PID, every port a free
# one on 127.0.0.1), runs ha_test.py (load through haproxy while a replica is killed, every replica
# restarted in turn, PostgreSQL restarted; then every token checked against every replica's JWKS),
# and removes the stack, its volumes and its secrets.
#
#   deploy/compose/ha_test.sh RESULTS_FILE [--fastbuild] [--report FILE]
#
# Appends `<case> PASSED|FAILED` lines to RESULTS_FILE (tests/summarize_results.py --results);
# a step that breaks before the cases run appends `ha_stack FAILED`. Exit 0 when every case
# passed. --fastbuild: the binaries of `bazel test //...` (tests/run_all.sh) instead of -c opt.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
source deploy/container/env.sh

results=$(realpath -m "${1:?usage: $0 RESULTS_FILE [--fastbuild] [--report FILE]}")
shift
build_args=() report=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --fastbuild) build_args+=(--fastbuild); shift ;;
    --report) report=(--report "$(realpath -m "$2")"); shift 2 ;;
    *) echo "usage: $0 RESULTS_FILE [--fastbuild] [--report FILE]" >&2; exit 2 ;;
  esac
done
log() { echo "ha_test.sh: $*" >&2; }
broken() { log "$*"; echo "ha_stack FAILED" >>"$results"; exit 1; }

project="identity-ha-$$"
start=$SECONDS
cleanup() { deploy/compose/down.sh --project "$project" --purge >/dev/null 2>&1; }
trap cleanup EXIT

deploy/container/build.sh "${build_args[@]}" >/dev/null || broken "the image did not build"
deploy/compose/images.sh || broken "the stack's images did not build"
log "images ready after $((SECONDS - start)) s"
# Port 0: a free port each, chosen by up.sh.
IDENTITY_GRPC_PORT=0 IDENTITY_HTTP_PORT=0 IDENTITY_PROMETHEUS_PORT=0 IDENTITY_HAPROXY_STATS_PORT=0 \
  IDENTITY_SKIP_BUILD=1 deploy/compose/up.sh --project "$project" >/dev/null ||
  broken "the stack did not start"
log "stack up after $((SECONDS - start)) s"
source ".compose/$project/ports.env"
/usr/bin/python3 deploy/compose/ha_test.py --project "$project" --state ".compose/$project" \
  --grpc-port "$IDENTITY_GRPC_PORT" --http-port "$IDENTITY_HTTP_PORT" --results "$results" \
  "${report[@]}"
rc=$?
log "done after $((SECONDS - start)) s (rc $rc)"
exit $rc
