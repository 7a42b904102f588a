#!/usr/bin/python3
"""Two hosts on one PostgreSQL store (run by multihost.sh): one key set, one
user table, one rate limit, one rotation. Each failure prints a FAIL line;
the exit status is then non-zero."""
import concurrent.futures
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request

import jwt

from checks import check, failures

hosts = [os.environ["JWKS_HOST_A"], os.environ["JWKS_HOST_B"]]
issuer = os.environ["JWKS_ISSUER"]
db = os.environ["JWKS_DB"]


def request(host, method, path, body=None, client="192.0.2.1"):
    """(status, headers, parsed JSON or None). The fronts trust 127.0.0.1 as
    a proxy: X-Forwarded-For gives each case a client of its own."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(host + path, data=data, method=method,
                                 headers={"Content-Type": "application/json", "X-Forwarded-For": client})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            raw = resp.read()
            return resp.status, resp.headers, json.loads(raw) if raw else None
    except urllib.error.HTTPError as e:
        raw = e.read()
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = None
        return e.code, e.headers, parsed


def sql(query):
    out = subprocess.run(["psql", "-X", "-qAt", "-v", "ON_ERROR_STOP=1", db, "-c", query],
                         capture_output=True, text=True, check=True)
    return out.stdout.strip()


def kids(host):
    status, _, doc = request(host, "GET", "/.well-known/jwks.json")
    check(status == 200, f"GET {host}/.well-known/jwks.json answered {status}")
    return sorted(k["kid"] for k in (doc or {}).get("keys", []))


def verify(token, at_host):
    client = jwt.PyJWKClient(at_host + "/.well-known/jwks.json", cache_keys=False, cache_jwk_set=False)
    key = client.get_signing_key_from_jwt(token)
    return jwt.decode(token, key.key, algorithms=["RS256"], issuer=issuer, options={"require": ["exp", "iat"]})


# 1. One key set: the same JWKS from both; a token from each verifies at the other.
a_kids, b_kids = kids(hosts[0]), kids(hosts[1])
check(a_kids and a_kids == b_kids, f"the hosts publish different key sets: {a_kids} and {b_kids}")
for i, host in enumerate(hosts):
    other = hosts[1 - i]
    status, _, body = request(host, "POST", "/auth", {"username": "visitor", "password": "x"}, client=f"192.0.2.{10 + i}")
    if check(status == 200, f"POST {host}/auth answered {status}: {body}"):
        try:
            claims = verify(body["token"], other)
            check(claims["sub"] == "visitor", f"a token from {host} has sub {claims['sub']!r}")
        except Exception as e:  # noqa: BLE001: any failure to verify is the finding
            check(False, f"a token from {host} does not verify against {other}'s key set: {e}")

# 2. One user table: registered on A, logs in on B; one auth_logs row.
status, _, body = request(hosts[0], "POST", "/register", {"username": "shared-user", "email": "shared@example.com"},
                          client="192.0.2.20")
if check(status == 201, f"POST /register on A answered {status}: {body}"):
    status, _, login = request(hosts[1], "POST", "/auth", {"username": "shared-user", "password": body["password"]},
                               client="192.0.2.21")
    check(status == 200, f"the user registered on A cannot log in on B: {status} {login}")
    check(sql("SELECT count(*) FROM auth_logs a JOIN users u ON u.id = a.user_id WHERE u.username = 'shared-user'") == "1",
          "the login on B left no auth_logs row (or more than one)")
    check(sql("SELECT request_ip FROM auth_logs ORDER BY id DESC LIMIT 1") == "192.0.2.21",
          "auth_logs does not hold B's client address")

# 3. One rate limit (JWKS_RATE_LIMIT=10/60s): ten requests alternating
# between the hosts are admitted, the eleventh is refused at either.
codes = [request(hosts[i % 2], "POST", "/auth", {"username": "rl", "password": "x"}, client="198.51.100.77")[0]
         for i in range(10)]
check(codes == [200] * 10, f"ten /auth alternating between the hosts: {codes}")
for host in hosts:
    status, headers, body = request(host, "POST", "/auth", {"username": "rl", "password": "x"}, client="198.51.100.77")
    check(status == 429, f"the eleventh /auth at {host} answered {status}, not 429")
    check(headers.get("Retry-After", "").isdigit(), f"a 429 from {host} has no Retry-After")

# 4. 24 racing registrations of one name across both hosts: one 201.
def register(i):
    return request(hosts[i % 2], "POST", "/register", {"username": "contested", "email": f"c{i}@example.com"},
                   client=f"203.0.113.{i + 1}")[0]


with concurrent.futures.ThreadPoolExecutor(max_workers=24) as pool:
    codes = sorted(pool.map(register, range(24)))
check(codes.count(201) == 1 and codes.count(409) == 23, f"24 racing registrations of one name: {codes}")
check(sql("SELECT count(*) FROM users WHERE username = 'contested'") == "1", "the contested name is in users twice")

# 5. jwksctl rotate --now on one machine: both hosts publish the new key at once.
previous = set(kids(hosts[0]))
subprocess.run([os.environ["JWKS_CTL"], "rotate", "--now"], check=True, capture_output=True,
               env={**os.environ, "JWKS_DB": db})
new_a, new_b = set(kids(hosts[0])), set(kids(hosts[1]))
check(len(new_a - previous) == 1 and new_a == new_b, f"after jwksctl rotate --now: A {sorted(new_a)}, B {sorted(new_b)}")

# 6. Two hosts racing a due rotation create one key: the successor the
# rotation above published is taken away and the signing key made to retire
# within the publish lead, then both hosts are asked at once.
sql("DELETE FROM keys WHERE kid = (SELECT max(kid) FROM keys)")
before = int(sql("SELECT count(*) FROM keys"))
sql("UPDATE key_schedule SET retire_at = greatest(active_at, extract(epoch FROM now())::bigint + 60) "
    "WHERE kid = (SELECT s.kid FROM key_schedule s JOIN keys k ON k.kid = s.kid "
    "WHERE s.active_at <= extract(epoch FROM now()) AND k.exp > extract(epoch FROM now()) AND s.retired_early = 0 ORDER BY s.active_at DESC LIMIT 1)")
with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
    statuses = list(pool.map(lambda i: request(hosts[i % 2], "GET", "/.well-known/jwks.json")[0], range(32)))
check(statuses == [200] * 32, f"key set requests during the rotation race: {sorted(set(statuses))}")
after = int(sql("SELECT count(*) FROM keys"))
check(after == before + 1, f"the racing rotation made {after - before} key(s), not 1")
check(kids(hosts[0]) == kids(hosts[1]), "after the rotation the hosts publish different key sets")

# 7. PostgreSQL stopped under load: 503 JSON with Retry-After from both
# hosts, no crash (with-front.sh checks the responders' health); restarted:
# both recover without restarting the fronts.
subprocess.run([os.environ["JWKS_PG_SERVER"], "halt", os.environ["JWKS_PG_STATE"]], check=True)
paths = [("GET", "/.well-known/jwks.json", None), ("POST", "/auth", {"username": "u", "password": "x"}),
         ("POST", "/register", {"username": "down", "email": "down@example.com"}), ("GET", "/readyz", None)]
for host in hosts:
    for method, path, body in paths:
        for attempt in range(3):  # every responder's kept connection, not only one
            status, headers, parsed = request(host, method, path, body, client="192.0.2.99")
            check(status == 503, f"{method} {path} at {host} with PostgreSQL down answered {status}")
            check(status != 503 or headers.get("Retry-After", "").isdigit(), f"a 503 of {path} has no Retry-After")
            check(status != 503 or (isinstance(parsed, dict) and "error" in parsed),
                  f"a 503 of {path} is not a JSON error: {parsed}")
subprocess.run([os.environ["JWKS_PG_SERVER"], "resume", os.environ["JWKS_PG_STATE"]], check=True)
for host in hosts:
    # Each responder reconnects on its next request: ask each of them (the
    # fronts spread requests over every responder) a few times.
    codes = [request(host, "POST", "/auth", {"username": "back", "password": "x"}, client=f"192.0.2.{120 + n}")[0]
             for n in range(8)]
    check(codes == [200] * 8, f"/auth at {host} after PostgreSQL came back: {codes}")

print(f"{len(failures)} failure(s)")
sys.exit(1 if failures else 0)
