// Checks across the objects of one rendered overlay, beyond what any schema can say: ports in
// range and names that resolve, selectors that select something, references to Secrets and
// ConfigMaps that exist, the restricted security settings, identity's probes and drain, the
// IDENTITY_* names the server knows, and the PodMonitor's job matching the alert rules'.
// Each check appends strings "<Kind>/<name> <path>: <problem>" to `problems`.

const PORT_KEYS = new Set(["containerPort", "hostPort", "port", "targetPort", "portNumber", "endPort"]);
// RFC 6335 service names, as Kubernetes checks port names (IANA_SVC_NAME).
const PORT_NAME = /^(?=.*[a-z])(?!.*--)[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$/;
// server/app.cc, App::Drain: calls in flight get up to 10 s after SIGTERM.
const SERVER_DRAIN_SECONDS = 10;
// Time the kubelet needs besides: stopping the HTTP listeners and exiting.
const DRAIN_MARGIN_SECONDS = 5;
// What CloudNativePG puts in the Secret <cluster>-app (its docs, "Secrets").
const CNPG_APP_KEYS = ["username", "password", "host", "port", "dbname", "pgpass", "uri", "jdbc-uri"];
const WORKLOADS = new Set(["Deployment", "StatefulSet"]);

// JSON with every object's keys sorted: equal for equal data whatever the key order (Kustomize
// sorts keys when it renders).
const canonical = (value) => JSON.stringify(value, (key, v) =>
  (v && typeof v === "object" && !Array.isArray(v)
    ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]])) : v));
const id = (o) => `${o.kind}/${o.metadata?.name}`;
const matches = (selector, labels) =>
  Object.entries(selector ?? {}).every(([k, v]) => labels?.[k] === v);

// Every port field anywhere in the object: numbers in 1..65535, names valid port names.
function checkPorts(object, problems) {
  const walk = (value, path) => {
    if (value === null || typeof value !== "object") return;
    for (const [key, child] of Object.entries(value)) {
      const where = `${path}/${key}`;
      if (PORT_KEYS.has(key) && (typeof child === "number" || typeof child === "string")) {
        if (typeof child === "number" && !(Number.isInteger(child) && child >= 1 && child <= 65535)) {
          problems.push(`${id(object)} ${where}: port ${child} out of range 1..65535`);
        } else if (typeof child === "string" && !PORT_NAME.test(child)) {
          problems.push(`${id(object)} ${where}: "${child}" is not a valid port name`);
        }
      }
      walk(child, where);
    }
  };
  walk(object, "");
}

function podTemplates(objects) {
  return objects.filter((o) => WORKLOADS.has(o.kind)).map((o) => ({
    owner: o,
    labels: o.spec?.template?.metadata?.labels ?? {},
    pod: o.spec?.template?.spec ?? {},
  }));
}

function containerPorts(pod) {
  return (pod.containers ?? []).flatMap((c) => c.ports ?? []);
}

// A port (name or number) is declared by some container of the pod.
function declares(pod, port) {
  return containerPorts(pod).some((p) => p.name === port || p.containerPort === port);
}

function selected(templates, selector) {
  return templates.filter((t) => matches(selector, t.labels));
}

function checkSelectors(objects, templates, problems) {
  for (const o of objects) {
    let selector = null;
    let ports = [];
    if (o.kind === "Service") {
      selector = o.spec?.selector;
      ports = (o.spec?.ports ?? []).map((p) => p.targetPort ?? p.port);
    } else if (o.kind === "PodDisruptionBudget") {
      selector = o.spec?.selector?.matchLabels;
    } else if (o.kind === "NetworkPolicy") {
      selector = o.spec?.podSelector?.matchLabels;
      ports = (o.spec?.ingress ?? []).flatMap((r) => (r.ports ?? []).map((p) => p.port));
    } else if (o.kind === "PodMonitor") {
      selector = o.spec?.selector?.matchLabels;
      ports = (o.spec?.podMetricsEndpoints ?? []).map((e) => e.port);
    } else {
      continue;
    }
    if (!selector || Object.keys(selector).length === 0) {
      problems.push(`${id(o)}: an empty selector (it would select every pod)`);
      continue;
    }
    const chosen = selected(templates, selector);
    if (chosen.length === 0) {
      problems.push(`${id(o)}: its selector ${JSON.stringify(selector)} selects no pod template`);
      continue;
    }
    for (const port of ports.filter((p) => p !== undefined)) {
      for (const t of chosen) {
        if (!declares(t.pod, port)) problems.push(`${id(o)}: port ${port} is not a port of ${id(t.owner)}'s pods`);
      }
    }
  }
}

function checkProbe(owner, container, kind, probe, problems) {
  if (!probe) return;
  const where = `${id(owner)} container ${container.name} ${kind}`;
  const port = probe.httpGet?.port ?? probe.tcpSocket?.port ?? probe.grpc?.port;
  if (port !== undefined && !(container.ports ?? []).some((p) => p.name === port || p.containerPort === port)) {
    problems.push(`${where}: port ${port} is not one of the container's ports`);
  }
}

function checkSecurity(owner, pod, problems) {
  const podContext = pod.securityContext ?? {};
  for (const c of [...(pod.initContainers ?? []), ...(pod.containers ?? [])]) {
    const where = `${id(owner)} container ${c.name}`;
    const context = c.securityContext ?? {};
    const want = (ok, what) => ok || problems.push(`${where}: ${what}`);
    want((context.runAsNonRoot ?? podContext.runAsNonRoot) === true, "runAsNonRoot is not true");
    want(context.allowPrivilegeEscalation === false, "allowPrivilegeEscalation is not false");
    want(context.readOnlyRootFilesystem === true, "readOnlyRootFilesystem is not true");
    want((context.capabilities?.drop ?? []).includes("ALL"), "capabilities do not drop ALL");
    want((context.seccompProfile ?? podContext.seccompProfile)?.type === "RuntimeDefault",
      "seccompProfile is not RuntimeDefault");
    for (const part of ["requests", "limits"]) {
      for (const resource of ["cpu", "memory"]) {
        want(c.resources?.[part]?.[resource] !== undefined, `no ${part}.${resource}`);
      }
    }
    for (const [kind, probe] of [["livenessProbe", c.livenessProbe], ["readinessProbe", c.readinessProbe],
      ["startupProbe", c.startupProbe]]) {
      checkProbe(owner, c, kind, probe, problems);
    }
    // A registry and a tag or digest: a bare name is resolved by each node's runtime its own way.
    if (!/^[a-z0-9.-]+(:[0-9]+)?\/[a-z0-9._\/-]+(:[A-Za-z0-9._-]+|@sha256:[0-9a-f]{64})$/.test(c.image ?? "")) {
      problems.push(`${where}: image "${c.image}" has no registry, or no tag or digest`);
    }
    const names = (c.ports ?? []).map((p) => p.name);
    if (new Set(names).size !== names.length) problems.push(`${where}: duplicate port names`);
  }
}

// identity-server's own container: the probes this deployment relies on, and a grace period
// that covers the preStop sleep and the server's drain.
function checkIdentityServer(owner, pod, problems) {
  const c = (pod.containers ?? []).find((x) => x.name === "identity-server");
  if (!c) return;
  const where = `${id(owner)} container identity-server`;
  if (c.readinessProbe?.grpc === undefined) problems.push(`${where}: readiness is not the gRPC health check`);
  if (c.livenessProbe?.httpGet?.path !== "/healthz") problems.push(`${where}: liveness is not GET /healthz`);
  if (c.startupProbe === undefined) problems.push(`${where}: no startupProbe`);
  const sleep = c.lifecycle?.preStop?.sleep?.seconds ?? 0;
  const grace = pod.terminationGracePeriodSeconds ?? 30;
  const needed = sleep + SERVER_DRAIN_SECONDS + DRAIN_MARGIN_SECONDS;
  if (grace < needed) {
    problems.push(`${where}: terminationGracePeriodSeconds ${grace} < preStop ${sleep} s + drain ` +
      `${SERVER_DRAIN_SECONDS} s + ${DRAIN_MARGIN_SECONDS} s`);
  }
}

// The keys each available Secret or ConfigMap has (null: unknown, e.g. created by hand).
function available(objects, externalSecrets) {
  const secrets = new Map();
  const configMaps = new Map();
  for (const o of objects) {
    const keys = [...Object.keys(o.data ?? {}), ...Object.keys(o.stringData ?? {})];
    if (o.kind === "Secret") secrets.set(o.metadata.name, keys);
    if (o.kind === "ConfigMap") configMaps.set(o.metadata.name, keys);
    if (o.kind === "Cluster" && o.apiVersion === "postgresql.cnpg.io/v1") {
      secrets.set(`${o.metadata.name}-app`, CNPG_APP_KEYS);
    }
  }
  for (const name of externalSecrets) if (!secrets.has(name)) secrets.set(name, null);
  return { secrets, configMaps };
}

function checkReferences(owner, pod, have, settings, problems) {
  const ref = (kind, map, name, key, where) => {
    if (!map.has(name)) {
      problems.push(`${id(owner)} ${where}: ${kind} "${name}" is neither in the overlay nor declared external`);
    } else if (key !== undefined && map.get(name) !== null && !map.get(name).includes(key)) {
      problems.push(`${id(owner)} ${where}: ${kind} "${name}" has no key "${key}"`);
    }
  };
  for (const v of pod.volumes ?? []) {
    if (v.secret) {
      ref("Secret", have.secrets, v.secret.secretName, undefined, `volume ${v.name}`);
      for (const item of v.secret.items ?? []) ref("Secret", have.secrets, v.secret.secretName, item.key, `volume ${v.name}`);
    }
    if (v.configMap) ref("ConfigMap", have.configMaps, v.configMap.name, undefined, `volume ${v.name}`);
  }
  for (const c of pod.containers ?? []) {
    const isIdentity = c.name === "identity-server";
    for (const e of c.env ?? []) {
      const s = e.valueFrom?.secretKeyRef;
      if (s) ref("Secret", have.secrets, s.name, s.key, `env ${e.name}`);
      const m = e.valueFrom?.configMapKeyRef;
      if (m) ref("ConfigMap", have.configMaps, m.name, m.key, `env ${e.name}`);
      if (isIdentity) checkSettingName(owner, e.name, settings, problems);
    }
    for (const from of c.envFrom ?? []) {
      if (from.secretRef) ref("Secret", have.secrets, from.secretRef.name, undefined, "envFrom");
      if (from.configMapRef) {
        ref("ConfigMap", have.configMaps, from.configMapRef.name, undefined, "envFrom");
        for (const key of (isIdentity && have.configMaps.get(from.configMapRef.name)) || []) {
          checkSettingName(owner, key, settings, problems);
        }
      }
    }
  }
}

// The server ignores an IDENTITY_* variable it does not know: a misspelled one is a setting
// silently left at its default.
function checkSettingName(owner, name, settings, problems) {
  if (name.startsWith("IDENTITY_") && !settings.has(name)) {
    problems.push(`${id(owner)}: ${name} is not a setting of identity-server (docs/configuration.md)`);
  }
}

function checkAutoscalers(objects, problems) {
  for (const hpa of objects.filter((o) => o.kind === "HorizontalPodAutoscaler")) {
    const ref = hpa.spec?.scaleTargetRef ?? {};
    const target = objects.find((o) => o.kind === ref.kind && o.metadata?.name === ref.name &&
      o.apiVersion === ref.apiVersion);
    if (!target) {
      problems.push(`${id(hpa)}: scaleTargetRef ${ref.apiVersion} ${ref.kind}/${ref.name} is not in the overlay`);
      continue;
    }
    if (target.spec?.replicas !== undefined) {
      problems.push(`${id(target)}: sets spec.replicas although ${id(hpa)} scales it (each apply would reset it)`);
    }
    if ((hpa.spec?.minReplicas ?? 1) < 2) problems.push(`${id(hpa)}: minReplicas below 2 leaves no replica during a disruption`);
    if ((hpa.spec?.minReplicas ?? 1) > hpa.spec?.maxReplicas) problems.push(`${id(hpa)}: minReplicas > maxReplicas`);
  }
}

// deploy/prometheus/alerts.yml selects job="identity": the PodMonitor must give that job.
function checkMonitoring(objects, templates, alertGroups, problems) {
  const jobs = new Set();
  for (const pm of objects.filter((o) => o.kind === "PodMonitor")) {
    const label = pm.spec?.jobLabel;
    for (const t of selected(templates, pm.spec?.selector?.matchLabels ?? {})) {
      jobs.add(label ? t.labels[label] : `${pm.metadata.namespace ?? "default"}/${pm.metadata.name}`);
    }
  }
  for (const rule of objects.filter((o) => o.kind === "PrometheusRule")) {
    const text = JSON.stringify(rule.spec?.groups ?? []);
    for (const [, job] of text.matchAll(/job=\\"([^\\"]+)\\"/g)) {
      if (!jobs.has(job)) problems.push(`${id(rule)}: selects job="${job}" but no PodMonitor gives that job`);
    }
    if (alertGroups && canonical(rule.spec?.groups) !== canonical(alertGroups)) {
      problems.push(`${id(rule)}: its groups differ from deploy/prometheus/alerts.yml ` +
        "(run deploy/kubernetes/components/monitoring/generate_prometheusrule.sh)");
    }
  }
}

function checkUnique(objects, problems) {
  const seen = new Set();
  for (const o of objects) {
    const key = `${o.apiVersion} ${o.kind} ${o.metadata?.namespace ?? ""} ${o.metadata?.name}`;
    if (seen.has(key)) problems.push(`${id(o)}: defined twice`);
    seen.add(key);
  }
}

// options: { externalSecrets: [names], settings: Set of IDENTITY_* names, alertGroups }.
export function crossCheck(objects, options, problems) {
  checkUnique(objects, problems);
  for (const o of objects) checkPorts(o, problems);
  const templates = podTemplates(objects);
  const have = available(objects, options.externalSecrets ?? []);
  for (const t of templates) {
    if (!matches(t.owner.spec?.selector?.matchLabels, t.labels)) {
      problems.push(`${id(t.owner)}: spec.selector does not match its pod template's labels`);
    }
    checkSecurity(t.owner, t.pod, problems);
    checkIdentityServer(t.owner, t.pod, problems);
    checkReferences(t.owner, t.pod, have, options.settings, problems);
  }
  checkSelectors(objects, templates, problems);
  checkAutoscalers(objects, problems);
  checkMonitoring(objects, templates, options.alertGroups, problems);
  if (!templates.some((t) => t.pod.containers?.some((c) => c.name === "identity-server"))) {
    problems.push("no workload runs the container identity-server");
  }
}
