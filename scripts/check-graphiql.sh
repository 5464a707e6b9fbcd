#!/usr/bin/env bash
# GraphQL's $variables sit in single quotes on purpose.
# shellcheck disable=SC2016
# The playground in a real browser: builds it from web/ (npm ci, esbuild),
# starts the debug server on loopback (scripts/live-server.sh), signs up two
# members through the API, then drives Debian's Chromium with playwright-core
# (tests/browser/playground.mjs): sign in, paste the token, `me`, a
# notificationReceived subscription that receives the invitation the second
# member sends from another tab. Fails on any request that leaves loopback.
# Screenshots go to ${CARGO_TARGET_DIR:-target}/browser/. scripts/test.sh runs
# it under CI or with ULIGA_BROWSER=1.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { printf '\n==> %s\n' "$*"; }

# shellcheck source=scripts/services.sh
source scripts/services.sh
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  services_apt_install nodejs npm
fi
command -v chromium >/dev/null 2>&1 || services_apt_install chromium
# A Korean font, so that the screenshots show the server's messages.
if command -v fc-list >/dev/null 2>&1 && [ -z "$(fc-list :lang=ko 2>/dev/null)" ]; then
  services_apt_install fonts-nanum || echo "check-graphiql: no Korean font; screenshots show boxes" >&2
fi

step "build the playground (web/)"
npm ci --prefix web --no-audit --no-fund --loglevel=error
npm run build --prefix web --silent
npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error

artifacts=${CARGO_TARGET_DIR:-target}/browser
rm -rf "$artifacts"
mkdir -p "$artifacts"

step "start the server"
# shellcheck source=scripts/live-server.sh
source scripts/live-server.sh
export GRAPHIQL_ENABLED=true INTROSPECTION_ENABLED=true GRAPHIQL_ASSETS_DIR="$PWD/web/dist"
live_server_start browser
base=${LIVE_URL%/graphql}

gql() { # query, variables JSON, [token] -> response body
  local body
  body=$(python3 -c 'import json, sys; print(json.dumps({"query": sys.argv[1], "variables": json.loads(sys.argv[2])}))' "$1" "$2")
  curl -sS --max-time 30 -H 'Content-Type: application/json' ${3:+-H "Authorization: Bearer $3"} \
    --data "$body" "$LIVE_URL"
}
json_at() {
  python3 -c '
import json, sys
value = json.load(sys.stdin)
for key in sys.argv[1].split("."):
    value = value[int(key)] if isinstance(value, list) else value[key]
print(value)' "$1"
}
sign_up() { # email, nickname -> access token
  local email=$1 code="" verification
  gql 'mutation($email: String!) { sendVerificationCode(email: $email) { email } }' \
    "{\"email\": \"$email\"}" >/dev/null
  for _ in $(seq 50); do
    code=$(live_server_code "$email" || true)
    [ -n "$code" ] && break
    sleep 0.2
  done
  if [ -z "$code" ]; then
    echo "check-graphiql: no verification code for $email in the server log" >&2
    return 1
  fi
  verification=$(gql 'mutation($email: String!, $code: String!) { verifyEmail(email: $email, code: $code) { verificationToken } }' \
    "{\"email\": \"$email\", \"code\": \"$code\"}" | json_at data.verifyEmail.verificationToken)
  gql 'mutation($input: SignUpInput!) { signUp(input: $input) { accessToken } }' \
    "{\"input\": {\"email\": \"$email\", \"password\": \"$password\", \"userName\": \"브라우저\", \"nickName\": \"$2\", \"verificationToken\": \"$verification\"}}" |
    json_at data.signUp.accessToken
}

step "sign up two members through the API"
suffix=$(head -c 4 /dev/urandom | od -An -tx1 | tr -d ' \n')
password="abcd1234!"
member="browser-$suffix@example.com"
inviter="inviter-$suffix@example.com"
sign_up "$member" "b$suffix" >/dev/null
inviter_token=$(sign_up "$inviter" "i$suffix")
ledger=$(gql 'mutation { createLedger(input: { name: "함께", relationship: "친구" }) { id } }' '{}' "$inviter_token" |
  json_at data.createLedger.id)
echo "members $member (signs in in the browser) and $inviter (invites to ledger $ledger)"

step "the playground in Chromium ($(chromium --version 2>/dev/null | head -n 1))"
status=0
node tests/browser/playground.mjs "$base" "$member" "$password" "$inviter_token" "$ledger" "$artifacts" || status=$?
cp "$LIVE_LOG" "$artifacts/server.log"
if [ "$status" -ne 0 ]; then
  echo "check-graphiql: the browser test failed; screenshots and the server log are in $artifacts" >&2
  exit "$status"
fi
echo "check-graphiql: passed; screenshots in $artifacts"
