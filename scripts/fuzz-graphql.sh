#!/usr/bin/env bash
# shellcheck disable=SC2016 # GraphQL documents name their $variables in single quotes.
# Fuzzes /graphql with Schemathesis (PyPI, pinned, in a venv under .cache/):
# starts the uliga binary with a fresh database and Redis key prefix
# (scripts/live-server.sh), signs up one member through the API
# (sendVerificationCode -> the code from the server log -> verifyEmail -> signUp),
# then runs `st run` against the endpoint with that member's access token and the
# check not_a_server_error. Afterwards it reads the server log: a panic, an
# INTERNAL error or a 5xx status fails the run, as does any Schemathesis failure.
#
# Environment:
#   FUZZ_MAX_EXAMPLES [25]   test cases per operation and phase (-n)
#   FUZZ_PHASES [examples,coverage,fuzzing]
#   FUZZ_WORKERS [2]         concurrent Schemathesis workers
#   FUZZ_SEED                a seed, to repeat a run
#   FUZZ_MAX_TIME            a time budget in seconds (--max-time): fuzzing then goes
#                            on until it is spent, past FUZZ_MAX_EXAMPLES
#   ULIGA_BIN                a built binary (default: the debug build)
# Output (Schemathesis' own, the server log, an NDJSON report) goes to .cache/fuzz/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

SCHEMATHESIS_VERSION=4.32.5
venv=.cache/schemathesis
out=.cache/fuzz
max_examples=${FUZZ_MAX_EXAMPLES:-25}
phases=${FUZZ_PHASES:-examples,coverage,fuzzing}
workers=${FUZZ_WORKERS:-2}

step() { printf '\n==> %s\n' "$*"; }

step "schemathesis $SCHEMATHESIS_VERSION"
if [ "$("$venv/bin/st" --version 2>/dev/null | grep -o '[0-9][0-9.]*' | head -n 1)" != "$SCHEMATHESIS_VERSION" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

# shellcheck source=scripts/live-server.sh
source scripts/live-server.sh
live_server_start fuzz

step "sign up a member through the API"
email="fuzz-$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')@example.com"
token=$(live_sign_up "$email" "fuzz$RANDOM" 퍼징 "abcd1234!")
echo "signed up $email"

step "schemathesis run ($phases, $max_examples examples per operation)"
mkdir -p "$out"
st_args=(
  run "$LIVE_URL"
  --header "Authorization: Bearer $token"
  --checks not_a_server_error
  --max-examples "$max_examples"
  --phases "$phases"
  --workers "$workers"
  --request-timeout 30
  # Ends the session that authenticates every other request.
  --exclude-name Mutation.logoutEverywhere
  --report ndjson --report-ndjson-path "$out/events.ndjson"
  --output-sanitize true
)
if [ -n "${FUZZ_SEED:-}" ]; then
  st_args+=(--seed "$FUZZ_SEED")
fi
if [ -n "${FUZZ_MAX_TIME:-}" ]; then
  st_args+=(--max-time "$FUZZ_MAX_TIME")
fi
started=$SECONDS
status=0
SCHEMATHESIS_HOOKS=tests.fuzz.hooks PYTHONPATH=. "$venv/bin/st" "${st_args[@]}" 2>&1 |
  tee "$out/schemathesis.log" || status=$?
elapsed=$((SECONDS - started))

step "server log"
cp "$LIVE_LOG" "$out/server.log"
requests=$(grep -c 'uliga::http::graphql: graphql ' "$LIVE_LOG" || true)
server_errors=$(grep -c 'uliga::http::graphql: graphql .*status=5[0-9][0-9]' "$LIVE_LOG" || true)
internal=$(grep -c 'uliga::http::graphql: graphql .*"INTERNAL"' "$LIVE_LOG" || true)
panics=$(grep -c 'panicked' "$LIVE_LOG" || true)
echo "requests to /graphql: $requests in ${elapsed}s; with a 5xx status: $server_errors; with an INTERNAL error: $internal; panics: $panics"
# The checks below read the log: a log without the requests would pass them.
if [ "$requests" -eq 0 ]; then
  echo "fuzz-graphql: the server log shows no request to /graphql" >&2
  status=1
fi
if [ "$((server_errors + internal + panics))" -gt 0 ]; then
  grep -B2 -A8 'panicked\|INTERNAL\|internal error\|status=5[0-9][0-9]' "$LIVE_LOG" | head -n 200 >&2
  status=1
fi
echo "fuzz-graphql: $([ "$status" = 0 ] && echo passed || echo FAILED) (Schemathesis output, server log and events in $out/)"
exit "$status"
