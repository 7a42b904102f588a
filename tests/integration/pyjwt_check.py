#!/usr/bin/python3
"""An independent check with PyJWT: a token from POST /auth verifies against
the served JWKS (fetched by PyJWKClient itself) with the algorithm the server
was told to use, and the ?expired=true token is rejected. Run by
with-front.sh, which exports JWKS_BASE_URL; the expected algorithm is
JWKS_ALG from the environment (the one the responders get), RS256 when unset
(the server's default). Each failure prints a FAIL line; the exit status is
then non-zero."""
import json
import os
import sys
import urllib.request

import jwt

from checks import check, failures, give_up

base = os.environ["JWKS_BASE_URL"]
expected_alg = os.environ.get("JWKS_ALG") or "RS256"
# The JWK each algorithm must be published as: (kty, crv or None).
KEY_KIND = {"RS256": ("RSA", None), "PS256": ("RSA", None), "ES256": ("EC", "P-256"), "EdDSA": ("OKP", "Ed25519")}


def token(query=""):
    body = json.dumps({"username": "pyjwt-user", "password": "irrelevant"}).encode()
    req = urllib.request.Request(base + "/auth" + query, data=body, method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        if resp.status != 200:
            give_up(f"POST /auth{query} answered {resp.status}, not 200")
        return json.load(resp)["token"]


if expected_alg not in KEY_KIND:
    give_up(f"JWKS_ALG={expected_alg!r} is none of {sorted(KEY_KIND)}")
print("expected algorithm:", expected_alg)

# Given only the issuer URL: discovery names the JWKS, PyJWKClient fetches it.
with urllib.request.urlopen(base + "/.well-known/openid-configuration", timeout=10) as resp:
    discovery = json.load(resp)
issuer = discovery["issuer"]
check(issuer == base, f"discovery's issuer is {issuer!r}, not {base!r}")
supported = discovery.get("id_token_signing_alg_values_supported")
check(supported == [expected_alg],
      f"discovery's id_token_signing_alg_values_supported is {supported!r}, not [{expected_alg!r}]")
client = jwt.PyJWKClient(discovery["jwks_uri"])

good = token()
header = jwt.get_unverified_header(good)
check(header.get("alg") == expected_alg, f"the token's header has alg {header.get('alg')!r}, not {expected_alg}")
key = client.get_signing_key_from_jwt(good)
# PyJWK exposes kty and kid but not crv or alg: the member dict is the key
# set's entry with the kid PyJWKClient matched.
with urllib.request.urlopen(discovery["jwks_uri"], timeout=10) as resp:
    jwk = [k for k in json.load(resp)["keys"] if k.get("kid") == key.key_id]
if len(jwk) != 1:
    give_up(f"{len(jwk)} keys in the JWKS have the kid {key.key_id!r} that PyJWKClient picked")
jwk = jwk[0]
kty, crv = KEY_KIND[expected_alg]
check(key.key_type == kty and jwk.get("kty") == kty,
      f"the JWK PyJWKClient picked (kid {key.key_id}) has kty {jwk.get('kty')!r}, not {kty!r} for {expected_alg}")
if crv is not None:
    check(jwk.get("crv") == crv, f"the JWK PyJWKClient picked (kid {key.key_id}) has crv {jwk.get('crv')!r}, not {crv!r}")
check(jwk.get("alg") == expected_alg,
      f"the JWK PyJWKClient picked (kid {key.key_id}) has alg {jwk.get('alg')!r}, not {expected_alg}")
print(f"signing key {key.key_id}: kty {jwk.get('kty')}, crv {jwk.get('crv')}, alg {jwk.get('alg')}")
try:
    claims = jwt.decode(good, key.key, algorithms=[expected_alg],
                        issuer=issuer, options={"require": ["exp", "iat", "nbf", "iss", "sub", "jti"]})
except jwt.exceptions.PyJWTError as e:
    give_up(f"PyJWT rejected the valid token with algorithms=[{expected_alg}]: {type(e).__name__}: {e}")
check(claims["sub"] == "pyjwt-user", f"the token's sub is {claims['sub']!r}, not 'pyjwt-user'")
check(claims["exp"] > claims["iat"], f"the token's exp {claims['exp']} is not after its iat {claims['iat']}")
print(f"valid {expected_alg} token verified by PyJWT from the issuer URL alone:", claims)

expired = token("?expired=true")
try:
    client.get_signing_key_from_jwt(expired)
except jwt.exceptions.PyJWKClientError as e:
    print("expired token rejected: its kid is not in the JWKS:", e)
else:
    check(False, "the expired token's kid was found in the JWKS")
try:
    jwt.decode(expired, options={"verify_signature": False, "verify_exp": True})
except jwt.exceptions.ExpiredSignatureError:
    print("expired token's exp is in the past")
else:
    check(False, "the expired token's exp is not in the past")
sys.exit(1 if failures else 0)
