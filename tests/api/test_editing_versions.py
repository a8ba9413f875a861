"""What the operator UI's editors need from the engine: templates and recurring configs carry
their version as an ETag and take `If-Match` (a stale edit is a 412 and changes nothing); one
recurring config generates its tasks on demand ("generate now"), idempotently, and a disabled
one is refused."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from dataops.engine.context import Engine

STALE = {"error": "Precondition failed: the record was changed by someone else"}
TEMPLATE = {
    "name": "Episode",
    "type": "podcast",
    "taskDefinitions": [{"refId": "record", "description": "Record", "offsetDays": 0}],
}


def test_a_template_edit_with_a_stale_version_is_refused(client: TestClient) -> None:
    created = client.post("/api/templates", json=TEMPLATE).json()["template"]
    url = f"/api/templates/{created['id']}"
    read = client.get(url)
    etag = read.headers["etag"]
    assert etag == '"1"'
    first = client.put(url, json={"name": "Episode v2"}, headers={"If-Match": etag})
    assert first.status_code == 200 and first.headers["etag"] == '"2"'
    second = client.put(url, json={"name": "Lost edit"}, headers={"If-Match": etag})
    assert (second.status_code, second.json()) == (412, STALE)
    assert client.get(url).json()["template"]["name"] == "Episode v2"
    # Without If-Match the edit applies to whatever is stored, as before.
    assert client.put(url, json={"emoji": "🎙"}).status_code == 200


def test_a_recurring_edit_with_a_stale_version_is_refused(client: TestClient) -> None:
    config = client.post(
        "/api/recurring", json={"description": "Weekly review", "cronExpression": "0 9 * * MON"}
    ).json()["recurringConfig"]
    url = f"/api/recurring/{config['id']}"
    etag = client.get(url).headers["etag"]
    assert client.put(url, json={"enabled": False}, headers={"If-Match": etag}).status_code == 200
    stale = client.put(url, json={"description": "x"}, headers={"If-Match": etag})
    assert (stale.status_code, stale.json()) == (412, STALE)


def _config(client: TestClient, **fields: Any) -> dict[str, Any]:
    body = {"description": "Check the inbox", "cronExpression": "0 9 * * MON,THU", **fields}
    config: dict[str, Any] = client.post("/api/recurring", json=body).json()["recurringConfig"]
    return config


def test_generate_now_for_one_config(client: TestClient, engine: Engine) -> None:
    inbox = _config(client)
    _config(client, description="Other config", cronExpression="* * * * *")
    url = f"/api/recurring/{inbox['id']}/generate"
    window = {"startDate": "2026-12-01", "endDate": "2026-12-14"}
    first = client.post(url, json=window)
    assert first.status_code == 200
    assert [task["date"] for task in first.json()["generated"]] == [
        "2026-12-03",
        "2026-12-07",
        "2026-12-10",
        "2026-12-14",
    ]
    assert {task["recurringConfigId"] for task in first.json()["generated"]} == {inbox["id"]}
    again = client.post(url, json=window).json()
    assert again == {"generated": [], "skipped": 4}
    assert engine.store.count("tasks") == 4


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (b"{oops", 400, "Invalid JSON"),
        (b"{}", 400, "startDate and endDate are required"),
        (
            b'{"startDate": "1 Dec", "endDate": "2026-12-02"}',
            400,
            "startDate and endDate must be in YYYY-MM-DD format",
        ),
        (
            b'{"startDate": "2026-01-01", "endDate": "2026-06-01"}',
            400,
            "Date range must not exceed 90 days",
        ),
    ],
)
def test_generate_now_refusals_store_nothing(
    client: TestClient, engine: Engine, body: bytes, status: int, message: str
) -> None:
    config = _config(client)
    response = client.post(
        f"/api/recurring/{config['id']}/generate",
        content=body,
        headers={"content-type": "application/json"},
    )
    assert (response.status_code, response.json()) == (status, {"error": message})
    assert engine.store.count("tasks") == 0


def test_generate_now_refuses_a_disabled_or_missing_config(
    client: TestClient, engine: Engine
) -> None:
    config = _config(client, enabled=False)
    window = {"startDate": "2026-12-01", "endDate": "2026-12-14"}
    refused = client.post(f"/api/recurring/{config['id']}/generate", json=window)
    assert (refused.status_code, refused.json()) == (
        409,
        {"error": "This recurring config is disabled; enable it to generate its tasks"},
    )
    missing = client.post("/api/recurring/nope/generate", json=window)
    assert (missing.status_code, missing.json()) == (404, {"error": "Recurring config not found"})
    other = client.get(f"/api/recurring/{config['id']}/generate")
    assert (other.status_code, other.json()) == (405, {"error": "Method not allowed"})
    assert engine.store.count("tasks") == 0
