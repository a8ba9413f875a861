"""The DynamoDB backend against the store contract, on moto in server mode."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest

from dataops.store.base import Create
from dataops.store.dynamodb import DynamoDBStore
from dataops.store.sorted_runs import SortedRuns
from tests.store.contract import *  # noqa: F403
from tests.support.dynamodb import Requests


@pytest.fixture
def contract_store(dynamodb_store: DynamoDBStore) -> Iterator[DynamoDBStore]:
    yield dynamodb_store


def test_a_scan_merges_runs_sorted_on_disk_from_parallel_segments(
    dynamodb_store: DynamoDBStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = {name: layout.physical.name for name, layout in dynamodb_store.layouts.items()}
    names["transactions"] = dynamodb_store.commit_table.name
    small = DynamoDBStore(dynamodb_store.client, names, scan_segments=4, run_records=50)
    ids = [hashlib.sha256(str(n).encode()).hexdigest()[:12] + "-é" * (n % 3) for n in range(400)]
    for start in range(0, 400, 100):
        small.transact(
            [
                Create("tasks", {"id": i, "n": n})
                for n, i in enumerate(ids[start : start + 100], start)
            ]
        )
    spilled: list[int] = []
    spill = SortedRuns._spill

    def counting(self: SortedRuns) -> None:
        spilled.append(len(self.current))
        spill(self)

    monkeypatch.setattr(SortedRuns, "_spill", counting)

    scanned = list(small.scan("tasks"))

    assert [item["id"] for item in scanned] == sorted(ids)
    assert all(item == {"id": item["id"], "n": ids.index(item["id"])} for item in scanned)
    assert len(spilled) == 8 and max(spilled) == 50  # never more than one run in memory


def test_unprocessed_batch_items_are_sent_again_until_done(
    dynamodb_store: DynamoDBStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dataops.store import dynamodb_client

    monkeypatch.setattr(dynamodb_client, "BASE_DELAY", 0.0)
    requests = Requests(dynamodb_store.client)
    requests.leave_unprocessed("BatchWriteItem", 3)
    requests.leave_unprocessed("BatchGetItem", 2)

    with dynamodb_store.load_empty(["tasks"]) as load:
        load.put_all("tasks", [{"id": f"t{n:02d}"} for n in range(30)])
    found = dynamodb_store.get_many("tasks", [f"t{n:02d}" for n in range(30)])

    assert len(found) == 30
    assert requests.sent.count("BatchWriteItem") == 2 + 3  # two batches of 25, three refused
    assert requests.sent.count("BatchGetItem") == 1 + 2
