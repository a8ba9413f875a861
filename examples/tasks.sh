#!/usr/bin/env bash
# Create a bundle and a task that needs a link, watch the engine refuse to complete it, fill the
# link, and complete it: through the portal's /work/api, signed in as a person (with `make run`,
# the printed login is used; see examples/portal-session.sh). What it creates is deleted again
# at the end (KEEP=1 keeps it).
#
#   examples/tasks.sh [BASE_URL]        (default $DATAOPS_URL, then http://127.0.0.1:8000)
#
# Needs bash and curl only. Exits non-zero as soon as a response is not the expected one.
set -euo pipefail
BASE="${1:-${DATAOPS_URL:-http://127.0.0.1:8000}}"
source "$(dirname "$0")/portal-session.sh"
portal_sign_in "$BASE"
BODY_FILE="$(mktemp)"
bundle_id="" task_id=""

clean_up() {
  if [[ -z "${KEEP:-}" ]]; then
    if [[ -n "$task_id" ]]; then api DELETE "/tasks/${task_id}" 204 >/dev/null || true; fi
    if [[ -n "$bundle_id" ]]; then
      api PUT "/bundles/${bundle_id}/archive" 200 >/dev/null || true
      api DELETE "/bundles/${bundle_id}" 204 >/dev/null || true
    fi
  fi
  rm -f "$BODY_FILE"
  portal_sign_out
}
trap clean_up EXIT

echo "# create a bundle for episode 42"
api POST /bundles 201 '{"title":"Episode 42","anchorDate":"2026-12-10"}'
bundle_id="$(field id)"

echo "# create a task that is only done with the published episode page"
api POST /tasks 201 "{\"description\":\"Publish episode 42\",\"date\":\"2026-12-10\",\"bundleId\":\"${bundle_id}\",\"requiredLinkName\":\"Episode page\"}"
task_id="$(field id)"

echo "# try to complete it: refused, the link is missing"
api PUT "/tasks/${task_id}" 400 '{"status":"done"}'

echo "# why is it blocked?"
api GET "/tasks/${task_id}/proof" 200

echo "# fill the link and complete it"
api PUT "/tasks/${task_id}" 200 '{"status":"done","link":"https://podcast.example.com/episodes/42"}'

echo "# the bundle's tasks"
api GET "/bundles/${bundle_id}/tasks" 200
