"""File proof through the HTTP API with real uploads (product.md scenario 4, docs/api.md#proof,
4.5, 10.11): file records satisfy `requiresFile` and `proofRequirement.type = file`, never an
artifact requirement; deleting the last file blocks completion again; a task with files cannot
be deleted."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from dataops.engine.context import Engine
from tests.support.multipart import body, field, file_part, headers


def new_task(client: TestClient, **fields: Any) -> dict[str, Any]:
    response = client.post(
        "/api/tasks", json={"description": "Settle the invoice", "date": "2026-12-01", **fields}
    )
    assert response.status_code == 201, response.text
    task: dict[str, Any] = response.json()
    return task


def upload(client: TestClient, task_id: str, content: bytes = b"%PDF invoice") -> str:
    parts = [field("taskId", task_id), field("category", "invoice"), file_part(content)]
    response = client.post("/api/files", content=body(parts), headers=headers())
    assert response.status_code == 201, response.text
    return str(response.json()["file"]["id"])


def complete(client: TestClient, task_id: str) -> Any:
    return client.put(f"/api/tasks/{task_id}", json={"status": "done"})


def proof(client: TestClient, task_id: str) -> dict[str, Any]:
    response = client.get(f"/api/tasks/{task_id}/proof")
    assert response.status_code == 200
    result: dict[str, Any] = response.json()["proof"]
    return result


def test_scenario_4_file_proof_and_artifact_proof_are_distinct(client: TestClient) -> None:
    needs_file = new_task(client, requiresFile=True)
    needs_artifact = new_task(client, proofRequirement={"type": "artifact"})

    refused = complete(client, needs_file["id"])
    assert (refused.status_code, refused.json()) == (
        400,
        {"error": "Cannot mark task as done: required file has not been uploaded"},
    )

    file_id = upload(client, needs_file["id"])
    # A file uploaded to the artifact-gated task is still no artifact proof.
    upload(client, needs_artifact["id"])

    done = complete(client, needs_file["id"])
    assert done.status_code == 200
    assert done.json()["status"] == "done"

    blocked = complete(client, needs_artifact["id"])
    assert (blocked.status_code, blocked.json()) == (
        400,
        {"error": "Cannot mark task as done: required approved artifact proof is missing"},
    )
    assert client.get(f"/api/tasks/{needs_artifact['id']}").json()["status"] == "todo"

    # Deleting the file blocks the first task again.
    assert client.put(f"/api/tasks/{needs_file['id']}", json={"status": "todo"}).status_code == 200
    assert client.delete(f"/api/files/{file_id}").status_code == 204
    again = complete(client, needs_file["id"])
    assert (again.status_code, again.json()) == (
        400,
        {"error": "Cannot mark task as done: required file has not been uploaded"},
    )
    assert proof(client, needs_file["id"])["complete"] is False


def test_the_proof_view_shows_the_files_as_evidence(client: TestClient) -> None:
    task = new_task(client, requiresFile=True)
    assert proof(client, task["id"]) == {
        "complete": False,
        "requirements": [
            {
                "kind": "file",
                "label": "file",
                "satisfied": False,
                "reason": "No file has been uploaded for this task yet.",
                "evidence": [],
            }
        ],
    }

    first, second = upload(client, task["id"]), upload(client, task["id"], b"%PDF second")
    assert proof(client, task["id"]) == {
        "complete": True,
        "requirements": [
            {
                "kind": "file",
                "label": "file",
                "satisfied": True,
                "reason": "2 files uploaded for this task.",
                "evidence": [first, second],
            }
        ],
    }


def test_a_file_proof_requirement_with_a_label(client: TestClient) -> None:
    task = new_task(client, proofRequirement={"type": "file", "label": "Signed contract"})
    refused = complete(client, task["id"])
    assert (refused.status_code, refused.json()) == (
        400,
        {"error": "Cannot mark task as done: required file proof 'Signed contract' is missing"},
    )

    file_id = upload(client, task["id"])
    requirement = proof(client, task["id"])["requirements"][0]
    assert (requirement["kind"], requirement["label"], requirement["evidence"]) == (
        "file",
        "Signed contract",
        [file_id],
    )
    assert complete(client, task["id"]).status_code == 200


def test_an_optional_file_requirement_does_not_block(client: TestClient) -> None:
    task = new_task(client, proofRequirement={"type": "file", "required": False})
    assert complete(client, task["id"]).status_code == 200


def test_files_of_another_task_do_not_count(client: TestClient) -> None:
    task, other = new_task(client, requiresFile=True), new_task(client)
    upload(client, other["id"])
    assert complete(client, task["id"]).status_code == 400


def test_a_task_created_done_with_requires_file_is_refused(client: TestClient) -> None:
    response = client.post(
        "/api/tasks",
        json={"description": "x", "date": "2026-12-01", "requiresFile": True, "status": "done"},
    )
    assert (response.status_code, response.json()) == (
        400,
        {"error": "Cannot mark task as done: required file has not been uploaded"},
    )


def test_a_task_with_files_cannot_be_deleted(client: TestClient, engine: Engine) -> None:
    task = new_task(client)
    file_id = upload(client, task["id"])

    refused = client.delete(f"/api/tasks/{task['id']}")
    assert (refused.status_code, refused.json()) == (
        409,
        {"error": "Task has files; delete them first"},
    )
    assert client.get(f"/api/tasks/{task['id']}").status_code == 200

    assert client.delete(f"/api/files/{file_id}").status_code == 204
    assert client.delete(f"/api/tasks/{task['id']}").status_code == 204
    assert engine.store.get("tasks", task["id"]) is None
