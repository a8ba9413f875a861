"""Service tokens as bearer tokens (session mode): a service registers, uploads and attaches as
`service:<name>`, and is refused (403, nothing written) on every path that approves, rejects or
completes. The same holds for a service named by the portal (portal mode)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from dataops.engine import service_tokens, users
from dataops.engine.context import Engine
from tests.conftest import FakeClock, client_for, make_engine, make_settings
from tests.support.artifacts import LUMA_PAGE, artifact_gated_task
from tests.support.identity import PORTAL_SECRET, login_token, portal_headers

REVIEW_REFUSED = "Service actors cannot approve or reject artifacts; a person reviews them"
COMPLETION_REFUSED = "Service actors cannot complete tasks; a person marks them done"


@pytest.fixture
def engine(tmp_path: Path, clock: FakeClock) -> Iterator[Engine]:
    eng = make_engine(make_settings(tmp_path, DATAOPS_AUTH_MODE="session"), clock)
    users.add_user(eng, email="op@example.com", name="Op", user_id="op", password="pw-operator")
    yield eng
    eng.store.close()


@pytest.fixture
def operator(engine: Engine) -> TestClient:
    token = login_token(engine, "op@example.com", "pw-operator")
    return client_for(engine, {"Authorization": f"Bearer {token}"})


@pytest.fixture
def assistant(engine: Engine) -> TestClient:
    issued = service_tokens.create_token(engine, "podcast-assistant")
    return client_for(engine, {"Authorization": f"Bearer {issued.token}"})


def refused(response: Any, message: str) -> None:
    assert response.status_code == 403, response.text
    assert response.json() == {"error": message}


def test_a_service_token_is_an_identity(assistant: TestClient) -> None:
    assert assistant.get("/api/me").json() == {
        "user": {"id": "service:podcast-assistant", "name": "podcast-assistant"}
    }


def test_a_service_registers_uploads_and_attaches_as_itself(
    assistant: TestClient, operator: TestClient
) -> None:
    task = artifact_gated_task(operator)
    created = assistant.post(
        "/api/artifacts", json={**LUMA_PAGE, "status": "needs-review", "assistantJobId": "run-7"}
    )
    assert created.status_code == 201, created.text
    artifact = created.json()["artifact"]
    assert artifact["createdBy"] == "service:podcast-assistant"
    attached = assistant.post(
        f"/api/artifacts/{artifact['id']}/attach", json={"taskId": task["id"]}
    )
    assert attached.status_code == 200
    upload = assistant.post(
        "/api/files",
        data={"taskId": task["id"]},
        files={"file": ("notes.txt", b"show notes", "text/plain")},
    )
    assert upload.status_code == 201, upload.text
    history = operator.get("/api/audit-events", params={"entityId": artifact["id"]}).json()
    assert {event["actorId"] for event in history["auditEvents"]} == {"service:podcast-assistant"}


def test_a_service_never_reviews(
    assistant: TestClient, operator: TestClient, engine: Engine
) -> None:
    artifact = assistant.post("/api/artifacts", json={**LUMA_PAGE, "status": "needs-review"})
    artifact_id = artifact.json()["artifact"]["id"]
    before = engine.store.get("artifacts", artifact_id)

    refused(assistant.post(f"/api/artifacts/{artifact_id}/approve"), REVIEW_REFUSED)
    refused(
        assistant.post(f"/api/artifacts/{artifact_id}/reject", json={"note": "meh"}), REVIEW_REFUSED
    )
    for status in ("approved", "rejected"):
        refused(
            assistant.put(f"/api/artifacts/{artifact_id}", json={"status": status}), REVIEW_REFUSED
        )
        refused(
            assistant.post("/api/artifacts", json={**LUMA_PAGE, "status": status}), REVIEW_REFUSED
        )
        refused(
            assistant.post(
                f"/api/artifacts/{artifact_id}/supersede", json={**LUMA_PAGE, "status": status}
            ),
            REVIEW_REFUSED,
        )
    # Also for an artifact that does not exist: nothing tells the service more.
    refused(assistant.post("/api/artifacts/no-such-artifact/approve"), REVIEW_REFUSED)

    assert engine.store.get("artifacts", artifact_id) == before
    assert engine.store.count("artifacts") == 1
    assert operator.post(f"/api/artifacts/{artifact_id}/approve").status_code == 200


def test_a_service_never_completes(
    assistant: TestClient, operator: TestClient, engine: Engine
) -> None:
    task = operator.post("/api/tasks", json={"description": "Publish", "date": "2026-12-01"}).json()
    before = engine.store.get("tasks", task["id"])
    refused(assistant.put(f"/api/tasks/{task['id']}", json={"status": "done"}), COMPLETION_REFUSED)
    refused(
        assistant.post(
            "/api/tasks",
            json={"description": "Done at birth", "date": "2026-12-01", "status": "done"},
        ),
        COMPLETION_REFUSED,
    )
    assert engine.store.get("tasks", task["id"]) == before
    assert engine.store.count("tasks") == 1
    # Everything short of completing stays open to it.
    waiting = assistant.put(
        f"/api/tasks/{task['id']}", json={"comment": "Draft uploaded", "status": "todo"}
    )
    assert waiting.status_code == 200


def test_revoked_and_expired_tokens_are_refused(
    engine: Engine, clock: FakeClock, assistant: TestClient
) -> None:
    short = service_tokens.create_token(engine, "nightly-report", expires_in_days=1)
    client = client_for(engine, {"Authorization": f"Bearer {short.token}"})
    assert client.get("/api/bundles").status_code == 200
    clock.advance(days=1, seconds=1)
    assert client.get("/api/bundles").json() == {"error": "Unauthorized"}
    service_tokens.revoke_token(engine, "podcast-assistant")
    assert assistant.get("/api/bundles").status_code == 401
    assert assistant.get("/api/me").status_code == 401


def test_a_service_named_by_the_portal_is_refused_the_same_way(tmp_path: Path) -> None:
    engine = make_engine(
        make_settings(tmp_path, DATAOPS_AUTH_MODE="portal", WORK_ENGINE_PORTAL_SECRET=PORTAL_SECRET)
    )
    try:
        service_tokens.create_token(engine, "podcast-assistant")
        portal = client_for(engine, portal_headers("service:podcast-assistant"))
        artifact = portal.post("/api/artifacts", json={**LUMA_PAGE, "status": "needs-review"})
        assert artifact.json()["artifact"]["createdBy"] == "service:podcast-assistant"
        refused(
            portal.post(f"/api/artifacts/{artifact.json()['artifact']['id']}/approve"),
            REVIEW_REFUSED,
        )
    finally:
        engine.store.close()


def test_in_test_mode_a_service_spelled_actor_is_refused_too(tmp_path: Path) -> None:
    engine = make_engine(make_settings(tmp_path / "none-mode"))
    try:
        client = client_for(engine)
        artifact = client.post("/api/artifacts", json=LUMA_PAGE).json()["artifact"]
        response = client.post(
            f"/api/artifacts/{artifact['id']}/approve", headers={"x-user-id": "service:anything"}
        )
        refused(response, REVIEW_REFUSED)
    finally:
        engine.store.close()
