"""Requests that the engine runs in place on its event loop (SQLite: reads, and writes that
touch only the metadata store) give the same answers as on a thread, and a write that would
have to wait (another process holds the write lock) waits on a thread instead: it is never
refused, never half-written, and the event loop keeps answering meanwhile."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from dataops.api.app import create_app
from dataops.api.http import read, reads_in_place, write
from dataops.engine.context import Engine
from dataops.store.base import IN_PLACE, WouldWait
from tests.conftest import make_engine, make_settings


@pytest.fixture
def file_engine(tmp_path: Path) -> Iterator[Engine]:
    settings = make_settings(tmp_path, DATAOPS_STORE=f"sqlite:///{tmp_path / 'dataops.db'}")
    engine = make_engine(settings)
    yield engine
    engine.store.close()


def test_sqlite_answers_reads_in_place(file_engine: Engine) -> None:
    assert reads_in_place(file_engine)


def test_a_write_that_would_wait_waits_off_the_event_loop(
    file_engine: Engine, tmp_path: Path
) -> None:
    with TestClient(create_app(file_engine)) as client:
        task = client.post("/api/tasks", json={"description": "x", "date": "2026-12-01"}).json()
        other = sqlite3.connect(tmp_path / "dataops.db", isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # another process's write in progress
        answers: list[httpx.Response] = []
        updating = threading.Thread(
            target=lambda: answers.append(
                client.put(f"/api/tasks/{task['id']}", json={"comment": "after the lock"})
            )
        )
        updating.start()
        updating.join(timeout=0.5)
        assert updating.is_alive()  # waiting for the lock, not refused
        # Meanwhile the same server reads and answers health at once.
        assert client.get(f"/api/tasks/{task['id']}").json().get("comment") is None
        assert client.get("/api/health").status_code == 200
        other.execute("COMMIT")
        other.close()
        updating.join(timeout=30)
        assert [answer.status_code for answer in answers] == [200]
        assert answers[0].json()["comment"] == "after the lock"
        assert answers[0].headers["etag"] == '"2"'
        assert client.get(f"/api/tasks/{task['id']}").json()["comment"] == "after the lock"


def test_racing_writes_in_place_all_land(file_engine: Engine) -> None:
    with TestClient(create_app(file_engine)) as client:
        task = client.post("/api/tasks", json={"description": "x", "date": "2026-12-01"}).json()
        failures: list[str] = []

        def step(n: int) -> None:
            answer = client.put(f"/api/tasks/{task['id']}", json={"instructionStepId": f"s{n}"})
            if answer.status_code != 200:
                failures.append(answer.text)

        threads = [threading.Thread(target=step, args=(n,)) for n in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert failures == []
        assert client.get(f"/api/tasks/{task['id']}").headers["etag"] == '"21"'


@pytest.mark.parametrize("helper", [read, write])
def test_a_use_case_that_would_wait_runs_again_on_a_thread(
    file_engine: Engine, helper: Callable[..., Awaitable[Any]]
) -> None:
    runs: list[tuple[bool, bool]] = []  # (in place, on the event loop's thread)

    def use_case(engine: Engine, value: int) -> int:
        on_loop = threading.current_thread() is loop_thread
        runs.append((IN_PLACE.get(), on_loop))
        if IN_PLACE.get():
            raise WouldWait("the lock is taken")
        return value * 2

    async def main() -> int:
        return await helper(use_case, file_engine, 21)

    loop_thread = threading.current_thread()
    assert asyncio.run(main()) == 42
    assert runs == [(True, True), (False, False)]
