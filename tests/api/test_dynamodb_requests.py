"""No request path scans a DynamoDB table (issue 18): every request the API walk makes is
answered with GetItem, BatchGetItem and Query, however the lists are filtered, and a list of
3,000 records is read to its end through pages of queries, never a Scan."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from dataops.engine.context import Engine
from dataops.store.dynamodb import DynamoDBStore
from tests.conftest import client_for
from tests.support import api_walk
from tests.support.dynamodb import Requests

READS = {"GetItem", "BatchGetItem", "Query"}


@pytest.fixture
def requests(dynamodb_engine: Engine) -> Requests:
    assert isinstance(dynamodb_engine.store, DynamoDBStore)
    return Requests(dynamodb_engine.store.client)


def test_no_request_of_the_api_walk_scans_a_table(
    dynamodb_engine: Engine, requests: Requests
) -> None:
    client = client_for(dynamodb_engine)
    seeded = api_walk.seed(dynamodb_engine, client)
    assert "Scan" not in requests.sent

    for step in api_walk.steps(seeded):
        requests.clear()
        api_walk.run(client, step)
        assert "Scan" not in requests.sent, step.name
        assert set(requests.sent) & READS, step.name


def test_filtered_lists_read_only_the_partitions_they_name(
    dynamodb_engine: Engine, requests: Requests
) -> None:
    client = client_for(dynamodb_engine)
    seeded = api_walk.seed(dynamodb_engine, client)
    week = {"startDate": api_walk.DAY, "endDate": "2026-12-04"}

    requests.clear()
    client.get("/api/tasks", params=week)
    assert requests.sent.count("Query") == 7  # one partition of GSI-Date per day

    requests.clear()
    client.get("/api/artifacts", params={"taskId": seeded.task})
    assert requests.sent == ["Query"]


def test_a_list_of_3000_records_is_read_whole_by_queries(
    dynamodb_engine: Engine, requests: Requests
) -> None:
    store = dynamodb_engine.store
    assert isinstance(store, DynamoDBStore)
    tasks = [
        {
            "id": f"task-{n:05d}",
            "description": "Check the mix " + "x" * 300,
            "date": api_walk.DAY,
            "status": "todo",
            "bundleId": "bundle-1",
            "createdAt": "2026-11-28T09:00:00.000Z",
        }
        for n in range(3000)
    ]
    store.create("bundles", {"id": "bundle-1", "title": "Big", "anchorDate": api_walk.DAY})
    codec = store.codecs["tasks"]
    for start in range(0, len(tasks), 25):  # written as DynamoDB would hold them, quickly
        store.calls.batch_write(
            codec.layout.physical.name,
            [{"PutRequest": {"Item": codec.encode(task, 1)}} for task in tasks[start : start + 25]],
        )
    client: TestClient = client_for(dynamodb_engine)
    everything = [task["id"] for task in tasks]

    for path, params in [
        ("/api/tasks", {"date": api_walk.DAY}),
        ("/api/bundles/bundle-1/tasks", {}),
    ]:
        requests.clear()
        listed = client.get(path, params=params).json()["tasks"]
        assert [task["id"] for task in listed] == everything, path
        assert "Scan" not in requests.sent
        assert requests.sent.count("Query") >= 2, "a Query answers at most 1 MB: it was followed"

    requests.clear()
    seen: list[str] = []
    cursor: str | None = None
    while True:
        paging = {"limit": "1000", **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/tasks", params={"status": "todo", **paging}).json()
        seen += [task["id"] for task in page["tasks"]]
        cursor = page.get("nextCursor")
        if cursor is None:
            break
    assert seen == everything
    assert "Scan" not in requests.sent
