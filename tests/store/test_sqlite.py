"""The SQLite backend against the store contract, plus what only a file-backed store has."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from dataops.store.schema import TABLES, Index, Table
from dataops.store.sqlite import SQLiteStore
from tests.store.contract import *  # noqa: F403


@pytest.fixture(params=["memory", "file"])
def contract_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SQLiteStore]:
    path = ":memory:" if request.param == "memory" else str(tmp_path / "store.db")
    store = SQLiteStore(path)
    yield store
    store.close()


def test_file_store_uses_wal_and_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dataops.db"
    store = SQLiteStore(str(path))
    store.create("tasks", {"id": "t1", "date": "2026-01-01", "status": "todo"})
    store.close()
    mode = sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"
    reopened = SQLiteStore(str(path))
    assert reopened.get("tasks", "t1") == {"id": "t1", "date": "2026-01-01", "status": "todo"}
    reopened.close()


def test_a_new_index_is_backfilled_when_an_existing_file_is_opened(tmp_path: Path) -> None:
    path = str(tmp_path / "dataops.db")
    old_tables = {"tasks": Table("tasks", "X", "Tasks", "TASK#")}
    old = SQLiteStore(path, old_tables)
    old.create("tasks", {"id": "t1", "date": "2026-01-01", "status": "todo"})
    old.close()
    new_tables = {
        "tasks": Table("tasks", "X", "Tasks", "TASK#", (Index("GSI-Status", "status", "date"),))
    }
    new = SQLiteStore(path, new_tables)
    assert [item["id"] for item in new.query("tasks", "GSI-Status", "todo").items] == ["t1"]
    new.close()


def test_two_processes_share_one_file(tmp_path: Path) -> None:
    path = str(tmp_path / "dataops.db")
    first, second = SQLiteStore(path), SQLiteStore(path)
    first.create("tasks", {"id": "t1"})
    assert second.get("tasks", "t1") == {"id": "t1"}
    second.replace("tasks", {"id": "t1", "comment": "x"}, 1)
    first_view = first.get("tasks", "t1")
    assert first_view is not None and first_view.version == 2
    first.close()
    second.close()


def test_every_declared_index_is_a_real_sqlite_index(tmp_path: Path) -> None:
    path = tmp_path / "dataops.db"
    SQLiteStore(str(path)).close()
    db = sqlite3.connect(path)
    for table in TABLES.values():
        names = {row[1] for row in db.execute(f'PRAGMA index_list("{table.name}")')}
        for index in table.indexes:
            assert any(name.startswith(f"{table.name}__") for name in names), index.name
        plan = db.execute(
            f'EXPLAIN QUERY PLAN SELECT id FROM "{table.name}" WHERE id = ?', ("x",)
        ).fetchall()
        assert "SCAN" not in " ".join(str(row) for row in plan)


def indexes_of(path: Path, table: str) -> list[str]:
    with sqlite3.connect(path) as db:
        rows = db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
            "AND name NOT LIKE 'sqlite_autoindex%' ORDER BY name",
            (table,),
        ).fetchall()
    return [row[0] for row in rows]


def test_a_bulk_load_builds_the_indexes_again_when_it_ends(tmp_path: Path) -> None:
    path = tmp_path / "dataops.db"
    store = SQLiteStore(str(path))
    indexes = indexes_of(path, "tasks")

    with store.bulk_load("tasks"):
        assert indexes_of(path, "tasks") == []
        assert indexes_of(path, "bundles") != []  # only the loaded table's
    assert indexes_of(path, "tasks") == indexes
    with pytest.raises(RuntimeError), store.bulk_load("tasks"):
        raise RuntimeError("the import failed")
    assert indexes_of(path, "tasks") == indexes
    store.close()


def test_indexes_a_dead_bulk_load_left_out_are_built_on_the_next_open(tmp_path: Path) -> None:
    path = tmp_path / "dataops.db"
    SQLiteStore(str(path)).close()
    indexes = indexes_of(path, "tasks")
    with sqlite3.connect(path) as db:  # what a process killed inside bulk_load leaves
        for name in indexes:
            db.execute(f'DROP INDEX "{name}"')

    SQLiteStore(str(path)).close()

    assert indexes_of(path, "tasks") == indexes
