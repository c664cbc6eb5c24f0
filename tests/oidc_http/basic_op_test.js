// The OpenID Foundation's Basic OP certification plan (`oidcc-basic-certification-test-plan`),
// its modules replayed as automated cases against the real identity-server on its own
// PostgreSQL database. One case per module, named after it, in the plan's order; each sends what
// the module sends and checks what the module checks (the plan's source is
// net.openid.conformance.openid.OIDCCBasicTestPlan in the conformance suite). The relying party
// is registered the way a certification run registers a static client: confidential,
// client_secret_basic (one module client_secret_post), exact redirect URI, the
// authorization_code and refresh_token grants, `pkce_optional` (the plan sends PKCE only in its
// PKCE module), and a second client for the modules that need one.
//
// What the real suite does by hand (a person logging in on the login page) is done here the
// way a browser does it: GET /authorize, read the form, POST it with the CSRF cookie. Requests
// never follow redirects; the redirect URI is never fetched. ID tokens are verified with jose
// against /jwks. Two modules wait on the wall clock because that is what they test: max_age=1
// (about 2 s) and code reuse after 30 seconds (its wait overlaps the other modules).
//
// Usage: node basic_op_test.js --server BINARY --idctl BINARY [--filter TEXT]
// Needs IDENTITY_TEST_DATABASE_URL (a PostgreSQL where it may CREATE DATABASE). Writes JUnit XML
// to $XML_OUTPUT_FILE and the server's log to $TEST_UNDECLARED_OUTPUTS_DIR.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import * as jose from 'jose';

import {
  CookieJar, IdentityServer, basic, createDatabase, decodeJwt, formFields, freePort, idctl,
  loginForm, outputsDir, psql, remember, request, runTests, seen, show, sleep, test,
} from './support.js';

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, arg, i, all) => {
  if (i % 2 === 0) pairs.push([arg.replace(/^--/, ''), all[i + 1]]);
  return pairs;
}, []));
if (!args.server || !args.idctl) {
  process.stderr.write('usage: node basic_op_test.js --server BINARY --idctl BINARY [--filter TEXT]\n');
  process.exit(2);
}

const workDir = fs.mkdtempSync(path.join(process.env.TEST_TMPDIR || os.tmpdir(), 'basic-op-'));
const outDir = outputsDir(workDir);
// The RP's redirect URI. Never fetched: every request here is made with redirect: 'manual'.
let REDIRECT;
let server;
let discovery;
let jwks;
const rp = {}; // client, client2, post: { id, secret }
let user; // { username, password, user_id }
const codeReuse = {}; // oidcc-codereuse-30seconds: the first redemption, finished later.

// The claims a scope releases (OIDC Core §5.4), and the user's values set through idctl.
const USER_FLAGS = {
  name: 'Certification User', 'given-name': 'Certification', 'family-name': 'User',
  'middle-name': 'Q', nickname: 'cert', profile: 'https://example.com/cert',
  picture: 'https://example.com/cert.png', website: 'https://cert.example', gender: 'other',
  birthdate: '1990-01-31', zoneinfo: 'Europe/Paris', locale: 'fr-FR',
  email: 'cert@example.com', 'phone-number': '+33123456789',
  'address-formatted': '1 rue de Rivoli\n75001 Paris', 'address-street': '1 rue de Rivoli',
  'address-locality': 'Paris', 'address-postal-code': '75001', 'address-country': 'FR',
};
const SCOPE_CLAIMS = {
  profile: ['name', 'family_name', 'given_name', 'middle_name', 'nickname', 'preferred_username',
    'profile', 'picture', 'website', 'gender', 'birthdate', 'zoneinfo', 'locale', 'updated_at'],
  email: ['email', 'email_verified'],
  address: ['address'],
  phone: ['phone_number', 'phone_number_verified'],
};

async function makeWorld() {
  REDIRECT = `https://127.0.0.1:${await freePort()}/test/a/identity/callback`;
  const username = `cert.${crypto.randomBytes(3).toString('hex')}`;
  const password = remember('password', `pw-${crypto.randomBytes(15).toString('base64url')}`);
  const flags = Object.entries(USER_FLAGS).flatMap(([flag, value]) => [`--${flag}`, value]);
  const created = idctl(args.idctl, server, ['users', 'create', '--username', username,
    '--email-verified', '--phone-number-verified', ...flags], { IDENTITY_USER_PASSWORD: password });
  user = { username, password, user_id: created.user_id };
  const spec = ['--redirect-uri', REDIRECT, '--grant-type', 'authorization_code',
    '--grant-type', 'refresh_token', '--pkce-optional'];
  for (const [key, id] of [['client', 'conformance-rp'], ['client2', 'conformance-rp-2'],
    ['post', 'conformance-rp-post']]) {
    const c = idctl(args.idctl, server, ['clients', 'create', '--id', id, '--name', id, ...spec]);
    rp[key] = { id: c.client.client_id, secret: remember(`${key} secret`, c.client_secret) };
  }
  discovery = (await request(`${server.base}/.well-known/openid-configuration`)).json;
  assert.ok(discovery?.issuer, 'no discovery document');
  jwks = jose.createRemoteJWKSet(new URL(`${server.base}/jwks`));
}

// --- the module steps ------------------------------------------------------------------------

/** The authorization request a module builds: state and nonce unless told otherwise. */
function authorizationRequest(client, extra = {}) {
  const params = { client_id: client.id, redirect_uri: REDIRECT, response_type: 'code',
    scope: 'openid', state: crypto.randomBytes(12).toString('base64url'),
    nonce: crypto.randomBytes(12).toString('base64url'), ...extra };
  for (const [k, v] of Object.entries(params)) if (v === null) delete params[k];
  const url = new URL(`${server.base}/authorize`);
  url.search = new URLSearchParams(params).toString();
  return { url, params };
}

/** Follows an authorization request through the login page (when shown) to the redirect:
 * { callback: URL params, loginShown }. `method` POST sends the request as a form. */
async function authorize(auth, jar, { method = 'GET' } = {}) {
  let r = method === 'POST'
    ? await request(`${server.base}/authorize`, { method, jar, form: auth.params,
      headers: { origin: server.base } })
    : await request(auth.url, { jar });
  let loginShown = false;
  if (r.status === 200) {
    loginShown = true;
    const form = loginForm(r.text, ` of ${auth.url}`);
    const action = new URL(form.attributes.action ?? '', `${server.base}/authorize`);
    r = await request(action, { method: 'POST', jar, headers: { origin: server.base },
      form: { ...formFields(form), username: user.username, password: user.password } });
  }
  assert.equal(r.status, 302, `expected a redirect to the client\n${show(r)}`);
  const location = new URL(r.headers.get('location'));
  assert.equal(`${location.origin}${location.pathname}`, REDIRECT, `redirected to ${location}`);
  return { callback: location.searchParams, loginShown };
}

/** The checks of an authorization response with a code (OIDC Core §3.1.2.5, RFC 9207). */
function expectCode(callback, auth) {
  assert.equal(callback.get('error'), null, `error: ${callback}`);
  assert.ok(callback.get('code'), `no code: ${callback}`);
  assert.equal(callback.get('state'), auth.params.state, 'state');
  assert.equal(callback.get('iss'), discovery.issuer, 'iss');
  return remember('code', callback.get('code'));
}

function expectError(callback, auth, errors) {
  assert.ok(errors.includes(callback.get('error')), `error ${callback.get('error')}, expected one ` +
    `of ${errors}: ${callback}`);
  assert.equal(callback.get('code'), null);
  assert.equal(callback.get('state'), auth.params.state, 'state');
}

/** POST /token for `code` with the client's credentials (basic or post). */
async function redeem(client, code, { auth = 'basic', extra = {} } = {}) {
  const form = { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, ...extra };
  const headers = {};
  if (auth === 'basic') headers.authorization = basic(client.id, client.secret);
  else Object.assign(form, { client_id: client.id, client_secret: client.secret });
  return request(`${server.base}/token`, { method: 'POST', form, headers });
}

/** The token response and ID token checks of oidcc-server (OIDC Core §3.1.3.3, §3.1.3.7). */
async function expectTokens(r, client, auth) {
  assert.equal(r.status, 200, show(r));
  assert.match(r.headers.get('cache-control') ?? '', /no-store/, show(r));
  const t = r.json;
  assert.equal(t.token_type.toLowerCase(), 'bearer');
  assert.ok(t.access_token && t.id_token, show(r));
  remember('access_token', t.access_token);
  remember('refresh_token', t.refresh_token);
  const { payload, protectedHeader } = await jose.jwtVerify(t.id_token, jwks, {
    issuer: discovery.issuer, audience: client.id,
    algorithms: discovery.id_token_signing_alg_values_supported });
  assert.ok(protectedHeader.kid, 'the ID token names its key (kid)');
  assert.equal(payload.sub, user.user_id);
  assert.ok(payload.sub.length <= 255);
  assert.ok(Number.isInteger(payload.iat) && Number.isInteger(payload.exp) && payload.exp > payload.iat);
  if ([payload.aud].flat().length > 1) assert.equal(payload.azp, client.id);
  if (auth.params.nonce) assert.equal(payload.nonce, auth.params.nonce, 'nonce');
  else assert.equal(payload.nonce, undefined, 'a nonce nobody sent');
  return { tokens: t, idToken: payload };
}

/** One whole module flow: authorize (logging in if asked), redeem, check. */
async function codeFlow(client, extra = {}, { jar = new CookieJar(), auth: tokenAuth, method } = {}) {
  const auth = authorizationRequest(client, extra);
  const { callback, loginShown } = await authorize(auth, jar, { method });
  const code = expectCode(callback, auth);
  const { tokens, idToken } = await expectTokens(await redeem(client, code, { auth: tokenAuth }),
    client, auth);
  return { auth, code, tokens, idToken, jar, loginShown };
}

async function userinfo(accessToken, how = 'get') {
  if (how === 'get') {
    return request(`${server.base}/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } });
  }
  if (how === 'post-header') {
    return request(`${server.base}/userinfo`, { method: 'POST',
      headers: { authorization: `Bearer ${accessToken}` }, form: {} });
  }
  return request(`${server.base}/userinfo`, { method: 'POST', form: { access_token: accessToken } });
}

async function expectUserinfo(accessToken, how = 'get') {
  const r = await userinfo(accessToken, how);
  assert.equal(r.status, 200, show(r));
  assert.equal(r.json?.sub, user.user_id, show(r));
  return r.json;
}

/** oidcc-scope-*: every claim of each scope in UserInfo, nothing of the scopes not asked. */
async function scopeModule(scopes) {
  const { tokens } = await codeFlow(rp.client, { scope: ['openid', ...scopes].join(' ') });
  const info = await expectUserinfo(tokens.access_token);
  for (const [scope, claims] of Object.entries(SCOPE_CLAIMS)) {
    for (const claim of claims) {
      if (scopes.includes(scope)) assert.ok(claim in info, `${claim} missing for ${scope}: ${JSON.stringify(info)}`);
      else assert.ok(!(claim in info), `${claim} released without ${scope}: ${JSON.stringify(info)}`);
    }
  }
  return info;
}

/** A module that must end with a code: the login shown or not as `loginExpected` says. */
async function succeeds(extra, { jar, loginExpected } = {}) {
  const flow = await codeFlow(rp.client, extra, { jar });
  if (loginExpected !== undefined) assert.equal(flow.loginShown, loginExpected, 'login page shown');
  return flow;
}

async function expectInvalidGrant(r) {
  assert.equal(r.status, 400, show(r));
  assert.equal(r.json?.error, 'invalid_grant', show(r));
}

// --- the plan, in its order --------------------------------------------------------------------

test('oidcc-server (client_secret_basic): code, state, iss; ID token signed, iss, aud, nonce', async () => {
  const { tokens } = await codeFlow(rp.client);
  assert.ok(tokens.refresh_token, 'a refresh token (refresh_token grant registered)');
});

test('oidcc-response-type-missing: an error redirect with state, or an error page', async () => {
  const auth = authorizationRequest(rp.client, { response_type: null });
  const r = await request(auth.url);
  if (r.status === 302) {
    const location = new URL(r.headers.get('location'));
    assert.equal(`${location.origin}${location.pathname}`, REDIRECT);
    expectError(location.searchParams, auth, ['invalid_request', 'unsupported_response_type']);
  } else {
    assert.equal(r.status, 400, show(r));
  }
});

test('oidcc-idtoken-signature: the ID token verifies with the /jwks key its kid names', async () => {
  const { tokens } = await codeFlow(rp.client);
  const { header } = decodeJwt(tokens.id_token);
  assert.ok(discovery.id_token_signing_alg_values_supported.includes(header.alg), header.alg);
  const keys = (await request(`${server.base}/jwks`)).json.keys;
  const key = keys.find((k) => k.kid === header.kid);
  assert.ok(key, `no /jwks key ${header.kid}`);
  await jose.compactVerify(tokens.id_token, await jose.importJWK(key, header.alg));
});

test('oidcc-idtoken-unsigned: alg none is not offered (the suite skips the module) and cannot be registered', async () => {
  assert.ok(!discovery.id_token_signing_alg_values_supported.includes('none'));
  assert.throws(() => idctl(args.idctl, server, ['clients', 'create', '--id', 'unsigned-rp',
    '--redirect-uri', REDIRECT, '--grant-type', 'authorization_code', '--id-token-alg', 'none']),
  /INVALID_ARGUMENT|invalid/i);
});

for (const how of ['get', 'post-header', 'post-body']) {
  test(`oidcc-userinfo-${how}: UserInfo answers with the ID token's sub`, async () => {
    const { tokens, idToken } = await codeFlow(rp.client);
    const info = await expectUserinfo(tokens.access_token, how);
    assert.equal(info.sub, idToken.sub);
  });
}

test('oidcc-ensure-request-without-nonce-succeeds-for-code-flow (no nonce, no PKCE)', async () => {
  await succeeds({ nonce: null });
});

test('oidcc-scope-profile', async () => { await scopeModule(['profile']); });
test('oidcc-scope-email', async () => { await scopeModule(['email']); });
test('oidcc-scope-address', async () => {
  const info = await scopeModule(['address']);
  assert.equal(info.address.locality, 'Paris');
});
test('oidcc-scope-phone', async () => {
  const info = await scopeModule(['phone']);
  assert.equal(info.phone_number, '+33123456789');
  assert.equal(info.phone_number_verified, true);
});
test('oidcc-scope-all', async () => { await scopeModule(['profile', 'email', 'address', 'phone']); });
test('oidcc-ensure-other-scope-order-succeeds', async () => {
  const { tokens } = await succeeds({ scope: 'email openid' });
  assert.equal((await expectUserinfo(tokens.access_token)).email, 'cert@example.com');
});

test('oidcc-display-page', async () => { await succeeds({ display: 'page' }, { loginExpected: true }); });
test('oidcc-display-popup', async () => { await succeeds({ display: 'popup' }, { loginExpected: true }); });

test('oidcc-prompt-login: the login page again despite the session; a later auth_time', async () => {
  const first = await succeeds({}, { loginExpected: true });
  await sleep(1100); // auth_time has a resolution of one second.
  const second = await succeeds({ prompt: 'login' }, { jar: first.jar, loginExpected: true });
  assert.ok(second.idToken.auth_time > first.idToken.auth_time,
    `auth_time ${second.idToken.auth_time} after ${first.idToken.auth_time}`);
});

test('oidcc-prompt-none-not-logged-in: error=login_required on the redirect URI', async () => {
  const auth = authorizationRequest(rp.client, { prompt: 'none' });
  const r = await request(auth.url);
  assert.equal(r.status, 302, show(r));
  const location = new URL(r.headers.get('location'));
  expectError(location.searchParams, auth,
    ['login_required', 'interaction_required', 'account_selection_required', 'consent_required']);
});

test('oidcc-prompt-none-logged-in: a code with no page', async () => {
  const first = await succeeds({}, { loginExpected: true });
  await succeeds({ prompt: 'none' }, { jar: first.jar, loginExpected: false });
});

test('oidcc-max-age-1: after 1 s the login page again, and a new auth_time', async () => {
  const first = await succeeds({}, { loginExpected: true });
  await sleep(2100);
  const second = await succeeds({ max_age: '1' }, { jar: first.jar, loginExpected: true });
  assert.ok(second.idToken.auth_time >= first.idToken.auth_time + 2,
    `auth_time ${second.idToken.auth_time} after ${first.idToken.auth_time}`);
});

test('oidcc-max-age-10000: no login page, and auth_time in the ID token', async () => {
  const first = await succeeds({}, { loginExpected: true });
  const second = await succeeds({ max_age: '10000' }, { jar: first.jar, loginExpected: false });
  assert.equal(second.idToken.auth_time, first.idToken.auth_time);
});

test('oidcc-ensure-request-with-unknown-parameter-succeeds', async () => {
  await succeeds({ extra_param: crypto.randomBytes(8).toString('hex') });
});

test('oidcc-id-token-hint: prompt=none with the first ID token as hint gives a code', async () => {
  const first = await succeeds({}, { loginExpected: true });
  const second = await succeeds({ prompt: 'none', id_token_hint: first.tokens.id_token },
    { jar: first.jar, loginExpected: false });
  assert.equal(second.idToken.sub, first.idToken.sub);
});

test('oidcc-login-hint', async () => { await succeeds({ login_hint: user.username }); });
test('oidcc-ui-locales', async () => { await succeeds({ ui_locales: 'se' }); });
test('oidcc-claims-locales', async () => {
  const { tokens } = await succeeds({ claims_locales: 'se', scope: 'openid profile' });
  await expectUserinfo(tokens.access_token);
});
test('oidcc-ensure-request-with-acr-values-succeeds', async () => {
  await succeeds({ acr_values: '1 2' });
});

test('oidcc-codereuse: a second redemption of a code is invalid_grant', async () => {
  const { code } = await codeFlow(rp.client);
  await expectInvalidGrant(await redeem(rp.client, code));
});

test('oidcc-codereuse-30seconds (first redemption; the reuse is the last case)', async () => {
  const flow = await codeFlow(rp.client);
  Object.assign(codeReuse, flow, { redeemedAt: Date.now() });
  await expectUserinfo(flow.tokens.access_token);
});

test('oidcc-ensure-registered-redirect-uri: an unregistered one is an error page, no redirect', async () => {
  const auth = authorizationRequest(rp.client, { redirect_uri: `${REDIRECT}/other` });
  const r = await request(auth.url);
  assert.equal(r.status, 400, show(r));
  assert.equal(r.headers.get('location'), null, show(r));
});

test('oidcc-ensure-post-request-succeeds: the request as a POST form', async () => {
  const flow = await codeFlow(rp.client, {}, { method: 'POST' });
  assert.ok(flow.loginShown);
});

test('oidcc-server (client_secret_post variant)', async () => {
  const { tokens } = await codeFlow(rp.post, {}, { auth: 'post' });
  await expectUserinfo(tokens.access_token);
});

test('oidcc-request-uri-unsigned-supported-correctly-or-rejected-as-unsupported', async () => {
  assert.equal(discovery.request_uri_parameter_supported, false);
  // A URI nothing listens on, on loopback: a server that fetched it would fail, not leak.
  const auth = authorizationRequest(rp.client,
    { request_uri: `http://127.0.0.1:${await freePort()}/request.jwt` });
  const r = await request(auth.url);
  assert.equal(r.status, 302, show(r));
  expectError(new URL(r.headers.get('location')).searchParams, auth, ['request_uri_not_supported']);
});

function unsignedRequestObject(claims) {
  const enc = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${enc({ alg: 'none' })}.${enc(claims)}.`;
}

test('oidcc-unsigned-request-object-supported-correctly-or-rejected-as-unsupported', async () => {
  assert.equal(discovery.request_parameter_supported, false);
  const auth = authorizationRequest(rp.client);
  const url = new URL(auth.url);
  url.searchParams.set('request', unsignedRequestObject({ ...auth.params, iss: rp.client.id,
    aud: discovery.issuer }));
  const r = await request(url);
  assert.equal(r.status, 302, show(r));
  expectError(new URL(r.headers.get('location')).searchParams, auth, ['request_not_supported']);
});

test('oidcc-claims-essential: the claims parameter is ignored safely (scopes decide)', async () => {
  assert.equal(discovery.claims_parameter_supported, false);
  const claims = JSON.stringify({ userinfo: { name: { essential: true }, email: null },
    id_token: { email: { essential: true } } });
  const { tokens, idToken } = await succeeds({ claims });
  const info = await expectUserinfo(tokens.access_token);
  for (const claim of ['name', 'email']) {
    assert.ok(!(claim in info), `${claim} released by the claims parameter without its scope`);
    assert.ok(!(claim in idToken), `${claim} in the ID token without its scope`);
  }
});

test('oidcc-ensure-request-object-with-redirect-uri: refused as request_not_supported', async () => {
  const auth = authorizationRequest(rp.client, { redirect_uri: null });
  const url = new URL(auth.url);
  url.searchParams.set('request', unsignedRequestObject({ ...auth.params, redirect_uri: REDIRECT }));
  url.searchParams.set('redirect_uri', REDIRECT);
  const r = await request(url);
  assert.equal(r.status, 302, show(r));
  expectError(new URL(r.headers.get('location')).searchParams, auth, ['request_not_supported']);
});

test('oidcc-refresh-token: refresh works, rotates, keeps sub; another client cannot use it', async () => {
  const { tokens, idToken } = await codeFlow(rp.client);
  const refresh = (client, token) => request(`${server.base}/token`, { method: 'POST',
    headers: { authorization: basic(client.id, client.secret) },
    form: { grant_type: 'refresh_token', refresh_token: token } });
  const r = await refresh(rp.client, tokens.refresh_token);
  assert.equal(r.status, 200, show(r));
  remember('refresh_token', r.json.refresh_token);
  assert.ok(r.json.access_token);
  if (r.json.id_token) {
    const { payload } = await jose.jwtVerify(r.json.id_token, jwks,
      { issuer: discovery.issuer, audience: rp.client.id });
    assert.equal(payload.sub, idToken.sub);
  }
  await expectUserinfo(r.json.access_token);
  const next = r.json.refresh_token ?? tokens.refresh_token;
  await expectInvalidGrant(await refresh(rp.client2, next));
});

test('oidcc-ensure-request-with-valid-pkce-succeeds (S256)', async () => {
  const verifier = remember('verifier', crypto.randomBytes(32).toString('base64url'));
  const challenge = crypto.createHash('sha256').update(verifier).digest('base64url');
  const auth = authorizationRequest(rp.client,
    { code_challenge: challenge, code_challenge_method: 'S256' });
  const { callback } = await authorize(auth, new CookieJar());
  const code = expectCode(callback, auth);
  await expectTokens(await redeem(rp.client, code, { extra: { code_verifier: verifier } }),
    rp.client, auth);
});

test('oidcc-codereuse-30seconds: reuse after 30 s is invalid_grant and revokes what the code issued', async () => {
  assert.ok(codeReuse.redeemedAt, 'the first part did not run');
  const wait = codeReuse.redeemedAt + 30_000 - Date.now();
  if (wait > 0) await sleep(wait);
  await expectInvalidGrant(await redeem(rp.client, codeReuse.code));
  const r = await userinfo(codeReuse.tokens.access_token);
  assert.equal(r.status, 401, `the access token the code issued still works\n${show(r)}`);
  const refreshed = await request(`${server.base}/token`, { method: 'POST',
    headers: { authorization: basic(rp.client.id, rp.client.secret) },
    form: { grant_type: 'refresh_token', refresh_token: codeReuse.tokens.refresh_token } });
  await expectInvalidGrant(refreshed);
}, { timeoutMs: 60_000 });

test('no password, secret, code or token of these modules appears in the server log', async () => {
  const log = server.log();
  for (const [label, value] of seen) assert.ok(!log.includes(value), `${label} is in the log`);
});

// --- main ----------------------------------------------------------------------------------------

async function main() {
  const sharedUrl = process.env.IDENTITY_TEST_DATABASE_URL;
  const [dbName, dbUrl] = createDatabase(sharedUrl);
  server = new IdentityServer({ binary: args.server, databaseUrl: dbUrl,
    logPath: path.join(outDir, 'identity-server.log'), adminId: 'conformance-admin',
    adminSecret: crypto.randomBytes(24).toString('base64url') });
  remember('admin secret', server.adminSecret);
  let ok = false;
  try {
    await server.start();
    await makeWorld();
    ok = await runTests('basic_op', args.filter);
  } finally {
    await server.stop();
    psql(sharedUrl, `DROP DATABASE IF EXISTS ${dbName}`);
  }
  process.exit(ok ? 0 : 1);
}

main().catch((error) => {
  process.stderr.write(`${error?.stack ?? error}\n${server?.log() ?? ''}\n`);
  process.exit(1);
});
