#!/usr/bin/env bash
# Starts the uliga binary for a black-box check (scripts/audit-graphql-http.sh,
# scripts/fuzz-graphql.sh) and cleans up after it. Source it; it defines:
#
#   live_server_start NAME   starts the server on a free loopback port, with a fresh
#                            database `uliga_NAME_<random>` on the MariaDB that
#                            scripts/services.sh ensures and a Redis key prefix of its
#                            own; sets LIVE_URL (http://127.0.0.1:PORT/graphql),
#                            LIVE_LOG (the server's output) and LIVE_PID.
#   live_server_stop         stops the server, drops the database and deletes the
#                            Redis keys (also run on EXIT once the server started).
#   live_server_code EMAIL   prints the last verification code mailed to EMAIL, read
#                            from the server log (no SMTP_URL: mail goes to the log).
#
# Environment: ULIGA_BIN (a built binary; default: the debug binary, built with
# `cargo build --locked --bin uliga` when missing or stale), LIVE_KEEP_LOG=1 keeps
# the log file. Rate limits are raised so that generated traffic from one address
# exercises the operations rather than the limiters.

# shellcheck source=scripts/services.sh
source scripts/services.sh

LIVE_URL=""
LIVE_LOG=""
LIVE_PID=""
live_database=""
live_redis_prefix=""

live_say() { printf 'live-server: %s\n' "$*" >&2; }

# The binary to run: ULIGA_BIN, else the debug build (cargo is a no-op when fresh).
live_server_binary() {
  if [ -n "${ULIGA_BIN:-}" ]; then
    printf '%s' "$ULIGA_BIN"
    return 0
  fi
  local target=${CARGO_TARGET_DIR:-target}
  cargo build --locked --quiet --bin uliga >&2 || return 1
  printf '%s' "$target/debug/uliga"
}

# The MariaDB client run against the server that services.sh ensured.
live_sql() {
  local client
  client=$(services_first_command mariadb mysql) || return 1
  "$client" --protocol=TCP -h"$ULIGA_DB_HOST" -P"$ULIGA_DB_PORT" -uroot -e "$1"
}

live_server_start() {
  local name=$1 binary suffix deadline
  binary=$(live_server_binary) || return 1
  suffix=$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')
  live_database="uliga_${name}_${suffix}"
  live_redis_prefix="uliga-${name}-${suffix}:"
  LIVE_LOG=$(mktemp "${TMPDIR:-/tmp}/uliga-${name}.XXXXXX.log")
  trap live_server_stop EXIT
  trap 'exit 130' INT TERM
  # Port 0: the kernel picks a free port, and the server logs which.
  env -u SMTP_URL -u DATABASE_REPLICA_URLS \
    LISTEN_ADDR=127.0.0.1:0 \
    DATABASE_URL="mysql://root@$(services_url_host "$ULIGA_DB_HOST"):$ULIGA_DB_PORT/$live_database?prefer_socket=false" \
    REDIS_URL="$REDIS_URL" \
    REDIS_KEY_PREFIX="$live_redis_prefix" \
    LOG_FORMAT=text \
    RUST_LOG=info \
    RUST_BACKTRACE=1 \
    RATE_LIMIT_CODE_PER_EMAIL_HOUR=100000 \
    RATE_LIMIT_CODE_PER_ADDRESS_HOUR=100000 \
    RATE_LIMIT_LOGIN_FAILURES_PER_EMAIL=100000 \
    RATE_LIMIT_LOGIN_PER_ADDRESS_HOUR=100000 \
    RATE_LIMIT_RESET_PER_EMAIL_HOUR=100000 \
    RATE_LIMIT_LOOKUP_PER_ADDRESS_MINUTE=100000 \
    RATE_LIMIT_PUBLIC_PER_ADDRESS_MINUTE=1000000 \
    RATE_LIMIT_MUTATIONS_PER_MEMBER_MINUTE=1000000 \
    REMINDER_INTERVAL_SECONDS=3600 \
    ACCESS_TOKEN_TTL_SECONDS=86400 \
    SHUTDOWN_TIMEOUT_SECONDS=2 \
    "$binary" >"$LIVE_LOG" 2>&1 &
  LIVE_PID=$!
  deadline=$((SECONDS + 60))
  LIVE_URL=""
  while [ -z "$LIVE_URL" ]; do
    if ! kill -0 "$LIVE_PID" 2>/dev/null; then
      live_say "the server exited during start; its log:"
      cat "$LIVE_LOG" >&2
      return 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      live_say "the server did not start within 60s; its log:"
      cat "$LIVE_LOG" >&2
      return 1
    fi
    sleep 0.2
    local address
    address=$(grep -o 'serving /graphql address=[0-9.]*:[0-9]*' "$LIVE_LOG" | head -n 1 || true)
    address=${address##*address=}
    if [ -n "$address" ]; then
      LIVE_URL="http://$address/graphql"
    fi
  done
  live_say "uliga at $LIVE_URL (database $live_database, log $LIVE_LOG)"
}

live_server_stop() {
  trap - EXIT
  if [ -n "$LIVE_PID" ] && kill -0 "$LIVE_PID" 2>/dev/null; then
    kill -TERM "$LIVE_PID" 2>/dev/null || true
    wait "$LIVE_PID" 2>/dev/null || true
  fi
  LIVE_PID=""
  if [ -n "$live_database" ]; then
    live_sql "DROP DATABASE IF EXISTS \`$live_database\`" >/dev/null 2>&1 ||
      live_say "could not drop database $live_database"
    live_database=""
  fi
  if [ -n "$live_redis_prefix" ] && command -v redis-cli >/dev/null 2>&1; then
    redis-cli -h "$ULIGA_REDIS_HOST" -p "$ULIGA_REDIS_PORT" --scan \
      --pattern "${live_redis_prefix}*" 2>/dev/null |
      xargs -r -n 100 redis-cli -h "$ULIGA_REDIS_HOST" -p "$ULIGA_REDIS_PORT" del >/dev/null 2>&1 || true
    live_redis_prefix=""
  fi
  if [ -n "$LIVE_LOG" ] && [ "${LIVE_KEEP_LOG:-}" != 1 ]; then
    rm -f "$LIVE_LOG"
  fi
}

# The log lines of a mail start with `mail (no SMTP configured) to="EMAIL"`; the
# code is on a following line of the body.
live_server_code() {
  local email=$1
  awk -v to="to=\"$email\"" '
    index($0, "mail (no SMTP configured)") { inmail = index($0, to) > 0 }
    inmail && match($0, /인증 코드: [0-9][0-9][0-9][0-9][0-9][0-9]/) {
      code = substr($0, RSTART + RLENGTH - 6, 6)
    }
    END { if (code != "") print code; else exit 1 }
  ' "$LIVE_LOG"
}

# POSTs a GraphQL document with JSON variables (and an optional bearer token) to the
# live server; prints the response body.
live_gql() { # query, variables JSON, [token]
  local body
  body=$(python3 -c 'import json, sys; print(json.dumps({"query": sys.argv[1], "variables": json.loads(sys.argv[2])}))' "$1" "$2")
  curl -sS --max-time 30 -H 'Content-Type: application/json' ${3:+-H "Authorization: Bearer $3"} \
    --data "$body" "$LIVE_URL"
}

# Prints the value at a dotted path (list indexes as numbers) of the JSON document on
# stdin; fails when it is absent.
live_json_at() {
  python3 -c '
import json, sys
value = json.load(sys.stdin)
for key in sys.argv[1].split("."):
    value = value[int(key)] if isinstance(value, list) else value[key]
print(value)' "$1"
}

# Signs a member up through the API (the code read from the server log); prints the
# access token.
# shellcheck disable=SC2016 # GraphQL documents name their $variables in single quotes.
live_sign_up() { # email, nickname, user name, password
  local email=$1 code="" verification
  live_gql 'mutation($email: String!) { sendVerificationCode(email: $email) { email } }' \
    "{\"email\": \"$email\"}" >/dev/null
  for _ in $(seq 50); do
    code=$(live_server_code "$email" || true)
    [ -n "$code" ] && break
    sleep 0.2
  done
  if [ -z "$code" ]; then
    live_say "no verification code for $email in the server log"
    return 1
  fi
  verification=$(live_gql 'mutation($email: String!, $code: String!) { verifyEmail(email: $email, code: $code) { verificationToken } }' \
    "{\"email\": \"$email\", \"code\": \"$code\"}" | live_json_at data.verifyEmail.verificationToken)
  live_gql 'mutation($input: SignUpInput!) { signUp(input: $input) { accessToken } }' \
    "{\"input\": {\"email\": \"$email\", \"password\": \"$4\", \"userName\": \"$3\", \"nickName\": \"$2\", \"verificationToken\": \"$verification\"}}" |
    live_json_at data.signUp.accessToken
}
