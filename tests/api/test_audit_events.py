"""The audit trail (docs/export-format.md): every artifact status change, registration,
attach/detach and supersede, task completion and reopening; `GET /api/audit-events`."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from tests.support.artifacts import LUMA_PAGE, artifact_gated_task, make_artifact, make_task


def history(client: TestClient, entity_id: str) -> list[dict[str, Any]]:
    response = client.get(f"/api/audit-events?entityId={entity_id}")
    assert response.status_code == 200
    events: list[dict[str, Any]] = response.json()["auditEvents"]
    return events


def test_entity_id_is_required(client: TestClient) -> None:
    for query in ("", "?entityId=", "?entityId=%20", "?taskId=x"):
        response = client.get(f"/api/audit-events{query}")
        assert response.status_code == 400
        assert response.json() == {
            "error": "entityId is required: GET /api/audit-events?entityId=<id>"
        }
    assert client.get("/api/audit-events/").status_code == 400
    assert client.post("/api/audit-events?entityId=x").status_code == 404


def test_an_unknown_entity_has_an_empty_history(client: TestClient) -> None:
    assert history(client, "nothing") == []


def test_artifact_lifecycle_is_recorded_oldest_first(client: TestClient) -> None:
    task = make_task(client)
    artifact = make_artifact(client, metadata={"model": "v3"})
    who = {"x-user-id": "ada"}
    client.post(f"/api/artifacts/{artifact['id']}/attach", json={"taskId": task["id"]}, headers=who)
    client.put(f"/api/artifacts/{artifact['id']}", json={"status": "needs-review"}, headers=who)
    client.put(f"/api/artifacts/{artifact['id']}", json={"title": "Renamed"}, headers=who)
    client.post(f"/api/artifacts/{artifact['id']}/reject", json={"note": "typo"}, headers=who)
    client.put(f"/api/artifacts/{artifact['id']}", json={"taskId": None}, headers=who)
    client.post(f"/api/artifacts/{artifact['id']}/supersede", json=LUMA_PAGE, headers=who)
    events = history(client, artifact["id"])
    assert [event["action"] for event in events] == [
        "artifact.registered",
        "artifact.attached",
        "artifact.status-changed",
        "artifact.status-changed",
        "artifact.detached",
        "artifact.superseded",
    ]
    assert [event["createdAt"] for event in events] == sorted(e["createdAt"] for e in events)
    assert all(event["entityType"] == "artifact" for event in events)
    assert all(event["entityId"] == artifact["id"] for event in events)
    attached, review, rejected, detached, superseded = events[1:]
    assert attached["after"] == {"taskId": task["id"]}
    assert attached["actorId"] == "ada"
    assert "before" not in attached
    assert (review["before"], review["after"]) == ({"status": "draft"}, {"status": "needs-review"})
    assert review["summary"] == "Status changed from draft to needs-review"
    assert rejected["after"]["status"] == "rejected"
    assert rejected["after"]["reviewNote"] == "typo"
    assert rejected["after"]["reviewedBy"] == "ada"
    assert detached["before"] == {"taskId": task["id"]}
    assert superseded["before"] == {"status": "rejected"}
    assert superseded["after"]["status"] == "superseded"
    new_id = superseded["after"]["supersededBy"]
    assert [event["action"] for event in history(client, new_id)] == ["artifact.registered"]
    # metadata is never copied into the trail
    assert all("metadata" not in event.get("after", {}) for event in events)


def test_audit_history_pages(client: TestClient) -> None:
    artifact = make_artifact(client)
    for status in ("needs-review", "draft", "needs-review", "draft"):
        client.put(f"/api/artifacts/{artifact['id']}", json={"status": status})
    first = client.get(f"/api/audit-events?entityId={artifact['id']}&limit=2").json()
    assert len(first["auditEvents"]) == 2
    rest = client.get(
        f"/api/audit-events?entityId={artifact['id']}&cursor={first['nextCursor']}"
    ).json()
    assert len(rest["auditEvents"]) == 3
    assert "nextCursor" not in rest
    assert rest["auditEvents"][0]["createdAt"] > first["auditEvents"][1]["createdAt"]


def test_task_completion_and_reopening_are_recorded(client: TestClient) -> None:
    task = artifact_gated_task(client)
    make_artifact(client, taskId=task["id"], status="approved")
    who = {"x-user-id": "grace"}
    client.put(f"/api/tasks/{task['id']}", json={"status": "done"}, headers=who)
    client.put(f"/api/tasks/{task['id']}", json={"status": "done"}, headers=who)  # no new event
    client.put(f"/api/tasks/{task['id']}", json={"status": "todo"}, headers=who)
    events = history(client, task["id"])
    assert [(event["action"], event["entityType"]) for event in events] == [
        ("task.completed", "task"),
        ("task.reopened", "task"),
    ]
    assert events[0]["after"]["status"] == "done"
    assert events[0]["after"]["completedBy"] == "grace"
    assert events[1]["after"] == {"status": "todo"}


def test_a_refused_completion_writes_no_event(client: TestClient) -> None:
    task = artifact_gated_task(client)
    assert client.put(f"/api/tasks/{task['id']}", json={"status": "done"}).status_code == 400
    assert history(client, task["id"]) == []
