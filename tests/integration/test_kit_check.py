#!/usr/bin/python3
"""The verifier test kit through a real front: every case GET /test-cases
lists is fetched with POST /auth?case=NAME, and two real libraries, PyJWT
(PyJWKClient) and panva jose (pinned in verifiers/package.json), verify each
against the served key set as a careful verifier configures them; each must
reach the case's documented expectation. A deliberately naive verifier (it
takes the algorithm from the header) must accept alg-none and
hs256-with-public-key: those cases bite. The list must equal the table of
docs/test-kit.md.

usage: test_kit_check.py DOCS_PAGE VERIFIERS_DIR (where npm ci installed jose)
Run by with-front.sh (JWKS_BASE_URL) with JWKS_TEST_CASES=1 and
JWKS_AUDIENCE set; JWKS_ALG as the responders get it. Each failure prints a
FAIL line; the exit status is then non-zero."""
import base64
import hashlib
import hmac
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.request

import jwt
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from checks import check, failures

docs_page, verifiers_dir = sys.argv[1], sys.argv[2]
base = os.environ["JWKS_BASE_URL"]
alg = os.environ.get("JWKS_ALG") or "RS256"
audience = os.environ["JWKS_AUDIENCE"]


def get_json(path):
    with urllib.request.urlopen(base + path, timeout=10) as resp:
        return json.load(resp)


def b64d(part):
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


# The list, and the documented table.
cases = get_json("/test-cases")["cases"]
names = [c["case"] for c in cases]
row = re.compile(r"^\| `([a-z0-9-]+)` \| (accept|reject) \| (.+?) \| (RFC [0-9]+ §[0-9.]+) \|$")
documented = [dict(zip(("case", "expect", "why", "rfc"), m.groups()))
              for m in map(row.match, open(docs_page, encoding="utf-8").read().splitlines()) if m]
check(documented == cases, f"{docs_page}'s table differs from GET /test-cases:\n  docs: {documented}\n  list: {cases}")
check(len(cases) == 16, f"GET /test-cases lists {len(cases)} cases, not 16: {names}")
check([c for c in cases if c["expect"] == "accept"] == [c for c in cases if c["case"] == "valid"],
      "only the control, valid, is to be accepted")

tokens = {}
for c in cases:
    req = urllib.request.Request(f"{base}/auth?case={c['case']}", data=b"", method="POST")
    with urllib.request.urlopen(req, timeout=30) as resp:
        answer = json.load(resp)
    check(answer.get("case") == c["case"] and answer.get("expect") == c["expect"] and answer.get("why") == c["why"],
          f"POST /auth?case={c['case']} answered {answer}, not the listed case")
    tokens[c["case"]] = answer["token"]

# The server's token lifetime, as its control token has it (jose's maxTokenAge).
valid = json.loads(b64d(tokens["valid"].split(".")[1]))
lifetime = valid["exp"] - valid["iat"]

discovery = get_json("/.well-known/openid-configuration")
issuer = discovery["issuer"]
key_set = get_json("/.well-known/jwks.json")["keys"]

# PyJWT as a careful verifier uses it. PyJWT 2.6 (Debian 12) does not
# implement crit (RFC 7515 §4.1.11): a verifier refuses what it does not
# understand, which for PyJWT is every crit.
client = jwt.PyJWKClient(discovery["jwks_uri"])


def pyjwt_verify(token, careful):
    try:
        if careful and "crit" in jwt.get_unverified_header(token):
            return "reject: crit names extensions this verifier does not understand"
        key = client.get_signing_key_from_jwt(token).key
        if careful:
            jwt.decode(token, key, algorithms=[alg], issuer=issuer, audience=audience,
                       options={"require": ["exp", "iat", "nbf", "sub"]})
        else:
            jwt.decode(token, key, algorithms=[alg], options={"verify_aud": False})
        return "accept"
    except Exception as e:  # PyJWT's errors and PyJWKClientError
        return f"reject: {type(e).__name__}: {e}"


# jose, in one Node process for every token.
jose_input = {"jwks_uri": discovery["jwks_uri"], "issuer": issuer, "audience": audience, "alg": alg,
              "max_age": lifetime, "tokens": [{"case": n, "token": t} for n, t in tokens.items()]}
node = subprocess.run(["node", os.path.join(verifiers_dir, "jose_verify.mjs")], input=json.dumps(jose_input),
                      capture_output=True, text=True, timeout=120, cwd=verifiers_dir)
if not check(node.returncode == 0, f"the jose verifier failed: {node.stderr}"):
    sys.exit(1)
jose = json.loads(node.stdout)


# The naive verifier: the header's alg decides, the key is the one the kid
# names (else the first), and HS256 is keyed with the key's PEM, as a
# verifier that loads "the public key" and passes it to any algorithm does.
def public_key(jwk):
    n = lambda m: int.from_bytes(b64d(jwk[m]), "big")
    if jwk["kty"] == "RSA":
        return rsa.RSAPublicNumbers(n("e"), n("n")).public_key()
    if jwk["kty"] == "EC":
        return ec.EllipticCurvePublicNumbers(n("x"), n("y"), ec.SECP256R1()).public_key()
    return ed25519.Ed25519PublicKey.from_public_bytes(b64d(jwk["x"]))


def naive_verify(token):
    head, body, sig = token.split(".")
    header, claims, signature = json.loads(b64d(head)), json.loads(b64d(body)), b64d(sig)
    jwk = next((k for k in key_set if k["kid"] == header.get("kid")), key_set[0])
    key, signing_input = public_key(jwk), f"{head}.{body}".encode()
    try:
        if header["alg"] == "none":
            pass
        elif header["alg"] == "HS256":
            pem = key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            if not hmac.compare_digest(hmac.new(pem, signing_input, hashlib.sha256).digest(), signature):
                return "reject: bad MAC"
        elif header["alg"] == "RS256":
            key.verify(signature, signing_input, padding.PKCS1v15(), hashes.SHA256())
        elif header["alg"] == "PS256":
            key.verify(signature, signing_input, padding.PSS(padding.MGF1(hashes.SHA256()), 32), hashes.SHA256())
        elif header["alg"] in ("ES256", "ES384"):
            r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
            digest = hashes.SHA256() if header["alg"] == "ES256" else hashes.SHA384()
            key.verify(encode_dss_signature(r, s), signing_input, ec.ECDSA(digest))
        elif header["alg"] in ("EdDSA", "Ed25519"):
            key.verify(signature, signing_input)
        else:
            return "reject: unknown alg"
    except (InvalidSignature, TypeError, ValueError) as e:
        return f"reject: {type(e).__name__}"
    return "accept"


results = {n: {"PyJWT": pyjwt_verify(t, True), "PyJWT bare": pyjwt_verify(t, False),
               "jose": jose["configured"][n], "jose bare": jose["bare"][n], "naive": naive_verify(t)}
           for n, t in tokens.items()}
print(f"alg {alg}; PyJWT {jwt.__version__}; each verifier's answer (bare: the library given only the key set)")
for c in cases:
    r = results[c["case"]]
    print(f"  {c['case']:22} expect {c['expect']:6}", "  ".join(f"{v}={r[v].split(':')[0]}" for v in r))
    for verifier in ("PyJWT", "jose"):
        check(r[verifier].split(":")[0] == c["expect"],
              f"{verifier} gives {r[verifier]!r} for {c['case']}, not {c['expect']}")
for bites in ("alg-none", "hs256-with-public-key"):
    check(results[bites]["naive"] == "accept", f"the naive verifier does not fall for {bites}: {results[bites]['naive']}")
check(results["valid"]["naive"] == "accept" and results["bad-signature"]["naive"].startswith("reject"),
      "the naive verifier does not check signatures at all: it proves nothing")
# What each library accepts bare, against the docs' table, for the versions it names.
with open(os.path.join(verifiers_dir, "node_modules", "jose", "package.json"), encoding="utf-8") as f:
    versions = {"PyJWT": jwt.__version__, "jose": json.load(f)["version"]}
bare_rows = {m.group(1): (m.group(2), re.findall(r"`([a-z0-9-]+)`", m.group(3)))
             for m in map(re.compile(r"^\| (PyJWT|jose) ([0-9.]+) \| .* \| ([^|]*) \|$").match,
                          open(docs_page, encoding="utf-8").read().splitlines()) if m}
for library in ("PyJWT", "jose"):
    lax = [n for n in names if results[n][library + " bare"] == "accept" and n != "valid"]
    print(f"{library} {versions[library]} bare accepts: {', '.join(lax) or 'nothing it should not'}")
    documented_version, documented_lax = bare_rows.get(library, (None, None))
    if check(documented_version is not None, f"{docs_page} has no row for {library} bare"):
        if documented_version == versions[library]:
            check(lax == documented_lax, f"{docs_page} says {library} {documented_version} bare accepts "
                                         f"{documented_lax}, but it accepts {lax}")
        else:
            print(f"  ({docs_page} documents {library} {documented_version}, not this {versions[library]}: not compared)")

# The docs' test loop with the docs' PyJWT verifier, as a reader runs them.
def docs_block(marker):
    text = open(docs_page, encoding="utf-8").read()
    m = re.search(r"<!-- " + marker + r"[^>]*-->\n```[a-z]*\n(.*?)```", text, re.S)
    if not check(m is not None, f"{docs_page} has no block marked {marker}"):
        sys.exit(1)
    return m.group(1)


with tempfile.TemporaryDirectory() as work:
    verifier = os.path.join(work, "verify-token")
    with open(verifier, "w", encoding="utf-8") as f:
        f.write(docs_block("verify-token"))
    os.chmod(verifier, 0o755)
    loop = subprocess.run(["bash", "-c", docs_block("test-loop")], capture_output=True, text=True, timeout=300,
                          cwd=work, env=dict(os.environ, ISSUER=issuer, AUDIENCE=audience, ALG=alg))
    lines = loop.stdout.splitlines()
    print("the docs' test loop:", f"{sum(l.startswith('ok ') for l in lines)} ok,",
          f"{sum(l.startswith('FAIL') for l in lines)} FAIL, exit {loop.returncode}")
    check(loop.returncode == 0 and lines == [f"ok   {n}" for n in names],
          f"the docs' test loop did not pass every case:\n{loop.stdout}{loop.stderr}")

print("test kit: OK" if not failures else f"test kit: {len(failures)} failure(s)")
sys.exit(1 if failures else 0)
