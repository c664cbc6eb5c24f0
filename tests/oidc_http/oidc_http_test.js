// Standards conformance of identity-server's HTTP OpenID Connect front door, checked with
// independent clients against the real binary on its own PostgreSQL database:
//
//   - openid-client 6 (panva's certified OpenID Connect relying party library, on oauth4webapi):
//     discovery, the authorization code flow with PKCE (S256), state and nonce, its own ID token
//     validation, UserInfo, refresh, introspection (RFC 7662), revocation (RFC 7009), the
//     client_credentials grant; client_secret_basic, client_secret_post and a public client;
//   - Debian's Chromium driven by playwright-core: a person's login on the HTML page, the
//     redirect to a loopback redirect_uri served here, single sign-on with the session cookie,
//     RP-Initiated Logout with id_token_hint back to a registered post_logout_redirect_uri,
//     refresh tokens that end with the session unless offline_access was granted, and a
//     third-party client's consent page (allow, remembered, prompt=consent, deny, withdrawal);
//   - jose (panva's JOSE library) verifying ID and access tokens of each signing algorithm against
//     /jwks on its own: RS256 ID tokens by default (OIDC Core §15.1), ES256 access tokens, and
//     ES256 ID tokens for a client registered with id_token_signed_response_alg ES256;
//   - raw HTTP (Node's fetch) for what a library hides: the login form as a browser posts it
//     (hidden fields, the CSRF cookie and field), error pages that must not redirect, redirected
//     errors (RFC 6749 §4.1.2.1, RFC 9207 iss), prompt and max_age (OIDC Core §3.1.2.1), the
//     token endpoint's error statuses and JSON (RFC 6749 §5.2), Bearer errors (RFC 6750 §3),
//     security headers, and that no secret reaches the server's log.
//
// Usage: node oidc_http_test.js --server BINARY --idctl BINARY [--filter TEXT]
// Needs IDENTITY_TEST_DATABASE_URL (a PostgreSQL where it may CREATE DATABASE). Writes JUnit XML
// to $XML_OUTPUT_FILE, the server's log and login.png to $TEST_UNDECLARED_OUTPUTS_DIR, prints
// "N passed, N failed" and exits non-zero when any test failed.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import * as jose from 'jose';
import * as client from 'openid-client';
import { chromium } from 'playwright-core';

import {
  CookieJar, IdentityServer, atHash, basic, createDatabase, decodeJwt, formFields, idctl,
  loginForm, outputsDir, parseForms, psql, remember, request, runTests, seen, show, sleep, test,
} from './support.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CHROMIUM = '/usr/bin/chromium';
const SCOPE = 'openid profile email';
// idctl flags of carol's standard claims, and what UserInfo returns for them.
const CAROL_FLAGS = {
  'given-name': 'Carol', 'family-name': 'Example', 'middle-name': 'Quinn', nickname: 'caz',
  profile: 'https://example.com/carol', picture: 'https://example.com/carol.png',
  website: 'https://carol.example', gender: 'female', birthdate: '0000-04-01',
  zoneinfo: 'Europe/Berlin', locale: 'de-DE', 'phone-number': '+4930123456;ext=7',
  'address-formatted': 'Unter den Linden 1\n10117 Berlin', 'address-street': 'Unter den Linden 1',
  'address-locality': 'Berlin', 'address-region': 'BE', 'address-postal-code': '10117',
  'address-country': 'DE',
};
const CAROL_PROFILE = {
  name: 'Carol Q. Example', given_name: 'Carol', family_name: 'Example', middle_name: 'Quinn',
  nickname: 'caz', profile: 'https://example.com/carol', picture: 'https://example.com/carol.png',
  website: 'https://carol.example', gender: 'female', birthdate: '0000-04-01',
  zoneinfo: 'Europe/Berlin', locale: 'de-DE',
};
const CAROL_ADDRESS = {
  formatted: 'Unter den Linden 1\n10117 Berlin', street_address: 'Unter den Linden 1',
  locality: 'Berlin', region: 'BE', postal_code: '10117', country: 'DE',
};
const SECURITY_HEADERS = {
  'x-content-type-options': (v) => v.toLowerCase() === 'nosniff',
  'x-frame-options': (v) => v.toUpperCase() === 'DENY',
  'referrer-policy': (v) => v.toLowerCase() === 'no-referrer',
  'content-security-policy': (v) => v.trim().length > 0,
};

// --- arguments and the world ----------------------------------------------------------------

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, arg, i, all) => {
  if (i % 2 === 0) pairs.push([arg.replace(/^--/, ''), all[i + 1]]);
  return pairs;
}, []));
if (!args.server || !args.idctl) {
  process.stderr.write('usage: node oidc_http_test.js --server BINARY --idctl BINARY ' +
    '[--page-preview BINARY] [--filter TEXT]\n');
  process.exit(2);
}

const workDir = fs.mkdtempSync(path.join(process.env.TEST_TMPDIR || os.tmpdir(), 'oidc-http-'));
const outDir = outputsDir(workDir);
const insecure = { execute: [client.allowInsecureRequests] }; // The issuer is http://localhost.

let server; // IdentityServer
let callback; // { server, url, hits } the loopback redirect_uri
let REDIRECT; // http://127.0.0.1:PORT/cb
const users = {}; // alice, bob: { username, password, user_id }
const clients = {}; // webBasic, webPost, spa, svc: { id, secret }
const configs = {}; // openid-client Configurations, by the same names
let aliceJar; // A browser-like cookie jar holding alice's session after her first form login.
let redeemedCode; // A code already exchanged once.

function checkInstalledPackages() {
  // node_modules come from `npm ci` in this folder: refuse to run against stale ones.
  const wanted = JSON.parse(fs.readFileSync(path.join(HERE, 'package.json'), 'utf8')).dependencies;
  for (const [name, version] of Object.entries(wanted)) {
    const file = path.join(HERE, 'node_modules', name, 'package.json');
    const installed = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')).version : null;
    if (installed !== version) {
      throw new Error(`${name}@${version} is not installed in ${HERE}/node_modules (found ` +
        `${installed}): run \`npm ci\` in tests/oidc_http`);
    }
  }
}

function startCallbackServer() {
  return new Promise((resolve) => {
    const hits = [];
    const s = http.createServer((req, res) => {
      hits.push(req.url);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><title>client</title><p>signed in</p>');
    });
    s.listen(0, '127.0.0.1', () => {
      const url = `http://127.0.0.1:${s.address().port}/cb`;
      resolve({ server: s, url, hits });
    });
  });
}

async function makeWorld() {
  for (const [key, name] of [['alice', 'Alice Example'], ['bob', 'Bob Example']]) {
    const username = `${key}.${crypto.randomBytes(3).toString('hex')}`;
    const password = remember(`${key} password`, `pw-${crypto.randomBytes(15).toString('base64url')}`);
    const user = idctl(args.idctl, server, ['users', 'create', '--username', username, '--name',
      name, '--email', `${key}@example.com`, '--email-verified'], { IDENTITY_USER_PASSWORD: password });
    users[key] = { username, password, user_id: user.user_id, name, email: `${key}@example.com` };
  }
  // carol has every standard claim (OIDC Core §5.1), set through idctl's flags.
  const carolName = `carol.${crypto.randomBytes(3).toString('hex')}`;
  const carolPassword = remember('carol password', `pw-${crypto.randomBytes(15).toString('base64url')}`);
  const flags = Object.entries(CAROL_FLAGS).flatMap(([flag, value]) => [`--${flag}`, value]);
  const carol = idctl(args.idctl, server, ['users', 'create', '--username', carolName,
    '--name', 'Carol Q. Example', '--email', 'carol@example.com', '--email-verified',
    '--phone-number-verified', ...flags], { IDENTITY_USER_PASSWORD: carolPassword });
  users.carol = { username: carolName, password: carolPassword, user_id: carol.user_id,
    claimsUpdatedAt: Date.parse(carol.claims_updated_at) / 1000 };
  const code = ['--redirect-uri', REDIRECT, '--grant-type', 'authorization_code',
    '--grant-type', 'refresh_token'];
  // Ids with '-', '.', '~': openid-client's client_secret_basic percent-encodes each of them
  // (RFC 6749 §2.3.1), and the server must decode them.
  const specs = {
    webBasic: ['--id', 'web-basic.app~1', '--name', 'Web app (Basic)', ...code],
    webPost: ['--id', 'web-post.app', '--name', 'Web app (post)', ...code],
    spa: ['--id', 'spa-public', '--name', 'Single-page app', '--public', ...code],
    svc: ['--id', 'svc-m2m', '--name', 'Service', '--grant-type', 'client_credentials',
      '--allow-scope', 'orders.read', '--allow-scope', 'orders.write'],
    // A redirect_uri but not the authorization_code grant: /authorize must answer
    // unauthorized_client on the redirect_uri.
    noCode: ['--id', 'no-code', '--name', 'No code', '--grant-type', 'client_credentials',
      '--redirect-uri', REDIRECT],
  };
  for (const [key, spec] of Object.entries(specs)) {
    const created = idctl(args.idctl, server, ['clients', 'create', ...spec]);
    clients[key] = { id: created.client.client_id, secret: remember(`${key} secret`, created.client_secret) };
  }
  const issuer = new URL(server.issuer);
  configs.webBasic = await client.discovery(issuer, clients.webBasic.id, clients.webBasic.secret,
    client.ClientSecretBasic(), insecure);
  configs.webPost = await client.discovery(issuer, clients.webPost.id, clients.webPost.secret,
    client.ClientSecretPost(), insecure);
  configs.spa = await client.discovery(issuer, clients.spa.id, undefined, client.None(), insecure);
  configs.svc = await client.discovery(issuer, clients.svc.id, clients.svc.secret,
    client.ClientSecretBasic(), insecure);
}

// --- flow helpers ------------------------------------------------------------------------------

/** Headless Chromium with a fresh profile of its own (close the context when done). */
async function launchChromium() {
  const userDataDir = fs.mkdtempSync(path.join(workDir, 'chromium-'));
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

/** A new authorization request of `config`'s client: { url, verifier, state, nonce }. */
async function startAuthorization(config, extra = {}) {
  const verifier = remember('code_verifier', client.randomPKCECodeVerifier());
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT, scope: SCOPE, state, nonce,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256', ...extra,
  });
  return { url, verifier, state, nonce };
}

/**
 * startAuthorization, but the parameters are pushed first (RFC 9126) with openid-client's
 * buildAuthorizationUrlWithPAR: the URL holds client_id and request_uri only.
 */
async function startPushedAuthorization(config, extra = {}) {
  const verifier = remember('code_verifier', client.randomPKCECodeVerifier());
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = await client.buildAuthorizationUrlWithPAR(config, {
    redirect_uri: REDIRECT, scope: SCOPE, state, nonce,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256', ...extra,
  });
  remember('request_uri', url.searchParams.get('request_uri'));
  return { url, verifier, state, nonce };
}

/** GET the authorize URL and assert the login page: { page, form, fields }. */
async function getLoginPage(url, jar) {
  const page = await request(url, { jar });
  assert.equal(page.status, 200, `GET /authorize without a session should show the login page\n${show(page)}`);
  assert.match(page.headers.get('content-type') ?? '', /^text\/html/i, show(page));
  const form = loginForm(page.text, ` of ${url}`);
  return { page, form, fields: formFields(form) };
}

/** Posts `form` the way a browser submits it: { response, location }. */
async function postLogin(pageUrl, form, fields, jar, { headers = {} } = {}) {
  const action = new URL(form.attributes.action ?? '', pageUrl);
  const response = await request(action, {
    method: 'POST', jar, form: fields,
    headers: { origin: new URL(pageUrl).origin, ...headers },
  });
  return { response, location: response.headers.get('location') };
}

/** The whole browser-like login: page, form post, 302. Returns the redirect's URL. */
async function loginWithForm(auth, user, jar = new CookieJar()) {
  const { form, fields } = await getLoginPage(auth.url, jar);
  const { response, location } = await postLogin(auth.url, form,
    { ...fields, username: user.username, password: user.password }, jar);
  assert.equal(response.status, 302, `a successful login should redirect\n${show(response)}`);
  assert.ok(location, show(response));
  return { callbackUrl: new URL(location, auth.url), response, jar };
}

/** Checks an authorization response on the redirect_uri: code, state, iss (RFC 9207). */
function assertCodeRedirect(callbackUrl, auth) {
  assert.equal(`${callbackUrl.origin}${callbackUrl.pathname}`, REDIRECT, `redirected to ${callbackUrl}`);
  const p = callbackUrl.searchParams;
  assert.equal(p.get('error'), null, `error redirect: ${callbackUrl}`);
  assert.match(p.get('code') ?? '', /^[A-Za-z0-9_-]{20,}$/, `no code in ${callbackUrl}`);
  assert.equal(p.get('state'), auth.state);
  assert.equal(p.get('iss'), server.issuer);
  remember('code', p.get('code'));
}

function assertErrorRedirect(r, error, state) {
  assert.equal(r.status, 302, `expected a redirect with error=${error}\n${show(r)}`);
  const location = new URL(r.headers.get('location'));
  assert.equal(`${location.origin}${location.pathname}`, REDIRECT, `redirected to ${location}`);
  const p = location.searchParams;
  assert.equal(p.get('error'), error, `Location: ${location}`);
  assert.ok(p.get('error_description'), `no error_description in ${location}`);
  assert.equal(p.get('code'), null);
  if (state !== undefined) assert.equal(p.get('state'), state, `Location: ${location}`);
  assert.equal(p.get('iss'), server.issuer, `Location: ${location}`);
}

async function exchange(config, callbackUrl, auth, checks = {}) {
  const tokens = await client.authorizationCodeGrant(config, callbackUrl, {
    pkceCodeVerifier: auth.verifier, expectedState: auth.state, expectedNonce: auth.nonce,
    idTokenExpected: true, ...checks,
  });
  remember('access_token', tokens.access_token);
  remember('refresh_token', tokens.refresh_token);
  remember('id_token', tokens.id_token);
  return tokens;
}

/** The ID token and access token checks beyond what openid-client does itself. */
function checkTokens(tokens, config, user, { nonce, authTimeNear } = {}) {
  assert.equal(tokens.token_type.toLowerCase(), 'bearer');
  assert.ok(Number.isInteger(tokens.expires_in) && tokens.expires_in > 0, `expires_in ${tokens.expires_in}`);
  assert.deepEqual(tokens.scope.split(' ').sort(), SCOPE.split(' ').sort());
  const claims = tokens.claims();
  const { header } = decodeJwt(tokens.id_token);
  assert.equal(claims.iss, server.issuer);
  assert.equal(claims.sub, user.user_id);
  assert.ok([claims.aud].flat().includes(config.clientMetadata().client_id), `aud ${claims.aud}`);
  assert.equal(claims.azp, config.clientMetadata().client_id);
  if (nonce !== undefined) assert.equal(claims.nonce, nonce);
  assert.ok(Number.isInteger(claims.auth_time), `auth_time ${claims.auth_time}`);
  if (authTimeNear !== undefined) {
    assert.ok(Math.abs(claims.auth_time - authTimeNear) <= 5, `auth_time ${claims.auth_time} vs ${authTimeNear}`);
  }
  assert.equal(claims.at_hash, atHash(tokens.access_token, header.alg), 'at_hash');
  assert.equal(claims.preferred_username, user.username);
  assert.equal(claims.name, user.name);
  assert.equal(claims.email, user.email);
  assert.equal(claims.email_verified, true);
  const access = decodeJwt(tokens.access_token);
  assert.equal(access.header.typ, 'at+jwt');
  assert.equal(access.claims.sub, user.user_id);
  assert.equal(access.claims.client_id, config.clientMetadata().client_id);
  return claims;
}

async function rejectsWith(promise, error, status) {
  let caught;
  try {
    await promise;
  } catch (e) {
    caught = e;
  }
  assert.ok(caught, `expected the OAuth error ${error}, got success`);
  if (caught instanceof client.WWWAuthenticateChallengeError) {
    // A 401 with WWW-Authenticate: openid-client reports the challenge; the body has the error.
    if (status !== undefined) assert.equal(caught.status, status);
    const challenge = caught.cause?.[0]?.parameters?.error;
    let body;
    try {
      body = await caught.response.json();
    } catch { /* consumed or not JSON */ }
    assert.ok(challenge === error || body?.error === error,
      `expected ${error}; challenge ${JSON.stringify(caught.cause)}, body ${JSON.stringify(body)}`);
    return;
  }
  assert.ok(caught instanceof client.ResponseBodyError,
    `expected an OAuth error response, got ${caught?.stack}`);
  assert.equal(caught.error, error, `${caught.error}: ${caught.error_description}`);
  if (status !== undefined) assert.equal(caught.status, status);
}

function assertNoRedirect(r, status) {
  if (status !== undefined) {
    assert.equal(r.status, status, show(r));
  }
  assert.equal(r.headers.get('location'), null, `must not redirect\n${show(r)}`);
  assert.ok(![301, 302, 303, 307, 308].includes(r.status), show(r));
}

function assertSecurityHeaders(r) {
  const problems = [];
  for (const [name, ok] of Object.entries(SECURITY_HEADERS)) {
    const value = r.headers.get(name);
    if (value === null) problems.push(`${name} missing`);
    else if (!ok(value)) problems.push(`${name}: ${value}`);
  }
  return problems;
}

async function tokenRequest(form, { auth, headers = {} } = {}) {
  const h = { ...headers };
  if (auth) h.authorization = auth;
  return request(`${server.base}/token`, { method: 'POST', form, headers: h });
}

function assertOAuthError(r, status, error) {
  assert.equal(r.status, status, `expected ${status} ${error}\n${show(r)}`);
  assert.match(r.headers.get('content-type') ?? '', /^application\/json/i, show(r));
  assert.ok(r.json, `not JSON\n${show(r)}`);
  assert.equal(r.json.error, error, show(r));
  assert.equal(typeof r.json.error_description, 'string', `error_description\n${show(r)}`);
  for (const value of seen.values()) assert.ok(!r.text.includes(value), `the error echoes a secret\n${show(r)}`);
}

// --- discovery and keys ------------------------------------------------------------------------

test('discovery: /.well-known/openid-configuration (OIDC Discovery §3, RFC 8414)', async () => {
  const r = await request(`${server.issuer}/.well-known/openid-configuration`);
  assert.equal(r.status, 200, show(r));
  assert.match(r.headers.get('content-type') ?? '', /^application\/json/i, show(r));
  const m = r.json;
  assert.ok(m, show(r));
  const issuer = server.issuer;
  assert.equal(m.issuer, issuer);
  for (const [field, suffix] of [['authorization_endpoint', '/authorize'], ['token_endpoint', '/token'],
    ['userinfo_endpoint', '/userinfo'], ['jwks_uri', '/jwks'],
    ['introspection_endpoint', '/introspect'], ['revocation_endpoint', '/revoke'],
    ['device_authorization_endpoint', '/device_authorization']]) {
    assert.equal(m[field], issuer + suffix, field);
  }
  assert.deepEqual(m.response_types_supported, ['code']);
  assert.deepEqual([...m.grant_types_supported].sort(),
    ['authorization_code', 'client_credentials', 'refresh_token',
      'urn:ietf:params:oauth:grant-type:device_code',
      'urn:ietf:params:oauth:grant-type:token-exchange']);
  assert.deepEqual(m.code_challenge_methods_supported, ['S256']);
  assert.deepEqual([...m.token_endpoint_auth_methods_supported].sort(),
    ['client_secret_basic', 'client_secret_post', 'none', 'private_key_jwt']);
  for (const s of ['openid', 'profile', 'email', 'address', 'phone']) {
    assert.ok(m.scopes_supported?.includes(s), `scopes_supported lacks ${s}`);
  }
  for (const c of ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'name',
    'preferred_username', 'email', 'email_verified', ...Object.keys(CAROL_PROFILE), 'updated_at',
    'address', 'phone_number', 'phone_number_verified']) {
    assert.ok(m.claims_supported?.includes(c), `claims_supported lacks ${c}: ${m.claims_supported}`);
  }
  assert.ok(Array.isArray(m.id_token_signing_alg_values_supported) &&
    m.id_token_signing_alg_values_supported.length > 0, 'id_token_signing_alg_values_supported');
  assert.ok(!m.id_token_signing_alg_values_supported.includes('none'), 'alg none advertised');
  assert.deepEqual(m.subject_types_supported, ['public']);
  assert.equal(m.authorization_response_iss_parameter_supported, true);
  assert.deepEqual([...m.prompt_values_supported].sort(), ['consent', 'login', 'none']);
  // RFC 9126 §5: PAR offered, required only of clients registered so.
  assert.equal(m.pushed_authorization_request_endpoint, `${issuer}/par`);
  assert.equal(m.require_pushed_authorization_requests, false);
  // openid-client accepted the same document in makeWorld() (it checks `issuer` equality).
  assert.equal(configs.webBasic.serverMetadata().issuer, issuer);
});

test('jwks: public keys only, each with kid, matching the advertised algorithms', async () => {
  const r = await request(`${server.issuer}/jwks`);
  assert.equal(r.status, 200, show(r));
  assert.match(r.headers.get('content-type') ?? '', /^application\/(jwk-set\+)?json/i, show(r));
  assert.ok(Array.isArray(r.json?.keys) && r.json.keys.length > 0, show(r));
  const algs = configs.webBasic.serverMetadata().id_token_signing_alg_values_supported;
  for (const key of r.json.keys) {
    assert.ok(key.kid, `a key without kid: ${JSON.stringify(key)}`);
    for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) {
      assert.ok(!(secret in key), `private member ${secret} in the JWKS`);
    }
    if (key.alg) assert.ok(algs.includes(key.alg), `key alg ${key.alg} not in ${algs}`);
    if (key.use) assert.equal(key.use, 'sig');
    crypto.createPublicKey({ key, format: 'jwk' }); // Node can import it.
  }
});

// --- signing algorithms (OIDC Core §15.1, Dynamic Client Registration §2) -----------------------

/** jose's verification of `token` against the server's /jwks, allowing only `alg`. */
async function verifyWithJose(token, alg, { audience, typ }) {
  const jwks = jose.createRemoteJWKSet(new URL(`${server.issuer}/jwks`));
  const { payload, protectedHeader } = await jose.jwtVerify(token, jwks, {
    issuer: server.issuer, audience, algorithms: [alg], typ,
  });
  assert.equal(protectedHeader.alg, alg);
  return payload;
}

test('discovery lists exactly the signing algorithms /jwks holds a CURRENT key of, RS256 first', async () => {
  const m = (await request(`${server.issuer}/.well-known/openid-configuration`)).json;
  // The default configuration: ES256 signs access tokens, RS256 ID tokens.
  assert.deepEqual(m.id_token_signing_alg_values_supported, ['RS256', 'ES256']);
  const keys = (await request(`${server.issuer}/jwks`)).json.keys;
  for (const alg of m.id_token_signing_alg_values_supported) {
    // One CURRENT and one NEXT key per algorithm, both published (SPEC "Keys").
    assert.equal(keys.filter((k) => k.alg === alg).length, 2, `keys of ${alg}: ${JSON.stringify(keys)}`);
  }
  assert.deepEqual([...new Set(keys.map((k) => k.alg))].sort(),
    [...m.id_token_signing_alg_values_supported].sort());
});

test('RS256 ID token by default, ES256 access token: both verified by jose against /jwks', async () => {
  const config = configs.webPost;
  const auth = await startAuthorization(config);
  const { callbackUrl } = await loginWithForm(auth, users.bob);
  assertCodeRedirect(callbackUrl, auth);
  const tokens = await exchange(config, callbackUrl, auth);
  checkTokens(tokens, config, users.bob, { nonce: auth.nonce });
  const id = await verifyWithJose(tokens.id_token, 'RS256', { audience: clients.webPost.id, typ: 'JWT' });
  assert.equal(id.sub, users.bob.user_id);
  assert.equal(id.nonce, auth.nonce);
  const access = await verifyWithJose(tokens.access_token, 'ES256', { audience: server.issuer, typ: 'at+jwt' });
  assert.equal(access.client_id, clients.webPost.id);
});

test('a client registered with id_token_signed_response_alg ES256 gets ES256 ID tokens', async () => {
  const created = idctl(args.idctl, server, ['clients', 'create', '--id', 'web-es256',
    '--name', 'Web app (ES256 ID tokens)', '--redirect-uri', REDIRECT, '--grant-type', 'authorization_code',
    '--grant-type', 'refresh_token', '--id-token-alg', 'ES256']);
  assert.equal(created.client.id_token_signed_response_alg, 'ES256');
  const secret = remember('web-es256 secret', created.client_secret);
  // openid-client (oauth4webapi) then accepts only ES256 ID tokens for this client.
  const config = await client.discovery(new URL(server.issuer), 'web-es256',
    { client_secret: secret, id_token_signed_response_alg: 'ES256' }, client.ClientSecretBasic(secret),
    insecure);
  const auth = await startAuthorization(config);
  const { callbackUrl } = await loginWithForm(auth, users.alice);
  const tokens = await exchange(config, callbackUrl, auth);
  assert.equal(decodeJwt(tokens.id_token).header.alg, 'ES256');
  checkTokens(tokens, config, users.alice, { nonce: auth.nonce });
  await verifyWithJose(tokens.id_token, 'ES256', { audience: 'web-es256', typ: 'JWT' });
  const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
  await verifyWithJose(refreshed.id_token, 'ES256', { audience: 'web-es256', typ: 'JWT' });
  // Back to the server's default: RS256.
  const updated = idctl(args.idctl, server, ['clients', 'update', 'web-es256', '--default-id-token-alg']);
  assert.equal(updated.id_token_signed_response_alg ?? '', '');
});

test('id_token_signed_response_alg none, HS256 or one not configured is refused (INVALID_ARGUMENT)', async () => {
  for (const alg of ['none', 'HS256', 'PS256']) {
    assert.throws(() => idctl(args.idctl, server, ['clients', 'create', '--id', `bad-${alg}`,
      '--redirect-uri', REDIRECT, '--grant-type', 'authorization_code', '--id-token-alg', alg]),
    (e) => /INVALID_ARGUMENT/.test(e.message) && /id_token_signed_response_alg/.test(e.message),
    `alg ${alg} accepted`);
  }
});

// --- the login page ------------------------------------------------------------------------------

test('login page: a POST form to /authorize with the request as hidden fields, csrf field + cookie', async () => {
  const auth = await startAuthorization(configs.webBasic, { state: 'st-"<b>&\'x' });
  const jar = new CookieJar();
  const { page, form, fields } = await getLoginPage(auth.url, jar);
  assert.equal((form.attributes.method ?? '').toLowerCase(), 'post');
  assert.equal(new URL(form.attributes.action ?? '', auth.url).pathname, '/authorize',
    `form action ${form.attributes.action}`);
  const byName = Object.fromEntries(form.inputs.filter((i) => i.name).map((i) => [i.name, i]));
  const params = auth.url.searchParams;
  for (const name of ['response_type', 'client_id', 'redirect_uri', 'scope', 'state',
    'code_challenge', 'code_challenge_method', 'nonce']) {
    assert.equal(byName[name]?.type?.toLowerCase(), 'hidden', `hidden input ${name}`);
    assert.equal(byName[name].value, params.get(name), `hidden input ${name}`);
  }
  assert.equal(byName.csrf?.type?.toLowerCase(), 'hidden', 'hidden csrf input');
  assert.ok((byName.csrf.value ?? '').length >= 16, `csrf value ${byName.csrf.value}`);
  assert.equal((byName.username?.type ?? 'text').toLowerCase(), 'text', 'text input username');
  assert.equal(byName.password?.type?.toLowerCase(), 'password', 'password input');
  assert.ok(!byName.password.value, 'the password field must be empty');
  const submit = form.buttons.find((b) => (b.type ?? 'submit').toLowerCase() === 'submit') ??
    form.inputs.find((i) => (i.type ?? '').toLowerCase() === 'submit');
  assert.ok(submit, 'no submit button');
  const csrfCookie = page.setCookies.get('identity_csrf');
  assert.ok(csrfCookie?.value, `no identity_csrf cookie\n${show(page)}`);
  assert.ok(csrfCookie.attributes.has('httponly'), `identity_csrf: ${csrfCookie.line}`);
  assert.ok(!csrfCookie.attributes.has('secure'), `Secure on plain http: ${csrfCookie.line}`);
  assert.ok(!page.setCookies.has('identity_session'), 'a session before any login');
  assert.ok(!page.text.includes('<b>&'), 'the state is reflected unescaped');
  assert.ok(fields.csrf);
});

test('login page escapes reflected parameters (no markup injection through state or nonce)', async () => {
  const evil = '"><script>window.__xss=1</script><img src=x onerror=alert(1)>';
  const auth = await startAuthorization(configs.webBasic, { state: evil, nonce: `n${evil}` });
  const { page, fields } = await getLoginPage(auth.url, new CookieJar());
  assert.ok(!page.text.includes('<script>window.__xss'), `state reflected as markup:\n${page.text}`);
  assert.ok(!page.text.includes('<img src=x'), `state reflected as markup:\n${page.text}`);
  assert.equal(fields.state, evil, 'the hidden state must round-trip exactly');
  assert.equal(fields.nonce, `n${evil}`);
});

// --- flows with openid-client ------------------------------------------------------------------

test('code flow + PKCE, client_secret_basic: ID token, UserInfo, introspection, refresh, revocation', async () => {
  const config = configs.webBasic;
  const auth = await startAuthorization(config);
  const before = Math.floor(Date.now() / 1000);
  aliceJar = new CookieJar();
  const { callbackUrl, response } = await loginWithForm(auth, users.alice, aliceJar);
  const session = response.setCookies.get('identity_session');
  assert.ok(session?.value, `no identity_session cookie on a successful login\n${show(response)}`);
  remember('session cookie', session.value);
  assert.ok(session.attributes.has('httponly'), `identity_session not HttpOnly: ${session.line}`);
  assert.equal(session.attributes.get('samesite')?.toLowerCase(), 'lax', `identity_session: ${session.line}`);
  assert.ok(!session.attributes.has('secure'), `Secure on plain http: ${session.line}`);
  assertCodeRedirect(callbackUrl, auth);

  const tokens = await exchange(config, callbackUrl, auth);
  redeemedCode = callbackUrl.searchParams.get('code');
  checkTokens(tokens, config, users.alice, { nonce: auth.nonce, authTimeNear: before });
  assert.ok(tokens.refresh_token, 'no refresh_token for a client with the refresh_token grant');

  const info = await client.fetchUserInfo(config, tokens.access_token, users.alice.user_id);
  assert.deepEqual(
    { sub: info.sub, name: info.name, preferred_username: info.preferred_username,
      email: info.email, email_verified: info.email_verified },
    { sub: users.alice.user_id, name: users.alice.name, preferred_username: users.alice.username,
      email: users.alice.email, email_verified: true });

  const intro = await client.tokenIntrospection(config, tokens.access_token);
  assert.equal(intro.active, true, JSON.stringify(intro));
  assert.equal(intro.client_id, clients.webBasic.id);
  assert.equal(intro.sub, users.alice.user_id);
  assert.deepEqual(intro.scope.split(' ').sort(), SCOPE.split(' ').sort());
  assert.ok(intro.exp > Date.now() / 1000, `exp ${intro.exp}`);
  if (intro.iss !== undefined) assert.equal(intro.iss, server.issuer);

  const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
  remember('access_token', refreshed.access_token);
  remember('refresh_token', refreshed.refresh_token);
  assert.ok(refreshed.refresh_token && refreshed.refresh_token !== tokens.refresh_token, 'rotation');
  assert.notEqual(refreshed.access_token, tokens.access_token);
  if (refreshed.id_token) {
    const claims = refreshed.claims();
    assert.equal(claims.sub, users.alice.user_id);
    assert.equal(claims.nonce, undefined, 'no nonce after a refresh (OIDC Core §12.2)');
  }

  // RFC 7009: revoke the access token, then the refresh token (the family).
  await client.tokenRevocation(config, refreshed.access_token, { token_type_hint: 'access_token' });
  const afterRevoke = await client.tokenIntrospection(config, refreshed.access_token);
  assert.equal(afterRevoke.active, false, JSON.stringify(afterRevoke));
  const userinfo = await request(`${server.base}/userinfo`,
    { headers: { authorization: `Bearer ${refreshed.access_token}` } });
  assert.equal(userinfo.status, 401, `UserInfo with a revoked access token\n${show(userinfo)}`);
  assert.match(userinfo.headers.get('www-authenticate') ?? '', /^Bearer\b.*error="invalid_token"/i);

  await client.tokenRevocation(config, refreshed.refresh_token, { token_type_hint: 'refresh_token' });
  await rejectsWith(client.refreshTokenGrant(config, refreshed.refresh_token), 'invalid_grant', 400);
  // The first refresh token was rotated away: reuse fails too.
  await rejectsWith(client.refreshTokenGrant(config, tokens.refresh_token), 'invalid_grant', 400);
});

test('code flow + PKCE, client_secret_post: tokens, UserInfo, refresh, introspection', async () => {
  const config = configs.webPost;
  const auth = await startAuthorization(config);
  const { callbackUrl } = await loginWithForm(auth, users.alice);
  assertCodeRedirect(callbackUrl, auth);
  const tokens = await exchange(config, callbackUrl, auth);
  checkTokens(tokens, config, users.alice, { nonce: auth.nonce });
  const info = await client.fetchUserInfo(config, tokens.access_token, users.alice.user_id);
  assert.equal(info.email, users.alice.email);
  // Another client cannot use this client's refresh token (RFC 6749 §6).
  await rejectsWith(client.refreshTokenGrant(configs.webBasic, tokens.refresh_token), 'invalid_grant', 400);
  const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
  remember('refresh_token', refreshed.refresh_token);
  remember('access_token', refreshed.access_token);
  const intro = await client.tokenIntrospection(config, refreshed.access_token);
  assert.equal(intro.active, true);
  assert.equal(intro.client_id, clients.webPost.id);
  await client.tokenRevocation(config, refreshed.refresh_token);
  await rejectsWith(client.refreshTokenGrant(config, refreshed.refresh_token), 'invalid_grant', 400);
});

test('code flow + PKCE, public client (token_endpoint_auth_method none)', async () => {
  const config = configs.spa;
  const auth = await startAuthorization(config);
  const { callbackUrl } = await loginWithForm(auth, users.alice);
  assertCodeRedirect(callbackUrl, auth);
  const tokens = await exchange(config, callbackUrl, auth);
  checkTokens(tokens, config, users.alice, { nonce: auth.nonce });
  const info = await client.fetchUserInfo(config, tokens.access_token, users.alice.user_id);
  assert.equal(info.preferred_username, users.alice.username);
  const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
  remember('refresh_token', refreshed.refresh_token);
  remember('access_token', refreshed.access_token);
  assert.ok(refreshed.access_token);
  // A public client may revoke (client_id alone) but not introspect (RFC 7662 needs a secret).
  await client.tokenRevocation(config, refreshed.refresh_token);
  await rejectsWith(client.refreshTokenGrant(config, refreshed.refresh_token), 'invalid_grant', 400);
  await rejectsWith(client.tokenIntrospection(config, refreshed.access_token), 'invalid_client', 401);
});

// RFC 9126: openid-client pushes the request (client authentication as at /token), sends the
// browser with client_id and request_uri only, the login form carries the pushed request on
// (a new reference, not the parameters), and the code is exchanged with the pushed verifier.
test('PAR (RFC 9126): openid-client pushes the request; login, code, tokens; request_uri single use', async () => {
  for (const key of ['webBasic', 'webPost', 'spa']) {
    const config = configs[key];
    const auth = await startPushedAuthorization(config);
    assert.deepEqual([...auth.url.searchParams.keys()].sort(), ['client_id', 'request_uri'], `${auth.url}`);
    assert.match(auth.url.searchParams.get('request_uri'), /^urn:ietf:params:oauth:request_uri:[A-Za-z0-9_-]{43}$/);
    const { fields } = await getLoginPage(auth.url, new CookieJar());
    assert.equal(fields.state, undefined, 'the pushed parameters passed through the page');
    assert.match(fields.request_uri ?? '', /^urn:ietf:params:oauth:request_uri:/);
    assert.notEqual(fields.request_uri, auth.url.searchParams.get('request_uri'));
    // The pushed request_uri was consumed by the page: a second GET is a 400 page.
    assertNoRedirect(await request(auth.url), 400);
    const jar = new CookieJar();
    const again = await startPushedAuthorization(config);
    const { callbackUrl } = await loginWithForm(again, users.alice, jar);
    assertCodeRedirect(callbackUrl, again);
    const tokens = await exchange(config, callbackUrl, again);
    checkTokens(tokens, config, users.alice, { nonce: again.nonce });
    assertNoRedirect(await request(again.url, { jar }), 400);
    // With the session, a pushed request is answered with a code at once.
    const sso = await startPushedAuthorization(config);
    const r = await request(sso.url, { jar });
    assert.equal(r.status, 302, show(r));
    assertCodeRedirect(new URL(r.headers.get('location')), sso);
  }
});

test('PAR: another client\'s, unknown or reused request_uri is a 400 page; push errors as at /token', async () => {
  const auth = await startPushedAuthorization(configs.webBasic);
  const stolen = new URL(auth.url);
  stolen.searchParams.set('client_id', clients.webPost.id);
  assertNoRedirect(await request(stolen), 400);
  // Not burned by the other client's try (RFC 9126 §4: bound to its client).
  await getLoginPage(auth.url, new CookieJar());
  const unknown = new URL(auth.url);
  unknown.searchParams.set('request_uri', 'urn:ietf:params:oauth:request_uri:unknown');
  assertNoRedirect(await request(unknown), 400);
  // Parameters beside client_id and request_uri are ignored (RFC 9126 §4).
  const extra = await startPushedAuthorization(configs.webBasic);
  const injected = new URL(extra.url);
  injected.searchParams.set('redirect_uri', 'https://evil.example/cb');
  injected.searchParams.set('state', 'injected');
  const { callbackUrl } = await loginWithForm({ ...extra, url: injected }, users.alice);
  assertCodeRedirect(callbackUrl, extra);
  // Errors of the push itself: JSON, 401 invalid_client or 400 (RFC 9126 §2.3).
  const wrongSecret = await client.discovery(new URL(server.issuer), clients.webBasic.id, 'wrong',
    client.ClientSecretBasic(), insecure);
  await rejectsWith(startPushedAuthorization(wrongSecret), 'invalid_client', 401);
  await rejectsWith(startPushedAuthorization(configs.webBasic, { redirect_uri: 'https://evil.example/cb' }),
    'invalid_request', 400);
  await rejectsWith(startPushedAuthorization(configs.webBasic, { scope: 'openid orders.admin' }),
    'invalid_scope', 400);
  await rejectsWith(startPushedAuthorization(configs.webBasic, { code_challenge_method: 'plain' }),
    'invalid_request', 400);
  await rejectsWith(startPushedAuthorization(configs.webBasic, { request: 'eyJhbGciOiJub25lIn0.e30.' }),
    'request_not_supported', 400);
  const raw = await request(`${server.issuer}/par`, { method: 'POST', form: { client_id: clients.webPost.id,
    client_secret: clients.webPost.secret, response_type: 'code', redirect_uri: REDIRECT,
    request_uri: 'urn:ietf:params:oauth:request_uri:x' } });
  assert.equal(raw.status, 400, show(raw));
  assert.equal(raw.json?.error, 'invalid_request', show(raw));
  assert.match(raw.headers.get('cache-control') ?? '', /no-store/, show(raw));
});

// RFC 9126 §6: a client registered with require_pushed_authorization_requests (idctl
// --require-par) has its direct authorization requests refused with invalid_request.
test('PAR required: a direct request is invalid_request at the redirect_uri; a pushed one works', async () => {
  const created = idctl(args.idctl, server, ['clients', 'create', '--id', 'par-only', '--name', 'PAR only',
    '--redirect-uri', REDIRECT, '--grant-type', 'authorization_code', '--require-par']);
  assert.equal(created.client.require_pushed_authorization_requests, true);
  const secret = remember('par-only secret', created.client_secret);
  const config = await client.discovery(new URL(server.issuer), 'par-only', secret,
    client.ClientSecretPost(), insecure);
  const direct = await startAuthorization(config);
  assertErrorRedirect(await request(direct.url), 'invalid_request', direct.state);
  const pushed = await startPushedAuthorization(config);
  const { callbackUrl } = await loginWithForm(pushed, users.bob);
  assertCodeRedirect(callbackUrl, pushed);
  const tokens = await exchange(config, callbackUrl, pushed, { idTokenExpected: true });
  assert.equal(tokens.claims().sub, users.bob.user_id);
});

// OIDC Core §5.4: each scope releases its claims from UserInfo; §5.3.2: absent ones are left out.
test('standard claims: openid profile email address phone releases every claim from UserInfo', async () => {
  const config = configs.webBasic;
  const scope = 'openid profile email address phone';
  const auth = await startAuthorization(config, { scope });
  const { callbackUrl } = await loginWithForm(auth, users.carol);
  assertCodeRedirect(callbackUrl, auth);
  const tokens = await exchange(config, callbackUrl, auth);
  assert.deepEqual(tokens.scope.split(' ').sort(), scope.split(' ').sort());
  const info = await client.fetchUserInfo(config, tokens.access_token, users.carol.user_id);
  const { updated_at: updatedAt, ...rest } = info;
  assert.deepEqual(rest, {
    sub: users.carol.user_id, preferred_username: users.carol.username, ...CAROL_PROFILE,
    email: 'carol@example.com', email_verified: true, address: CAROL_ADDRESS,
    phone_number: '+4930123456;ext=7', phone_number_verified: true,
  });
  assert.equal(updatedAt, Math.floor(users.carol.claimsUpdatedAt), 'updated_at: seconds of the last change');
  const advertised = (await request(`${server.issuer}/.well-known/openid-configuration`)).json.claims_supported;
  for (const name of Object.keys(info)) assert.ok(advertised.includes(name), `${name} not in claims_supported`);
  // The ID token keeps its small set (docs/http.md): the rest comes from UserInfo.
  const id = tokens.claims();
  assert.equal(id.name, CAROL_PROFILE.name);
  assert.equal(id.email, 'carol@example.com');
  for (const absent of ['given_name', 'address', 'phone_number', 'birthdate', 'updated_at']) {
    assert.equal(id[absent], undefined, `${absent} in the ID token`);
  }
});

test('standard claims: openid email releases only sub, email and email_verified', async () => {
  const config = configs.webPost;
  const auth = await startAuthorization(config, { scope: 'openid email' });
  const { callbackUrl } = await loginWithForm(auth, users.carol);
  const tokens = await exchange(config, callbackUrl, auth);
  assert.equal(tokens.scope, 'openid email');
  const info = await client.fetchUserInfo(config, tokens.access_token, users.carol.user_id);
  assert.deepEqual(info, { sub: users.carol.user_id, email: 'carol@example.com', email_verified: true });
  // The same over POST (RFC 6750 §2.2), raw.
  const post = await request(`${server.base}/userinfo`, { method: 'POST',
    form: { access_token: tokens.access_token } });
  assert.equal(post.status, 200, show(post));
  assert.deepEqual(post.json, info);
});

test('client_credentials grant (confidential client, client_secret_basic)', async () => {
  const tokens = await client.clientCredentialsGrant(configs.svc, { scope: 'orders.read' });
  remember('access_token', tokens.access_token);
  assert.equal(tokens.token_type.toLowerCase(), 'bearer');
  assert.equal(tokens.scope, 'orders.read');
  assert.equal(tokens.refresh_token, undefined, 'no refresh token for client_credentials');
  assert.equal(tokens.id_token, undefined, 'no ID token for client_credentials');
  const { header, claims } = decodeJwt(tokens.access_token);
  assert.equal(header.typ, 'at+jwt');
  assert.equal(claims.sub, clients.svc.id);
  assert.equal(claims.client_id, clients.svc.id);
  const intro = await client.tokenIntrospection(configs.svc, tokens.access_token);
  assert.equal(intro.active, true);
  assert.equal(intro.scope, 'orders.read');
  // Without a scope: all the client's allowed scopes.
  const all = await client.clientCredentialsGrant(configs.svc);
  remember('access_token', all.access_token);
  assert.deepEqual(all.scope.split(' ').sort(), ['orders.read', 'orders.write']);
  // A client_credentials token is not a user's: UserInfo refuses it (insufficient_scope).
  const u = await request(`${server.base}/userinfo`, { headers: { authorization: `Bearer ${all.access_token}` } });
  assert.equal(u.status, 403, `UserInfo with a client_credentials token\n${show(u)}`);
  assert.match(u.headers.get('www-authenticate') ?? '', /^Bearer\b.*error="insufficient_scope"/i, show(u));
});

test('token endpoint: the raw success response (RFC 6749 §5.1: JSON, Cache-Control no-store)', async () => {
  const r = await tokenRequest({ grant_type: 'client_credentials', scope: 'orders.read' },
    { auth: basic(clients.svc.id, clients.svc.secret) });
  assert.equal(r.status, 200, show(r));
  remember('access_token', r.json?.access_token);
  assert.match(r.headers.get('content-type') ?? '', /^application\/json/i);
  assert.match(r.headers.get('cache-control') ?? '', /no-store/i, show(r));
  assert.equal(r.json.token_type, 'Bearer');
  assert.ok(Number.isInteger(r.json.expires_in) && r.json.expires_in > 0);
  assert.equal(r.json.scope, 'orders.read');
  assert.equal(typeof r.json.access_token, 'string');
  // client_secret_post, raw.
  const p = await tokenRequest({ grant_type: 'client_credentials', client_id: clients.svc.id,
    client_secret: clients.svc.secret });
  assert.equal(p.status, 200, show(p));
  remember('access_token', p.json?.access_token);
});

// --- a person in Chromium ------------------------------------------------------------------------

test('browser: Chromium logs in on the page, lands on the redirect_uri, the code is exchanged; SSO', async () => {
  const context = await launchChromium();
  const consoleErrors = [];
  try {
    const page = await context.newPage();
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
    const auth = await startAuthorization(configs.webBasic);
    const shown = await page.goto(auth.url.href);
    assert.equal(shown.status(), 200);
    await page.screenshot({ path: path.join(outDir, 'login.png'), fullPage: true });
    fs.writeFileSync(path.join(outDir, 'login.html'), await page.content());
    await page.locator('input[name="username"]').fill(users.alice.username);
    await page.locator('input[name="password"]').fill(users.alice.password);
    const landed = page.waitForURL((u) => u.href.startsWith(`${REDIRECT}?`), { timeout: 30_000 });
    await page.locator('form[method="post" i] [type="submit"], form[method="post" i] button:not([type])').first().click();
    await landed;
    const callbackUrl = new URL(page.url());
    assertCodeRedirect(callbackUrl, auth);
    assert.ok(callback.hits.some((h) => h.startsWith('/cb?')), 'the redirect_uri was not loaded');
    const tokens = await exchange(configs.webBasic, callbackUrl, auth);
    checkTokens(tokens, configs.webBasic, users.alice, { nonce: auth.nonce });

    const cookies = await context.cookies(server.issuer);
    const session = cookies.find((c) => c.name === 'identity_session');
    assert.ok(session, `no identity_session cookie in the browser: ${JSON.stringify(cookies.map((c) => c.name))}`);
    remember('session cookie', session.value);
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Lax');
    assert.equal(session.secure, false);

    // Single sign-on: another client's authorization goes straight to its redirect_uri.
    const again = await startAuthorization(configs.spa);
    await page.goto(again.url.href);
    await page.waitForURL((u) => u.href.startsWith(`${REDIRECT}?`), { timeout: 30_000 });
    const second = new URL(page.url());
    assertCodeRedirect(second, again);
    const spaTokens = await exchange(configs.spa, second, again);
    assert.equal(spaTokens.claims().sub, users.alice.user_id);
    assert.ok(Math.abs(spaTokens.claims().auth_time - tokens.claims().auth_time) <= 1,
      'SSO keeps the original auth_time');
  } finally {
    if (consoleErrors.length) {
      fs.writeFileSync(path.join(outDir, 'browser-console-errors.txt'), consoleErrors.join('\n'));
    }
    await context.close();
  }
}, { timeoutMs: 120_000 });

// --- the pages people see: accessibility, layout, theme, language --------------------------------

const AXE_SOURCE = () => fs.readFileSync(path.join(HERE, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
// The smallest phones (320 px), a common phone (375 px) and a desktop.
const WIDTHS = [{ name: 'narrow', width: 320, height: 640 }, { name: 'phone', width: 375, height: 812 },
  { name: 'desktop', width: 1280, height: 800 }];

/**
 * Runs axe-core (every rule it runs by default: WCAG 2.0-2.2 A and AA and best practices) on the
 * page at each width, keeps a full-page screenshot of each as `pages-NAME-{narrow,phone,desktop}.png`, and
 * asserts no violation, that the page's own stylesheet applied under its Content-Security-Policy
 * (the card is a centred box of at most 26rem), and that nothing scrolls sideways.
 */
async function scanPage(page, name, report, { builtInLayout = true } = {}) {
  await page.evaluate(AXE_SOURCE()); // Through CDP: not a <script> the CSP would refuse.
  for (const { name: widthName, width, height } of WIDTHS) {
    await page.setViewportSize({ width, height });
    const layout = await page.evaluate(() => {
      const main = document.querySelector('main').getBoundingClientRect();
      return {
        mainLeft: main.left, mainRight: window.innerWidth - main.right, mainWidth: main.width,
        radius: getComputedStyle(document.querySelector('main')).borderTopLeftRadius,
        scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
        fontFamily: getComputedStyle(document.body).fontFamily,
      };
    });
    assert.ok(layout.scrollWidth <= layout.innerWidth, `${name} at ${width} px scrolls sideways: ${JSON.stringify(layout)}`);
    if (builtInLayout) {
      assert.equal(layout.radius, '12px', `${name}: the stylesheet did not apply (CSP?) ${JSON.stringify(layout)}`);
      assert.match(layout.fontFamily, /system-ui/, `${name}: not the system font stack`);
      assert.ok(Math.abs(layout.mainLeft - layout.mainRight) <= 1, `${name} at ${width} px: the card is not centred ${JSON.stringify(layout)}`);
      assert.ok(layout.mainWidth <= 416 + 0.5, `${name} at ${width} px: the card is wider than 26rem`);
    } else {
      assert.match(layout.fontFamily, /Georgia/, `${name}: the template's stylesheet did not apply (CSP?)`);
    }
    await page.screenshot({ path: path.join(outDir, `pages-${name}-${widthName}.png`), fullPage: true });
    const result = await page.evaluate(() => window.axe.run(document));
    report[`${name}@${width}`] = {
      violations: result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')) })),
      passes: result.passes.length,
      incomplete: result.incomplete.map((v) => v.id),
    };
    assert.deepEqual(report[`${name}@${width}`].violations, [],
      `axe-core found violations on ${name} at ${width} px`);
    assert.ok(result.passes.length >= 15, `${name}: axe-core checked too little (${result.passes.length} rules passed)`);
  }
}

/** Serves page_preview's files over loopback with the CSP the server sends with them. */
async function servePreview(dir) {
  const csp = fs.readFileSync(path.join(dir, 'content-security-policy.txt'), 'utf8').trim();
  const s = http.createServer((req, res) => {
    const file = path.join(dir, path.basename(new URL(req.url, 'http://x').pathname));
    if (!file.endsWith('.html') || !fs.existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': csp });
    res.end(fs.readFileSync(file));
  });
  await new Promise((resolve) => s.listen(0, '127.0.0.1', resolve));
  return { server: s, base: `http://127.0.0.1:${s.address().port}`, csp };
}

/** page_preview's pages for a theme: { dir, server, base, csp } (close server when done). */
async function previewPages(name, themeArgs) {
  assert.ok(args['page-preview'], 'the test needs --page-preview PATH (//server/http:page_preview)');
  const dir = fs.mkdtempSync(path.join(workDir, `preview-${name}-`));
  execFileSync(path.resolve(args['page-preview']), [dir, ...themeArgs], { stdio: ['ignore', 'inherit', 'inherit'] });
  return { dir, ...(await servePreview(dir)) };
}

// A 64x64 PNG logo (an amber square), as an operator would give it inline.
const LOGO_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAEAAAABACAIAAAAlC+aJAAAAT0lEQVR42u3PQQkAAAgEsPuaz6oGNIJvYbACy3S9FgEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQGBywLqHgEAcIlq0wAAAABJRU5ErkJggg==';

test('pages: login (empty and with an error), error, confirmation and device pages pass axe-core at 320, 375 and 1280 px', async () => {
  const context = await launchChromium();
  const report = {};
  let preview;
  try {
    const page = await context.newPage();
    const cspErrors = [];
    page.on('console', (m) => { if (m.type() === 'error' && /Content Security Policy/.test(m.text())) cspErrors.push(m.text()); });
    const auth = await startAuthorization(configs.webBasic);
    assert.equal((await page.goto(auth.url.href)).status(), 200);
    assert.equal(await page.locator('h1').count(), 1);
    await scanPage(page, 'login', report);
    // The scan can fail: the same page with its username label removed is a violation.
    const broken = await page.evaluate(async () => {
      const label = document.querySelector('label[for="username"]');
      label.remove();
      const result = await window.axe.run(document);
      document.querySelector('form').insertBefore(label, document.querySelector('#username'));
      return result.violations.map((v) => v.id);
    });
    assert.ok(broken.includes('label'), `axe-core missed an unlabelled field: ${broken}`);
    // One failed sign-in (an unknown user: it counts against no real account).
    await page.locator('#username').fill(`nobody.${crypto.randomBytes(3).toString('hex')}`);
    await page.locator('#password').fill(remember('pages wrong password', `wrong-${crypto.randomBytes(8).toString('hex')}`));
    const answered = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().includes('/authorize'));
    await page.locator('button[type="submit"]').click();
    assert.equal((await answered).status(), 401);
    await page.waitForLoadState();
    const alert = page.locator('[role="alert"]');
    assert.equal(await alert.count(), 1, 'the error is not announced with role=alert');
    assert.equal(await page.locator('#password').getAttribute('aria-describedby'), await alert.getAttribute('id'));
    await scanPage(page, 'login-error', report);
    // An unknown client: the error page (never a redirect).
    const error = await page.goto(`${server.base}/authorize?response_type=code&client_id=nobody&redirect_uri=${encodeURIComponent(REDIRECT)}`);
    assert.equal(error.status(), 400);
    await scanPage(page, 'error', report);
    // page_preview renders both confirmation pages with the default theme (the consent page the
    // server itself serves is scanned again in the third-party consent test below).
    preview = await previewPages('default', []);
    assert.equal(preview.csp, error.headers()['content-security-policy'],
      'page_preview and the server disagree on the default theme\'s CSP');
    for (const confirm of ['confirm-logout.en', 'confirm-consent.en']) {
      assert.equal((await page.goto(`${preview.base}/${confirm}.html`)).status(), 200);
      assert.equal(await page.locator('form[method="post"] button[type="submit"]').count(), 2);
      await scanPage(page, confirm.replace('.en', ''), report);
    }
    // The device flow's pages (RFC 8628): the code entry form, empty and with a code refused,
    // and the approval page, each in another language.
    for (const device of ['device-code.en', 'device-code-error.de', 'confirm-device.fr']) {
      assert.equal((await page.goto(`${preview.base}/${device}.html`)).status(), 200);
      assert.equal(await page.locator('h1').count(), 1);
      await scanPage(page, device.replace(/\.[a-z]{2}$/, ''), report);
    }
    assert.deepEqual(cspErrors, [], 'the Content-Security-Policy refused something the pages use');
  } finally {
    fs.writeFileSync(path.join(outDir, 'pages-axe.json'), `${JSON.stringify(report, null, 2)}\n`);
    preview?.server.close();
    await context.close();
  }
}, { timeoutMs: 180_000 });

test('pages: an operator\'s theme (logo, colours, name) passes axe-core, and the CSP lets its logo load', async () => {
  const context = await launchChromium();
  const report = {};
  const preview = await previewPages('themed', ['--product-name=Acme Sign-in',
    `--logo-url=data:image/png;base64,${LOGO_PNG}`, '--primary-color=#fde047', '--background-color=#0f172a']);
  try {
    assert.match(preview.csp, /; img-src data:;/);
    const page = await context.newPage();
    for (const name of ['login-error.de', 'confirm-consent.fr']) {
      assert.equal((await page.goto(`${preview.base}/${name}.html`)).status(), 200);
      const logo = await page.evaluate(() => {
        const img = document.querySelector('.brand img');
        return { loaded: img.complete && img.naturalWidth === 64, alt: img.getAttribute('alt') };
      });
      assert.deepEqual(logo, { loaded: true, alt: '' }, `${name}: the logo did not load under the CSP`);
      assert.match(await page.title(), /Acme Sign-in$/);
      await scanPage(page, `themed-${name.replace('.', '-')}`, report);
    }
  } finally {
    fs.writeFileSync(path.join(outDir, 'pages-axe-themed.json'), `${JSON.stringify(report, null, 2)}\n`);
    preview.server.close();
    await context.close();
  }
}, { timeoutMs: 120_000 });

test('pages: a template directory (tests/oidc_http/testdata/theme) passes axe-core under the CSP', async () => {
  const context = await launchChromium();
  const report = {};
  const preview = await previewPages('template', [`--template-dir=${path.join(HERE, 'testdata', 'theme')}`,
    '--product-name=Example Corp. Login', '--primary-color=#0f766e']);
  try {
    const page = await context.newPage();
    for (const name of ['login-error.en', 'error.de', 'confirm-logout.fr']) {
      assert.equal((await page.goto(`${preview.base}/${name}.html`)).status(), 200);
      assert.equal(await page.locator('header.bar .brand').count(), 1, `${name}: not the template's layout`);
      assert.match(await page.title(), / · Example Corp\. Login$/);
      await scanPage(page, `template-${name.replace('.', '-')}`, report, { builtInLayout: false });
    }
  } finally {
    fs.writeFileSync(path.join(outDir, 'pages-axe-template.json'), `${JSON.stringify(report, null, 2)}\n`);
    preview.server.close();
    await context.close();
  }
}, { timeoutMs: 120_000 });

test('pages: ui_locales picks the language (first supported wins), else Accept-Language, else English', async () => {
  const cases = [
    [{ ui_locales: 'es de-CH fr' }, {}, 'de', /Benutzername/],
    [{ ui_locales: 'fr' }, { 'accept-language': 'de' }, 'fr', /Mot de passe/],
    [{ ui_locales: 'ja' }, { 'accept-language': 'es, de;q=0.8, fr;q=0.9' }, 'fr', /Mot de passe/],
    [{}, { 'accept-language': 'de-DE,de;q=0.9' }, 'de', /Passwort/],
    [{}, { 'accept-language': 'ja' }, 'en', /Username/],
  ];
  for (const [extra, headers, lang, text] of cases) {
    const auth = await startAuthorization(configs.webBasic, extra);
    const r = await request(auth.url, { headers });
    assert.equal(r.status, 200, show(r));
    assert.match(r.text, new RegExp(`<html lang="${lang}"`), `${JSON.stringify([extra, headers])}`);
    assert.match(r.text, text, `${JSON.stringify([extra, headers])}`);
  }
  const error = await request(`${server.base}/authorize?client_id=nobody`, { headers: { 'accept-language': 'fr' } });
  assert.equal(error.status, 400);
  assert.match(error.text, /<html lang="fr"/);
  assert.match(error.text, /Erreur de connexion/);
});

// --- CORS: a single-page app on another origin -------------------------------------------------

test('browser: CORS lets only the client\'s origin read /token and /userinfo; discovery is public', async () => {
  const context = await launchChromium();
  // The spa client's redirect URI is on the callback server, http://127.0.0.1:PORT: its page
  // there is the app. The same server named localhost is another origin, not registered.
  const appOrigin = new URL(REDIRECT).origin;
  const strangerOrigin = appOrigin.replace('127.0.0.1', 'localhost');
  // Runs in the page: the fetches a single-page app makes, each reported as its status and
  // body, or the TypeError a browser gives when CORS does not let the page read the answer.
  const calls = async ({ issuer, clientId, code, verifier, redirectUri, token }) => {
    const read = async (promise) => {
      try {
        const r = await promise;
        return { status: r.status, body: await r.text() };
      } catch (e) {
        return { blocked: `${e.name}: ${e.message}` };
      }
    };
    const form = (fields) => ({ method: 'POST', body: new URLSearchParams(fields),
      headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    const out = {};
    out.discovery = await read(fetch(`${issuer}/.well-known/openid-configuration`));
    out.jwks = await read(fetch(`${issuer}/jwks`));
    if (code) {
      out.token = await read(fetch(`${issuer}/token`, form({ grant_type: 'authorization_code',
        client_id: clientId, code, code_verifier: verifier, redirect_uri: redirectUri })));
      try { token = JSON.parse(out.token.body).access_token; } catch { /* reported below */ }
    }
    if (token) {
      out.userinfo = await read(fetch(`${issuer}/userinfo`,
        { headers: { authorization: `Bearer ${token}` } }));
      out.introspect = await read(fetch(`${issuer}/introspect`,
        form({ client_id: clientId, token })));
    }
    out.badToken = await read(fetch(`${issuer}/token`, form({ grant_type: 'authorization_code',
      client_id: clientId, code: 'not-a-code', code_verifier: verifier ?? 'x'.repeat(43),
      redirect_uri: redirectUri })));
    return out;
  };
  try {
    const auth = await startAuthorization(configs.spa);
    const { callbackUrl } = await loginWithForm(auth, users.bob);
    assertCodeRedirect(callbackUrl, auth);
    const page = await context.newPage();
    await page.goto(`${appOrigin}/app`);
    const app = await page.evaluate(calls, { issuer: server.issuer, clientId: clients.spa.id,
      code: callbackUrl.searchParams.get('code'), verifier: auth.verifier, redirectUri: REDIRECT });
    const seen = JSON.stringify(app, null, 1);
    assert.equal(app.discovery.status, 200, seen);
    assert.equal(JSON.parse(app.discovery.body).issuer, server.issuer);
    assert.equal(app.jwks.status, 200, seen);
    assert.equal(app.token.status, 200, seen);
    const tokens = JSON.parse(app.token.body);
    assert.ok(tokens.access_token && tokens.id_token, seen);
    assert.equal(app.userinfo.status, 200, seen);  // After a preflight (the Authorization header).
    assert.equal(JSON.parse(app.userinfo.body).sub, users.bob.user_id);
    assert.equal(app.badToken.status, 400, seen);  // The app reads the error too.
    assert.equal(JSON.parse(app.badToken.body).error, 'invalid_grant');
    assert.match(app.introspect.blocked ?? '', /^TypeError/, `introspection read cross-origin: ${seen}`);

    // Another origin: the public documents only. Its own fetch of /token with the app's client
    // and of /userinfo with the app's (valid) token cannot be read.
    const other = await context.newPage();
    await other.goto(`${strangerOrigin}/stranger`);
    const stranger = await other.evaluate(calls, { issuer: server.issuer,
      clientId: clients.spa.id, redirectUri: REDIRECT, token: tokens.access_token });
    const shown = JSON.stringify(stranger, null, 1);
    assert.equal(stranger.discovery.status, 200, shown);
    assert.equal(stranger.jwks.status, 200, shown);
    assert.match(stranger.userinfo.blocked ?? '', /^TypeError/, `userinfo read by another origin: ${shown}`);
    assert.match(stranger.badToken.blocked ?? '', /^TypeError/, `token answer read by another origin: ${shown}`);
  } finally {
    await context.close();
  }
}, { timeoutMs: 120_000 });

// --- authorization endpoint errors ----------------------------------------------------------------

test('authorize: an unregistered redirect_uri is a 400 page, never a redirect (RFC 6749 §4.1.2.1)', async () => {
  for (const redirect of ['https://evil.example/cb', `${REDIRECT}/extra`, `${REDIRECT}?x=1`]) {
    const auth = await startAuthorization(configs.webBasic, { redirect_uri: redirect });
    const r = await request(auth.url);
    assertNoRedirect(r, 400);
    assert.match(r.headers.get('content-type') ?? '', /^text\/html/i, show(r));
    assert.ok(!r.text.includes('evil.example/cb"'), 'the page links to the bad redirect_uri');
  }
});

test('authorize: an unknown or missing client_id is a 400 page, never a redirect', async () => {
  const auth = await startAuthorization(configs.webBasic);
  const unknown = new URL(auth.url);
  unknown.searchParams.set('client_id', 'no-such-client');
  assertNoRedirect(await request(unknown), 400);
  const missing = new URL(auth.url);
  missing.searchParams.delete('client_id');
  assertNoRedirect(await request(missing), 400);
});

test('authorize: other request errors redirect with error, error_description, state, iss', async () => {
  const cases = [
    [{ response_type: 'token' }, 'unsupported_response_type'],
    [{ code_challenge: null }, 'invalid_request'],
    [{ code_challenge_method: 'plain' }, 'invalid_request'],
    [{ scope: 'openid orders.admin' }, 'invalid_scope'],
  ];
  for (const [change, error] of cases) {
    const auth = await startAuthorization(configs.webBasic);
    const url = new URL(auth.url);
    for (const [k, v] of Object.entries(change)) {
      if (v === null) url.searchParams.delete(k);
      else url.searchParams.set(k, v);
    }
    const r = await request(url);
    assertErrorRedirect(r, error, auth.state);
  }
  // A registered redirect_uri, but the client may not use the authorization_code grant.
  const noCode = new URL(`${server.issuer}/authorize`);
  noCode.search = new URLSearchParams({ response_type: 'code', client_id: clients.noCode.id,
    redirect_uri: REDIRECT, scope: 'openid', state: 's-no-code',
    code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
    code_challenge_method: 'S256' }).toString();
  assertErrorRedirect(await request(noCode), 'unauthorized_client', 's-no-code');
});

test('authorize: prompt=none without a session redirects with error=login_required', async () => {
  const auth = await startAuthorization(configs.webBasic, { prompt: 'none' });
  const r = await request(auth.url, { jar: new CookieJar() });
  assertErrorRedirect(r, 'login_required', auth.state);
  // OIDC Core §3.1.2.1: none with any other value is an error.
  const mixed = await startAuthorization(configs.webBasic, { prompt: 'none login' });
  assertErrorRedirect(await request(mixed.url, { jar: aliceJar.clone() }), 'invalid_request', mixed.state);
});

// --- POST /authorize: CSRF, wrong password, tampering ----------------------------------------------

test('login POST: a missing csrf field, a wrong one, or no csrf cookie is 403 with no redirect', async () => {
  const cases = {
    'no csrf field': (fields) => { delete fields.csrf; },
    'wrong csrf field': (fields) => { fields.csrf = `${fields.csrf.slice(0, -2)}xx`; },
    'empty csrf field': (fields) => { fields.csrf = ''; },
    'no csrf cookie': (fields, jar) => { jar.cookies.delete('identity_csrf'); },
    'csrf cookie of another page': (fields, jar, other) => { jar.set('identity_csrf', other); },
  };
  const problems = [];
  for (const [name, spoil] of Object.entries(cases)) {
    const auth = await startAuthorization(configs.webBasic);
    const jar = new CookieJar();
    const { form, fields } = await getLoginPage(auth.url, jar);
    const otherJar = new CookieJar();
    await getLoginPage((await startAuthorization(configs.webBasic)).url, otherJar);
    const all = { ...fields, username: users.alice.username, password: users.alice.password };
    spoil(all, jar, otherJar.get('identity_csrf'));
    const { response } = await postLogin(auth.url, form, all, jar);
    if (response.status !== 403 || response.headers.get('location') ||
        response.setCookies.has('identity_session')) {
      problems.push(`${name}: expected 403, no Location, no session; got\n${show(response)}`);
    }
  }
  assert.deepEqual(problems, []);
});

test('login POST: a wrong password shows the form again with an error, no redirect, no session', async () => {
  const auth = await startAuthorization(configs.webBasic);
  const jar = new CookieJar();
  const { form, fields } = await getLoginPage(auth.url, jar);
  const wrong = remember('wrong password', `wrong-${crypto.randomBytes(8).toString('hex')}`);
  const { response } = await postLogin(auth.url, form,
    { ...fields, username: users.bob.username, password: wrong }, jar);
  assertNoRedirect(response);
  assert.ok([200, 401].includes(response.status), `expected 200 or 401\n${show(response)}`);
  assert.ok(!response.setCookies.has('identity_session'), 'a session after a wrong password');
  assert.match(response.headers.get('content-type') ?? '', /^text\/html/i);
  assert.ok(!response.text.includes(wrong), 'the page echoes the wrong password');
  const again = loginForm(response.text, ' after a wrong password');
  const againFields = formFields(again);
  assert.ok(againFields.csrf, 'the form shown again has no csrf field');
  assert.equal(againFields.state, auth.state, 'the form shown again lost the request');
  assert.match(response.text, /wrong|invalid|incorrect|failed/i, 'no error message on the page');
  // The form shown again works: the right password now logs bob in.
  const { response: ok, location } = await postLogin(auth.url, again,
    { ...againFields, username: users.bob.username, password: users.bob.password }, jar);
  assert.equal(ok.status, 302, show(ok));
  assertCodeRedirect(new URL(location), auth);
  await exchange(configs.webBasic, new URL(location), auth);
});

test('login POST: tampered hidden fields (redirect_uri, client_id) are refused without a redirect', async () => {
  for (const [field, value] of [['redirect_uri', 'https://evil.example/cb'],
    ['client_id', 'no-such-client']]) {
    const auth = await startAuthorization(configs.webBasic);
    const jar = new CookieJar();
    const { form, fields } = await getLoginPage(auth.url, jar);
    const { response } = await postLogin(auth.url, form, { ...fields, [field]: value,
      username: users.alice.username, password: users.alice.password }, jar);
    assertNoRedirect(response, 400);
    assert.ok(!response.setCookies.has('identity_session'),
      `a session although the request was refused (${field})`);
  }
});

// --- the session: SSO, prompt, max_age ------------------------------------------------------------

test('session: a second /authorize with the session cookie skips the form (302 with a code)', async () => {
  assert.ok(aliceJar?.get('identity_session'), 'needs the client_secret_basic flow test first');
  const auth = await startAuthorization(configs.webPost);
  const r = await request(auth.url, { jar: aliceJar });
  assert.equal(r.status, 302, `the session should skip the form\n${show(r)}`);
  const cb = new URL(r.headers.get('location'));
  assertCodeRedirect(cb, auth);
  const first = (await exchange(configs.webPost, cb, auth)).claims();
  assert.equal(first.sub, users.alice.user_id);
  // prompt=none with a session: a code, no error.
  const none = await startAuthorization(configs.spa, { prompt: 'none' });
  const r2 = await request(none.url, { jar: aliceJar });
  assert.equal(r2.status, 302, show(r2));
  const cb2 = new URL(r2.headers.get('location'));
  assertCodeRedirect(cb2, none);
  const tokens = await exchange(configs.spa, cb2, none);
  assert.equal(tokens.claims().auth_time, first.auth_time, 'the session keeps its auth_time');
});

test('session: a tampered session cookie is no session (the form, not an error)', async () => {
  const jar = aliceJar.clone();
  const value = jar.get('identity_session');
  const flipped = value.slice(0, -3) + (value.at(-3) === 'A' ? 'B' : 'A') + value.slice(-2);
  jar.set('identity_session', flipped);
  const auth = await startAuthorization(configs.webBasic);
  await getLoginPage(auth.url, jar);
  const none = await startAuthorization(configs.webBasic, { prompt: 'none' });
  assertErrorRedirect(await request(none.url, { jar }), 'login_required', none.state);
});

test('session: prompt=login shows the form again despite the session; logging in works', async () => {
  const jar = aliceJar.clone();
  const auth = await startAuthorization(configs.webBasic, { prompt: 'login' });
  const { form, fields } = await getLoginPage(auth.url, jar);
  await sleep(1100); // A new auth_time, in whole seconds.
  const before = Math.floor(Date.now() / 1000);
  const { response, location } = await postLogin(auth.url, form,
    { ...fields, username: users.alice.username, password: users.alice.password }, jar);
  assert.equal(response.status, 302, show(response));
  const cb = new URL(location);
  assertCodeRedirect(cb, auth);
  const tokens = await exchange(configs.webBasic, cb, auth);
  assert.ok(tokens.claims().auth_time >= before, `auth_time ${tokens.claims().auth_time} < ${before}`);
});

test('session: max_age exceeded forces the form; within max_age skips it and auth_time is in the ID token', async () => {
  const jar = aliceJar.clone();
  await sleep(2100);
  const stale = await startAuthorization(configs.webBasic, { max_age: '1' });
  await getLoginPage(stale.url, jar);
  const zero = await startAuthorization(configs.webBasic, { max_age: '0' }); // As prompt=login.
  await getLoginPage(zero.url, jar);
  const fresh = await startAuthorization(configs.webBasic, { max_age: '3600' });
  const r = await request(fresh.url, { jar });
  assert.equal(r.status, 302, show(r));
  const cb = new URL(r.headers.get('location'));
  assertCodeRedirect(cb, fresh);
  // openid-client checks auth_time against max_age itself (OIDC Core §3.1.2.1, §2).
  const tokens = await exchange(configs.webBasic, cb, fresh, { maxAge: 3600 });
  assert.ok(Number.isInteger(tokens.claims().auth_time));
});

test('session: the session of a user disabled since gives no code', async () => {
  const dave = { username: `dave.${crypto.randomBytes(3).toString('hex')}`,
    password: remember('dave password', `pw-${crypto.randomBytes(12).toString('base64url')}`) };
  dave.user_id = idctl(args.idctl, server, ['users', 'create', '--username', dave.username],
    { IDENTITY_USER_PASSWORD: dave.password }).user_id;
  const auth = await startAuthorization(configs.webBasic);
  const { jar } = await loginWithForm(auth, dave);
  assert.ok(jar.get('identity_session'));
  idctl(args.idctl, server, ['users', 'disable', dave.user_id]);
  const none = await startAuthorization(configs.webBasic, { prompt: 'none' });
  const r = await request(none.url, { jar: jar.clone() });
  assertErrorRedirect(r, 'login_required', none.state);
  const again = await startAuthorization(configs.webBasic);
  await getLoginPage(again.url, jar.clone());
});

// --- token endpoint errors ---------------------------------------------------------------------

test('token errors: status codes and JSON bodies (RFC 6749 §5.2)', async () => {
  const web = basic(clients.webBasic.id, clients.webBasic.secret);
  const code = (extra = {}) => ({ grant_type: 'authorization_code', code: 'A'.repeat(43),
    redirect_uri: REDIRECT, code_verifier: 'v'.repeat(43), ...extra });
  assertOAuthError(await tokenRequest({ code: 'x' }, { auth: web }), 400, 'invalid_request');
  assertOAuthError(await tokenRequest({ grant_type: 'password', username: 'a', password: 'b' },
    { auth: web }), 400, 'unsupported_grant_type');
  assertOAuthError(await tokenRequest(code(), { auth: web }), 400, 'invalid_grant');
  assertOAuthError(await tokenRequest(code({ code: redeemedCode }), { auth: web }), 400, 'invalid_grant');
  // A fresh code with the wrong verifier.
  const auth = await startAuthorization(configs.webBasic);
  const { callbackUrl } = await loginWithForm(auth, users.alice);
  assertOAuthError(await tokenRequest(code({ code: callbackUrl.searchParams.get('code'),
    code_verifier: client.randomPKCECodeVerifier() }), { auth: web }), 400, 'invalid_grant');
  // A code is bound to its client and its redirect_uri (RFC 6749 §4.1.3).
  const bound = await startAuthorization(configs.webBasic);
  const boundLogin = await loginWithForm(bound, users.alice);
  const boundCode = boundLogin.callbackUrl.searchParams.get('code');
  assertOAuthError(await tokenRequest(code({ code: boundCode, code_verifier: bound.verifier }),
    { auth: basic(clients.webPost.id, clients.webPost.secret) }), 400, 'invalid_grant');
  const bound2 = await startAuthorization(configs.webBasic);
  const bound2Login = await loginWithForm(bound2, users.alice);
  assertOAuthError(await tokenRequest(code({ code: bound2Login.callbackUrl.searchParams.get('code'),
    code_verifier: bound2.verifier, redirect_uri: `${REDIRECT}/other` }), { auth: web }), 400,
  'invalid_grant');
  // The body must be form-encoded (RFC 6749 §3.2).
  const json = await request(`${server.base}/token`, { method: 'POST', body: JSON.stringify(
    { grant_type: 'client_credentials' }), headers: { 'content-type': 'application/json',
    authorization: basic(clients.svc.id, clients.svc.secret) } });
  assertOAuthError(json, 400, 'invalid_request');
  // Client authentication.
  const wrongSecret = await tokenRequest(code(), { auth: basic(clients.webBasic.id, 'not-the-secret') });
  assertOAuthError(wrongSecret, 401, 'invalid_client');
  assert.match(wrongSecret.headers.get('www-authenticate') ?? '', /^Basic\b/i, show(wrongSecret));
  const unknown = await tokenRequest(code(), { auth: basic('no-such-client', 'x') });
  assertOAuthError(unknown, 401, 'invalid_client');
  assert.match(unknown.headers.get('www-authenticate') ?? '', /^Basic\b/i, show(unknown));
  const malformed = await tokenRequest(code(), { auth: 'Basic !!!not-base64' });
  assert.ok([400, 401].includes(malformed.status), show(malformed));
  assert.ok(['invalid_client', 'invalid_request'].includes(malformed.json?.error), show(malformed));
  const postWrong = await tokenRequest(code({ client_id: clients.webPost.id, client_secret: 'nope' }));
  assert.ok([400, 401].includes(postWrong.status), show(postWrong));
  assert.equal(postWrong.json?.error, 'invalid_client', show(postWrong));
  const none = await tokenRequest(code());
  assert.ok([400, 401].includes(none.status), show(none));
  assert.equal(none.json?.error, 'invalid_client', `no client authentication at all\n${show(none)}`);
  // Basic and client_secret_post at once.
  assertOAuthError(await tokenRequest(code({ client_secret: clients.webBasic.secret }),
    { auth: web }), 400, 'invalid_request');
  // A parameter sent twice (RFC 6749 §3.2).
  const twice = await request(`${server.base}/token`, { method: 'POST',
    headers: { authorization: web, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials&grant_type=client_credentials' });
  assertOAuthError(twice, 400, 'invalid_request');
  // Grants and scopes.
  assertOAuthError(await tokenRequest({ grant_type: 'client_credentials' }, { auth: web }),
    400, 'unauthorized_client');
  assertOAuthError(await tokenRequest({ grant_type: 'client_credentials', scope: 'orders.admin' },
    { auth: basic(clients.svc.id, clients.svc.secret) }), 400, 'invalid_scope');
  assertOAuthError(await tokenRequest({ grant_type: 'refresh_token', refresh_token: 'nope' },
    { auth: web }), 400, 'invalid_grant');
  // Every error response: JSON and not cacheable.
  const e = await tokenRequest({ grant_type: 'password' }, { auth: web });
  assert.match(e.headers.get('cache-control') ?? '', /no-store/i, show(e));
});

test('token errors through openid-client: code reuse and a wrong PKCE verifier are invalid_grant', async () => {
  const auth = await startAuthorization(configs.webPost);
  const { callbackUrl } = await loginWithForm(auth, users.alice);
  await exchange(configs.webPost, callbackUrl, auth);
  await rejectsWith(exchange(configs.webPost, callbackUrl, auth), 'invalid_grant', 400);
  const auth2 = await startAuthorization(configs.spa);
  const second = await loginWithForm(auth2, users.alice);
  await rejectsWith(exchange(configs.spa, second.callbackUrl,
    { ...auth2, verifier: client.randomPKCECodeVerifier() }), 'invalid_grant', 400);
});

// --- UserInfo, introspection, revocation errors ---------------------------------------------------

test('userinfo: 401 + WWW-Authenticate Bearer without or with a bad token; POST works (RFC 6750)', async () => {
  const none = await request(`${server.base}/userinfo`);
  assert.equal(none.status, 401, show(none));
  assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer\b/i, show(none));
  const bad = await request(`${server.base}/userinfo`, { headers: { authorization: 'Bearer abc.def.ghi' } });
  assert.equal(bad.status, 401, show(bad));
  assert.match(bad.headers.get('www-authenticate') ?? '', /^Bearer\b.*error="invalid_token"/i, show(bad));
  // A user's token without `openid`: 403 insufficient_scope.
  const auth = await startAuthorization(configs.spa, { scope: 'profile email' });
  const { callbackUrl } = await loginWithForm(auth, users.alice);
  const tokens = await client.authorizationCodeGrant(configs.spa, callbackUrl,
    { pkceCodeVerifier: auth.verifier, expectedState: auth.state });
  remember('access_token', tokens.access_token);
  assert.equal(tokens.id_token, undefined, 'an ID token without the openid scope');
  const noOpenid = await request(`${server.base}/userinfo`,
    { headers: { authorization: `Bearer ${tokens.access_token}` } });
  assert.equal(noOpenid.status, 403, show(noOpenid));
  assert.match(noOpenid.headers.get('www-authenticate') ?? '', /^Bearer\b.*error="insufficient_scope"/i, show(noOpenid));
  // POST with the header (OIDC Core §5.3.1).
  const a = await startAuthorization(configs.spa);
  const login = await loginWithForm(a, users.alice);
  const t = await exchange(configs.spa, login.callbackUrl, a);
  const post = await request(`${server.base}/userinfo`, { method: 'POST',
    headers: { authorization: `Bearer ${t.access_token}` } });
  assert.equal(post.status, 200, show(post));
  assert.match(post.headers.get('content-type') ?? '', /^application\/json/i);
  assert.equal(post.json.sub, users.alice.user_id);
});

test('introspection and revocation: client authentication and parameter errors (RFC 7662, RFC 7009)', async () => {
  const web = basic(clients.webBasic.id, clients.webBasic.secret);
  const intro = (form, auth) => request(`${server.base}/introspect`, { method: 'POST', form,
    headers: auth ? { authorization: auth } : {} });
  const revoke = (form, auth) => request(`${server.base}/revoke`, { method: 'POST', form,
    headers: auth ? { authorization: auth } : {} });
  const noAuth = await intro({ token: 'x' });
  assert.equal(noAuth.status, 401, show(noAuth));
  assert.equal(noAuth.json?.error, 'invalid_client', show(noAuth));
  const wrong = await intro({ token: 'x' }, basic(clients.webBasic.id, 'nope'));
  assertOAuthError(wrong, 401, 'invalid_client');
  const garbage = await intro({ token: 'not-a-token' }, web);
  assert.equal(garbage.status, 200, show(garbage));
  assert.deepEqual(garbage.json, { active: false });
  assertOAuthError(await intro({}, web), 400, 'invalid_request');

  assertOAuthError(await revoke({ token: 'x' }, basic(clients.webBasic.id, 'nope')), 401, 'invalid_client');
  const revNoAuth = await revoke({ token: 'x' });
  assert.equal(revNoAuth.status, 401, show(revNoAuth));
  assertOAuthError(await revoke({}, web), 400, 'invalid_request');
  const unknown = await revoke({ token: 'no-such-token', token_type_hint: 'refresh_token' }, web);
  assert.equal(unknown.status, 200, `RFC 7009 §2.2: an unknown token is success\n${show(unknown)}`);
  // RFC 7009 §2.1: an unknown hint is ignored (the search covers every type).
  const oddHint = await revoke({ token: 'x', token_type_hint: 'id_token' }, web);
  assert.equal(oddHint.status, 200, show(oddHint));
});

// --- headers, logs, shutdown ------------------------------------------------------------------

test('security headers on every response of the OIDC endpoints', async () => {
  const auth = await startAuthorization(configs.webBasic);
  const jar = new CookieJar();
  const web = basic(clients.webBasic.id, clients.webBasic.secret);
  const { form, fields } = await getLoginPage(auth.url, new CookieJar());
  const badRedirect = new URL(auth.url);
  badRedirect.searchParams.set('redirect_uri', 'https://evil.example/cb');
  const responses = {
    discovery: await request(`${server.issuer}/.well-known/openid-configuration`),
    jwks: await request(`${server.issuer}/jwks`),
    'authorize login page': await request(auth.url, { jar }),
    'authorize 400 page': await request(badRedirect),
    'authorize error redirect': await request((await startAuthorization(configs.webBasic,
      { prompt: 'none' })).url),
    'authorize session redirect': await request((await startAuthorization(configs.webBasic)).url,
      { jar: aliceJar.clone() }),
    'login 403 page': (await postLogin(auth.url, form, { ...fields, csrf: 'x' }, new CookieJar())).response,
    'token 200': await tokenRequest({ grant_type: 'client_credentials' },
      { auth: basic(clients.svc.id, clients.svc.secret) }),
    'token 400': await tokenRequest({ grant_type: 'password' }, { auth: web }),
    'token 401': await tokenRequest({ grant_type: 'client_credentials' }, { auth: basic('x', 'y') }),
    'userinfo 401': await request(`${server.base}/userinfo`),
    'introspect 200': await request(`${server.base}/introspect`, { method: 'POST',
      form: { token: 'x' }, headers: { authorization: web } }),
    'revoke 200': await request(`${server.base}/revoke`, { method: 'POST',
      form: { token: 'x' }, headers: { authorization: web } }),
    'unknown path 404': await request(`${server.base}/no-such-endpoint`),
  };
  remember('access_token', responses['token 200'].json?.access_token);
  const problems = [];
  for (const [name, r] of Object.entries(responses)) {
    const missing = assertSecurityHeaders(r);
    if (missing.length) problems.push(`${name} (HTTP ${r.status}): ${missing.join(', ')}`);
  }
  assert.deepEqual(problems, []);
});

// --- sessions and RP-Initiated Logout in Chromium ------------------------------------------------

/** A client's back-channel logout endpoint on loopback: keeps each POST's body, answers 200. */
function startLogoutReceiver() {
  return new Promise((resolve) => {
    const posts = [];
    const s = http.createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk) => { body += chunk; });
      req.on('end', () => {
        posts.push({ method: req.method, url: req.url, type: req.headers['content-type'], body });
        res.writeHead(200, { 'cache-control': 'no-store' });
        res.end();
      });
    });
    s.listen(0, '127.0.0.1', () => resolve({ server: s, url: `http://127.0.0.1:${s.address().port}/bcl`, posts }));
  });
}

test('browser: logout with id_token_hint ends the session; only the offline_access refresh token lives on; the other client gets its back-channel logout token', async () => {
  const bye = REDIRECT.replace(/\/cb$/, '/bye');
  const receiver = await startLogoutReceiver();
  const logoutClient = idctl(args.idctl, server, ['clients', 'create', '--id', 'web-logout',
    '--name', 'Web app (logout)', '--redirect-uri', REDIRECT, '--grant-type', 'authorization_code',
    '--grant-type', 'refresh_token', '--post-logout-redirect-uri', bye]);
  assert.deepEqual(logoutClient.client.post_logout_redirect_uris, [bye]);
  // OIDC Core §11: offline_access is granted to a client registered with it.
  const offlineClient = idctl(args.idctl, server, ['clients', 'create', '--id', 'web-offline',
    '--name', 'Web app (offline)', '--redirect-uri', REDIRECT, '--grant-type', 'authorization_code',
    '--grant-type', 'refresh_token', '--allow-scope', 'offline_access',
    '--backchannel-logout-uri', receiver.url, '--backchannel-logout-session-required']);
  assert.equal(offlineClient.client.backchannel_logout_uri, receiver.url);
  const logoutConfig = await client.discovery(new URL(server.issuer), 'web-logout',
    remember('web-logout secret', logoutClient.client_secret), undefined, insecure);
  const offlineConfig = await client.discovery(new URL(server.issuer), 'web-offline',
    remember('web-offline secret', offlineClient.client_secret), undefined, insecure);
  assert.equal(logoutConfig.serverMetadata().end_session_endpoint, `${server.issuer}/end_session`);
  const context = await launchChromium();
  try {
    const page = await context.newPage();
    // Log in at web-logout (no offline_access).
    const auth = await startAuthorization(logoutConfig);
    await page.goto(auth.url.href);
    await page.locator('input[name="username"]').fill(users.bob.username);
    await page.locator('input[name="password"]').fill(users.bob.password);
    const landed = page.waitForURL((u) => u.href.startsWith(`${REDIRECT}?`), { timeout: 30_000 });
    await page.locator('form[method="post" i] button').first().click();
    await landed;
    const online = await exchange(logoutConfig, new URL(page.url()), auth);
    const sid = online.claims().sid;
    assert.match(sid ?? '', /^[A-Za-z0-9_-]{22}$/, 'the ID token has no sid');
    // Single sign-on at web-offline, asking for offline_access: the same session.
    const offlineAuth = await startAuthorization(offlineConfig, { scope: 'openid offline_access' });
    await page.goto(offlineAuth.url.href);
    await page.waitForURL((u) => u.href.startsWith(`${REDIRECT}?`), { timeout: 30_000 });
    const offline = await exchange(offlineConfig, new URL(page.url()), offlineAuth);
    assert.equal(offline.scope, 'openid offline_access');
    assert.equal(offline.claims().sid, sid);
    // Earlier tests' logins of bob are sessions of their own.
    const listed = idctl(args.idctl, server, ['sessions', 'list', users.bob.user_id]);
    assert.ok(listed.sessions.some((s) => s.sid === sid), JSON.stringify(listed));

    // RP-Initiated Logout with the ID token as hint: no question asked, back to the client.
    const logout = new URL(`${server.issuer}/end_session`);
    logout.search = new URLSearchParams({ id_token_hint: online.id_token,
      post_logout_redirect_uri: bye, state: 'bye-state' }).toString();
    const back = page.waitForURL((u) => u.href.startsWith(`${bye}?`), { timeout: 30_000 });
    await page.goto(logout.href);
    await back;
    assert.equal(new URL(page.url()).searchParams.get('state'), 'bye-state');
    assert.ok(callback.hits.some((h) => h.startsWith('/bye?state=bye-state')), 'the logout redirect was not loaded');
    const cookies = await context.cookies(server.issuer);
    assert.equal(cookies.find((c) => c.name === 'identity_session'), undefined, 'the session cookie stays');
    const left = idctl(args.idctl, server, ['sessions', 'list', users.bob.user_id]).sessions ?? [];
    assert.ok(!left.some((s) => s.sid === sid), `session ${sid} still listed`);

    // Back-Channel Logout 1.0: web-offline, in the session and registered for it, is told;
    // web-logout (no backchannel_logout_uri) is not. Delivery is asynchronous: wait, bounded.
    const deadline = Date.now() + 20_000;
    while (receiver.posts.length === 0 && Date.now() < deadline) await sleep(50);
    assert.equal(receiver.posts.length, 1, `back-channel logout POSTs: ${JSON.stringify(receiver.posts)}`);
    const [post] = receiver.posts;
    assert.equal(post.method, 'POST');
    assert.match(post.type ?? '', /^application\/x-www-form-urlencoded/);
    const logoutToken = new URLSearchParams(post.body).get('logout_token');
    remember('logout_token', logoutToken);
    const jwks = jose.createRemoteJWKSet(new URL(`${server.base}/jwks`));
    const { payload, protectedHeader } = await jose.jwtVerify(logoutToken, jwks, {
      issuer: server.issuer, audience: 'web-offline', typ: 'logout+jwt', maxTokenAge: '2 minutes' });
    assert.equal(protectedHeader.alg, decodeJwt(offline.id_token).header.alg);
    assert.equal(payload.sub, users.bob.user_id);
    assert.equal(payload.sid, sid);
    assert.deepEqual(payload.events, { 'http://schemas.openid.net/event/backchannel-logout': {} });
    assert.equal(payload.nonce, undefined);
    assert.match(payload.jti ?? '', /^[A-Za-z0-9_-]{16,}$/);
    assert.ok(payload.exp - payload.iat <= 120, `exp - iat = ${payload.exp - payload.iat}`);

    // The refresh token granted without offline_access ended with the session; the other lives.
    await rejectsWith(client.refreshTokenGrant(logoutConfig, online.refresh_token), 'invalid_grant', 400);
    const refreshed = await client.refreshTokenGrant(offlineConfig, offline.refresh_token);
    assert.equal(typeof refreshed.access_token, 'string');
    // A new authorization asks for the password again.
    const after = await startAuthorization(logoutConfig);
    const shown = await page.goto(after.url.href);
    assert.equal(shown.status(), 200);
    assert.equal(await page.locator('input[name="password"]').count(), 1);
  } finally {
    await context.close();
    receiver.server.close();
  }
}, { timeoutMs: 120_000 });

test('logout: a post_logout_redirect_uri not registered is an error page, never a redirect', async () => {
  const r = await request(`${server.issuer}/end_session?client_id=web-logout&post_logout_redirect_uri=` +
    encodeURIComponent('https://evil.example/'), {});
  assertNoRedirect(r, 400);
});

test('idctl sessions end --user ends the user\'s sessions: the cookie no longer answers prompt=none', async () => {
  const auth = await startAuthorization(configs.webBasic);
  const { jar } = await loginWithForm(auth, users.alice);
  const listed = idctl(args.idctl, server, ['sessions', 'list', users.alice.user_id]);
  assert.ok(listed.sessions.length >= 1, JSON.stringify(listed));
  const before = await request((await startAuthorization(configs.webBasic, { prompt: 'none' })).url, { jar });
  assert.equal(before.status, 302);
  assert.ok(new URL(before.headers.get('location')).searchParams.get('code'), show(before));
  const ended = idctl(args.idctl, server, ['sessions', 'end', '--user', users.alice.user_id]);
  assert.ok(Number(ended.ended) >= 1, JSON.stringify(ended));
  const none = await startAuthorization(configs.webBasic, { prompt: 'none' });
  assertErrorRedirect(await request(none.url, { jar }), 'login_required', none.state);
});

// Issue 17: consent for third-party clients (OIDC Core §3.1.2.4), in a real browser.
test('browser: a third-party client asks for consent (axe-clean page); Allow gives a code and tokens and is remembered; prompt=consent asks again; Deny is access_denied; idctl consents revoke ends its refresh token and a code issued before', async () => {
  const partner = idctl(args.idctl, server, ['clients', 'create', '--id', 'partner-app',
    '--name', 'Partner app', '--third-party', '--redirect-uri', REDIRECT,
    '--grant-type', 'authorization_code', '--grant-type', 'refresh_token',
    '--allow-scope', 'offline_access']);
  assert.equal(partner.client.third_party, true);
  const partnerConfig = await client.discovery(new URL(server.issuer), 'partner-app',
    remember('partner-app secret', partner.client_secret), undefined, insecure);
  const erin = { username: `erin.${crypto.randomBytes(3).toString('hex')}`,
    password: remember('erin password', `pw-${crypto.randomBytes(12).toString('base64url')}`) };
  erin.user_id = idctl(args.idctl, server, ['users', 'create', '--username', erin.username],
    { IDENTITY_USER_PASSWORD: erin.password }).user_id;
  const scope = 'openid profile offline_access';
  const context = await launchChromium();
  const report = {};
  try {
    const page = await context.newPage();
    // 1. Sign in: the consent page follows the login form.
    const auth = await startAuthorization(partnerConfig, { scope });
    await page.goto(auth.url.href);
    await page.locator('input[name="username"]').fill(erin.username);
    await page.locator('input[name="password"]').fill(erin.password);
    const answered = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().includes('/authorize'));
    await page.locator('form[method="post" i] button').first().click();
    assert.equal((await answered).status(), 200, 'the login should answer with the consent page');
    await page.waitForLoadState();
    assert.equal(await page.locator('h1').textContent(), 'Allow access?');
    assert.equal(await page.locator('form[method="post" i]').getAttribute('action'), '/consent');
    const items = await page.locator('main li').allTextContents();
    assert.deepEqual(items, ['Know who you are', 'See your name and profile',
      'Keep access while you are signed out']);
    await page.screenshot({ path: path.join(outDir, 'consent.png'), fullPage: true });
    fs.writeFileSync(path.join(outDir, 'consent.html'), await page.content());
    await scanPage(page, 'consent', report);
    // 2. Allow: the code, and tokens with offline_access.
    let landed = page.waitForURL((u) => u.href.startsWith(`${REDIRECT}?`), { timeout: 30_000 });
    await page.locator('button[value="confirm"]').click();
    await landed;
    assertCodeRedirect(new URL(page.url()), auth);
    const tokens = await exchange(partnerConfig, new URL(page.url()), auth);
    assert.deepEqual(tokens.scope.split(' ').sort(), scope.split(' ').sort());
    assert.equal(tokens.claims().sub, erin.user_id);
    assert.ok(tokens.refresh_token, 'no refresh token');
    // 3. A second authorization (the session answers) does not ask again.
    const second = await startAuthorization(partnerConfig, { scope });
    landed = page.waitForURL((u) => u.href.startsWith(`${REDIRECT}?`), { timeout: 30_000 });
    await page.goto(second.url.href);
    await landed;
    const secondLanding = new URL(page.url());
    assertCodeRedirect(secondLanding, second);  // Kept for step 5, not exchanged yet.
    // 4. prompt=consent asks again; Deny: access_denied with state (RFC 6749 §4.1.2.1).
    const forced = await startAuthorization(partnerConfig, { scope, prompt: 'consent' });
    assert.equal((await page.goto(forced.url.href)).status(), 200);
    assert.equal(await page.locator('h1').textContent(), 'Allow access?');
    landed = page.waitForURL((u) => u.href.startsWith(`${REDIRECT}?`), { timeout: 30_000 });
    await page.locator('button[value="cancel"]').click();
    await landed;
    const denied = new URL(page.url());
    assert.equal(denied.searchParams.get('error'), 'access_denied', denied.href);
    assert.equal(denied.searchParams.get('state'), forced.state);
    assert.equal(denied.searchParams.get('code'), null);
    assert.equal(denied.searchParams.get('iss'), server.issuer);
    // 5. The consent is listed, then withdrawn: the client's refresh token is refused.
    const listed = idctl(args.idctl, server, ['consents', 'list', '--user', erin.user_id]);
    assert.equal(listed.consents.length, 1, JSON.stringify(listed));
    assert.equal(listed.consents[0].client_id, 'partner-app');
    assert.deepEqual(listed.consents[0].scopes, ['offline_access', 'openid', 'profile']);
    idctl(args.idctl, server, ['consents', 'revoke', '--user', erin.user_id, '--client', 'partner-app']);
    await rejectsWith(client.refreshTokenGrant(partnerConfig, tokens.refresh_token), 'invalid_grant', 400);
    // A code issued before the withdrawal (step 3) is not exchanged either (not merely expired).
    let late;
    try {
      await exchange(partnerConfig, secondLanding, second);
    } catch (e) {
      late = e;
    }
    assert.ok(late instanceof client.ResponseBodyError, `expected invalid_grant, got ${late?.stack ?? 'tokens'}`);
    assert.equal(late.error, 'invalid_grant');
    assert.match(late.error_description ?? '', /withdrew/);
    // And the next authorization asks again.
    const after = await startAuthorization(partnerConfig, { scope });
    assert.equal((await page.goto(after.url.href)).status(), 200);
    assert.equal(await page.locator('form[method="post" i]').getAttribute('action'), '/consent');
  } finally {
    fs.writeFileSync(path.join(outDir, 'pages-axe-consent.json'), `${JSON.stringify(report, null, 2)}\n`);
    await context.close();
  }
}, { timeoutMs: 180_000 });

test('consent: a POST to /consent without the page\'s csrf cookie is 403, never a redirect', async () => {
  const r = await request(`${server.issuer}/consent`, { method: 'POST',
    form: { client_id: 'partner-app', request_uri: 'urn:ietf:params:oauth:request_uri:x',
      csrf: 'forged', decision: 'confirm' } });
  assertNoRedirect(r, 403);
});

test('no password, secret, code, token or session cookie appears in the server log', async () => {
  const log = server.log();
  assert.ok(log.length > 0, 'empty server log');
  const leaks = [...seen].filter(([, value]) => value.length >= 8 && log.includes(value))
    .map(([label]) => label);
  assert.deepEqual(leaks, []);
});

test('identity-server exits 0 on SIGTERM', async () => {
  const result = await server.stop();
  assert.deepEqual(result, { code: 0, signal: null });
});

// --- main ------------------------------------------------------------------------------------

async function main() {
  checkInstalledPackages();
  const sharedUrl = process.env.IDENTITY_TEST_DATABASE_URL;
  if (!sharedUrl) {
    process.stderr.write('IDENTITY_TEST_DATABASE_URL is not set: this test needs a PostgreSQL ' +
      '(docs/build.md)\n');
    return 1;
  }
  if (!fs.existsSync(CHROMIUM)) {
    process.stderr.write(`${CHROMIUM} is missing: apt-get install chromium\n`);
    return 1;
  }
  const [database, databaseUrl] = createDatabase(sharedUrl);
  const adminId = `oidc-http-admin.${crypto.randomBytes(4).toString('hex')}`;
  const adminSecret = remember('admin secret', crypto.randomBytes(32).toString('base64url'));
  server = new IdentityServer({ binary: path.resolve(args.server), databaseUrl,
    logPath: path.join(outDir, 'identity-server.log'), adminId, adminSecret });
  args.idctl = path.resolve(args.idctl);
  let passed = false;
  try {
    callback = await startCallbackServer();
    REDIRECT = callback.url;
    await server.start();
    process.stderr.write(`identity-server: issuer ${server.issuer}, gRPC ${server.grpcAddress}; ` +
      `outputs in ${outDir}\n`);
    await makeWorld();
    passed = await runTests('oidc_http_test', args.filter);
  } catch (error) {
    // Setup failed: report it as one failed case so the summary counts it.
    test('setup', () => { throw error; });
    process.stderr.write(`setup failed: ${error.stack}\n`);
    await runTests('oidc_http_test', 'setup');
  } finally {
    await server.stop().catch(() => {});
    callback?.server.close();
    try {
      psql(sharedUrl, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    } catch (error) {
      process.stderr.write(`could not drop ${database}: ${error.message}\n`);
    }
  }
  return passed ? 0 : 1;
}

process.exitCode = await main();
