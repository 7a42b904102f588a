#!/usr/bin/env bash
# usage: jwksctl_check.sh JWKSCTL
# The admin tool's contract: commands, outputs and the exit codes scripts rely on.
set -uo pipefail
ctl=$1
dir=$(mktemp -d "${TMPDIR:-/tmp}/jwksctl.XXXXXX")
trap 'rm -rf "$dir"' EXIT
export JWKS_DB=$dir/keys.db
old=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
new=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
passed=0 failed=0

expect() {  # expect CODE DESCRIPTION -- COMMAND...
  local want=$1 what=$2; shift 3
  "$@" > "$dir/out" 2> "$dir/err"
  local got=$?
  if [ "$got" -eq "$want" ]; then passed=$((passed + 1)); else
    failed=$((failed + 1)); echo "FAIL: $what: exit $got, wanted $want"; cat "$dir/out" "$dir/err"; fi
}
contains() {  # contains FILE TEXT DESCRIPTION
  if grep -q -- "$2" "$1"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $3"; cat "$1"; fi
}

expect 78 "init without NOT_MY_KEY" -- env -u NOT_MY_KEY "$ctl" init
contains "$dir/err" NOT_MY_KEY "the error names NOT_MY_KEY"
[ ! -e "$JWKS_DB" ] && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: init without a key created the database"; }
expect 0 "init" -- env NOT_MY_KEY="$old" "$ctl" init
expect 0 "init again (idempotent)" -- env NOT_MY_KEY="$old" "$ctl" init
contains "$dir/out" "0 key(s) created" "a second init creates nothing"
expect 0 "list needs no master key" -- env -u NOT_MY_KEY "$ctl" list
contains "$dir/out" active "list shows an active key"
contains "$dir/out" expired "list shows an expired key"
contains "$dir/out" "published .*active .*retires .*expires" "list shows the schedule's times"
expect 0 "rotate when nothing is due" -- env NOT_MY_KEY="$old" "$ctl" rotate
contains "$dir/out" "0 key(s) created" "rotate creates nothing before the schedule says so"
expect 0 "rotate --now" -- env NOT_MY_KEY="$old" "$ctl" rotate --now
contains "$dir/out" "1 key(s) created" "rotate --now publishes a key"
contains "$dir/out" "^next: .* signs from " "rotate --now says when the new key signs"
expect 0 "list after rotate --now" -- env -u NOT_MY_KEY "$ctl" list
contains "$dir/out" " published " "the new key is published, not signing yet"
signing=$(awk '$4 == "active" {print $2}' "$dir/out")
pending=$(awk '$4 == "published" {print $2}' "$dir/out")
expect 64 "rotate with a stray argument" -- env NOT_MY_KEY="$old" "$ctl" rotate --later
expect 2 "retire an unknown kid" -- env NOT_MY_KEY="$old" "$ctl" retire no-such-kid
expect 64 "retire without a kid" -- env NOT_MY_KEY="$old" "$ctl" retire
# base64url thumbprints may begin with '-': such an argument is a kid, not an option
expect 2 "retire a kid that begins with '-'" -- env NOT_MY_KEY="$old" "$ctl" retire -no-such-kid
expect 2 "retire a kid after --" -- env NOT_MY_KEY="$old" "$ctl" retire --force -- --no-such-kid
expect 64 "retire two kids" -- env NOT_MY_KEY="$old" "$ctl" retire a b
expect 0 "retire the key that never signed" -- env NOT_MY_KEY="$old" "$ctl" retire -- "$pending"
expect 0 "export after retiring it" -- env -u NOT_MY_KEY "$ctl" export-jwks
if grep -q -- "$pending" "$dir/out"; then failed=$((failed + 1)); echo "FAIL: a retired key that never signed is still published"; else passed=$((passed + 1)); fi
expect 0 "retire the signing key" -- env NOT_MY_KEY="$old" "$ctl" retire "$signing"
contains "$dir/out" "retired $signing: it signs no more from " "retire says when the key stops signing"
contains "$dir/out" "1 key(s) created" "retiring the signing key publishes its successor"
expect 0 "retire it again" -- env NOT_MY_KEY="$old" "$ctl" retire "$signing"
expect 0 "list after retire" -- env -u NOT_MY_KEY "$ctl" list
contains "$dir/out" "$signing .* active " "the signing key signs until its successor may"
expect 0 "purge needs no master key" -- env -u NOT_MY_KEY "$ctl" purge
contains "$dir/out" "0 expired key(s) purged" "nothing is old enough to purge"
expect 0 "purge with a one-second retention" -- env -u NOT_MY_KEY JWKS_KEY_RETENTION=1 "$ctl" purge
contains "$dir/out" "1 expired key(s) purged" "the older of the two expired keys goes"
expect 0 "purge again" -- env -u NOT_MY_KEY JWKS_KEY_RETENTION=1 "$ctl" purge
contains "$dir/out" "0 expired key(s) purged" "the newest expired key is kept for ?expired=true"
expect 78 "the old JWKS_KEY_LIFETIME is refused" -- env JWKS_KEY_LIFETIME=24h "$ctl" list
contains "$dir/err" JWKS_SIGNING_PERIOD "the refusal names what replaced it"
expect 0 "export-jwks to a file" -- env -u NOT_MY_KEY "$ctl" export-jwks --output "$dir/jwks.json"
contains "$dir/jwks.json" '"keys":\[{"alg":"RS256"' "the exported set is a JWKS"
[ "$(stat -c %a "$dir/jwks.json")" = 644 ] && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: export mode"; }
cp "$JWKS_DB" "$dir/before.db"
expect 65 "rekey with the wrong current key" -- sh -c "echo $new | NOT_MY_KEY=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n') '$ctl' rekey"
# Both reads must succeed and hold every key (two failed reads would compare equal).
keys_after=$(sqlite3 "$JWKS_DB" 'SELECT kid, hex(key) FROM keys ORDER BY kid') &&
  keys_before=$(sqlite3 "$dir/before.db" 'SELECT kid, hex(key) FROM keys ORDER BY kid') &&
  [ "$(grep -c . <<<"$keys_before")" -eq 3 ] && [ "$keys_after" = "$keys_before" ] \
  && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: a refused rekey changed keys (or the keys could not be read)"; }
expect 65 "rekey to a too-short key" -- sh -c "echo short | NOT_MY_KEY=$old '$ctl' rekey"
printf '%s\n' "$new" > "$dir/new.key"
expect 0 "rekey from a file" -- env NOT_MY_KEY="$old" "$ctl" rekey --new-key-file "$dir/new.key"
contains "$dir/out" "re-encrypted 3 key(s)" "every key was re-encrypted"
expect 65 "rotate with the old key is refused" -- env NOT_MY_KEY="$old" "$ctl" rotate
contains "$dir/err" "does not open" "the refusal says why"
expect 65 "init with the old key is refused the same way" -- env NOT_MY_KEY="$old" "$ctl" init
expect 0 "rotate with the new key" -- env NOT_MY_KEY="$new" "$ctl" rotate
expect 0 "the master secret from a file (NOT_MY_KEY_FILE)" -- env -u NOT_MY_KEY NOT_MY_KEY_FILE="$dir/new.key" "$ctl" rotate
expect 78 "NOT_MY_KEY and NOT_MY_KEY_FILE both set" -- env NOT_MY_KEY="$new" NOT_MY_KEY_FILE="$dir/new.key" "$ctl" rotate
contains "$dir/err" "both set" "the refusal names the two variables"
expect 78 "an unreadable NOT_MY_KEY_FILE" -- env -u NOT_MY_KEY NOT_MY_KEY_FILE="$dir/no-such-file" "$ctl" rotate
expect 0 "users list" -- "$ctl" users list
expect 2 "delete an unknown user" -- "$ctl" users delete nobody
expect 64 "unknown command" -- "$ctl" frobnicate
expect 64 "stray argument" -- "$ctl" list extra
expect 0 "per-command help" -- "$ctl" rekey --help
contains "$dir/out" "new-key-file" "rekey --help explains the option"
# Issue 12: "jwksctl init" as root on a new path made a root-owned store that
# responders running as www-data could not write, silently.
if [ "$(id -u)" -eq 0 ]; then
  expect 0 "init as root in a root-owned directory" -- env NOT_MY_KEY="$new" JWKS_DB="$dir/root-owned.db" "$ctl" init
  contains "$dir/err" "warning: creating .* as root" "it warns that responders running as another user cannot write it"
  chmod 0711 "$dir"   # www-data may pass through to its own directory
  install -d -o www-data -g www-data -m 0750 "$dir/www"
  expect 0 "init as root in www-data's directory" -- env NOT_MY_KEY="$new" JWKS_DB="$dir/www/keys.db" "$ctl" init
  contains "$dir/out" "creating the store as www-data" "it becomes the directory's owner first"
  owners=$(stat -c %U "$dir/www/keys.db" "$dir/www/keys.db-wal" "$dir/www/keys.db-shm" | sort -u)
  [ "$owners" = www-data ] && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: the new store is the directory's owner's ($owners)"; }
  expect 0 "init again as root leaves it to www-data" -- env NOT_MY_KEY="$new" JWKS_DB="$dir/www/keys.db" "$ctl" init
  [ "$(stat -c %U "$dir/www/keys.db")" = www-data ] && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: ownership"; }
fi
echo "jwksctl: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
