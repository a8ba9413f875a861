#!/usr/bin/env bash
# Set up a team from a shell, as a lead, through the portal's /work/api (see
# examples/portal-session.sh): add a person (the engine answers a temporary password, once),
# make them a lead, give an assistant a service token, list the tokens with their last use,
# then revoke the token and deactivate the person again (KEEP=1 keeps both).
#
#   examples/team.sh [BASE_URL]        (default $DATAOPS_URL, then http://127.0.0.1:8000)
#
# Needs bash and curl only. Exits non-zero as soon as a response is not the expected one.
set -euo pipefail
BASE="${1:-${DATAOPS_URL:-http://127.0.0.1:8000}}"
source "$(dirname "$0")/portal-session.sh"
portal_sign_in "$BASE"
BODY_FILE="$(mktemp)"
user_id="" token_name="example-assistant-$$"
token_made=""

clean_up() {
  if [[ -z "${KEEP:-}" ]]; then
    if [[ -n "$token_made" ]]; then
      api DELETE "/team/service-tokens/$token_name" 204 >/dev/null || true
    fi
    if [[ -n "$user_id" ]]; then
      api POST "/team/users/$user_id/deactivate" 200 >/dev/null || true
    fi
  fi
  rm -f "$BODY_FILE"
  portal_sign_out
}
trap clean_up EXIT

email="grace-$$@example.com"
echo "# add Grace; without a password the answer holds a temporary one, shown only now"
api POST /team/users 201 "{\"email\":\"$email\",\"name\":\"Grace\"}"
user_id="$(field id)"

echo "# make her a lead"
api PUT "/team/users/$user_id/role" 200 '{"role":"lead"}'

echo "# a token for the assistant (shown only now: give it to the service)"
api POST /team/service-tokens 201 "{\"name\":\"$token_name\",\"expiresInDays\":90}"
token_made=1

echo "# the tokens, with their last use"
api GET /team/service-tokens 200

echo "# who is on the team (every member may read this)"
api GET /users 200

if [[ -z "${KEEP:-}" ]]; then
  echo "# revoke the token and deactivate Grace: her sessions end, she can no longer sign in"
  api DELETE "/team/service-tokens/$token_name" 204
  token_made=""
  api POST "/team/users/$user_id/deactivate" 200
  user_id=""
fi
