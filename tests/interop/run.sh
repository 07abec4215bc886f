#!/usr/bin/env bash
# Real clients against `sncc mock --tls`: the seed article's flow with curl, PySNC's client credentials flow
# with a GlideRecord query, PySNC (sync and asyncio) and plain `requests` on the Batch and Attachment APIs and
# the XML form, what real instances' answers carry (instance_answers.py), then the checks that need schema-driven tables (needs_tables.py; SNCC_INTEROP_SKIP_TABLES=1
# leaves them out). Usage: bash tests/interop/run.sh [path/to/sncc]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
sncc=${1:-"$here/../../target/debug/sncc"}
out=$(mktemp)
"$sncc" mock --tls --listen 127.0.0.1:0 --seed ready >"$out" 2>&1 &
mock=$!
trap 'kill "$mock" 2>/dev/null || true; rm -f "$out"' EXIT

for _ in $(seq 100); do grep -q '^Ctrl-C' "$out" && break; sleep 0.1; done
url=$(sed -n 's/^sncc mock instance .* at \(https:[^ ]*\)$/\1/p' "$out")
ca=$(awk '$1 == "CA" && $2 == "certificate" { print $3 }' "$out")
client_id=$(awk '$1 == "client" { print $4 }' "$out")
client_secret=$(awk '$1 == "client" { print $6 }' "$out")
admin_password=$(awk '$1 == "admin" && $2 == "user" { print $5 }' "$out")
[ -n "$url" ] && [ -n "$ca" ] && [ -n "$client_id" ] && [ -n "$admin_password" ] \
  || { echo "mock did not start:"; cat "$out"; exit 1; }

export SNCC_URL=$url SNCC_CA=$ca SNCC_CLIENT_ID=$client_id SNCC_CLIENT_SECRET=$client_secret
export SNCC_ADMIN_PASSWORD=$admin_password
# What each kind of client reads to trust the mock's CA (the start-up lines name them too).
export REQUESTS_CA_BUNDLE=$ca SSL_CERT_FILE=$ca NODE_EXTRA_CA_CERTS=$ca

passed=0 failed=0
# Runs one script whose success is one check.
whole() {
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAILED: $*"; fi
}
# Runs a script that prints `pass: …` / `fail: …` per check; a script that fails without saying why counts once.
each() {
  local log status=0
  log=$("$@" 2>&1) || status=$?
  printf '%s\n' "$log"
  local ok bad
  ok=$(grep -c '^pass: ' <<<"$log" || true)
  bad=$(grep -c '^fail: ' <<<"$log" || true)
  if [ "$status" -ne 0 ] && [ "$bad" -eq 0 ]; then bad=1; echo "FAILED: $*"; fi
  passed=$((passed + ok)) failed=$((failed + bad))
}

whole bash "$here/curl_flow.sh"
whole python3 "$here/pysnc_check.py"
each python3 "$here/pysnc_surface.py"
each python3 "$here/rest_surface.py"
each python3 "$here/instance_answers.py"
if [ "${SNCC_INTEROP_SKIP_TABLES:-}" != 1 ]; then
  each python3 "$here/needs_tables.py"
fi

kill -TERM "$mock"
wait "$mock"
grep -q 'stopped' "$out" || { echo "mock did not stop cleanly"; failed=$((failed + 1)); }
[ ! -e "$ca" ] || { echo "CA file left behind: $ca"; failed=$((failed + 1)); }
echo "interop: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
