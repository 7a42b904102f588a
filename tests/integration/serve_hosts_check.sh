#!/usr/bin/env bash
# usage: serve_hosts_check.sh SOURCE_DIR   (JWKS_SERVE_PG_URI_FILE: the pg fixture's server)
# Two hosts as a user starts them: two scripts/serve --front lighttpd from one
# checkout and one 0700 working directory, on two ports, with one PostgreSQL
# JWKS_DB and one NOT_MY_KEY (as root, like serve_check.sh). Checks that each
# has a state directory of its own, that both publish one key set and a token
# from one verifies at the other, that a third start on a port already served
# is refused without touching the first one's state, and that SIGTERM leaves
# nothing running. Exit 77 (skipped) unless root.
set -uo pipefail
src=$1
[ "$(id -u)" -eq 0 ] || { echo "serve_hosts_check: needs root (scripts/serve as root runs the fronts as www-data)"; exit 77; }
source "$src/scripts/lib/common.sh"

base=$(cat "$JWKS_SERVE_PG_URI_FILE")
pgdb=jwks_serve_$(od -An -tx1 -N6 /dev/urandom | tr -d ' \n')
psql -X -q -v ON_ERROR_STOP=1 "$base" -c "CREATE DATABASE $pgdb" || exit 1
db=${base/\/jwks\?/\/$pgdb\?}
[ "$db" != "$base" ] || { echo "the test server's URI names no /jwks? database: $base" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/jwks-serve-hosts.XXXXXX")   # 0700
key=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
issuer=https://auth.example.test
passed=0 failed=0
check() { local what=$1; shift; if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $what"; fi; }
declare -A serve_pid port
tree() { local p=$1 c; echo "$p"; for c in $(pgrep -P "$p"); do tree "$c"; done; }

start() {  # start NAME: scripts/serve on a free port, in the background
  local name=$1
  port[$name]=$(jwks_free_port)
  (cd "$work" && exec env NOT_MY_KEY="$key" JWKS_DB="$db" JWKS_ISSUER="$issuer" PORT="${port[$name]}" \
    "$src/scripts/serve" --front lighttpd) >> "$work/$name.out" 2>&1 &
  serve_pid[$name]=$!
  for _ in $(seq 1 1200); do   # bounded: a build may run first
    curl -s -o /dev/null --max-time 2 "http://127.0.0.1:${port[$name]}/" && return 0
    kill -0 "${serve_pid[$name]}" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}
stop_all() {
  local name pids=
  for name in "${!serve_pid[@]}"; do pids+=" $(tree "${serve_pid[$name]}")"; kill -TERM "${serve_pid[$name]}" 2>/dev/null; done
  left=$(JWKS_WAIT_SECONDS=15 jwks_wait_gone $pids)
  [ -z "$left" ] || kill -KILL $left 2>/dev/null
  serve_pid=()
}
trap 'stop_all; rm -rf "$work"; psql -X -q "$base" -c "DROP DATABASE IF EXISTS $pgdb WITH (FORCE)"' EXIT

check "host a starts" start a
check "host b starts from the same checkout" start b
a=http://127.0.0.1:${port[a]} b=http://127.0.0.1:${port[b]}
check "each instance has its own state directory" \
  test -d "/run/jwks-fcgi-serve/lighttpd-${port[a]}" -a -d "/run/jwks-fcgi-serve/lighttpd-${port[b]}"
check "both publish one key set" cmp -s <(curl -s "$a/.well-known/jwks.json") <(curl -s "$b/.well-known/jwks.json")
verify_at() {  # verify_at URL TOKEN
  /usr/bin/python3 - "$1" "$2" "$issuer" <<'PY'
import sys, jwt
url, token, iss = sys.argv[1:]
key = jwt.PyJWKClient(url + "/.well-known/jwks.json").get_signing_key_from_jwt(token)
jwt.decode(token, key.key, algorithms=["RS256"], issuer=iss, options={"require": ["exp", "iat", "sub", "iss"]})
PY
}
field() { /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
check "a token from a verifies at b" verify_at "$b" "$(curl -s -d '' "$a/auth" | field token)"
check "a token from b verifies at a" verify_at "$a" "$(curl -s -d '' "$b/auth" | field token)"
password=$(curl -s -H 'Content-Type: application/json' -d '{"username":"two-hosts","email":"two@example.com"}' \
  "$a/register" | field password)
check "a user registered at a logs in at b" \
  test "$(curl -s -o /dev/null -w '%{http_code}' -u "two-hosts:$password" -d '' "$b/auth")" = 200

# A second instance on a served front and port: refused, the first unharmed.
(cd "$work" && env NOT_MY_KEY="$key" JWKS_DB="$db" PORT="${port[a]}" "$src/scripts/serve" --front lighttpd) \
  > "$work/again.out" 2>&1
rc=$?
check "a second scripts/serve on a's port is refused (exit $rc)" test "$rc" -eq 75
check "...and says why" grep -q "another scripts/serve is serving lighttpd on port ${port[a]}" "$work/again.out"
check "...and a still serves" test "$(curl -s "$a/")" = "JWKS Server Running!"
stop_all
check "SIGTERM leaves nothing running" test -z "$left"
[ "$failed" -eq 0 ] || for f in "$work"/*.out; do echo "---- $f"; tail -n 30 "$f"; done
echo "serve_hosts_check: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
