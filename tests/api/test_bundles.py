"""Bundles through the HTTP API: docs/api.md#bundles."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from dataops.engine.context import Engine

STAGE_MESSAGE = "Invalid stage value. Must be one of: preparation, announced, after-event, done"
STATUS_MESSAGE = "Invalid status value. Must be one of: active, archived"


def error(response: Any, status: int) -> str:
    assert response.status_code == status, response.text
    return response.json()["error"]  # type: ignore[no-any-return]


def create(client: TestClient, **fields: Any) -> dict[str, Any]:
    response = client.post(
        "/api/bundles", json={"title": "Episode 12", "anchorDate": "2026-12-10", **fields}
    )
    assert response.status_code == 201, response.text
    assert set(response.json()) == {"bundle"}
    return response.json()["bundle"]  # type: ignore[no-any-return]


def test_create_with_defaults(client: TestClient) -> None:
    bundle = create(client)
    assert bundle["stage"] == "preparation" and bundle["status"] == "active"
    assert bundle["createdAt"] == bundle["updatedAt"]
    assert set(bundle) == {"id", "title", "anchorDate", "stage", "status", "createdAt", "updatedAt"}


def test_create_keeps_caller_values(client: TestClient) -> None:
    page = client.post(
        "/api/artifacts",
        json={"type": "event-page", "title": "Luma page", "storageUri": "https://lu.ma/ep"},
    ).json()["artifact"]
    ref = {
        "artifactId": page["id"],
        "type": "event-page",
        "title": "Luma page",
        "storageUri": "https://lu.ma/ep",
        "status": "draft",
    }
    fields = {
        "description": "Guest: Ada",
        "stage": "announced",
        "status": "archived",
        "references": [{"name": "Brief", "url": "https://docs.google.com/document/d/abc"}],
        "bundleLinks": [{"name": "Luma", "url": ""}],
        "emoji": "🎙️",
        "tags": ["podcast"],
        "artifactRefs": [ref],
        "assistantJobRefs": [{"assistantJobId": "j1"}],
        "auditEventRefs": [{"auditEventId": "e1"}],
    }
    bundle = create(client, **fields)
    for name, value in fields.items():
        assert bundle[name] == value


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"anchorDate": "2026-12-10"}, 400, "Missing required field: title"),
        ({"title": "  ", "anchorDate": "2026-12-10"}, 400, "Missing required field: title"),
        ({"title": 7, "anchorDate": "2026-12-10"}, 400, "Missing required field: title"),
        ({"title": "x" * 501, "anchorDate": "2026-12-10"}, 400, "title is too long (max 500)"),
        ({"title": "E"}, 400, "Missing required field: anchorDate"),
        (
            {"title": "E", "anchorDate": "10/12/2026"},
            400,
            "Invalid anchorDate format, expected YYYY-MM-DD",
        ),
        (
            {"title": "E", "anchorDate": "2026-02-30"},
            400,
            "Invalid anchorDate format, expected YYYY-MM-DD",
        ),
        (
            {"title": "E", "anchorDate": 20261210},
            400,
            "Invalid anchorDate format, expected YYYY-MM-DD",
        ),
        (
            {"title": "E", "anchorDate": "2026-12-10", "templateId": "nope"},
            404,
            "Template not found",
        ),
        (
            {"title": "E", "anchorDate": "2026-12-10", "templateId": 5},
            400,
            "templateId must be a string",
        ),
        ({"title": "E", "anchorDate": "2026-12-10", "stage": "live"}, 400, STAGE_MESSAGE),
        ({"title": "E", "anchorDate": "2026-12-10", "status": "deleted"}, 400, STATUS_MESSAGE),
        (
            {"title": "E", "anchorDate": "2026-12-10", "artifactRefs": [{"id": "a"}]},
            400,
            "artifactRefs must be an array of objects with artifactId",
        ),
        (
            {"title": "E", "anchorDate": "2026-12-10", "tags": "x"},
            400,
            "tags must be an array of strings",
        ),
        (
            {"title": "E", "anchorDate": "2026-12-10", "description": 1},
            400,
            "description must be a string",
        ),
        (
            {
                "title": "E",
                "anchorDate": "2026-12-10",
                "references": [{"name": "x"}],
                "bundleLinks": 4,
            },
            400,
            "bundleLinks must be an array of objects with name and url",
        ),
        (
            {
                "title": "E",
                "anchorDate": "2026-12-10",
                "bundleLinks": [{"name": "Page", "url": "data:text/html,x"}],
            },
            400,
            "bundleLinks[0].url must be an http(s) URL",
        ),
        (
            {
                "title": "E",
                "anchorDate": "2026-12-10",
                "references": [
                    {"name": "Cut", "url": "https://dl.dropboxusercontent.com/s/abc/cut.wav"}
                ],
            },
            400,
            "references[0].url must be stable and must not be a signed URL or tokenized URL",
        ),
        (
            {
                "title": "E",
                "anchorDate": "2026-12-10",
                "references": [{"name": "x", "url": ""}] * 101,
            },
            400,
            "references is too long (max 100)",
        ),
    ],
)
def test_create_refuses_bad_input(
    client: TestClient, engine: Engine, body: dict[str, Any], status: int, message: str
) -> None:
    assert error(client.post("/api/bundles", json=body), status) == message
    assert engine.store.count("bundles") == 0


@pytest.mark.parametrize("raw", [b"", b"null", b"{x", b"[]", b"1"])
def test_create_refuses_non_object_bodies(client: TestClient, raw: bytes) -> None:
    assert error(client.post("/api/bundles", content=raw), 400) == "Invalid JSON"


def test_get_list_and_tasks(client: TestClient) -> None:
    late = create(client, anchorDate="2027-01-01")
    early = create(client, anchorDate="2026-01-01", status="archived")
    assert client.get(f"/api/bundles/{late['id']}").json() == {"bundle": late}
    assert error(client.get("/api/bundles/missing"), 404) == "Bundle not found"
    listed = client.get("/api/bundles").json()["bundles"]
    assert [bundle["id"] for bundle in listed] == [early["id"], late["id"]]
    assert client.get("/api/bundles/").json()["bundles"] == listed
    task = client.post(
        "/api/tasks", json={"description": "x", "date": "2026-01-02", "bundleId": early["id"]}
    ).json()
    assert client.get(f"/api/bundles/{early['id']}/tasks").json() == {"tasks": [task]}
    assert client.get(f"/api/bundles/{early['id']}/tasks/").json() == {"tasks": [task]}
    assert error(client.get("/api/bundles/missing/tasks"), 404) == "Bundle not found"


def test_the_list_filters_by_status_and_carries_progress(client: TestClient) -> None:
    archived = create(client, title="Old episode", anchorDate="2026-01-01", status="archived")
    episode = create(client, title="Episode 12", anchorDate="2026-12-10")
    empty = create(client, title="Empty", anchorDate="2027-01-01")
    waiting = {"waitingFor": "Dr. Lin", "followUpAt": "2026-12-03T09:00:00.000Z"}
    for status, extra in (
        ("done", {}),
        ("done", {}),
        ("todo", {}),
        ("waiting", waiting),
        ("archived", {}),
    ):
        body = {
            "description": status,
            "date": "2026-12-01",
            "bundleId": episode["id"],
            "status": status,
        }
        created = client.post("/api/tasks", json=body | extra)
        assert created.status_code == 201, created.text
    client.post(
        "/api/tasks", json={"description": "x", "date": "2026-01-02", "bundleId": archived["id"]}
    )
    client.post("/api/tasks", json={"description": "loose", "date": "2026-12-01"})

    answer = client.get("/api/bundles?include=progress").json()
    assert [bundle["id"] for bundle in answer["bundles"]] == [
        archived["id"],
        episode["id"],
        empty["id"],
    ]
    # Done among the tasks that are not archived; a bundle without tasks has 0 of 0.
    assert answer["progress"] == {
        archived["id"]: {"done": 0, "total": 1},
        episode["id"]: {"done": 2, "total": 4},
        empty["id"]: {"done": 0, "total": 0},
    }
    active = client.get("/api/bundles?status=active&include=progress").json()
    assert [bundle["id"] for bundle in active["bundles"]] == [episode["id"], empty["id"]]
    assert set(active["progress"]) == {episode["id"], empty["id"]}
    assert client.get("/api/bundles?status=archived").json() == {"bundles": [archived]}
    assert "progress" not in client.get("/api/bundles").json()

    # A page's progress covers that page's bundles.
    first = client.get("/api/bundles?include=progress&limit=1").json()
    assert set(first["progress"]) == {archived["id"]}
    second = client.get(f"/api/bundles?include=progress&limit=1&cursor={first['nextCursor']}")
    assert set(second.json()["progress"]) == {episode["id"]}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("include=tasks", 'include must be "progress"'),
        ("include=progress,tasks", 'include must be "progress"'),
        ("status=deleted", STATUS_MESSAGE),
        ("status=active%0A", STATUS_MESSAGE),
    ],
)
def test_the_list_refuses_unknown_filters(client: TestClient, query: str, message: str) -> None:
    assert error(client.get(f"/api/bundles?{query}"), 400) == message


def test_update(client: TestClient) -> None:
    bundle = create(client, emoji="🎙️")
    response = client.put(
        f"/api/bundles/{bundle['id']}", json={"stage": "announced", "emoji": None, "id": "x"}
    )
    updated = response.json()["bundle"]
    assert updated["stage"] == "announced" and "emoji" not in updated
    assert updated["id"] == bundle["id"] and updated["updatedAt"] > bundle["updatedAt"]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"{x", "Invalid JSON"),
        (b"", "Invalid JSON"),
        (b"null", "Request body is empty or invalid"),
        (b"[]", "Request body is empty or invalid"),
        (b"{}", "Request body is empty or invalid"),
        (b'{"id": "x"}', "No valid fields to update"),
        (b'{"stage": "x"}', STAGE_MESSAGE),
        (b'{"status": "x"}', STATUS_MESSAGE),
        (
            b'{"auditEventRefs": [1]}',
            "auditEventRefs must be an array of objects with auditEventId",
        ),
        (b'{"title": ""}', "Missing required field: title"),
        (b'{"anchorDate": "2026-04-31"}', "Invalid anchorDate format, expected YYYY-MM-DD"),
    ],
)
def test_update_refuses_bad_input(client: TestClient, raw: bytes, message: str) -> None:
    bundle = create(client)
    assert error(client.put(f"/api/bundles/{bundle['id']}", content=raw), 400) == message
    assert client.get(f"/api/bundles/{bundle['id']}").json()["bundle"] == bundle


def test_update_of_a_missing_bundle(client: TestClient) -> None:
    assert (
        error(client.put("/api/bundles/missing", json={"stage": "done"}), 404) == "Bundle not found"
    )


def test_archive_and_delete(client: TestClient, engine: Engine) -> None:
    bundle = create(client)
    task = client.post(
        "/api/tasks", json={"description": "x", "date": "2026-12-01", "bundleId": bundle["id"]}
    ).json()
    refused = client.delete(f"/api/bundles/{bundle['id']}")
    assert error(refused, 400) == "Only archived bundles can be deleted"
    archived = client.put(f"/api/bundles/{bundle['id']}/archive").json()["bundle"]
    assert archived["status"] == "archived"
    assert client.delete(f"/api/bundles/{bundle['id']}").status_code == 204
    assert error(client.delete(f"/api/bundles/{bundle['id']}"), 404) == "Bundle not found"
    kept = client.get(f"/api/tasks/{task['id']}").json()
    assert "bundleId" not in kept
    assert error(client.put("/api/bundles/missing/archive"), 404) == "Bundle not found"


def test_other_methods_answer_405(client: TestClient) -> None:
    bundle = create(client)
    assert error(client.patch("/api/bundles"), 405) == "Method not allowed"
    assert error(client.post(f"/api/bundles/{bundle['id']}", json={}), 405) == "Method not allowed"
    assert error(client.get(f"/api/bundles/{bundle['id']}/archive"), 405) == "Method not allowed"
    assert error(client.post(f"/api/bundles/{bundle['id']}/tasks"), 405) == "Method not allowed"
    assert error(client.get(f"/api/bundles/{bundle['id']}/other"), 404) == "Not found"
