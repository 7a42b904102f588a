#!/usr/bin/env bash
# usage: multihost.sh FRONT JWKS_FCGI_BINARY -- COMMAND [ARGS...]
#
# Two hosts on one PostgreSQL store, as behind a load balancer: starts a
# throwaway PostgreSQL server of its own (tests/support/pg-server, so that a
# test may stop it), then two fronts with their own responders on two ports
# (with-front.sh, each with its own state directory), both with JWKS_DB naming
# the one database, the same NOT_MY_KEY and the same JWKS_ISSUER. Runs COMMAND
# with JWKS_HOST_A and JWKS_HOST_B (the hosts' base URLs), JWKS_DB,
# JWKS_ISSUER, JWKS_CTL and JWKS_PG_SERVER and JWKS_PG_STATE (pg-server halt /
# resume "$JWKS_PG_STATE" stops and restarts the database) exported.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
front=$1 bin=$2; shift 2
[ "${1:-}" = "--" ] && shift

work=$(mktemp -d "${TMPDIR:-/tmp}/jwks-multihost.XXXXXX")
export JWKS_PG_SERVER=$here/../support/pg-server JWKS_PG_STATE=$work/pg
trap '"$JWKS_PG_SERVER" stop "$JWKS_PG_STATE"; rm -rf "$work"' EXIT
"$JWKS_PG_SERVER" start "$JWKS_PG_STATE" > /dev/null
JWKS_TEST_DB=$(cat "$JWKS_PG_STATE.uri")
JWKS_TEST_MASTER_KEY=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
export JWKS_TEST_DB JWKS_TEST_MASTER_KEY
export JWKS_ISSUER=${JWKS_ISSUER:-https://auth.example.test}
# Host A's front runs host B's, which runs COMMAND.
"$here/with-front.sh" "$front" "$bin" -- \
  bash -c 'export JWKS_HOST_A=$JWKS_BASE_URL; exec "$@"' multihost \
  "$here/with-front.sh" "$front" "$bin" -- \
  bash -c 'export JWKS_HOST_B=$JWKS_BASE_URL JWKS_DB=$JWKS_TEST_DB; exec "$@"' multihost "$@"
