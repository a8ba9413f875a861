#!/usr/bin/env bash
# Create a bundle and a task that needs a link, watch the engine refuse to complete it, fill the
# link, and complete it: through the portal's /work/api, signed in as a person (with `make run`,
# the printed login is used; see examples/portal-session.sh).
#
#   examples/tasks.sh [BASE_URL]        (default $DATAOPS_URL, then http://127.0.0.1:8000)
set -euo pipefail
BASE="${1:-${DATAOPS_URL:-http://127.0.0.1:8000}}"
source "$(dirname "$0")/portal-session.sh"
portal_sign_in "$BASE"

api() {  # api METHOD PATH [JSON]
  curl -sS -X "$1" "${API}$2" "${AUTH[@]}" -H 'Content-Type: application/json' ${3:+-d "$3"} \
    -w '\n'
}
field() {  # field NAME < json: the first string value of NAME
  sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p" | head -n 1
}

echo "# create a bundle for episode 42"
bundle=$(api POST /bundles '{"title":"Episode 42","anchorDate":"2026-12-10"}')
echo "$bundle"
bundle_id=$(echo "$bundle" | field id)

echo "# create a task that is only done with the published episode page"
task=$(api POST /tasks "{\"description\":\"Publish episode 42\",\"date\":\"2026-12-10\",\"bundleId\":\"${bundle_id}\",\"requiredLinkName\":\"Episode page\"}")
echo "$task"
task_id=$(echo "$task" | field id)

echo "# try to complete it: refused, the link is missing"
api PUT "/tasks/${task_id}" '{"status":"done"}'

echo "# why is it blocked?"
api GET "/tasks/${task_id}/proof"

echo "# fill the link and complete it"
api PUT "/tasks/${task_id}" '{"status":"done","link":"https://podcast.example.com/episodes/42"}'

echo "# the bundle's tasks"
api GET "/bundles/${bundle_id}/tasks"
