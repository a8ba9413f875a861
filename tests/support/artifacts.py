"""Small builders for artifact tests: a bundle, a task, an artifact, through the HTTP API."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

LUMA_PAGE: dict[str, Any] = {
    "type": "event-page",
    "title": "Episode 12 on Luma",
    "storageUri": "https://lu.ma/episode-12",
}


def make_bundle(client: TestClient, **fields: Any) -> dict[str, Any]:
    body = {"title": "Episode 12", "anchorDate": "2026-12-10", **fields}
    response = client.post("/api/bundles", json=body)
    assert response.status_code == 201, response.text
    bundle: dict[str, Any] = response.json()["bundle"]
    return bundle


def make_task(client: TestClient, **fields: Any) -> dict[str, Any]:
    body = {"description": "Publish show notes", "date": "2026-12-10", **fields}
    response = client.post("/api/tasks", json=body)
    assert response.status_code == 201, response.text
    task: dict[str, Any] = response.json()
    return task


def artifact_gated_task(client: TestClient, **fields: Any) -> dict[str, Any]:
    return make_task(
        client, proofRequirement={"type": "artifact", "label": "published page"}, **fields
    )


def make_artifact(client: TestClient, **fields: Any) -> dict[str, Any]:
    response = client.post("/api/artifacts", json={**LUMA_PAGE, **fields})
    assert response.status_code == 201, response.text
    artifact: dict[str, Any] = response.json()["artifact"]
    return artifact


def set_status(client: TestClient, artifact_id: str, status: str) -> dict[str, Any]:
    response = client.put(f"/api/artifacts/{artifact_id}", json={"status": status})
    assert response.status_code == 200, response.text
    artifact: dict[str, Any] = response.json()["artifact"]
    return artifact
