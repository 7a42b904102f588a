#!/usr/bin/python3
"""usage: with-front.sh lighttpd JWKS_FCGI -- soak_check.py [SECONDS]   (default 20)

A bounded soak through the real front: four client threads send mixed
traffic (key set, anonymous and password tokens, expired tokens,
registrations, bad requests) for SECONDS, while each responder's resident
memory and open file descriptors are sampled once a second. Passes when no
request got an unexpected answer or failed (a reset, a timeout, a body that
does not parse: each one is a failure, though the client reconnects and goes
on), every client did at least MIN_REQUESTS_PER_SECOND * SECONDS requests,
no responder was replaced (a crash), memory stayed flat after the first
quarter, and each responder holds the same descriptors when idle after the
soak as before it (a request opens a few more: the store's files). The
warm-up client's answers are judged the same way.
The documented long run: SOAK_SECONDS=600 (ctest -R soak) or this script
with 600 through with-front.sh.
"""
import base64
import http.client
import json
import os
import sys
import threading
import time
from urllib.parse import urlparse

SECONDS = float(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("SOAK_SECONDS", "20"))
URL = urlparse(os.environ["JWKS_BASE_URL"])
STATE = os.environ["JWKS_STATE_DIR"]
RSS_SLACK_KIB = 4 * 1024  # Argon2 (19 MiB per hash) may leave the allocator a little larger
FDS_PER_REQUEST = 6  # the connection, the database, its -wal and -shm, and slack
# The floor of requests per client, per second of soak: a client below it
# was stuck or dead for most of the run. Measured on the shared 2-core
# machine (four clients, two responders, at 41a17c1): 54-105/s per client
# in 10 s and 20 s runs with the plain build, 32-56/s under
# AddressSanitizer, depending on the machine's other load; the warm-up did
# 122-434 requests. 5/s leaves more than six times the slowest ASan client,
# ten times the slowest plain one.
MIN_REQUESTS_PER_SECOND = 5
WARMUP_SECONDS = 2
WARMUP_MIN_REQUESTS = 10  # one turn of the ten steps: every kind of request at least once
CLIENT_TIMEOUT = 30  # seconds for one connect or read
ERRORS_SHOWN = 5  # per client and kind; the rest are counted


def responders():
    """pid -> (rss KiB, fd count) of the front's responder children."""
    front = None
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmd = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\0")
        except OSError:
            continue
        if cmd and cmd[0].endswith(b"lighttpd") and (STATE + "/lighttpd.conf").encode() in cmd:
            front = pid
    out = {}
    if front is None:
        return out
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            status = open(f"/proc/{pid}/status").read()
            if f"\nPPid:\t{front}\n" not in status:
                continue
            rss = int(status.split("VmRSS:")[1].split()[0])
            fds = len(os.listdir(f"/proc/{pid}/fd"))
        except (OSError, IndexError):
            continue
        out[int(pid)] = (rss, fds)
    return out


def under_asan(pid):
    try:
        return "libasan" in open(f"/proc/{pid}/maps").read()
    except OSError:
        return False


class Client(threading.Thread):
    """Sends the mixed traffic until the deadline. Every answer not in the
    wanted statuses goes to unexpected, every exception (reset, timeout,
    refused connection, a body that does not parse) to errors, after which
    the client reconnects and goes on; requests counts the exchanges that
    got an answer."""

    def __init__(self, n, deadline):
        super().__init__(daemon=True)  # a hung client must not keep the soak from reporting
        self.n, self.deadline = n, deadline
        self.counts, self.unexpected, self.errors, self.users = {}, [], [], []
        self.requests = 0

    def request(self, conn, method, path, body=None, headers=None, want=(200,)):
        headers = dict(headers or {})
        headers.setdefault("X-Forwarded-For", f"198.51.100.{self.n}")
        conn.request(method, path, body=body, headers=headers)
        r = conn.getresponse()
        data = r.read()
        self.requests += 1
        self.counts[r.status] = self.counts.get(r.status, 0) + 1
        if r.status not in want:
            self.unexpected.append(f"{method} {path}: {r.status} {data[:200]!r}")
        return r.status, data

    def step(self, conn, i):
        step = i % 10
        if step in (0, 5):
            self.request(conn, "GET", "/.well-known/jwks.json")
        elif step in (1, 6):
            self.request(conn, "POST", "/auth", b"", {"Content-Type": "application/json"})
        elif step == 2:
            self.request(conn, "POST", "/auth?expired=true", b"", {"Content-Type": "application/json"})
        elif step == 3 and (i // 10) % 5 == 0:
            name = f"soak{self.n}-{i}"
            status, data = self.request(conn, "POST", "/register",
                                        json.dumps({"username": name, "email": f"{name}@example.com"}),
                                        {"Content-Type": "application/json"}, want=(201,))
            if status == 201:
                self.users.append((name, json.loads(data)["password"]))
        elif step == 4 and self.users:
            name, pw = self.users[(i // 10) % len(self.users)]
            basic = base64.b64encode(f"{name}:{pw}".encode()).decode()
            self.request(conn, "POST", "/auth", b"", {"Authorization": f"Basic {basic}"})
        elif step == 7:
            self.request(conn, "POST", "/auth", b'{"username": [1', {"Content-Type": "application/json"},
                         want=(400,))
        elif step == 8:
            self.request(conn, "GET", "/no-such-path", want=(404,))
        else:
            self.request(conn, "GET", "/readyz")

    def run(self):
        try:
            conn = http.client.HTTPConnection(URL.hostname, URL.port, timeout=CLIENT_TIMEOUT)
            i = 0
            while time.monotonic() < self.deadline:  # bounded by the deadline
                i += 1
                try:
                    self.step(conn, i)
                except Exception as e:  # noqa: BLE001: every error is a failure, whatever its kind
                    self.errors.append(f"step {i % 10} (request {i}): {type(e).__name__}: {e}")
                    conn.close()  # the next request opens a new connection
                    time.sleep(0.1)  # not a hot loop against a dead front; the deadline still bounds it
            conn.close()
        except BaseException as e:  # outside one request: the client is dead
            self.errors.append(f"client died: {type(e).__name__}: {e}")

    def failures(self, name, min_requests):
        """The FAIL lines of this client: a count, then the first few of each kind."""
        out = []
        for kind, items in (("unexpected answers", self.unexpected), ("errors", self.errors)):
            if items:
                out.append(f"{name}: {len(items)} {kind} in {self.requests} requests")
                out += [f"{name}: {x}" for x in items[:ERRORS_SHOWN]]
        if self.is_alive():
            out.append(f"{name}: still in a request {CLIENT_TIMEOUT * 2} s after the deadline (stuck)")
        if self.requests < min_requests:
            out.append(f"{name}: {self.requests} requests, fewer than the floor of {min_requests}")
        return out


def main():
    # Warm-up: every kind of request once or more, from as many clients at
    # once as the soak has, so that what every responder opens for good
    # (libraries, /dev/urandom, its idle store connection) is open; then the
    # idle baseline. One client alone would be served by one responder.
    warmups = [Client(n, time.monotonic() + WARMUP_SECONDS) for n in range(9, 13)]
    for w in warmups:
        w.start()
    for w in warmups:
        w.join(timeout=WARMUP_SECONDS + 2 * CLIENT_TIMEOUT)
    idle_before = responders()
    start = time.monotonic()
    deadline = start + SECONDS
    clients = [Client(n, deadline) for n in range(1, 5)]
    for c in clients:
        c.start()
    samples = []  # (seconds since start, {pid: (rss, fds)})
    # Bounded: a client ends at the deadline, or when its last request times out.
    while any(c.is_alive() for c in clients) and time.monotonic() < deadline + 2 * CLIENT_TIMEOUT:
        samples.append((time.monotonic() - start, responders()))
        time.sleep(1)  # the sampling period, not a wait for behaviour
    for c in clients:
        c.join(timeout=1)
    samples.append((time.monotonic() - start, responders()))
    idle_after = responders()  # no request in flight: what each responder keeps open

    min_requests = int(MIN_REQUESTS_PER_SECOND * SECONDS)
    failures = [f for w in warmups for f in w.failures(f"warm-up client {w.n}", WARMUP_MIN_REQUESTS)]
    counts = {}
    for c in clients:
        for k, v in c.counts.items():
            counts[k] = counts.get(k, 0) + v
        print(f"client {c.n}: {c.requests} requests, {len(c.unexpected)} unexpected answers, {len(c.errors)} errors")
        failures += c.failures(f"client {c.n}", min_requests)
    total = sum(counts.values())
    pids = [set(s.keys()) for _, s in samples if s]
    if not pids or any(p != pids[0] for p in pids):
        failures.append(f"responders changed during the soak (a crash?): {pids[0] if pids else None} -> {pids[-1] if pids else None}")
    warm = [s for t, s in samples if t >= SECONDS / 4 and s]
    if len(warm) < 2:
        failures.append("too few samples after the warm-up")
    else:
        for pid in warm[0]:
            rss = [s[pid][0] for s in warm if pid in s]
            fds = [s[pid][1] for s in warm if pid in s]
            before, after = idle_before.get(pid, (0, -1))[1], idle_after.get(pid, (0, -1))[1]
            print(f"responder {pid}: RSS {rss[0]} -> {rss[-1]} KiB (max {max(rss)}); "
                  f"descriptors idle {before} -> {after}, at most {max(fds)} during a request")
            if under_asan(pid):
                print(f"responder {pid}: built with AddressSanitizer, whose quarantine keeps freed memory: RSS not judged")
            elif rss[-1] > rss[0] + RSS_SLACK_KIB:
                failures.append(f"responder {pid}: RSS grew from {rss[0]} to {rss[-1]} KiB after the warm-up")
            if after > before:
                failures.append(f"responder {pid}: idle file descriptors grew from {before} to {after}")
            if max(fds) > before + FDS_PER_REQUEST:
                failures.append(f"responder {pid}: {max(fds)} descriptors open, idle {before} + {FDS_PER_REQUEST} per request")
    print(f"soak: {total} requests in {SECONDS:.0f} s ({total / SECONDS:.0f}/s), statuses {dict(sorted(counts.items()))}, "
          f"{sum(len(c.users) for c in clients)} users registered, {len(samples)} samples; "
          f"warm-up {sum(w.requests for w in warmups)} requests; floor {min_requests} requests per client")
    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
