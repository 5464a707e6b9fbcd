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

step "sign up two members through the API"
suffix=$(head -c 4 /dev/urandom | od -An -tx1 | tr -d ' \n')
password="abcd1234!"
member="browser-$suffix@example.com"
inviter="inviter-$suffix@example.com"
live_sign_up "$member" "b$suffix" 브라우저 "$password" >/dev/null
inviter_token=$(live_sign_up "$inviter" "i$suffix" 브라우저 "$password")
ledger=$(live_gql 'mutation { createLedger(input: { name: "함께", relationship: "친구" }) { id } }' '{}' "$inviter_token" |
  live_json_at data.createLedger.id)
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
