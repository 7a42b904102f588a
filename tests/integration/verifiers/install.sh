#!/usr/bin/env bash
# usage: install.sh SOURCE_DIR TARGET_DIR
# Installs the verifiers' npm packages (package-lock.json: jose, pinned) into
# TARGET_DIR, a build-tree copy of SOURCE_DIR, with `npm ci` (from the npm
# registry); skipped when neither the lock file nor Node.js changed since the
# last install there.
set -euo pipefail
src=$1 dst=$2
command -v node >/dev/null && command -v npm >/dev/null ||
  { echo "node and npm are needed: scripts/test installs them (nodejs, npm)" >&2; exit 1; }
mkdir -p "$dst"
cp "$src/package.json" "$src/package-lock.json" "$src/jose_verify.mjs" "$dst/"
stamp() { node --version; cat "$dst/package-lock.json"; }
if [ -d "$dst/node_modules/jose" ] && cmp -s <(stamp) "$dst/node_modules/.installed"; then
  echo "jose already installed in $dst for Node.js $(node --version)"
  exit 0
fi
(cd "$dst" && npm ci --no-audit --no-fund) ||
  { echo "npm ci failed in $dst: the jose check needs the npm registry (registry.npmjs.org)" >&2; exit 1; }
stamp > "$dst/node_modules/.installed"
