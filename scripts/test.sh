#!/usr/bin/env bash
# Runs the whole test suite: formatting, clippy, then the tests (cargo-nextest when it
# is installed, else cargo test) against real MariaDB and Redis (scripts/services.sh).
# Exits non-zero on the first failure. ULIGA_LINT_OPS=1 also lints the operational
# files (scripts/lint-ops.sh); ULIGA_SKIP_REPLICATION_TESTS=1 skips the tests that
# run their own primary and replicas.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# shellcheck source=scripts/services.sh
source scripts/services.sh

# The tests create (and drop) their own databases on this server.
export TEST_DATABASE_URL="${TEST_DATABASE_URL:-mysql://root@$(services_url_host "$ULIGA_DB_HOST"):$ULIGA_DB_PORT/?prefer_socket=false}"
export TEST_REDIS_URL="${TEST_REDIS_URL:-$REDIS_URL}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-$([ "${CI:-}" = true ] && echo never || echo auto)}"

step() { printf '\n==> %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy"
cargo clippy --all-targets --locked -- -D warnings

if [ "${ULIGA_LINT_OPS:-}" = 1 ]; then
  step "lint operational files"
  bash scripts/lint-ops.sh
fi

# The API contract: schema.graphql must stay a compatible superset of it.
contract_check=../shared/tools/contract_check.py
if [ -f schema.graphql ] && [ -f "$contract_check" ]; then
  step "API contract"
  contract=$(python3 "$contract_check" schema.graphql 2>&1 || true)
  printf '%s\n' "$contract" | tail -n 1
  if ! printf '%s\n' "$contract" | tail -n 1 | grep -q '^contract: 0 breaking differences'; then
    printf '%s\n' "$contract" >&2
    exit 1
  fi
fi

# The reference graphql-ws client (tests/api/graphql_ws_client.rs) runs on Node.
step "Node.js test client"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  services_apt_install nodejs npm
fi
npm ci --prefix tests/js --no-audit --no-fund --loglevel=error

# The replication tests start their own MariaDB primary and replicas with
# scripts/topology.sh (which installs MariaDB when it is missing).
# ULIGA_SKIP_REPLICATION_TESTS=1 leaves them out, e.g. where the database under
# test is MySQL and the topology's MariaDB is not wanted.
# Under CI the `ci` profile (.config/nextest.toml) also writes JUnit results.
if cargo nextest --version >/dev/null 2>&1; then
  step "cargo nextest run"
  nextest=(cargo nextest run --locked)
  if [ "${CI:-}" = true ]; then
    nextest+=(--profile ci)
  fi
  if [ "${ULIGA_SKIP_REPLICATION_TESTS:-}" = 1 ]; then
    nextest+=(-E 'not test(/^replication::/)')
  fi
  "${nextest[@]}"
else
  step "cargo test"
  if [ "${ULIGA_SKIP_REPLICATION_TESTS:-}" = 1 ]; then
    cargo test --locked -- --skip replication::
  else
    cargo test --locked
  fi
fi

# The playground in Debian's Chromium (scripts/check-graphiql.sh: builds web/,
# runs the debug server on loopback, screenshots in target/browser/). Under CI,
# or ULIGA_BROWSER=1.
if [ "${CI:-}" = true ] || [ "${ULIGA_BROWSER:-}" = 1 ]; then
  step "playground in a browser"
  bash scripts/check-graphiql.sh
fi

# GraphQL over HTTP conformance: the graphql-http server audits against the
# built binary (scripts/audit-graphql-http.sh). Under CI, or ULIGA_AUDIT=1.
if [ "${CI:-}" = true ] || [ "${ULIGA_AUDIT:-}" = 1 ]; then
  step "graphql-http audit"
  bash scripts/audit-graphql-http.sh
fi

# A short Schemathesis run against /graphql (scripts/fuzz-graphql.sh; a few
# hundred requests, a fixed seed so that CI repeats itself): no 5xx, no INTERNAL
# error, no panic. Under CI, or ULIGA_FUZZ=1.
if [ "${CI:-}" = true ] || [ "${ULIGA_FUZZ:-}" = 1 ]; then
  step "schemathesis (short run)"
  FUZZ_MAX_EXAMPLES="${FUZZ_MAX_EXAMPLES:-8}" FUZZ_SEED="${FUZZ_SEED:-1}" \
    bash scripts/fuzz-graphql.sh
fi
