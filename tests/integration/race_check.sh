#!/usr/bin/env bash
# usage: with-front.sh FRONT JWKS_FCGI -- race_check.sh JWKSCTL
# (run with JWKS_PROCS=4, JWKS_RATE_LIMIT=5/60s, JWKS_TRUSTED_PROXIES=127.0.0.1)
# Races through the real front, every request of a round fired at once at
# several responder processes, with exact outcomes: one name or e-mail
# registered once, a rate limit that lets through exactly its budget, and
# concurrent rotations that publish exactly one key.
set -uo pipefail
ctl=$1
url=$JWKS_BASE_URL
n=24
dir=$(mktemp -d "${TMPDIR:-/tmp}/jwks-race.XXXXXX")
trap 'rm -rf "$dir"' EXIT
passed=0 failed=0
check() { local what=$1; shift; if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $what"; fi; }
sql() { sqlite3 -readonly "$JWKS_DB" "$1"; }
# Counts the lines equal to $2 in file $1.
count() { grep -cx -- "$2" "$1" || true; }

# fire FILE CURL-ARGS-WITH-{}: runs $n curls at once, {} replaced by 1..n;
# their statuses (one per line) go to FILE.
fire() {
  local out=$1; shift
  seq 1 "$n" | xargs -P "$n" -I{} curl -s -o /dev/null -w '%{http_code}\n' --max-time 30 "$@" > "$out"
}

# 1. One username, many registrations at once: exactly one wins.
fire "$dir/same-name" -H 'Content-Type: application/json' \
  -d '{"username":"racer","email":"racer{}@example.com"}' "$url/register"
check "one registration of a name wins ($(sort "$dir/same-name" | uniq -c | tr '\n' ' '))" \
  test "$(count "$dir/same-name" 201)" = 1
check "the others get 409" test "$(count "$dir/same-name" 409)" = $((n - 1))
check "one row for the name" test "$(sql "SELECT count(*) FROM users WHERE username = 'racer'")" = 1

# 2. One e-mail address under many names (and letter cases): exactly one wins.
fire "$dir/same-email" -H 'Content-Type: application/json' \
  -d '{"username":"mailer{}","email":"Shared@Example.com"}' "$url/register"
check "one registration of an e-mail wins ($(sort "$dir/same-email" | uniq -c | tr '\n' ' '))" \
  test "$(count "$dir/same-email" 201)" = 1
check "one row for the e-mail" test "$(sql "SELECT count(*) FROM users WHERE lower(email) = 'shared@example.com'")" = 1

# 3. Logins at the rate limit's edge, from one address across the responders:
# exactly the budget (5 in 60 s) succeeds, each success is logged once.
password=$(curl -s -H 'Content-Type: application/json' -d '{"username":"edge","email":"edge@example.com"}' \
  "$url/register" | python3 -c 'import json,sys; print(json.load(sys.stdin)["password"])')
check "a user to log in with" test -n "$password"
uid=$(sql "SELECT id FROM users WHERE username = 'edge'")
seq 1 "$n" | xargs -P "$n" -I{} curl -s -o /dev/null -D "$dir/h{}" -w '%{http_code}\n' --max-time 30 \
  -H 'X-Forwarded-For: 203.0.113.77' -u "edge:$password" --data '' "$url/auth" > "$dir/edge"
check "exactly the budget of 5 logins succeeds ($(sort "$dir/edge" | uniq -c | tr '\n' ' '))" \
  test "$(count "$dir/edge" 200)" = 5
check "the rest are refused with 429" test "$(count "$dir/edge" 429)" = $((n - 5))
check "every 429 says when to retry" test "$(grep -lis '^Retry-After: [1-9]' "$dir"/h* | wc -l)" = $((n - 5))
check "one auth_logs row per success" test "$(sql "SELECT count(*) FROM auth_logs WHERE user_id = $uid")" = 5
check "refusals used no slot: another address still has its budget" \
  test "$(curl -s -o /dev/null -w '%{http_code}' -H 'X-Forwarded-For: 203.0.113.78' -u "edge:$password" --data '' "$url/auth")" = 200

# 4. Rotations at once: jwksctl and the responders find the same rotation
# due; exactly one key is published.
before=$(sql "SELECT count(*) FROM keys")
check "the store has its keys before the race" test "$before" -ge 2
rotate_pids=() curl_pids=()
for i in $(seq 1 8); do "$ctl" rotate --now > "$dir/rotate$i" 2>&1 & rotate_pids+=($!); done
for i in $(seq 1 8); do curl -s -o /dev/null -w '%{http_code}\n' --max-time 30 "$url/.well-known/jwks.json" > "$dir/set$i" & curl_pids+=($!); done
rotate_rcs=() curl_rcs=()
for p in "${rotate_pids[@]}"; do wait "$p"; rotate_rcs+=($?); done
for p in "${curl_pids[@]}"; do wait "$p"; curl_rcs+=($?); done
check "every rotate exited 0 (${rotate_rcs[*]})" test "$(printf '%s\n' "${rotate_rcs[@]}" | grep -cx 0)" = 8
[ "$failed" -eq 0 ] || cat "$dir"/rotate* >&2
check "every rotate reported its key(s)" test "$(grep -l 'key(s) created' "$dir"/rotate* | wc -l)" = 8
check "every key set fetched during the race answered 200 (curl ${curl_rcs[*]})" \
  test "$(cat "$dir"/set* | grep -cx 200)" = 8
check "exactly one key was published ($before -> $(sql "SELECT count(*) FROM keys"))" \
  test "$(sql "SELECT count(*) FROM keys")" = $((before + 1))
check "the store is intact" test "$(sql 'PRAGMA integrity_check')" = ok
check "the front still answers" test "$(curl -s -o /dev/null -w '%{http_code}' "$url/")" = 200

echo "race_check: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
