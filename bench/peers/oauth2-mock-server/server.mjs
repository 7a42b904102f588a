// bench/run's peer: the axa-group oauth2-mock-server (npm, pinned in
// package-lock.json), as its README starts it, with one key of the algorithm
// given. Keys live in memory. Never part of jwks-fcgi.
//   node server.mjs PORT RS256|ES256
// JWKS at /jwks; tokens from POST /token with grant_type=client_credentials.
import { OAuth2Server } from 'oauth2-mock-server';

const [port, alg] = [Number(process.argv[2] ?? 8080), process.argv[3] ?? 'RS256'];
const server = new OAuth2Server();
await server.issuer.keys.generate(alg);
await server.start(port, '127.0.0.1');
console.log(`oauth2-mock-server ${alg} on ${server.issuer.url}`);
