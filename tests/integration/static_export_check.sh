#!/usr/bin/env bash
# usage: with-front.sh lighttpd-static JWKS_FCGI -- static_export_check.sh JWKSCTL
# The static key set: lighttpd serves JWKS_EXPORT_FILE itself, and both the
# responders and jwksctl keep it equal to the key set whenever it changes.
set -uo pipefail
ctl=$1
url=$JWKS_BASE_URL
file=$JWKS_EXPORT_FILE
dir=$(mktemp -d "${TMPDIR:-/tmp}/jwks-static.XXXXXX")
trap 'rm -rf "$dir"' EXIT
passed=0 failed=0
ok() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }
check() { local what=$1; shift; if "$@"; then ok; else fail "$what"; fi; }
# get PATH [curl args]: headers in $dir/h, body in $dir/b, status echoed.
get() { local p=$1; shift; curl -s -D "$dir/h" -o "$dir/b" -w '%{http_code}' "$@" "$url$p"; }
header() { awk -v n="$1" -F': ' 'tolower($1) == tolower(n) {sub(/\r$/, "", $2); print $2}' "$dir/h"; }
kids() { /usr/bin/python3 -c 'import json,sys; print(" ".join(sorted(k["kid"] for k in json.load(open(sys.argv[1]))["keys"])))' "$1"; }

# Any request that reads the keys writes the file (here the readiness probe).
check "readyz answers" test "$(get /readyz)" = 200
check "the export file exists after a request" test -s "$file"
check "the export file is world-readable, not writable" test "$(stat -c %a "$file")" = 644
check "no temporary file is left" test -z "$(find "$(dirname "$file")" -name '*.tmp.*')"

check "the static set answers 200" test "$(get /.well-known/jwks.json)" = 200
check "it is JSON" test "$(header Content-Type)" = application/json
check "its cache lifetime is the configured one" test "$(header Cache-Control)" = "public, max-age=300, stale-if-error=86400"
"$ctl" export-jwks > "$dir/dynamic.json"
check "it is the key set jwksctl exports" test "$(kids "$dir/b")" = "$(kids "$dir/dynamic.json")"
first=$(kids "$dir/b")
etag=$(header ETag)
check "lighttpd gives it an ETag" test -n "$etag"
check "a matching If-None-Match gets 304" test "$(get /.well-known/jwks.json -H "If-None-Match: $etag")" = 304
check "other paths still reach the responders" test "$(get /no-such-path)" = 404
check "the 404 is the responders' JSON" grep -q '"error"' "$dir/b"

# jwksctl rotate --now publishes a key: the file follows at once.
"$ctl" rotate --now > "$dir/rotate.out" 2>&1
check "rotate --now says it exported" grep -q "exported the key set to $file" "$dir/rotate.out"
check "the static set holds the new key" test "$(get /.well-known/jwks.json)" = 200
second=$(kids "$dir/b")
check "two keys are published after rotate --now" test "$(echo "$second" | wc -w)" = 2
check "the old ETag no longer matches" test "$(get /.well-known/jwks.json -H "If-None-Match: $etag")" = 200

# A key leaving the set without jwksctl (its time ran out): the next request
# of any kind to the responders rewrites the file.
read -r pending pending_kid < <("$ctl" list | awk '$4 == "published" {print $1, $2}')
sqlite3 "$JWKS_DB" "UPDATE keys SET exp = strftime('%s','now') - 1 WHERE kid = $pending"
check "the stale file still lists the key" grep -q -- "$pending_kid" "$file"
check "a token request answers" test "$(get /auth -X POST -d '')" = 200
check "the file dropped the expired key" test -z "$(grep -- "$pending_kid" "$file")"
"$ctl" export-jwks > "$dir/dynamic.json"
check "the file is the key set again" test "$(kids "$file")" = "$(kids "$dir/dynamic.json")"

echo "static export: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
