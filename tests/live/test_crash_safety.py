"""Crash safety under load: `dataops engine --workers 2` on one SQLite file, clients writing
as fast as they can, one worker killed with SIGKILL in the middle of it and an export taken
during the burst. Every acknowledged write must be in the store afterwards, the file must pass
`PRAGMA integrity_check`, the export must validate, and the supervisor must have replaced the
dead worker."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from dataops.prefork import worker_pids
from dataops.store.sqlite import SQLiteStore
from tests.support.live import live_server

CLIENTS = 6


def _wait_for(condition: object, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


def test_a_killed_worker_loses_no_acknowledged_write(tmp_path: Path) -> None:
    acknowledged: list[str] = []
    refused: list[str] = []
    broken = [0]
    stop = threading.Event()
    with live_server(tmp_path, workers=2) as server:
        supervisor = server.process.pid
        _wait_for(lambda: len(worker_pids(supervisor)) == 2)
        first_workers = worker_pids(supervisor)

        def write(client: int) -> None:
            with httpx.Client(base_url=server.url, timeout=60) as http:
                n = 0
                while not stop.is_set():
                    n += 1
                    body = {"description": f"client {client} write {n}", "date": "2026-12-01"}
                    try:
                        answer = http.post("/api/tasks", json=body)
                    except httpx.TransportError:
                        broken[0] += 1  # the connection's worker died: not acknowledged
                        continue
                    if answer.status_code == 201:
                        acknowledged.append(answer.json()["id"])
                    else:
                        refused.append(f"{answer.status_code} {answer.text}")

        threads = [threading.Thread(target=write, args=(n,)) for n in range(CLIENTS)]
        for thread in threads:
            thread.start()
        try:
            _wait_for(lambda: len(acknowledged) >= 150)
            export_dir = tmp_path / "export"
            export = subprocess.Popen(
                [sys.executable, "-m", "dataops", "export", str(export_dir)],
                env=server.env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            )
            os.kill(first_workers[0], signal.SIGKILL)
            before_kill = len(acknowledged)
            exported = export.communicate(timeout=120)[0].decode()
            _wait_for(lambda: len(acknowledged) >= before_kill + 300)
            _wait_for(
                lambda: (
                    len(worker_pids(supervisor)) == 2
                    and first_workers[0] not in worker_pids(supervisor)
                )
            )
            _wait_for(lambda: len(acknowledged) >= before_kill + 400)
        finally:
            stop.set()
            for thread in threads:
                thread.join()
        assert httpx.get(f"{server.url}/api/ready").json() == {"status": "ready"}
    assert export.returncode == 0, exported
    assert refused == []

    database = tmp_path / "dataops.db"
    with sqlite3.connect(database) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    store = SQLiteStore(str(database))
    try:
        found = store.get_many("tasks", acknowledged)
        assert sorted(found) == sorted(set(acknowledged))
        assert len(set(acknowledged)) == len(acknowledged)
    finally:
        store.close()

    validated = subprocess.run(
        [sys.executable, "-m", "dataops", "validate-export", str(export_dir), "--json"],
        env=server.env,
        capture_output=True,
        check=False,
    )
    report = json.loads(validated.stdout)
    assert (validated.returncode, report["valid"], report["errors"]) == (0, True, [])
    assert report["entityCounts"]["tasks"] >= 150
