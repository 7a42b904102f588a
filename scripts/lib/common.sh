# Shared by scripts/serve, scripts/test and the integration harness.
# Source it; it defines functions only.

JWKS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# What building and serving needs on Debian 12.
JWKS_BUILD_PACKAGES=(g++ cmake make pkg-config libfcgi-dev libfcgi-bin libssl-dev libsqlite3-dev nlohmann-json3-dev
                     libargon2-dev libicu-dev lighttpd apache2 libapache2-mod-fcgid spawn-fcgi curl)
# What the tests need on top.
JWKS_TEST_PACKAGES=(libboost-test-dev libcurl4-openssl-dev python3 python3-jwt python3-cryptography sqlite3)
# What scripts/fuzz needs on top of building: clang, and libFuzzer with the
# sanitizer runtimes, which clang-14 only recommends (libclang-rt-14-dev).
JWKS_FUZZ_PACKAGES=(clang libclang-rt-14-dev)

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

# Configures and builds into $1 (default build/). Further arguments: -D...
# options for the configure step, then optionally --target NAMES... to build
# only those.
jwks_build() {
  local dir=${1:-$JWKS_ROOT/build}; shift || true
  local configure=() build=()
  while [ $# -gt 0 ] && [ "$1" != "--target" ]; do configure+=("$1"); shift; done
  build=("$@")
  jwks_log "building in $dir"
  cmake -S "$JWKS_ROOT" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "${configure[@]}" >&2
  cmake --build "$dir" -j "$(nproc)" "${build[@]}" >&2
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
jwks_apache_bin() { command -v apache2 2>/dev/null || echo /usr/sbin/apache2; }

# Every variable the responder reads; the fronts pass exactly these.
JWKS_RESPONDER_VARS=(NOT_MY_KEY NOT_MY_KEY_FILE JWKS_DB JWKS_AUTH_MODE JWKS_ALLOW_EXPIRED JWKS_RATE_LIMIT
                     JWKS_REGISTER_RATE_LIMIT JWKS_REGISTER_CONCURRENCY JWKS_TRUSTED_PROXIES JWKS_IPV6_PREFIX
                     JWKS_SIGNING_PERIOD JWKS_PUBLISH_LEAD JWKS_TOKEN_LIFETIME JWKS_KEY_RETENTION
                     JWKS_MAX_BODY JWKS_BUSY_TIMEOUT_MS
                     JWKS_ISSUER JWKS_AUDIENCE JWKS_ALG JWKS_EXPORT_FILE)

# Run as root, Apache and spawn-fcgi run the responders as www-data, which
# must write the database's directory: hand it the state directory and the
# database's directory when they are ours to give (fresh ones), or say why not.
jwks_give_to_www_data() {
  [ "$(id -u)" -eq 0 ] || return 0
  local dir
  for dir in "$@"; do
    chown www-data:www-data "$dir"
    chmod 0750 "$dir"
  done
}

# Args: the database directory, the responder binary.
jwks_check_www_data_can_write() {
  [ "$(id -u)" -eq 0 ] || return 0
  local dir=$1 bin=$2
  if ! setpriv --reuid=www-data --regid=www-data --clear-groups test -w "$dir" 2>/dev/null ||
     ! setpriv --reuid=www-data --regid=www-data --clear-groups test -x "$bin" 2>/dev/null; then
    echo "As root, this front runs the responders as www-data, which cannot write $dir" >&2
    echo "or cannot run $bin. Put JWKS_DB in a directory www-data owns, for example:" >&2
    echo "  install -d -o www-data -g www-data -m 0750 /var/lib/jwks-fcgi" >&2
    echo "  export JWKS_DB=/var/lib/jwks-fcgi/keys.db" >&2
    return 1
  fi
}

# Prepares front $1 in state directory $2 (port $3, responder binary $4,
# $5 processes, error log $6 or "" for stderr) and sets JWKS_FRONT_CMD to the
# command that runs it in the foreground. For spawn-fcgi it also starts the
# responders (their pids in $2/responders.pid) before returning.
jwks_prepare_front() {
  local front=$1 state=$2 port=$3 bin=$4 procs=$5 errorlog=${6:-} v
  mkdir -p "$state/htdocs"
  case $front in
    lighttpd)
      jwks_lighttpd_conf "$state" "$port" "$bin" "$procs" "$errorlog" jwks-fcgi.conf
      JWKS_FRONT_CMD=("$(jwks_lighttpd_bin)" -D -f "$state/lighttpd.conf")
      ;;
    lighttpd-static)
      # The responders keep the exported set in the docroot; lighttpd serves it.
      mkdir -p "$state/htdocs/.well-known"
      export JWKS_EXPORT_FILE=$state/htdocs/.well-known/jwks.json
      jwks_lighttpd_conf "$state" "$port" "$bin" "$procs" "$errorlog" jwks-fcgi-static.conf
      JWKS_FRONT_CMD=("$(jwks_lighttpd_bin)" -D -f "$state/lighttpd.conf")
      ;;
    apache)
      mkdir -p "$state/fcgid"
      jwks_give_to_www_data "$state/fcgid"   # mod_fcgid binds its sockets there as www-data
      for v in "${JWKS_RESPONDER_VARS[@]}"; do export "$v=${!v-}"; done  # empty means default
      jwks_apache_cmd "$state" "$port" "$bin" "$errorlog" jwks-fcgi.conf
      ;;
    spawn-fcgi|apache-proxy-fcgi)
      local user=()
      [ "$(id -u)" -eq 0 ] && user=(-u www-data -g www-data -M 0660)
      # -F: that many responders share one unix socket; spawn-fcgi exits once they run.
      spawn-fcgi -s "$state/jwks-fcgi.sock" -F "$procs" -P "$state/responders.pid" "${user[@]}" -- "$bin" >&2
      if [ "$front" = spawn-fcgi ]; then
        jwks_lighttpd_conf "$state" "$port" "" 0 "$errorlog" jwks-fcgi-socket.conf "$state/jwks-fcgi.sock"
        JWKS_FRONT_CMD=("$(jwks_lighttpd_bin)" -D -f "$state/lighttpd.conf")
      else
        mkdir -p "$state/fcgid"
        jwks_apache_cmd "$state" "$port" "$bin" "$errorlog" jwks-proxy-fcgi.conf
        JWKS_FRONT_CMD+=(-C "Define JWKS_SOCKET $state/jwks-fcgi.sock")
      fi
      ;;
    *)
      echo "unknown front '$front': use lighttpd, lighttpd-static, apache, spawn-fcgi or apache-proxy-fcgi" >&2
      return 64
      ;;
  esac
}

# Sets JWKS_FRONT_CMD to apache/standalone.conf in the foreground. Args:
# state dir, port, responder binary, error log, site configuration.
jwks_apache_cmd() {
  JWKS_FRONT_CMD=("$(jwks_apache_bin)" -f "$JWKS_ROOT/apache/standalone.conf" -DFOREGROUND
    -C "Define JWKS_STATE $1" -C "Define JWKS_PORT $2" -C "Define JWKS_FCGI_BIN $3"
    -C "Define JWKS_CONF_DIR $JWKS_ROOT/apache" -C "Define JWKS_ERRORLOG ${4:-/dev/stderr}"
    -C "Define JWKS_SITE $5")
}

# Stops responders that spawn-fcgi started for state directory $1.
jwks_stop_spawned() {
  local pidfile=$1/responders.pid pid
  [ -f "$pidfile" ] || return 0
  while read -r pid || [ -n "$pid" ]; do
    [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null || true
  done < "$pidfile"
  rm -f "$pidfile"
}

# Writes $1/lighttpd.conf: one of the repository's lighttpd configurations
# with its variables set. Args: state dir, port, responder binary, process
# count, error log ("" for stderr), configuration file, socket (spawn-fcgi).
jwks_lighttpd_conf() {
  local state=$1 port=$2 bin=$3 procs=$4 errorlog=${5:-} conf=${6:-jwks-fcgi.conf} socket=${7:-}
  mkdir -p "$state/htdocs"
  {
    echo "var.jwks_port  = $port"
    echo "var.jwks_bin   = \"$bin\""
    echo "var.jwks_state = \"$state\""
    echo "var.jwks_procs = $procs"
    echo "var.jwks_max_age = \"${JWKS_STATIC_MAX_AGE:-300}\""
    echo "var.jwks_socket = \"$socket\""
    echo "var.jwks_conf_dir = \"$JWKS_ROOT/lighttpd\""
    [ -n "$errorlog" ] && echo "server.errorlog = \"$errorlog\""
    echo "include \"$JWKS_ROOT/lighttpd/$conf\""
  } > "$state/lighttpd.conf"
}
