#!/usr/bin/env bash
# usage: fcgi_check.sh SOURCE_DIR   (JWKS_FCGI_BIN, JWKS_DB and NOT_MY_KEY set)
# scripts/fcgi-check as documented: the key set answers 200 with a JWKS and
# the command exits 0; an unknown path answers the JSON 404 and it exits 1;
# the responder's standard error holds no sanitizer report.
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

source "$1/scripts/lib/common.sh"
check "no sanitizer report from the responder" bash -c "! grep -qE '$JWKS_SANITIZER_RE' '$dir/set.err' '$dir/missing.err'"
[ "$failed" -eq 0 ] || cat "$dir"/*.err
echo "fcgi-check: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
