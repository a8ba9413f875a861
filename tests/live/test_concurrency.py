"""Concurrency against a real engine on one SQLite file: one process, and `dataops engine
--workers 2` (two processes on one port and one file, writes racing across processes)."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
import pytest

from dataops.store.sqlite import SQLiteStore
from tests.support.live import live_server

WORKERS = pytest.mark.parametrize("workers", [None, 2], ids=["one-process", "two-workers"])


@WORKERS
def test_eight_clients_creating_and_updating_at_once_all_succeed(
    tmp_path: Path, workers: int | None
) -> None:
    failures: list[str] = []
    with live_server(tmp_path, workers=workers) as server:

        def work(worker: int) -> None:
            with httpx.Client(base_url=server.url, timeout=30) as http:
                for n in range(100):
                    created = http.post(
                        "/api/tasks",
                        json={"description": f"worker {worker} task {n}", "date": "2026-12-01"},
                    )
                    if created.status_code != 201:
                        failures.append(f"create {created.status_code} {created.text}")
                        continue
                    updated = http.put(
                        f"/api/tasks/{created.json()['id']}", json={"comment": f"update {n}"}
                    )
                    if updated.status_code != 200:
                        failures.append(f"update {updated.status_code} {updated.text}")

        threads = [threading.Thread(target=work, args=(worker,)) for worker in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        listed = httpx.get(f"{server.url}/api/tasks?date=2026-12-01", timeout=30).json()["tasks"]
        log = next(tmp_path.glob("server-*.log")).read_text()

    assert failures == []
    assert len(listed) == 800
    assert all(task["comment"].startswith("update") for task in listed)
    assert "database is locked" not in log
    store = SQLiteStore(str(tmp_path / "dataops.db"))
    assert store.count("tasks") == 800
    store.close()


@WORKERS
def test_racing_updates_of_one_task_lose_nothing(tmp_path: Path, workers: int | None) -> None:
    """Partial updates of different fields from many clients all land."""
    with live_server(tmp_path, workers=workers) as server:
        task = httpx.post(
            f"{server.url}/api/tasks", json={"description": "x", "date": "2026-12-01"}
        ).json()
        tags: list[str] = []

        def tag(n: int) -> None:
            with httpx.Client(base_url=server.url, timeout=30) as http:
                http.put(f"/api/tasks/{task['id']}", json={"instructionStepId": f"step-{n}"})
                tags.append(str(n))

        threads = [threading.Thread(target=tag, args=(n,)) for n in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        final = httpx.get(f"{server.url}/api/tasks/{task['id']}")
    assert len(tags) == 20
    assert final.headers["etag"] == '"21"'
