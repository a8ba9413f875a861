"""The SQLite backend against the store contract, plus what only a file-backed store has."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from dataops.store.base import AlreadyExists, StoreError
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
    with closing(sqlite3.connect(path)) as db:
        rows = db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
            "AND name NOT LIKE 'sqlite_autoindex%' ORDER BY name",
            (table,),
        ).fetchall()
    return [row[0] for row in rows]


def test_indexes_missing_from_a_file_are_built_on_the_next_open(tmp_path: Path) -> None:
    path = tmp_path / "dataops.db"
    SQLiteStore(str(path)).close()
    indexes = indexes_of(path, "tasks")
    with sqlite3.connect(path) as db:
        for name in indexes:
            db.execute(f'DROP INDEX "{name}"')

    SQLiteStore(str(path)).close()

    assert indexes_of(path, "tasks") == indexes


# --- the all-or-nothing load into empty tables ------------------------------------------------


def journal_mode(path: Path) -> str:
    with closing(sqlite3.connect(path)) as db:
        return str(db.execute("PRAGMA journal_mode").fetchone()[0])


def doc(n: int) -> dict[str, Any]:
    """A task of about 1 KB, so that a few thousand overflow SQLite's page cache."""
    return {
        "id": f"task-{n:06d}",
        "description": "x" * 900,
        "date": "2026-12-05",
        "status": "todo",
        "bundleId": f"bundle-{n % 7}",
    }


def test_a_load_with_the_file_to_itself_uses_a_rollback_journal_and_ends_in_wal(
    tmp_path: Path,
) -> None:
    path = tmp_path / "dataops.db"
    store = SQLiteStore(str(path))
    indexes = indexes_of(path, "tasks")

    with store.load_empty(["tasks"]) as load:
        assert store._db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        load.put_all("tasks", [doc(n) for n in range(3)])
    store.close()

    assert journal_mode(path) == "wal"
    assert indexes_of(path, "tasks") == indexes
    reopened = SQLiteStore(str(path))
    assert [item["id"] for item in reopened.query("tasks", "GSI-Bundle", "bundle-1").items] == [
        "task-000001"
    ]
    reopened.close()


def test_a_load_beside_another_connection_keeps_the_log_and_shows_nothing_before_its_end(
    tmp_path: Path,
) -> None:
    path = tmp_path / "dataops.db"
    store = SQLiteStore(str(path))
    server = SQLiteStore(str(path))  # a server with the same file open

    with store.load_empty(["tasks"]) as load:
        load.put_all("tasks", [doc(n) for n in range(3000)])  # more than the page cache
        assert store._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert server.count("tasks") == 0
        assert server.query("tasks", "GSI-Bundle", "bundle-1").items == []

    assert server.count("tasks") == 3000
    assert len(server.query("tasks", "GSI-Bundle", "bundle-1").items) == 429
    server.close()
    store.close()


def test_a_load_whose_failed_write_was_caught_still_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "dataops.db"
    store = SQLiteStore(str(path))
    indexes = indexes_of(path, "tasks")

    with pytest.raises(StoreError) as failed, store.load_empty(["tasks"]) as load:
        load.put_all("tasks", [doc(1)])
        with pytest.raises(AlreadyExists):
            load.put_all("tasks", [doc(2), doc(1)])
        load.put_all("tasks", [doc(3)])

    assert str(failed.value) == "a write of the load failed: nothing was loaded"
    assert store.count("tasks") == 0
    assert indexes_of(path, "tasks") == indexes
    store.close()


# Loads thousands of tasks in one load and dies (SIGKILL) before its end; with `beside`, another
# connection has the file open, so the load runs in the write-ahead log.
_DYING_LOAD = textwrap.dedent(
    """
    import os, signal, sqlite3, sys
    from dataops.store.sqlite import SQLiteStore
    from tests.store.test_sqlite import doc

    path, beside = sys.argv[1], sys.argv[2] == "beside"
    if beside:
        other = sqlite3.connect(path)
        other.execute("SELECT COUNT(*) FROM users").fetchone()
    store = SQLiteStore(path)
    with store.load_empty(["tasks", "bundles"]) as load:
        load.put_all("bundles", [{"id": "bundle-1"}])
        load.finish("bundles")
        for start in range(0, 5000, 500):
            load.put_all("tasks", [doc(n) for n in range(start, start + 500)])
        os.kill(os.getpid(), signal.SIGKILL)
    """
)


@pytest.mark.parametrize("beside", ["alone", "beside"])
def test_a_process_killed_inside_a_load_leaves_the_store_as_it_was(
    beside: str, tmp_path: Path
) -> None:
    path = tmp_path / "dataops.db"
    store = SQLiteStore(str(path))
    store.create("users", {"id": "user-1", "email": "ada@example.com"})
    store.close()
    indexes = indexes_of(path, "tasks")

    killed = subprocess.run(
        [sys.executable, "-c", _DYING_LOAD, str(path), beside],
        cwd=Path(__file__).parents[2],
        capture_output=True,
        check=False,
    )

    assert killed.returncode == -signal.SIGKILL, killed.stderr.decode()
    # What the load left: a hot rollback journal (the new pages went into the file), or
    # uncommitted pages in the log.
    if beside == "alone":
        assert Path(f"{path}-journal").is_file()
        assert path.stat().st_size > 4_000_000
    else:
        assert Path(f"{path}-wal").stat().st_size > 4_000_000
    reopened = SQLiteStore(str(path))
    assert (reopened.count("tasks"), reopened.count("bundles")) == (0, 0)
    assert reopened.get("users", "user-1") == {"id": "user-1", "email": "ada@example.com"}
    assert reopened._db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    reopened.close()
    assert indexes_of(path, "tasks") == indexes
    assert journal_mode(path) == "wal"
