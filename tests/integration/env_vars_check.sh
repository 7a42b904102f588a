#!/usr/bin/env bash
# usage: env_vars_check.sh SOURCE_DIR
# Every variable the responder reads must reach it through every front and
# be documented (the table of docs/configuration.md and the env file of
# docs/deployment.md): a variable
# forgotten in one place is silently ignored there.
set -uo pipefail
src=$1
failed=0
read_vars=$( { echo NOT_MY_KEY; echo NOT_MY_KEY_FILE; grep -o '"JWKS_[A-Z0-9_]*"' "$src/src/service/settings.cpp" | tr -d '"'; } |
             grep -v '^JWKS_KEY_LIFETIME$' | sort -u)  # the old name is read only to be refused
# JWKS_RESPONDERS is for a process given a socket by a service manager
# (systemd, spawn-fcgi): the fronts that start the responders count them
# themselves and must not pass it on. It is documented like every other.
front_vars=$(echo "$read_vars" | grep -v '^JWKS_RESPONDERS$')
check() {  # check WHERE LIST [EXPECTED]
  local where=$1 list=$2 expected=${3:-$front_vars} missing extra
  missing=$(comm -23 <(echo "$expected") <(echo "$list" | sort -u))
  extra=$(comm -13 <(echo "$expected") <(echo "$list" | sort -u))
  if [ -n "$missing$extra" ]; then
    failed=1
    echo "FAIL: $where: missing [$(echo $missing)] extra [$(echo $extra)]"
  else
    echo "ok: $where"
  fi
}
check "scripts/lib/common.sh JWKS_RESPONDER_VARS" \
  "$(sed -n '/^JWKS_RESPONDER_VARS=(/,/)/p' "$src/scripts/lib/common.sh" | grep -o '\b\(NOT_MY_KEY\(_FILE\)\?\|JWKS_[A-Z0-9_]*\)\b' | grep -v '^JWKS_RESPONDER_VARS$')"
check "lighttpd bin-copy-environment" \
  "$(sed -n '/bin-copy-environment/,/)/p' "$src/lighttpd/jwks-fcgi.conf" | grep -o '"\(NOT_MY_KEY\(_FILE\)\?\|JWKS_[A-Z0-9_]*\)"' | tr -d '"')"
check "lighttpd CGI setenv.add-environment" \
  "$( { echo NOT_MY_KEY; sed -n '/setenv.add-environment/,/)/p' "$src/lighttpd/jwks-cgi.conf" | grep -o '"\(NOT_MY_KEY\(_FILE\)\?\|JWKS_[A-Z0-9_]*\)"' | tr -d '"'; } )"
check "apache FcgidInitialEnv" "$(grep -o '^FcgidInitialEnv [A-Z0-9_]*' "$src/apache/jwks-fcgi.conf" | cut -d' ' -f2)"
check "docs/configuration.md table" "$(grep -o '^| `\(NOT_MY_KEY\(_FILE\)\?\|JWKS_[A-Z0-9_]*\)`' "$src/docs/configuration.md" | tr -d '|` ')" "$read_vars"
check "the package's environment file" "$(grep -o '^#\(JWKS_[A-Z0-9_]*\)=' "$src/deploy/jwks-fcgi.env" | tr -d '=#'; echo NOT_MY_KEY; echo NOT_MY_KEY_FILE)" "$read_vars"
check "docs/deployment.md env file" "$(sed -n '/cat > \/etc\/jwks-fcgi\/env <<EOF/,/^EOF/p' "$src/docs/deployment.md" | grep -o '^#\? \?\(NOT_MY_KEY\(_FILE\)\?\|JWKS_[A-Z0-9_]*\)=' | tr -d '=# ')"
exit $failed
