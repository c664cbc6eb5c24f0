#!/usr/bin/env bash
# Validates the monitoring files of identity-server:
#   1. promtool check config prometheus.yml
#   2. promtool check rules alerts.yml
#   3. promtool test rules alerts_test.yml (unit tests of the alerts)
#   4. ../grafana/identity.json: valid JSON; every panel has a datasource and
#      targets; every PromQL expression only uses the metric names identity-server
#      exports (ALLOWED below) and filters them on $job and $instance; every
#      expression parses (promtool check rules on a generated file of recording
#      rules, with the Grafana variables replaced by sample values).
# Needs promtool (Debian/Ubuntu package "prometheus") and /usr/bin/python3.
# Exits non-zero and says what failed if any check fails.
set -euo pipefail
cd "$(dirname "$0")"

dashboard=${DASHBOARD:-../grafana/identity.json}  # DASHBOARD=path overrides
failed=()

run() {
  local name=$1
  shift
  echo "== $name"
  if "$@"; then
    echo "-- ok: $name"
  else
    echo "-- FAILED: $name" >&2
    failed+=("$name")
  fi
}

command -v promtool >/dev/null || { echo "promtool not found (apt-get install prometheus)" >&2; exit 1; }

run "promtool check config prometheus.yml" promtool check config prometheus.yml
run "promtool check rules alerts.yml" promtool check rules alerts.yml
run "promtool test rules alerts_test.yml" promtool test rules alerts_test.yml

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

check_dashboard() {
  local status=0
  /usr/bin/python3 - "$dashboard" "$tmp/dashboard_exprs.yml" <<'PY' || status=1
import json
import re
import sys

ALLOWED = {
    "grpc_server_started_total",
    "grpc_server_handled_total",
    "grpc_server_handling_seconds_bucket",
    "grpc_server_handling_seconds_sum",
    "grpc_server_handling_seconds_count",
    "identity_auth_decisions_total",
    "identity_tokens_issued_total",
    "identity_token_errors_total",
    "identity_token_validations_total",
    "identity_jwks_refreshes_total",
    "identity_signing_key_age_seconds",
    "identity_signing_key_rotation_period_seconds",
    "identity_refresh_token_reuse_detected_total",
    "identity_login_failures_total",
    "identity_db_up",
    "identity_db_pool_connections",
    "identity_db_pool_waiting",
    "identity_db_pool_size",
    "identity_db_query_duration_seconds_bucket",
    "identity_db_query_duration_seconds_sum",
    "identity_db_query_duration_seconds_count",
    "identity_db_errors_total",
    "process_resident_memory_bytes",
    "process_cpu_seconds_total",
    "process_start_time_seconds",
    "process_open_fds",
}
# Bare words of PromQL that are not metric names (functions and aggregations
# are recognised by the "(" that follows them).
KEYWORDS = {"and", "or", "unless", "bool", "by", "without", "on", "ignoring",
            "group_left", "group_right", "offset", "inf", "nan"}
# Sample values for Grafana's variables, to parse the expressions offline.
GRAFANA_VARS = {"__rate_interval": "5m", "__interval": "1m", "__range": "1h",
                "__range_s": "3600", "__interval_ms": "60000"}

path, rules_out = sys.argv[1], sys.argv[2]
errors = []

try:
    with open(path) as f:
        dash = json.load(f)
except (OSError, ValueError) as e:
    print(f"{path}: not valid JSON: {e}")
    sys.exit(1)


def strip_strings(expr):
    return re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`', '""', expr)


def metric_names(expr):
    s = strip_strings(expr)
    s = re.sub(r"\{[^}]*\}", " ", s)          # label matchers
    s = re.sub(r"\[[^\]]*\]", " ", s)         # ranges and subqueries
    s = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\(\s*[\w\s,]*\)", " ", s)
    s = re.sub(r"\boffset\s+-?[0-9a-z$_]+", " ", s)
    s = re.sub(r"\$\{?\w+(:\w+)?\}?", " ", s)  # Grafana variables
    names = []
    for m in re.finditer(r"(?<![\w.:])[A-Za-z_:][A-Za-z0-9_:]*", s):
        word = m.group(0)
        if re.match(r"\s*\(", s[m.end():]) or word.lower() in KEYWORDS:
            continue
        names.append(word)
    return names


def selectors(expr):
    """(metric name, matcher text) of every `name{...}` in expr."""
    return re.findall(r"(?<![\w.:])([A-Za-z_:][A-Za-z0-9_:]*)\s*\{((?:[^}\"]|\"(?:[^\"\\]|\\.)*\")*)\}", expr)


def substitute(expr):
    def repl(m):
        name = m.group(1) or m.group(3)
        return GRAFANA_VARS.get(name, ".*")
    return re.sub(r"\$\{(\w+)(:\w+)?\}|\$(\w+)", repl, expr)


def all_panels(panels):
    for p in panels:
        yield p
        yield from all_panels(p.get("panels", []))


recording = []
ids = set()
panels = list(all_panels(dash.get("panels", [])))
if not panels:
    errors.append("the dashboard has no panels")
for p in panels:
    where = f"panel {p.get('id')} \"{p.get('title', '')}\""
    if p.get("id") in ids:
        errors.append(f"{where}: duplicate panel id")
    ids.add(p.get("id"))
    if "gridPos" not in p:
        errors.append(f"{where}: no gridPos")
    if p.get("type") == "row":
        continue
    ds = p.get("datasource")
    if not (isinstance(ds, dict) and ds.get("uid")):
        errors.append(f"{where}: no datasource")
    targets = p.get("targets") or []
    if not targets:
        errors.append(f"{where}: no targets")
    for t in targets:
        twhere = f"{where} target {t.get('refId')}"
        expr = t.get("expr", "")
        if not expr.strip():
            errors.append(f"{twhere}: empty expr")
            continue
        unknown = sorted(set(metric_names(expr)) - ALLOWED)
        if unknown:
            errors.append(f"{twhere}: metric names not exported by identity-server: {', '.join(unknown)}")
        sels = selectors(expr)
        if len(sels) != len(metric_names(expr)):
            errors.append(f"{twhere}: a metric without a {{...}} selector")
        for name, matchers in sels:
            if '$job' not in matchers or '$instance' not in matchers:
                errors.append(f"{twhere}: {name}{{{matchers}}} does not filter on $job and $instance")
        recording.append((f"dashboard:panel_{p.get('id')}_{t.get('refId')}", substitute(expr), twhere))

for v in dash.get("templating", {}).get("list", []):
    if v.get("type") != "query":
        continue
    q = v.get("query")
    q = q.get("query", "") if isinstance(q, dict) else (q or "")
    m = re.fullmatch(r"\s*label_values\((.*),\s*\w+\)\s*", q)
    if not m:
        errors.append(f"variable {v.get('name')}: expected label_values(selector, label), got {q!r}")
        continue
    unknown = sorted(set(metric_names(m.group(1))) - ALLOWED)
    if unknown:
        errors.append(f"variable {v.get('name')}: metric names not exported by identity-server: {', '.join(unknown)}")
    recording.append((f"dashboard:variable_{v.get('name')}", substitute(m.group(1)), f"variable {v.get('name')}"))

if not any(v.get("type") == "datasource" and v.get("query") == "prometheus"
           for v in dash.get("templating", {}).get("list", [])):
    errors.append("no datasource variable of type prometheus")

with open(rules_out, "w") as f:
    f.write("groups:\n  - name: dashboard\n    rules:\n")
    for record, expr, where in recording:
        f.write(f"      # {where}\n      - record: {record}\n        expr: {json.dumps(expr)}\n")

for e in errors:
    print(f"{path}: {e}")
print(f"{path}: {len(panels)} panels, {len(recording)} expressions checked")
sys.exit(1 if errors else 0)
PY
  # promtool has no offline "parse this expression" command; check rules
  # parses every expression of the generated rule file.
  if [[ -s "$tmp/dashboard_exprs.yml" ]]; then
    promtool check rules "$tmp/dashboard_exprs.yml" || status=1
  fi
  return "$status"
}

run "dashboard $dashboard" check_dashboard

echo
if ((${#failed[@]})); then
  echo "FAILED (${#failed[@]}):" >&2
  printf '  %s\n' "${failed[@]}" >&2
  exit 1
fi
echo "All checks passed."
