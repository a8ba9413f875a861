"""The store contract: every backend passes these tests unchanged.

A backend's test module does `from tests.store.contract import *` and provides a
`contract_store` fixture that yields an empty store with the tables of `store/schema.py`.
"""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager
from typing import Any

import pytest

from dataops.store.base import (
    AlreadyExists,
    BulkLoading,
    Check,
    Create,
    Delete,
    EmptyLoad,
    InvalidCursor,
    ItemMissing,
    Range,
    Replace,
    Store,
    StoreNotEmpty,
    VersionConflict,
)


def task(task_id: str, **fields: Any) -> dict[str, Any]:
    return {"id": task_id, "description": f"task {task_id}", **fields}


def test_create_then_get_returns_the_document_with_version_1(contract_store: Store) -> None:
    created = contract_store.create("tasks", task("t1", date="2026-01-05", status="todo"))
    assert created.version == 1
    fetched = contract_store.get("tasks", "t1")
    assert fetched == {"id": "t1", "description": "task t1", "date": "2026-01-05", "status": "todo"}
    assert fetched is not None and fetched.version == 1


def test_get_of_a_missing_record_is_none(contract_store: Store) -> None:
    assert contract_store.get("tasks", "nope") is None


def test_create_is_create_only(contract_store: Store) -> None:
    contract_store.create("tasks", task("t1"))
    with pytest.raises(AlreadyExists):
        contract_store.create("tasks", task("t1", description="other"))
    assert contract_store.get("tasks", "t1") == task("t1")


def test_replace_needs_the_current_version(contract_store: Store) -> None:
    contract_store.create("tasks", task("t1"))
    updated = contract_store.replace("tasks", task("t1", comment="x"), expected_version=1)
    assert updated.version == 2
    with pytest.raises(VersionConflict):
        contract_store.replace("tasks", task("t1", comment="stale"), expected_version=1)
    assert contract_store.get("tasks", "t1") == task("t1", comment="x")


def test_replace_of_a_missing_record_never_creates_it(contract_store: Store) -> None:
    with pytest.raises(ItemMissing):
        contract_store.replace("tasks", task("ghost"), expected_version=1)
    assert contract_store.get("tasks", "ghost") is None


def test_delete_reports_whether_a_record_was_removed(contract_store: Store) -> None:
    contract_store.create("tasks", task("t1"))
    assert contract_store.delete("tasks", "t1") is True
    assert contract_store.delete("tasks", "t1") is False
    assert contract_store.get("tasks", "t1") is None


def test_conditional_delete(contract_store: Store) -> None:
    contract_store.create("tasks", task("t1"))
    with pytest.raises(VersionConflict):
        contract_store.delete("tasks", "t1", expected_version=7)
    assert contract_store.get("tasks", "t1") is not None
    assert contract_store.delete("tasks", "t1", expected_version=1) is True


def test_transact_is_all_or_nothing(contract_store: Store) -> None:
    contract_store.create("tasks", task("existing"))
    with pytest.raises(AlreadyExists):
        contract_store.transact(
            [
                Create("tasks", task("new")),
                Create("bundles", {"id": "b1"}),
                Create("tasks", task("existing")),
            ]
        )
    assert contract_store.get("tasks", "new") is None
    assert contract_store.get("bundles", "b1") is None


def test_transact_checks_versions_of_records_it_does_not_write(contract_store: Store) -> None:
    contract_store.create("bundles", {"id": "b1", "title": "Episode"})
    contract_store.replace("bundles", {"id": "b1", "title": "Episode 2"}, expected_version=1)
    with pytest.raises(VersionConflict):
        contract_store.transact([Check("bundles", "b1", 1), Create("tasks", task("t1"))])
    assert contract_store.get("tasks", "t1") is None
    results = contract_store.transact([Check("bundles", "b1", 2), Create("tasks", task("t1"))])
    assert results[0] is None
    assert results[1] is not None and results[1].version == 1


def test_transact_mixes_creates_replaces_and_deletes(contract_store: Store) -> None:
    contract_store.create("tasks", task("a"))
    contract_store.create("tasks", task("b"))
    contract_store.transact(
        [
            Replace("tasks", task("a", status="done"), 1),
            Delete("tasks", "b", 1),
            Create("tasks", task("c")),
        ]
    )
    assert contract_store.get("tasks", "a") == task("a", status="done")
    assert contract_store.get("tasks", "b") is None
    assert contract_store.get("tasks", "c") == task("c")


def test_a_write_without_an_id_fails_its_whole_transaction(contract_store: Store) -> None:
    with pytest.raises(ValueError):
        contract_store.transact([Create("tasks", task("a")), Create("tasks", {"description": "x"})])
    assert contract_store.get("tasks", "a") is None


# --- transactions larger than one DynamoDB transaction (100 items) -----------------------------


def test_a_transaction_of_hundreds_of_writes_is_applied_whole(contract_store: Store) -> None:
    contract_store.transact(
        [Create("tasks", task(f"old{n:03d}", date="2026-01-01", status="todo")) for n in range(120)]
    )
    writes: list[Any] = [Create("bundles", {"id": "b1", "anchorDate": "2026-03-01"})]
    writes += [
        Create("tasks", task(f"new{n:03d}", date="2026-03-01", status="todo", bundleId="b1"))
        for n in range(150)
    ]
    writes += [
        Replace("tasks", task(f"old{n:03d}", date="2026-01-01", status="done"), 1)
        for n in range(60)
    ]
    writes += [Delete("tasks", f"old{n:03d}", 1) for n in range(60, 120)]

    results = contract_store.transact(writes)

    assert [item.version for item in results if item is not None][:2] == [1, 1]
    assert results[-1] is None
    assert len(contract_store.query("tasks", "GSI-Bundle", "b1").items) == 150
    assert ids(contract_store.query("tasks", "GSI-Status", "done").items) == [
        f"old{n:03d}" for n in range(60)
    ]
    assert contract_store.get("tasks", "old070") is None
    replaced = contract_store.get("tasks", "old001")
    assert replaced is not None and replaced.version == 2
    assert contract_store.count("tasks") == 210


def test_a_transaction_of_hundreds_of_writes_with_one_failing_writes_nothing(
    contract_store: Store,
) -> None:
    contract_store.transact(
        [Create("tasks", task(f"old{n:03d}", date="2026-01-01", status="todo")) for n in range(50)]
    )
    contract_store.create("tasks", task("taken"))
    writes: list[Any] = [Create("bundles", {"id": "b1", "anchorDate": "2026-03-01"})]
    writes += [
        Replace("tasks", task(f"old{n:03d}", date="2026-01-01", status="done"), 1)
        for n in range(50)
    ]
    writes += [
        Create("tasks", task(f"new{n:03d}", date="2026-03-01", bundleId="b1")) for n in range(200)
    ]
    writes.append(Create("tasks", task("taken", comment="again")))

    with pytest.raises(AlreadyExists):
        contract_store.transact(writes)

    assert contract_store.get("bundles", "b1") is None
    assert contract_store.get("tasks", "new000") is None
    assert contract_store.query("tasks", "GSI-Bundle", "b1").items == []
    assert contract_store.query("tasks", "GSI-Status", "done").items == []
    assert len(contract_store.query("tasks", "GSI-Status", "todo").items) == 50
    assert contract_store.count("tasks") == 51
    # Nothing is left locked: every record takes a write at its version.
    contract_store.replace("tasks", task("old007", date="2026-01-01", status="done"), 1)
    contract_store.create("bundles", {"id": "b1"})


# --- the all-or-nothing load into empty tables (an optional capability) -------------------------


def load_of(store: Store, tables: list[str]) -> AbstractContextManager[EmptyLoad]:
    if not isinstance(store, BulkLoading):
        pytest.skip("this backend has no all-or-nothing load (imports write batch by batch)")
    return store.load_empty(tables)


def test_a_load_into_empty_tables_writes_every_record_at_version_1(contract_store: Store) -> None:
    with load_of(contract_store, ["tasks", "bundles"]) as load:
        load.put_all("bundles", [{"id": "b1", "anchorDate": "2026-03-01"}])
        load.finish("bundles")
        load.put_all("tasks", [task(f"t{n}", date="2026-01-05", status="todo") for n in range(3)])
        load.put_all("tasks", [task("t3", date="2026-01-04", status="todo", bundleId="b1")])

    assert contract_store.count("tasks") == 4
    assert [item.version for item in contract_store.scan("tasks")] == [1, 1, 1, 1]
    assert contract_store.get("tasks", "t3") == task(
        "t3", date="2026-01-04", status="todo", bundleId="b1"
    )
    assert ids(contract_store.query("tasks", "GSI-Status", "todo").items) == [
        "t3",
        "t0",
        "t1",
        "t2",
    ]
    assert ids(contract_store.query("tasks", "GSI-Bundle", "b1").items) == ["t3"]
    assert ids(contract_store.query("bundles", "GSI-Anchor").items) == ["b1"]


def test_a_load_that_raises_writes_nothing(contract_store: Store) -> None:
    with pytest.raises(RuntimeError), load_of(contract_store, ["tasks"]) as load:
        load.put_all("tasks", [task("t1", date="2026-01-05", status="todo")])
        raise RuntimeError("the validation failed")

    assert contract_store.count("tasks") == 0
    contract_store.create("tasks", task("t2", date="2026-01-05", status="todo"))
    assert ids(contract_store.query("tasks", "GSI-Status", "todo").items) == ["t2"]


def test_a_load_refuses_tables_that_hold_records(contract_store: Store) -> None:
    contract_store.create("bundles", {"id": "b1"})

    with pytest.raises(StoreNotEmpty) as refused, load_of(contract_store, ["tasks", "bundles"]):
        pytest.fail("entered a load into a table with a record")

    assert refused.value.table == "bundles"
    assert contract_store.count("bundles") == 1


def test_a_repeated_id_fails_the_load_and_writes_nothing(contract_store: Store) -> None:
    with pytest.raises(AlreadyExists) as repeated, load_of(contract_store, ["tasks"]) as load:
        load.put_all("tasks", [task("t1"), task("t2")])
        load.put_all("tasks", [task("t3"), task("t2")])

    assert (repeated.value.table, repeated.value.item_id) == ("tasks", "t2")
    assert contract_store.count("tasks") == 0


def test_get_many_returns_only_existing_records(contract_store: Store) -> None:
    for name in ("a", "b", "c"):
        contract_store.create("tasks", task(name))
    found = contract_store.get_many("tasks", ["c", "a", "missing", "a"])
    assert sorted(found) == ["a", "c"]
    assert found["c"] == task("c")


def test_get_many_handles_more_ids_than_one_batch(contract_store: Store) -> None:
    contract_store.transact([Create("tasks", task(f"t{n:04d}")) for n in range(1200)])
    found = contract_store.get_many("tasks", [f"t{n:04d}" for n in range(0, 1200, 1)])
    assert len(found) == 1200


def _seed_dates(store: Store) -> None:
    store.transact(
        [
            Create("tasks", task("t1", date="2026-01-02", status="todo", bundleId="b1")),
            Create("tasks", task("t2", date="2026-01-01", status="done", bundleId="b1")),
            Create("tasks", task("t3", date="2026-01-03", status="todo", bundleId="b2")),
            Create("tasks", task("t4", date="2026-01-01", status="todo", bundleId="b1")),
            Create("tasks", task("t5", description="no date")),
        ]
    )


def ids(items: list[Any]) -> list[str]:
    return [item["id"] for item in items]


def test_query_orders_by_range_key_then_id(contract_store: Store) -> None:
    _seed_dates(contract_store)
    assert ids(contract_store.query("tasks", "GSI-Bundle", "b1").items) == ["t2", "t4", "t1"]
    assert ids(contract_store.query("tasks", "GSI-Bundle", "b1", descending=True).items) == [
        "t1",
        "t4",
        "t2",
    ]


def test_query_is_sparse(contract_store: Store) -> None:
    _seed_dates(contract_store)
    everything = [
        *contract_store.query("tasks", "GSI-Status", "todo").items,
        *contract_store.query("tasks", "GSI-Status", "done").items,
    ]
    assert "t5" not in ids(everything)


def test_query_range_conditions(contract_store: Store) -> None:
    _seed_dates(contract_store)
    todo = "todo"
    between = Range.between("2026-01-02", "2026-01-03")
    assert ids(contract_store.query("tasks", "GSI-Status", todo, range_key=between).items) == [
        "t1",
        "t3",
    ]
    assert ids(
        contract_store.query("tasks", "GSI-Status", todo, range_key=Range(eq="2026-01-01")).items
    ) == ["t4"]
    assert ids(
        contract_store.query("tasks", "GSI-Status", todo, range_key=Range(lte="2026-01-02")).items
    ) == ["t4", "t1"]
    assert ids(
        contract_store.query("tasks", "GSI-Status", todo, range_key=Range(prefix="2026-01")).items
    ) == ["t4", "t1", "t3"]


def test_query_pages_with_limit_and_cursor_without_gaps_or_repeats(contract_store: Store) -> None:
    contract_store.transact(
        [
            Create("tasks", task(f"t{n:03d}", date=f"2026-02-{1 + n % 5:02d}", status="todo"))
            for n in range(47)
        ]
    )
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        page = contract_store.query("tasks", "GSI-Status", "todo", limit=10, cursor=cursor)
        seen += ids(page.items)
        pages += 1
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    everything = ids(contract_store.query("tasks", "GSI-Status", "todo").items)
    assert seen == everything
    assert len(seen) == 47
    assert pages == 5


def test_query_with_a_foreign_cursor_fails(contract_store: Store) -> None:
    with pytest.raises(InvalidCursor):
        contract_store.query("tasks", "GSI-Status", "todo", limit=5, cursor="not-a-cursor")


def test_index_follows_updates_and_removed_attributes(contract_store: Store) -> None:
    contract_store.create("tasks", task("t1", date="2026-01-01", status="todo", bundleId="b1"))
    contract_store.replace("tasks", task("t1", date="2026-01-01", status="done"), 1)
    assert ids(contract_store.query("tasks", "GSI-Status", "done").items) == ["t1"]
    assert contract_store.query("tasks", "GSI-Status", "todo").items == []
    assert contract_store.query("tasks", "GSI-Bundle", "b1").items == []


def test_whole_table_index_orders_every_record(contract_store: Store) -> None:
    contract_store.transact(
        [
            Create("bundles", {"id": "b1", "anchorDate": "2026-03-01"}),
            Create("bundles", {"id": "b2", "anchorDate": "2026-01-01"}),
            Create("bundles", {"id": "b3", "anchorDate": "2026-02-01"}),
        ]
    )
    assert ids(contract_store.query("bundles", "GSI-Anchor").items) == ["b2", "b3", "b1"]


def test_scan_streams_every_record_in_id_order(contract_store: Store) -> None:
    contract_store.transact([Create("tasks", task(f"t{n:05d}")) for n in range(2500, 0, -1)])
    scanned = ids(list(contract_store.scan("tasks")))
    assert scanned == sorted(scanned)
    assert len(scanned) == 2500
    assert contract_store.count("tasks") == 2500


def test_scan_orders_by_code_point(contract_store: Store) -> None:
    for name in ("b", "B", "é", "a", "Z"):
        contract_store.create("tasks", task(name))
    assert ids(list(contract_store.scan("tasks"))) == sorted(["b", "B", "é", "a", "Z"])


def test_documents_round_trip_json_values(contract_store: Store) -> None:
    doc = task(
        "t1",
        nested={"a": [1, 2.5, None, True, {"b": "ü"}]},
        emptyList=[],
        emptyObject={},
        big=2**53,
    )
    contract_store.create("tasks", doc)
    assert contract_store.get("tasks", "t1") == doc


def test_concurrent_conditional_updates_give_one_success_and_one_conflict(
    contract_store: Store,
) -> None:
    contract_store.create("tasks", task("t1"))
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def update(comment: str) -> None:
        barrier.wait()
        try:
            contract_store.replace("tasks", task("t1", comment=comment), expected_version=1)
            outcomes.append("ok")
        except VersionConflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=update, args=(name,)) for name in ("left", "right")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict", "ok"]
    stored = contract_store.get("tasks", "t1")
    assert stored is not None and stored.version == 2


def test_many_threads_creating_at_once_all_succeed(contract_store: Store) -> None:
    errors: list[BaseException] = []

    def create_many(worker: int) -> None:
        try:
            for n in range(50):
                contract_store.create(
                    "tasks", task(f"w{worker}-{n}", status="todo", date="2026-01-01")
                )
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=create_many, args=(worker,)) for worker in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert contract_store.count("tasks") == 400
