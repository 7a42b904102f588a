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
expect 64 "retire an empty kid" -- env NOT_MY_KEY="$old" "$ctl" retire ""
expect 0 "retire the key that never signed" -- env NOT_MY_KEY="$old" "$ctl" retire -- "$pending"
expect 0 "export after retiring it" -- env -u NOT_MY_KEY "$ctl" export-jwks
if grep -q -- "$pending" "$dir/out"; then failed=$((failed + 1)); echo "FAIL: a retired key that never signed is still published"; else passed=$((passed + 1)); fi
expect 0 "retire the signing key" -- env NOT_MY_KEY="$old" "$ctl" retire "$signing"
contains "$dir/out" "retired $signing: it signs no more from " "retire says when the key stops signing"
contains "$dir/out" "1 key(s) created" "retiring the signing key publishes its successor"
expect 0 "retire it again" -- env NOT_MY_KEY="$old" "$ctl" retire "$signing"
expect 0 "list for the expired key" -- env -u NOT_MY_KEY "$ctl" list
expired=$(awk '$4 == "expired" {print $2; exit}' "$dir/out")
expect 0 "retire the expired key" -- env NOT_MY_KEY="$old" "$ctl" retire "$expired"
contains "$dir/out" "^$expired is already retired" "an expired key is already retired: nothing to do"
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
expect 64 "export-jwks with a stray argument" -- env -u NOT_MY_KEY "$ctl" export-jwks --pretty
contains "$dir/err" "unexpected argument '--pretty'" "the refusal names the argument"
expect 64 "export-jwks --output without a file" -- env -u NOT_MY_KEY "$ctl" export-jwks --output
expect 1 "export-jwks into a missing directory" -- env -u NOT_MY_KEY "$ctl" export-jwks --output "$dir/none/jwks.json"
contains "$dir/err" "cannot write $dir/none/jwks.json: No such file" "the failure names the file and the reason"
# A command that changes keys brings JWKS_EXPORT_FILE up to date, rewriting
# it only when the set changed, and a failed one leaves it alone.
expect 0 "rotate with JWKS_EXPORT_FILE" -- env NOT_MY_KEY="$old" JWKS_EXPORT_FILE="$dir/export.json" "$ctl" rotate
contains "$dir/out" "exported the key set to $dir/export.json" "the set is exported"
contains "$dir/export.json" '"keys":\[{"alg":"RS256"' "the exported file is the key set"
expect 0 "rotate again with JWKS_EXPORT_FILE" -- env NOT_MY_KEY="$old" JWKS_EXPORT_FILE="$dir/export.json" "$ctl" rotate
if grep -q exported "$dir/out"; then failed=$((failed + 1)); echo "FAIL: an unchanged key set was exported again"; else passed=$((passed + 1)); fi
rm "$dir/export.json"
expect 2 "a failed retire with JWKS_EXPORT_FILE" -- env NOT_MY_KEY="$old" JWKS_EXPORT_FILE="$dir/export.json" "$ctl" retire no-such-kid
[ ! -e "$dir/export.json" ] && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: a failed command exported the key set"; }
cp "$JWKS_DB" "$dir/before.db"
expect 65 "rekey with the wrong current key" -- sh -c "echo $new | NOT_MY_KEY=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n') '$ctl' rekey"
# Both reads must succeed and hold every key (two failed reads would compare equal).
keys_after=$(sqlite3 "$JWKS_DB" 'SELECT kid, hex(key) FROM keys ORDER BY kid') &&
  keys_before=$(sqlite3 "$dir/before.db" 'SELECT kid, hex(key) FROM keys ORDER BY kid') &&
  [ "$(grep -c . <<<"$keys_before")" -eq 3 ] && [ "$keys_after" = "$keys_before" ] \
  && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: a refused rekey changed keys (or the keys could not be read)"; }
expect 65 "rekey to a too-short key" -- sh -c "echo short | NOT_MY_KEY=$old '$ctl' rekey"
expect 65 "rekey with nothing on standard input" -- sh -c "NOT_MY_KEY=$old '$ctl' rekey < /dev/null"
contains "$dir/err" "the new master secret" "the refusal is about the new secret"
expect 65 "rekey from a first line over 4 KiB (refused, not cut short)" -- sh -c "head -c 5000 /dev/zero | tr '\\0' a | NOT_MY_KEY=$old '$ctl' rekey"
contains "$dir/err" "over 4 KiB" "the refusal says the secret is too long"
expect 1 "rekey from a missing file" -- env NOT_MY_KEY="$old" "$ctl" rekey --new-key-file "$dir/no-such.key"
contains "$dir/err" "cannot read $dir/no-such.key" "the failure names the file"
expect 64 "rekey with a stray argument" -- env NOT_MY_KEY="$old" "$ctl" rekey "$dir/new.key"
expect 64 "rekey --new-key-file without a file" -- env NOT_MY_KEY="$old" "$ctl" rekey --new-key-file
expect 64 "rekey with another option" -- env NOT_MY_KEY="$old" "$ctl" rekey --new-key "$dir/new.key"
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
# The first line of standard input is the secret, a final newline or not.
third=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
expect 0 "rekey from standard input without a newline" -- sh -c "printf %s $third | NOT_MY_KEY=$new '$ctl' rekey"
contains "$dir/out" "re-encrypted 3 key(s)" "every key was re-encrypted again"
expect 0 "rotate with the third key" -- env NOT_MY_KEY="$third" "$ctl" rotate
expect 65 "rotate with the second key is refused" -- env NOT_MY_KEY="$new" "$ctl" rotate
expect 0 "users list, no user yet" -- "$ctl" users list
contains "$dir/out" "^id .*username .*email .*registered .*last login" "users list has its header"
# Users as the store holds them: alice as registration leaves her (with a
# user_names row, so she can log in; one login recorded), and a look-alike
# that an upgrade left without a form of its own (no user_names row).
sqlite3 "$JWKS_DB" "INSERT INTO users (id, username, password_hash, email, last_login)
                      VALUES (1, 'alice', 'x', 'alice@example.com', '2026-01-02 03:04:05');
                    INSERT INTO user_names (user_id, canonical, skeleton) VALUES (1, 'alice', 'alice');
                    INSERT INTO users (id, username, password_hash, email) VALUES (2, 'al1ce', 'x', 'al1ce@example.com');
                    INSERT INTO auth_logs (request_ip, user_id) VALUES ('192.0.2.1', 1);"
expect 0 "users list" -- "$ctl" users list
contains "$dir/out" "^1 .*alice .*alice@example.com .*2026-01-02 03:04:05 *$" "alice, with her last login"
contains "$dir/out" "^2 .*al1ce .*al1ce@example.com .* - *(cannot log in)$" "the look-alike: no login, cannot log in"
contains "$dir/out" "^1 user(s) cannot log in" "the list counts who cannot log in"
expect 0 "delete the look-alike by its stored name" -- "$ctl" users delete al1ce
contains "$dir/out" "deleted user 'al1ce'" "the deletion is reported"
expect 0 "delete alice by another case of her name" -- "$ctl" users delete ALICE
[ "$(sqlite3 "$JWKS_DB" 'SELECT count(*) FROM users; SELECT count(*) FROM user_names; SELECT count(*), count(user_id) FROM auth_logs')" = "$(printf '0\n0\n1|0')" ] \
  && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: users delete left users, or took the auth_logs row"; }
expect 0 "users list after the deletions" -- "$ctl" users list
if grep -q "cannot log in\|alice" "$dir/out"; then failed=$((failed + 1)); echo "FAIL: deleted users are listed"; else passed=$((passed + 1)); fi
expect 2 "delete an unknown user" -- "$ctl" users delete nobody
for args in "" "show" "list extra" "delete" "delete a b"; do
  # shellcheck disable=SC2086  # the words are the arguments
  expect 64 "users ${args:-(nothing)}" -- "$ctl" users $args
  contains "$dir/err" "usage: jwksctl users list | jwksctl users delete USERNAME" "users ${args:-(nothing)} gets the usage"
done
expect 64 "unknown command" -- "$ctl" frobnicate
expect 64 "stray argument" -- "$ctl" list extra
expect 0 "per-command help" -- "$ctl" rekey --help
contains "$dir/out" "new-key-file" "rekey --help explains the option"
expect 0 "per-command -h" -- "$ctl" users -h
contains "$dir/out" "^usage: jwksctl users list | jwksctl users delete USERNAME" "users -h gives its usage"
expect 64 "no command at all" -- "$ctl"
contains "$dir/err" "^usage: jwksctl <command>" "the usage goes to standard error"
for h in --help -h help; do
  expect 0 "jwksctl $h" -- "$ctl" "$h"
  contains "$dir/out" "^  jwksctl copy-store FROM TO" "jwksctl $h lists the commands on standard output"
done
for args in "FROM" "FROM TO THIRD" "$JWKS_DB $JWKS_DB"; do
  # shellcheck disable=SC2086  # the words are the arguments
  expect 64 "copy-store ${args}" -- env NOT_MY_KEY="$third" "$ctl" copy-store $args
done
expect 64 "copy-store with an empty FROM" -- env NOT_MY_KEY="$third" "$ctl" copy-store "" "$dir/to.db"
contains "$dir/err" "usage: jwksctl copy-store FROM TO" "an empty name is refused as usage"
expect 64 "copy-store with an empty TO" -- env NOT_MY_KEY="$third" "$ctl" copy-store "$JWKS_DB" ""
[ ! -e "$dir/to.db" ] && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: a refused copy-store made its target"; }
# A forced retirement of the only signing key leaves none until its successor may sign.
expect 0 "init a second store" -- env NOT_MY_KEY="$third" JWKS_DB="$dir/force.db" "$ctl" init
expect 0 "list it" -- env JWKS_DB="$dir/force.db" "$ctl" list
only=$(awk '$4 == "active" {print $2}' "$dir/out")
row=$(awk '$4 == "active" {print $1}' "$dir/out")
# A key from before thumbprint kids (no thumbprint stored) is listed by its
# row id, until a command that may write gives it its thumbprint.
sqlite3 "$dir/force.db" "UPDATE key_public SET thumbprint = NULL WHERE kid = $row"
expect 0 "list a key from before thumbprint kids" -- env JWKS_DB="$dir/force.db" "$ctl" list
contains "$dir/out" "^$row  *$row  *RS256  *active " "it is listed by its row id"
expect 0 "rotate on that store" -- env NOT_MY_KEY="$third" JWKS_DB="$dir/force.db" "$ctl" rotate
expect 0 "list it again" -- env JWKS_DB="$dir/force.db" "$ctl" list
contains "$dir/out" "^$row  *$only  *RS256  *active " "the key has its thumbprint kid again"
expect 0 "retire --force the signing key" -- env NOT_MY_KEY="$third" JWKS_DB="$dir/force.db" "$ctl" retire --force "$only"
contains "$dir/out" "^signing: no key may sign now" "no key signs after a forced retirement"
contains "$dir/out" "^next: .* signs from " "its successor is published"
# Issue 12: "jwksctl init" as root on a new path made a root-owned store that
# responders running as www-data could not write, silently.
if [ "$(id -u)" -eq 0 ]; then
  expect 0 "init as root in a root-owned directory" -- env NOT_MY_KEY="$new" JWKS_DB="$dir/root-owned.db" "$ctl" init
  contains "$dir/err" "warning: creating .* as root" "it warns that responders running as another user cannot write it"
  expect 0 "init as root, a bare file name" -- env -C "$dir" NOT_MY_KEY="$new" JWKS_DB=bare.db "$ctl" init
  contains "$dir/err" "warning: creating bare.db as root" "the current directory is the one checked"
  [ -f "$dir/bare.db" ] && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: no store in the current directory"; }
  expect 1 "init as root in a missing directory" -- env NOT_MY_KEY="$new" JWKS_DB="$dir/none/keys.db" "$ctl" init
  [ ! -e "$dir/none" ] && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: init made the missing directory"; }
  # A directory whose owner has no account: jwksctl cannot become it, and
  # creates nothing rather than a store as root.
  orphan=54321
  while getent passwd "$orphan" > /dev/null; do orphan=$((orphan + 1)); done
  install -d -o "$orphan" -g "$orphan" -m 0755 "$dir/orphan"
  expect 1 "init as root in a directory of a uid with no account" -- env NOT_MY_KEY="$new" JWKS_DB="$dir/orphan/keys.db" "$ctl" init
  contains "$dir/err" "cannot become the owner of $dir/orphan (uid $orphan)" "the failure names the directory and its owner"
  expect 1 "copy-store as root into that directory" -- env NOT_MY_KEY="$third" "$ctl" copy-store "$JWKS_DB" "$dir/orphan/copy.db"
  [ -z "$(ls -A "$dir/orphan")" ] && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: a store was made in $dir/orphan"; }
  chmod 0711 "$dir"   # www-data may pass through to its own directory
  install -d -o www-data -g www-data -m 0750 "$dir/www"
  expect 0 "init as root in www-data's directory" -- env NOT_MY_KEY="$new" JWKS_DB="$dir/www/keys.db" "$ctl" init
  contains "$dir/out" "creating the store as www-data" "it becomes the directory's owner first"
  owners=$(stat -c %U "$dir/www/keys.db" "$dir/www/keys.db-wal" "$dir/www/keys.db-shm" | sort -u)
  [ "$owners" = www-data ] && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: the new store is the directory's owner's ($owners)"; }
  expect 0 "init again as root leaves it to www-data" -- env NOT_MY_KEY="$new" JWKS_DB="$dir/www/keys.db" "$ctl" init
  [ "$(stat -c %U "$dir/www/keys.db")" = www-data ] && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: ownership"; }
  # copy-store makes a new SQLite target as init does: as its directory's owner.
  expect 0 "copy-store as root into www-data's directory" -- env NOT_MY_KEY="$third" "$ctl" copy-store "$JWKS_DB" "$dir/www/copy.db"
  contains "$dir/out" "creating the store as www-data" "copy-store becomes the directory's owner first"
  contains "$dir/out" "copied 3 key(s), 0 user(s) and 1 login(s)" "copy-store copies the keys and the login"
  [ "$(stat -c %U "$dir/www/copy.db")" = www-data ] && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: the copy is not www-data's"; }
  # Run as the store's owner itself, neither command changes user nor warns.
  # A copy of the binary www-data can run: the build may be in a checkout
  # only root can enter (a 0700 directory under /root).
  install -m 0755 "$ctl" "$dir/jwksctl-copy"
  expect 0 "init as www-data" -- runuser -u www-data -- env NOT_MY_KEY="$new" JWKS_DB="$dir/www/own.db" "$dir/jwksctl-copy" init
  if grep -q "creating the store as\|warning" "$dir/out" "$dir/err"; then failed=$((failed + 1)); echo "FAIL: init as www-data changed user or warned"; cat "$dir/out" "$dir/err"; else passed=$((passed + 1)); fi
  expect 0 "copy-store as www-data" -- runuser -u www-data -- env NOT_MY_KEY="$new" "$dir/jwksctl-copy" copy-store "$dir/www/own.db" "$dir/www/own-copy.db"
  contains "$dir/out" "^copied 2 key(s), 0 user(s) and 0 login(s)" "the copy as www-data has both keys"
  if grep -q "creating the store as" "$dir/out"; then failed=$((failed + 1)); echo "FAIL: copy-store as www-data changed user"; else passed=$((passed + 1)); fi
  [ "$(stat -c %U "$dir/www/own.db" "$dir/www/own-copy.db" | sort -u)" = www-data ] && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: the stores www-data made are not its own"; }
fi
echo "jwksctl: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
