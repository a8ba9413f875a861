"""The artifact API (docs/api.md#artifacts) through HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from dataops.engine import users
from dataops.engine.context import Engine
from dataops.store.base import Store
from tests.conftest import FakeClock, client_for, make_engine, make_settings
from tests.support.artifacts import (
    LUMA_PAGE,
    make_artifact,
    make_bundle,
    make_task,
    set_status,
)
from tests.support.identity import login_token

S3_RECORDING: dict[str, Any] = {
    "type": "recording",
    "title": "Episode 12 raw recording",
    "storageUri": "s3://dataops-media/episodes/12/raw.wav",
    "checksum": "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "sizeBytes": 734003200,
    "contentType": "audio/wav",
    "filename": "raw.wav",
    "dataClass": "private",
}


def nothing_written(engine: Engine) -> None:
    assert engine.store.count("artifacts") == 0
    assert engine.store.count("audit_events") == 0


# --- register -------------------------------------------------------------------------------


def test_register_a_public_link_with_defaults(client: TestClient) -> None:
    response = client.post("/api/artifacts", json=LUMA_PAGE, headers={"x-user-id": "grace"})
    assert response.status_code == 201
    assert response.headers["content-type"] == "application/json"
    assert response.headers["etag"] == '"1"'
    artifact = response.json()["artifact"]
    assert set(response.json()) == {"artifact"}
    assert artifact == {
        "id": artifact["id"],
        "type": "event-page",
        "title": "Episode 12 on Luma",
        "status": "draft",
        "storageUri": "https://lu.ma/episode-12",
        "storageProvider": "external-url",
        "dataClass": "internal",
        "visibility": "internal",
        "sourceType": "manual-link",
        "createdBy": "grace",
        "createdAt": "2026-11-28T09:00:00.001Z",
        "updatedAt": "2026-11-28T09:00:00.001Z",
    }


def test_register_trims_the_uri_and_derives_data_class_from_visibility(client: TestClient) -> None:
    artifact = make_artifact(client, storageUri="  https://lu.ma/x  ", visibility="public")
    assert artifact["storageUri"] == "https://lu.ma/x"
    assert (artifact["visibility"], artifact["dataClass"]) == ("public", "public")
    artifact = make_artifact(client, dataClass="sensitive")
    assert (artifact["visibility"], artifact["dataClass"]) == ("sensitive", "sensitive")


def test_register_an_owned_s3_recording(client: TestClient) -> None:
    artifact = make_artifact(client, **S3_RECORDING)
    assert artifact["storageProvider"] == "s3"
    assert artifact["sizeBytes"] == 734003200
    assert artifact["checksum"].startswith("sha256:")


def test_register_approved_stamps_the_review(client: TestClient) -> None:
    artifact = make_artifact(client, status="approved")
    assert artifact["reviewedAt"] == artifact["createdAt"]
    assert "reviewedBy" not in artifact
    artifact = client.post(
        "/api/artifacts", json={**LUMA_PAGE, "status": "rejected"}, headers={"x-user-id": "ada"}
    ).json()["artifact"]
    assert artifact["reviewedBy"] == "ada"


def test_none_mode_takes_actors_from_the_body(client: TestClient) -> None:
    body = {
        **LUMA_PAGE,
        "status": "approved",
        "createdBy": "importer",
        "reviewedBy": "lead",
        "reviewedAt": "2026-01-02T03:04:05.000Z",
    }
    artifact = client.post("/api/artifacts", json=body, headers={"x-user-id": "grace"}).json()
    assert artifact["artifact"]["createdBy"] == "importer"
    assert artifact["artifact"]["reviewedBy"] == "lead"
    assert artifact["artifact"]["reviewedAt"] == "2026-01-02T03:04:05.000Z"


@pytest.mark.parametrize("raw", [b"", b"not json", b"null", b"[]", b'"x"', b"42"])
def test_register_needs_a_body(client: TestClient, engine: Engine, raw: bytes) -> None:
    response = client.post(
        "/api/artifacts", content=raw, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json() == {"error": "Request body is required"}
    nothing_written(engine)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"title": "x", "storageUri": "https://a.io"}, "Missing required field: type"),
        ({"type": "report", "storageUri": "https://a.io"}, "Missing required field: title"),
        ({"type": "report", "title": "x"}, "Missing required field: storageUri"),
        ({**LUMA_PAGE, "sizeBytes": True}, "sizeBytes must be a non-negative number"),
        ({**LUMA_PAGE, "title": "t" * 600}, "title is too long (max 500)"),
        (
            {**LUMA_PAGE, "metadata": {"notes": "n" * 5 * 1024}},
            "metadata must be 4096 bytes or less",
        ),
        (
            {**LUMA_PAGE, "metadata": {"runs": [{"ok": True}, {"accessToken": "abc"}]}},
            "metadata.runs[1].accessToken must not contain secrets or signed URLs",
        ),
        (
            {**LUMA_PAGE, "storageUri": "javascript:alert(document.cookie)"},
            "storageUri must use one of: https, http, s3, local-dev",
        ),
        (
            {**LUMA_PAGE, "storageUri": "data:text/html;base64,PHNjcmlwdD4="},
            "storageUri must use one of: https, http, s3, local-dev",
        ),
        (
            {**LUMA_PAGE, "storageProvider": "unknown", "storageUri": "local-dev://x"},
            "storageProvider unknown does not match storageUri",
        ),
        (
            {**LUMA_PAGE, "storageUri": "https://dl.dropboxusercontent.com/s/abc/ep12.wav"},
            "storageUri must be stable and must not be a signed URL or tokenized URL",
        ),
        (
            {
                **LUMA_PAGE,
                "storageUri": "https://media.s3.amazonaws.com/ep12.wav?X-Amz-Algorithm=AWS4"
                "&X-Amz-Credential=AKIA&X-Amz-Signature=00ff",
            },
            "storageUri must be stable and must not be a signed URL or tokenized URL",
        ),
        (
            {
                **LUMA_PAGE,
                "storageUri": "https://storage.googleapis.com/b/o?X-Goog-Signature=00ff",
            },
            "storageUri must be stable and must not be a signed URL or tokenized URL",
        ),
        (
            {
                **LUMA_PAGE,
                "storageUri": "https://acct.blob.core.windows.net/c/ep12.wav?sv=2022-11-02"
                "&se=2026-12-01&sp=r&sig=abc",
            },
            "storageUri must be stable and must not be a signed URL or tokenized URL",
        ),
        (
            {**S3_RECORDING, "checksum": None},
            "checksum is required for DataOps-owned s3 or local-dev artifacts",
        ),
        (
            {**LUMA_PAGE, "status": "superseded"},
            "Cannot change artifact status from draft to superseded",
        ),
    ],
)
def test_register_refuses_bad_input_and_writes_nothing(
    client: TestClient, engine: Engine, body: dict[str, Any], message: str
) -> None:
    response = client.post("/api/artifacts", json=body)
    assert response.status_code == (409 if message.startswith("Cannot") else 400)
    assert response.json() == {"error": message}
    nothing_written(engine)


def test_register_checks_relationships_in_order(client: TestClient, engine: Engine) -> None:
    body = {**LUMA_PAGE, "taskId": "no-task", "bundleId": "no-bundle", "fileId": "no-file"}
    response = client.post("/api/artifacts", json=body)
    assert (response.status_code, response.json()) == (404, {"error": "Task not found"})
    task = make_task(client)
    response = client.post("/api/artifacts", json={**body, "taskId": task["id"]})
    assert (response.status_code, response.json()) == (404, {"error": "Bundle not found"})
    bundle = make_bundle(client)
    response = client.post(
        "/api/artifacts", json={**body, "taskId": task["id"], "bundleId": bundle["id"]}
    )
    assert (response.status_code, response.json()) == (404, {"error": "File not found"})
    nothing_written(engine)


def test_register_with_owner_ids_adds_no_refs(client: TestClient) -> None:
    task = make_task(client)
    make_artifact(client, taskId=task["id"], assistantJobId="job-opaque-1")
    assert "artifactRefs" not in client.get(f"/api/tasks/{task['id']}").json()


def test_local_dev_artifacts_are_refused_in_production(tmp_path: Any) -> None:
    engine = make_engine(
        make_settings(tmp_path, DATAOPS_ENV="production", DATAOPS_AUTH_MODE="session")
    )
    users.add_user(engine, email="op@example.com", name="Op", password="pw-1234567")
    token = login_token(engine, "op@example.com", "pw-1234567")
    client = client_for(engine, {"authorization": f"Bearer {token}"})
    response = client.post(
        "/api/artifacts",
        json={**LUMA_PAGE, "storageUri": "local-dev://uploads/a.pdf", "checksum": "sha256:00"},
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": "local-dev artifact storage is allowed only in local/test mode"
    }
    assert engine.store.count("artifacts") == 0


# --- actors come from the trusted source (10.4) ----------------------------------------------


@pytest.fixture
def session_client(tmp_path: Any) -> TestClient:
    engine = make_engine(make_settings(tmp_path, DATAOPS_AUTH_MODE="session"), FakeClock())
    user = users.add_user(engine, email="ada@example.com", name="Ada", password="pw-1234567")
    token = login_token(engine, "ada@example.com", "pw-1234567")
    client = client_for(engine, {"authorization": f"Bearer {token}", "x-user-id": "mallory"})
    client.user_id = user["id"]  # type: ignore[attr-defined]
    return client


def test_session_mode_ignores_actor_fields_in_bodies(session_client: TestClient) -> None:
    me = session_client.user_id  # type: ignore[attr-defined]
    body = {
        **LUMA_PAGE,
        "status": "approved",
        "createdBy": "mallory",
        "reviewedBy": "mallory",
        "reviewedAt": "2020-01-01T00:00:00.000Z",
    }
    artifact = session_client.post("/api/artifacts", json=body).json()["artifact"]
    assert artifact["createdBy"] == me
    assert artifact["reviewedBy"] == me
    assert artifact["reviewedAt"] != "2020-01-01T00:00:00.000Z"
    response = session_client.put(
        f"/api/artifacts/{artifact['id']}", json={"reviewedBy": "mallory", "createdBy": "mallory"}
    )
    assert response.status_code == 400
    assert response.json() == {"error": "No valid fields to update"}
    rejected = session_client.put(
        f"/api/artifacts/{artifact['id']}", json={"status": "rejected", "reviewedBy": "mallory"}
    ).json()["artifact"]
    assert rejected["reviewedBy"] == me
    session_client.put(f"/api/artifacts/{artifact['id']}", json={"status": "needs-review"})
    approved = session_client.post(f"/api/artifacts/{artifact['id']}/approve").json()["artifact"]
    assert approved["reviewedBy"] == me


# --- list -----------------------------------------------------------------------------------


def test_list_filters_by_every_field_newest_first(client: TestClient) -> None:
    task, other_task = make_task(client), make_task(client)
    bundle = make_bundle(client)
    first = make_artifact(client, taskId=task["id"], bundleId=bundle["id"], type="report")
    second = make_artifact(client, taskId=task["id"], assistantJobId="job-7", type="report")
    third = make_artifact(client, taskId=other_task["id"], bundleId=bundle["id"])
    set_status(client, first["id"], "needs-review")

    def ids(query: str) -> list[str]:
        response = client.get(f"/api/artifacts{query}")
        assert response.status_code == 200
        return [artifact["id"] for artifact in response.json()["artifacts"]]

    assert ids("") == [third["id"], second["id"], first["id"]]
    assert ids("/") == [third["id"], second["id"], first["id"]]
    assert ids(f"?taskId={task['id']}") == [second["id"], first["id"]]
    assert ids(f"?bundleId={bundle['id']}") == [third["id"], first["id"]]
    assert ids("?assistantJobId=job-7") == [second["id"]]
    assert ids("?status=needs-review") == [first["id"]]
    assert ids("?status=draft") == [third["id"], second["id"]]
    assert ids("?type=report") == [second["id"], first["id"]]
    assert ids(f"?taskId={task['id']}&type=report&status=draft") == [second["id"]]
    assert ids(f"?taskId={task['id']}&bundleId={bundle['id']}") == [first["id"]]
    assert ids("?status=published") == []
    assert ids("?fileId=nothing") == []
    assert ids("?taskId=&type=") == [third["id"], second["id"], first["id"]]


def test_list_pages_with_limit_and_cursor_without_losing_any(client: TestClient) -> None:
    task = make_task(client)
    made = [make_artifact(client, taskId=task["id"], title=f"a{n}")["id"] for n in range(7)]
    seen: list[str] = []
    cursor = None
    while True:
        query = f"?taskId={task['id']}&limit=3" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(f"/api/artifacts{query}").json()
        seen += [artifact["id"] for artifact in page["artifacts"]]
        cursor = page.get("nextCursor")
        if cursor is None:
            break
    assert seen == list(reversed(made))
    response = client.get("/api/artifacts?limit=0")
    assert (response.status_code, response.json()) == (
        400,
        {"error": "limit must be an integer from 1 to 1000"},
    )
    response = client.get("/api/artifacts?limit=2&cursor=garbage")
    assert (response.status_code, response.json()) == (
        400,
        {"error": "cursor is invalid or expired"},
    )


# --- get --------------------------------------------------------------------------------------


def test_get_one_with_its_etag(client: TestClient) -> None:
    artifact = make_artifact(client)
    response = client.get(f"/api/artifacts/{artifact['id']}")
    assert response.status_code == 200
    assert response.json() == {"artifact": artifact}
    assert response.headers["etag"] == '"1"'
    assert client.get(f"/api/artifacts/{artifact['id']}/").status_code == 200
    response = client.get("/api/artifacts/missing")
    assert (response.status_code, response.json()) == (404, {"error": "Artifact not found"})


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("DELETE", "/api/artifacts/x"),
        ("PATCH", "/api/artifacts"),
        ("DELETE", "/api/artifacts"),
        ("GET", "/api/artifacts/x/approve"),
        ("PUT", "/api/artifacts/x/approve"),
        ("GET", "/api/artifacts/x/attach"),
        ("POST", "/api/artifacts/x/archive"),
        ("GET", "/api/artifacts/x/y/z"),
        ("POST", "/api/artifacts/x"),
    ],
)
def test_artifacts_never_answer_405(client: TestClient, method: str, path: str) -> None:
    response = client.request(method, path)
    assert (response.status_code, response.json()) == (404, {"error": "Not found"})


# --- update (5.5) ---------------------------------------------------------------------------


def test_update_checks_existence_before_the_body(client: TestClient) -> None:
    response = client.put("/api/artifacts/missing", content=b"nonsense")
    assert (response.status_code, response.json()) == (404, {"error": "Artifact not found"})


@pytest.mark.parametrize("raw", [b"", b"{", b"null", b"{}", b"[1]"])
def test_update_needs_a_body(client: TestClient, raw: bytes) -> None:
    artifact = make_artifact(client)
    response = client.put(f"/api/artifacts/{artifact['id']}", content=raw)
    assert (response.status_code, response.json()) == (400, {"error": "Request body is required"})


def test_update_with_no_allowed_fields(client: TestClient) -> None:
    artifact = make_artifact(client)
    response = client.put(f"/api/artifacts/{artifact['id']}", json={"id": "x", "createdAt": "y"})
    assert (response.status_code, response.json()) == (400, {"error": "No valid fields to update"})


def test_update_changes_fields_and_infers_the_provider(client: TestClient) -> None:
    artifact = make_artifact(client, description="draft notes")
    response = client.put(
        f"/api/artifacts/{artifact['id']}",
        json={
            "storageUri": "https://drive.google.com/file/d/abc/view",
            "visibility": "private",
            "description": None,
            "createdBy": "someone",
        },
    )
    assert response.status_code == 200
    assert response.headers["etag"] == '"2"'
    updated = response.json()["artifact"]
    assert updated["storageProvider"] == "google-drive"
    assert (updated["visibility"], updated["dataClass"]) == ("private", "private")
    assert "description" not in updated
    assert updated["createdAt"] == artifact["createdAt"]
    assert updated["updatedAt"] > artifact["updatedAt"]


def test_update_validates_the_merged_record(client: TestClient, engine: Engine) -> None:
    artifact = make_artifact(client)
    for body, message in [
        ({"title": None}, "title must be a non-empty string"),
        (
            {"type": "video"},
            "type must be one of: podcast-doc, transcript, recording, report, "
            "invoice, event-page, assistant-output, external-link, other",
        ),
        (
            {"storageUri": "s3://bucket/key", "storageProvider": "external-url"},
            "storageProvider external-url does not match storageUri",
        ),
        ({"storageProvider": "local-dev"}, "storageProvider local-dev does not match storageUri"),
        (
            {"storageProvider": "s3", "storageUri": "s3://b/k", "checksum": " "},
            "checksum must be a non-empty string when present",
        ),
        (
            {"storageUri": "https://x.io/a?Signature=1&Expires=2"},
            "storageUri must be stable and must not be a signed URL or tokenized URL",
        ),
        ({"metadata": {"apiKey": "x"}}, "metadata.apiKey must not contain secrets or signed URLs"),
    ]:
        response = client.put(f"/api/artifacts/{artifact['id']}", json=body)
        assert (response.status_code, response.json()) == (400, {"error": message}), body
    assert engine.store.get("artifacts", artifact["id"]).version == 1  # type: ignore[union-attr]
    response = client.put(f"/api/artifacts/{artifact['id']}", json={"taskId": "nope"})
    assert (response.status_code, response.json()) == (404, {"error": "Task not found"})


def test_update_enforces_the_transition_table(client: TestClient, engine: Engine) -> None:
    artifact = make_artifact(client)
    set_status(client, artifact["id"], "rejected")
    response = client.put(f"/api/artifacts/{artifact['id']}", json={"status": "approved"})
    assert response.status_code == 409
    assert response.json() == {"error": "Cannot change artifact status from rejected to approved"}
    response = client.put(f"/api/artifacts/{artifact['id']}", json={"status": "superseded"})
    assert response.json() == {"error": "Cannot change artifact status from rejected to superseded"}
    set_status(client, artifact["id"], "archived")
    for status in ("draft", "needs-review", "approved", "rejected"):
        response = client.put(f"/api/artifacts/{artifact['id']}", json={"status": status})
        assert response.status_code == 409
        assert response.json() == {
            "error": f"Cannot change artifact status from archived to {status}"
        }
    assert engine.store.get("artifacts", artifact["id"])["status"] == "archived"  # type: ignore[index]


def test_update_to_approved_stamps_the_reviewer(client: TestClient) -> None:
    artifact = make_artifact(client)
    approved = client.put(
        f"/api/artifacts/{artifact['id']}",
        json={"status": "approved"},
        headers={"x-user-id": "ada"},
    ).json()["artifact"]
    assert approved["reviewedBy"] == "ada"
    assert approved["reviewedAt"] > artifact["updatedAt"]
    back = client.put(f"/api/artifacts/{artifact['id']}", json={"status": "needs-review"}).json()
    assert back["artifact"]["reviewedBy"] == "ada"  # a later status change keeps the review
    again = client.put(f"/api/artifacts/{artifact['id']}", json={"status": "rejected"}).json()
    assert again["artifact"]["reviewedBy"] == "ada"  # no actor: the stored reviewer stays
    assert again["artifact"]["reviewedAt"] > approved["reviewedAt"]


def test_update_with_if_match(client: TestClient, engine: Engine) -> None:
    artifact = make_artifact(client)
    path = f"/api/artifacts/{artifact['id']}"
    response = client.put(path, json={"title": "New"}, headers={"if-match": '"1"'})
    assert (response.status_code, response.headers["etag"]) == (200, '"2"')
    for stale in ('"1"', 'W/"1"', "garbage"):
        response = client.put(path, json={"title": "Lost"}, headers={"if-match": stale})
        assert response.status_code == 412
        assert response.json() == {
            "error": "Precondition failed: the record was changed by someone else"
        }
    assert client.get(path).json()["artifact"]["title"] == "New"
    assert client.put(path, json={"title": "Any"}, headers={"if-match": "*"}).status_code == 200


# --- refs kept current (10.7) -----------------------------------------------------------------


def test_refs_held_by_task_and_bundle_are_refreshed_in_the_store(
    client: TestClient, store: Store
) -> None:
    task, bundle = make_task(client), make_bundle(client)
    artifact = make_artifact(client)
    client.post(
        f"/api/artifacts/{artifact['id']}/attach",
        json={"taskId": task["id"], "bundleId": bundle["id"]},
    )
    client.put(
        f"/api/artifacts/{artifact['id']}",
        json={"title": "Renamed", "type": "report", "storageUri": "https://lu.ma/ep12-final"},
    )
    client.post(f"/api/artifacts/{artifact['id']}/approve")
    expected = {
        "artifactId": artifact["id"],
        "type": "report",
        "title": "Renamed",
        "storageUri": "https://lu.ma/ep12-final",
        "status": "approved",
    }
    assert store.get("tasks", task["id"])["artifactRefs"] == [expected]  # type: ignore[index]
    assert store.get("bundles", bundle["id"])["artifactRefs"] == [expected]  # type: ignore[index]


def test_refs_named_by_other_records_are_shown_current(client: TestClient) -> None:
    artifact = make_artifact(client)
    task = make_task(client, artifactRefs=[{"artifactId": artifact["id"], "title": "old"}])
    set_status(client, artifact["id"], "needs-review")
    shown = client.get(f"/api/tasks/{task['id']}").json()["artifactRefs"]
    assert shown == [
        {
            "artifactId": artifact["id"],
            "title": "Episode 12 on Luma",
            "type": "event-page",
            "storageUri": "https://lu.ma/episode-12",
            "status": "needs-review",
        }
    ]


# --- attach (5.6, 10.5) ---------------------------------------------------------------------


def test_attach_to_task_and_bundle(client: TestClient) -> None:
    task, bundle = make_task(client), make_bundle(client)
    artifact = make_artifact(client)
    response = client.put(
        f"/api/artifacts/{artifact['id']}/attach",
        json={"taskId": task["id"], "bundleId": bundle["id"]},
    )
    assert response.status_code == 200
    assert response.headers["etag"] == '"2"'
    attached = response.json()["artifact"]
    assert (attached["taskId"], attached["bundleId"]) == (task["id"], bundle["id"])
    ref = {
        "artifactId": artifact["id"],
        "type": "event-page",
        "title": "Episode 12 on Luma",
        "storageUri": "https://lu.ma/episode-12",
        "status": "draft",
    }
    assert client.get(f"/api/tasks/{task['id']}").json()["artifactRefs"] == [ref]
    assert client.get(f"/api/bundles/{bundle['id']}").json()["bundle"]["artifactRefs"] == [ref]
    # attaching again (POST also works) replaces the ref instead of duplicating it
    response = client.post(f"/api/artifacts/{artifact['id']}/attach/", json={"taskId": task["id"]})
    assert response.status_code == 200
    assert client.get(f"/api/tasks/{task['id']}").json()["artifactRefs"] == [ref]


def test_attach_keeps_other_refs_and_appends(client: TestClient) -> None:
    other = make_artifact(client, title="Another page")
    task = make_task(client, artifactRefs=[{"artifactId": other["id"]}])
    artifact = make_artifact(client)
    client.post(f"/api/artifacts/{artifact['id']}/attach", json={"taskId": task["id"]})
    refs = client.get(f"/api/tasks/{task['id']}").json()["artifactRefs"]
    assert [ref["artifactId"] for ref in refs] == [other["id"], artifact["id"]]


def test_attach_refusals(client: TestClient) -> None:
    artifact = make_artifact(client)
    path = f"/api/artifacts/{artifact['id']}/attach"
    response = client.post("/api/artifacts/missing/attach", json={"taskId": "x"})
    assert (response.status_code, response.json()) == (404, {"error": "Artifact not found"})
    response = client.post(path, content=b"{oops")
    assert (response.status_code, response.json()) == (400, {"error": "Request body is required"})
    for body in ({}, {"taskId": "  "}, {"taskId": 5, "bundleId": None}):
        response = client.post(path, json=body)
        assert (response.status_code, response.json()) == (
            400,
            {"error": "taskId or bundleId is required"},
        )
    response = client.post(path, json={"taskId": "missing"})
    assert (response.status_code, response.json()) == (404, {"error": "Task not found"})


def test_attach_to_a_missing_bundle_writes_nothing_to_the_task(
    client: TestClient, store: Store
) -> None:
    task = make_task(client)
    artifact = make_artifact(client)
    response = client.post(
        f"/api/artifacts/{artifact['id']}/attach", json={"taskId": task["id"], "bundleId": "gone"}
    )
    assert (response.status_code, response.json()) == (404, {"error": "Bundle not found"})
    stored_task = store.get("tasks", task["id"])
    assert stored_task is not None
    assert stored_task.version == 1
    assert "artifactRefs" not in stored_task
    stored_artifact = store.get("artifacts", artifact["id"])
    assert stored_artifact is not None
    assert stored_artifact.version == 1
    assert "taskId" not in stored_artifact
    assert [
        e["action"]
        for e in client.get(f"/api/audit-events?entityId={artifact['id']}").json()["auditEvents"]
    ] == ["artifact.registered"]


def test_attach_respects_if_match(client: TestClient) -> None:
    task = make_task(client)
    artifact = make_artifact(client)
    set_status(client, artifact["id"], "needs-review")
    response = client.post(
        f"/api/artifacts/{artifact['id']}/attach",
        json={"taskId": task["id"]},
        headers={"if-match": '"1"'},
    )
    assert response.status_code == 412
    assert "artifactRefs" not in client.get(f"/api/tasks/{task['id']}").json()


def test_attach_refuses_more_than_100_refs(client: TestClient) -> None:
    refs = [{"artifactId": make_artifact(client)["id"]} for _ in range(100)]
    task = make_task(client, artifactRefs=refs)
    artifact = make_artifact(client)
    response = client.post(f"/api/artifacts/{artifact['id']}/attach", json={"taskId": task["id"]})
    assert (response.status_code, response.json()) == (
        400,
        {"error": "artifactRefs is too long (max 100)"},
    )


# --- archive ----------------------------------------------------------------------------------


def test_archive_is_idempotent(client: TestClient) -> None:
    artifact = make_artifact(client)
    first = client.put(f"/api/artifacts/{artifact['id']}/archive")
    assert first.status_code == 200
    assert first.json()["artifact"]["status"] == "archived"
    assert first.headers["etag"] == '"2"'
    second = client.put(f"/api/artifacts/{artifact['id']}/archive/")
    assert second.status_code == 200
    assert second.json() == first.json()
    assert second.headers["etag"] == '"2"'
    response = client.put("/api/artifacts/missing/archive")
    assert (response.status_code, response.json()) == (404, {"error": "Artifact not found"})
    response = client.put(f"/api/artifacts/{artifact['id']}/archive", headers={"if-match": '"1"'})
    assert response.status_code == 412


def test_a_superseded_artifact_cannot_be_archived(client: TestClient) -> None:
    artifact = make_artifact(client)
    client.post(f"/api/artifacts/{artifact['id']}/supersede", json=LUMA_PAGE)
    response = client.put(f"/api/artifacts/{artifact['id']}/archive")
    assert response.status_code == 409
    assert response.json() == {"error": "Cannot change artifact status from superseded to archived"}


# --- approve and reject (11) ------------------------------------------------------------------


def test_approve_and_reject_with_notes(client: TestClient) -> None:
    artifact = make_artifact(client)
    path = f"/api/artifacts/{artifact['id']}"
    rejected = client.post(
        f"{path}/reject", json={"note": "Wrong guest name"}, headers={"x-user-id": "ada"}
    )
    assert rejected.status_code == 200
    body = rejected.json()["artifact"]
    assert (body["status"], body["reviewedBy"], body["reviewNote"]) == (
        "rejected",
        "ada",
        "Wrong guest name",
    )
    set_status(client, artifact["id"], "needs-review")
    approved = client.post(f"{path}/approve", headers={"x-user-id": "grace"}).json()["artifact"]
    assert (approved["status"], approved["reviewedBy"]) == ("approved", "grace")
    assert "reviewNote" not in approved  # the note belonged to the earlier review
    assert approved["reviewedAt"] > body["reviewedAt"]


def test_approving_an_archived_artifact_is_refused(client: TestClient, engine: Engine) -> None:
    artifact = make_artifact(client)
    client.put(f"/api/artifacts/{artifact['id']}/archive")
    response = client.post(f"/api/artifacts/{artifact['id']}/approve")
    assert response.status_code == 409
    assert response.json() == {"error": "Cannot change artifact status from archived to approved"}
    response = client.post(f"/api/artifacts/{artifact['id']}/reject")
    assert response.json() == {"error": "Cannot change artifact status from archived to rejected"}
    assert engine.store.get("artifacts", artifact["id"]).version == 2  # type: ignore[union-attr]


def test_a_rejected_artifact_goes_back_to_review_before_approval(client: TestClient) -> None:
    artifact = make_artifact(client)
    client.post(f"/api/artifacts/{artifact['id']}/reject")
    response = client.post(f"/api/artifacts/{artifact['id']}/approve")
    assert response.status_code == 409
    assert response.json() == {"error": "Cannot change artifact status from rejected to approved"}


def test_review_body_refusals(client: TestClient) -> None:
    artifact = make_artifact(client)
    path = f"/api/artifacts/{artifact['id']}/approve"
    response = client.post(path, content=b"{not json")
    assert (response.status_code, response.json()) == (400, {"error": "Invalid JSON"})
    response = client.post(path, json=["note"])
    assert (response.status_code, response.json()) == (400, {"error": "Invalid JSON"})
    response = client.post(path, json={"note": 5})
    assert (response.status_code, response.json()) == (400, {"error": "note must be a string"})
    response = client.post(path, json={"note": "n" * 20_001})
    assert (response.status_code, response.json()) == (
        400,
        {"error": "note is too long (max 20000)"},
    )
    response = client.post("/api/artifacts/missing/reject")
    assert (response.status_code, response.json()) == (404, {"error": "Artifact not found"})
    assert client.get(f"/api/artifacts/{artifact['id']}").json()["artifact"]["status"] == "draft"


# --- supersede (11) ---------------------------------------------------------------------------


def test_supersede_links_versions_and_moves_refs(client: TestClient, store: Store) -> None:
    task, bundle = make_task(client), make_bundle(client)
    old = make_artifact(client)
    client.post(
        f"/api/artifacts/{old['id']}/attach", json={"taskId": task["id"], "bundleId": bundle["id"]}
    )
    client.post(f"/api/artifacts/{old['id']}/approve")
    response = client.post(
        f"/api/artifacts/{old['id']}/supersede",
        json={**LUMA_PAGE, "title": "Episode 12 on Luma (v2)"},
        headers={"if-match": '"3"', "x-user-id": "ada"},
    )
    assert response.status_code == 201
    assert response.headers["etag"] == '"1"'
    new = response.json()["artifact"]
    assert (new["supersedes"], new["taskId"], new["bundleId"]) == (
        old["id"],
        task["id"],
        bundle["id"],
    )
    assert (new["status"], new["createdBy"]) == ("draft", "ada")
    retired = client.get(f"/api/artifacts/{old['id']}").json()["artifact"]
    assert (retired["status"], retired["supersededBy"]) == ("superseded", new["id"])
    stored = store.get("tasks", task["id"])
    assert stored is not None
    assert [(ref["artifactId"], ref["status"]) for ref in stored["artifactRefs"]] == [
        (old["id"], "superseded"),
        (new["id"], "draft"),
    ]
    actions = [
        event["action"]
        for event in client.get(f"/api/audit-events?entityId={old['id']}").json()["auditEvents"]
    ]
    assert actions[-1] == "artifact.superseded"


def test_supersede_into_another_task(client: TestClient) -> None:
    old = make_artifact(client, taskId=make_task(client)["id"])
    other = make_task(client)
    new = client.post(
        f"/api/artifacts/{old['id']}/supersede", json={**LUMA_PAGE, "taskId": other["id"]}
    ).json()["artifact"]
    assert new["taskId"] == other["id"]


def test_supersede_is_all_or_nothing(client: TestClient, engine: Engine) -> None:
    old = make_artifact(client)
    path = f"/api/artifacts/{old['id']}/supersede"
    for body, status, message in [
        (None, 400, "Request body is required"),
        ({"title": "no type"}, 400, "Missing required field: type"),
        ({**LUMA_PAGE, "bundleId": "gone"}, 404, "Bundle not found"),
    ]:
        response = client.post(path, json=body) if body is not None else client.post(path)
        assert (response.status_code, response.json()) == (status, {"error": message})
    response = client.post(path, json=LUMA_PAGE, headers={"if-match": '"7"'})
    assert response.status_code == 412
    assert engine.store.count("artifacts") == 1
    assert engine.store.get("artifacts", old["id"])["status"] == "draft"  # type: ignore[index]
    client.put(f"/api/artifacts/{old['id']}/archive")
    response = client.post(path, json=LUMA_PAGE)
    assert (response.status_code, response.json()) == (
        409,
        {"error": "Cannot change artifact status from archived to superseded"},
    )
    response = client.post("/api/artifacts/missing/supersede", json=LUMA_PAGE)
    assert (response.status_code, response.json()) == (404, {"error": "Artifact not found"})
    assert engine.store.count("artifacts") == 1
