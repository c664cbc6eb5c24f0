// Writes jwt/testdata/dpop_jose.json: DPoP proofs (RFC 9449) made by npm jose, an independent
// JOSE implementation, with the RFC 7638 thumbprints jose computes for their keys. Verified by
// jwt/dpop_proof_test.cc. Regenerate with jose from tests/oidc_http (after npm ci there), from a
// directory whose node_modules is tests/oidc_http/node_modules:
//   node make_dpop_jose.mjs > jwt/testdata/dpop_jose.json
import * as jose from 'jose';
import { createHash } from 'node:crypto';

const iat = 1800000000;
const accessToken = 'an-access-token.from-the-token-endpoint';
const ath = createHash('sha256').update(accessToken).digest('base64url');
const proofs = [];
for (const [alg, options] of [['ES256'], ['ES384'], ['ES512'], ['EdDSA', { crv: 'Ed25519' }],
                             ['RS256'], ['PS256'], ['PS512']]) {
  const { publicKey, privateKey } = await jose.generateKeyPair(alg, { extractable: true, ...options });
  const jwk = await jose.exportJWK(publicKey);
  const proof = await new jose.SignJWT({
    jti: `jose-${alg}`, htm: 'POST', htu: 'https://server.example.com/token?ignored=1', ath,
  }).setProtectedHeader({ typ: 'dpop+jwt', alg, jwk }).setIssuedAt(iat).sign(privateKey);
  proofs.push({ alg, proof, jkt: await jose.calculateJwkThumbprint(jwk, 'sha256') });
}
console.log(JSON.stringify({ iat, access_token: accessToken, htu: 'https://server.example.com/token', proofs }, null, 1));
