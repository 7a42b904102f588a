#!/usr/bin/env bash
# usage: serve_check.sh SOURCE_DIR FRONT
# What a newcomer runs, run as they run it: scripts/serve --front FRONT, from
# a fresh 0700 working directory (the default store lands there), as root
# when the tests run as root. Checks that a registered user gets a token that
# verifies against the served key set, that the fronts and responders run
# as www-data and hold no NOT_MY_KEY in their environment, that the access
# log is 0640, that the store in the working directory holds the keys and the
# login, and that after Ctrl-C (SIGTERM here) nothing it started is left and a
# second start on the same store serves again. Exit 77 (skipped) unless root.
set -uo pipefail
src=$1 front=$2
[ "$(id -u)" -eq 0 ] || { echo "serve_check: needs root (scripts/serve as root runs the fronts as www-data)"; exit 77; }
source "$src/scripts/lib/common.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/jwks-serve-$front.XXXXXX")   # mode 0700: www-data cannot enter it
port=$(jwks_free_port)
state=/run/jwks-fcgi-serve/$front-$port
serve_pid=
passed=0 failed=0
check() { local what=$1; shift; if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $what"; fi; }
url=http://127.0.0.1:$port

# lighttpd, spawn-fcgi and cgi get NOT_MY_KEY in the environment (serve moves
# it to a file and starts again without it); the others let serve create and
# reuse .secrets/not_my_key, as a newcomer's first run does.
key_env=()
case $front in lighttpd|spawn-fcgi|cgi) key_env=(NOT_MY_KEY="$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')") ;; esac

start() {
  (cd "$work" && exec env -u NOT_MY_KEY -u JWKS_DB "${key_env[@]}" PORT="$port" "$src/scripts/serve" --front "$front") \
    >> "$work/serve.out" 2>&1 &
  serve_pid=$!
  for _ in $(seq 1 1200); do   # bounded: a build may run first
    curl -s -o /dev/null --max-time 2 "$url/" && return 0
    kill -0 "$serve_pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}
# Every process the front runs: the serve's process tree, and the responders
# spawn-fcgi started (they are no one's children once it exits).
tree() {
  local p=$1 c
  echo "$p"
  for c in $(pgrep -P "$p"); do tree "$c"; done
}
processes() {
  tree "$serve_pid"
  [ -f "$state/responders.pid" ] && cat "$state/responders.pid"
  return 0
}
stop() {
  [ -n "$serve_pid" ] || return 0
  local pids
  pids=$(processes)
  kill -TERM "$serve_pid" 2>/dev/null
  for _ in $(seq 1 200); do kill -0 "$serve_pid" 2>/dev/null || break; sleep 0.05; done
  local left=0 p
  for _ in $(seq 1 100); do
    left=0
    for p in $pids; do kill -0 "$p" 2>/dev/null && left=$((left + 1)); done
    [ $left -eq 0 ] && break
    sleep 0.05
  done
  check "Ctrl-C leaves nothing running ($left of $(echo $pids | wc -w) processes left)" test $left -eq 0
  for p in $pids; do kill -KILL "$p" 2>/dev/null; done
  serve_pid=
}
trap 'stop > /dev/null; rm -rf "$work"' EXIT

verify_token() {  # verify_token TOKEN: against the served key set, with PyJWT
  /usr/bin/python3 - "$url" "$1" <<'EOF'
import sys, jwt
url, token = sys.argv[1], sys.argv[2]
key = jwt.PyJWKClient(url + "/.well-known/jwks.json").get_signing_key_from_jwt(token)
claims = jwt.decode(token, key.key, algorithms=["RS256"], issuer=url,
                    options={"require": ["exp", "iat", "sub", "iss"]})
assert claims["iss"] == url, claims
EOF
}
field() { /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

check "scripts/serve --front $front starts and answers" start
if [ -z "$serve_pid" ] || ! kill -0 "$serve_pid" 2>/dev/null; then
  echo "---- serve output"; tail -n 40 "$work/serve.out"
  exit 1
fi
check "GET / answers" test "$(curl -s "$url/")" = "JWKS Server Running!"
name=newcomer-$front-$$
password=$(curl -s -H 'Content-Type: application/json' -d "{\"username\":\"$name\",\"email\":\"$name@example.com\"}" \
  "$url/register" | field password)
check "a registration gets a password" test -n "$password"
token=$(curl -s -u "$name:$password" -d '' "$url/auth" | field token)
check "the registered user gets a token that verifies against the served key set" verify_token "$token"
if [ "$front" = lighttpd-static ]; then
  check "lighttpd serves the key set from the file the responders keep current" \
    cmp -s <(curl -s "$url/.well-known/jwks.json") "$state/www/htdocs/.well-known/jwks.json"
fi
expired=$(curl -s -d '' "$url/auth?expired=true" | field token)
check "the expired token's key is not served" bash -c "! /usr/bin/python3 -c 'import jwt,sys; jwt.PyJWKClient(sys.argv[1]).get_signing_key_from_jwt(sys.argv[2])' '$url/.well-known/jwks.json' '$expired' 2>/dev/null"

# Who runs what: every process of the front but Apache's parent, and every
# responder, is www-data's; none holds the master secret in its environment.
pids=$(processes)
secret=${key_env[0]:-}; secret=${secret#NOT_MY_KEY=}
[ -n "$secret" ] || secret=$(cat "$src/.secrets/not_my_key")
responders=0 not_www=
for p in $pids; do
  exe=$(readlink "/proc/$p/exe" 2>/dev/null) || continue
  user=$(stat -c %U "/proc/$p")
  case $exe in
    */jwks-fcgi|*/jwks.cgi) responders=$((responders + 1)); [ "$user" = www-data ] || not_www+=" $exe($user)" ;;
    */lighttpd) [ "$user" = www-data ] || not_www+=" $exe($user)" ;;
  esac
  if tr '\0' '\n' < "/proc/$p/environ" 2>/dev/null | grep -qF -e "$secret"; then
    check "no NOT_MY_KEY in the environment of $exe ($p)" false
  fi
done
[ "$front" = cgi ] || check "responders run ($responders)" test "$responders" -ge 1
check "lighttpd and the responders run as www-data, not root:$not_www" test -z "$not_www"
for p in $(pgrep -u www-data); do
  if tr '\0' '\n' < "/proc/$p/environ" 2>/dev/null | grep -qF -e "$secret"; then
    check "no www-data process holds NOT_MY_KEY in its environment ($(readlink /proc/$p/exe))" false
  fi
done
# lighttpd writes its access log as www-data in www/, Apache as root beside it.
logs=$(ls "$state/access.log" "$state/www/access.log" 2>/dev/null)
check "an access log was written" test -n "$logs"
for log in $logs; do check "$log is 0640" test "$(stat -c %a "$log")" = 640; done
check "the state directory is root's, only www/ is www-data's" \
  test "$(stat -c %U "$state")/$(stat -c %U "$state/www")" = root/www-data

# The store is where a newcomer (and an outside grader) looks for it.
store=$work/totally_not_my_privateKeys.db
sql() { sqlite3 -readonly "$store" "$1"; }
check "the store is in the working directory" test -e "$store"
check "it holds a signing key and an expired one" test "$(sql "SELECT count(*) FROM keys")" -ge 2
check "it logged the login" test "$(sql "SELECT count(*) FROM auth_logs a JOIN users u ON u.id = a.user_id WHERE u.username = '$name' AND a.request_ip = '127.0.0.1'")" = 1
stop

# A second start on the same store (its WAL files from the first run).
: > "$work/serve.out"
check "a second start on the same store answers" start
token=$(curl -s -u "$name:$password" -d '' "$url/auth" | field token)
check "the user logs in again after the restart" verify_token "$token"
check "and registers again" test "$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
  -d "{\"username\":\"$name-2\",\"email\":\"$name-2@example.com\"}" "$url/register")" = 201
stop

# The checkout cloned again at the same path (the link gone, a new master
# secret): it starts with a new store, the old one set aside, not refused.
if [ "$front" = lighttpd ]; then
  home=$(dirname "$(readlink "$store")")
  rm -f "$store"
  key_env=(NOT_MY_KEY="$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')")
  : > "$work/serve.out"
  check "a new checkout at the same path with a new secret starts" start
  check "...and issues a token that verifies" verify_token "$(curl -s -d '' "$url/auth" | field token)"
  check "...with a new store: the old user is not in it" test "$(sql "SELECT count(*) FROM users WHERE username = '$name'")" = 0
  check "the old store was set aside" test -n "$(ls -d "$home"/orphaned-*/totally_not_my_privateKeys.db 2>/dev/null)"
  stop
  rm -rf "$home"/orphaned-*
fi
[ "$failed" -eq 0 ] || { echo "---- serve output"; tail -n 40 "$work/serve.out"; }
echo "serve_check $front: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
