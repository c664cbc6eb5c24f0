// An OpenID provider that is not identity: oidc-provider (panva/node-oidc-provider, a certified
// OpenID Provider) on 127.0.0.1, issuing RFC 9068 JWT access tokens (resource indicators with
// accessTokenFormat 'jwt', client_credentials grant) signed ES256 with a key made at start.
// Over plain HTTP, or over HTTPS with the key and certificate given.
//
//   node provider.js --out FILE [--key KEY.pem --cert CERT.pem]
//
// Once listening it gets one access token from its own token endpoint, as any client would,
// and writes {"issuer", "audience", "token"} to FILE (atomically). It serves until it gets
// SIGTERM or its stdin closes (the test that started it is gone).
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { parseArgs } from 'node:util';
import Provider from 'oidc-provider';

const { values: args } = parseArgs({
  options: { out: { type: 'string' }, key: { type: 'string' }, cert: { type: 'string' } },
});
if (!args.out) throw new Error('--out FILE is required');
const tls = Boolean(args.key && args.cert);
const audience = 'urn:identity:test:annotated';
const clientId = 'interop';
const clientSecret = crypto.randomBytes(24).toString('base64url');

let handler = (req, res) => { res.statusCode = 503; res.end(); };
const server = tls
  ? https.createServer({ key: fs.readFileSync(args.key), cert: fs.readFileSync(args.cert) },
    (req, res) => handler(req, res))
  : http.createServer((req, res) => handler(req, res));
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `${tls ? 'https' : 'http'}://127.0.0.1:${server.address().port}`;

const signingKey = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey
  .export({ format: 'jwk' });
const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    grant_types: ['client_credentials'],
    redirect_uris: [],
    response_types: [],
    token_endpoint_auth_method: 'client_secret_post',
    id_token_signed_response_alg: 'ES256',
  }],
  jwks: { keys: [{ ...signingKey, kid: 'interop-es256', alg: 'ES256', use: 'sig' }] },
  scopes: ['orders.read', 'orders.write'],
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => audience,
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({
        audience,
        scope: 'orders.read orders.write',
        accessTokenFormat: 'jwt',
        accessTokenTTL: 600,
        jwt: { sign: { alg: 'ES256' } },
      }),
    },
  },
});
handler = provider.callback();

// One token, from the token endpoint over the network like any client.
const body = new URLSearchParams({
  grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret,
  resource: audience, scope: 'orders.read',
}).toString();
const reply = await new Promise((resolve, reject) => {
  const request = (tls ? https : http).request(`${issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    ca: tls ? fs.readFileSync(args.cert) : undefined,
    timeout: 10_000,
  }, (res) => {
    let text = '';
    res.on('data', (chunk) => { text += chunk; });
    res.on('end', () => resolve({ status: res.statusCode, text }));
  });
  request.on('timeout', () => request.destroy(new Error('token request timed out')));
  request.on('error', reject);
  request.end(body);
});
if (reply.status !== 200) throw new Error(`token endpoint: ${reply.status} ${reply.text}`);
const token = JSON.parse(reply.text).access_token;
fs.writeFileSync(`${args.out}.tmp`, JSON.stringify({ issuer, audience, token }));
fs.renameSync(`${args.out}.tmp`, args.out);
process.stderr.write(`oidc-provider ${issuer} ready\n`);

const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.resume();
