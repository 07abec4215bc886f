#!/usr/bin/env bash
# The seed article's Postman flow, done with curl: get a token, then read incidents with it.
set -euo pipefail
: "${SNCC_URL:?} ${SNCC_CA:?} ${SNCC_CLIENT_ID:?} ${SNCC_CLIENT_SECRET:?}"
fail() { echo "curl flow: $*" >&2; exit 1; }

token_json=$(curl -sS --fail-with-body --cacert "$SNCC_CA" \
  --data-urlencode grant_type=client_credentials \
  --data-urlencode "client_id=$SNCC_CLIENT_ID" \
  --data-urlencode "client_secret=$SNCC_CLIENT_SECRET" \
  "$SNCC_URL/oauth_token.do")
token=$(printf '%s' "$token_json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
[ ${#token} -eq 86 ] || fail "token is ${#token} characters, expected 86"
printf '%s' "$token_json" | grep -q '"token_type":"Bearer"' || fail "no Bearer token_type"

status=$(curl -sS -o /dev/null -w '%{http_code}' --cacert "$SNCC_CA" \
  -H "Authorization: Bearer $token" -H "Accept: application/json" "$SNCC_URL/api/now/table/incident")
[ "$status" = 200 ] || fail "incident list answered $status"

whoami=$(curl -sS --cacert "$SNCC_CA" -H "Authorization: Bearer $token" "$SNCC_URL/api/now/ui/user/current_user")
printf '%s' "$whoami" | grep -q '"user_name":"svc.cc"' || fail "token does not act as svc.cc: $whoami"

wrong=$(curl -sS -o /dev/null -w '%{http_code}' --cacert "$SNCC_CA" \
  -d "grant_type=client_credentials&client_id=$SNCC_CLIENT_ID&client_secret=wrong" "$SNCC_URL/oauth_token.do")
[ "$wrong" = 401 ] || fail "a wrong secret answered $wrong"
echo "curl flow: token issued, incidents read, acts as svc.cc, wrong secret refused"
