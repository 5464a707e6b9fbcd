#!/usr/bin/env bash
# Runs the uliga service locally: loads .env (without overriding the environment),
# makes sure MariaDB and Redis answer (scripts/services.sh), then builds and starts
# the release binary. The binary creates its database and runs its migrations itself.
# Extra arguments are passed to the binary.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

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

# shellcheck source=scripts/services.sh
source scripts/services.sh

listen=${LISTEN_ADDR:-127.0.0.1:8080}
listen=${listen/0.0.0.0:/127.0.0.1:}
listen=${listen/\[::\]:/[::1]:}
echo "uliga: GraphiQL at http://$listen/ (GraphQL at /graphql, health at /health/ready, metrics at /metrics)"
if [ -z "${SMTP_URL:-}" ]; then
  echo "uliga: SMTP_URL is not set, so verification codes and password-reset links are written to the log"
fi

exec cargo run --release --locked --bin uliga -- "$@"
