#!/usr/bin/env bash
# usage: copy_store_check.sh JWKSCTL   (run by with-front.sh, with the pg fixture's
# server in JWKS_COPY_PG_URI_FILE)
# jwksctl copy-store: a store a front has written (keys, a registered user, a
# login) goes into PostgreSQL and back into a new SQLite file; each copy
# publishes the same key set and holds the same users and logins; a wrong
# NOT_MY_KEY or a target that is not empty is refused.
set -uo pipefail
ctl=$1
base=$(cat "$JWKS_COPY_PG_URI_FILE")
pgdb=jwks_copy_$(od -An -tx1 -N6 /dev/urandom | tr -d ' \n')
psql -X -q -v ON_ERROR_STOP=1 "$base" -c "CREATE DATABASE $pgdb" || exit 1
pg=${base/\/jwks\?/\/$pgdb\?}
[ "$pg" != "$base" ] || { echo "the test server's URI names no /jwks? database: $base" >&2; exit 1; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/copy-store.XXXXXX")
trap 'rm -rf "$dir"; psql -X -q "$base" -c "DROP DATABASE IF EXISTS $pgdb WITH (FORCE)"' EXIT
passed=0 failed=0
ok() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }
expect() {  # expect CODE DESCRIPTION -- COMMAND...
  local want=$1 what=$2; shift 3
  "$@" > "$dir/out" 2> "$dir/err"
  local got=$?
  if [ "$got" -eq "$want" ]; then ok; else fail "$what: exit $got, wanted $want"; cat "$dir/out" "$dir/err"; fi
}

# What the front writes: a user, a login (auth_logs), the keys.
reg=$(curl -s -X POST -H 'Content-Type: application/json' -d '{"username":"mover","email":"mover@example.com"}' \
  "$JWKS_BASE_URL/register")
password=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["password"])' <<<"$reg") || { fail "register: $reg"; exit 1; }
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -d '' -u "mover:$password" "$JWKS_BASE_URL/auth")
[ "$code" = 200 ] && ok || fail "login before the copy: $code"

sqlite_count() { sqlite3 "$1" "$2"; }
pg_count() { psql -X -qAt "$1" -c "$2"; }
export_of() { JWKS_DB=$1 "$ctl" export-jwks; }
want_keys=$(export_of "$JWKS_DB")

expect 0 "copy-store SQLite -> PostgreSQL" -- "$ctl" copy-store "$JWKS_DB" "$pg"
grep -q "read back and verified" "$dir/out" && ok || fail "copy-store does not say it verified the copy"
[ "$(export_of "$pg")" = "$want_keys" ] && ok || fail "the PostgreSQL copy publishes another key set"
for q in "SELECT count(*) FROM keys" "SELECT count(*) FROM users" "SELECT count(*) FROM auth_logs" \
         "SELECT username || ' ' || email || ' ' || password_hash FROM users" "SELECT request_ip FROM auth_logs"; do
  [ "$(sqlite_count "$JWKS_DB" "$q")" = "$(pg_count "$pg" "$q")" ] && ok || fail "$q differs after the copy"
done
[ "$(pg_count "$pg" "SELECT date_registered FROM users")" = "$(sqlite_count "$JWKS_DB" "SELECT date_registered FROM users")" ] &&
  ok || fail "date_registered changed in the copy"
# Keys still sealed as they were: the same bytes.
[ "$(pg_count "$pg" "SELECT string_agg(encode(key, 'hex'), ',' ORDER BY kid) FROM keys")" = \
  "$(sqlite_count "$JWKS_DB" "SELECT group_concat(lower(hex(key)), ',') FROM (SELECT key FROM keys ORDER BY kid)")" ] &&
  ok || fail "the keys' envelopes changed in the copy"
# New rows in the copy go on after the copied ids.
pg_count "$pg" "INSERT INTO auth_logs (request_ip) VALUES ('192.0.2.200') RETURNING id" > "$dir/id"
[ "$(head -1 "$dir/id")" -gt "$(sqlite_count "$JWKS_DB" "SELECT max(id) FROM auth_logs")" ] && ok || fail "auth_logs ids restart in the copy"
pg_count "$pg" "DELETE FROM auth_logs WHERE request_ip = '192.0.2.200'" > /dev/null

expect 1 "copy-store into a store that is not empty" -- "$ctl" copy-store "$JWKS_DB" "$pg"
grep -q "not empty" "$dir/err" && ok || fail "the refusal does not say the target is not empty"
expect 65 "copy-store with another NOT_MY_KEY" -- env NOT_MY_KEY="$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')" \
  "$ctl" copy-store "$JWKS_DB" "$dir/wrong.db"
[ "$(sqlite3 "$dir/wrong.db" "SELECT count(*) FROM keys" 2>/dev/null || echo 0)" = 0 ] && ok || fail "a refused copy wrote keys"
expect 64 "copy-store onto itself" -- "$ctl" copy-store "$JWKS_DB" "$JWKS_DB"
expect 64 "copy-store with one argument" -- "$ctl" copy-store "$JWKS_DB"

expect 0 "copy-store PostgreSQL -> SQLite" -- "$ctl" copy-store "$pg" "$dir/back.db"
[ "$(export_of "$dir/back.db")" = "$want_keys" ] && ok || fail "the copy back publishes another key set"
for q in "SELECT count(*) FROM users" "SELECT count(*) FROM auth_logs" "SELECT username FROM users"; do
  [ "$(sqlite_count "$dir/back.db" "$q")" = "$(sqlite_count "$JWKS_DB" "$q")" ] && ok || fail "$q differs after the copy back"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
