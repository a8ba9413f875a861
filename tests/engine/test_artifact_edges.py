"""Artifact edge cases: long enum messages asserted literally, endless write races, and bodies
nested too deeply."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from starlette.testclient import TestClient

from dataops.engine import artifacts, retry
from dataops.engine.context import Engine
from dataops.model.errors import Conflict
from dataops.store.base import Item, VersionConflict, Write
from tests.support.artifacts import LUMA_PAGE, make_artifact

# The enum messages are longer than a line; they are matched whole here.
TYPE_MESSAGE = "type must be one of: podcast-doc, transcript, recording, report, invoice, event-page, assistant-output, external-link, other"
PROVIDER_MESSAGE = "storageProvider must be one of: s3, dropbox, google-drive, github, external-url, local-dev, unknown"
SOURCE_MESSAGE = "sourceType must be one of: manual-link, manual-upload, assistant-output, import, migration, system"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("type", "video", TYPE_MESSAGE),
        ("storageProvider", "box", PROVIDER_MESSAGE),
        ("sourceType", "email", SOURCE_MESSAGE),
    ],
)
def test_enum_refusals(client: TestClient, field: str, value: str, message: str) -> None:
    response = client.post("/api/artifacts", json={**LUMA_PAGE, field: value})
    assert (response.status_code, response.json()) == (400, {"error": message})


class RacingStore:
    """Every transaction loses a race, as if others always wrote first."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def transact(self, writes: Sequence[Write]) -> list[Item | None]:
        raise VersionConflict("tasks", "someone-else")

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def test_an_endless_race_ends_with_a_clear_conflict(
    engine: Engine, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    artifact = make_artifact(client)
    monkeypatch.setattr(retry, "back_off", lambda number: None)
    engine.store = RacingStore(engine.store)
    with pytest.raises(Conflict) as caught:
        artifacts.update_artifact(engine, artifact["id"], {"title": "x"}, None)
    assert caught.value.message == "The record is being changed by others right now; try again"
    response = client.put(f"/api/artifacts/{artifact['id']}", json={"title": "x"})
    assert response.status_code == 409
    assert response.json() == {
        "error": "The record is being changed by others right now; try again"
    }


def test_a_review_body_nested_too_deeply(client: TestClient) -> None:
    artifact = make_artifact(client)
    nested = "[" * 40 + "]" * 40
    response = client.post(
        f"/api/artifacts/{artifact['id']}/approve", content=f'{{"note": "x", "n": {nested}}}'
    )
    assert response.status_code == 400
    assert response.json() == {"error": "Request body is nested too deeply (max 32 levels)"}


def test_task_etag_and_if_match(client: TestClient) -> None:
    created = client.post("/api/tasks", json={"description": "d", "date": "2026-12-10"})
    assert created.headers["etag"] == '"1"'
    path = f"/api/tasks/{created.json()['id']}"
    assert client.put(path, json={"comment": "a"}, headers={"if-match": '"1"'}).status_code == 200
    stale = client.put(path, json={"comment": "b"}, headers={"if-match": '"1"'})
    assert stale.status_code == 412
    assert stale.json() == {"error": "Precondition failed: the record was changed by someone else"}
    assert client.get(path).json()["comment"] == "a"
    assert client.get(path).headers["etag"] == '"2"'


HOSTILE: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    1.5,
    "",
    " ",
    "x",
    [],
    [1],
    {},
    {"a": [1]},
    "😀" * 3,
]
FIELDS = [
    "type", "title", "description", "status", "storageProvider", "storageUri", "filename",
    "contentType", "checksum", "sizeBytes", "visibility", "dataClass", "taskId", "bundleId",
    "assistantJobId", "fileId", "sourceType", "createdBy", "reviewedBy", "reviewedAt", "tags",
    "metadata",
]  # fmt: skip


def test_no_json_value_in_any_field_causes_a_server_error(client: TestClient) -> None:
    artifact = make_artifact(client)
    for field in FIELDS:
        for value in HOSTILE:
            body = {**LUMA_PAGE, field: value}
            created = client.post("/api/artifacts", json=body)
            assert created.status_code in (201, 400, 404, 409), (field, value, created.text)
            updated = client.put(f"/api/artifacts/{artifact['id']}", json={field: value})
            assert updated.status_code in (200, 400, 404, 409), (field, value, updated.text)
            attached = client.post(f"/api/artifacts/{artifact['id']}/attach", json={field: value})
            assert attached.status_code in (200, 400, 404), (field, value, attached.text)
            reviewed = client.post(f"/api/artifacts/{artifact['id']}/reject", json={"note": value})
            assert reviewed.status_code in (200, 400, 409), (field, value, reviewed.text)
