// Writes client/interceptor/testdata/dpop_jose_calls.json: DPoP-bound access tokens and the
// DPoP proofs (RFC 9449) of gRPC calls to identity.v1.KeyService/RotateKeys at authority
// "orders.example", all made by npm jose, an independent JOSE implementation: a test issuer's
// public key, per client key algorithm a token whose
// "cnf.jkt" is jose's RFC 7638 thumbprint and a proof with "ath" of that token, and a proof for
// another method. Verified by client/interceptor/dpop_interceptor_test.cc. Regenerate with jose from
// tests/oidc_http (after npm ci there), from a directory whose node_modules is
// tests/oidc_http/node_modules:
//   node make_dpop_jose_calls.mjs > client/interceptor/testdata/dpop_jose_calls.json
import * as jose from 'jose';
import { createHash } from 'node:crypto';

const iat = 1800000000;
const authority = 'orders.example';
const htu = (method) => `https://${authority}/identity.v1.KeyService/${method}`;
const issuer = await jose.generateKeyPair('ES256', { extractable: true });
const issuerJwk = { ...(await jose.exportJWK(issuer.publicKey)), kid: 'jose-issuer', alg: 'ES256' };
const calls = [];
for (const [alg, options] of [['ES256'], ['ES384'], ['EdDSA', { crv: 'Ed25519' }], ['RS256'],
                             ['PS256']]) {
  const { publicKey, privateKey } = await jose.generateKeyPair(alg, { extractable: true, ...options });
  const jwk = await jose.exportJWK(publicKey);
  const jkt = await jose.calculateJwkThumbprint(jwk, 'sha256');
  const token = await new jose.SignJWT({ scope: 'admin', client_id: 'jose-client', cnf: { jkt } })
    .setProtectedHeader({ typ: 'at+jwt', alg: 'ES256', kid: 'jose-issuer' })
    .setIssuer('https://id.example').setAudience('orders-api').setSubject('jose-client')
    .setIssuedAt(iat).setExpirationTime(iat + 300).sign(issuer.privateKey);
  const ath = createHash('sha256').update(token).digest('base64url');
  const proof = async (jti, method) => new jose.SignJWT({ jti, htm: 'POST', htu: htu(method), ath })
    .setProtectedHeader({ typ: 'dpop+jwt', alg, jwk }).setIssuedAt(iat).sign(privateKey);
  calls.push({
    alg, jkt, token,
    proof: await proof(`jose-${alg}`, 'RotateKeys'),
    other_method_proof: await proof(`jose-${alg}-other`, 'ListKeys'),
  });
}
console.log(JSON.stringify({ iat, authority, issuer_jwk: issuerJwk, calls }, null, 1));
