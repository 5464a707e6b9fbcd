#!/usr/bin/env bash
# Runs a real MariaDB replication topology on this machine: a primary and two
# read-only replicas that follow it by GTID. run.sh uses it (target/topology), and
# the tests start one each, in their own directory and on their own ports.
#
#   topology.sh up DIR [BASE_PORT|auto]   create (first time) and start all three nodes,
#                                         then print DIR/topology.env on stdout
#   topology.sh down DIR                  stop all three nodes (keeps the data)
#   topology.sh destroy DIR               down, then remove DIR
#   topology.sh stop NODE DIR             graceful shutdown of one node
#   topology.sh kill NODE DIR             SIGKILL one node (a crash)
#   topology.sh start NODE DIR            start one stopped node again
#   topology.sh status DIR                ports, processes and replication state
#   topology.sh env DIR                   print DIR/topology.env
# NODE is primary, replica1 or replica2. The nodes listen on 127.0.0.1 only: primary
# on BASE_PORT, replica1 on BASE_PORT+1, replica2 on BASE_PORT+2. BASE_PORT defaults
# to the ports DIR already uses, else 3307; `auto` takes the first free base from 3307
# upwards in steps of 3 (a topology that was stopped moves there if its old ports are
# taken now).
#
# Accounts (all on 127.0.0.1, over TCP):
#   root   empty password, all privileges (admin: CHANGE MASTER, STOP SLAVE, ...)
#   uliga  empty password, what the service needs plus SLAVE MONITOR and BINLOG MONITOR;
#          no READ_ONLY ADMIN, so the read-only replicas refuse its writes
#   repl   password repl, REPLICATION SLAVE (the replicas log in with it)
#
# Stdout carries only the KEY=VALUE lines of up and env and the report of status;
# progress and errors go to stderr. Environment (defaults in brackets):
#   ULIGA_TOPOLOGY_TIMEOUT [30]   seconds to wait for a node to start, stop or catch up
#   ULIGA_TOPOLOGY_LOCK [/tmp/uliga-topology-ports.lock]
#                                 serialises choosing ports and binding them between
#                                 concurrent callers
set -euo pipefail

TOPO_NODES=(primary replica1 replica2)
TOPO_TIMEOUT=${ULIGA_TOPOLOGY_TIMEOUT:-30}
TOPO_PORT_LOCK=${ULIGA_TOPOLOGY_LOCK:-/tmp/uliga-topology-ports.lock}
TOPO_DEFAULT_BASE=3307
TOPO_SCRIPTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
declare -A topo_extra=() # NODE -> extra mariadbd options for its next start (up only)

topo_say() { printf 'topology: %s\n' "$*" >&2; }
topo_die() {
  topo_say "$*"
  exit 1
}

topo_usage() {
  {
    echo "usage:"
    sed -n '/^#   topology.sh up/,/^#   topology.sh env/s/^#//p' "${BASH_SOURCE[0]}"
  } >&2
  exit 2
}

# ---------------------------------------------------------------- binaries

topo_have_binaries() {
  command -v mariadb-install-db >/dev/null 2>&1 && command -v mariadb >/dev/null 2>&1 &&
    command -v mariadb-admin >/dev/null 2>&1 &&
    { command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ]; }
}

# Installs MariaDB from Debian's packages when it is missing. The apt helpers live in
# services.sh; ULIGA_SKIP_SERVICES=1 keeps sourcing it from checking or starting the
# default server on 3306. Parallel tests would fight over dpkg's lock, hence flock.
topo_ensure_binaries() {
  if topo_have_binaries; then
    return 0
  fi
  { exec 7>>/tmp/uliga-topology-install.lock; } 2>/dev/null || exec 7</tmp/uliga-topology-install.lock
  flock -w 600 7 || topo_die "timed out waiting for another MariaDB installation"
  if ! topo_have_binaries; then
    # shellcheck source=scripts/services.sh
    ULIGA_SKIP_SERVICES=1 source "$TOPO_SCRIPTS/services.sh"
    services_apt_install mariadb-server mariadb-client ||
      topo_die "could not install MariaDB (mariadb-server, mariadb-client)"
  fi
  exec 7>&-
  topo_have_binaries || topo_die "MariaDB is installed but mariadbd or its tools are still missing"
}

topo_mariadbd() {
  command -v mariadbd 2>/dev/null || printf '%s' /usr/sbin/mariadbd
}

# ---------------------------------------------------------------- paths and state

# Sets topo_dir (absolute, so the servers do not resolve it against their datadir).
topo_set_dir() {
  [ -n "${1:-}" ] || topo_usage
  topo_dir=$(realpath -m -- "$1")
}

topo_node_index() {
  case "$1" in
    primary) echo 0 ;;
    replica1) echo 1 ;;
    replica2) echo 2 ;;
    *) topo_die "unknown node '$1' (primary, replica1 or replica2)" ;;
  esac
}

# A unix socket path must fit in 108 bytes. DIR/NODE.sock when it does; a deep DIR
# (a test's directory under target/) gets a short directory of its own under /tmp
# (fixed, not $TMPDIR: every later command must compute the same path).
topo_socket() {
  local sock="$topo_dir/$1.sock"
  if [ "${#sock}" -gt 100 ]; then
    sock="/tmp/uliga-topology-$(printf '%s' "$topo_dir" | cksum | cut -d' ' -f1)/$1.sock"
  fi
  printf '%s' "$sock"
}

# Reads the ports of DIR/topology.env into topo_ports (empty when there is none).
topo_load_ports() {
  topo_ports=()
  local env="$topo_dir/topology.env" key value primary="" replica1="" replica2=""
  [ -f "$env" ] || return 0
  while IFS='=' read -r key value; do
    case "$key" in
      PRIMARY_PORT) primary=$value ;;
      REPLICA1_PORT) replica1=$value ;;
      REPLICA2_PORT) replica2=$value ;;
    esac
  done <"$env"
  if [ -n "$primary" ] && [ -n "$replica1" ] && [ -n "$replica2" ]; then
    topo_ports=("$primary" "$replica1" "$replica2")
  fi
}

topo_port() { printf '%s' "${topo_ports[$(topo_node_index "$1")]}"; }

topo_require_ports() {
  topo_load_ports
  [ "${#topo_ports[@]}" -eq 3 ] ||
    topo_die "$topo_dir has no topology.env: create it with: $0 up $topo_dir"
}

# Written through a temporary file so that a concurrent reader never sees half of it.
topo_write_env() {
  local pp=${topo_ports[0]} rp1=${topo_ports[1]} rp2=${topo_ports[2]} q='?prefer_socket=false'
  cat >"$topo_dir/topology.env.tmp" <<EOF
PRIMARY_PORT=$pp
REPLICA1_PORT=$rp1
REPLICA2_PORT=$rp2
DATABASE_URL=mysql://uliga@127.0.0.1:$pp/uliga$q
DATABASE_REPLICA_URLS=mysql://uliga@127.0.0.1:$rp1/uliga$q,mysql://uliga@127.0.0.1:$rp2/uliga$q
ADMIN_URL_PRIMARY=mysql://root@127.0.0.1:$pp
ADMIN_URL_REPLICA1=mysql://root@127.0.0.1:$rp1
ADMIN_URL_REPLICA2=mysql://root@127.0.0.1:$rp2
EOF
  mv -f "$topo_dir/topology.env.tmp" "$topo_dir/topology.env"
}

# The pid of NODE's server, if it runs. The pid file alone is not enough: a killed
# server leaves it behind and its pid may belong to another process by now.
topo_pid() {
  local pid cmdline
  [ -r "$topo_dir/$1.pid" ] || return 1
  read -r pid <"$topo_dir/$1.pid" 2>/dev/null || return 1
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
  case "$cmdline" in
    *"--datadir=$topo_dir/$1 "*) printf '%s' "$pid" ;;
    *) return 1 ;;
  esac
}

topo_running() { topo_pid "$1" >/dev/null; }

# Whether process PID lives; a zombie (killed, not yet reaped by its parent) does not.
topo_alive() { [ -d "/proc/$1" ] && [ "$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)" != Z ]; }

topo_answers() {
  mariadb-admin --no-defaults --socket="$(topo_socket "$1")" -uroot --connect-timeout=2 \
    ping >/dev/null 2>&1
}

# Runs SQL on NODE as the root@localhost account of mariadb-install-db (socket).
topo_sql() {
  mariadb --no-defaults --socket="$(topo_socket "$1")" -uroot --batch --skip-column-names \
    -e "$2"
}

# Free means nothing accepts a connection on 127.0.0.1:PORT (a listener on 0.0.0.0
# counts too); the server's own bind is the final word, see topo_start_nodes.
topo_port_free() {
  # shellcheck disable=SC2016 # $1 is expanded by the inner bash
  ! timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" 2>/dev/null
}

# "PID/NAME" of whatever listens on PORT, for messages (empty without ss).
topo_port_holder() {
  command -v ss >/dev/null 2>&1 || return 0
  ss -Hltnp "sport = :$1" 2>/dev/null | sed -n 's/.*users:(("\([^"]*\)",pid=\([0-9]*\).*/\2\/\1/p' | head -n 1
}

# ---------------------------------------------------------------- one node

# The server's options; the same every time, so start, up and a restart agree.
topo_server_args() {
  local node=$1 port
  port=$(topo_port "$node")
  topo_args=(
    --no-defaults # the machine's /etc/mysql must not change these servers
    --user="$(id -un)" # mariadbd refuses to run as root without it
    --datadir="$topo_dir/$node"
    --port="$port"
    --bind-address=127.0.0.1
    --socket="$(topo_socket "$node")"
    --pid-file="$topo_dir/$node.pid"
    --log-error="$topo_dir/$node.err"
    --skip-name-resolve
    --innodb-buffer-pool-size=32M
    --innodb-log-file-size=16M
    # A crash of the process (kill) loses nothing with these: the OS still writes
    # its buffers. Only a crash of the machine would, and these are throw-away.
    --innodb-flush-log-at-trx-commit=2
    --sync-binlog=0
    --gtid-strict-mode=1
    --slave-net-timeout=10 # notice a vanished primary within seconds, not a minute
  )
  case "$node" in
    primary)
      topo_args+=(--server-id=1 --log-bin="$topo_dir/primary/binlog" --binlog-format=ROW)
      ;;
    replica1 | replica2)
      topo_args+=(--server-id=$((${node#replica} + 1)) --read-only=1
        --relay-log="$topo_dir/$node/relay-bin" --binlog-format=ROW)
      ;;
  esac
}

# Initialises DIR/NODE. Into a temporary directory first, so that an interrupted run
# never leaves a half-made data directory that looks finished.
topo_init_node() {
  local node=$1 tmp="$topo_dir/$1.init" log="$topo_dir/$1.init.log"
  rm -rf "$tmp" "$topo_dir/tmp/$node"
  # A new primary has none of the accounts yet.
  [ "$node" != primary ] || rm -f "$topo_dir/primary.configured"
  mkdir -p "$topo_dir/tmp/$node"
  # normal: root@localhost gets an empty password instead of unix_socket, so that
  # setup works as any OS user.
  if ! mariadb-install-db --no-defaults --datadir="$tmp" --tmpdir="$topo_dir/tmp/$node" \
    --user="$(id -un)" --auth-root-authentication-method=normal --skip-test-db \
    --skip-name-resolve --innodb-buffer-pool-size=32M --innodb-log-file-size=16M \
    >"$log" 2>&1; then
    topo_say "mariadb-install-db failed for $node:"
    tail -n 20 "$log" >&2
    return 1
  fi
  mv "$tmp" "$topo_dir/$node"
  rm -rf "$log" "$topo_dir/tmp/$node"
}

# Starts mariadbd for NODE in the background, in its own session so that the
# caller's terminal or test harness does not take it down with itself. Its output and
# the lock file descriptors must not stay open in the server: a caller reading our
# stdout would wait for it forever, and the lock would never be released.
topo_spawn() {
  local node=$1
  topo_server_args "$node"
  shift
  mkdir -p "$(dirname "$(topo_socket "$node")")"
  setsid "$(topo_mariadbd)" "${topo_args[@]}" "$@" \
    </dev/null >>"$topo_dir/$node.err" 2>&1 8<&- 9<&- &
  topo_spawned_pid=$!
  # Not a job of ours: no "Killed" report from bash when a failed start is cleaned up.
  disown "$topo_spawned_pid"
}

# Waits until NODE answers. Returns 3 when the server died because its port was
# taken meanwhile (so that `up ... auto` can move on), 1 on other failures.
topo_wait_answers() {
  local node=$1 pid=$2 err_from=$3 deadline=$((SECONDS + TOPO_TIMEOUT))
  until topo_answers "$node"; do
    if ! topo_alive "$pid"; then
      if tail -c +"$((err_from + 1))" "$topo_dir/$node.err" | grep -q 'Address already in use'; then
        topo_say "$node: port $(topo_port "$node") was taken before it could bind"
        return 3
      fi
      topo_say "$node did not start; the end of $topo_dir/$node.err:"
      tail -c +"$((err_from + 1))" "$topo_dir/$node.err" | tail -n 15 >&2
      return 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      topo_say "$node did not answer within ${TOPO_TIMEOUT}s (see $topo_dir/$node.err)"
      return 1
    fi
    sleep 0.05
  done
}

# Starts the given nodes (stopped ones) in parallel and waits until they answer.
# Extra mariadbd options for a node come from topo_extra[NODE]. Returns 2 when a port
# is taken, 3 when a server lost the race for its port, 1 on other failures; nodes
# started before such a failure are stopped again.
topo_start_nodes() {
  local node port holder rc=0 pids=() offs=() i=0
  for node in "$@"; do
    port=$(topo_port "$node")
    if ! topo_port_free "$port"; then
      holder=$(topo_port_holder "$port")
      topo_say "port $port (for $node) is already in use${holder:+ by $holder}"
      return 2
    fi
  done
  for node in "$@"; do
    offs+=("$(stat -c %s "$topo_dir/$node.err" 2>/dev/null || echo 0)")
    # shellcheck disable=SC2086 # word splitting of the extra options is wanted
    topo_spawn "$node" ${topo_extra[$node]:-}
    pids+=("$topo_spawned_pid")
  done
  for node in "$@"; do
    topo_wait_answers "$node" "${pids[$i]}" "${offs[$i]}" || {
      local r=$?
      [ "$rc" -ne 0 ] || rc=$r
    }
    i=$((i + 1))
  done
  if [ "$rc" -ne 0 ]; then
    # By the spawned pid: a server that hangs in its startup has no pid file yet.
    for i in "${!pids[@]}"; do
      if topo_alive "${pids[$i]}"; then
        kill -KILL "${pids[$i]}" 2>/dev/null || true
        topo_wait_gone "${pids[$i]}" 10 || true
      fi
    done
    return "$rc"
  fi
  topo_say "started $* ($(for node in "$@"; do printf '%s:%s ' "$node" "$(topo_port "$node")"; done | sed 's/ $//'))"
}

topo_wait_gone() {
  local pid=$1 secs=$2 deadline
  deadline=$((SECONDS + secs))
  while topo_alive "$pid"; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.05
  done
}

# Graceful shutdown through the socket; SIGKILL when that does not end the process
# within a few seconds (a stuck server must not block down).
topo_stop_node() {
  local node=$1 pid
  if ! pid=$(topo_pid "$node"); then
    topo_say "$node is not running"
    return 0
  fi
  mariadb-admin --no-defaults --socket="$(topo_socket "$node")" -uroot --connect-timeout=2 \
    --shutdown-timeout=10 shutdown >/dev/null 2>&1 || kill -TERM "$pid" 2>/dev/null || true
  if ! topo_wait_gone "$pid" 10; then
    topo_say "$node did not shut down within 10s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
    topo_wait_gone "$pid" 10 || topo_die "$node (pid $pid) does not go away"
  fi
  topo_say "stopped $node"
}

topo_kill_node() {
  local node=$1 pid
  if ! pid=$(topo_pid "$node"); then
    topo_say "$node is not running"
    return 0
  fi
  kill -KILL "$pid" 2>/dev/null || true
  topo_wait_gone "$pid" 10 || topo_die "$node (pid $pid) does not go away"
  topo_say "killed $node (pid $pid)"
}

# ---------------------------------------------------------------- replication

topo_replica_field() { # NODE FIELD: one field of SHOW SLAVE STATUS, empty if none
  mariadb --no-defaults --socket="$(topo_socket "$1")" -uroot -e 'SHOW SLAVE STATUS\G' 2>/dev/null |
    awk -v f="$2" -F': ' '{ sub(/^ */, "", $1) } $1 == f { print $2; exit }'
}

# Accounts go through the binary log, so the replicas get them too (they already
# have a root@127.0.0.1 of their own from mariadb-install-db; IF NOT EXISTS and GRANT
# replay fine over it).
topo_setup_primary() {
  topo_sql primary "
    CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY '';
    GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
    CREATE USER IF NOT EXISTS 'repl'@'127.0.0.1' IDENTIFIED BY 'repl';
    GRANT REPLICATION SLAVE ON *.* TO 'repl'@'127.0.0.1';
    CREATE USER IF NOT EXISTS 'uliga'@'127.0.0.1' IDENTIFIED BY '';
    GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, ALTER, INDEX, REFERENCES,
      CREATE TEMPORARY TABLES, LOCK TABLES, EXECUTE, CREATE VIEW, SHOW VIEW,
      SLAVE MONITOR, BINLOG MONITOR ON *.* TO 'uliga'@'127.0.0.1';" ||
    topo_die "could not create the accounts on the primary"
  : >"$topo_dir/primary.configured"
}

# Points NODE at the primary's current port and starts replicating. The settings
# (master.info, gtid_slave_pos) stay in the data directory, so a restarted replica
# resumes by itself.
topo_setup_replica() {
  local node=$1
  topo_sql "$node" "
    STOP SLAVE;
    CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=$(topo_port primary),
      MASTER_USER='repl', MASTER_PASSWORD='repl', MASTER_USE_GTID=slave_pos,
      MASTER_CONNECT_RETRY=1;
    START SLAVE;" || topo_die "could not configure replication on $node"
}

# Waits until every replica has applied all the primary has binlogged.
topo_wait_caught_up() {
  local pos node result
  pos=$(topo_sql primary 'SELECT @@gtid_binlog_pos') || topo_die "cannot read the primary's GTID position"
  for node in replica1 replica2; do
    result=$(topo_sql "$node" "SELECT MASTER_GTID_WAIT('$pos', $TOPO_TIMEOUT)") || result=error
    if [ "$result" != 0 ]; then
      topo_say "$node did not reach the primary's position $pos within ${TOPO_TIMEOUT}s:"
      mariadb --no-defaults --socket="$(topo_socket "$node")" -uroot -e 'SHOW SLAVE STATUS\G' 2>&1 |
        grep -E 'Running:|Last_.*Error:|Gtid_IO_Pos' >&2 || true
      return 1
    fi
  done
}

# ---------------------------------------------------------------- locks

# One command at a time per DIR (two `up`s of the same DIR would both initialise it).
topo_lock_dir() {
  mkdir -p "$topo_dir"
  exec 8>>"$topo_dir/.lock"
  flock -w "$((TOPO_TIMEOUT * 3))" 8 || topo_die "timed out waiting for another command on $topo_dir"
}

# Choosing free ports and binding them must not interleave between concurrent callers
# (parallel tests): held from the check until the servers answer (well under a second).
# The file may belong to another user: a read-only descriptor is enough for flock.
topo_lock_ports() {
  { exec 9>>"$TOPO_PORT_LOCK"; } 2>/dev/null || exec 9<"$TOPO_PORT_LOCK"
  flock -w 120 9 || topo_die "timed out waiting for $TOPO_PORT_LOCK"
}

topo_unlock_ports() { exec 9>&-; }

# ---------------------------------------------------------------- commands

# The first base from FROM upwards (step 3) whose three ports are free.
topo_first_free_base() {
  local base=$1
  while [ "$base" -le 65533 ]; do
    if topo_port_free "$base" && topo_port_free $((base + 1)) && topo_port_free $((base + 2)); then
      printf '%s' "$base"
      return 0
    fi
    base=$((base + 3))
  done
  return 1
}

# Sets topo_ports for `up` (a third argument silences the warning): running nodes pin them; else BASE_PORT, or for auto the
# ports DIR had if they are still free (and not just lost a race, topo_skip_base),
# else the first free base; without BASE_PORT the ports DIR had, else the default.
topo_choose_ports() {
  local base=$1 any_running=$2 from=$TOPO_DEFAULT_BASE b
  if [ -n "$any_running" ]; then
    [ "${#topo_ports[@]}" -eq 3 ] || topo_die "$topo_dir has running nodes but no topology.env"
    if [ -n "$base" ] && [ "$base" != auto ] && [ "$base" != "${topo_ports[0]}" ] && [ -z "${3:-}" ]; then
      topo_say "warning: nodes of $topo_dir run on ${topo_ports[0]}-${topo_ports[2]}; keeping those, not $base"
    fi
  elif [[ $base =~ ^[0-9]+$ ]]; then
    topo_ports=("$base" $((base + 1)) $((base + 2)))
  elif [ "$base" = auto ]; then
    [ -z "${topo_skip_base:-}" ] || from=$((topo_skip_base + 3))
    if [ "${#topo_ports[@]}" -ne 3 ] || [ -n "${topo_skip_base:-}" ] ||
      ! topo_port_free "${topo_ports[0]}" || ! topo_port_free "${topo_ports[1]}" ||
      ! topo_port_free "${topo_ports[2]}"; then
      b=$(topo_first_free_base "$from") || topo_die "no three free ports from $from upwards"
      topo_ports=("$b" $((b + 1)) $((b + 2)))
    fi
  elif [ "${#topo_ports[@]}" -ne 3 ]; then
    topo_ports=("$TOPO_DEFAULT_BASE" $((TOPO_DEFAULT_BASE + 1)) $((TOPO_DEFAULT_BASE + 2)))
  fi
}

topo_up() {
  local base=${1:-} node stopped=() fresh=() any_running="" old_primary_port="" rc attempt
  case "$base" in
    '' | auto) ;;
    *)
      if [[ ! $base =~ ^[0-9]+$ ]] || [ "$base" -lt 1 ] || [ "$base" -gt 65533 ]; then
        topo_die "BASE_PORT must be a port number (1-65533) or auto, not '$base'"
      fi
      ;;
  esac
  topo_ensure_binaries
  topo_lock_dir
  topo_load_ports
  for node in "${TOPO_NODES[@]}"; do
    if topo_running "$node"; then
      any_running=1
    else
      stopped+=("$node")
    fi
  done
  if [ "${#stopped[@]}" -eq 0 ]; then
    topo_say "already running in $topo_dir"
    cat "$topo_dir/topology.env"
    return 0
  fi
  [ "${#topo_ports[@]}" -eq 3 ] && old_primary_port=${topo_ports[0]}

  # Fixed ports that are taken fail now, not after initialising (checked again when
  # the servers start, under the lock).
  if [ "$base" != auto ]; then
    local saved=("${topo_ports[@]}") port holder
    topo_choose_ports "$base" "$any_running" quiet
    for node in "${stopped[@]}"; do
      port=$(topo_port "$node")
      if ! topo_port_free "$port"; then
        holder=$(topo_port_holder "$port")
        topo_die "port $port (for $node) is already in use${holder:+ by $holder}; the ports" \
          "${topo_ports[*]} must be free (or use: $0 up $topo_dir auto)"
      fi
    done
    topo_ports=("${saved[@]}")
  fi

  for node in "${stopped[@]}"; do
    [ -d "$topo_dir/$node" ] || fresh+=("$node")
  done
  if [ "${#fresh[@]}" -gt 0 ]; then
    topo_say "initialising ${fresh[*]} in $topo_dir"
    local pids=() failed=""
    for node in "${fresh[@]}"; do
      topo_init_node "$node" 8<&- &
      pids+=($!)
    done
    for node in "${pids[@]}"; do
      wait "$node" || failed=1
    done
    [ -z "$failed" ] || topo_die "initialisation failed"
    rmdir "$topo_dir/tmp" 2>/dev/null || true
  fi

  # Replicas that are new, or whose primary moves to another port, must not start
  # replicating from the old address (something else may listen there now).
  local reconfigure=()
  local moved=""
  for attempt in 1 2 3 4 5 6 7 8 9 10; do
    topo_lock_ports
    topo_choose_ports "$base" "$any_running"
    if [ -n "$old_primary_port" ] && [ "$old_primary_port" != "${topo_ports[0]}" ]; then
      moved=1
      topo_say "moving from ports $old_primary_port-$((old_primary_port + 2)) to ${topo_ports[0]}-${topo_ports[2]}"
    fi
    reconfigure=()
    for node in replica1 replica2; do
      if [[ " ${stopped[*]} " == *" $node "* ]] &&
        { [[ " ${fresh[*]} " == *" $node "* ]] || [ -n "$moved" ] || [ -z "$old_primary_port" ]; }; then
        reconfigure+=("$node")
        topo_extra[$node]=--skip-slave-start
      fi
    done
    rc=0
    topo_start_nodes "${stopped[@]}" || rc=$?
    topo_unlock_ports
    case "$rc" in
      0) break ;;
      2 | 3)
        if [ "$base" = auto ] && [ -z "$any_running" ]; then
          # Another caller got these ports between the check and the bind: next base.
          topo_skip_base=${topo_ports[0]}
          continue
        fi
        if [ "$rc" -eq 2 ]; then
          topo_die "the ports ${topo_ports[*]} must be free (or use: $0 up $topo_dir auto)"
        fi
        topo_die "could not bind the ports ${topo_ports[*]}"
        ;;
      *) topo_die "could not start ${stopped[*]}" ;;
    esac
  done
  [ "$rc" -eq 0 ] || topo_die "gave up finding free ports after $attempt attempts"
  topo_write_env

  if [ ! -f "$topo_dir/primary.configured" ]; then
    topo_say "creating the accounts root, repl and uliga"
    topo_setup_primary
  fi
  # Also a replica that an interrupted `up` started but never pointed at the primary.
  for node in replica1 replica2; do
    if [[ " ${reconfigure[*]} " == *" $node "* ]] || { [[ " ${stopped[*]} " == *" $node "* ]] &&
      [ "$(topo_replica_field "$node" Master_Port)" != "${topo_ports[0]}" ]; }; then
      topo_setup_replica "$node"
    fi
  done
  topo_wait_caught_up || topo_die "replication did not catch up"
  topo_say "up: primary 127.0.0.1:${topo_ports[0]}, replicas 127.0.0.1:${topo_ports[1]} and :${topo_ports[2]}"
  cat "$topo_dir/topology.env"
}

topo_down() {
  local node pids=() failed=""
  [ -d "$topo_dir" ] || {
    topo_say "$topo_dir does not exist"
    return 0
  }
  topo_lock_dir
  for node in "${TOPO_NODES[@]}"; do
    topo_stop_node "$node" 8<&- &
    pids+=($!)
  done
  for node in "${pids[@]}"; do
    wait "$node" || failed=1
  done
  [ -z "$failed" ] || topo_die "not every node stopped"
}

topo_destroy() {
  [ -d "$topo_dir" ] || {
    topo_say "$topo_dir does not exist"
    return 0
  }
  # rm -rf on a path from the command line: only on something that looks like ours.
  if [ ! -f "$topo_dir/topology.env" ] && [ ! -d "$topo_dir/primary" ] &&
    [ ! -d "$topo_dir/primary.init" ] && [ ! -f "$topo_dir/.lock" ]; then
    topo_die "$topo_dir does not look like a topology directory; not removing it"
  fi
  topo_down
  local sockdir
  sockdir=$(dirname "$(topo_socket primary)")
  [ "$sockdir" = "$topo_dir" ] || rm -rf "$sockdir"
  rm -rf "$topo_dir"
  topo_say "removed $topo_dir"
}

topo_start() {
  local node=$1 port
  topo_require_ports
  [ -d "$topo_dir/$node" ] || topo_die "$topo_dir/$node does not exist: $0 up $topo_dir"
  topo_lock_dir
  if topo_running "$node"; then
    topo_say "$node is already running"
    return 0
  fi
  topo_lock_ports
  local rc=0
  topo_start_nodes "$node" || rc=$?
  topo_unlock_ports
  [ "$rc" -eq 0 ] || topo_die "could not start $node"
  # A replica resumes from its saved settings; say so when it does not (it cannot
  # while the primary is down).
  case "$node" in replica*)
    if topo_running primary; then
      local deadline=$((SECONDS + 10))
      port=$(topo_port primary)
      until [ "$(topo_replica_field "$node" Slave_IO_Running)" = Yes ] &&
        [ "$(topo_replica_field "$node" Slave_SQL_Running)" = Yes ]; do
        if [ "$SECONDS" -ge "$deadline" ]; then
          topo_say "warning: $node is not replicating from port $port yet (see: $0 status $topo_dir)"
          break
        fi
        sleep 0.1
      done
    fi
    ;;
  esac
}

topo_status() {
  local node port pid state
  topo_require_ports
  for node in "${TOPO_NODES[@]}"; do
    port=$(topo_port "$node")
    if pid=$(topo_pid "$node"); then
      state="running (pid $pid)"
      topo_answers "$node" || state="running (pid $pid), not answering"
    else
      state=stopped
    fi
    printf '%-9s 127.0.0.1:%-5s %s\n' "$node" "$port" "$state"
    if [ "$node" = primary ] && [ -n "$pid" ]; then
      printf '          gtid_binlog_pos=%s\n' "$(topo_sql primary 'SELECT @@gtid_binlog_pos' 2>/dev/null || echo '?')"
    fi
    if [ "$node" != primary ] && [ -n "$pid" ]; then
      mariadb --no-defaults --socket="$(topo_socket "$node")" -uroot -e 'SHOW SLAVE STATUS\G' 2>/dev/null |
        awk -F': ' '{ sub(/^ */, "", $1) }
          $1 ~ /^(Slave_IO_Running|Slave_SQL_Running|Seconds_Behind_Master|Gtid_IO_Pos|Master_Port|SQL_Delay)$/ ||
          ($1 ~ /^Last_(IO_|SQL_)?Error$/ && $2 != "") { printf "          %s=%s\n", $1, $2 }'
    fi
    pid=""
  done
}

main() {
  local cmd=${1:-}
  [ $# -gt 0 ] && shift
  case "$cmd" in
    up)
      if [ $# -lt 1 ] || [ $# -gt 2 ]; then topo_usage; fi
      topo_set_dir "$1"
      topo_up "${2:-}"
      ;;
    down | destroy | status | env)
      [ $# -eq 1 ] || topo_usage
      topo_set_dir "$1"
      case "$cmd" in
        down) topo_down ;;
        destroy) topo_destroy ;;
        status) topo_status ;;
        env)
          [ -f "$topo_dir/topology.env" ] || topo_die "$topo_dir/topology.env does not exist"
          cat "$topo_dir/topology.env"
          ;;
      esac
      ;;
    stop | kill | start)
      [ $# -eq 2 ] || topo_usage
      topo_node_index "$1" >/dev/null
      topo_set_dir "$2"
      case "$cmd" in
        stop)
          topo_require_ports
          topo_lock_dir
          topo_stop_node "$1"
          ;;
        kill)
          topo_require_ports
          topo_lock_dir
          topo_kill_node "$1"
          ;;
        start) topo_start "$1" ;;
      esac
      ;;
    -h | --help | help) topo_usage ;;
    *) topo_usage ;;
  esac
}

main "$@"
