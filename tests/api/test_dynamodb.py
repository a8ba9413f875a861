"""What only the DynamoDB store can do to a request: throttling and outages (503 with
`Retry-After`, never a 500), records DynamoDB cannot hold (4xx), and a bundle instantiated into
more tasks than one DynamoDB transaction holds, all or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from dataops.engine.context import Engine
from dataops.store.dynamodb import DynamoDBStore
from tests.conftest import FakeClock, client_for, make_engine, make_settings
from tests.support.dynamodb import Requests


@pytest.fixture
def requests(dynamodb_engine: Engine) -> Requests:
    assert isinstance(dynamodb_engine.store, DynamoDBStore)
    return Requests(dynamodb_engine.store.client)


@pytest.fixture
def api(dynamodb_engine: Engine) -> TestClient:
    return client_for(dynamodb_engine)


def new_task(api: TestClient, **fields: Any) -> dict[str, Any]:
    response = api.post("/api/tasks", json={"description": "Edit", "date": "2026-12-01", **fields})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def assert_unavailable(response: Any) -> None:
    assert response.status_code == 503
    assert response.json() == {
        "error": "The metadata store is busy or unavailable right now; try again later"
    }
    assert response.headers["retry-after"] == "1"


@pytest.mark.parametrize(
    "code", ["ThrottlingException", "ProvisionedThroughputExceededException", "InternalServerError"]
)
def test_a_read_dynamodb_keeps_refusing_is_a_503_with_retry_after(
    api: TestClient, requests: Requests, code: str
) -> None:
    task = new_task(api)
    requests.fail("GetItem", code)

    assert_unavailable(api.get(f"/api/tasks/{task['id']}"))


def test_a_throttled_request_is_retried_and_succeeds(api: TestClient, requests: Requests) -> None:
    task = new_task(api)
    requests.clear()
    requests.throttle_once("GetItem")

    response = api.get(f"/api/tasks/{task['id']}")

    assert response.status_code == 200
    assert response.json()["id"] == task["id"]
    assert requests.sent.count("GetItem") >= 1


def test_a_write_dynamodb_keeps_refusing_writes_nothing(
    api: TestClient, requests: Requests
) -> None:
    requests.fail("PutItem", "ThrottlingException")

    assert_unavailable(api.post("/api/tasks", json={"description": "x", "date": "2026-12-01"}))

    requests.failing.clear()
    assert api.get("/api/tasks", params={"date": "2026-12-01"}).json() == {"tasks": []}


def test_a_transaction_cancelled_by_throttling_throughout_is_a_503(
    api: TestClient, requests: Requests, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dataops.store import dynamodb_client

    monkeypatch.setattr(dynamodb_client, "BASE_DELAY", 0.0)  # our own back-off, not botocore's
    task = new_task(api)
    requests.fail(
        "TransactWriteItems", "TransactionCanceledException", reasons=["ThrottlingError", "None"]
    )

    assert_unavailable(api.put(f"/api/tasks/{task['id']}", json={"status": "done"}))

    requests.failing.clear()
    assert api.get(f"/api/tasks/{task['id']}").json()["status"] == "todo"


def test_an_unreachable_store_during_authentication_is_a_503(
    tmp_path: Path, clock: FakeClock, dynamodb_tables: dict[str, str]
) -> None:
    engine = make_engine(
        make_settings(tmp_path, DATAOPS_AUTH_MODE="session", **dynamodb_tables), clock
    )
    assert isinstance(engine.store, DynamoDBStore)
    Requests(engine.store.client).fail("GetItem", "ServiceUnavailable")
    try:
        response = client_for(engine).get(
            "/api/tasks", params={"date": "2026-12-01"}, headers={"authorization": "Bearer t"}
        )
    finally:
        engine.store.close()

    assert_unavailable(response)


def test_a_record_larger_than_an_item_can_be_is_a_413(api: TestClient) -> None:
    definitions = [
        {"refId": f"step-{n}", "description": "x" * 1000, "offsetDays": 0} for n in range(450)
    ]

    response = api.post(
        "/api/templates", json={"name": "Huge", "type": "podcast", "taskDefinitions": definitions}
    )

    assert response.status_code == 413
    assert response.json() == {"error": "The record is too large to store (at most 400 KB)"}
    assert api.get("/api/templates").json() == {"templates": []}


def test_a_number_dynamodb_cannot_hold_is_a_400(api: TestClient) -> None:
    response = api.post(
        "/api/artifacts",
        json={
            "title": "Report",
            "type": "report",
            "storageUri": "https://example.com/report",
            "metadata": {"score": 1e200},
        },
    )

    assert response.status_code == 400
    message = "Number 1e+200 cannot be stored: numbers have at most 38 digits and lie within 1e-130 to 1e125 in size"
    assert response.json() == {"error": message}
    assert api.get("/api/artifacts").json() == {"artifacts": []}


def template_of(api: TestClient, tasks: int) -> str:
    definitions = [
        {"refId": f"step-{n:03d}", "description": f"Step {n}", "offsetDays": n % 30 - 15}
        for n in range(tasks)
    ]
    response = api.post(
        "/api/templates", json={"name": "Season", "type": "podcast", "taskDefinitions": definitions}
    )
    assert response.status_code == 201, response.text
    template_id: str = response.json()["template"]["id"]
    return template_id


def test_a_bundle_of_hundreds_of_tasks_is_created_whole(api: TestClient) -> None:
    template = template_of(api, 300)

    created = api.post(
        "/api/bundles",
        json={"title": "Season 2", "anchorDate": "2026-12-15", "templateId": template},
    )

    assert created.status_code == 201
    bundle = created.json()["bundle"]
    assert len(created.json()["tasks"]) == 300
    assert len(api.get(f"/api/bundles/{bundle['id']}/tasks").json()["tasks"]) == 300


def test_a_failure_between_the_chunks_of_an_instantiation_shows_no_half_bundle(
    api: TestClient, requests: Requests
) -> None:
    template = template_of(api, 300)
    body = {"title": "Season 2", "anchorDate": "2026-12-15", "templateId": template}
    requests.fail("TransactWriteItems", "ThrottlingException", skip=2, times=1)

    assert_unavailable(api.post("/api/bundles", json=body))

    assert api.get("/api/bundles").json() == {"bundles": []}
    on_anchor = api.get("/api/tasks", params={"date": "2026-12-15"}).json()
    assert on_anchor == {"tasks": []}
    retried = api.post("/api/bundles", json=body)
    assert retried.status_code == 201
    assert len(retried.json()["tasks"]) == 300
