"""One rule set (issue 11) and one secret detector (issue 12): each write the API accepts exports
and validates cleanly, and each case that used to cut the backup is refused with a clear 400
that names the field, leaving the store as it was."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from dataops.engine.context import Engine
from dataops.portable.export import write_export
from dataops.portable.validate import validate_export
from tests.support.artifacts import LUMA_PAGE, make_artifact, make_bundle, make_task
from tests.support.secret_cases import PRESIGNED, REFUSED_TEXT, REFUSED_URIS

HUGE = "x" * 70_000
OWNED = {"storageUri": "s3://media/ep1.wav", "checksum": "sha256:" + "a" * 64}


def snapshot(engine: Engine) -> dict[str, list[tuple[int, dict[str, Any]]]]:
    store = engine.store
    tables = ("tasks", "bundles", "templates", "artifacts", "files", "audit_events")
    return {table: [(item.version, dict(item)) for item in store.scan(table)] for table in tables}


def assert_refused(
    engine: Engine, response: Any, before: dict[str, Any], status: int, message: str
) -> None:
    assert (response.status_code, response.json()) == (status, {"error": message})
    assert snapshot(engine) == before


def export_is_valid(engine: Engine, tmp_path: Path) -> list[str]:
    target = tmp_path / "export"
    write_export(engine, target)
    report = validate_export(target)
    assert report.errors == []
    return report.warnings


def template_body(**definition: Any) -> dict[str, Any]:
    return {
        "name": "Podcast episode",
        "type": "podcast",
        "taskDefinitions": [
            {"refId": "prep", "description": "Prepare", "offsetDays": -3, **definition}
        ],
    }


# --- text that reads like a token is prose, and exports cleanly ---------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        {"title": "Fix the token=abc bug"},
        {"title": "Token budget for episode 42", "description": "Design sign-off notes"},
        {"tags": ["API key rotation checklist"], "filename": "notes sig=1.txt"},
        {"contentType": "text/plain; token=abc", "assistantJobId": "job token=7"},
        {"metadata": {"tokenCount": 1200, "keyFindings": ["a"], "idempotencyKey": "k-1"}},
        {"storageUri": "https://lu.ma/abc?utm_source=newsletter"},
    ],
)
def test_prose_that_looks_like_a_token_is_accepted_and_exports(
    client: TestClient, engine: Engine, tmp_path: Path, fields: dict[str, Any]
) -> None:
    artifact = make_artifact(client, **fields)
    response = client.post(
        f"/api/artifacts/{artifact['id']}/approve", json={"note": "token=abc reviewed"}
    )
    assert response.status_code == 200
    export_is_valid(engine, tmp_path)


def test_an_upload_named_like_a_token_exports(
    client: TestClient, engine: Engine, tmp_path: Path
) -> None:
    task = make_task(client)
    response = client.post(
        "/api/files",
        data={"taskId": task["id"]},
        files={"file": ("notes sig=1.txt", b"notes", "text/plain")},
    )
    assert response.status_code == 201
    assert response.json()["file"]["filename"] == "notes sig=1.txt"
    export_is_valid(engine, tmp_path)


@pytest.mark.parametrize(
    ("filename", "content_type", "message"),
    [
        (
            "key AKIAIOSFODNN7EXAMPLE.txt",
            "text/plain",
            "filename must not contain signed URLs or tokens",
        ),
        (
            "notes.txt",
            "text/plain; x-amz-signature=abc",
            "contentType must not contain signed URLs or tokens",
        ),
    ],
)
def test_an_upload_named_like_a_secret_is_refused(
    client: TestClient, engine: Engine, filename: str, content_type: str, message: str
) -> None:
    task = make_task(client)
    before = snapshot(engine)
    response = client.post(
        "/api/files", data={"taskId": task["id"]}, files={"file": (filename, b"x", content_type)}
    )
    assert_refused(engine, response, before, 400, message)


# --- secrets and signed URLs, wherever they are put ------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": f"Recording {PRESIGNED}"}, "title must not contain signed URLs or tokens"),
        (
            {"description": f"Download: {PRESIGNED}"},
            "description must not contain signed URLs or tokens",
        ),
        (
            {"tags": ["ok", "AKIAIOSFODNN7EXAMPLE"]},
            "tags[1] must not contain signed URLs or tokens",
        ),
        ({"filename": "ghp_" + "a1B2" * 9}, "filename must not contain signed URLs or tokens"),
        (
            {"assistantJobId": "xoxb-1234567890-abcdefghij"},
            "assistantJobId must not contain signed URLs or tokens",
        ),
        (
            {"metadata": {"auth": "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln"}},
            "metadata.auth must not contain signed URLs or tokens",
        ),
        (
            {"metadata": {"pem": "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE"}},
            "metadata.pem must not contain signed URLs or tokens",
        ),
        (
            {"metadata": {"note": "key AKIAIOSFODNN7EXAMPLE"}},
            "metadata.note must not contain signed URLs or tokens",
        ),
        *(({"storageUri": uri}, message) for uri, message in REFUSED_URIS),
        *(
            ({"description": text}, "description must not contain signed URLs or tokens")
            for text in REFUSED_TEXT
        ),
    ],
)
def test_secrets_and_signed_urls_are_refused_with_the_field_named(
    client: TestClient, engine: Engine, fields: dict[str, Any], message: str
) -> None:
    before = snapshot(engine)
    response = client.post("/api/artifacts", json={**LUMA_PAGE, **fields})
    assert_refused(engine, response, before, 400, message)


def test_a_signed_url_in_a_review_note_is_refused(client: TestClient, engine: Engine) -> None:
    artifact = make_artifact(client)
    before = snapshot(engine)
    for route in ("approve", "reject"):
        response = client.post(
            f"/api/artifacts/{artifact['id']}/{route}", json={"note": f"see {PRESIGNED}"}
        )
        assert_refused(engine, response, before, 400, "note must not contain signed URLs or tokens")


# --- limits on every free-text field ------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"validation": HUGE}, "validation is too long (max 20000)"),
        ({"validation": {"checklist": [HUGE]}}, "validation is too large (max 20000 bytes)"),
        (
            {"proofRequirement": {"type": "url", "label": HUGE}},
            "proofRequirement.label is too long (max 500)",
        ),
        (
            {"waitingFor": HUGE, "followUpAt": "2026-12-05T10:00:00Z", "status": "waiting"},
            "waitingFor is too long (max 500)",
        ),
        ({"comment": HUGE}, "comment is too long (max 20000)"),
        ({"externalStatus": HUGE}, "externalStatus is too long (max 500)"),
        (
            {"assistantJobRefs": [{"assistantJobId": "j1", "log": HUGE}]},
            "assistantJobRefs[0].log is too long (max 2000)",
        ),
    ],
)
def test_task_text_has_limits(
    client: TestClient, engine: Engine, fields: dict[str, Any], message: str
) -> None:
    before = snapshot(engine)
    body = {"description": "Publish", "date": "2026-12-10", **fields}
    assert_refused(engine, client.post("/api/tasks", json=body), before, 400, message)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"phases": [{"id": "prep", "name": HUGE}]}, "phases[0].name is too long (max 500)"),
        (
            {"references": [{"name": HUGE, "url": "https://docs.example.org/sop"}]},
            "references[0].name is too long (max 500)",
        ),
        (
            {
                "taskDefinitions": [
                    {"refId": "a", "description": "d", "offsetDays": 0, "notes": HUGE}
                ]
            },
            "taskDefinitions[0].notes is too long (max 2000)",
        ),
    ],
)
def test_template_text_has_limits(
    client: TestClient, engine: Engine, fields: dict[str, Any], message: str
) -> None:
    before = snapshot(engine)
    body = {**template_body(), **fields}
    assert_refused(engine, client.post("/api/templates", json=body), before, 400, message)


def test_bundle_reference_names_have_limits(client: TestClient, engine: Engine) -> None:
    before = snapshot(engine)
    body = {
        "title": "Episode 12",
        "anchorDate": "2026-12-10",
        "references": [{"name": HUGE, "url": "https://docs.example.org/sop"}],
    }
    response = client.post("/api/bundles", json=body)
    assert_refused(engine, response, before, 400, "references[0].name is too long (max 500)")


# --- an owned URI always has its checksum ------------------------------------------------------


def test_moving_an_artifact_into_owned_storage_needs_a_checksum(
    client: TestClient, engine: Engine
) -> None:
    artifact = make_artifact(client)
    before = snapshot(engine)
    response = client.put(
        f"/api/artifacts/{artifact['id']}", json={"storageUri": "s3://bucket/key"}
    )
    assert_refused(
        engine,
        response,
        before,
        400,
        "checksum is required for DataOps-owned s3 or local-dev artifacts",
    )


def test_clearing_the_checksum_of_an_owned_artifact_is_refused(
    client: TestClient, engine: Engine, tmp_path: Path
) -> None:
    artifact = make_artifact(client, type="recording", **OWNED)
    before = snapshot(engine)
    response = client.put(f"/api/artifacts/{artifact['id']}", json={"checksum": None})
    assert_refused(
        engine,
        response,
        before,
        400,
        "checksum is required for DataOps-owned s3 or local-dev artifacts",
    )
    moved = client.put(
        f"/api/artifacts/{artifact['id']}",
        json={"storageUri": "s3://media/ep1-final.wav", "checksum": "sha256:" + "b" * 64},
    )
    assert moved.status_code == 200
    export_is_valid(engine, tmp_path)


# --- artifact refs are the engine's own -------------------------------------------------------------

FAKE_REF = {"artifactId": "q", "storageUri": "javascript:alert(1)", "status": "approved"}


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (
            "/api/tasks",
            {"description": "Publish", "date": "2026-12-10", "artifactRefs": [FAKE_REF]},
        ),
        (
            "/api/bundles",
            {"title": "Episode", "anchorDate": "2026-12-10", "artifactRefs": [FAKE_REF]},
        ),
        ("/api/templates", template_body(artifactRefs=[FAKE_REF])),
    ],
)
def test_a_ref_naming_no_artifact_is_refused(
    client: TestClient, engine: Engine, path: str, body: dict[str, Any]
) -> None:
    before = snapshot(engine)
    assert_refused(engine, client.post(path, json=body), before, 404, "Artifact not found")


def test_a_ref_is_rewritten_from_the_record_it_names(
    client: TestClient, engine: Engine, tmp_path: Path
) -> None:
    draft = make_artifact(client)
    forged = {**FAKE_REF, "artifactId": draft["id"], "title": "Approved!", "note": HUGE}
    expected = {
        "artifactId": draft["id"],
        "type": "event-page",
        "title": "Episode 12 on Luma",
        "storageUri": "https://lu.ma/episode-12",
        "status": "draft",
    }
    task = make_task(client, artifactRefs=[forged])
    bundle = make_bundle(client, artifactRefs=[forged])
    template = client.post("/api/templates", json=template_body(artifactRefs=[forged]))
    assert task["artifactRefs"] == [expected]
    assert bundle["artifactRefs"] == [expected]
    assert template.json()["template"]["taskDefinitions"][0]["artifactRefs"] == [expected]
    stored = engine.store.get("tasks", task["id"])
    assert stored is not None and stored["artifactRefs"] == [expected]
    updated = client.put(f"/api/tasks/{task['id']}", json={"artifactRefs": [forged, forged]})
    assert updated.json()["artifactRefs"] == [expected]
    export_is_valid(engine, tmp_path)
