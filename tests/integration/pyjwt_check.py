#!/usr/bin/python3
"""An independent check with PyJWT: a token from POST /auth verifies against
the served JWKS (fetched by PyJWKClient itself), and the ?expired=true token is
rejected. Run by with-lighttpd.sh, which exports JWKS_BASE_URL."""
import json
import os
import sys
import urllib.request

import jwt

base = os.environ["JWKS_BASE_URL"]


def token(query=""):
    body = json.dumps({"username": "pyjwt-user", "password": "irrelevant"}).encode()
    req = urllib.request.Request(base + "/auth" + query, data=body, method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.status == 200, resp.status
        return json.load(resp)["token"]


# Given only the issuer URL: discovery names the JWKS, PyJWKClient fetches it.
with urllib.request.urlopen(base + "/.well-known/openid-configuration", timeout=10) as resp:
    discovery = json.load(resp)
issuer = discovery["issuer"]
assert issuer == base, (issuer, base)
client = jwt.PyJWKClient(discovery["jwks_uri"])

good = token()
key = client.get_signing_key_from_jwt(good)
claims = jwt.decode(good, key.key, algorithms=discovery["id_token_signing_alg_values_supported"],
                    issuer=issuer, options={"require": ["exp", "iat", "nbf", "iss", "sub", "jti"]})
assert claims["sub"] == "pyjwt-user", claims
assert claims["exp"] > claims["iat"], claims
print("valid token verified by PyJWT from the issuer URL alone:", claims)

expired = token("?expired=true")
try:
    key = client.get_signing_key_from_jwt(expired)
except jwt.exceptions.PyJWKClientError as e:
    print("expired token rejected: its kid is not in the JWKS:", e)
else:
    sys.exit("FAIL: the expired token's kid was found in the JWKS")
try:
    jwt.decode(expired, options={"verify_signature": False, "verify_exp": True})
except jwt.exceptions.ExpiredSignatureError:
    print("expired token's exp is in the past")
else:
    sys.exit("FAIL: the expired token's exp is not in the past")
