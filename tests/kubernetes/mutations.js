// Defects planted one at a time in a copy of a rendered overlay: the check must refuse each
// with a problem containing `expect`. A mutation whose object or path the overlay lacks is
// skipped for that overlay; one that fits no overlay fails (check_manifests.js), so the list
// cannot silently stop testing anything when the manifests change.
//
// target: { kind, name?, namePrefix? } picks the first such object. path: keys, array indexes,
// or { name } for the array element of that name. op: "rename" (the last key to `to`), "set"
// (to `value`), "delete". only: the overlays it applies to (default: every one it fits).
const server = ["spec", "template", "spec", "containers", { name: "identity-server" }];

export const MUTATIONS = [
  { name: "a misspelled container field", target: { kind: "Deployment", name: "identity" },
    path: [...server, "readinessProbe"], op: "rename", to: "readinessProbes",
    expect: "/readinessProbes: unknown field" },
  { name: "a misspelled nested field", target: { kind: "Deployment", name: "identity" },
    path: [...server, "securityContext", "readOnlyRootFilesystem"], op: "rename", to: "readOnlyRootFileSystem",
    expect: "securityContext/readOnlyRootFileSystem: unknown field" },
  { name: "a misspelled spec field", target: { kind: "Deployment", name: "identity" },
    path: ["spec", "strategy", "rollingUpdate", "maxSurge"], op: "rename", to: "maxSurg",
    expect: "rollingUpdate/maxSurg: unknown field" },
  { name: "a misspelled metadata field", target: { kind: "Service", name: "identity-grpc" },
    path: ["metadata", "labels"], op: "rename", to: "lables", expect: "/metadata/lables: unknown field" },
  { name: "a misspelled kind", target: { kind: "PodDisruptionBudget", name: "identity" },
    path: ["kind"], op: "set", value: "PodDisruptionBudgett", expect: "neither a Kubernetes type" },
  { name: "a field of the wrong type", target: { kind: "HorizontalPodAutoscaler", name: "identity" },
    path: ["spec", "minReplicas"], op: "set", value: "3", expect: "/spec/minReplicas: must be integer" },
  { name: "a Service port out of range", target: { kind: "Service", name: "identity-grpc" },
    path: ["spec", "ports", 0, "port"], op: "set", value: 70000, expect: "port 70000 out of range" },
  { name: "a container port of 0", target: { kind: "Deployment", name: "identity" },
    path: [...server, "ports", { name: "http" }, "containerPort"], op: "set", value: 0,
    expect: "port 0 out of range" },
  { name: "a Service targetPort no container declares", target: { kind: "Service", name: "identity-http" },
    path: ["spec", "ports", 0, "targetPort"], op: "set", value: "htttp", expect: "port htttp is not a port of" },
  { name: "a gRPC probe on an undeclared port", target: { kind: "Deployment", name: "identity" },
    path: [...server, "readinessProbe", "grpc", "port"], op: "set", value: 50052,
    expect: "readinessProbe: port 50052 is not one of the container's ports" },
  { name: "a misspelled probe port name", target: { kind: "Deployment", name: "identity" },
    path: [...server, "livenessProbe", "httpGet", "port"], op: "set", value: "managment",
    expect: "livenessProbe: port managment is not one of" },
  { name: "an image without registry and tag", target: { kind: "Deployment", name: "identity" },
    path: [...server, "image"], op: "set", value: "identity-server", expect: "has no registry, or no tag" },
  { name: "a writable root filesystem", target: { kind: "Deployment", name: "identity" },
    path: [...server, "securityContext", "readOnlyRootFilesystem"], op: "set", value: false,
    expect: "readOnlyRootFilesystem is not true" },
  { name: "capabilities not dropped", target: { kind: "Deployment", name: "identity" },
    path: [...server, "securityContext", "capabilities"], op: "delete", expect: "capabilities do not drop ALL" },
  { name: "no memory limit", target: { kind: "Deployment", name: "identity" },
    path: [...server, "resources", "limits", "memory"], op: "delete", expect: "no limits.memory" },
  { name: "a grace period shorter than the drain", target: { kind: "Deployment", name: "identity" },
    path: ["spec", "template", "spec", "terminationGracePeriodSeconds"], op: "set", value: 10,
    expect: "terminationGracePeriodSeconds 10 <" },
  { name: "a misspelled IDENTITY_ variable", target: { kind: "ConfigMap", namePrefix: "identity-config" },
    path: ["data", "IDENTITY_MANAGEMENT_LISTEN"], op: "rename", to: "IDENTITY_MANAGMENT_LISTEN",
    expect: "IDENTITY_MANAGMENT_LISTEN is not a setting" },
  { name: "a Secret that does not exist", target: { kind: "Deployment", name: "identity" },
    path: [...server, "env", { name: "IDENTITY_BOOTSTRAP_ADMIN_CLIENT_ID" }, "valueFrom", "secretKeyRef", "name"],
    op: "set", value: "identity-secret", expect: "Secret \"identity-secret\" is neither in the overlay" },
  { name: "a Secret key that does not exist", target: { kind: "Deployment", name: "identity" },
    path: [...server, "env", { name: "IDENTITY_DATABASE_URL" }, "valueFrom", "secretKeyRef", "key"],
    op: "set", value: "url", expect: "has no key \"url\"",
    // The base's Secrets are all external: their keys are not known there.
    only: ["dev", "production"] },
  { name: "replicas beside an autoscaler", target: { kind: "Deployment", name: "identity" },
    path: ["spec", "replicas"], op: "set", value: 3, requires: "HorizontalPodAutoscaler",
    expect: "sets spec.replicas although" },
  { name: "a misspelled NetworkPolicy field", target: { kind: "NetworkPolicy", name: "identity" },
    path: ["spec", "podSelector"], op: "rename", to: "podSelecter", expect: "/spec/podSelecter: unknown field" },
  { name: "a misspelled PodMonitor field", target: { kind: "PodMonitor", name: "identity" },
    path: ["spec", "podMetricsEndpoints"], op: "rename", to: "podMetricEndpoints",
    expect: "/spec/podMetricEndpoints: unknown field" },
  { name: "a PodMonitor port the pods lack", target: { kind: "PodMonitor", name: "identity" },
    path: ["spec", "podMetricsEndpoints", 0, "port"], op: "set", value: "metrics",
    expect: "port metrics is not a port of" },
  { name: "a PodMonitor without jobLabel", target: { kind: "PodMonitor", name: "identity" },
    path: ["spec", "jobLabel"], op: "delete", expect: "selects job=\"identity\" but no PodMonitor gives that job" },
  { name: "a malformed alert duration", target: { kind: "PrometheusRule", name: "identity" },
    path: ["spec", "groups", 1, "rules", 0, "for"], op: "set", value: "2 minutes", expect: "/for: does not match" },
  { name: "rules that differ from alerts.yml", target: { kind: "PrometheusRule", name: "identity" },
    path: ["spec", "groups", 1, "rules", 0, "expr"], op: "set", value: "up == 0",
    expect: "differ from deploy/prometheus/alerts.yml" },
  { name: "a misspelled Cluster field", target: { kind: "Cluster", name: "identity-db" },
    path: ["spec", "instances"], op: "rename", to: "instance", expect: "/spec/instance: unknown field" },
  { name: "a misspelled nested Cluster field", target: { kind: "Cluster", name: "identity-db" },
    path: ["spec", "bootstrap", "initdb", "owner"], op: "rename", to: "ownr",
    expect: "/spec/bootstrap/initdb/ownr: unknown field" },
];

function step(node, key) {
  if (node === null || typeof node !== "object") return undefined;
  if (typeof key === "object") return Array.isArray(node) ? node.find((x) => x?.name === key.name) : undefined;
  return node[key];
}

// Applies `mutation` to `objects` in place; false when the overlay has no place for it.
export function applyMutation(objects, mutation) {
  const { kind, name, namePrefix } = mutation.target;
  if (mutation.requires && !objects.some((o) => o.kind === mutation.requires)) return false;
  const object = objects.find((o) => o.kind === kind &&
    (name === undefined || o.metadata?.name === name) &&
    (namePrefix === undefined || o.metadata?.name?.startsWith(namePrefix)));
  if (!object) return false;
  let parent = object;
  for (const key of mutation.path.slice(0, -1)) {
    parent = step(parent, key);
    if (parent === undefined) return false;
  }
  const last = mutation.path[mutation.path.length - 1];
  if (mutation.op === "set") {
    if (mutation.path.length > 1 && !(last in parent) && mutation.value === undefined) return false;
    parent[last] = mutation.value;
    return true;
  }
  if (!(last in parent)) return false;
  if (mutation.op === "rename") parent[mutation.to] = parent[last];
  delete parent[last];
  return true;
}
