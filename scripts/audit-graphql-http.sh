#!/usr/bin/env bash
# Audits /graphql against the GraphQL over HTTP spec with the `graphql-http`
# package's server audits (tests/audit: pinned, installed with `npm ci`).
# Starts the uliga binary on a free loopback port with a fresh database and Redis
# key prefix (scripts/live-server.sh), runs scripts/audit-graphql-http.mjs, and
# drops the database at the end.
#
# Fails when a MUST audit fails, or a SHOULD audit fails that has no written
# reason in tests/audit/should-exceptions.json (audit id -> reason).
# ULIGA_BIN=path runs that binary instead of the debug build.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  # shellcheck source=scripts/services.sh
  source scripts/services.sh
  services_apt_install nodejs npm
fi
npm ci --prefix tests/audit --no-audit --no-fund --loglevel=error

# shellcheck source=scripts/live-server.sh
source scripts/live-server.sh
live_server_start audit

status=0
node scripts/audit-graphql-http.mjs "$LIVE_URL" tests/audit/should-exceptions.json || status=$?

if grep -q 'panicked' "$LIVE_LOG"; then
  echo "audit-graphql-http: the server panicked:" >&2
  grep -A5 'panicked' "$LIVE_LOG" >&2
  status=1
fi
exit "$status"
