#!/usr/bin/env bash
# usage: with-front.sh FRONT JWKS_FCGI -- fault_check.sh FAULT JWKSCTL
#   FAULT: kill9 | missing-dir | keys         (front lighttpd: it respawns responders)
#          readonly | locked | disk-full      (front spawn-fcgi: responders run as
#                                              www-data when root, so permissions hold;
#                                              disk-full with JWKS_TEST_DB_FS_SIZE)
# Faults injected while the real front serves: each request answers a clear
# JSON error (503 for a store it cannot use) or succeeds, no row that got a
# 201 is lost, the database passes PRAGMA integrity_check, and everything
# works again once the fault clears, without a restart.
set -uo pipefail
fault=$1 ctl=${JWKS_CTL:-$2}  # with-front.sh's copy: the responders' user may run it
url=$JWKS_BASE_URL db=$JWKS_DB state=$JWKS_STATE_DIR
dir=$(mktemp -d "${TMPDIR:-/tmp}/jwks-fault.XXXXXX")
holder=
cleanup() {
  [ -n "$holder" ] && kill "$holder" 2>/dev/null
  chmod u+w "$db" 2>/dev/null; chmod 0750 "$(dirname "$db")" 2>/dev/null
  [ -d "$state/db.away" ] && mv "$state/db.away" "$state/db"
  rm -rf "$dir"
}
trap cleanup EXIT
passed=0 failed=0
check() { local what=$1; shift; if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $what"; fi; }
sql() { sqlite3 -readonly "$db" "$1"; }
source "$(dirname "$0")/../../scripts/lib/common.sh"
as_responder() { jwks_as_responder "$@"; }  # as the user the responders run as (www-data when root)

# register NAME: status echoed, body in $dir/body; a 201's name and password
# are appended to $dir/registered.
register() {
  local s
  s=$(curl -s -o "$dir/body.$1" -D "$dir/headers" -w '%{http_code}' --max-time 30 -H 'Content-Type: application/json' \
        -d "{\"username\":\"$1\",\"email\":\"$1@example.com\"}" "$url/register")
  cp "$dir/body.$1" "$dir/body" 2>/dev/null
  if [ "$s" = 201 ]; then
    echo "$1 $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["password"])' "$dir/body.$1")" >> "$dir/registered"
  fi
  rm -f "$dir/body.$1"
  echo "$s"
}
# A JSON error body with a string "error" and "error_description".
json_error() {
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if isinstance(d.get("error"), str) and isinstance(d.get("error_description"), str) else 1)' "$dir/body" 2>/dev/null
}
get() { curl -s -o "$dir/body" -D "$dir/headers" -w '%{http_code}' --max-time 30 "$@"; }
login() {  # login NAME PASSWORD [XFF]: status
  get -u "$1:$2" --data '' -H "X-Forwarded-For: ${3:-192.0.2.1}" "$url/auth"
}
# Every registration that got a 201 is a row, with a password that still logs in.
no_row_lost() {
  local name pw missing=0 i=0
  [ -s "$dir/registered" ] || return 0
  while read -r name pw; do
    [ "$(sql "SELECT count(*) FROM users WHERE username = '$name'")" = 1 ] || { echo "lost: $name"; missing=$((missing + 1)); }
  done < "$dir/registered"
  # A sample logs in (each from its own address: the rate limit is per address),
  # unless the keys were corrupted on purpose.
  [ "$fault" = keys ] && return $missing
  while read -r name pw && [ $i -lt 5 ]; do
    i=$((i + 1))
    [ "$(login "$name" "$pw" "192.0.2.$((100 + i))")" = 200 ] || { echo "cannot log in: $name"; missing=$((missing + 1)); }
  done < <(shuf -n 5 "$dir/registered")
  [ $missing -eq 0 ]
}
intact() { test "$(sql 'PRAGMA integrity_check')" = ok; }
answering() { test "$(get "$url/")" = 200; }

# The store before the fault: keys made, a few users registered.
check "ready before the fault" test "$(get "$url/readyz")" = 200
for i in 1 2 3; do register "before$i" > /dev/null; done
check "three users before the fault" test "$(wc -l < "$dir/registered")" = 3

case $fault in
  kill9)
    # Two load loops register (and log in) while responders are killed with
    # SIGKILL at three points of the load; lighttpd starts new ones.
    front_pid=$(pgrep -f "lighttpd -D -f $state/lighttpd.conf" | head -1)
    : > "$dir/statuses"
    for loop in a b; do
      (for i in $(seq 1 40); do
         register "load$loop$i" >> "$dir/statuses"
         [ $((i % 4)) -eq 0 ] && login before1 "$(awk '$1=="before1"{print $2}' "$dir/registered")" "198.18.0.$i" >> "$dir/logins"
       done) &
    done
    kills=0
    for at in 15 35 55; do
      for _ in $(seq 1 600); do   # bounded: until the load has made $at requests
        [ "$(wc -l < "$dir/statuses")" -ge $at ] && break
        sleep 0.05
      done
      victim=$(pgrep -P "$front_pid" | shuf -n 1)
      [ -n "$victim" ] && kill -KILL "$victim" && kills=$((kills + 1))
    done
    wait
    echo "kill9: $kills responders killed; statuses: $(sort "$dir/statuses" | uniq -c | tr '\n' ' ')"
    check "three responders were killed mid-load" test $kills = 3
    check "most registrations succeeded" test "$(grep -c '^201$' "$dir/statuses")" -ge 60
    check "the others failed cleanly (no 2xx but 201)" test -z "$(grep -v '^201$' "$dir/statuses" | grep '^2')"
    ;;
  missing-dir)
    # The database's directory disappears (an unmounted volume), then returns.
    mv "$state/db" "$state/db.away"
    check "register: 503" test "$(register during1)" = 503
    check "register: JSON error" json_error
    check "token: 503" test "$(get -X POST --data '' "$url/auth")" = 503
    check "token: JSON error" json_error
    check "key set: 503" test "$(get "$url/.well-known/jwks.json")" = 503
    check "readyz: 503" test "$(get "$url/readyz")" = 503
    check "healthz: 200 (the process answers)" test "$(get "$url/healthz")" = 200
    check "no database was created elsewhere" test ! -e "$state/db"
    mv "$state/db.away" "$state/db"
    ;;
  readonly)
    chmod a-w "$db" "$(dirname "$db")"
    check "register: 503" test "$(register during1)" = 503
    check "register: JSON error" json_error
    check "token: 503 (the rate table cannot be written)" test "$(get -X POST --data '' "$url/auth")" = 503
    check "token: JSON error" json_error
    status=$(get "$url/.well-known/jwks.json")
    check "key set: read-only is enough to publish it ($status)" test "$status" = 200
    chmod u+w "$db"; chmod 0750 "$(dirname "$db")"
    ;;
  locked)
    # Another process holds the write lock past the busy timeout (300 ms here).
    mkfifo -m 0666 "$dir/release"; chmod 0711 "$dir"   # the holder may run as www-data
    as_responder /usr/bin/python3 -c '
import sqlite3, sys
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
open(sys.argv[2]).read()' "$db" "$dir/release" > "$dir/lock.out" &
    holder=$!
    for _ in $(seq 1 100); do grep -q locked "$dir/lock.out" && break; sleep 0.05; done
    check "the lock is held" grep -q locked "$dir/lock.out"
    status=$(register during1)
    check "register: 503 ($status)" test "$status" = 503
    check "register: JSON error" json_error
    check "register: Retry-After" grep -qi '^Retry-After: [0-9]' "$dir/headers"
    check "token: 503" test "$(get -X POST --data '' "$url/auth")" = 503
    check "token: Retry-After" grep -qi '^Retry-After: [0-9]' "$dir/headers"
    check "key set: readers are not blocked by a writer" test "$(get "$url/.well-known/jwks.json")" = 200
    timeout 10 bash -c "echo > \"$dir/release\""
    wait "$holder"; holder=
    ;;
  disk-full)
    # The database's filesystem (a small tmpfs, JWKS_TEST_DB_FS_SIZE) fills
    # up: commits fail with SQLITE_FULL; freeing the space clears the fault.
    dd if=/dev/zero of="$state/db/filler" bs=4096 2> /dev/null   # until the filesystem is full
    check "the filesystem is full" test "$(df --output=avail -B1 "$state/db" | tail -1 | tr -d ' ')" -lt 4096
    statuses=()
    for i in $(seq 1 10); do statuses+=("$(register "during$i")"); done
    echo "disk-full: statuses: $(printf '%s\n' "${statuses[@]}" | sort | uniq -c | tr '\n' ' ')"
    check "registrations are refused with 503" test "$(printf '%s\n' "${statuses[@]}" | grep -c '^503$')" -ge 9
    check "only 201 or 503" test -z "$(printf '%s\n' "${statuses[@]}" | grep -v -e '^201$' -e '^503$')"
    check "the refusal is a JSON error" json_error
    check "token: 503 (the rate table cannot grow)" test "$(get -X POST --data '' -H 'X-Forwarded-For: 192.0.2.99' "$url/auth")" = 503
    check "the key set is still served" test "$(get "$url/.well-known/jwks.json")" = 200
    check "the responders survived" test "$(while read -r p || [ -n "$p" ]; do kill -0 "$p" 2>/dev/null && echo "$p"; done < "$state/responders.pid" | wc -l)" = 2
    rm -f "$state/db/filler"
    ;;
  keys)
    # A wrong NOT_MY_KEY, a missing one, and corrupted key rows.
    bin=$JWKS_FCGI_BIN
    mkdir -p "$dir/spawn"
    wrong=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
    NOT_MY_KEY=$wrong spawn-fcgi -s "$dir/spawn/sock" -P "$dir/spawn/responders.pid" -- "$bin" > /dev/null
    env -i REQUEST_METHOD=POST REQUEST_URI=/auth REMOTE_ADDR=127.0.0.1 CONTENT_LENGTH=0 \
      cgi-fcgi -bind -connect "$dir/spawn/sock" < /dev/null > "$dir/wrong.out"
    kill "$(cat "$dir/spawn/responders.pid")"
    check "a wrong NOT_MY_KEY: 500 for a token" grep -q '^Status: 500' "$dir/wrong.out"
    check "...with no detail in the body" bash -c "! grep -qi -e authentication -e decrypt -e envelope -e 'key [0-9]' '$dir/wrong.out'"
    [ "$failed" -eq 0 ] || cat "$dir/wrong.out"
    check "...and neither key in it" bash -c "! grep -q -e '$wrong' -e '$NOT_MY_KEY' '$dir/wrong.out'"
    check "the right key still signs" test "$(get -X POST --data '' "$url/auth")" = 200
    env -u NOT_MY_KEY "$bin" < /dev/null > "$dir/nokey.out" 2>&1
    check "no NOT_MY_KEY: the responder refuses to start" test $? -ne 0
    check "...naming the variable" grep -q NOT_MY_KEY "$dir/nokey.out"

    # A damaged public JWK: that key is left out of the set (and logged), the
    # others are still served, and the server is not ready.
    as_responder "$ctl" rotate --now > /dev/null
    kids() { get "$url/.well-known/jwks.json" > /dev/null; python3 -c 'import json,sys; print(" ".join(k["kid"] for k in json.load(open(sys.argv[1]))["keys"]))' "$dir/body"; }
    both=$(kids)
    check "two keys published after rotate --now ($both)" test "$(echo "$both" | wc -w)" = 2
    newest=$(sql "SELECT max(kid) FROM keys")
    jwk=$(sql "SELECT jwk FROM key_public WHERE kid = $newest")
    as_responder sqlite3 "$db" "UPDATE key_public SET jwk = '{\"kty\":\"RSA\",\"n\":' WHERE kid = $newest"
    check "a damaged public JWK: the key set is still served" test "$(get "$url/.well-known/jwks.json")" = 200
    one=$(kids)
    check "...with the other key only ($one)" test "$(echo "$one" | wc -w)" = 1
    check "...the one that signs" bash -c "echo '$both' | grep -qw -- '$one'"
    check "...and readyz: 503" test "$(get "$url/readyz")" = 503
    check "the damaged key is named in the log" grep -q "key $newest has an unreadable public JWK" "$state"/error.log "$state"/front.out
    as_responder sqlite3 "$db" "UPDATE key_public SET jwk = '$jwk' WHERE kid = $newest"
    check "repaired: both keys again" test "$(kids)" = "$both"

    # Corrupt the expired key (the one ?expired=true signs with): tokens from
    # the signing key still work, the expired ones fail cleanly.
    now=$(date +%s)
    expired=$(sql "SELECT kid FROM keys WHERE exp <= $now ORDER BY exp DESC LIMIT 1")
    check "an expired key exists" test -n "$expired"
    as_responder sqlite3 "$db" "UPDATE keys SET key = randomblob(length(key)) WHERE kid = $expired"
    check "?expired=true with a corrupted key: 500" test "$(get -X POST --data '' "$url/auth?expired=true")" = 500
    check "...a JSON error" json_error
    check "the signing key still signs" test "$(get -X POST --data '' "$url/auth")" = 200
    check "the key set still lists every unexpired key" test "$(get "$url/.well-known/jwks.json")" = 200
    # Corrupt the signing key: 500 for tokens and not ready, the set still served.
    as_responder sqlite3 "$db" "UPDATE keys SET key = substr(key, 1, 40) WHERE exp > $now"
    check "a corrupted signing key: 500" test "$(get -X POST --data '' "$url/auth")" = 500
    check "...a JSON error" json_error
    check "readyz: 503" test "$(get "$url/readyz")" = 503
    check "the key set is still served" test "$(get "$url/.well-known/jwks.json")" = 200
    ;;
  *) echo "unknown fault $fault" >&2; exit 64 ;;
esac

check "the front answers after the fault" answering
if [ "$fault" != keys ]; then
  check "registering works again" test "$(register after1)" = 201
  check "tokens again" test "$(get -X POST --data '' -H 'X-Forwarded-For: 192.0.2.200' "$url/auth")" = 200
  check "readyz again" test "$(get "$url/readyz")" = 200
fi
check "no row that got a 201 is lost ($(wc -l < "$dir/registered") registered)" no_row_lost
check "PRAGMA integrity_check: ok" intact

echo "fault_check $fault: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
