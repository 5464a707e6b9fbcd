#!/usr/bin/env bash
# Runs the uliga service locally: loads .env (without overriding the environment),
# starts a MariaDB primary and two GTID replicas (scripts/topology.sh: data in
# target/topology, ports 3307-3309 or the next free ones) and points DATABASE_URL and
# DATABASE_REPLICA_URLS at them, makes sure Redis answers (scripts/services.sh), then
# builds and starts the release binary. The binary creates its database and runs its
# migrations itself.
# ULIGA_SINGLE_DB=1, or --single-db as the first argument, runs on one database
# instead: DATABASE_URL from .env or the environment, else the MariaDB on
# 127.0.0.1:3306 that services.sh installs and starts.
# Other arguments are passed to the binary.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# The flag is ours, not the binary's.
single_db=""
if [ "${1:-}" = --single-db ]; then
  single_db=1
  shift
fi

# .env: KEY=VALUE lines; blank lines and # comments are skipped; a variable that is
# already set in the environment wins.
if [ -f .env ]; then
  while IFS= read -r line || [ -n "$line" ]; do
    line=${line%$'\r'}
    case "$line" in '' | '#'*) continue ;; esac
    line=${line#export }
    key=${line%%=*}
    value=${line#*=}
    if [[ ! $key =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || [ "$key" = "$line" ]; then
      echo "run: skipping malformed .env line: $line" >&2
      continue
    fi
    # Strip one pair of matching surrounding quotes.
    if [[ $value =~ ^\"(.*)\"$ || $value =~ ^\'(.*)\'$ ]]; then
      value=${BASH_REMATCH[1]}
    fi
    if [ -z "${!key+set}" ]; then
      export "$key=$value"
    fi
  done <.env
fi

# After .env, which may set ULIGA_SINGLE_DB too.
if [ "${ULIGA_SINGLE_DB:-}" = 1 ]; then
  single_db=1
fi

if [ -z "$single_db" ]; then
  # The service reads from the replicas and writes to the primary, as in production.
  # topology.sh prints KEY=VALUE lines on stdout (progress goes to stderr); `auto`
  # moves to the next free ports when 3307-3309 are taken.
  topology_env=$(bash scripts/topology.sh up target/topology auto)
  while IFS='=' read -r key value; do
    case "$key" in
      DATABASE_URL | DATABASE_REPLICA_URLS) export "$key=$value" ;;
    esac
  done <<<"$topology_env"
  echo "run: DATABASE_URL=$DATABASE_URL and DATABASE_REPLICA_URLS=$DATABASE_REPLICA_URLS" \
    "(from target/topology, overriding any DATABASE_URL from .env or the environment; ULIGA_SINGLE_DB=1 for one database)" >&2
  # Only Redis from services.sh: the topology is the database, 3306 is not needed.
  ULIGA_SKIP_DB=1
fi

# shellcheck source=scripts/services.sh
source scripts/services.sh

listen=${LISTEN_ADDR:-127.0.0.1:8080}
listen=${listen/0.0.0.0:/127.0.0.1:}
listen=${listen/\[::\]:/[::1]:}
echo "uliga: GraphiQL at http://$listen/ (GraphQL at /graphql, health at /health/ready, metrics at /metrics)"
if [ -z "${SMTP_URL:-}" ]; then
  echo "uliga: SMTP_URL is not set, so verification codes and password-reset links are written to the log"
fi

# The GraphiQL playground's scripts (web/), built once when npm is at hand; the
# server runs without them and its page then says how to build them.
if [ ! -f "${GRAPHIQL_ASSETS_DIR:-web/dist}/playground.js" ] && command -v npm >/dev/null 2>&1; then
  { npm ci --prefix web --no-audit --no-fund --loglevel=error && npm run build --prefix web --silent; } ||
    echo "run: the playground was not built; / says how to build it" >&2
fi

exec cargo run --release --locked --bin uliga -- "$@"
