"""Deletes keep relationships valid (docs/api.md#resources): deleting a task detaches its
artifacts; deleting an archived bundle detaches its tasks and artifacts; both record why."""

from __future__ import annotations

from starlette.testclient import TestClient

from dataops.store.base import Store
from tests.support.artifacts import make_artifact, make_bundle, make_task


def test_deleting_a_task_detaches_its_artifacts(client: TestClient, store: Store) -> None:
    task = make_task(client)
    other = make_task(client)
    mine = make_artifact(client, taskId=task["id"], status="approved")
    attached = make_artifact(client)
    client.post(f"/api/artifacts/{attached['id']}/attach", json={"taskId": task["id"]})
    theirs = make_artifact(client, taskId=other["id"])

    response = client.delete(f"/api/tasks/{task['id']}", headers={"x-user-id": "ada"})
    assert response.status_code == 204
    assert store.get("tasks", task["id"]) is None
    for artifact in (mine, attached):
        stored = client.get(f"/api/artifacts/{artifact['id']}").json()["artifact"]
        assert "taskId" not in stored
        assert stored["status"] == artifact["status"]
        events = client.get(f"/api/audit-events?entityId={artifact['id']}").json()["auditEvents"]
        assert events[-1]["action"] == "artifact.detached"
        assert events[-1]["summary"] == "Detached: its task was deleted"
        assert events[-1]["before"] == {"taskId": task["id"]}
        assert events[-1]["actorId"] == "ada"
    assert client.get(f"/api/artifacts?taskId={task['id']}").json() == {"artifacts": []}
    assert client.get(f"/api/artifacts/{theirs['id']}").json()["artifact"]["taskId"] == other["id"]
    # deleting again is still 204
    assert client.delete(f"/api/tasks/{task['id']}").status_code == 204


def test_a_task_with_files_is_not_deleted(client: TestClient, store: Store) -> None:
    task = make_task(client)
    artifact = make_artifact(client, taskId=task["id"])
    store.create(
        "files",
        {
            "id": "f1",
            "taskId": task["id"],
            "filename": "a.pdf",
            "createdAt": "2026-11-28T09:00:00.000Z",
        },
    )
    response = client.delete(f"/api/tasks/{task['id']}")
    assert (response.status_code, response.json()) == (
        409,
        {"error": "Task has files; delete them first"},
    )
    assert client.get(f"/api/artifacts/{artifact['id']}").json()["artifact"]["taskId"] == task["id"]


def test_deleting_an_archived_bundle_detaches_tasks_and_artifacts(
    client: TestClient, store: Store
) -> None:
    bundle = make_bundle(client)
    task = make_task(client, bundleId=bundle["id"])
    artifact = make_artifact(client, bundleId=bundle["id"], taskId=task["id"])
    response = client.delete(f"/api/bundles/{bundle['id']}")
    assert (response.status_code, response.json()) == (
        400,
        {"error": "Only archived bundles can be deleted"},
    )
    client.put(f"/api/bundles/{bundle['id']}/archive")
    assert client.delete(f"/api/bundles/{bundle['id']}").status_code == 204
    assert store.get("bundles", bundle["id"]) is None
    stored_task = client.get(f"/api/tasks/{task['id']}").json()
    assert "bundleId" not in stored_task
    stored = client.get(f"/api/artifacts/{artifact['id']}").json()["artifact"]
    assert "bundleId" not in stored
    assert stored["taskId"] == task["id"]
    events = client.get(f"/api/audit-events?entityId={artifact['id']}").json()["auditEvents"]
    assert events[-1]["action"] == "artifact.detached"
    assert events[-1]["summary"] == "Detached: its bundle was deleted"
    assert client.get(f"/api/artifacts?bundleId={bundle['id']}").json() == {"artifacts": []}
    assert client.get(f"/api/tasks?bundleId={bundle['id']}").json() == {"tasks": []}
