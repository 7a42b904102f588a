#!/usr/bin/env bash
# usage: install.sh SOURCE_DIR TARGET_DIR
# Installs the verifiers' npm packages (package-lock.json: jose, pinned) into
# TARGET_DIR, a build-tree copy of SOURCE_DIR, with `npm ci`; skipped when
# the lock file has not changed since the last install there.
set -euo pipefail
src=$1 dst=$2
command -v node >/dev/null && command -v npm >/dev/null ||
  { echo "node and npm are needed: scripts/test installs them (nodejs, npm)" >&2; exit 1; }
mkdir -p "$dst"
cp "$src/package.json" "$src/package-lock.json" "$src/jose_verify.mjs" "$dst/"
if [ -d "$dst/node_modules/jose" ] && cmp -s "$dst/package-lock.json" "$dst/node_modules/.installed-lock"; then
  echo "jose already installed in $dst"
  exit 0
fi
(cd "$dst" && npm ci --no-audit --no-fund)
cp "$dst/package-lock.json" "$dst/node_modules/.installed-lock"
