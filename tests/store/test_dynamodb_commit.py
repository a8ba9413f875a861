"""Writes larger than one DynamoDB transaction: a failure between chunks, a writer that dies
before its commit, and one that dies after it. Readers see all of a write set or none of it,
and whatever a dead writer left is finished by the next writer that meets it or by migrate."""

from __future__ import annotations

import time
from typing import Any

import pytest

from dataops.model.errors import ServiceUnavailable
from dataops.store.base import Create, Delete, Replace, StoreNotEmpty, VersionConflict, Write
from dataops.store.dynamodb import DynamoDBStore
from dataops.store.dynamodb_commit import LEASE_SECONDS, Commits, ItemWrite
from tests.support.dynamodb import leftovers


def task(task_id: str, **fields: Any) -> dict[str, Any]:
    return {"id": task_id, "description": f"task {task_id}", "date": "2026-03-01", **fields}


def ids(items: list[Any]) -> list[str]:
    return [item["id"] for item in items]


@pytest.fixture
def store(dynamodb_store: DynamoDBStore) -> DynamoDBStore:
    """Ten tasks to replace and ten to delete (version 1), and nothing else."""
    dynamodb_store.transact([Create("tasks", task(f"old{n}", status="todo")) for n in range(20)])
    return dynamodb_store


def big_write_set() -> list[Write]:
    """A bundle instantiated into 250 tasks, ten tasks done, ten deleted: three chunks."""
    writes: list[Write] = [Create("bundles", {"id": "b1", "anchorDate": "2026-03-01"})]
    writes += [Replace("tasks", task(f"old{n}", status="done"), 1) for n in range(10)]
    writes += [Delete("tasks", f"old{n}", 1) for n in range(10, 20)]
    writes += [
        Create("tasks", task(f"new{n:03d}", status="todo", bundleId="b1")) for n in range(250)
    ]
    return writes


def assert_before(store: DynamoDBStore) -> None:
    """The store as it was before the write set, through every kind of read."""
    assert store.get("bundles", "b1") is None
    assert store.get("tasks", "new000") is None
    assert store.get_many("tasks", ["new001", "old0", "old15"]).keys() == {"old0", "old15"}
    old = store.get("tasks", "old0")
    assert old is not None and old["status"] == "todo" and old.version == 1
    assert store.query("tasks", "GSI-Bundle", "b1").items == []
    assert ids(store.query("tasks", "GSI-Status", "todo").items) == sorted(
        f"old{n}" for n in range(20)
    )
    assert store.query("tasks", "GSI-Status", "done").items == []
    assert ids(list(store.scan("tasks"))) == sorted(f"old{n}" for n in range(20))


def assert_after(store: DynamoDBStore) -> None:
    """The store with the whole write set applied, through every kind of read."""
    bundle = store.get("bundles", "b1")
    assert bundle is not None and bundle.version == 1
    assert len(store.query("tasks", "GSI-Bundle", "b1").items) == 250
    done = store.query("tasks", "GSI-Status", "done").items
    assert ids(done) == [f"old{n}" for n in range(10)]
    assert all(item.version == 2 for item in done)
    assert ids(store.query("tasks", "GSI-Status", "todo").items) == [
        f"new{n:03d}" for n in range(250)
    ]
    replaced = store.get("tasks", "old3")
    assert replaced is not None and replaced["status"] == "done" and replaced.version == 2
    assert store.get("tasks", "old15") is None
    assert store.get_many("tasks", ["old15", "old2", "new249"]).keys() == {"old2", "new249"}
    assert len(list(store.scan("tasks"))) == 260


def failing_chunk(monkeypatch: pytest.MonkeyPatch, number: int, error: BaseException) -> None:
    """Staging fails at chunk `number` (after the chunks before it were written)."""
    original = Commits._stage
    calls = {"n": 0}

    def stage(self: Commits, txn: str, chunk: list[ItemWrite], classify: Any) -> None:
        calls["n"] += 1
        if calls["n"] == number:
            raise error
        original(self, txn, chunk, classify)

    monkeypatch.setattr(Commits, "_stage", stage)


def test_a_write_set_of_five_chunks_is_applied_whole_and_leaves_nothing_behind(
    store: DynamoDBStore,
) -> None:
    store.transact(big_write_set())

    assert_after(store)
    assert leftovers(store) == {"commit records": 0, "marked": 0, "images": 0}


def test_a_failure_between_chunks_takes_back_every_chunk_written(
    store: DynamoDBStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    failing_chunk(monkeypatch, 3, ServiceUnavailable("throttled"))

    with pytest.raises(ServiceUnavailable):
        store.transact(big_write_set())

    assert_before(store)
    assert leftovers(store) == {"commit records": 0, "marked": 0, "images": 0}
    store.replace("tasks", task("old0", status="done"), 1)  # nothing stays locked


class WriterDied(BaseException):
    """The writer's process ended: nothing of it runs any more (no undo, no roll forward)."""


@pytest.fixture
def dead_before_commit(store: DynamoDBStore, monkeypatch: pytest.MonkeyPatch) -> DynamoDBStore:
    """Two chunks staged, then the writer is gone."""
    failing_chunk(monkeypatch, 3, WriterDied())
    monkeypatch.setattr(Commits, "_undo", lambda self, txn, writes, staged: None)
    with pytest.raises(WriterDied):
        store.transact(big_write_set())
    monkeypatch.undo()
    return store


def test_readers_see_nothing_of_a_writer_that_died_before_its_commit(
    dead_before_commit: DynamoDBStore,
) -> None:
    store = dead_before_commit
    assert leftovers(store)["commit records"] == 2  # the record and its list of writes
    assert leftovers(store)["marked"] > 100
    assert_before(store)


def test_a_record_it_locked_is_released_once_its_lease_ran_out(
    dead_before_commit: DynamoDBStore,
) -> None:
    store = dead_before_commit
    with pytest.raises(VersionConflict):  # the writer may still be alive
        store.replace("tasks", task("old0", comment="mine"), 1)

    store.commits.clock = lambda: time.time() + LEASE_SECONDS + 1
    saved = store.replace("tasks", task("old0", comment="mine"), 1)

    assert saved.version == 2
    assert store.get("tasks", "old0") == task("old0", comment="mine")
    store.create("tasks", task("new000", comment="taken over"))  # its staged create is gone


def test_migrate_rolls_back_what_a_writer_left_before_its_commit(
    dead_before_commit: DynamoDBStore,
) -> None:
    store = dead_before_commit
    assert store.migrate().recovery.in_progress == 1  # its lease has not run out yet

    store.commits.clock = lambda: time.time() + LEASE_SECONDS + 1
    recovery = store.migrate().recovery

    assert (recovery.rolled_back, recovery.rolled_forward) == (1, 0)
    assert leftovers(store) == {"commit records": 0, "marked": 0, "images": 0}
    assert_before(store)


@pytest.fixture
def dead_after_commit(store: DynamoDBStore, monkeypatch: pytest.MonkeyPatch) -> DynamoDBStore:
    """Committed, then the writer is gone before it moved anything into place."""
    original = Commits.finish

    def finish(self: Commits, txn: str, writes: Any, *, committed: bool) -> None:
        if committed:
            raise WriterDied()
        original(self, txn, writes, committed=committed)

    monkeypatch.setattr(Commits, "finish", finish)
    with pytest.raises(WriterDied):
        store.transact(big_write_set())
    monkeypatch.undo()
    return store


def test_readers_see_all_of_a_writer_that_died_after_its_commit(
    dead_after_commit: DynamoDBStore,
) -> None:
    store = dead_after_commit
    assert leftovers(store)["images"] == 10  # replaced records' new images, beside them
    store.commits._final.clear()  # a process that never saw this transaction
    assert_after(store)


def test_a_writer_meeting_a_committed_record_moves_it_into_place_first(
    dead_after_commit: DynamoDBStore,
) -> None:
    store = dead_after_commit
    with pytest.raises(VersionConflict):  # the caller read version 1: it is 2 now
        store.replace("tasks", task("old1", comment="stale"), 1)

    saved = store.replace("tasks", task("old1", status="done", comment="fresh"), 2)

    assert saved.version == 3
    assert store.get("tasks", "old1") == task("old1", status="done", comment="fresh")


def test_migrate_rolls_forward_what_a_writer_left_after_its_commit(
    dead_after_commit: DynamoDBStore,
) -> None:
    store = dead_after_commit
    recovery = store.migrate(dry_run=True).recovery
    assert (recovery.rolled_forward, leftovers(store)["commit records"]) == (1, 2)

    recovery = store.migrate().recovery

    assert (recovery.rolled_forward, recovery.rolled_back) == (1, 0)
    assert leftovers(store) == {"commit records": 0, "marked": 0, "images": 0}
    assert_after(store)


def test_a_record_locked_by_a_live_transaction_is_a_conflict_not_a_wait(
    store: DynamoDBStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    attempts: list[str] = []
    original = Commits._stage

    def stage(self: Commits, txn: str, chunk: list[ItemWrite], classify: Any) -> None:
        original(self, txn, chunk, classify)
        if not attempts:  # between the first and the second chunk, another writer comes
            try:
                store.replace("tasks", task("old0", comment="other"), 1)
                attempts.append("written")
            except VersionConflict:
                attempts.append("conflict")

    monkeypatch.setattr(Commits, "_stage", stage)
    writes: list[Write] = [Replace("tasks", task("old0", status="done"), 1)]
    writes += [Create("tasks", task(f"new{n:03d}")) for n in range(150)]

    store.transact(writes)

    assert attempts == ["conflict"]
    saved = store.get("tasks", "old0")
    assert saved is not None and saved["status"] == "done" and saved.version == 2


def test_a_load_whose_writer_died_stays_invisible_and_the_next_load_clears_it(
    dynamodb_store: DynamoDBStore,
) -> None:
    store = dynamodb_store
    dying = store.load_empty(["tasks"])
    dead = dying.__enter__()  # and it never ends
    dead.put_all("tasks", [task(f"t{n}", status="todo") for n in range(60)])

    assert store.get("tasks", "t1") is None
    assert store.query("tasks", "GSI-Status", "todo").items == []
    assert list(store.scan("tasks")) == []
    with pytest.raises(StoreNotEmpty), store.load_empty(["tasks"]):  # its lease still runs
        pytest.fail("entered a load beside a live one")

    store.commits.clock = lambda: time.time() + LEASE_SECONDS + 1
    with store.load_empty(["tasks"]) as load:
        load.put_all("tasks", [task("fresh", status="todo")])

    assert ids(store.query("tasks", "GSI-Status", "todo").items) == ["fresh"]
    assert store.migrate().recovery.rolled_back == 1  # the dead load's commit record
    assert leftovers(store) == {"commit records": 0, "marked": 0, "images": 0}
