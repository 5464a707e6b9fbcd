#!/usr/bin/env bash
# GraphQL's $variables sit in single quotes on purpose.
# shellcheck disable=SC2016
# Checks in a real browser that GraphiQL runs subscriptions: the Headers tab's
# Authorization becomes the connection_init payload. Not part of test.sh: it
# needs Chromium (installed from Debian's packages when missing). GraphiQL's
# own scripts come from the npm registry, as its page would load them from a CDN.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# shellcheck source=scripts/services.sh
source scripts/services.sh
command -v chromium >/dev/null 2>&1 || services_apt_install chromium

assets=.cache/graphiql
mkdir -p "$assets"
if [ ! -d "$assets/graphiql-4.0.1" ]; then
  (cd "$assets" && npm pack --silent graphiql@4.0.1 react@18.3.1 react-dom@18.3.1 >/dev/null &&
    for tarball in *.tgz; do mkdir -p "${tarball%.tgz}" && tar xzf "$tarball" -C "${tarball%.tgz}"; done)
fi
[ -d "$assets/node_modules/playwright-core" ] ||
  npm install --prefix "$assets" --no-audit --no-fund --silent playwright-core@1 >/dev/null

port=18093
database=uliga_graphiql_check
log=$(mktemp)
export LISTEN_ADDR=127.0.0.1:$port REDIS_KEY_PREFIX=graphiql-check: SMTP_URL=
export DATABASE_URL="mysql://root@127.0.0.1:3306/$database?prefer_socket=false"
cargo build --quiet --bin uliga
./target/debug/uliga >"$log" 2>&1 &
server=$!
cleanup() {
  kill "$server" 2>/dev/null || true
  mariadb -h127.0.0.1 -uroot -e "DROP DATABASE IF EXISTS $database" 2>/dev/null || true
  rm -f "$log"
}
trap cleanup EXIT
for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$port/health/ready" >/dev/null && break; sleep 0.2; done

url="http://127.0.0.1:$port/graphql"
gql() { # query, variables JSON, [token] -> response body
  python3 - "$url" "$1" "$2" "${3:-}" <<'PY'
import json, sys, urllib.request
url, query, variables, token = sys.argv[1:5]
request = urllib.request.Request(url, json.dumps({"query": query, "variables": json.loads(variables)}).encode(),
                                 {"content-type": "application/json", **({"authorization": f"Bearer {token}"} if token else {})})
print(urllib.request.urlopen(request).read().decode())
PY
}
field() { python3 -c "import json,sys; d=json.load(sys.stdin)['data']; print(eval('d' + sys.argv[1]))" "$1"; }

email="graphiql-$RANDOM@example.com"
gql 'mutation($e: String!) { sendVerificationCode(email: $e) { email } }' "{\"e\": \"$email\"}" >/dev/null
sleep 0.5
code=$(grep -o '이메일 인증 코드: [0-9]\{6\}' "$log" | tail -n 1 | grep -o '[0-9]\{6\}')
verification=$(gql 'mutation($e: String!, $c: String!) { verifyEmail(email: $e, code: $c) { verificationToken } }' \
  "{\"e\": \"$email\", \"c\": \"$code\"}" | field "['verifyEmail']['verificationToken']")
token=$(gql 'mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }' \
  "{\"i\": {\"email\": \"$email\", \"password\": \"abcd1234!\", \"userName\": \"브라우저\", \"nickName\": \"browser$RANDOM\", \"verificationToken\": \"$verification\"}}" |
  field "['signUp']['accessToken']")
ledger=$(gql 'mutation { createLedger(input: { name: "GraphiQL", relationship: "확인" }) { id } }' '{}' "$token" |
  field "['createLedger']['id']")

rm -f "$assets/subscribed"
# Run from beside its node_modules, where Node resolves playwright-core.
cp tests/browser/graphiql-subscription.mjs "$assets/"
node "$assets/graphiql-subscription.mjs" "http://127.0.0.1:$port" "$token" "$ledger" "$assets" &
browser=$!
for _ in $(seq 1 60); do [ -f "$assets/subscribed" ] && break; sleep 0.5; done
sleep 1
gql 'mutation($l: ID!) { setBudget(ledgerId: $l, year: 2026, month: 1, amount: 1000) { amount } }' "{\"l\": \"$ledger\"}" "$token" >/dev/null
if wait "$browser"; then
  echo "GraphiQL received the subscription event (screenshot: $assets/graphiql.png)"
else
  echo "GraphiQL did not receive the event (screenshot: $assets/graphiql.png)" >&2
  exit 1
fi
