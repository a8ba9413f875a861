#!/usr/bin/env bash
# Create a bundle and a task that needs a link, watch the engine refuse to complete it, fill the
# link, and complete it.
#
#   examples/tasks.sh [BASE_URL]        (default $DATAOPS_URL, then http://127.0.0.1:8000)
#
# With `make run` (session auth), log in first and export the token:
#   export DATAOPS_TOKEN=$(curl -s localhost:8000/api/auth/login \
#       -d '{"email":"operator@example.com","password":"..."}' | sed 's/.*"token":"\([^"]*\)".*/\1/')
set -euo pipefail
BASE="${1:-${DATAOPS_URL:-http://127.0.0.1:8000}}"
AUTH=()
if [ -n "${DATAOPS_TOKEN:-}" ]; then AUTH=(-H "Authorization: Bearer ${DATAOPS_TOKEN}"); fi

api() {  # api METHOD PATH [JSON]
  curl -sS -X "$1" "${BASE}$2" "${AUTH[@]}" -H 'Content-Type: application/json' ${3:+-d "$3"} \
    -w '\n'
}
field() {  # field NAME < json: the first string value of NAME
  sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p" | head -n 1
}

echo "# create a bundle for episode 42"
bundle=$(api POST /api/bundles '{"title":"Episode 42","anchorDate":"2026-12-10"}')
echo "$bundle"
bundle_id=$(echo "$bundle" | field id)

echo "# create a task that is only done with the published episode page"
task=$(api POST /api/tasks "{\"description\":\"Publish episode 42\",\"date\":\"2026-12-10\",\"bundleId\":\"${bundle_id}\",\"requiredLinkName\":\"Episode page\"}")
echo "$task"
task_id=$(echo "$task" | field id)

echo "# try to complete it: refused, the link is missing"
api PUT "/api/tasks/${task_id}" '{"status":"done"}'

echo "# why is it blocked?"
api GET "/api/tasks/${task_id}/proof"

echo "# fill the link and complete it"
api PUT "/api/tasks/${task_id}" '{"status":"done","link":"https://podcast.example.com/episodes/42"}'

echo "# the bundle's tasks"
api GET "/api/bundles/${bundle_id}/tasks"
