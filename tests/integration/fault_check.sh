#!/usr/bin/env bash
# usage: with-front.sh FRONT JWKS_FCGI -- fault_check.sh FAULT JWKSCTL
#   FAULT: kill9 | missing-dir | keys         (front lighttpd: it restarts responders)
#          readonly | locked | disk-full      (front spawn-fcgi: responders run as
#                                              www-data when root, so permissions hold;
#                                              disk-full with JWKS_TEST_DB_FS_SIZE)
# Faults injected while the real front serves: each request answers a clear
# JSON error (503 for a store it cannot use) or succeeds, no row that got a
# 201 is lost, the database passes PRAGMA integrity_check, and everything
# works again once the fault clears, without a restart. Each fault is a
# function of its own, fault_<name>, between the common checks before and
# after it.
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

# Each request's body and headers go to $dir/body$tag and $dir/headers$tag
# ($tag: empty, or one per concurrent load loop).
tag=
# register NAME: status echoed; a 201's name and password are appended to
# $dir/registered.
register() {
  local s
  s=$(curl -s -o "$dir/body$tag" -D "$dir/headers$tag" -w '%{http_code}' --max-time 30 -H 'Content-Type: application/json' \
        -d "{\"username\":\"$1\",\"email\":\"$1@example.com\"}" "$url/register")
  if [ "$s" = 201 ]; then
    echo "$1 $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["password"])' "$dir/body$tag")" >> "$dir/registered"
  fi
  echo "$s"
}
# A JSON error: Content-Type application/json, a body with a string "error"
# and "error_description".
json_error() {
  grep -qi '^Content-Type: application/json' "$dir/headers$tag" &&
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if isinstance(d.get("error"), str) and isinstance(d.get("error_description"), str) else 1)' "$dir/body$tag" 2>/dev/null
}
retry_after() { grep -qiE '^Retry-After: [1-9][0-9]*'$'\r''?$' "$dir/headers$tag"; }
# The contract's answer to a store it cannot use: 503, a JSON error, Retry-After.
unavailable() { [ "$1" = 503 ] && json_error && retry_after; }
# verdict STATUS WANTED: "ok" for the success wanted, "503" for the contract's
# JSON 503 with Retry-After, "500" for a JSON 500, anything else described.
verdict() {
  if [ "$1" = "$2" ]; then echo ok
  elif unavailable "$1"; then echo 503
  elif [ "$1" = 500 ] && json_error; then echo 500
  else echo "unexpected $1: $(head -c 160 "$dir/body$tag" 2>/dev/null | tr -d '\n')"; fi
}
get() { curl -s -o "$dir/body$tag" -D "$dir/headers$tag" -w '%{http_code}' --max-time 30 "$@"; }
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

fault_kill9() {
  # Two load loops register (and log in) while responders are killed with
  # SIGKILL at three points of the load: every answer is a success, the
  # contract's JSON 503, or, for a request in flight at the killed
  # responder (served or queued on its socket: at most the two loops' two
  # per kill), the JSON 500 of the front's error handler or, when that
  # handler met the dying responder too, of its static fallback (errors/).
  # lighttpd then starts new responders, which answer.
  front_pid=$(pgrep -f "lighttpd -D -f $state/lighttpd.conf" | head -1)
  before_pids=$(pgrep -P "$front_pid" | sort)
  before_pw=$(awk '$1=="before1"{print $2}' "$dir/registered")
  : > "$dir/statuses"; : > "$dir/logins"
  for loop in 1 2; do
    (tag=.$loop
     for i in $(seq 1 40); do
       echo "$(verdict "$(register "load$loop-$i")" 201) register load$loop-$i" >> "$dir/statuses"
       [ $((i % 4)) -eq 0 ] && echo "$(verdict "$(login before1 "$before_pw" "198.18.$loop.$i")" 200) login" >> "$dir/logins"
     done) &
  done
  kills=0
  for at in 15 35 55; do
    for _ in $(seq 1 600); do   # bounded: until the load has made $at requests
      [ "$(wc -l < "$dir/statuses")" -ge $at ] && break
      sleep 0.05
    done
    victim=$(pgrep -P "$front_pid" | shuf -n 1)
    [ -n "$victim" ] || continue
    echo "$victim" >> "$state/killed"   # with-front.sh: these deaths are the test's
    kill -KILL "$victim" && kills=$((kills + 1))
  done
  wait
  echo "kill9: $kills responders killed; registrations: $(cut -d' ' -f1 "$dir/statuses" | sort | uniq -c | tr '\n' ' ');" \
       "logins: $(cut -d' ' -f1 "$dir/logins" | sort | uniq -c | tr '\n' ' ')"
  check "three responders were killed mid-load" test $kills = 3
  check "80 registrations answered" test "$(wc -l < "$dir/statuses")" = 80
  check "20 logins answered" test "$(wc -l < "$dir/logins")" = 20
  check "every answer a success, the JSON 503 with Retry-After, or a JSON 500" \
    test -z "$(grep -hv -e '^ok ' -e '^503 ' -e '^500 ' "$dir/statuses" "$dir/logins" | tee /dev/stderr)"
  cut_short=$(cat "$dir/statuses" "$dir/logins" | grep -c '^500 ' || true)
  check "a JSON 500 only for a request a kill cut short ($cut_short for $kills kills)" test "$cut_short" -le $((2 * kills))
  check "most registrations succeeded" test "$(grep -c '^ok ' "$dir/statuses")" -ge 60
  # lighttpd replaced the killed: as many responders as before, none of the
  # killed, new ones among them, and each new one answers requests: 16
  # registrations sent eight at a time all succeed, and each new
  # responder's read and write counts grow over them.
  # (lighttpd restarts a dead responder from its once-a-second maintenance
  # or at its next use: wait for that, bounded, ~10 s.)
  for _ in $(seq 1 100); do
    now_pids=$(pgrep -P "$front_pid" | sort)
    [ "$(echo "$now_pids" | grep -c .)" = "${JWKS_PROCS:-2}" ] && break
    sleep 0.1
  done
  check "lighttpd runs ${JWKS_PROCS:-2} responders again ($(echo $now_pids))" \
    test "$(echo "$now_pids" | grep -c .)" = "${JWKS_PROCS:-2}"
  check "none of them a killed one" test -z "$(comm -12 <(echo "$now_pids") <(sort "$state/killed"))"
  new_pids=$(comm -23 <(echo "$now_pids") <(echo "$before_pids"))
  check "new responders among them" test -n "$new_pids"
  io() { awk '/^(rchar|wchar):/{printf "%s ", $2}' "/proc/$1/io"; }   # "READ WRITTEN "
  declare -A io_before
  for p in $new_pids; do io_before[$p]=$(io "$p"); done
  seq 1 16 | xargs -P 8 -I{} curl -s -o /dev/null -w '%{http_code}\n' --max-time 30 -H 'Content-Type: application/json' \
    -d '{"username":"after-kill{}","email":"after-kill{}@example.com"}' "$url/register" > "$dir/after-kill"
  check "16 registrations after the kills: 16 x 201 ($(sort "$dir/after-kill" | uniq -c | tr '\n' ' '))" \
    test "$(grep -cx 201 "$dir/after-kill")" = 16
  for p in $new_pids; do
    read -r r0 w0 <<<"${io_before[$p]}"; read -r r1 w1 <<<"$(io "$p")"
    check "new responder $p answers (read $r0 -> $r1, wrote $w0 -> $w1 bytes)" test "$r1" -gt "$r0" -a "$w1" -gt "$w0"
  done
}

fault_missing_dir() {
  # The database's directory disappears (an unmounted volume), then returns.
  mv "$state/db" "$state/db.away"
  s=$(register during1); check "register: JSON 503 with Retry-After ($s)" unavailable "$s"
  s=$(get -X POST --data '' "$url/auth"); check "token: JSON 503 with Retry-After ($s)" unavailable "$s"
  s=$(get "$url/.well-known/jwks.json"); check "key set: JSON 503 with Retry-After ($s)" unavailable "$s"
  s=$(get "$url/readyz"); check "readyz: JSON 503 with Retry-After ($s)" unavailable "$s"
  check "healthz: 200 (the process answers)" test "$(get "$url/healthz")" = 200
  check "no database was created elsewhere" test ! -e "$state/db"
  mv "$state/db.away" "$state/db"
}

fault_readonly() {
  # The store (and its directory) read-only: what writes it is refused; a
  # token only reads it (its rate limit counts in <store>-rate, still
  # writable). Then the rate file read-only too: tokens are refused.
  chmod a-w "$db" "$(dirname "$db")"
  s=$(register during1); check "register: JSON 503 with Retry-After ($s)" unavailable "$s"
  s=$(get -X POST --data '' "$url/auth")
  check "token: 200, the store is only read ($s)" test "$s" = 200
  status=$(get "$url/.well-known/jwks.json")
  check "key set: read-only is enough to publish it ($status)" test "$status" = 200
  chmod a-w "$db-rate"
  s=$(get -X POST --data '' -H 'X-Forwarded-For: 192.0.2.98' "$url/auth")
  check "token with the rate file read-only too: JSON 503 with Retry-After ($s)" unavailable "$s"
  chmod u+w "$db" "$db-rate"; chmod 0750 "$(dirname "$db")"
}

fault_locked() {
  # Another process holds the store's write lock past the busy timeout
  # (300 ms here): writers of the store are refused, tokens (readers of
  # it, writers of the rate file only) and the key set are not. Then the
  # same on the rate file: tokens and registrations are refused.
  mkfifo -m 0666 "$dir/release"; chmod 0711 "$dir"   # the holder may run as www-data
  hold_lock() {   # hold_lock FILE: a writer holding FILE's lock until $dir/release is written
    : > "$dir/lock.out"
    as_responder /usr/bin/python3 -c '
import sqlite3, sys
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
open(sys.argv[2]).read()' "$1" "$dir/release" > "$dir/lock.out" &
    holder=$!
    for _ in $(seq 1 100); do grep -q locked "$dir/lock.out" && break; sleep 0.05; done
    check "the lock on $(basename "$1") is held" grep -q locked "$dir/lock.out"
  }
  release_lock() { timeout 10 bash -c "echo > \"$dir/release\""; wait "$holder"; holder=; }
  hold_lock "$db"
  s=$(register during1); check "store locked: register: JSON 503 with Retry-After ($s)" unavailable "$s"
  s=$(get -X POST --data '' "$url/auth"); check "store locked: token: 200, the store is only read ($s)" test "$s" = 200
  check "store locked: key set: readers are not blocked by a writer" test "$(get "$url/.well-known/jwks.json")" = 200
  release_lock
  hold_lock "$db-rate"
  s=$(get -X POST --data '' -H 'X-Forwarded-For: 192.0.2.97' "$url/auth")
  check "rate file locked: token: JSON 503 with Retry-After ($s)" unavailable "$s"
  s=$(register during2); check "rate file locked: register: JSON 503 with Retry-After ($s)" unavailable "$s"
  check "rate file locked: the key set is served" test "$(get "$url/.well-known/jwks.json")" = 200
  release_lock
}

fault_disk_full() {
  # The database's filesystem (a small tmpfs, JWKS_TEST_DB_FS_SIZE) fills
  # up: commits fail with SQLITE_FULL; freeing the space clears the fault.
  dd if=/dev/zero of="$state/db/filler" bs=4096 2> /dev/null   # until the filesystem is full
  check "the filesystem is full" test "$(df --output=avail -B1 "$state/db" | tail -1 | tr -d ' ')" -lt 4096
  verdicts=()
  for i in $(seq 1 10); do verdicts+=("$(verdict "$(register "during$i")" 201)"); done
  echo "disk-full: registrations: $(printf '%s\n' "${verdicts[@]}" | sort | uniq -c | tr '\n' ' ')"
  check "registrations are refused with the JSON 503" test "$(printf '%s\n' "${verdicts[@]}" | grep -c '^503$')" -ge 9
  check "each a 201 or the JSON 503 with Retry-After" test -z "$(printf '%s\n' "${verdicts[@]}" | grep -v -e '^ok$' -e '^503$')"
  # A token writes only the rate file, whose WAL is reused in place: it may
  # still have room. Either way the answer is a success or the JSON 503.
  s=$(get -X POST --data '' -H 'X-Forwarded-For: 192.0.2.99' "$url/auth")
  check "token: 200 or the JSON 503 with Retry-After ($s)" test "$(verdict "$s" 200)" = ok -o "$(verdict "$s" 200)" = 503
  check "the key set is still served" test "$(get "$url/.well-known/jwks.json")" = 200
  rm -f "$state/db/filler"
}

fault_keys() {
  # A wrong NOT_MY_KEY, a missing one, and corrupted key rows.
  bin=$JWKS_FCGI_BIN
  mkdir -p "$dir/spawn"
  wrong=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
  # Its standard error in a log with-front.sh reads (spawn-fcgi would drop it).
  NOT_MY_KEY=$wrong jwks_spawn_logged "$state/wrong-key-responder.log" \
    -s "$dir/spawn/sock" -P "$dir/spawn/responders.pid" -- "$bin" > /dev/null
  env -i REQUEST_METHOD=POST REQUEST_URI=/auth REMOTE_ADDR=127.0.0.1 CONTENT_LENGTH=0 \
    cgi-fcgi -bind -connect "$dir/spawn/sock" < /dev/null > "$dir/wrong.out"
  kill "$(cat "$dir/spawn/responders.pid")"
  check "a wrong NOT_MY_KEY: 500 for a token" grep -q '^Status: 500' "$dir/wrong.out"
  check "...with no detail in the body" bash -c "! grep -qi -e authentication -e decrypt -e envelope -e 'key [0-9]' '$dir/wrong.out'"
  [ "$failed" -eq 0 ] || cat "$dir/wrong.out"
  check "...and neither key in it" bash -c "! grep -q -e '$wrong' -e '$NOT_MY_KEY' '$dir/wrong.out'"
  check "the right key still signs" test "$(get -X POST --data '' "$url/auth")" = 200
  env -u NOT_MY_KEY "$bin" < /dev/null > "$dir/nokey.out" 2>&1
  check "no NOT_MY_KEY: the responder refuses to start (EX_CONFIG)" test $? -eq 78
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
}

# One function per fault: fault_<name> (dashes as underscores).
fn=fault_${fault//-/_}
declare -F "$fn" > /dev/null || { echo "unknown fault $fault (one of: kill9 missing-dir readonly locked disk-full keys)" >&2; exit 64; }
"$fn"

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
