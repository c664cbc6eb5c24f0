#!/usr/bin/env bash
# check_forbidden_edges.sh on made-up dependency lists: what "//pkg/..." and an exact label
# match, and that a violation fails the check.
set -uo pipefail

check=tests/architecture/check_forbidden_edges.sh
work=${TEST_TMPDIR:-$(mktemp -d)}
failures=0

cat >"$work/deps" <<'LIST'
//client/interceptor:interceptor
//server:random_source
//server/oauth:scope.h
//server_tools:lint
//storage2:store
@system//:grpc
@system//:grpc_reflection
LIST

# expect NAME STATUS PATTERN -- ARGS...: runs the checker, compares its exit status, and looks
# for PATTERN (a grep -E regex; "" for none) in its output.
expect() {
  local name=$1 status=$2 pattern=$3
  shift 4
  local output actual
  output=$("$check" "$@" 2>&1)
  actual=$?
  if ((actual != status)); then
    echo "FAIL $name: exit $actual, want $status; output:"$'\n'"$output"
    failures=$((failures + 1))
  elif [[ -n $pattern ]] && ! grep -qE -- "$pattern" <<<"$output"; then
    echo "FAIL $name: no \"$pattern\" in:"$'\n'"$output"
    failures=$((failures + 1))
  else
    echo "ok   $name"
  fi
}

expect "a package pattern covers the package and those below it" 1 \
  "FORBIDDEN: layer depends on //server/oauth:scope.h" -- layer "$work/deps" //server/... why
expect "it reports every label it covers" 1 \
  "2 forbidden dependencies" -- layer "$work/deps" //server/... why
expect "it does not cover a package that only shares the prefix" 0 \
  "no forbidden dependencies" -- layer "$work/deps" //storage/... why
expect "an exact label matches only itself" 1 \
  "^FORBIDDEN: layer depends on @system//:grpc \(@system//:grpc: why\)$" -- \
  layer "$work/deps" @system//:grpc why
expect "the reason is printed with the violation" 1 \
  "\(//client/\.\.\.: client may not\)" -- layer "$work/deps" //client/... "client may not"
expect "one violation among several rules fails the check" 1 "1 forbidden" -- \
  layer "$work/deps" //jwt/... why layer "$work/deps" //client/... why
: >"$work/empty"
expect "an empty dependency list is an error, not a pass" 2 "missing or empty" -- \
  layer "$work/empty" //server/... why
expect "arguments come in fours" 2 "usage" -- layer "$work/deps" //server/...

if ((failures > 0)); then
  echo "$failures failed"
  exit 1
fi
