# Sourced by the other examples: reach the engine's API through the portal (`/work/api`), the
# only public entry point, as a person or as a service.
#
#   DATAOPS_SERVICE_TOKEN=dataops_svc_...   a service (an assistant): a bearer token
#   DATAOPS_EMAIL=... DATAOPS_PASSWORD=...  a person: POST /login, then a cookie jar and the
#                                           session's X-CSRF-Token on every change
#   (neither: the login that `make run` printed, from var/operator-login.txt)
#
# After `portal_sign_in BASE_URL`: $API is the API's root (BASE_URL/work/api) and "${AUTH[@]}"
# the curl arguments that authenticate a request; `portal_sign_out` removes the sessions'
# temporary files (call it from your EXIT trap). Needs bash and curl only.
#
# A second person (a reviewer: under the `separate` review policy of `make run`, nobody approves
# their own artifacts): `portal_sign_in_reviewer BASE_URL` signs in with DATAOPS_REVIEWER_EMAIL
# and DATAOPS_REVIEWER_PASSWORD (or var/reviewer-login.txt, printed by `make run`) and sets
# "${REVIEW_AUTH[@]}"; without either it returns 1 and sets nothing.
#
# `api METHOD PATH EXPECTED_STATUS [JSON]` sends one request as the signed-in person and ends
# the script on any other status; `field NAME` reads a string of its answer (set BODY_FILE to a
# temporary file first).

PORTAL_FILES=()

# _portal_login BASE EMAIL PASSWORD JAR HEADERS: prints the curl arguments of a new session,
# one per line (its cookie jar and response headers go to the files JAR and HEADERS).
_portal_login() {
  local base="$1" email="$2" password="$3" jar="$4" headers="$5" status token
  # The login form: curl encodes the fields, whatever characters the password has.
  status="$(curl -sS -o /dev/null -D "$headers" -c "$jar" -w '%{http_code}' \
    --data-urlencode "email=$email" --data-urlencode "password=$password" "$base/login")"
  if [[ "$status" != "303" ]]; then
    echo "login as $email refused ($status)" >&2
    return 1
  fi
  token="$(sed -n 's/^x-csrf-token: *//Ip' "$headers" | tr -d '\r')"
  printf '%s\n' -b "$jar" -H "X-CSRF-Token: $token"
}

portal_sign_in() {
  local base="${1%/}" email="${DATAOPS_EMAIL:-}" password="${DATAOPS_PASSWORD:-}" session
  API="$base/work/api"
  if [[ -n "${DATAOPS_SERVICE_TOKEN:-}" ]]; then
    AUTH=(-H "Authorization: Bearer ${DATAOPS_SERVICE_TOKEN}")
    return
  fi
  if [[ -z "$email" && -f var/operator-login.txt ]]; then
    read -r email password < var/operator-login.txt
  fi
  if [[ -z "$email" ]]; then
    echo "set DATAOPS_EMAIL and DATAOPS_PASSWORD, or DATAOPS_SERVICE_TOKEN" >&2
    exit 2
  fi
  _portal_files
  if ! session="$(_portal_login "$base" "$email" "$password" "${PORTAL_FILES[@]: -2}")"; then
    portal_sign_out
    exit 1
  fi
  mapfile -t AUTH <<<"$session"
}

portal_sign_in_reviewer() {
  local base="${1%/}" email="${DATAOPS_REVIEWER_EMAIL:-}" password="${DATAOPS_REVIEWER_PASSWORD:-}"
  local session
  if [[ -z "$email" && -f var/reviewer-login.txt ]]; then
    read -r email password < var/reviewer-login.txt
  fi
  if [[ -z "$email" ]]; then
    return 1
  fi
  _portal_files
  if ! session="$(_portal_login "$base" "$email" "$password" "${PORTAL_FILES[@]: -2}")"; then
    portal_sign_out
    exit 1
  fi
  mapfile -t REVIEW_AUTH <<<"$session"
}

# Two new temporary files (a cookie jar, response headers) at the end of PORTAL_FILES.
_portal_files() {
  PORTAL_FILES+=("$(mktemp)" "$(mktemp)")
}

portal_sign_out() {
  rm -f "${PORTAL_FILES[@]}"
}

# api METHOD PATH EXPECTED_STATUS [JSON]: one request through /work/api as the signed-in person,
# the response printed (and kept in $BODY_FILE); any other status ends the script.
api() {
  local method="$1" path="$2" expected="$3" body="${4:-}" status
  local args=(-sS -o "$BODY_FILE" -w '%{http_code}' -X "$method" "${AUTH[@]}")
  if [[ -n "$body" ]]; then args+=(-H 'Content-Type: application/json' --data "$body"); fi
  status="$(curl "${args[@]}" "$API$path")" || { echo "cannot reach $API" >&2; exit 1; }
  echo "$method /work/api$path -> $status $(cat "$BODY_FILE")"
  if [[ "$status" != "$expected" ]]; then
    echo "expected $expected" >&2
    exit 1
  fi
}

field() {  # field NAME: the first string value of NAME in the last response
  sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p" "$BODY_FILE" | head -n 1
}
