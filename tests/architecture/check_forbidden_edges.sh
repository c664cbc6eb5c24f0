#!/usr/bin/env bash
# Fails when a layer reaches what it must not. Bazel cannot run inside a test, so the dependency
# lists are computed at build time by genquery (layering.bzl) and handed over as files.
#
#   check_forbidden_edges.sh LAYER DEPS_FILE FORBIDDEN WHY [LAYER DEPS_FILE FORBIDDEN WHY]...
#
# DEPS_FILE: one label per line, everything LAYER depends on (genquery's output).
# FORBIDDEN: "//pkg/..." means the package //pkg and every package below it (as in a target
# pattern); anything else is one exact label, such as "@system//:grpc".
# Prints one line per forbidden label found; exits 1 if there was any, 2 on bad arguments.
set -euo pipefail

if (($# == 0 || $# % 4 != 0)); then
  echo "usage: $0 LAYER DEPS_FILE FORBIDDEN WHY [...]" >&2
  exit 2
fi

# The labels of DEPS_FILE that FORBIDDEN names.
matches() {
  local deps_file=$1 forbidden=$2
  if [[ $forbidden == */... ]]; then
    local package=${forbidden%/...}
    # "//server/..." covers //server:x and //server/oauth:y, not //server_tools:z.
    awk -v p="$package" 'index($0, p ":") == 1 || index($0, p "/") == 1' "$deps_file"
  else
    awk -v p="$forbidden" '$0 == p' "$deps_file"
  fi
}

violations=0
while (($# > 0)); do
  layer=$1 deps_file=$2 forbidden=$3 why=$4
  shift 4
  if [[ ! -s $deps_file ]]; then
    # An empty list would make every rule pass: the query, not the code, is broken.
    echo "layer $layer: $deps_file is missing or empty" >&2
    exit 2
  fi
  while IFS= read -r label; do
    echo "FORBIDDEN: $layer depends on $label ($forbidden: $why)"
    violations=$((violations + 1))
  done < <(matches "$deps_file" "$forbidden")
done

if ((violations > 0)); then
  echo "$violations forbidden dependencies. The path to one:" \
    "bazel query 'somepath(<a target of the layer>, <label>)'"
  exit 1
fi
echo "no forbidden dependencies"
