# Shared by scripts/serve, scripts/test and the integration harness.
# Source it; it defines functions only.

JWKS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# What building and serving needs on Debian 12.
JWKS_BUILD_PACKAGES=(g++ cmake make pkg-config libfcgi-dev libfcgi-bin libssl-dev libsqlite3-dev nlohmann-json3-dev
                     libargon2-dev libicu-dev libpq-dev lighttpd apache2 libapache2-mod-fcgid spawn-fcgi curl)
# What the tests need on top.
JWKS_TEST_PACKAGES=(libboost-test-dev libcurl4-openssl-dev python3 python3-jwt python3-cryptography sqlite3 postgresql jq)
# What scripts/fuzz needs on top of building: clang, and libFuzzer with the
# sanitizer runtimes, which clang-14 only recommends (libclang-rt-14-dev).
JWKS_FUZZ_PACKAGES=(clang libclang-rt-14-dev)
# What scripts/package needs on top of building: Debian's packaging tools.
JWKS_PACKAGE_PACKAGES=(dpkg-dev debhelper lintian)

jwks_log() { printf '==> %s\n' "$*" >&2; }

# What a sanitizer report starts with (ASan, LeakSanitizer, UBSan), for grep -E.
JWKS_SANITIZER_RE='==[0-9]+==(ERROR|WARNING): [A-Za-z]+Sanitizer|runtime error:|Sanitizer has encountered a fatal error'

# True while process $1 runs: it is there and not a zombie (in a container
# nobody may reap one). "t", tracing stop, counts as running: LeakSanitizer
# stops the process's threads while it scans at exit.
jwks_running() {
  local st
  st=$(sed -n 's/^State:[[:space:]]*\([A-Za-z]\).*/\1/p' "/proc/$1/status" 2>/dev/null) || return 1
  [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# Waits until none of the processes "$@" runs, at most $JWKS_WAIT_SECONDS
# (default 15); prints those still running.
jwks_wait_gone() {
  local pids="$*" alive p i
  for ((i = 0; i < ${JWKS_WAIT_SECONDS:-15} * 10; i++)); do
    alive=
    for p in $pids; do jwks_running "$p" && alive="$alive $p"; done
    pids=$alive
    [ -z "$pids" ] && return 0
    sleep 0.1
  done
  echo "$pids"
}

# spawn-fcgi with the responders' standard error appended to a log (it would
# point it at /dev/null). Args: log file, then spawn-fcgi's arguments up to
# and including "--", then the responder binary.
jwks_spawn_logged() {
  local log=$1; shift
  local args=()
  while [ "$1" != "--" ]; do args+=("$1"); shift; done
  shift
  spawn-fcgi "${args[@]}" -- /bin/sh -c 'exec "$0" 2>>"$1"' "$1" "$log"
}

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

# Node.js and npm, for the verifier test kit's jose check: the machine's own
# when it has them (a NodeSource nodejs carries npm and conflicts with
# Debian's npm package), Debian's otherwise.
jwks_require_node() {
  command -v node >/dev/null && command -v npm >/dev/null && return 0
  jwks_require_packages nodejs npm
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
                     JWKS_ISSUER JWKS_AUDIENCE JWKS_ALG JWKS_EXPORT_FILE JWKS_TEST_CASES)

# Run as root, every front runs its processes and the responders as
# www-data, as Debian's web servers do; otherwise everything runs as the
# caller. jwks_as_responder runs "$@" as that user.
jwks_as_responder() {
  if [ "$(id -u)" -eq 0 ]; then setpriv --reuid=www-data --regid=www-data --clear-groups "$@"; else "$@"; fi
}

# Creates the directories of state directory $1 that the front's processes
# write (the responders' user's when root): $1/www, lighttpd's var.jwks_state
# (sockets, its logs, htdocs/, htdocs/.well-known/), and $1/www/fcgid for
# mod_fcgid's sockets. $1 itself stays root's: the configuration, the binaries,
# the master secret and the pid files live there, out of www-data's reach. The
# directories are made by root and given away deepest first, so no planted
# link is ever followed.
jwks_state_dirs() {
  local state=$1
  mkdir -p "$state/www/htdocs/.well-known" "$state/www/fcgid"
  chmod 0755 "$state/www/htdocs" "$state/www/htdocs/.well-known"
  chmod 0750 "$state/www" "$state/www/fcgid"
  [ "$(id -u)" -eq 0 ] || return 0
  find "$state/www" -depth -exec chown -h www-data:www-data {} +
}

# Gives directories root has just made, in a directory of root's, to the
# responders' user (when root).
jwks_give_to_www_data() {
  [ "$(id -u)" -eq 0 ] || return 0
  local dir
  for dir in "$@"; do
    chown -h www-data:www-data "$dir"
    chmod 0750 "$dir"
  done
}

# Creates empty file $1 that the responders' user writes (a log), in a
# directory of root's: the file is theirs, its name is not.
jwks_www_file() {
  rm -f "$1"
  if [ "$(id -u)" -eq 0 ]; then install -o www-data -g www-data -m 0640 /dev/null "$1"; else install -m 0640 /dev/null "$1"; fi
}

# Writes the master secret to $1 for the responders (readable by their user
# only) and exports NOT_MY_KEY_FILE naming it, so that no long-lived process
# (lighttpd, Apache, this shell) needs NOT_MY_KEY in its environment. The
# secret comes from NOT_MY_KEY_FILE, NOT_MY_KEY or .secrets/ (jwks_master_key).
# Unsets NOT_MY_KEY.
jwks_master_key_file() {
  local file=$1
  if [ -n "${NOT_MY_KEY_FILE:-}" ]; then
    [ -z "${NOT_MY_KEY:-}" ] || { echo "NOT_MY_KEY and NOT_MY_KEY_FILE are both set: give the master secret one way only" >&2; return 78; }
    [ -r "$NOT_MY_KEY_FILE" ] || { echo "NOT_MY_KEY_FILE=$NOT_MY_KEY_FILE cannot be read" >&2; return 78; }
    rm -f "$file"
    (umask 077 && set -o noclobber && cat "$NOT_MY_KEY_FILE" > "$file")
  else
    jwks_master_key
    rm -f "$file"
    (umask 077 && set -o noclobber && printf '%s\n' "$NOT_MY_KEY" > "$file")
  fi
  if [ "$(id -u)" -eq 0 ]; then chown -h www-data:www-data "$file"; fi
  chmod 0400 "$file"
  unset NOT_MY_KEY
  export NOT_MY_KEY_FILE=$file
}

# True when $1 is a libpq connection URI (a PostgreSQL store), not a path.
jwks_is_postgres() {
  case $1 in postgresql://*|postgres://*) return 0 ;; *) return 1 ;; esac
}

# $1 without a password, for messages.
jwks_redact_uri() {
  sed -E 's#^(postgres(ql)?://[^:/@]*):[^@]*@#\1:***@#; s#([?&]password=)[^&]*#\1***#' <<<"$1"
}

# The files of the store at $1: the database, its WAL and shared memory, the
# hashing slots' lock file and the rate limits' file.
jwks_store_files() {
  local s
  for s in "" -wal -shm -hashing -rate; do printf '%s\n' "$1$s"; done
}

# Prepares the store at $1 with jwksctl $2 ("jwksctl init" as the responders'
# user, NOT_MY_KEY_FILE set) and exports JWKS_DB as the path the responders
# open. Run as root, the responders (www-data) must be able to write the
# store's directory; where they cannot (a checkout under /root, a directory
# only root writes), the store lives in /var/lib/jwks-fcgi-dev/<hash of the
# path>/ instead, owned by www-data, and $1 becomes a symbolic link to it, so
# that tools (and sqlite3) opening $1 find it. Files of the store that an
# earlier run as root left owned by root are given to www-data.
jwks_prepare_store() {
  local db=$1 ctl=$2
  if jwks_is_postgres "$db"; then
    # A PostgreSQL store has no files here: jwksctl init creates its tables
    # (once, whichever host comes first) and the first keys.
    local copy
    copy=$(mktemp "${TMPDIR:-/tmp}/jwksctl.XXXXXX")
    install -m 0755 "$ctl" "$copy"
    jwks_as_responder env JWKS_DB="$db" "$copy" init >&2 || { rm -f "$copy"; return 1; }
    rm -f "$copy"
    export JWKS_DB=$db
    return
  fi
  if [ "$(id -u)" -ne 0 ]; then
    "$ctl" init >&2
    export JWKS_DB=$db
    return
  fi
  local real=$db dir home
  dir=$(dirname "$db")
  home=/var/lib/jwks-fcgi-dev/$(printf '%s' "$db" | sha256sum | cut -c1-16)
  if [ -L "$db" ]; then
    # Only the link an earlier run made, pointing where it made it; nothing
    # else is followed (the store's directory is www-data's to write).
    real=$(readlink "$db")
    if [ "$real" != "$home/$(basename "$db")" ]; then
      echo "$db is a symbolic link to $real, not the one scripts/serve makes: move it away" >&2
      return 1
    fi
  elif ! setpriv --reuid=www-data --regid=www-data --clear-groups test -w "$dir" -a -x "$dir" 2>/dev/null; then
    install -d -m 0755 /var/lib/jwks-fcgi-dev
    install -d -o www-data -g www-data -m 0750 "$home"
    real=$home/$(basename "$db")
    local f
    if [ -e "$real" ]; then
      # No link here, but a store there: an earlier checkout at this path
      # left it (with the master secret of its own .secrets/). A new
      # checkout starts with a new store, as it would in a directory
      # www-data can write; the old one is kept aside, not reused or overwritten.
      local aside
      aside=$home/orphaned-$(date +%Y%m%dT%H%M%S)
      install -d -o www-data -g www-data -m 0750 "$aside"
      while read -r f; do [ -e "$f" ] && mv "$f" "$aside/"; done < <(jwks_store_files "$real")
      jwks_log "a store an earlier checkout at $dir left in $home was moved to $aside"
    fi
    if [ -e "$db" ]; then
      # A store an earlier run made here as root: moved, with its WAL.
      jwks_log "moving the store $db to $home (www-data cannot write $dir)"
      while read -r f; do [ -e "$f" ] && mv "$f" "$home/"; done < <(jwks_store_files "$db")
    else
      jwks_log "www-data cannot write $dir: the store lives in $home, linked from $db"
    fi
    ln -sfn "$real" "$db"
  fi
  local f owner
  while read -r f; do
    if [ -L "$f" ]; then
      echo "$f is a symbolic link: refusing to touch the store (a store's files are plain files)" >&2
      return 1
    fi
    [ -e "$f" ] || continue
    owner=$(stat -c %U "$f")
    if [ "$owner" = root ]; then chown -h www-data:www-data "$f"
    elif [ "$owner" != www-data ]; then
      echo "$f belongs to $owner: the responders run as www-data and could not write it." >&2
      echo "Use another JWKS_DB, or give the store to www-data (docs/deployment.md)." >&2
      return 1
    fi
  done < <(jwks_store_files "$real")
  # A copy www-data may run: the build tree may be out of its reach.
  local copy
  copy=$(mktemp "${TMPDIR:-/tmp}/jwksctl.XXXXXX")
  install -m 0755 "$ctl" "$copy"
  setpriv --reuid=www-data --regid=www-data --clear-groups env JWKS_DB="$real" "$copy" init >&2 || { rm -f "$copy"; return 1; }
  rm -f "$copy"
  export JWKS_DB=$real
}

# Prepares front $1 in state directory $2 (port $3, responder binary $4,
# $5 processes, error log $6 or "" for stderr) and sets JWKS_FRONT_CMD to the
# command that runs it in the foreground. The binary must be one the
# responders' user may run (jwks_install_responder). For spawn-fcgi it also
# starts the responders (their pids in $2/responders.pid, their standard
# error in $2/responders.log) before returning.
jwks_prepare_front() {
  local front=$1 state=$2 port=$3 bin=$4 procs=$5 errorlog=${6:-} v
  jwks_state_dirs "$state"
  [ -n "$errorlog" ] && jwks_www_file "$errorlog"   # lighttpd opens it once it is www-data
  case $front in
    lighttpd)
      jwks_lighttpd_conf "$state" "$port" "$bin" "$procs" "$errorlog" jwks-fcgi.conf
      JWKS_FRONT_CMD=("$(jwks_lighttpd_bin)" -D -f "$state/lighttpd.conf")
      ;;
    lighttpd-static)
      # The responders keep the exported set in the docroot; lighttpd serves it.
      export JWKS_EXPORT_FILE=$state/www/htdocs/.well-known/jwks.json
      jwks_lighttpd_conf "$state" "$port" "$bin" "$procs" "$errorlog" jwks-fcgi-static.conf
      JWKS_FRONT_CMD=("$(jwks_lighttpd_bin)" -D -f "$state/lighttpd.conf")
      ;;
    cgi)
      # lighttpd's mod_cgi runs the responder once per request, from the docroot.
      install -m 0755 "$bin" "$state/www/htdocs/jwks.cgi"
      for v in "${JWKS_RESPONDER_VARS[@]}"; do export "$v=${!v-}"; done  # the configuration reads them all
      jwks_lighttpd_conf "$state" "$port" "" 0 "$errorlog" jwks-cgi.conf
      JWKS_FRONT_CMD=("$(jwks_lighttpd_bin)" -D -f "$state/lighttpd.conf")
      ;;
    apache)
      for v in "${JWKS_RESPONDER_VARS[@]}"; do export "$v=${!v-}"; done  # empty means default
      jwks_apache_cmd "$state" "$port" "$bin" "$errorlog" jwks-fcgi.conf
      ;;
    spawn-fcgi|apache-proxy-fcgi)
      local user=()
      [ "$(id -u)" -eq 0 ] && user=(-u www-data -g www-data -M 0660)
      # The responders' standard error in responders.log (the responders' user's).
      jwks_www_file "$state/responders.log"
      # -F: that many responders share one unix socket; spawn-fcgi exits once they run.
      jwks_spawn_logged "$state/responders.log" -s "$state/jwks-fcgi.sock" -F "$procs" -P "$state/responders.pid" \
        "${user[@]}" -- "$bin" >&2
      if [ "$front" = spawn-fcgi ]; then
        jwks_lighttpd_conf "$state" "$port" "" 0 "$errorlog" jwks-fcgi-socket.conf "$state/jwks-fcgi.sock"
        JWKS_FRONT_CMD=("$(jwks_lighttpd_bin)" -D -f "$state/lighttpd.conf")
      else
        jwks_apache_cmd "$state" "$port" "$bin" "$errorlog" jwks-proxy-fcgi.conf
        JWKS_FRONT_CMD+=(-C "Define JWKS_SOCKET $state/jwks-fcgi.sock")
      fi
      ;;
    *)
      echo "unknown front '$front': use lighttpd, lighttpd-static, cgi, apache, spawn-fcgi or apache-proxy-fcgi" >&2
      return 64
      ;;
  esac
}

# Copies the responder binary $1 into state directory $2 (root-owned, mode
# 0755) and prints the copy's path: the responders' user may not be able to
# reach the build tree (a checkout under /root, a 0700 directory).
jwks_install_responder() {
  install -m 0755 "$1" "$2/jwks-fcgi"
  printf '%s\n' "$2/jwks-fcgi"
}

# Sets JWKS_FRONT_CMD to apache/standalone.conf in the foreground. Args:
# state dir, port, responder binary, error log, site configuration. Apache's
# children (www-data) serve the JSON error documents, so the configuration
# is copied into the state directory: the checkout may be out of their reach.
jwks_apache_cmd() {
  rm -rf "$1/apache"
  cp -r "$JWKS_ROOT/apache" "$1/apache"
  cp -r "$JWKS_ROOT/errors" "$1/apache/jwks-fcgi-errors"
  chmod -R a+rX "$1/apache"
  JWKS_FRONT_CMD=("$(jwks_apache_bin)" -f "$1/apache/standalone.conf" -DFOREGROUND
    -C "Define JWKS_STATE $1" -C "Define JWKS_PORT $2" -C "Define JWKS_FCGI_BIN $3"
    -C "Define JWKS_CONF_DIR $1/apache" -C "Define JWKS_ERRORLOG ${4:-/dev/stderr}"
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
# Run as root, lighttpd drops to www-data once it listens; it serves the
# static error documents as www-data, so the configuration and errors/ are
# copied into $1/lighttpd (the checkout may be out of its reach).
jwks_lighttpd_conf() {
  local state=$1 port=$2 bin=$3 procs=$4 errorlog=${5:-} conf=${6:-jwks-fcgi.conf} socket=${7:-}
  rm -rf "$state/lighttpd"
  cp -r "$JWKS_ROOT/lighttpd" "$state/lighttpd"
  cp -r "$JWKS_ROOT/errors" "$state/lighttpd/errors"
  chmod -R a+rX "$state/lighttpd"
  {
    echo "var.jwks_port  = $port"
    echo "var.jwks_bin   = \"$bin\""
    echo "var.jwks_state = \"$state/www\""   # what lighttpd writes, as www-data when root
    echo "var.jwks_procs = $procs"
    echo "var.jwks_max_age = \"${JWKS_STATIC_MAX_AGE:-300}\""
    echo "var.jwks_socket = \"$socket\""
    echo "var.jwks_conf_dir = \"$state/lighttpd\""
    if [ "$(id -u)" -eq 0 ]; then
      echo 'server.username  = "www-data"'
      echo 'server.groupname = "www-data"'
    fi
    [ -n "$errorlog" ] && echo "server.errorlog = \"$errorlog\""
    echo "include \"$state/lighttpd/$conf\""
  } > "$state/lighttpd.conf"
}
