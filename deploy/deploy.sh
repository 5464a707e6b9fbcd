#!/usr/bin/env bash
# Zero-downtime rollout of a uliga build on this server, one instance at a time.
#
#   deploy.sh IMAGE        e.g. deploy.sh ghcr.io/owner/uliga:<sha>
#   ULIGA_RUNNER=process deploy.sh /path/to/uliga      (a binary instead of an image)
#
# Two instances, a and b, run behind nginx (deploy/nginx/uliga.conf). Each has two
# ports (a: 8081/8091, b: 8082/8092) and serves on one of them. For each instance in
# turn the script starts IMAGE on the port it is not using, waits until
# /health/ready answers 200, points nginx's upstream at the new port and reloads nginx,
# then stops the old instance (SIGTERM: it drains in-flight requests) and removes it.
# If the new instance does not become ready, it is removed and the deploy stops; the
# old one keeps serving.
#
# Runners (ULIGA_RUNNER):
#   docker [default]  IMAGE is a Docker image, run as container uliga-<instance>-<port>
#                     with --network host; needs root (re-runs itself through sudo -n).
#   process           IMAGE is an executable (the uliga binary, or a wrapper), run as the
#                     current user in the background with the env file's variables; its
#                     pid and log are ULIGA_STATE_DIR/uliga-<instance>-<port>.{pid,log}
#                     (the previous log on that port is kept as .log.1).
#                     Used by deploy/rehearse to rehearse deploys on one machine.
#
# Needs: nginx, curl, flock, and docker for the docker runner.
# Settings (defaults in brackets):
#   ULIGA_RUNNER [docker]                                docker or process (above)
#   ULIGA_ENV_FILE [/etc/uliga/env]                      the service's environment
#   ULIGA_STATE_DIR [/var/lib/uliga]                     <instance>.port, deploy.lock
#   ULIGA_UPSTREAM_FILE [/etc/nginx/uliga/upstream.conf] written here, included by nginx
#   ULIGA_PORTS_A [8081 8091], ULIGA_PORTS_B [8082 8092] each instance's two ports
#   ULIGA_LISTEN_HOST [0.0.0.0]  address the instances listen on (port added)
#   ULIGA_NGINX_PREFIX, ULIGA_NGINX_CONF  passed to nginx as -p and -c when set
#   ULIGA_READY_TIMEOUT [60]   seconds for a new instance to become ready
#   ULIGA_STOP_TIMEOUT [35]    seconds an old instance gets to drain before SIGKILL;
#                              above the service's SHUTDOWN_TIMEOUT_SECONDS (30)
#   ULIGA_SWITCH_GRACE [3]     seconds between the nginx reload and stopping the old one
set -euo pipefail

RUNNER=${ULIGA_RUNNER:-docker}
case "$RUNNER" in
  docker | process) ;;
  *)
    echo "deploy: ULIGA_RUNNER must be docker or process, not $RUNNER" >&2
    exit 2
    ;;
esac

if [ "$RUNNER" = docker ] && [ "$(id -u)" -ne 0 ]; then
  exec sudo -n bash "$(readlink -f "$0")" "$@"
fi

IMAGE=${1:?usage: deploy.sh IMAGE}
ENV_FILE=${ULIGA_ENV_FILE:-/etc/uliga/env}
STATE_DIR=${ULIGA_STATE_DIR:-/var/lib/uliga}
UPSTREAM_FILE=${ULIGA_UPSTREAM_FILE:-/etc/nginx/uliga/upstream.conf}
READY_TIMEOUT=${ULIGA_READY_TIMEOUT:-60}
STOP_TIMEOUT=${ULIGA_STOP_TIMEOUT:-35}
SWITCH_GRACE=${ULIGA_SWITCH_GRACE:-3}

LISTEN_HOST=${ULIGA_LISTEN_HOST:-0.0.0.0}

INSTANCES=(a b)
declare -A PORTS=([a]="${ULIGA_PORTS_A:-8081 8091}" [b]="${ULIGA_PORTS_B:-8082 8092}")
NGINX=(nginx ${ULIGA_NGINX_PREFIX:+-p "$ULIGA_NGINX_PREFIX"} ${ULIGA_NGINX_CONF:+-c "$ULIGA_NGINX_CONF"})

log() { printf '%s deploy: %s\n' "$(date -u +%FT%T.%3NZ)" "$*" >&2; }
die() {
  log "$*"
  exit 1
}

# The port an instance serves on now (empty before its first deploy).
current_port() {
  local file="$STATE_DIR/$1.port"
  if [ -s "$file" ]; then
    tr -dc '0-9' <"$file"
  fi
}

# Of the instance's two ports, the one it is not serving on.
next_port() {
  local instance=$1 current=$2 port
  for port in ${PORTS[$instance]}; do
    if [ "$port" != "$current" ]; then
      echo "$port"
      return
    fi
  done
}

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# ---- Runner: start, inspect and stop one instance named uliga-<instance>-<port>.

# Starts IMAGE as the named instance serving on the port.
runner_start() {
  local instance=$1 name=$2 port=$3
  if [ "$RUNNER" = docker ]; then
    docker run -d --name "$name" --restart unless-stopped --network host \
      --env-file "$ENV_FILE" -e "LISTEN_ADDR=$LISTEN_HOST:$port" \
      --label "uliga.instance=$instance" "$IMAGE" >/dev/null
    return
  fi
  # The env file is read as docker reads it: KEY=VALUE lines, no quoting.
  local line vars=()
  while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in
      '' | '#'*) ;;
      *=*) vars+=("$line") ;;
    esac
  done <"$ENV_FILE"
  # The previous instance on this port keeps its log as <name>.log.1. fd 9 is the deploy
  # lock: the instance outlives this deploy and must not hold it.
  if [ -e "$STATE_DIR/$name.log" ]; then
    mv -f "$STATE_DIR/$name.log" "$STATE_DIR/$name.log.1"
  fi
  setsid env "${vars[@]}" "LISTEN_ADDR=$LISTEN_HOST:$port" "$IMAGE" \
    </dev/null >"$STATE_DIR/$name.log" 2>&1 9>&- &
  echo "$!" >"$STATE_DIR/$name.pid"
  disown "$!"
}

runner_pid() {
  local file="$STATE_DIR/$1.pid"
  if [ -s "$file" ]; then
    tr -dc '0-9' <"$file"
  fi
}

# The instance exists (running or not yet removed).
runner_exists() {
  if [ "$RUNNER" = docker ]; then
    docker inspect "$1" >/dev/null 2>&1
  else
    [ -e "$STATE_DIR/$1.pid" ]
  fi
}

runner_running() {
  if [ "$RUNNER" = docker ]; then
    [ "$(docker inspect -f '{{.State.Running}}' "$1" 2>/dev/null)" = true ]
  else
    local pid
    pid=$(runner_pid "$1")
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
  fi
}

runner_logs() {
  if [ "$RUNNER" = docker ]; then
    docker logs --tail 50 "$1"
  else
    tail -n 50 "$STATE_DIR/$1.log"
  fi
}

# SIGTERM, up to STOP_TIMEOUT seconds to drain and exit, then SIGKILL; then removes it.
runner_stop() {
  if [ "$RUNNER" = docker ]; then
    docker stop --time "$STOP_TIMEOUT" "$1" >/dev/null || true
    docker rm "$1" >/dev/null || true
    return
  fi
  local pid deadline=$((SECONDS + STOP_TIMEOUT))
  pid=$(runner_pid "$1")
  if [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null; then
    while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do
      sleep 0.2
    done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$STATE_DIR/$1.pid"
}

# Removes the instance at once (SIGKILL), whether it runs or not.
runner_remove() {
  if [ "$RUNNER" = docker ]; then
    docker rm -f "$1" >/dev/null 2>&1 || true
    return
  fi
  local pid
  pid=$(runner_pid "$1")
  if [ -n "$pid" ]; then
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  fi
  rm -f "$STATE_DIR/$1.pid"
}

# Makes IMAGE available: pulls it, or checks that the executable is there.
runner_fetch() {
  if [ "$RUNNER" = docker ]; then
    log "pulling $IMAGE"
    docker pull --quiet "$IMAGE" >/dev/null
  else
    [ -x "$IMAGE" ] || die "$IMAGE is not an executable"
  fi
}

# ---- The rollout.

# Waits for GET /health/ready to answer 200; fails early when the new instance exits.
wait_ready() {
  local name=$1 port=$2 deadline=$((SECONDS + READY_TIMEOUT))
  while [ "$SECONDS" -lt "$deadline" ]; do
    if curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$port/health/ready" 2>/dev/null; then
      return 0
    fi
    if ! runner_running "$name"; then
      log "$name exited before it was ready"
      return 1
    fi
    sleep 1
  done
  log "$name was not ready within ${READY_TIMEOUT}s"
  return 1
}

# Writes the upstream file with the given instance on the given port and the other
# instances on their current ports.
write_upstream() {
  local instance=$1 port=$2 i p tmp
  tmp=$(mktemp "$UPSTREAM_FILE.XXXXXX")
  {
    echo "# Written by deploy/deploy.sh at $(date -u +%FT%TZ): do not edit by hand."
    echo "upstream uliga {"
    for i in "${INSTANCES[@]}"; do
      if [ "$i" = "$instance" ]; then p=$port; else p=$(current_port "$i"); fi
      if [ -n "$p" ]; then
        echo "    server 127.0.0.1:$p max_fails=3 fail_timeout=10s; # instance $i"
      fi
    done
    echo "    keepalive 32;"
    echo "}"
  } >"$tmp"
  chmod 0644 "$tmp"
  mv -f "$tmp" "$UPSTREAM_FILE"
}

reload_nginx() {
  "${NGINX[@]}" -t -q && "${NGINX[@]}" -s reload
}

deploy_instance() {
  local instance=$1 old new name old_name backup
  old=$(current_port "$instance")
  new=$(next_port "$instance" "$old")
  name="uliga-$instance-$new"
  old_name="uliga-$instance-$old"

  # An instance left on the new port by an interrupted deploy is not in nginx's upstream.
  runner_remove "$name"
  if port_in_use "$new"; then
    die "instance $instance: port $new is already in use; nothing changed"
  fi

  log "instance $instance: starting $name (was on ${old:-nothing})"
  runner_start "$instance" "$name" "$new"

  if ! wait_ready "$name" "$new"; then
    runner_logs "$name" >&2 || true
    runner_remove "$name"
    die "instance $instance: new instance removed; ${old:+$old_name keeps serving}"
  fi

  log "instance $instance: ready on $new, switching nginx"
  backup=$(mktemp)
  cp "$UPSTREAM_FILE" "$backup" 2>/dev/null || true
  write_upstream "$instance" "$new"
  if ! reload_nginx; then
    if [ -s "$backup" ]; then
      cp "$backup" "$UPSTREAM_FILE"
      reload_nginx || true
    fi
    rm -f "$backup"
    runner_remove "$name"
    die "instance $instance: nginx rejected the new upstream; restored the old one"
  fi
  rm -f "$backup"
  echo "$new" >"$STATE_DIR/$instance.port.tmp"
  mv -f "$STATE_DIR/$instance.port.tmp" "$STATE_DIR/$instance.port"

  if [ -n "$old" ] && runner_exists "$old_name"; then
    # Let nginx's old workers hand over before the old instance stops accepting.
    sleep "$SWITCH_GRACE"
    log "instance $instance: draining $old_name"
    runner_stop "$old_name"
  fi
  log "instance $instance: serving $IMAGE on $new"
}

tools=(nginx curl flock)
if [ "$RUNNER" = docker ]; then tools+=(docker); fi
for tool in "${tools[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is not installed"
done
[ -r "$ENV_FILE" ] || die "missing $ENV_FILE (the service's environment; see .env.example)"
mkdir -p "$STATE_DIR" "$(dirname "$UPSTREAM_FILE")"

exec 9>"$STATE_DIR/deploy.lock"
flock -n 9 || die "another deploy is running"

runner_fetch

done_instances=()
on_exit() {
  local status=$?
  if [ "$status" -ne 0 ] && [ "${#done_instances[@]}" -gt 0 ]; then
    log "stopped after instance(s) ${done_instances[*]}: they run $IMAGE, the others the previous build"
  fi
}
trap on_exit EXIT

for instance in "${INSTANCES[@]}"; do
  deploy_instance "$instance"
  done_instances+=("$instance")
done
log "done: all instances run $IMAGE"
