// Schemas of our own for the custom resources deploy/kubernetes uses, covering the fields it
// uses and nothing more: a field not listed here is refused, so adding one to a manifest means
// adding it here after checking it in the CRD of the operator's version you run. Written from
// the CRDs of prometheus-operator (monitoring.coreos.com/v1 PodMonitor, PrometheusRule) and
// CloudNativePG (postgresql.cnpg.io/v1 Cluster). Their metadata is checked with
// kubernetes-models' ObjectMeta like any object's.
//
// The schema language: { type: "object", properties, required }, { type: "map", values },
// { type: "array", items, minItems }, { type: "string", enum, pattern },
// { type: "integer", minimum, maximum }, { type: "boolean" }.

const string = { type: "string" };
const nonEmpty = { type: "string", pattern: /^.+$/s };
const stringMap = { type: "map", values: string };
// Prometheus durations ("15s", "1h30m"), the CRDs' pattern.
const duration = {
  type: "string",
  pattern: /^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$/,
};
const labelSelector = {
  type: "object",
  properties: { matchLabels: stringMap },
  required: ["matchLabels"],
};
const quantity = { type: "string", pattern: /^[0-9]+(\.[0-9]+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/ };
const resources = {
  type: "object",
  properties: {
    requests: { type: "object", properties: { cpu: quantity, memory: quantity } },
    limits: { type: "object", properties: { cpu: quantity, memory: quantity } },
  },
};

const podMonitor = {
  type: "object",
  properties: {
    jobLabel: nonEmpty,
    selector: labelSelector,
    podMetricsEndpoints: {
      type: "array",
      minItems: 1,
      items: {
        type: "object",
        properties: {
          // A port name of the pod (the CRD's "port"), not a number.
          port: { type: "string", pattern: /^[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$/ },
          path: { type: "string", pattern: /^\// },
          interval: duration,
          scrapeTimeout: duration,
        },
        required: ["port"],
      },
    },
  },
  required: ["selector", "podMetricsEndpoints"],
};

const rule = {
  type: "object",
  properties: {
    record: nonEmpty,
    alert: nonEmpty,
    expr: nonEmpty,
    for: duration,
    labels: stringMap,
    annotations: stringMap,
  },
  required: ["expr"],
};
const prometheusRule = {
  type: "object",
  properties: {
    groups: {
      type: "array",
      minItems: 1,
      items: {
        type: "object",
        properties: {
          name: nonEmpty,
          interval: duration,
          rules: { type: "array", minItems: 1, items: rule },
        },
        required: ["name", "rules"],
      },
    },
  },
  required: ["groups"],
};

const cluster = {
  type: "object",
  properties: {
    instances: { type: "integer", minimum: 1, maximum: 99 },
    imageName: nonEmpty,
    primaryUpdateStrategy: { type: "string", enum: ["unsupervised", "supervised"] },
    bootstrap: {
      type: "object",
      properties: {
        initdb: {
          type: "object",
          properties: { database: nonEmpty, owner: nonEmpty },
          required: ["database", "owner"],
        },
      },
      required: ["initdb"],
    },
    postgresql: {
      type: "object",
      properties: {
        parameters: stringMap,
        synchronous: {
          type: "object",
          properties: {
            method: { type: "string", enum: ["any", "first"] },
            number: { type: "integer", minimum: 1, maximum: 98 },
          },
          required: ["method", "number"],
        },
      },
    },
    storage: {
      type: "object",
      properties: { size: quantity, storageClass: nonEmpty },
      required: ["size"],
    },
    affinity: {
      type: "object",
      properties: {
        enablePodAntiAffinity: { type: "boolean" },
        topologyKey: nonEmpty,
        podAntiAffinityType: { type: "string", enum: ["preferred", "required"] },
      },
    },
    resources,
  },
  required: ["instances", "storage"],
};

// apiVersion -> kind -> the schema of `spec`.
export const CRD_SPECS = {
  "monitoring.coreos.com/v1": { PodMonitor: podMonitor, PrometheusRule: prometheusRule },
  "postgresql.cnpg.io/v1": { Cluster: cluster },
};

function typeOf(value) {
  if (Array.isArray(value)) return "array";
  if (value === null) return "null";
  if (Number.isInteger(value)) return "integer";
  return typeof value;
}

// The problems of `value` against `schema`, each a string starting with a JSON path.
export function checkSchema(schema, value, path, problems = []) {
  const expected = schema.type === "map" ? "object" : schema.type;
  if (typeOf(value) !== expected) {
    problems.push(`${path}: must be ${expected}, is ${typeOf(value)}`);
    return problems;
  }
  switch (schema.type) {
    case "object":
      for (const key of Object.keys(value)) {
        if (!(key in schema.properties)) problems.push(`${path}/${key}: unknown field`);
        else checkSchema(schema.properties[key], value[key], `${path}/${key}`, problems);
      }
      for (const key of schema.required ?? []) {
        if (!(key in value)) problems.push(`${path}: must have required property '${key}'`);
      }
      break;
    case "map":
      for (const [key, item] of Object.entries(value)) checkSchema(schema.values, item, `${path}/${key}`, problems);
      break;
    case "array":
      if (value.length < (schema.minItems ?? 0)) problems.push(`${path}: fewer than ${schema.minItems} items`);
      value.forEach((item, i) => checkSchema(schema.items, item, `${path}/${i}`, problems));
      break;
    case "string":
      if (schema.enum && !schema.enum.includes(value)) problems.push(`${path}: must be one of ${schema.enum.join(", ")}`);
      if (schema.pattern && !schema.pattern.test(value)) problems.push(`${path}: does not match ${schema.pattern}`);
      break;
    case "integer":
      if (value < (schema.minimum ?? -Infinity) || value > (schema.maximum ?? Infinity)) {
        problems.push(`${path}: out of range [${schema.minimum}, ${schema.maximum}]`);
      }
      break;
    default:
      break;
  }
  return problems;
}
