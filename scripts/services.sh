#!/usr/bin/env bash
# Makes sure MariaDB and Redis answer for uliga, installing and starting them on a
# Debian machine when they do not. Source it (run.sh and test.sh do) or run it.
#
# Environment (defaults in brackets):
#   ULIGA_DB_HOST [127.0.0.1]      ULIGA_DB_PORT [3306]
#   ULIGA_REDIS_HOST [127.0.0.1]   ULIGA_REDIS_PORT [6379]
#   ULIGA_DB_SOCKET                unix socket used to repair root's login (client default)
#   ULIGA_SERVICE_TIMEOUT [60]     seconds to wait for a server that was just started
#   ULIGA_SKIP_SERVICES=1          check nothing, start nothing (servers managed elsewhere)
#   ULIGA_SKIP_DB=1                Redis only: the database is managed elsewhere (run.sh's
#                                  replication topology, scripts/topology.sh)
# Exports DATABASE_URL and REDIS_URL (if unset) pointing at these servers.
#
# Quiet when both servers already answer. Only servers on this machine (127.0.0.1,
# localhost, ::1) are installed or started; a remote one that does not answer is an error.

ULIGA_DB_HOST=${ULIGA_DB_HOST:-127.0.0.1}
ULIGA_DB_PORT=${ULIGA_DB_PORT:-3306}
ULIGA_REDIS_HOST=${ULIGA_REDIS_HOST:-127.0.0.1}
ULIGA_REDIS_PORT=${ULIGA_REDIS_PORT:-6379}
ULIGA_SERVICE_TIMEOUT=${ULIGA_SERVICE_TIMEOUT:-60}

services_say() { printf 'services: %s\n' "$*" >&2; }

# Runs a command as root: directly when root, else through sudo when there is one.
services_as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    services_say "needs root (or sudo) to run: $*"
    return 1
  fi
}

services_is_local() {
  case "$1" in
    127.0.0.1 | localhost | ::1) return 0 ;;
    *) return 1 ;;
  esac
}

services_apt_updated=""
services_apt_install() {
  if ! command -v apt-get >/dev/null 2>&1; then
    services_say "apt-get not found: install $* yourself"
    return 1
  fi
  services_say "installing $* (apt-get)"
  if [ -z "$services_apt_updated" ]; then
    services_as_root apt-get update -qq || return 1
    services_apt_updated=1
  fi
  services_as_root env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "$@" >/dev/null || return 1
}

# The first of the given commands that exists, or nothing.
services_first_command() {
  local c
  for c in "$@"; do
    if command -v "$c" >/dev/null 2>&1; then
      printf '%s' "$c"
      return 0
    fi
  done
  return 1
}

# Waits until "$@" succeeds, at most ULIGA_SERVICE_TIMEOUT seconds.
services_wait_for() {
  local deadline=$((SECONDS + ULIGA_SERVICE_TIMEOUT))
  until "$@"; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      return 1
    fi
    sleep 1
  done
}

# ---------------------------------------------------------------- MariaDB / MySQL

# The server answers at all (ping succeeds even when the login is refused).
services_db_answers() {
  local admin
  admin=$(services_first_command mariadb-admin mysqladmin) || return 1
  "$admin" --protocol=TCP -h"$ULIGA_DB_HOST" -P"$ULIGA_DB_PORT" -uroot \
    --connect-timeout=2 ping >/dev/null 2>&1
}

# root logs in over TCP with an empty password.
services_db_login_ok() {
  local client
  client=$(services_first_command mariadb mysql) || return 1
  "$client" --protocol=TCP -h"$ULIGA_DB_HOST" -P"$ULIGA_DB_PORT" -uroot \
    --connect-timeout=2 -e 'SELECT 1' >/dev/null 2>&1
}

# Debian's MariaDB lets root in only through the unix socket; allow an empty password
# too, so that TCP clients (the service, the tests) can log in as root. The 127.0.0.1
# and ::1 accounts matter when the server runs with skip-name-resolve.
services_db_fix_root_login() {
  local client sql host
  client=$(services_first_command mariadb mysql) || return 1
  sql="ALTER USER 'root'@'localhost' IDENTIFIED VIA mysql_native_password USING PASSWORD('') OR unix_socket;"
  for host in 127.0.0.1 ::1; do
    sql+=" CREATE USER IF NOT EXISTS 'root'@'$host' IDENTIFIED BY '';"
    sql+=" GRANT ALL PRIVILEGES ON *.* TO 'root'@'$host' WITH GRANT OPTION;"
  done
  services_say "allowing root to log in over TCP with an empty password"
  services_as_root "$client" --protocol=SOCKET -uroot \
    ${ULIGA_DB_SOCKET:+"--socket=$ULIGA_DB_SOCKET"} -e "$sql"
}

services_db_start() {
  if [ -d /run/systemd/system ] && command -v service >/dev/null 2>&1; then
    services_as_root service mariadb start >/dev/null
  elif command -v start-stop-daemon >/dev/null 2>&1; then
    # Without an init system nobody makes the socket's directory, and Debian's
    # configuration leaves the server's user to the init system.
    services_as_root install -d -o mysql -g mysql -m 0755 /run/mysqld || return 1
    services_as_root start-stop-daemon --start --oknodo --background \
      --output /tmp/uliga-mariadbd.log --exec /usr/sbin/mariadbd -- \
      --user=mysql --port="$ULIGA_DB_PORT" >/dev/null
  elif command -v service >/dev/null 2>&1; then
    services_as_root service mariadb start >/dev/null
  else
    services_say "do not know how to start mariadbd here"
    return 1
  fi
}

services_ensure_db() {
  local where="$ULIGA_DB_HOST:$ULIGA_DB_PORT"
  if ! services_first_command mariadb-admin mysqladmin >/dev/null ||
    ! services_first_command mariadb mysql >/dev/null; then
    services_apt_install mariadb-client || return 1
  fi
  if services_db_answers && services_db_login_ok; then
    return 0
  fi
  if ! services_is_local "$ULIGA_DB_HOST"; then
    services_say "MariaDB at $where does not answer, or refuses root with an empty password"
    return 1
  fi
  if ! services_db_answers; then
    if [ ! -x /usr/sbin/mariadbd ]; then
      services_apt_install mariadb-server mariadb-client || return 1
    fi
    services_say "starting MariaDB for $where"
    services_db_start || return 1
    if ! services_wait_for services_db_answers; then
      services_say "MariaDB did not answer at $where within ${ULIGA_SERVICE_TIMEOUT}s" \
        "(is mariadbd already running on another port? see /tmp/uliga-mariadbd.log and /var/log/mysql)"
      return 1
    fi
  fi
  if ! services_db_login_ok; then
    services_db_fix_root_login || return 1
    if ! services_db_login_ok; then
      services_say "MariaDB at $where still refuses root with an empty password"
      return 1
    fi
  fi
  services_say "MariaDB is up at $where"
}

# ---------------------------------------------------------------- Redis

services_redis_answers() {
  if command -v redis-cli >/dev/null 2>&1; then
    [ "$(redis-cli -h "$ULIGA_REDIS_HOST" -p "$ULIGA_REDIS_PORT" ping 2>/dev/null)" = PONG ]
    return
  fi
  # No client: speak the protocol through bash's /dev/tcp.
  (
    exec 3<>"/dev/tcp/$ULIGA_REDIS_HOST/$ULIGA_REDIS_PORT" || exit 1
    printf 'PING\r\n' >&3
    IFS= read -r -t 2 reply <&3 || exit 1
    [ "${reply%$'\r'}" = "+PONG" ]
  ) 2>/dev/null
}

services_ensure_redis() {
  local where="$ULIGA_REDIS_HOST:$ULIGA_REDIS_PORT"
  if services_redis_answers; then
    return 0
  fi
  if ! services_is_local "$ULIGA_REDIS_HOST"; then
    services_say "Redis at $where does not answer PING"
    return 1
  fi
  if ! command -v redis-server >/dev/null 2>&1; then
    services_apt_install redis-server || return 1
  fi
  services_say "starting Redis for $where (in memory only)"
  redis-server --daemonize yes --bind "$ULIGA_REDIS_HOST" --port "$ULIGA_REDIS_PORT" \
    --save "" --appendonly no --dir /tmp \
    --logfile "/tmp/uliga-redis-$ULIGA_REDIS_PORT.log" >/dev/null || return 1
  if ! services_wait_for services_redis_answers; then
    services_say "Redis did not answer at $where within ${ULIGA_SERVICE_TIMEOUT}s" \
      "(see /tmp/uliga-redis-$ULIGA_REDIS_PORT.log)"
    return 1
  fi
  services_say "Redis is up at $where"
}

# ---------------------------------------------------------------- main

services_url_host() {
  case "$1" in
    *:*) printf '[%s]' "$1" ;; # IPv6 literal
    *) printf '%s' "$1" ;;
  esac
}

uliga_services() {
  export DATABASE_URL="${DATABASE_URL:-mysql://root@$(services_url_host "$ULIGA_DB_HOST"):$ULIGA_DB_PORT/uliga?prefer_socket=false}"
  export REDIS_URL="${REDIS_URL:-redis://$(services_url_host "$ULIGA_REDIS_HOST"):$ULIGA_REDIS_PORT}"
  if [ "${ULIGA_SKIP_SERVICES:-}" = 1 ]; then
    return 0
  fi
  if [ "${ULIGA_SKIP_DB:-}" != 1 ]; then
    services_ensure_db || return 1
  fi
  services_ensure_redis || return 1
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -uo pipefail
  uliga_services
  exit $?
fi
uliga_services
