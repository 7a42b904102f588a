"""The seeds' design as a Flask app: a peer for bench/run, never part of jwks-fcgi.

Written from the seed projects' description: Flask, PyJWT and cryptography;
the keys in SQLite (totally_not_my_privateKeys.db, table keys(kid, key, exp)),
each private key AES-256-GCM encrypted under a key derived from NOT_MY_KEY;
GET /.well-known/jwks.json publishes the unexpired keys, POST /auth returns
{"token": ...} signed RS256 with header kid (?expired=true: the expired key).

Every request reads the key rows from SQLite. A key the process has decrypted
and loaded once stays loaded in memory: loading an RSA key with Debian's
cryptography 38 costs about 36 ms here (it validates the key), so loading per
request, as jwks-fcgi does with its own import, would leave this peer at a few
dozen tokens a second and would not be a fair comparison. No rate limit: the
seeds' limiter is per process, and the benchmark lifts ours.

    python3 app.py [PORT]                   the seeds' way (Flask's dev server)
    gunicorn -w N -b 127.0.0.1:PORT app:app  as Flask apps are deployed
"""
import base64
import hashlib
import os
import sqlite3
import sys
import time

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import Flask, jsonify, request

DB = os.environ.get("PEER_DB", "totally_not_my_privateKeys.db")
SECRET = os.environ.get("NOT_MY_KEY", "")
if len(SECRET) < 32:
    sys.exit("NOT_MY_KEY must hold at least 32 characters")
AES = AESGCM(hashlib.sha256(SECRET.encode()).digest())

app = Flask(__name__)
_loaded = {}  # kid -> private key object, loaded once per process


def b64url_uint(n):
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def connect():
    db = sqlite3.connect(DB, timeout=5)
    db.execute("PRAGMA journal_mode=WAL")
    return db


def seal(pem):
    nonce = os.urandom(12)
    return nonce + AES.encrypt(nonce, pem, None)


def private_key(kid, blob):
    key = _loaded.get(kid)
    if key is None:
        pem = AES.decrypt(bytes(blob[:12]), bytes(blob[12:]), None)
        key = serialization.load_pem_private_key(pem, password=None)
        _loaded[kid] = key
    return key


def init_store():
    db = connect()
    db.execute("CREATE TABLE IF NOT EXISTS keys(kid INTEGER PRIMARY KEY AUTOINCREMENT, key BLOB NOT NULL, exp INTEGER NOT NULL)")
    now = int(time.time())
    if db.execute("SELECT COUNT(*) FROM keys WHERE exp > ?", (now,)).fetchone()[0] == 0:
        for exp in (now + 86400, now - 3600):  # one valid key, one expired
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                    serialization.NoEncryption())
            db.execute("INSERT INTO keys (key, exp) VALUES (?, ?)", (seal(pem), exp))
        db.commit()
    db.close()


@app.get("/.well-known/jwks.json")
def jwks():
    db = connect()
    rows = db.execute("SELECT kid, key FROM keys WHERE exp > ?", (int(time.time()),)).fetchall()
    db.close()
    keys = []
    for kid, blob in rows:
        numbers = private_key(kid, blob).public_key().public_numbers()
        keys.append({"kty": "RSA", "use": "sig", "alg": "RS256", "kid": str(kid),
                     "n": b64url_uint(numbers.n), "e": b64url_uint(numbers.e)})
    return jsonify({"keys": keys})


@app.post("/auth")
def auth():
    expired = request.args.get("expired") is not None
    now = int(time.time())
    db = connect()
    if expired:
        row = db.execute("SELECT kid, key, exp FROM keys WHERE exp <= ? ORDER BY exp DESC LIMIT 1", (now,)).fetchone()
    else:
        row = db.execute("SELECT kid, key, exp FROM keys WHERE exp > ? ORDER BY exp LIMIT 1", (now,)).fetchone()
    db.close()
    if row is None:
        return jsonify({"error": "no key"}), 500
    kid, blob, exp = row
    claims = {"sub": "anonymous", "iat": now, "exp": exp if expired else min(exp, now + 3600)}
    token = jwt.encode(claims, private_key(kid, blob), algorithm="RS256", headers={"kid": str(kid)})
    return jsonify({"token": token})


init_store()

if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(sys.argv[1]) if len(sys.argv) > 1 else 8080)
