#!/usr/bin/env bash
# usage: with-lighttpd.sh JWKS_FCGI_BINARY -- COMMAND [ARGS...]
#
# Starts the real lighttpd with the real responder on an ephemeral port of
# 127.0.0.1, with a fresh database and a random NOT_MY_KEY, runs COMMAND with
# JWKS_BASE_URL, JWKS_DB and JWKS_STATE_DIR exported, then stops lighttpd (and
# with it the responders it spawned). Exits with COMMAND's status.
set -euo pipefail
source "$(dirname "$0")/../../scripts/lib/common.sh"

bin=$1; shift
[ "${1:-}" = "--" ] && shift

state=$(mktemp -d "${TMPDIR:-/tmp}/jwks-lighttpd.XXXXXX")
export NOT_MY_KEY=${JWKS_TEST_MASTER_KEY:-$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')}
export JWKS_DB=$state/test.db
pid=

stop() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
}
dump_logs() {
  for f in "$state"/error.log "$state"/lighttpd.out; do
    [ -s "$f" ] && { echo "---- $f" >&2; tail -n 50 "$f" >&2; }
  done
  return 0
}
trap 'stop; rm -rf "$state"' EXIT

# The kernel picks a free port; another process could take it before lighttpd
# binds, so a failed start is retried with a new port (three tries).
for attempt in 1 2 3; do
  port=$(jwks_free_port)
  jwks_lighttpd_conf "$state" "$port" "$bin" 2 "$state/error.log"
  "$(jwks_lighttpd_bin)" -D -f "$state/lighttpd.conf" > "$state/lighttpd.out" 2>&1 &
  pid=$!
  ready=0
  for _ in $(seq 1 100); do   # bounded: at most ~10 s for lighttpd to listen
    if curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$port/"; then ready=1; break; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  [ $ready -eq 1 ] && break
  echo "lighttpd did not start (attempt $attempt)" >&2
  dump_logs
  stop
  pid=
done
[ $ready -eq 1 ] || exit 1

export JWKS_BASE_URL=http://127.0.0.1:$port JWKS_STATE_DIR=$state
set +e
"$@"
rc=$?
set -e
[ $rc -eq 0 ] || dump_logs
exit $rc
