#!/usr/bin/env bash
# Zero-downtime rollout of a uliga image on this server, one instance at a time.
#
#   deploy.sh IMAGE        e.g. deploy.sh ghcr.io/owner/uliga:<sha>
#
# Two instances, a and b, run behind nginx (deploy/nginx/uliga.conf). Each has two
# ports (a: 8081/8091, b: 8082/8092) and serves on one of them. For each instance in
# turn the script starts IMAGE on the port it is not using, waits until
# /health/ready answers 200, points nginx's upstream at the new port and reloads nginx,
# then stops the old container (SIGTERM: it drains in-flight requests) and removes it.
# If the new container does not become ready, it is removed and the deploy stops; the
# old one keeps serving.
#
# Needs: docker, nginx, curl, flock; runs as root (re-runs itself through sudo -n).
# Settings (defaults in brackets):
#   ULIGA_ENV_FILE [/etc/uliga/env]                      the service's environment
#   ULIGA_STATE_DIR [/var/lib/uliga]                     <instance>.port, deploy.lock
#   ULIGA_UPSTREAM_FILE [/etc/nginx/uliga/upstream.conf] written here, included by nginx
#   ULIGA_READY_TIMEOUT [60]   seconds for a new container to become ready
#   ULIGA_STOP_TIMEOUT [35]    seconds an old container gets to drain before SIGKILL;
#                              above the service's SHUTDOWN_TIMEOUT_SECONDS (30)
#   ULIGA_SWITCH_GRACE [3]     seconds between the nginx reload and stopping the old one
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
  exec sudo -n bash "$(readlink -f "$0")" "$@"
fi

IMAGE=${1:?usage: deploy.sh IMAGE}
ENV_FILE=${ULIGA_ENV_FILE:-/etc/uliga/env}
STATE_DIR=${ULIGA_STATE_DIR:-/var/lib/uliga}
UPSTREAM_FILE=${ULIGA_UPSTREAM_FILE:-/etc/nginx/uliga/upstream.conf}
READY_TIMEOUT=${ULIGA_READY_TIMEOUT:-60}
STOP_TIMEOUT=${ULIGA_STOP_TIMEOUT:-35}
SWITCH_GRACE=${ULIGA_SWITCH_GRACE:-3}

INSTANCES=(a b)
declare -A PORTS=([a]="8081 8091" [b]="8082 8092")

log() { printf '%s deploy: %s\n' "$(date -u +%FT%TZ)" "$*" >&2; }
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

container_running() {
  [ "$(docker inspect -f '{{.State.Running}}' "$1" 2>/dev/null)" = true ]
}

# Waits for GET /health/ready to answer 200; fails early when the container exits.
wait_ready() {
  local name=$1 port=$2 deadline=$((SECONDS + READY_TIMEOUT))
  while [ "$SECONDS" -lt "$deadline" ]; do
    if curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$port/health/ready" 2>/dev/null; then
      return 0
    fi
    if ! container_running "$name"; then
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
  nginx -t -q && nginx -s reload
}

deploy_instance() {
  local instance=$1 old new name old_name backup
  old=$(current_port "$instance")
  new=$(next_port "$instance" "$old")
  name="uliga-$instance-$new"
  old_name="uliga-$instance-$old"

  # A container left on the new port by an interrupted deploy is not in nginx's upstream.
  docker rm -f "$name" >/dev/null 2>&1 || true
  if port_in_use "$new"; then
    die "instance $instance: port $new is already in use; nothing changed"
  fi

  log "instance $instance: starting $name (was on ${old:-nothing})"
  docker run -d --name "$name" --restart unless-stopped --network host \
    --env-file "$ENV_FILE" -e "LISTEN_ADDR=0.0.0.0:$new" \
    --label "uliga.instance=$instance" "$IMAGE" >/dev/null

  if ! wait_ready "$name" "$new"; then
    docker logs --tail 50 "$name" >&2 || true
    docker rm -f "$name" >/dev/null || true
    die "instance $instance: new container removed; ${old:+$old_name keeps serving}"
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
    docker rm -f "$name" >/dev/null || true
    die "instance $instance: nginx rejected the new upstream; restored the old one"
  fi
  rm -f "$backup"
  echo "$new" >"$STATE_DIR/$instance.port.tmp"
  mv -f "$STATE_DIR/$instance.port.tmp" "$STATE_DIR/$instance.port"

  if [ -n "$old" ] && docker inspect "$old_name" >/dev/null 2>&1; then
    # Let nginx's old workers hand over before the old instance stops accepting.
    sleep "$SWITCH_GRACE"
    log "instance $instance: draining $old_name"
    docker stop --time "$STOP_TIMEOUT" "$old_name" >/dev/null || true
    docker rm "$old_name" >/dev/null || true
  fi
  log "instance $instance: serving $IMAGE on $new"
}

for tool in docker nginx curl flock; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is not installed"
done
[ -r "$ENV_FILE" ] || die "missing $ENV_FILE (the service's environment; see .env.example)"
mkdir -p "$STATE_DIR" "$(dirname "$UPSTREAM_FILE")"

exec 9>"$STATE_DIR/deploy.lock"
flock -n 9 || die "another deploy is running"

log "pulling $IMAGE"
docker pull --quiet "$IMAGE" >/dev/null

done_instances=()
on_exit() {
  local status=$?
  if [ "$status" -ne 0 ] && [ "${#done_instances[@]}" -gt 0 ]; then
    log "stopped after instance(s) ${done_instances[*]}: they run $IMAGE, the others the previous image"
  fi
}
trap on_exit EXIT

for instance in "${INSTANCES[@]}"; do
  deploy_instance "$instance"
  done_instances+=("$instance")
done
log "done: all instances run $IMAGE"
