#!/usr/bin/env python3
"""A registration flood and a bystander, against a running front.

Run through tests/integration/with-front.sh (JWKS_BASE_URL exported), with
JWKS_TRUSTED_PROXIES=127.0.0.1 so the flood can speak as many addresses and
JWKS_RATE_LIMIT raised so the bystander's own requests are never refused.
bench/register_flood runs it against this build and, for comparison, any
other one. For SECONDS per phase it measures a bystander's anonymous
POST /auth latency (one request after another, from 127.0.0.1):

  idle        nothing else
  duplicates  16 connections registering one taken name from one address
  distinct    16 connections registering new names, each from its own address

and prints the bystander's median and 90th percentile, and what the flood got.
"""
import http.client
import json
import os
import random
import statistics
import sys
import threading
import time
import urllib.parse

BASE = os.environ["JWKS_BASE_URL"]
HOST = urllib.parse.urlparse(BASE)
SECONDS = float(sys.argv[1]) if len(sys.argv) > 1 else 10
CONNECTIONS = 16


def connect():
    return http.client.HTTPConnection(HOST.hostname, HOST.port, timeout=30)


def post(conn, path, body, headers):
    conn.request("POST", path, body=body, headers=headers)
    r = conn.getresponse()
    r.read()
    return r.status


def bystander(stop, latencies):
    conn = connect()
    while not stop.is_set():
        t = time.perf_counter()
        try:
            status = post(conn, "/auth", b"", {"Content-Length": "0"})
        except (OSError, http.client.HTTPException):
            conn = connect()
            continue
        if status == 200:
            latencies.append((time.perf_counter() - t) * 1000)


def flood(kind, index, stop, outcomes, lock):
    conn = connect()
    n = 0
    while not stop.is_set():
        n += 1
        if kind == "duplicates":
            name, addr = "taken", "198.51.100.1"
        else:
            name = "flood-%d-%d-%d" % (os.getpid(), index, n)
            addr = "10.%d.%d.%d" % (random.randrange(256), random.randrange(256), random.randrange(1, 255))
        body = json.dumps({"username": name, "email": name + "@example.com"}).encode()
        try:
            status = post(conn, "/register", body, {"Content-Type": "application/json", "X-Forwarded-For": addr})
        except (OSError, http.client.HTTPException):
            status = "error"
            conn = connect()
        with lock:
            outcomes[status] = outcomes.get(status, 0) + 1


def phase(kind):
    stop, lock = threading.Event(), threading.Lock()
    latencies, outcomes = [], {}
    threads = [threading.Thread(target=bystander, args=(stop, latencies))]
    if kind != "idle":
        threads += [threading.Thread(target=flood, args=(kind, i, stop, outcomes, lock)) for i in range(CONNECTIONS)]
    for t in threads:
        t.start()
    time.sleep(SECONDS)  # the measurement's duration, bounded
    stop.set()
    for t in threads:
        t.join()
    p50 = statistics.median(latencies) if latencies else float("nan")
    p90 = statistics.quantiles(latencies, n=10)[-1] if len(latencies) >= 10 else float("nan")
    flood_total = sum(outcomes.values())
    print("%-10s bystander /auth: %5d answered, p50 %7.1f ms, p90 %7.1f ms | flood: %5.0f req/s %s" % (
        kind, len(latencies), p50, p90, flood_total / SECONDS,
        " ".join("%s x%d" % (k, v) for k, v in sorted(outcomes.items(), key=str))), flush=True)


# The taken name exists before the duplicates phase.
conn = connect()
post(conn, "/register", json.dumps({"username": "taken", "email": "taken@example.com"}).encode(),
     {"Content-Type": "application/json", "X-Forwarded-For": "192.0.2.1"})
for kind in ("idle", "duplicates", "distinct"):
    phase(kind)
