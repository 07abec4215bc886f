#!/usr/bin/env bash
# Real clients against `sncc mock --tls`: the seed article's flow with curl, then PySNC's client
# credentials flow with a GlideRecord query. Usage: bash tests/interop/run.sh [path/to/sncc]
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
[ -n "$url" ] && [ -n "$ca" ] && [ -n "$client_id" ] || { echo "mock did not start:"; cat "$out"; exit 1; }

export SNCC_URL=$url SNCC_CA=$ca SNCC_CLIENT_ID=$client_id SNCC_CLIENT_SECRET=$client_secret
bash "$here/curl_flow.sh"
REQUESTS_CA_BUNDLE=$ca python3 "$here/pysnc_check.py"

kill -TERM "$mock"
wait "$mock"
grep -q 'stopped' "$out" || { echo "mock did not stop cleanly"; exit 1; }
[ ! -e "$ca" ] || { echo "CA file left behind: $ca"; exit 1; }
echo "interop: 2 passed, 0 failed"
