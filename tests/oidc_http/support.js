// Helpers of oidc_http_test.js: a tiny test runner with JUnit XML, the identity-server child
// process on a database of its own, idctl, a cookie jar, and an HTML form reader. Nothing here
// comes from the server's code: the test speaks HTTP like any client would.

import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

// --- the runner ---------------------------------------------------------------------------

const tests = [];

/** Registers a test; they run in order, each with its own timeout. */
export function test(name, fn, { timeoutMs = 90_000 } = {}) {
  tests.push({ name, fn, timeoutMs });
}

function xmlEscape(text) {
  return String(text).replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`)
    // XML 1.0 cannot hold most control characters, even escaped.
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '?');
}

/** Runs every test (or those whose name contains `filter`), writes the JUnit XML, prints
 * "N passed, N failed" and returns true when all passed. */
export async function runTests(suiteName, filter) {
  const results = [];
  const start = Date.now();
  for (const t of tests) {
    if (filter && !t.name.includes(filter)) continue;
    const began = Date.now();
    let timer;
    let failure = null;
    process.stdout.write(`[ RUN      ] ${t.name}\n`);
    try {
      await Promise.race([
        t.fn(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`timed out after ${t.timeoutMs} ms`)),
            t.timeoutMs);
        }),
      ]);
    } catch (error) {
      failure = error;
    } finally {
      clearTimeout(timer);
    }
    const seconds = (Date.now() - began) / 1000;
    if (failure) {
      const text = failure?.stack ?? String(failure);
      const extra = failure?.cause ? `\ncause: ${failure.cause?.stack ?? failure.cause}` : '';
      process.stdout.write(`${text}${extra}\n[  FAILED  ] ${t.name} (${seconds.toFixed(2)} s)\n`);
      results.push({ name: t.name, seconds, failure, text: text + extra });
    } else {
      process.stdout.write(`[       OK ] ${t.name} (${seconds.toFixed(2)} s)\n`);
      results.push({ name: t.name, seconds });
    }
  }
  const failed = results.filter((r) => r.failure).length;
  const total = (Date.now() - start) / 1000;
  if (process.env.XML_OUTPUT_FILE) {
    const cases = results.map((r) => {
      const head = `    <testcase classname="${suiteName}" name="${xmlEscape(r.name)}" ` +
        `time="${r.seconds.toFixed(3)}"`;
      if (!r.failure) return `${head}/>`;
      const message = String(r.failure?.message ?? r.failure).split('\n')[0];
      return `${head}>\n      <failure message="${xmlEscape(message)}">` +
        `${xmlEscape(r.text)}</failure>\n    </testcase>`;
    });
    const counts = `tests="${results.length}" failures="${failed}" errors="0" ` +
      `time="${total.toFixed(3)}"`;
    fs.writeFileSync(process.env.XML_OUTPUT_FILE,
      `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites ${counts}>\n` +
      `  <testsuite name="${suiteName}" ${counts}>\n${cases.join('\n')}\n  </testsuite>\n` +
      '</testsuites>\n');
  }
  for (const r of results.filter((x) => x.failure)) {
    process.stdout.write(`FAILED: ${r.name}: ${String(r.failure?.message).split('\n')[0]}\n`);
  }
  process.stdout.write(`${results.length - failed} passed, ${failed} failed\n`);
  return failed === 0 && results.length > 0;
}

// --- secrets that must never reach the server's log -------------------------------------------

export const seen = new Map(); // label -> value

export function remember(label, value) {
  if (value) seen.set(`${label} #${seen.size}`, value);
  return value;
}

// --- processes ----------------------------------------------------------------------------

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export function psql(url, sql) {
  return execFileSync('/usr/bin/psql', ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1',
    '-d', url, '-c', sql], { encoding: 'utf8' });
}

/** CREATE DATABASE identity_oidc_http_<random> next to `sharedUrl`: [name, its URL]. */
export function createDatabase(sharedUrl) {
  const name = `identity_oidc_http_${crypto.randomBytes(4).toString('hex')}`;
  psql(sharedUrl, `CREATE DATABASE ${name}`);
  const url = new URL(sharedUrl);
  url.pathname = `/${name}`;
  return [name, url.toString()];
}

/** identity-server with gRPC and HTTP on loopback, the issuer being its HTTP origin. */
export class IdentityServer {
  constructor({ binary, databaseUrl, logPath, adminId, adminSecret }) {
    this.binary = binary;
    this.databaseUrl = databaseUrl;
    this.logPath = logPath;
    this.adminId = adminId;
    this.adminSecret = adminSecret;
  }

  async start() {
    this.grpcPort = await freePort();
    this.httpPort = await freePort();
    this.grpcAddress = `127.0.0.1:${this.grpcPort}`;
    this.issuer = `http://localhost:${this.httpPort}`;
    // A direct address for the raw HTTP requests: `localhost` may resolve to ::1 first.
    this.base = `http://127.0.0.1:${this.httpPort}`;
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !k.startsWith('IDENTITY_')));
    Object.assign(env, {
      IDENTITY_KEK: crypto.randomBytes(32).toString('hex'),
      IDENTITY_BOOTSTRAP_ADMIN_CLIENT_ID: this.adminId,
      IDENTITY_BOOTSTRAP_ADMIN_CLIENT_SECRET: this.adminSecret,
    });
    const log = fs.openSync(this.logPath, 'w');
    this.process = spawn(this.binary, [
      '--store=postgres', `--database-url=${this.databaseUrl}`,
      `--grpc-listen=${this.grpcAddress}`, `--http-listen=127.0.0.1:${this.httpPort}`,
      `--issuer=${this.issuer}`, '--log-level=debug',
    ], { env, stdio: ['ignore', log, log] });
    fs.closeSync(log);
    this.exited = null;
    this.process.on('exit', (code, signal) => { this.exited = { code, signal }; });
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (this.exited) {
        throw new Error(`identity-server exited (${JSON.stringify(this.exited)}) before ` +
          `serving:\n${this.log()}`);
      }
      try {
        const response = await fetch(`${this.base}/readyz`);
        if (response.status === 200) return;
      } catch { /* not listening yet */ }
      if (Date.now() > deadline) {
        throw new Error(`identity-server not ready on ${this.base} within 60 s:\n${this.log()}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  log() {
    try {
      return fs.readFileSync(this.logPath, 'utf8');
    } catch {
      return '';
    }
  }

  async stop() {
    if (!this.process || this.exited) return this.exited;
    const exited = new Promise((resolve) => this.process.once('exit',
      (code, signal) => resolve({ code, signal })));
    this.process.kill('SIGTERM');
    const timer = setTimeout(() => this.process.kill('SIGKILL'), 20_000);
    const result = await exited;
    clearTimeout(timer);
    return result;
  }
}

/** idctl ARGS... as the bootstrap admin: the parsed JSON it prints. */
export function idctl(binary, server, args, env = {}) {
  try {
    const out = execFileSync(binary, [...args.slice(0, 2), '--server', server.grpcAddress,
      '--client-id', server.adminId, ...args.slice(2)], {
      encoding: 'utf8',
      env: { ...process.env, IDENTITY_CLIENT_SECRET: server.adminSecret, ...env },
    });
    return JSON.parse(out);
  } catch (error) {
    throw new Error(`idctl ${args.join(' ')} failed: ${error.stderr ?? error.message}`);
  }
}

// --- HTTP ---------------------------------------------------------------------------------

/** A cookie jar for one user agent (one host, so domains and paths are not tracked). */
export class CookieJar {
  constructor() {
    this.cookies = new Map(); // name -> { value, attributes: Map(lower-case name -> value) }
  }

  /** Stores every Set-Cookie of `response`; returns them parsed, by name. */
  store(response) {
    const set = new Map();
    for (const line of response.headers.getSetCookie()) {
      const parsed = parseSetCookie(line);
      set.set(parsed.name, parsed);
      const maxAge = parsed.attributes.get('max-age');
      const expires = parsed.attributes.get('expires');
      if ((maxAge !== undefined && Number(maxAge) <= 0) ||
          (expires !== undefined && Date.parse(expires) < Date.now())) {
        this.cookies.delete(parsed.name);
      } else {
        this.cookies.set(parsed.name, parsed);
      }
    }
    return set;
  }

  get(name) {
    return this.cookies.get(name)?.value;
  }

  set(name, value) {
    this.cookies.set(name, { name, value, attributes: new Map() });
  }

  header() {
    return [...this.cookies.values()].map((c) => `${c.name}=${c.value}`).join('; ');
  }

  clone() {
    const jar = new CookieJar();
    for (const [k, v] of this.cookies) jar.cookies.set(k, v);
    return jar;
  }
}

export function parseSetCookie(line) {
  const [pair, ...rest] = line.split(';');
  const eq = pair.indexOf('=');
  const attributes = new Map();
  for (const part of rest) {
    const i = part.indexOf('=');
    const key = (i < 0 ? part : part.slice(0, i)).trim().toLowerCase();
    attributes.set(key, i < 0 ? '' : part.slice(i + 1).trim());
  }
  return { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim(), attributes, line };
}

/** fetch that never follows redirects and sends the jar's cookies. */
export async function request(url, { method = 'GET', jar, headers = {}, form, body } = {}) {
  const h = new Headers(headers);
  if (jar && jar.cookies.size && !h.has('cookie')) h.set('cookie', jar.header());
  if (form) {
    h.set('content-type', 'application/x-www-form-urlencoded');
    body = new URLSearchParams(form).toString();
  }
  const response = await fetch(url, { method, headers: h, body, redirect: 'manual' });
  const text = await response.text();
  const set = jar ? jar.store(response) : new Map(
    response.headers.getSetCookie().map((l) => { const c = parseSetCookie(l); return [c.name, c]; }));
  let json;
  try {
    json = JSON.parse(text);
  } catch { /* not JSON */ }
  return { status: response.status, headers: response.headers, text, json, setCookies: set, url };
}

/** What an assertion failure message shows of a response. */
export function show(r) {
  const headers = [...r.headers].map(([k, v]) => `${k}: ${v}`).join('\n');
  const body = r.text.length > 1500 ? `${r.text.slice(0, 1500)}...` : r.text;
  return `HTTP ${r.status} for ${r.url}\n${headers}\n\n${body}`;
}

export function basic(id, secret) {
  // RFC 6749 §2.3.1: application/x-www-form-urlencoded, then HTTP Basic.
  const enc = (s) => new URLSearchParams({ s }).toString().slice(2);
  return `Basic ${Buffer.from(`${enc(id)}:${enc(secret)}`).toString('base64')}`;
}

// --- HTML ---------------------------------------------------------------------------------

const NAMED_ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

export function decodeEntities(text) {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, e) => {
    if (e[0] === '#') {
      const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return String.fromCodePoint(code);
    }
    return NAMED_ENTITIES[e.toLowerCase()] ?? whole;
  });
}

function parseAttributes(text) {
  const attributes = {};
  const re = /([^\s"'<>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;
  let m;
  while ((m = re.exec(text))) {
    const name = m[1].toLowerCase();
    if (name in attributes) continue; // HTML: the first wins.
    attributes[name] = decodeEntities(m[2] ?? m[3] ?? m[4] ?? '');
  }
  return attributes;
}

/** The page's <form>s: [{ attributes, inputs: [attributes...], buttons: [attributes...] }]. */
export function parseForms(html) {
  const forms = [];
  const formRe = /<form\b([^>]*)>([\s\S]*?)<\/form\s*>/gi;
  let m;
  while ((m = formRe.exec(html))) {
    const inputs = [];
    const buttons = [];
    const tagRe = /<(input|button)\b([^>]*)>/gi;
    let t;
    while ((t = tagRe.exec(m[2]))) {
      const attributes = parseAttributes(t[2]);
      if (t[1].toLowerCase() === 'button') buttons.push(attributes);
      else inputs.push(attributes);
    }
    forms.push({ attributes: parseAttributes(m[1]), inputs, buttons });
  }
  return forms;
}

/** The login form of a page, asserting its shape. */
export function loginForm(html, context = '') {
  const forms = parseForms(html);
  const form = forms.find((f) => (f.attributes.method ?? '').toLowerCase() === 'post' &&
    f.inputs.some((i) => i.name === 'password'));
  assert.ok(form, `no <form method="post"> with a password input in the page${context}:\n${html}`);
  return form;
}

/** The form's fields a browser would submit (hidden ones and named text fields with values). */
export function formFields(form) {
  const fields = {};
  for (const input of form.inputs) {
    if (!input.name || 'disabled' in input) continue;
    const type = (input.type ?? 'text').toLowerCase();
    if (type === 'submit' || type === 'button' || type === 'image' || type === 'reset') continue;
    if ((type === 'checkbox' || type === 'radio') && !('checked' in input)) continue;
    fields[input.name] = input.value ?? '';
  }
  return fields;
}

// --- PKCE, at_hash ------------------------------------------------------------------------

export function b64url(buffer) {
  return Buffer.from(buffer).toString('base64url');
}

/** OIDC Core §3.1.3.6: the left half of the hash of the access token (hash by the JWS alg). */
export function atHash(accessToken, alg) {
  const hash = { ES256: 'sha256', RS256: 'sha256', PS256: 'sha256', ES384: 'sha384',
    RS384: 'sha384', PS384: 'sha384', ES512: 'sha512', EdDSA: 'sha512' }[alg];
  assert.ok(hash, `no at_hash hash for alg ${alg}`);
  const digest = crypto.createHash(hash).update(accessToken, 'ascii').digest();
  return b64url(digest.subarray(0, digest.length / 2));
}

export function decodeJwt(jwt) {
  const [h, p] = jwt.split('.');
  return { header: JSON.parse(Buffer.from(h, 'base64url')), claims: JSON.parse(Buffer.from(p, 'base64url')) };
}

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

export function outputsDir(fallback) {
  const dir = process.env.TEST_UNDECLARED_OUTPUTS_DIR || fallback;
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

export { path };
