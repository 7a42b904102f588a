// Verifies tokens with panva jose (package.json pins the version) against a
// served key set, as a careful verifier would configure it, and also as the
// library does with only the key set (to show what its settings add).
//
// usage: node jose_verify.mjs   < {"jwks_uri","issuer","audience","alg","max_age","tokens":[{"case","token"}]}
// prints {"configured": {case: "accept" | "reject: <reason>"}, "bare": {...}}
import { readFileSync } from 'node:fs';
import { webcrypto } from 'node:crypto';

// Node 18 (Debian's) has Web Crypto only under node:crypto.
if (!globalThis.crypto) globalThis.crypto = webcrypto;
const { createRemoteJWKSet, jwtVerify } = await import('jose');

const input = JSON.parse(readFileSync(0, 'utf8'));
const jwks = createRemoteJWKSet(new URL(input.jwks_uri));

// jose tries every key of the set on a token without kid: a verifier of this
// issuer's tokens asks for the key the token names.
async function namedKey(header, token) {
  if (typeof header.kid !== 'string') throw new Error('the token names no key (kid)');
  return jwks(header, token);
}

const configured = {
  issuer: input.issuer,
  audience: input.audience,
  algorithms: [input.alg],
  requiredClaims: ['exp', 'iat', 'nbf', 'sub'],
  maxTokenAge: input.max_age,  // also what makes jose check that iat is not in the future
};

async function outcome(token, key, options) {
  try {
    await jwtVerify(token, key, options);
    return 'accept';
  } catch (e) {
    return `reject: ${e.code || e.name}: ${e.message}`;
  }
}

const result = { configured: {}, bare: {} };
for (const { case: name, token } of input.tokens) {
  result.configured[name] = await outcome(token, namedKey, configured);
  result.bare[name] = await outcome(token, jwks, {});
}
process.stdout.write(JSON.stringify(result) + '\n');
