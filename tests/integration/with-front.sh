#!/usr/bin/env bash
# usage: with-front.sh FRONT JWKS_FCGI_BINARY -- COMMAND [ARGS...]
#   FRONT: lighttpd | lighttpd-static | apache | spawn-fcgi | apache-proxy-fcgi | cgi
#
# Starts the real front with the real responder (two processes) on an
# ephemeral port of 127.0.0.1, with a fresh database and a random NOT_MY_KEY,
# prepared as scripts/serve prepares them (the same functions: a copy of the
# binary in the state directory, the master secret in a file, "jwksctl init"
# as the responders' user, www-data when root), runs COMMAND with
# JWKS_BASE_URL, JWKS_DB, JWKS_FCGI_BIN and JWKS_CTL (copies in the state
# directory, which the responders' user may run), JWKS_STATE_DIR and
# NOT_MY_KEY exported, then stops the front and any responders it left.
# Exits with COMMAND's status, or 1 when the responders' own health fails
# (a sanitizer report in their logs, a responder that ended unkilled, one that
# outlives the front: see below) or a secret is in a log.
set -euo pipefail
source "$(dirname "$0")/../../scripts/lib/common.sh"

front=$1 bin=$2; shift 2
[ "${1:-}" = "--" ] && shift
# jwksctl from the responder's build tree (a baseline responder of bench/
# lives one level down).
ctl=${JWKS_CTL:-$(dirname "$bin")/jwksctl}
[ -x "$ctl" ] || ctl=$(dirname "$(dirname "$bin")")/jwksctl

state=$(mktemp -d "${TMPDIR:-/tmp}/jwks-$front.XXXXXX")
chmod 0755 "$state"
mkdir -p "$state/db"
# JWKS_TEST_DB_FS_SIZE (e.g. 2m): the database lives on a filesystem that
# small (tmpfs, needs mount rights), so a test can fill it up.
db_fs=
if [ -n "${JWKS_TEST_DB_FS_SIZE:-}" ]; then
  mount -t tmpfs -o "size=$JWKS_TEST_DB_FS_SIZE" jwks-test "$state/db" ||
    { echo "cannot mount a $JWKS_TEST_DB_FS_SIZE filesystem for the database: this test needs root with mount rights" >&2; exit 1; }
  db_fs=$state/db
fi
jwks_give_to_www_data "$state/db"
# The tests get the secret (to look for it where it must not be); the fronts
# get it only as NOT_MY_KEY_FILE, as scripts/serve gives it.
master_key=${JWKS_TEST_MASTER_KEY:-$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')}
export NOT_MY_KEY=$master_key
unset NOT_MY_KEY_FILE
jwks_master_key_file "$state/not_my_key"
bin=$(jwks_install_responder "$bin" "$state")
export JWKS_FCGI_BIN=$bin
# A jwksctl the responders' user may run too (fault_check.sh runs it as them).
install -m 0755 "$ctl" "$state/jwksctl"
export JWKS_CTL=$state/jwksctl
# Not the default, so the tests see that settings reach the responders through each front.
export JWKS_PUBLISH_LEAD=${JWKS_PUBLISH_LEAD:-20m}
# JWKS_TEST_DB (a postgresql:// URI): the store is that database, which
# another front may share (multihost.sh), instead of a fresh SQLite file.
# JWKS_TEST_PG_URI_FILE (the CTest fixture's server): a fresh database there,
# dropped afterwards.
pg_fresh=
if [ -z "${JWKS_TEST_DB:-}" ] && [ -n "${JWKS_TEST_PG_URI_FILE:-}" ]; then
  pg_base=$(cat "$JWKS_TEST_PG_URI_FILE")
  pg_fresh=jwks_$(od -An -tx1 -N6 /dev/urandom | tr -d ' \n')
  psql -X -q -v ON_ERROR_STOP=1 "$pg_base" -c "CREATE DATABASE $pg_fresh" >&2
  JWKS_TEST_DB=${pg_base/\/jwks\?/\/$pg_fresh\?}
  [ "$JWKS_TEST_DB" != "$pg_base" ] || { echo "the test server's URI names no /jwks? database: $pg_base" >&2; exit 1; }
fi
jwks_prepare_store "${JWKS_TEST_DB:-$state/db/test.db}" "$ctl" > /dev/null
umask 027
pid=

stop() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  jwks_stop_spawned "$state"
}
dump_logs() {
  for f in "$state"/error.log "$state"/front.out "$state"/responders.log; do
    [ -s "$f" ] && { echo "---- $f" >&2; tail -n 50 "$f" >&2; }
  done
  return 0
}
drop_fresh() {
  [ -n "$pg_fresh" ] && psql -X -q "$pg_base" -c "DROP DATABASE IF EXISTS $pg_fresh WITH (FORCE)" >&2 || true
}
trap 'stop; [ -n "$db_fs" ] && umount "$db_fs"; drop_fresh; rm -rf "$state"' EXIT

# The kernel picks a free port; another process could take it before the
# front binds, so a failed start is retried with a new port (three tries).
for attempt in 1 2 3; do
  port=$(jwks_free_port)
  jwks_prepare_front "$front" "$state" "$port" "$bin" "${JWKS_PROCS:-2}" "$state/error.log"
  "${JWKS_FRONT_CMD[@]}" > "$state/front.out" 2>&1 &
  pid=$!
  ready=0
  for _ in $(seq 1 100); do   # bounded: at most ~10 s for the front to listen
    if curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$port/"; then ready=1; break; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  [ $ready -eq 1 ] && break
  echo "$front did not start (attempt $attempt)" >&2
  dump_logs
  stop
  pid=
done
[ $ready -eq 1 ] || exit 1

export JWKS_BASE_URL=http://127.0.0.1:$port JWKS_STATE_DIR=$state JWKS_FRONT=$front
set +e
env -u NOT_MY_KEY_FILE NOT_MY_KEY="$master_key" "$@"
rc=$?
command_rc=$rc
set -e
[ $rc -eq 0 ] || dump_logs

# The responders' own health, whatever COMMAND saw: a responder that crashed
# after answering, or aborted on a sanitizer finding, is replaced by the front
# without a word to the client. Every front hands the responders' standard
# error to a log here (lighttpd's standard error or error log, Apache's error
# log, responders.log behind spawn-fcgi); a test that kills responders on
# purpose appends their pids to $JWKS_STATE_DIR/killed.
responder_pids() {   # every process running the state directory's copy of the responder
  local p exe
  for p in /proc/[0-9]*; do
    exe=$(readlink "$p/exe" 2>/dev/null) || continue
    case $exe in "$bin"|"$state/www/htdocs/jwks.cgi") echo "${p#/proc/}" ;; esac
  done
}
killed() { local n=0; [ -f "$state/killed" ] && n=$(grep -c . "$state/killed" || true); echo "$n"; }
fail_health() { echo "FAIL: $*" >&2; rc=1; }
case $front in
  lighttpd|lighttpd-static)
    # gw_backend.c logs each child it reaps: "child signalled: N", "child
    # exited: N"; what a test kills dies of SIGKILL.
    ended=$(grep -hE 'child (signalled|exited): ' "$state/error.log" "$state/front.out" 2>/dev/null || true)
    if [ -n "$ended" ]; then
      if grep -qv 'child signalled: 9$' <<<"$ended" || [ "$(grep -c . <<<"$ended")" -gt "$(killed)" ]; then
        fail_health "responders ended during the run ($(killed) killed by the test); lighttpd reports:"
        sed 's/^/  /' <<<"$ended" >&2
      fi
    fi ;;
  spawn-fcgi|apache-proxy-fcgi)
    # Nothing restarts these: each must still run, unless the test killed it.
    while read -r p || [ -n "$p" ]; do
      jwks_running "$p" || grep -qx "$p" "$state/killed" 2>/dev/null || fail_health "responder $p ended during the run"
    done < "$state/responders.pid" ;;
  cgi)
    # A process per request, reaped by mod_cgi: "CGI pid N died with signal
    # S" (SIGTERM is lighttpd's own, for a client that went away).
    ended=$(grep -hE 'CGI pid [0-9]+ died with signal' "$state/error.log" "$state/front.out" 2>/dev/null |
            grep -v 'with signal 15$' || true)
    [ -z "$ended" ] || { fail_health "CGI runs of the responder died:"; sed 's/^/  /' <<<"$ended" >&2; } ;;
esac
pids=$(responder_pids)
stop
# Leave time for the responders to leave their loop on SIGTERM and for
# LeakSanitizer to report at exit (bounded: 15 s); stop what is left.
left=$(jwks_wait_gone $pids)
if [ -n "$left" ]; then
  fail_health "responders$left still run 15 s after the front stopped"
  kill -KILL $left 2>/dev/null || true
fi
if [ "$front" = apache ]; then
  # mod_fcgid logs every process it reaps, at shutdown too: a signal other
  # than a stop, a non-zero exit, or a death for a broken connection or a hang.
  while read -r line; do
    p=$(sed -n 's/.*mod_fcgid: process .*(\([0-9]*\)) exit(.*/\1/p' <<<"$line")
    grep -qx "$p" "$state/killed" 2>/dev/null && continue
    fail_health "mod_fcgid: $line"
  done < <(grep -hE 'mod_fcgid: process .* exit\(|still did not exit' "$state/error.log" 2>/dev/null |
           grep -vE 'exit\((normal exit|idle timeout|lifetime expired|shutting down)\), (get stop signal (15|1)|terminated by calling exit\(\), return code: 0)$' || true)
fi
# Sanitizer reports, from the run or at exit (LeakSanitizer).
for f in "$state"/*.log "$state"/front.out "$state"/www/*.log; do
  [ -f "$f" ] && [ "$(basename "$f")" != access.log ] || continue
  if grep -qE -- "$JWKS_SANITIZER_RE" "$f"; then
    fail_health "a sanitizer report in $f:"
    grep -E -A12 -- "$JWKS_SANITIZER_RE" "$f" | head -n 40 | sed 's/^/  /' >&2
  fi
done
[ $rc -eq 0 ] || [ $command_rc -ne 0 ] || dump_logs
# No secret in any log: neither NOT_MY_KEY nor a generated password (a UUIDv4;
# nothing else the server logs has that shape), not even in the access log.
uuid='[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}'
for f in "$state"/error.log "$state"/front.out "$state"/access.log "$state"/www/access.log "$state"/responders.log; do
  [ -f "$f" ] || continue
  if grep -qF -- "$master_key" "$f" || grep -qiE -- "$uuid" "$f"; then
    echo "FAIL: a secret (NOT_MY_KEY or a generated password) is in $f:" >&2
    grep -iE -e "$uuid" -e "$master_key" "$f" | head -3 | sed 's/^/  /' >&2
    rc=1
  fi
done
exit $rc
