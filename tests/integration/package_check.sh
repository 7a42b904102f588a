#!/usr/bin/env bash
# usage: package_check.sh SOURCE_DIR
# (JWKS_PACKAGE_DEB=FILE: check that .deb instead of building one.)
#
# The Debian package, as a user meets it: scripts/package builds it (lintian
# must report no error), dpkg -i installs it on this machine, the responders
# start from the installed units the way systemd starts them (unit_launch.py
# reads the .socket and .service: the socket on fd 0, the service's user,
# environment file and credential), lighttpd serves through the installed
# snippet enabled with lighty-enable-mod, a token verifies against the key
# set (PyJWT), the timer's command runs, then dpkg -r keeps the store and
# the configuration, a reinstall finds the same keys, and dpkg -P deletes
# them. Needs root and a machine where jwks-fcgi is not installed: it
# installs and purges the package and creates the system user jwks-fcgi.
set -uo pipefail
src=$1
here=$(cd "$(dirname "$0")" && pwd)
if [ "$(id -u)" -ne 0 ]; then echo "SKIPPED: the package test needs root (dpkg -i)"; exit 0; fi
if dpkg-query -W -f='${Status}' jwks-fcgi 2>/dev/null | grep -q 'ok installed\|config-files'; then
  echo "SKIPPED: jwks-fcgi is already installed here; the test would remove it"; exit 0
fi

for f in /var/lib/jwks-fcgi /var/cache/jwks-fcgi /etc/jwks-fcgi/jwks-fcgi.env /etc/jwks-fcgi/not_my_key; do
  # A set-up by hand (docs/deployment.md) in the package's places: purging would delete it.
  [ -e "$f" ] && { echo "SKIPPED: $f exists already; the test would delete it"; exit 0; }
done
etc_existed=0
[ -e /etc/jwks-fcgi ] && etc_existed=1

dir=$(mktemp -d /var/tmp/jwks-package-check.XXXXXX)
chmod 0755 "$dir"
pids=()
installed=0
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do while kill -0 "$p" 2>/dev/null; do sleep 0.1; done; done
  [ -x /usr/sbin/lighty-disable-mod ] && lighty-disable-mod jwks-fcgi >/dev/null 2>&1
  [ -x /usr/sbin/a2disconf ] && a2disconf -q jwks-fcgi >/dev/null 2>&1
  [ "$installed" = 1 ] && dpkg -P jwks-fcgi >/dev/null 2>&1
  grep -qs "a store made by hand" /var/lib/jwks-fcgi/keys.db && rm -rf /var/lib/jwks-fcgi
  rm -rf "$dir"
}
trap cleanup EXIT
passed=0 failed=0
ok() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }
check() { local what=$1; shift; if "$@"; then ok; else fail "$what"; fi; }
mode_owner() { stat -c '%a %U:%G' "$1" 2>/dev/null; }

# --- build and inspect -------------------------------------------------------
# JWKS_PACKAGE_DEB: a .deb scripts/package built already (while working on this test).
if [ -n "${JWKS_PACKAGE_DEB:-}" ]; then
  deb=$JWKS_PACKAGE_DEB
  : >"$dir/package.log"
else
  deb=$("$src/scripts/package" "$dir/out" 2>"$dir/package.log" | tail -1)
fi
check "scripts/package builds a .deb, lintian reporting no error" test -f "$deb"
[ -f "$deb" ] || { tail -40 "$dir/package.log"; exit 1; }
grep -E '^(W|E): ' "$dir/package.log" | sed 's/^/lintian: /'
dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|' >"$dir/contents"
for f in /usr/sbin/jwks-fcgi /usr/sbin/jwksctl /usr/lib/jwks-fcgi/jwksctl /etc/jwks-fcgi/jwks-fcgi.env \
         /lib/systemd/system/jwks-fcgi.socket /lib/systemd/system/jwks-fcgi.service \
         /lib/systemd/system/jwks-fcgi-rotate.service /lib/systemd/system/jwks-fcgi-rotate.timer \
         /etc/lighttpd/conf-available/50-jwks-fcgi.conf /etc/lighttpd/conf-available/50-jwks-fcgi-static.conf \
         /etc/apache2/conf-available/jwks-fcgi.conf /usr/share/man/man8/jwks-fcgi.8.gz /usr/share/man/man8/jwksctl.8.gz \
         /usr/share/doc/jwks-fcgi/copyright; do
  check "the package holds $f" grep -qx "$f" "$dir/contents"
done
check "the package holds the docs" grep -Eqx '/usr/share/doc/jwks-fcgi/docs/configuration.md(.gz)?' "$dir/contents"
check "no master secret is shipped" test -z "$(grep not_my_key "$dir/contents")"
dpkg-deb -e "$deb" "$dir/control"
check "the environment file and the snippets are conffiles" \
  test "$(grep -c '^/etc/' "$dir/control/conffiles")" = 4
# (integration.env-vars checks that it lists every variable.)
check "no variable is set in the shipped environment file" test -z "$(grep -E '^[[:space:]]*[A-Z_]+=' "$src/deploy/jwks-fcgi.env")"

# --- install -----------------------------------------------------------------
jwks_pkg_deps=$(dpkg-deb -f "$deb" Depends)
dpkg -i "$deb" >"$dir/install.log" 2>&1 && installed=1
check "dpkg -i installs it (deps: $jwks_pkg_deps)" test "$installed" = 1
[ "$installed" = 1 ] || { cat "$dir/install.log"; exit 1; }
check "the system user jwks-fcgi exists" sh -c "getent passwd jwks-fcgi >/dev/null"
check "it has no login shell" test "$(getent passwd jwks-fcgi | cut -d: -f7)" = /usr/sbin/nologin
check "/var/lib/jwks-fcgi is jwks-fcgi's, 0750" test "$(mode_owner /var/lib/jwks-fcgi)" = "750 jwks-fcgi:jwks-fcgi"
check "the environment file is root:jwks-fcgi 0640" test "$(mode_owner /etc/jwks-fcgi/jwks-fcgi.env)" = "640 root:jwks-fcgi"
check "a master secret was generated, root-only" test "$(mode_owner /etc/jwks-fcgi/not_my_key)" = "600 root:root"
check "it is 64 hex digits" grep -Eqx '[0-9a-f]{64}' /etc/jwks-fcgi/not_my_key
check "install says where the secret is" grep -q 'generated the master secret /etc/jwks-fcgi/not_my_key' "$dir/install.log"
check "jwksctl init made the store as jwks-fcgi" test "$(stat -c %U /var/lib/jwks-fcgi/keys.db 2>/dev/null)" = jwks-fcgi
check "jwksctl (as root) lists the keys" sh -c 'jwksctl list | grep -q RS256'
check "jwksctl refuses to run as another user" sh -c 'setpriv --reuid=nobody --regid=nogroup --clear-groups jwksctl list 2>/dev/null; [ $? -eq 77 ]'
check "the units are enabled" test -L /etc/systemd/system/sockets.target.wants/jwks-fcgi.socket
check "the timer is enabled" test -L /etc/systemd/system/timers.target.wants/jwks-fcgi-rotate.timer
units=(/lib/systemd/system/jwks-fcgi.socket /lib/systemd/system/jwks-fcgi.service
       /lib/systemd/system/jwks-fcgi-rotate.service /lib/systemd/system/jwks-fcgi-rotate.timer)
check "systemd-analyze verify passes on the units" sh -c "systemd-analyze verify --man=no ${units[*]} >$dir/verify.log 2>&1 && ! grep -q . $dir/verify.log"
[ -s "$dir/verify.log" ] && sed 's/^/verify: /' "$dir/verify.log"
systemd-analyze security --offline=true /lib/systemd/system/jwks-fcgi.service 2>/dev/null | tail -1 | sed 's/^/security: /'

# --- serve, the way the units say --------------------------------------------
pid=$(/usr/bin/python3 "$here/unit_launch.py" /lib/systemd/system/jwks-fcgi.socket /lib/systemd/system/jwks-fcgi.service \
  "$dir/credentials" 2>"$dir/launch.log")
[ -n "$pid" ] && pids+=("$pid")
check "the service starts from its units" test -n "$pid"
[ -n "$pid" ] || { cat "$dir/launch.log"; exit 1; }
check "the socket is jwks-fcgi:www-data 0660" test "$(mode_owner /run/jwks-fcgi/fcgi.sock)" = "660 jwks-fcgi:www-data"
lighty-enable-mod jwks-fcgi >"$dir/enable.log" 2>&1
check "lighty-enable-mod jwks-fcgi enables the snippet and fastcgi" \
  test -L /etc/lighttpd/conf-enabled/50-jwks-fcgi.conf -a -e /etc/lighttpd/conf-enabled/10-fastcgi.conf
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$dir/htdocs" && echo "the site's own page" >"$dir/htdocs/index.html"
cat >"$dir/lighttpd.conf" <<CONF
# A site of the host's own, on a test port, with Debian's enabled modules.
server.modules = ( "mod_access" )
server.document-root = "$dir/htdocs"
server.bind = "127.0.0.1"
server.port = $port
server.username = "www-data"
server.groupname = "www-data"
server.errorlog = "$dir/lighttpd-error.log"
index-file.names = ( "index.html" )
include "/etc/lighttpd/conf-enabled/10-fastcgi.conf"
include "/etc/lighttpd/conf-enabled/50-jwks-fcgi.conf"
CONF
: >"$dir/lighttpd-error.log" && chown www-data "$dir/lighttpd-error.log"
lighttpd -D -f "$dir/lighttpd.conf" 2>"$dir/lighttpd.log" &
pids+=($!)
url=http://127.0.0.1:$port
for _ in $(seq 100); do curl -s -o /dev/null "$url/" && break; sleep 0.1; done
check "lighttpd answers its own page" test "$(curl -s "$url/")" = "the site's own page"
check "the key set comes through the snippet" test "$(curl -s -o "$dir/jwks.json" -w '%{http_code}' "$url/.well-known/jwks.json")" = 200
check "healthz answers" test "$(curl -s "$url/healthz")" = '{"status":"ok"}'
check "a path outside the snippet stays lighttpd's" test "$(curl -s -o /dev/null -w '%{http_code}' "$url/authx")" = 404
JWKS_BASE_URL=$url /usr/bin/python3 "$here/pyjwt_check.py" >"$dir/pyjwt.log" 2>&1
check "a token verifies against the served key set (PyJWT)" test $? -eq 0
grep FAIL "$dir/pyjwt.log"
responders=$(pgrep -P "$pid" -c jwks-fcgi)
check "the unit's JWKS_RESPONDERS=4 responders run under one supervisor" test "$responders" = 4
check "they run as jwks-fcgi" test "$(ps -o user= -p "$pid" | tr -d ' ')" = jwks-fcgi

# The Apache snippet, enabled with a2enconf, in an Apache of the host's own on
# another test port: the same paths reach the same socket, Basic credentials too.
a2enconf -q jwks-fcgi >"$dir/a2enconf.log" 2>&1
check "a2enconf jwks-fcgi enables the Apache snippet" test -L /etc/apache2/conf-enabled/jwks-fcgi.conf
aport=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$dir/apache"
cat >"$dir/apache.conf" <<CONF
ServerRoot "$dir/apache"
ServerName 127.0.0.1
Listen 127.0.0.1:$aport
PidFile "$dir/apache/apache2.pid"
DefaultRuntimeDir "$dir/apache"
Mutex file:$dir/apache default
ErrorLog "$dir/apache/error.log"
LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
LoadModule proxy_module /usr/lib/apache2/modules/mod_proxy.so
LoadModule proxy_fcgi_module /usr/lib/apache2/modules/mod_proxy_fcgi.so
User www-data
Group www-data
DocumentRoot "$dir/htdocs"
<Directory "$dir/htdocs">
  Require all granted
</Directory>
Include /etc/apache2/conf-enabled/jwks-fcgi.conf
CONF
apache2 -f "$dir/apache.conf" -DFOREGROUND 2>"$dir/apache.log" &
pids+=($!)
aurl=http://127.0.0.1:$aport
for _ in $(seq 100); do curl -s -o /dev/null "$aurl/" && break; sleep 0.1; done
check "Apache serves its own page" test "$(curl -s "$aurl/index.html")" = "the site's own page"
check "Apache passes the key set through" test "$(curl -s -o "$dir/ajwks.json" -w '%{http_code}' "$aurl/.well-known/jwks.json")" = 200
check "the same key set" cmp -s "$dir/jwks.json" "$dir/ajwks.json"
password=$(curl -s -X POST -H 'Content-Type: application/json' -d '{"username":"pkg-user","email":"pkg@example.com"}' \
  "$aurl/register" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["password"])' 2>/dev/null)
check "a registration through Apache" test -n "$password"
check "Basic credentials reach the responder (CGIPassAuth)" \
  test "$(curl -s -o /dev/null -w '%{http_code}' -X POST -u "pkg-user:$password" -d '' "$aurl/auth")" = 200
check "a wrong password is refused" \
  test "$(curl -s -o /dev/null -w '%{http_code}' -X POST -u "pkg-user:wrong" -d '' "$aurl/auth")" = 401

# The timer's service, run the same way: rotate and purge as jwks-fcgi.
before=$(jwksctl list | grep -c RS256)
# With JWKS_EXPORT_FILE set, rotate writes the key set there: proof that it
# read the environment file, opened the store with the credential and may
# write the cache directory.
echo "JWKS_EXPORT_FILE=/var/cache/jwks-fcgi/jwks.json" >>/etc/jwks-fcgi/jwks-fcgi.env
/usr/bin/python3 "$here/unit_launch.py" --oneshot /lib/systemd/system/jwks-fcgi-rotate.service "$dir/credentials" \
  >"$dir/rotate.log" 2>&1
check "the rotate timer's commands run as jwks-fcgi" test $? -eq 0
check "rotate wrote the export file, jwks-fcgi's" test "$(stat -c %U /var/cache/jwks-fcgi/jwks.json 2>/dev/null)" = jwks-fcgi
check "it is the key set served" sh -c "/usr/bin/python3 -c 'import json,sys; a,b=(json.load(open(f)) for f in sys.argv[1:]); sys.exit(a!=b)' /var/cache/jwks-fcgi/jwks.json $dir/jwks.json"
[ -s "$dir/rotate.log" ] && sed 's/^/rotate: /' "$dir/rotate.log"

# The static snippet instead: lighttpd serves that file itself.
lighty-disable-mod jwks-fcgi >/dev/null 2>&1
lighty-enable-mod jwks-fcgi-static >/dev/null 2>&1
check "lighty-enable-mod jwks-fcgi-static enables the static snippet" test -L /etc/lighttpd/conf-enabled/50-jwks-fcgi-static.conf
sport=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
sed -e "s/^server.port = .*/server.port = $sport/" -e "s|lighttpd-error.log|lighttpd-static-error.log|" \
    -e "s|conf-enabled/50-jwks-fcgi.conf|conf-enabled/50-jwks-fcgi-static.conf|" "$dir/lighttpd.conf" >"$dir/lighttpd-static.conf"
: >"$dir/lighttpd-static-error.log" && chown www-data "$dir/lighttpd-static-error.log"
lighttpd -D -f "$dir/lighttpd-static.conf" 2>"$dir/lighttpd-static.log" &
pids+=($!)
surl=http://127.0.0.1:$sport
for _ in $(seq 100); do curl -s -o /dev/null "$surl/" && break; sleep 0.1; done
check "the static key set is served" test "$(curl -s -D "$dir/sh" -o "$dir/sjwks.json" -w '%{http_code}' "$surl/.well-known/jwks.json")" = 200
check "it is the export file" cmp -s "$dir/sjwks.json" /var/cache/jwks-fcgi/jwks.json
check "as JSON" grep -qi '^Content-Type: application/json' "$dir/sh"
check "with the snippet's cache lifetime" grep -qi '^Cache-Control: public, max-age=1800' "$dir/sh"
check "the other paths still reach the responders" test "$(curl -s "$surl/healthz")" = '{"status":"ok"}'
lighty-disable-mod jwks-fcgi-static >/dev/null 2>&1
lighty-enable-mod jwks-fcgi >/dev/null 2>&1
check "and leave the keys in place" test "$(jwksctl list | grep -c RS256)" = "$before"

kill -TERM "$pid"
for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
check "SIGTERM stops the supervisor" sh -c "! kill -0 $pid 2>/dev/null"
check "and every responder" test -z "$(pgrep -u jwks-fcgi jwks-fcgi)"
kid=$(jwksctl list | awk '$4 == "active" {print $2}')

# --- remove, reinstall, purge ------------------------------------------------
echo "# kept by the test" >>/etc/jwks-fcgi/jwks-fcgi.env
dpkg -r jwks-fcgi >"$dir/remove.log" 2>&1
check "dpkg -r removes it" test ! -e /usr/sbin/jwks-fcgi
check "remove disables the lighttpd snippet" test ! -L /etc/lighttpd/conf-enabled/50-jwks-fcgi.conf
check "and the Apache one" test ! -L /etc/apache2/conf-enabled/jwks-fcgi.conf
check "remove keeps the store" test -s /var/lib/jwks-fcgi/keys.db
check "remove keeps the configuration" test -f /etc/jwks-fcgi/jwks-fcgi.env
check "remove keeps the master secret" test -f /etc/jwks-fcgi/not_my_key
dpkg -i "$deb" >"$dir/reinstall.log" 2>&1
check "a reinstall succeeds" test $? -eq 0
check "it generates no new secret" test -z "$(grep 'generated the master secret' "$dir/reinstall.log")"
check "the changed environment file survives" grep -q "^# kept by the test" /etc/jwks-fcgi/jwks-fcgi.env
lighty-enable-mod jwks-fcgi >/dev/null 2>&1
check "it finds the same signing key" test "$(jwksctl list | awk '$4 == "active" {print $2}')" = "$kid"
dpkg -P jwks-fcgi >"$dir/purge.log" 2>&1 && installed=0
check "dpkg -P purges it" test "$installed" = 0
check "purge deletes the store" test ! -e /var/lib/jwks-fcgi
check "purge deletes the configuration and the secret" test ! -e /etc/jwks-fcgi/jwks-fcgi.env -a ! -e /etc/jwks-fcgi/not_my_key
[ "$etc_existed" = 0 ] && check "and /etc/jwks-fcgi, which it made" test ! -e /etc/jwks-fcgi
check "purge removes the link that enabled the lighttpd snippet" test ! -L /etc/lighttpd/conf-enabled/50-jwks-fcgi.conf
check "and the one that enabled the Apache snippet" test ! -L /etc/apache2/conf-enabled/jwks-fcgi.conf

# A set-up made by hand in the package's directory is refused, and a purge
# after the refusal leaves it as it was.
install -d -o www-data -g www-data -m 0750 /var/lib/jwks-fcgi
echo "a store made by hand" >/var/lib/jwks-fcgi/keys.db
dpkg -i "$deb" >"$dir/refused.log" 2>&1
check "an install over another user's /var/lib/jwks-fcgi is refused" test $? -ne 0
installed=1
check "with a message saying what to do" grep -q "exists and is www-data's: move it away" "$dir/refused.log"
check "the directory keeps its owner" test "$(stat -c %U /var/lib/jwks-fcgi)" = www-data
dpkg -P jwks-fcgi >"$dir/purge2.log" 2>&1 && installed=0
check "a purge after the refusal leaves it alone" grep -q "made by hand" /var/lib/jwks-fcgi/keys.db
rm -rf /var/lib/jwks-fcgi

echo "package: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
