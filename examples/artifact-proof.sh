#!/usr/bin/env bash
# Scenario 1 of the product, through the portal: a bundle has a task that needs an approved
# artifact; the task is refused, a public URL artifact is registered, attached and approved,
# the task's proof is complete, and the task is done, with a receipt of what proved it. People do
# this (a service may not approve or complete): one registers and completes, another approves
# (under the `separate` review policy of `make run`, nobody approves their own artifact): sign in
# as them, see examples/portal-session.sh (without a reviewer's login, the one person approves,
# which only the `open` policy allows). What it creates is deleted again at the end (the
# artifact, which is never deleted, is archived); KEEP=1 keeps it.
#
#   examples/artifact-proof.sh [BASE_URL]        (or DATAOPS_URL; default http://127.0.0.1:8000)
#
# Needs bash and curl only. Exits non-zero as soon as a response is not what the contract says.
set -euo pipefail

BASE="${1:-${DATAOPS_URL:-http://127.0.0.1:8000}}"
source "$(dirname "$0")/portal-session.sh"
portal_sign_in "$BASE"
REVIEW_AUTH=("${AUTH[@]}")
portal_sign_in_reviewer "$BASE" || true
BODY_FILE="$(mktemp)"
bundle_id="" task_id="" artifact_id=""

# api METHOD PATH EXPECTED_STATUS [JSON_BODY]: prints the response body, fails on another status.
api() {
  local method="$1" path="$2" expected="$3" body="${4:-}" status
  local args=(-sS -o "$BODY_FILE" -w '%{http_code}' -X "$method" "${AUTH[@]}")
  if [[ -n "$body" ]]; then
    args+=(-H 'Content-Type: application/json' --data "$body")
  fi
  status="$(curl "${args[@]}" "$API$path")"
  echo "$method /work/api$path -> $status $(cat "$BODY_FILE")" >&2
  if [[ "$status" != "$expected" ]]; then
    echo "expected $expected" >&2
    exit 1
  fi
  cat "$BODY_FILE"
}

clean_up() {
  if [[ -z "${KEEP:-}" ]]; then
    echo "== clean up" >&2
    if [[ -n "$task_id" ]]; then api DELETE "/tasks/$task_id" 204 >/dev/null || true; fi
    if [[ -n "$artifact_id" ]]; then api PUT "/artifacts/$artifact_id/archive" 200 >/dev/null || true; fi
    if [[ -n "$bundle_id" ]]; then
      api PUT "/bundles/$bundle_id/archive" 200 >/dev/null || true
      api DELETE "/bundles/$bundle_id" 204 >/dev/null || true
    fi
  fi
  rm -f "$BODY_FILE"
  portal_sign_out
}
trap clean_up EXIT

# first_id JSON: the first "id" in a response (the record's own id comes first).
first_id() {
  grep -o '"id":"[^"]*"' <<<"$1" | head -n 1 | cut -d'"' -f4
}

expect_text() {
  if ! grep -qF "$2" <<<"$1"; then
    echo "expected to find: $2" >&2
    exit 1
  fi
}

echo "== a bundle (one podcast episode) with a task that needs an approved artifact" >&2
bundle="$(api POST /bundles 201 '{"title":"Episode 42","anchorDate":"2026-12-10"}')"
bundle_id="$(first_id "$bundle")"
task="$(api POST /tasks 201 "{\"description\":\"Publish the episode page\",\"date\":\"2026-12-10\",\"bundleId\":\"$bundle_id\",\"proofRequirement\":{\"type\":\"artifact\",\"label\":\"published page\"}}")"
task_id="$(first_id "$task")"

echo "== completing it now is refused, and the proof says why" >&2
refusal="$(api PUT "/tasks/$task_id" 400 '{"status":"done"}')"
expect_text "$refusal" "Cannot mark task as done: required approved artifact proof 'published page' is missing"
proof="$(api GET "/tasks/$task_id/proof" 200)"
expect_text "$proof" '"complete":false'

echo "== register the public page as an artifact and attach it to the task and the bundle" >&2
artifact="$(api POST /artifacts 201 '{"type":"event-page","title":"Episode 42 on Luma","storageUri":"https://lu.ma/episode-42","visibility":"public"}')"
artifact_id="$(first_id "$artifact")"
attached="$(api POST "/artifacts/$artifact_id/attach" 200 "{\"taskId\":\"$task_id\",\"bundleId\":\"$bundle_id\"}")"
expect_text "$attached" "\"taskId\":\"$task_id\""

echo "== a draft is not proof" >&2
api PUT "/tasks/$task_id" 400 '{"status":"done"}' >/dev/null

echo "== another person approves it: it shows in the task and bundle context, the proof is complete" >&2
approved="$(AUTH=("${REVIEW_AUTH[@]}"); api POST "/artifacts/$artifact_id/approve" 200 '{"note":"Checked the page"}')"
expect_text "$approved" '"status":"approved"'
task_view="$(api GET "/tasks/$task_id" 200)"
expect_text "$task_view" "\"artifactId\":\"$artifact_id\""
expect_text "$task_view" '"status":"approved"'
bundle_view="$(api GET "/bundles/$bundle_id" 200)"
expect_text "$bundle_view" "\"artifactId\":\"$artifact_id\""
proof="$(api GET "/tasks/$task_id/proof" 200)"
expect_text "$proof" '"complete":true'
expect_text "$proof" "\"evidence\":[\"$artifact_id\"]"

echo "== the task can be completed" >&2
done_task="$(api PUT "/tasks/$task_id" 200 '{"status":"done"}')"
expect_text "$done_task" '"status":"done"'

echo "== its receipt: what proved it at that moment, and who reviewed it" >&2
proof="$(api GET "/tasks/$task_id/proof" 200)"
expect_text "$proof" '"receipt":{"completedAt":'
expect_text "$proof" "\"artifacts\":[{\"artifactId\":\"$artifact_id\",\"via\":\"task\",\"status\":\"approved\""

echo "== its history" >&2
api GET "/audit-events?entityId=$artifact_id" 200 >/dev/null
echo "scenario 1 passed: task $task_id completed with approved artifact $artifact_id"
