// node oidc-provider as the baseline of bench/run_http_bench.sh: one confidential
// client (client_credentials, client_secret_basic), an ES256 key generated at
// start, and RFC 9068 JWT access tokens signed ES256, 600 s TTL.
//
//   PORT=8081 CLIENT_ID=bench CLIENT_SECRET=... node provider.mjs
//
// Token endpoint: POST http://127.0.0.1:PORT/token. With resourceIndicators, a
// request without `resource` gets the default resource (RESOURCE, default
// https://api.example), whose access tokens are JWTs (`typ: at+jwt`).
// The in-memory adapter keeps every token it issues: restart between load runs.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import Provider from 'oidc-provider';

const port = Number(process.env.PORT || 8081);
const clientId = process.env.CLIENT_ID || 'bench';
const clientSecret = process.env.CLIENT_SECRET;
const resource = process.env.RESOURCE || 'https://api.example';
const ttl = 600;
if (!clientSecret) {
  console.error('provider.mjs: set CLIENT_SECRET');
  process.exit(2);
}

const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'ES256', use: 'sig' };

const issuer = `http://127.0.0.1:${port}`;
const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: 'ES256', // the only key is ES256; the default would be RS256
  }],
  jwks: { keys: [jwk] },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: async () => resource,
      useGrantedResource: async () => true,
      getResourceServerInfo: async (_ctx, resourceIndicator) => {
        if (resourceIndicator !== resource) throw new Provider.errors.InvalidTarget();
        return {
          scope: 'api:read',
          audience: resource,
          accessTokenFormat: 'jwt',
          accessTokenTTL: ttl,
          jwt: { sign: { alg: 'ES256' } },
        };
      },
    },
  },
  ttl: { ClientCredentials: ttl },
});
provider.on('server_error', (_ctx, err) => console.error('server_error', err));

provider.listen(port, '127.0.0.1', () => {
  console.log(`oidc-provider ${issuer} ready (pid ${process.pid})`);
});
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
