// Validation of built-in Kubernetes objects with kubernetes-models, made strict.
//
// kubernetes-models ships each type's OpenAPI schema compiled into an Ajv validator that checks
// the types of the fields it knows and says nothing about the others: a misspelled field passes.
// A compiled validator reads every property its schema declares (`data.spec`, `data.replicas`,
// ...) and enumerates the keys of a map (labels, annotations, resource quantities). So the
// object is validated through a Proxy that records, for each JSON path, which keys the
// validator read and whether it enumerated the object. Afterwards every key of the object must
// have been read, unless its object was enumerated as a map: a key the schema does not declare
// is an unknown field, and an object the validator never entered is not described by the
// schema at all. The schema data is the package's own; nothing is listed here by hand.

// One record per object (by JSON path) that the validator touched.
function track(value, path, seen) {
  if (value === null || typeof value !== "object") return value;
  let record = seen.get(path);
  if (!record) {
    record = { read: new Set(), enumerated: false };
    seen.set(path, record);
  }
  return new Proxy(value, {
    get(target, key, receiver) {
      const child = Reflect.get(target, key, receiver);
      if (typeof key !== "string") return child;
      record.read.add(key);
      return track(child, `${path}/${key}`, seen);
    },
    has(target, key) {
      if (typeof key === "string") record.read.add(key);
      return Reflect.has(target, key);
    },
    ownKeys(target) {
      record.enumerated = true;
      return Reflect.ownKeys(target);
    },
  });
}

// The unknown fields of `value`, given what the validator touched.
function unknownFields(value, path, seen, problems) {
  if (value === null || typeof value !== "object") return;
  if (Array.isArray(value)) {
    value.forEach((item, i) => unknownFields(item, `${path}/${i}`, seen, problems));
    return;
  }
  const record = seen.get(path);
  if (!record) {
    problems.push(`${path || "/"}: not described by the schema`);
    return;
  }
  for (const key of Object.keys(value)) {
    if (!record.enumerated && !record.read.has(key)) {
      problems.push(`${path}/${key}: unknown field`);
      continue;
    }
    unknownFields(value[key], `${path}/${key}`, seen, problems);
  }
}

// The module of kubernetes-models that holds the model of apiVersion/kind:
// "apps/v1" Deployment -> kubernetes-models/apps/v1/Deployment, "v1" Service ->
// kubernetes-models/v1/Service.
export function modelModule(apiVersion, kind) {
  if (!/^([a-z0-9.-]+\/)?v[0-9]+((alpha|beta)[0-9]+)?$/.test(apiVersion) || !/^[A-Z][A-Za-z0-9]*$/.test(kind)) {
    return null;
  }
  return `kubernetes-models/${apiVersion}/${kind}`;
}

// Loads the model class for the object's apiVersion and kind, or null when kubernetes-models
// has none (a custom resource, or a misspelled kind or apiVersion).
export async function loadModel(apiVersion, kind) {
  const name = modelModule(apiVersion, kind);
  if (!name) return null;
  try {
    const module = await import(name);
    return module[kind] ?? null;
  } catch (e) {
    if (e.code === "ERR_MODULE_NOT_FOUND" || e.code === "ERR_PACKAGE_PATH_NOT_EXPORTED") return null;
    throw e;
  }
}

// Validates `object` with `Model`'s schema: returns the problems (type errors from the
// schema, then unknown fields), each a string starting with a JSON path.
export function validateStrictly(Model, object) {
  const problems = [];
  const seen = new Map();
  try {
    Model.prototype.validate.call(track(object, "", seen));
  } catch (e) {
    if (!Array.isArray(e.errors)) throw e;
    for (const error of e.errors) {
      problems.push(`${error.instancePath || "/"}: ${error.message}` +
        (error.params && Object.keys(error.params).length ? ` ${JSON.stringify(error.params)}` : ""));
    }
  }
  unknownFields(object, "", seen, problems);
  return problems;
}
