#!/bin/bash
# Renders every Kustomize tree of deploy/kubernetes (the base and each overlay) with
# `kubectl kustomize` and checks the objects offline with check_manifests.js: the Kubernetes
# schemas (kubernetes-models) plus unknown fields, our own schemas of the custom resources,
# ports, references, security settings and probes; then that each planted defect
# (mutations.js) and each fixture of testdata/ is refused. Also runs the dev overlay's
# generate-secrets.sh (twice: the second run must keep the first run's KEK), and checks that
# the committed PrometheusRule is what generate_prometheusrule.sh makes from alerts.yml.
#
# Not hermetic, like //tests/oidc_http: kubectl (1.27 or later, for Kustomize 5) and node
# (>= 20) on PATH, and the npm packages pinned by package-lock.json installed with `npm ci` in
# this folder (tests/run_all.sh does it). node_modules is not a Bazel input: the runfiles
# symlink of check_manifests.js leads back to the source tree, where Node finds them.
# Outside Bazel: tests/kubernetes/manifests_test.sh (from anywhere).
set -euo pipefail

readonly SCRIPT_REL=tests/kubernetes/check_manifests.js
root=""
for candidate in "." "${TEST_SRCDIR:+$TEST_SRCDIR/identity}" "${RUNFILES_DIR:+$RUNFILES_DIR/identity}" \
                 "$0.runfiles/identity" "$(dirname "$0")/../.."; do
  if [[ -n "$candidate" && -f "$candidate/$SCRIPT_REL" ]]; then
    root=$(cd "$candidate" && pwd)
    break
  fi
done
[[ -n "$root" ]] || { echo "cannot find $SCRIPT_REL in the runfiles" >&2; exit 1; }

script=$(readlink -f "$root/$SCRIPT_REL")
source_dir=$(dirname "$script")
command -v node >/dev/null || { echo "node is not on PATH (Node.js 20 or later is needed)" >&2; exit 1; }
command -v kubectl >/dev/null || { echo "kubectl is not on PATH (it renders the Kustomize trees)" >&2; exit 1; }
for package in @kubernetes-models/apimachinery kubernetes-models yaml; do
  want=$(node -e 'console.log(require(process.argv[1]).dependencies[process.argv[2]])' \
    "$source_dir/package.json" "$package")
  have=$(node -e 'try { console.log(require(process.argv[1]).version) } catch { console.log("none") }' \
    "$source_dir/node_modules/$package/package.json")
  if [[ "$want" != "$have" ]]; then
    echo "$source_dir/node_modules has $package $have, package.json pins $want:" \
         "run \`npm ci\` in tests/kubernetes (tests/run_all.sh does)" >&2
    exit 1
  fi
done

work=$(mktemp -d "${TEST_TMPDIR:-/tmp}/manifests.XXXXXX")
trap 'rm -rf "$work"' EXIT
export HOME="$work"  # kubectl may look for a config there; it needs none to render.

# A real copy (not the runfiles' symlinks: Kustomize refuses files that resolve outside the
# tree it renders), without any secrets/ of a developer's own.
cp -rL "$root/deploy/kubernetes" "$work/kubernetes"
rm -rf "$work/kubernetes/overlays/dev/secrets"

# The dev overlay's secrets, made as a developer would; a second run must change nothing.
"$work/kubernetes/overlays/dev/generate-secrets.sh" >/dev/null
kek_before=$(sha256sum <"$work/kubernetes/overlays/dev/secrets/kek")
[[ -z "$("$work/kubernetes/overlays/dev/generate-secrets.sh")" ]] ||
  { echo "generate-secrets.sh made new files on its second run" >&2; exit 1; }
[[ "$(sha256sum <"$work/kubernetes/overlays/dev/secrets/kek")" == "$kek_before" ]] ||
  { echo "generate-secrets.sh changed the KEK on its second run" >&2; exit 1; }
[[ "$(stat -c %a "$work/kubernetes/overlays/dev/secrets/kek")" == 600 ]] ||
  { echo "generate-secrets.sh left the KEK readable by others" >&2; exit 1; }

# The committed PrometheusRule is what its generator makes from alerts.yml, byte for byte
# (check_manifests.js compares the groups as data too, and says what to run).
mkdir -p "$work/prometheus"
cp "$root/deploy/prometheus/alerts.yml" "$work/prometheus/alerts.yml"
"$work/kubernetes/components/monitoring/generate_prometheusrule.sh" >/dev/null
cmp -s "$work/kubernetes/components/monitoring/prometheusrule.yaml" \
  "$root/deploy/kubernetes/components/monitoring/prometheusrule.yaml" ||
  { echo "components/monitoring/prometheusrule.yaml is not what generate_prometheusrule.sh makes" \
         "from deploy/prometheus/alerts.yml: run the script" >&2; exit 1; }

# Each tree, and the Secrets it references without containing (created by the operator with
# kubectl, docs/deploy-kubernetes.md; identity-db-app comes from CloudNativePG when the
# tree has its Cluster).
overlays=(
  "base=base:identity-secrets,identity-db-app"
  "dev=overlays/dev:"
  "production=overlays/production:identity-secrets"
)
args=()
for entry in "${overlays[@]}"; do
  name=${entry%%=*}
  rest=${entry#*=}
  dir=${rest%%:*}
  external=${rest#*:}
  kubectl kustomize "$work/kubernetes/$dir" >"$work/$name.yaml"
  # Kustomize ignores an `images:` entry whose name matches no image: the overlay's registry
  # and tag must be what the rendered Deployment runs.
  kustomization="$work/kubernetes/$dir/kustomization.yaml"
  if grep -q '^images:' "$kustomization"; then
    want_name=$(awk '/^images:/ {on = 1} on && $1 == "newName:" {print $2; exit}' "$kustomization")
    want_tag=$(awk '/^images:/ {on = 1} on && $1 == "newTag:" {gsub(/"/, "", $2); print $2; exit}' "$kustomization")
    want="${want_name:-localhost/identity-server}:$want_tag"
    grep -qx "        image: $want" "$work/$name.yaml" ||
      { echo "$dir: its images: entry ($want) is not the image the Deployment runs:" \
             "$(grep 'image:' "$work/$name.yaml" | tr -s ' ')" >&2; exit 1; }
  fi
  args+=(--overlay "$name=$work/$name.yaml${external:+:$external}")
done

cd "$source_dir"
exec node "$script" --settings "$root/docs/configuration.md" \
  --alerts "$root/deploy/prometheus/alerts.yml" --fixtures "$source_dir/testdata" "${args[@]}" \
  ${RESULTS_FILE:+--results "$RESULTS_FILE"}
