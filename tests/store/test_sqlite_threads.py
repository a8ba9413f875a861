"""The SQLite store with many threads and processes (issue 22): a connection per thread, so a
reader never waits for a writer; writes in place (on an event loop) never wait either: they
stop before writing anything (WouldWait) and are run again where waiting is allowed."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from dataops.engine.retry import back_off, settle
from dataops.store.base import IN_PLACE, Create, VersionConflict, WouldWait
from dataops.store.sqlite import SQLiteStore

TASK = {"id": "t1", "date": "2026-12-01", "status": "todo"}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteStore]:
    opened = SQLiteStore(str(tmp_path / "store.db"))
    yield opened
    opened.close()


def _other_writer(path: str) -> sqlite3.Connection:
    """Another process's connection, in the middle of a write transaction."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("BEGIN IMMEDIATE")
    db.execute("INSERT INTO tasks (id, version, doc) VALUES ('other', 1, '{\"id\":\"other\"}')")
    return db


def test_a_reader_in_another_thread_never_waits_for_a_writer(store: SQLiteStore) -> None:
    store.create("tasks", TASK)
    with closing(_other_writer(store.path)) as writer:
        found: list[object] = []
        reader = threading.Thread(target=lambda: found.append(store.get("tasks", "t1")))
        reader.start()
        reader.join(timeout=10)
        assert found == [TASK]  # the committed state, at once
        writer.execute("ROLLBACK")


def test_each_thread_has_its_own_connection_closed_when_the_thread_has_ended(
    store: SQLiteStore,
) -> None:
    seen: list[sqlite3.Connection] = []

    def use() -> None:
        store.get("tasks", "t1")
        seen.append(store._conn)

    for _ in range(3):
        thread = threading.Thread(target=use)
        thread.start()
        thread.join()
    assert len({id(db) for db in seen}) == 3
    assert store._conn not in seen  # the opening thread keeps its own
    # The next thread's new connection closes those of the threads that have ended.
    later = threading.Thread(target=use)
    later.start()
    later.join()
    for db in seen[:3]:
        with pytest.raises(sqlite3.ProgrammingError):
            db.execute("SELECT 1")
    seen[3].execute("SELECT 1")  # its thread has ended too, but nothing opened since
    store.close()
    with pytest.raises(sqlite3.ProgrammingError):
        seen[3].execute("SELECT 1")


def test_a_write_in_place_does_not_wait_for_the_lock_and_writes_nothing(
    store: SQLiteStore,
) -> None:
    with closing(_other_writer(store.path)) as writer:
        entered = IN_PLACE.set(True)
        try:
            with pytest.raises(WouldWait):
                store.transact([Create("tasks", TASK)])
        finally:
            IN_PLACE.reset(entered)
        writer.execute("ROLLBACK")
    assert store.get("tasks", "t1") is None
    # The busy timeout is back for everyone else, and the connection is usable.
    assert store._conn.execute("PRAGMA busy_timeout").fetchone()[0] == 30_000
    store.transact([Create("tasks", TASK)])
    assert store.get("tasks", "t1") == TASK


def test_a_write_elsewhere_waits_for_the_lock(store: SQLiteStore) -> None:
    writer = _other_writer(store.path)
    done = threading.Event()

    def create() -> None:
        store.transact([Create("tasks", TASK)])
        done.set()

    thread = threading.Thread(target=create)
    thread.start()
    assert not done.wait(0.3)  # waiting for the other writer, not failing
    writer.execute("COMMIT")
    writer.close()
    thread.join(timeout=30)
    assert done.is_set() and store.count("tasks") == 2


def test_a_lost_race_in_place_is_retried_elsewhere_not_slept_on() -> None:
    attempts: list[int] = []

    def attempt() -> None:
        attempts.append(1)
        raise VersionConflict("tasks", "t1")

    entered = IN_PLACE.set(True)
    try:
        with pytest.raises(WouldWait):
            settle(attempt)
        with pytest.raises(WouldWait):
            back_off(0)
    finally:
        IN_PLACE.reset(entered)
    assert attempts == [1]
    back_off(0)  # elsewhere it pauses, as before
