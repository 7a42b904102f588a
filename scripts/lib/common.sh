# Shared by scripts/serve, scripts/test and the integration harness.
# Source it; it defines functions only.

JWKS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# What building and serving needs on Debian 12.
JWKS_BUILD_PACKAGES=(g++ cmake make pkg-config libfcgi-dev libssl-dev libsqlite3-dev nlohmann-json3-dev libargon2-dev lighttpd curl)
# What the tests need on top.
JWKS_TEST_PACKAGES=(libboost-test-dev libcurl4-openssl-dev python3 python3-jwt python3-cryptography sqlite3)

jwks_log() { printf '==> %s\n' "$*" >&2; }

# Installs the missing packages among "$@": with apt-get when root, otherwise
# prints the one command that would install them and fails.
jwks_require_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -eq 0 ]; then
    jwks_log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >&2
    apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
  else
    echo "Missing packages. Install them with:" >&2
    echo "  sudo apt-get install -y ${missing[*]}" >&2
    return 1
  fi
}

# Configures and builds into $1 (default build/) with any extra CMake flags.
jwks_build() {
  local dir=${1:-$JWKS_ROOT/build}; shift || true
  jwks_log "building in $dir"
  cmake -S "$JWKS_ROOT" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >&2
  cmake --build "$dir" -j "$(nproc)" >&2
}

# Exports NOT_MY_KEY. A value already in the environment wins; otherwise a
# random one is created once in .secrets/not_my_key (mode 0600, ignored by
# git) and reused, so a new user needs no set-up. The binaries never invent one.
jwks_master_key() {
  [ -n "${NOT_MY_KEY:-}" ] && { export NOT_MY_KEY; return 0; }
  local file=$JWKS_ROOT/.secrets/not_my_key
  if [ ! -s "$file" ]; then
    (umask 077 && mkdir -p "$JWKS_ROOT/.secrets" && od -An -tx1 -N32 /dev/urandom | tr -d ' \n' > "$file")
    jwks_log "created a random NOT_MY_KEY in $file"
  fi
  NOT_MY_KEY=$(cat "$file")
  export NOT_MY_KEY
}

# Prints a free TCP port on 127.0.0.1 (the kernel's choice of ephemeral port).
jwks_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

jwks_lighttpd_bin() { command -v lighttpd 2>/dev/null || echo /usr/sbin/lighttpd; }

# Writes $1/lighttpd.conf: the repository's lighttpd/jwks-fcgi.conf with its
# variables set. Args: state dir, port, responder binary, process count,
# error log ("" for stderr).
jwks_lighttpd_conf() {
  local state=$1 port=$2 bin=$3 procs=$4 errorlog=${5:-}
  mkdir -p "$state/htdocs"
  {
    echo "var.jwks_port  = $port"
    echo "var.jwks_bin   = \"$bin\""
    echo "var.jwks_state = \"$state\""
    echo "var.jwks_procs = $procs"
    [ -n "$errorlog" ] && echo "server.errorlog = \"$errorlog\""
    echo "include \"$JWKS_ROOT/lighttpd/jwks-fcgi.conf\""
  } > "$state/lighttpd.conf"
}
