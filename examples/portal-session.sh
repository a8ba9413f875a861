# Sourced by the other examples: reach the engine's API through the portal (`/work/api`), the
# only public entry point, as a person or as a service.
#
#   DATAOPS_SERVICE_TOKEN=dataops_svc_...   a service (an assistant): a bearer token
#   DATAOPS_EMAIL=... DATAOPS_PASSWORD=...  a person: POST /login, then a cookie jar and the
#                                           session's X-CSRF-Token on every change
#   (neither: the login that `make run` printed, from var/operator-login.txt)
#
# After `portal_sign_in BASE_URL`: $API is the API's root (BASE_URL/work/api) and "${AUTH[@]}"
# the curl arguments that authenticate a request; `portal_sign_out` removes the session's
# temporary files (call it from your EXIT trap). Needs bash and curl only.

portal_sign_in() {
  local base="${1%/}" email="${DATAOPS_EMAIL:-}" password="${DATAOPS_PASSWORD:-}" status token
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
  PORTAL_JAR="$(mktemp)"
  PORTAL_HEADERS="$(mktemp)"
  # The login form: curl encodes the fields, whatever characters the password has.
  status="$(curl -sS -o /dev/null -D "$PORTAL_HEADERS" -c "$PORTAL_JAR" -w '%{http_code}' \
    --data-urlencode "email=$email" --data-urlencode "password=$password" "$base/login")"
  if [[ "$status" != "303" ]]; then
    echo "login as $email refused ($status)" >&2
    portal_sign_out
    exit 1
  fi
  token="$(sed -n 's/^x-csrf-token: *//Ip' "$PORTAL_HEADERS" | tr -d '\r')"
  AUTH=(-b "$PORTAL_JAR" -H "X-CSRF-Token: $token")
}

portal_sign_out() {
  rm -f "${PORTAL_JAR:-}" "${PORTAL_HEADERS:-}"
}
