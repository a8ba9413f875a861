"""Tasks through the HTTP API: docs/api.md#tasks and #proof."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from dataops.engine.context import Engine

STATUS_MESSAGE = "Invalid status. Must be 'todo', 'waiting', 'done', or 'archived'"


def create(client: TestClient, **fields: Any) -> dict[str, Any]:
    body = {"description": "Record the episode", "date": "2026-12-01", **fields}
    response = client.post("/api/tasks", json=body)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def bundle(client: TestClient) -> str:
    response = client.post("/api/bundles", json={"title": "Episode 12", "anchorDate": "2026-12-01"})
    assert response.status_code == 201
    return response.json()["bundle"]["id"]  # type: ignore[no-any-return]


def error(response: Any, status: int) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    return response.json()["error"]  # type: ignore[no-any-return]


# --- create --------------------------------------------------------------------------------------


def test_create_returns_the_bare_task_with_defaults(client: TestClient) -> None:
    response = client.post("/api/tasks", json={"description": "Book guest", "date": "2026-12-03"})
    assert response.status_code == 201
    assert response.headers["content-type"] == "application/json"
    assert response.headers["etag"] == '"1"'
    task = response.json()
    assert task["description"] == "Book guest"
    assert task["status"] == "todo"
    assert task["source"] == "manual"
    assert task["createdAt"] == task["updatedAt"]
    assert task["createdAt"].endswith("Z") and len(task["createdAt"]) == 24
    assert set(task) == {"id", "description", "date", "status", "source", "createdAt", "updatedAt"}


def test_create_drops_fields_clients_may_not_set(client: TestClient) -> None:
    task = create(
        client,
        id="mine",
        PK="TASK#x",
        createdAt="2020-01-01",
        completedAt="2020-01-01",
        completedBy="mallory",
        stageOnComplete="done",
        templateTaskRef="x",
        recurringConfigId="r",
    )
    assert task["id"] != "mine"
    for dropped in ("PK", "completedAt", "completedBy", "stageOnComplete", "templateTaskRef"):
        assert dropped not in task
    assert task["createdAt"] != "2020-01-01"


def test_create_keeps_every_allowed_field(client: TestClient) -> None:
    bundle_id = bundle(client)
    page = client.post(
        "/api/artifacts",
        json={"type": "event-page", "title": "Episode page", "storageUri": "https://lu.ma/ep"},
    ).json()["artifact"]
    body = {
        "description": "Publish",
        "date": "2026-12-04",
        "comment": "c",
        "status": "waiting",
        "bundleId": bundle_id,
        "source": "import",
        "waitingFor": "Grace",
        "followUpAt": "2026-12-05T10:00:00.000Z",
        "proofRequirement": {"type": "url", "label": "Episode page", "required": True},
        "externalStatus": "scheduled",
        "instructionsUrl": "https://docs.example.com/publish",
        "instructionDocId": "doc-1",
        "instructionStepId": "step-2",
        "phase": "publishing",
        "systems": ["spotify"],
        "validation": {"check": "page live"},
        "link": "https://example.com/ep12",
        "requiredLinkName": "Episode page",
        "requiresFile": False,
        "assigneeId": "user-grace",
        "tags": ["podcast"],
        "templateId": "free-text",
        "artifactRefs": [
            {
                "artifactId": page["id"],
                "type": "event-page",
                "title": "Episode page",
                "storageUri": "https://lu.ma/ep",
                "status": "draft",
            }
        ],
        "assistantJobRefs": [{"assistantJobId": "j1"}],
        "auditEventRefs": [{"auditEventId": "e1"}],
    }
    task = client.post("/api/tasks", json=body).json()
    for name, value in body.items():
        assert task[name] == value, name


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"date": "2026-12-01"}, "Missing required field: description"),
        ({"description": "", "date": "2026-12-01"}, "Missing required field: description"),
        ({"description": "   ", "date": "2026-12-01"}, "Missing required field: description"),
        ({"description": None, "date": "2026-12-01"}, "Missing required field: description"),
        ({"description": 5, "date": "2026-12-01"}, "description must be a string"),
        ({"description": "x"}, "Missing required field: date"),
        ({"description": "x", "date": ""}, "Missing required field: date"),
        ({"description": "x", "date": []}, "Invalid date: date must be a YYYY-MM-DD calendar date"),
        (
            {"description": "x", "date": "2026-02-30"},
            "Invalid date: date must be a YYYY-MM-DD calendar date",
        ),
        (
            {"description": "x", "date": "2026-13-01"},
            "Invalid date: date must be a YYYY-MM-DD calendar date",
        ),
        (
            {"description": "x", "date": "tomorrow"},
            "Invalid date: date must be a YYYY-MM-DD calendar date",
        ),
        ({"description": "x", "date": "2026-12-01", "status": "open"}, STATUS_MESSAGE),
        ({"description": "x", "date": "2026-12-01", "status": None}, STATUS_MESSAGE),
        (
            {"description": "x", "date": "2026-12-01", "status": "waiting"},
            "Waiting tasks require waitingFor and followUpAt",
        ),
        (
            {
                "description": "x",
                "date": "2026-12-01",
                "status": "waiting",
                "waitingFor": " ",
                "followUpAt": "2026-12-02",
            },
            "Waiting tasks require waitingFor and followUpAt",
        ),
        (
            {"description": "x", "date": "2026-12-01", "instructionDocId": 1},
            "instructionDocId must be a string",
        ),
        (
            {"description": "x", "date": "2026-12-01", "instructionStepId": {}},
            "instructionStepId must be a string",
        ),
        ({"description": "x", "date": "2026-12-01", "phase": ["a"]}, "phase must be a string"),
        (
            {"description": "x", "date": "2026-12-01", "systems": [1]},
            "systems must be an array of strings",
        ),
        (
            {"description": "x", "date": "2026-12-01", "systems": "spotify"},
            "systems must be an array of strings",
        ),
        (
            {"description": "x", "date": "2026-12-01", "validation": 3},
            "validation must be a string or object",
        ),
        (
            {"description": "x", "date": "2026-12-01", "validation": []},
            "validation must be a string or object",
        ),
        (
            {"description": "x", "date": "2026-12-01", "proofRequirement": None},
            "proofRequirement must be an object",
        ),
        (
            {"description": "x", "date": "2026-12-01", "proofRequirement": []},
            "proofRequirement must be an object",
        ),
        (
            {"description": "x", "date": "2026-12-01", "proofRequirement": "url"},
            "proofRequirement must be an object",
        ),
        (
            {"description": "x", "date": "2026-12-01", "proofRequirement": {"type": "photo"}},
            "proofRequirement.type must be one of: url, file, artifact, comment, external-status",
        ),
        (
            {
                "description": "x",
                "date": "2026-12-01",
                "proofRequirement": {"type": "url", "label": 1},
            },
            "proofRequirement.label must be a string",
        ),
        (
            {
                "description": "x",
                "date": "2026-12-01",
                "proofRequirement": {"type": "url", "required": "yes"},
            },
            "proofRequirement.required must be a boolean",
        ),
        (
            {"description": "x", "date": "2026-12-01", "artifactRefs": [{"artifactId": " "}]},
            "artifactRefs must be an array of objects with artifactId",
        ),
        (
            {"description": "x", "date": "2026-12-01", "artifactRefs": {"artifactId": "a"}},
            "artifactRefs must be an array of objects with artifactId",
        ),
        (
            {"description": "x", "date": "2026-12-01", "assistantJobRefs": [["j"]]},
            "assistantJobRefs must be an array of objects with assistantJobId",
        ),
        (
            {"description": "x", "date": "2026-12-01", "auditEventRefs": [{"auditEventId": 4}]},
            "auditEventRefs must be an array of objects with auditEventId",
        ),
        (
            {"description": "x", "date": "2026-12-01", "requiresFile": "yes"},
            "requiresFile must be a boolean",
        ),
        (
            {"description": "x", "date": "2026-12-01", "tags": "a,b"},
            "tags must be an array of strings",
        ),
        (
            {"description": "x", "date": "2026-12-01", "tags": ["x" * 101]},
            "tags is too long (max 100)",
        ),
        (
            {"description": "x", "date": "2026-12-01", "tags": ["t"] * 51},
            "tags is too long (max 50)",
        ),
        ({"description": "x" * 20001, "date": "2026-12-01"}, "description is too long (max 20000)"),
        ({"description": "x", "date": "2026-12-01", "comment": 7}, "comment must be a string"),
        (
            {"description": "x", "date": "2026-12-01", "followUpAt": "next week"},
            "followUpAt must be an ISO 8601 timestamp",
        ),
        (
            {"description": "x", "date": "2026-12-01", "link": "javascript:alert(1)"},
            "link must be an http(s) URL",
        ),
        (
            {"description": "x", "date": "2026-12-01", "link": "ftp://files.example.com/x"},
            "link must be an http(s) URL",
        ),
        (
            {
                "description": "x",
                "date": "2026-12-01",
                "link": "https://b.s3.amazonaws.com/k?X-Amz-Signature=abc",
            },
            "link must be stable and must not be a signed URL or tokenized URL",
        ),
        ({"description": "x", "date": "2026-12-01", "bundleId": 5}, "bundleId must be a string"),
    ],
)
def test_create_refuses_bad_input_and_stores_nothing(
    client: TestClient, engine: Engine, body: dict[str, Any], message: str
) -> None:
    assert error(client.post("/api/tasks", json=body), 400) == message
    assert engine.store.count("tasks") == 0


@pytest.mark.parametrize(
    "raw", [b"", b"null", b"{bad", b"[]", b'"text"', b"5", b"NaN", b'{"a": NaN}']
)
def test_create_refuses_missing_or_non_object_bodies(client: TestClient, raw: bytes) -> None:
    response = client.post("/api/tasks", content=raw, headers={"content-type": "application/json"})
    assert error(response, 400) == "Request body is required"


def test_create_refuses_an_unknown_bundle(client: TestClient, engine: Engine) -> None:
    response = client.post(
        "/api/tasks", json={"description": "x", "date": "2026-12-01", "bundleId": "nope"}
    )
    assert error(response, 404) == "Bundle not found"
    assert engine.store.count("tasks") == 0


def test_create_as_done_runs_the_proof_gate(client: TestClient) -> None:
    base = {"description": "x", "date": "2026-12-01", "status": "done"}
    refused = client.post("/api/tasks", json={**base, "requiredLinkName": "Page", "link": "  "})
    assert error(refused, 400) == "Cannot mark task as done: required link 'Page' is not filled"
    refused = client.post("/api/tasks", json={**base, "requiresFile": True})
    assert error(refused, 400) == "Cannot mark task as done: required file has not been uploaded"
    refused = client.post("/api/tasks", json={**base, "proofRequirement": {"type": "file"}})
    assert error(refused, 400) == "Cannot mark task as done: required file proof is missing"
    refused = client.post(
        "/api/tasks", json={**base, "proofRequirement": {"type": "comment", "label": "Notes"}}
    )
    assert (
        error(refused, 400) == "Cannot mark task as done: required comment proof 'Notes' is missing"
    )
    created = client.post(
        "/api/tasks", json={**base, "proofRequirement": {"type": "comment"}, "comment": "ok"}
    )
    assert created.status_code == 201
    assert "completedAt" not in created.json() and "completedBy" not in created.json()


# --- read and list -------------------------------------------------------------------------------


def test_get_returns_the_bare_task_with_its_version(client: TestClient) -> None:
    task = create(client)
    response = client.get(f"/api/tasks/{task['id']}")
    assert response.status_code == 200
    assert response.json() == task
    assert response.headers["etag"] == '"1"'


def test_get_of_unknown_or_empty_ids(client: TestClient) -> None:
    assert error(client.get("/api/tasks/unknown"), 404) == "Task not found"
    assert error(client.get("/api/tasks/a/b"), 404) == "Task not found"
    assert error(client.get("/api/tasks/"), 404) == "Not found"


def test_list_needs_a_filter(client: TestClient) -> None:
    message = "At least one filter is required: date, startDate+endDate, bundleId, or status"
    assert error(client.get("/api/tasks"), 400) == message
    assert error(client.get("/api/tasks?date=&status="), 400) == message


def test_list_by_date_orders_by_status(client: TestClient) -> None:
    waiting = create(client, status="waiting", waitingFor="Ann", followUpAt="2026-12-02")
    todo = create(client)
    done = create(client, status="done")
    create(client, date="2026-12-02")
    listed = client.get("/api/tasks?date=2026-12-01").json()["tasks"]
    assert [task["id"] for task in listed] == [done["id"], todo["id"], waiting["id"]]


def test_list_precedence_date_over_range_over_bundle_over_status(client: TestClient) -> None:
    bundle_id = bundle(client)
    in_bundle = create(client, bundleId=bundle_id, date="2026-12-05")
    other = create(client, date="2026-12-01")
    by_date = client.get(f"/api/tasks?date=2026-12-01&bundleId={bundle_id}").json()["tasks"]
    assert [task["id"] for task in by_date] == [other["id"]]
    by_bundle = client.get(f"/api/tasks?bundleId={bundle_id}&status=done").json()["tasks"]
    assert [task["id"] for task in by_bundle] == [in_bundle["id"]]
    by_range = client.get(
        f"/api/tasks?startDate=2026-12-04&endDate=2026-12-06&bundleId={bundle_id}"
    ).json()["tasks"]
    assert [task["id"] for task in by_range] == [in_bundle["id"]]


def test_list_by_date_range_is_inclusive(client: TestClient) -> None:
    ids = [
        create(client, date=day)["id"]
        for day in ("2026-11-30", "2026-12-01", "2026-12-02", "2026-12-03")
    ]
    listed = client.get("/api/tasks?startDate=2026-12-01&endDate=2026-12-02").json()["tasks"]
    assert [task["id"] for task in listed] == ids[1:3]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("startDate=2026-12-01", "Both startDate and endDate are required for range queries"),
        ("endDate=2026-12-01", "Both startDate and endDate are required for range queries"),
        (
            "startDate=2026-02-30&endDate=2026-03-01",
            "Invalid date: startDate must be a YYYY-MM-DD calendar date",
        ),
        (
            "startDate=2026-02-01&endDate=2026-13-01",
            "Invalid date: endDate must be a YYYY-MM-DD calendar date",
        ),
        (
            "startDate=2026-03-01&endDate=2026-02-01",
            "endDate must be greater than or equal to startDate",
        ),
        ("startDate=2026-01-01&endDate=2027-01-02", "Date range must not exceed 366 days"),
        ("date=2026-02-31", "Invalid date: date must be a YYYY-MM-DD calendar date"),
        ("status=open", STATUS_MESSAGE),
        ("limit=0&status=todo", "limit must be an integer from 1 to 1000"),
        ("limit=1001&status=todo", "limit must be an integer from 1 to 1000"),
        ("limit=ten&status=todo", "limit must be an integer from 1 to 1000"),
        ("limit=5&status=todo&cursor=garbage", "cursor is invalid or expired"),
    ],
)
def test_list_refuses_bad_queries(client: TestClient, query: str, message: str) -> None:
    assert error(client.get(f"/api/tasks?{query}"), 400) == message


def test_range_of_366_days_is_allowed(client: TestClient) -> None:
    assert client.get("/api/tasks?startDate=2026-01-01&endDate=2027-01-01").status_code == 200


def test_lists_are_never_truncated_and_page_with_limit_and_cursor(client: TestClient) -> None:
    created = {
        create(client, date=f"2026-12-{1 + n % 3:02d}", description=f"task {n}")["id"]
        for n in range(1205)
    }
    everything = client.get("/api/tasks?status=todo").json()
    assert len(everything["tasks"]) == 1205
    assert "nextCursor" not in everything
    seen: list[str] = []
    cursor = ""
    while True:
        page = client.get(f"/api/tasks?status=todo&limit=500{cursor}").json()
        seen += [task["id"] for task in page["tasks"]]
        if "nextCursor" not in page:
            break
        cursor = f"&cursor={page['nextCursor']}"
    assert len(seen) == 1205 and set(seen) == created


def test_date_range_pages_across_days(client: TestClient) -> None:
    ids = [create(client, date=f"2026-12-{day:02d}")["id"] for day in (1, 1, 2, 3, 3, 3)]
    seen: list[str] = []
    cursor = ""
    while True:
        page = client.get(
            f"/api/tasks?startDate=2026-12-01&endDate=2026-12-03&limit=2{cursor}"
        ).json()
        seen += [task["id"] for task in page["tasks"]]
        if "nextCursor" not in page:
            break
        cursor = f"&cursor={page['nextCursor']}"
    assert sorted(seen) == sorted(ids) and len(seen) == 6


# --- update --------------------------------------------------------------------------------------


def test_update_changes_fields_and_version(client: TestClient, clock: Any) -> None:
    task = create(client)
    response = client.put(f"/api/tasks/{task['id']}", json={"comment": "Guest confirmed"})
    assert response.status_code == 200
    assert response.headers["etag"] == '"2"'
    updated = response.json()
    assert updated["comment"] == "Guest confirmed"
    assert updated["updatedAt"] > task["updatedAt"]
    assert updated["createdAt"] == task["createdAt"]


def test_update_with_null_removes_optional_fields(client: TestClient) -> None:
    task = create(client, comment="old", tags=["a"], link="https://example.com")
    updated = client.put(
        f"/api/tasks/{task['id']}", json={"comment": None, "tags": None, "link": None}
    ).json()
    assert "comment" not in updated and "tags" not in updated and "link" not in updated


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "No valid fields to update"),
        ({"id": "x", "completedBy": "me"}, "No valid fields to update"),
        ({"status": "closed"}, STATUS_MESSAGE),
        ({"phase": 1}, "phase must be a string"),
        ({"proofRequirement": None}, "proofRequirement must be an object"),
        ({"artifactRefs": [{}]}, "artifactRefs must be an array of objects with artifactId"),
        ({"description": None}, "Missing required field: description"),
        ({"date": "2026-02-29"}, "Invalid date: date must be a YYYY-MM-DD calendar date"),
        ({"date": None}, "Missing required field: date"),
        ({"requiresFile": 1}, "requiresFile must be a boolean"),
    ],
)
def test_update_refuses_bad_input_and_changes_nothing(
    client: TestClient, body: dict[str, Any], message: str
) -> None:
    task = create(client)
    assert error(client.put(f"/api/tasks/{task['id']}", json=body), 400) == message
    assert client.get(f"/api/tasks/{task['id']}").json() == task


def test_update_validation_wins_over_not_found(client: TestClient) -> None:
    assert error(client.put("/api/tasks/missing", json={"status": "x"}), 400) == STATUS_MESSAGE
    assert error(client.put("/api/tasks/missing", json={"comment": "x"}), 404) == "Task not found"


@pytest.mark.parametrize("raw", [b"", b"null", b"{oops", b"[1]"])
def test_update_refuses_missing_bodies(client: TestClient, raw: bytes) -> None:
    task = create(client)
    response = client.put(f"/api/tasks/{task['id']}", content=raw)
    assert error(response, 400) == "Request body is required"


def test_waiting_rule_applies_to_any_update_of_a_waiting_task(client: TestClient) -> None:
    task = create(client, status="waiting", waitingFor="Ann", followUpAt="2026-12-02")
    response = client.put(f"/api/tasks/{task['id']}", json={"waitingFor": ""})
    assert error(response, 400) == "Waiting tasks require waitingFor and followUpAt"
    response = client.put(f"/api/tasks/{task['id']}", json={"followUpAt": None})
    assert error(response, 400) == "Waiting tasks require waitingFor and followUpAt"


def test_leaving_waiting_keeps_waiting_metadata(client: TestClient) -> None:
    task = create(client, status="waiting", waitingFor="Ann", followUpAt="2026-12-02")
    updated = client.put(f"/api/tasks/{task['id']}", json={"status": "todo"}).json()
    assert updated["waitingFor"] == "Ann" and updated["followUpAt"] == "2026-12-02"


def test_update_refuses_an_unknown_bundle(client: TestClient) -> None:
    task = create(client)
    assert (
        error(client.put(f"/api/tasks/{task['id']}", json={"bundleId": "nope"}), 404)
        == "Bundle not found"
    )


def test_completion_records_who_and_when_from_the_trusted_actor(client: TestClient) -> None:
    task = create(client)
    done = client.put(
        f"/api/tasks/{task['id']}",
        json={"status": "done", "completedBy": "mallory"},
        headers={"x-user-id": "grace"},
    ).json()
    assert done["status"] == "done"
    assert done["completedBy"] == "grace"
    assert done["completedAt"].endswith("Z")
    reopened = client.put(f"/api/tasks/{task['id']}", json={"status": "todo"}).json()
    assert reopened["completedBy"] == "grace" and "completedAt" in reopened


def test_completion_without_actor_leaves_completed_by_unset(client: TestClient) -> None:
    task = create(client)
    done = client.put(f"/api/tasks/{task['id']}", json={"status": "done"}).json()
    assert "completedBy" not in done and "completedAt" in done


def test_gate_for_required_link(client: TestClient) -> None:
    task = create(client, requiredLinkName="Episode page")
    refused = client.put(f"/api/tasks/{task['id']}", json={"status": "done"})
    assert (
        error(refused, 400)
        == "Cannot mark task as done: required link 'Episode page' is not filled"
    )
    assert client.get(f"/api/tasks/{task['id']}").json()["status"] == "todo"
    done = client.put(
        f"/api/tasks/{task['id']}", json={"status": "done", "link": "https://example.com/e"}
    )
    assert done.status_code == 200


@pytest.mark.parametrize(
    ("requirement", "field", "value", "message"),
    [
        (
            {"type": "url"},
            "link",
            "https://example.com/p",
            "Cannot mark task as done: required url proof is missing",
        ),
        (
            {"type": "comment", "label": "Show notes"},
            "comment",
            "Written",
            "Cannot mark task as done: required comment proof 'Show notes' is missing",
        ),
        (
            {"type": "external-status", "label": ""},
            "externalStatus",
            "published",
            "Cannot mark task as done: required external-status proof is missing",
        ),
    ],
)
def test_gate_for_field_proof(
    client: TestClient, requirement: dict[str, Any], field: str, value: str, message: str
) -> None:
    task = create(client, proofRequirement=requirement)
    assert error(client.put(f"/api/tasks/{task['id']}", json={"status": "done"}), 400) == message
    blank = client.put(
        f"/api/tasks/{task['id']}", json={"status": "done", field: "" if field == "link" else "  "}
    )
    assert error(blank, 400) == message
    assert client.get(f"/api/tasks/{task['id']}").json()["status"] == "todo"
    assert (
        client.put(f"/api/tasks/{task['id']}", json={"status": "done", field: value}).status_code
        == 200
    )


def test_gate_skips_requirements_that_are_not_required(client: TestClient) -> None:
    task = create(client, proofRequirement={"type": "url", "required": False})
    assert client.put(f"/api/tasks/{task['id']}", json={"status": "done"}).status_code == 200


def test_gate_uses_the_requirement_given_in_the_same_update(client: TestClient) -> None:
    task = create(client)
    response = client.put(
        f"/api/tasks/{task['id']}", json={"status": "done", "proofRequirement": {"type": "comment"}}
    )
    assert error(response, 400) == "Cannot mark task as done: required comment proof is missing"


def test_gate_applies_even_when_already_done(client: TestClient) -> None:
    task = create(client, status="done")
    client.put(f"/api/tasks/{task['id']}", json={"requiredLinkName": "Page"})
    refused = client.put(f"/api/tasks/{task['id']}", json={"status": "done"})
    assert error(refused, 400) == "Cannot mark task as done: required link 'Page' is not filled"


def test_file_and_artifact_proof_are_not_satisfied_without_records(client: TestClient) -> None:
    file_task = create(client, requiresFile=True)
    refused = client.put(f"/api/tasks/{file_task['id']}", json={"status": "done"})
    assert error(refused, 400) == "Cannot mark task as done: required file has not been uploaded"
    artifact_task = create(client, proofRequirement={"type": "artifact", "label": "Prep doc"})
    refused = client.put(f"/api/tasks/{artifact_task['id']}", json={"status": "done"})
    message = "Cannot mark task as done: required approved artifact proof 'Prep doc' is missing"
    assert error(refused, 400) == message


def test_proof_route_explains_every_requirement(client: TestClient) -> None:
    task = create(
        client,
        requiredLinkName="Episode page",
        requiresFile=True,
        proofRequirement={"type": "comment"},
    )
    proof = client.get(f"/api/tasks/{task['id']}/proof").json()["proof"]
    assert proof["complete"] is False
    assert [(r["kind"], r["satisfied"]) for r in proof["requirements"]] == [
        ("link", False),
        ("file", False),
        ("comment", False),
    ]
    assert proof["requirements"][0]["reason"] == "The link 'Episode page' is not filled in yet."
    assert proof["requirements"][1]["reason"] == "No file has been uploaded for this task yet."
    assert all(r["evidence"] == [] for r in proof["requirements"])
    assert error(client.get("/api/tasks/missing/proof"), 404) == "Task not found"


def test_if_match_guards_updates(client: TestClient) -> None:
    task = create(client)
    stale = client.put(
        f"/api/tasks/{task['id']}", json={"comment": "a"}, headers={"if-match": '"7"'}
    )
    assert error(stale, 412) == "Precondition failed: the record was changed by someone else"
    assert client.get(f"/api/tasks/{task['id']}").json() == task
    fresh = client.put(
        f"/api/tasks/{task['id']}", json={"comment": "a"}, headers={"if-match": '"1"'}
    )
    assert fresh.status_code == 200 and fresh.headers["etag"] == '"2"'
    garbage = client.put(
        f"/api/tasks/{task['id']}", json={"comment": "b"}, headers={"if-match": "soon"}
    )
    assert garbage.status_code == 412
    assert (
        client.put(
            f"/api/tasks/{task['id']}", json={"comment": "c"}, headers={"if-match": "*"}
        ).status_code
        == 200
    )


# --- delete --------------------------------------------------------------------------------------


def test_delete_is_idempotent(client: TestClient) -> None:
    task = create(client)
    assert client.delete(f"/api/tasks/{task['id']}").status_code == 204
    assert client.delete(f"/api/tasks/{task['id']}").content == b""
    assert client.delete("/api/tasks/never-existed").status_code == 204
    assert error(client.get(f"/api/tasks/{task['id']}"), 404) == "Task not found"


def test_task_paths_never_answer_405(client: TestClient) -> None:
    task = create(client)
    assert error(client.patch("/api/tasks"), 404) == "Not found"
    assert error(client.post(f"/api/tasks/{task['id']}", json={}), 404) == "Not found"
    assert error(client.post("/api/tasks/", json={}), 404) == "Not found"
