// Checks rendered Kubernetes manifests offline (no API server): every object against the
// Kubernetes schemas of kubernetes-models, made strict so that an unknown (misspelled) field is
// refused (strict_schema.js); custom resources against our own schemas (crd_schemas.js); and
// the checks across objects of cross_checks.js. Then proves the checks can fail: each mutation
// of mutations.js, applied to a copy of a rendered overlay, and each fixture of testdata/, must
// be refused with the problem it expects.
//
//   node check_manifests.js --settings docs/configuration.md --alerts deploy/prometheus/alerts.yml \
//     --overlay NAME=RENDERED.yaml[:EXTERNAL_SECRET,...]... [--fixtures DIR] [--results FILE]
//
// EXTERNAL_SECRET: a Secret the overlay references but does not contain (created with kubectl
// as docs/deploy-kubernetes.md says). Prints each case as "<case> PASSED|FAILED" (also to
// --results FILE, the format tests/summarize_results.py reads) with the problems of failures;
// exits 1 when any case failed, 2 on a usage error.
import fs from "node:fs";
import path from "node:path";
import { parseAllDocuments } from "yaml";
import { loadModel, validateStrictly } from "./strict_schema.js";
import { CRD_SPECS, checkSchema } from "./crd_schemas.js";
import { crossCheck } from "./cross_checks.js";
import { MUTATIONS, applyMutation } from "./mutations.js";

const TOP_LEVEL_CRD = new Set(["apiVersion", "kind", "metadata", "spec"]);

function parseArgs(argv) {
  const options = { overlays: [], fixtures: null, settings: null, alerts: null, results: null };
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    switch (argv[i]) {
      case "--overlay": {
        const m = /^([\w-]+)=([^:]+)(?::(.*))?$/.exec(value ?? "");
        if (!m) throw new Error(`--overlay NAME=FILE[:SECRET,...], got ${value}`);
        options.overlays.push({ name: m[1], file: m[2], externalSecrets: m[3] ? m[3].split(",") : [] });
        break;
      }
      case "--fixtures": options.fixtures = value; break;
      case "--settings": options.settings = value; break;
      case "--alerts": options.alerts = value; break;
      case "--results": options.results = value; break;
      default: throw new Error(`unknown argument ${argv[i]}`);
    }
    i++;
  }
  if (!options.settings || !options.alerts || options.overlays.length === 0) {
    throw new Error("--settings, --alerts and at least one --overlay are required");
  }
  return options;
}

// YAML documents to objects; a syntax error or a duplicate key is a problem, not a crash.
export function parseManifests(text, problems) {
  const objects = [];
  for (const doc of parseAllDocuments(text, { uniqueKeys: true })) {
    for (const error of doc.errors) problems.push(`YAML: ${error.message}`);
    const value = doc.toJS();
    if (value !== null && value !== undefined) objects.push(value);
  }
  return objects;
}

// The IDENTITY_* environment variables of docs/configuration.md's settings table.
function readSettings(file) {
  const names = new Set();
  for (const m of fs.readFileSync(file, "utf8").matchAll(/^\|[^|\n]*\|\s*`(IDENTITY_[A-Z0-9_]+)`/gm)) {
    names.add(m[1]);
  }
  if (names.size < 10) throw new Error(`${file}: found only ${names.size} settings in its table`);
  return names;
}

async function checkObject(object, problems) {
  const name = `${object?.kind}/${object?.metadata?.name}`;
  if (typeof object !== "object" || !object.apiVersion || !object.kind) {
    problems.push(`${name}: not an object with apiVersion and kind`);
    return;
  }
  const spec = CRD_SPECS[object.apiVersion]?.[object.kind];
  if (spec) {
    for (const key of Object.keys(object)) {
      if (!TOP_LEVEL_CRD.has(key)) problems.push(`${name} /${key}: unknown field`);
    }
    const { ObjectMeta } = await import("@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta");
    for (const p of validateStrictly(ObjectMeta, object.metadata ?? {})) problems.push(`${name} /metadata${p}`);
    for (const p of checkSchema(spec, object.spec, "/spec")) problems.push(`${name} ${p}`);
    return;
  }
  const Model = await loadModel(object.apiVersion, object.kind);
  if (object.kind === "Secret" && object.apiVersion === "v1" && object.data) {
    // Kustomize wraps long base64 values in lines; the API server's decoder (Go's
    // encoding/base64) skips the newlines, the schema's "byte" format does not.
    object = { ...object, data: Object.fromEntries(Object.entries(object.data).map(
      ([k, v]) => [k, typeof v === "string" ? v.replace(/[\r\n]/g, "") : v])) };
  }
  if (!Model) {
    problems.push(`${name}: ${object.apiVersion} ${object.kind} is neither a Kubernetes type nor a known custom resource`);
    return;
  }
  for (const p of validateStrictly(Model, object)) problems.push(`${name} ${p}`);
}

// All the problems of one set of objects.
export async function checkObjects(objects, context, problems = []) {
  for (const object of objects) await checkObject(object, problems);
  crossCheck(objects, context, problems);
  return problems;
}

// Prints the case; `lines` gets it as one word and a status (tests/summarize_results.py).
function report(lines, name, passed, details) {
  lines.push(`${name.replace(/[^A-Za-z0-9_.:=-]+/g, "_")} ${passed ? "PASSED" : "FAILED"}`);
  console.log(`${name} ${passed ? "PASSED" : "FAILED"}`);
  for (const d of passed ? [] : details) console.log(`    ${d}`);
}

async function runOverlay(overlay, base, lines, applied) {
  const problems = [];
  const objects = parseManifests(fs.readFileSync(overlay.file, "utf8"), problems);
  const context = { ...base, externalSecrets: overlay.externalSecrets };
  await checkObjects(objects, context, problems);
  report(lines, `overlay ${overlay.name}: ${objects.length} objects valid`, problems.length === 0 && objects.length > 0,
    problems.length ? problems : ["no objects"]);
  // Each mutation that applies to this overlay must be refused with its expected problem.
  for (const mutation of MUTATIONS) {
    if (mutation.only && !mutation.only.includes(overlay.name)) continue;
    const copy = structuredClone(objects);
    if (!applyMutation(copy, mutation)) continue;
    applied.add(mutation.name);
    const found = await checkObjects(copy, context);
    const caught = found.some((p) => p.includes(mutation.expect));
    report(lines, `overlay ${overlay.name}: refuses ${mutation.name}`, caught,
      [`expected a problem containing "${mutation.expect}", got:`, ...(found.length ? found : ["(none)"])]);
  }
}

// testdata/*.yaml: each declares the problems it must produce in "# expect: TEXT" lines.
async function runFixtures(dir, base, lines) {
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith(".yaml")).sort()) {
    const text = fs.readFileSync(path.join(dir, file), "utf8");
    const expected = [...text.matchAll(/^# expect: (.+)$/gm)].map((m) => m[1].trim());
    const problems = [];
    const objects = parseManifests(text, problems);
    await checkObjects(objects, { ...base, externalSecrets: [] }, problems);
    const missing = expected.filter((e) => !problems.some((p) => p.includes(e)));
    report(lines, `fixture ${file}: refused`, expected.length > 0 && missing.length === 0,
      [...missing.map((e) => `expected a problem containing "${e}"`), "got:", ...problems]);
  }
}

async function main() {
  let options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`check_manifests: ${e.message}`);
    process.exit(2);
  }
  const alertProblems = [];
  const alerts = parseManifests(fs.readFileSync(options.alerts, "utf8"), alertProblems);
  if (alertProblems.length || !alerts[0]?.groups) {
    console.error(`check_manifests: ${options.alerts}: no groups ${alertProblems.join("; ")}`);
    process.exit(2);
  }
  const base = { settings: readSettings(options.settings), alertGroups: alerts[0].groups };
  const lines = [];
  const applied = new Set();
  for (const overlay of options.overlays) await runOverlay(overlay, base, lines, applied);
  // A mutation that no overlay has a place for proves nothing: the manifests changed under it.
  for (const mutation of MUTATIONS.filter((m) => !applied.has(m.name))) {
    report(lines, `mutation applies: ${mutation.name}`, false, ["no overlay has its target; update mutations.js"]);
  }
  if (options.fixtures) await runFixtures(options.fixtures, base, lines);
  if (options.results) fs.writeFileSync(options.results, lines.map((l) => `${l}\n`).join(""));
  const failed = lines.filter((l) => l.endsWith(" FAILED")).length;
  console.log(failed ? `check_manifests: ${failed} case(s) FAILED` : "check_manifests: every case passed");
  process.exit(failed ? 1 : 0);
}

await main();
