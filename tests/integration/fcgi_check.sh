#!/usr/bin/env bash
# usage: fcgi_check.sh SOURCE_DIR   (JWKS_FCGI_BIN, JWKS_DB and NOT_MY_KEY set)
# scripts/fcgi-check as documented: the key set answers 200 with a JWKS and
# the command exits 0; an unknown path answers the JSON 404 and it exits 1.
# Then the responder with no front at all: its refusal to start on a
# terminal or with a bad setting, as a CGI program (mod_cgi's way: the
# request in the environment, the body on standard input), and on a FastCGI
# socket of its own with bodies a front would not pass. The responder's
# standard error holds no sanitizer report.
set -uo pipefail
check=$1/scripts/fcgi-check
dir=$(mktemp -d "${TMPDIR:-/tmp}/jwks-fcgi-check.XXXXXX")
trap 'rm -rf "$dir"' EXIT
passed=0 failed=0
check() { local what=$1; shift; if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $what"; fi; }
body() { sed '1,/^\r\?$/d' "$1"; }   # what follows the FastCGI headers

"$check" > "$dir/set" 2> "$dir/set.err"
check "the key set: exit 0 ($?)" test $? -eq 0
check "...Status: 200" grep -q '^Status: 200 ' "$dir/set"
check "...a JWKS with an RS256 RSA key" python3 -c '
import json, sys
keys = json.loads(sys.stdin.read())["keys"]
sys.exit(0 if keys and all(k["kty"] == "RSA" and k["alg"] == "RS256" and k["use"] == "sig" for k in keys) else 1)' \
  < <(body "$dir/set")

"$check" /no-such-path > "$dir/missing" 2> "$dir/missing.err"
check "an unknown path: exit 1 ($?)" test $? -eq 1
check "...Status: 404" grep -q '^Status: 404 ' "$dir/missing"
check "...a JSON error" python3 -c 'import json, sys; sys.exit(0 if json.loads(sys.stdin.read())["error"] == "not_found" else 1)' \
  < <(body "$dir/missing")

bin=$JWKS_FCGI_BIN
# Started by hand (no REQUEST_METHOD, standard input not a socket), it says
# what it is instead of answering nothing.
env -u REQUEST_METHOD "$bin" < /dev/null > "$dir/bare.out" 2> "$dir/bare.err"
check "started by hand: exit 64 ($?)" test $? -eq 64
check "...says it is a FastCGI responder" grep -q "jwks-fcgi is a FastCGI responder" "$dir/bare.err"
check "...and writes no answer" test ! -s "$dir/bare.out"
env JWKS_KEY_LIFETIME=24h REQUEST_METHOD=GET REQUEST_URI=/healthz "$bin" < /dev/null > "$dir/config.out" 2> "$dir/config.err"
check "a setting it refuses: exit 78 ($?)" test $? -eq 78
check "...named in the log" grep -q "configuration error: .*JWKS_SIGNING_PERIOD" "$dir/config.err"
env -u NOT_MY_KEY REQUEST_METHOD=GET REQUEST_URI=/healthz "$bin" < /dev/null > "$dir/nokey.out" 2> "$dir/nokey.err"
check "no NOT_MY_KEY: exit 78 ($?)" test $? -eq 78
check "...named in the log" grep -q "configuration error: .*NOT_MY_KEY" "$dir/nokey.err"
check "...and no answer" test ! -s "$dir/nokey.out"

# As CGI: cgi METHOD URI [VAR=value...] < body; a store of its own.
n=0
cgi() {
  local method=$1 uri=$2; shift 2
  n=$((n + 1))
  env JWKS_DB="$dir/cgi.db" REQUEST_METHOD="$method" REQUEST_URI="$uri" REMOTE_ADDR=127.0.0.1 \
      SERVER_ADDR=127.0.0.1 SERVER_PORT=80 "$@" "$bin" > "$dir/cgi.$n" 2>> "$dir/cgi.err"
}
status() { head -n1 "$dir/cgi.$n" | tr -d '\r'; }
error_is() { body "$dir/cgi.$n" | python3 -c 'import json, sys; sys.exit(0 if json.load(sys.stdin)["error"] == sys.argv[1] else 1)' "$1"; }
registration='{"username":"cgi-user","email":"cgi-user@example.com"}'

cgi GET /healthz < /dev/null
check "CGI GET /healthz: 200 OK ($(status))" test "$(status)" = "Status: 200 OK"
check "...with its length" grep -q $'^Content-Length: 15\r$' "$dir/cgi.$n"
check "...and body" test "$(body "$dir/cgi.$n")" = '{"status":"ok"}'
cgi HEAD /healthz < /dev/null
check "CGI HEAD /healthz: 200 OK ($(status))" test "$(status)" = "Status: 200 OK"
check "...with GET's length, once" test "$(grep -c '^Content-Length: ' "$dir/cgi.$n")-$(grep -c $'^Content-Length: 15\r$' "$dir/cgi.$n")" = 1-1
check "...and no body" test -z "$(body "$dir/cgi.$n")"
# RFC 3875 §4.2: the body is CONTENT_LENGTH bytes, and there is none without a
# valid one: a registration sent with a length that is not a number is not read.
for length in 5x -54 "" " 54"; do
  cgi POST /register CONTENT_TYPE=application/json CONTENT_LENGTH="$length" <<< "$registration"
  check "CGI, CONTENT_LENGTH='$length': no body, 400 ($(status))" test "$(status)" = "Status: 400 Bad Request"
done
cgi POST /register CONTENT_TYPE=application/json CONTENT_LENGTH=1048577 <<< "$registration"
check "CGI, a declared length over JWKS_MAX_BODY: 413 ($(status))" test "$(status)" = "Status: 413 Content Too Large"
check "...payload_too_large" error_is payload_too_large
# A body that ends before its declared length is what arrived: here half a JSON document.
printf %s "${registration:0:20}" > "$dir/half"
cgi POST /register CONTENT_TYPE=application/json CONTENT_LENGTH=${#registration} < "$dir/half"
check "CGI, a body shorter than its length: 400 ($(status))" test "$(status)" = "Status: 400 Bad Request"
check "...invalid_request" error_is invalid_request
check "...and none of these refusals opened the store" test ! -e "$dir/cgi.db"
cgi POST /register CONTENT_TYPE=application/json CONTENT_LENGTH=${#registration} <<< "$registration"
check "CGI, the registration with its exact length: 201 ($(status))" test "$(status)" = "Status: 201 Created"
check "...one user stored" test "$(sqlite3 "$dir/cgi.db" "SELECT username FROM users")" = cgi-user
# The fronts' own refusals (REDIRECT_STATUS), each with its status line.
while IFS=: read -r code line; do
  cgi GET / REDIRECT_STATUS="$code" < /dev/null
  check "CGI, the front's $code: '$line' ($(status))" test "$(status)" = "$line"
done <<'EOF2'
400:Status: 400 Bad Request
403:Status: 403 Forbidden
404:Status: 404 Not Found
405:Status: 405 Method Not Allowed
408:Status: 408 Request Timeout
411:Status: 411 Length Required
413:Status: 413 Content Too Large
414:Status: 414 URI Too Long
417:Status: 417 Expectation Failed
431:Status: 431 Request Header Fields Too Large
500:Status: 500 Internal Server Error
501:Status: 501 Not Implemented
502:Status: 502 Bad Gateway
503:Status: 503 Service Unavailable
504:Status: 504 Gateway Timeout
505:Status: 505 HTTP Version Not Supported
EOF2
cgi GET / REDIRECT_STATUS=418 < /dev/null
check "CGI, a status it has no phrase for keeps its code ($(status))" grep -q '^Status: 418 ' "$dir/cgi.$n"
check "...and the JSON shape" error_is invalid_request

# On a FastCGI socket of its own, spoken to directly: what no front sends.
python3 - "$bin" "$dir" > "$dir/raw.out" 2> "$dir/raw.err" <<'EOF2'
import os, socket, struct, subprocess, sys, threading

binary, work = sys.argv[1], sys.argv[2]
path = os.path.join(work, "raw.sock")
listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
listener.bind(path)
listener.listen(8)
env = dict(os.environ, JWKS_DB=os.path.join(work, "raw.db"), JWKS_MAX_BODY="1024")
err = open(os.path.join(work, "raw-responder.err"), "w")
responder = subprocess.Popen([binary], stdin=listener.fileno(), stdout=subprocess.DEVNULL, stderr=err, env=env)
listener.close()

def record(kind, content=b""):
    return struct.pack(">BBHHBx", 1, kind, 1, len(content), 0) + content

def pairs(params):
    out = b""
    for name, value in params.items():
        for text in (name, value):
            n = len(text.encode())
            out += bytes([n]) if n < 128 else struct.pack(">I", n | 0x80000000)
        out += name.encode() + value.encode()
    return out

def ask(params, body, end_body=True):
    """One request (BEGIN_REQUEST, PARAMS, STDIN): the STDOUT it answers."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(120)  # a hang guard only: a correct responder answers at once
    s.connect(path)
    s.sendall(record(1, struct.pack(">HB5x", 1, 0)) + record(4, pairs(params)) + record(4))
    def send():
        for i in range(0, len(body), 65535):
            s.sendall(record(5, body[i:i + 65535]))
        if end_body:
            s.sendall(record(5))
    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    out, data = b"", b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
        while len(data) >= 8:
            _, kind, _, length, padding = struct.unpack(">BBHHBx", data[:8])
            if len(data) < 8 + length + padding:
                break
            if kind == 6:
                out += data[8:8 + length]
            data = data[8 + length + padding:]
            if kind == 3:
                s.close()
                return out.decode()
    s.close()
    return out.decode()

post = {"REQUEST_METHOD": "POST", "REQUEST_URI": "/register", "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_TYPE": "application/json"}
small = b'{"username":"raw-user","email":"raw-user@example.com"}'
# No CONTENT_LENGTH, and more body than JWKS_MAX_BODY: refused for what arrives.
print("no-length-over:", ask(post, small + b" " * 2048).splitlines()[0])
# No CONTENT_LENGTH, within the limit: read to its end.
print("no-length-within:", ask(post, small).splitlines()[0])
# A declared length far over the limit, the body streamed without end: the
# responder drains a bounded amount (8 MiB) and answers, not waiting for the rest.
print("endless:", ask(dict(post, CONTENT_LENGTH=str(1 << 30)), b"x" * ((8 << 20) + 65536), end_body=False).splitlines()[0])
print("afterwards:", ask({"REQUEST_METHOD": "GET", "REQUEST_URI": "/healthz"}, b"").splitlines()[0])
responder.terminate()
print("exit:", responder.wait(timeout=120))
EOF2
check "raw FastCGI: the client ran ($?)" test $? -eq 0
check "...no length, a body over the limit: 413" grep -q '^no-length-over: Status: 413 ' "$dir/raw.out"
check "...no length, a body within it: 201" grep -q '^no-length-within: Status: 201 ' "$dir/raw.out"
check "...an endless body: 413 after a bounded drain" grep -q '^endless: Status: 413 ' "$dir/raw.out"
check "...and it answers the next request" grep -q '^afterwards: Status: 200 ' "$dir/raw.out"
check "...SIGTERM ends it with 0" grep -q '^exit: 0$' "$dir/raw.out"
check "...one user stored" test "$(sqlite3 "$dir/raw.db" "SELECT group_concat(username) FROM users")" = raw-user

source "$1/scripts/lib/common.sh"
check "no sanitizer report from the responder" bash -c "! grep -qE '$JWKS_SANITIZER_RE' '$dir/set.err' '$dir/missing.err' '$dir/bare.err' '$dir/config.err' '$dir/nokey.err' '$dir/cgi.err' '$dir/raw-responder.err'"
[ "$failed" -eq 0 ] || { cat "$dir"/*.err; cat "$dir/raw.out"; }
echo "fcgi-check: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
