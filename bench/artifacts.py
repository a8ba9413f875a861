"""Artifact lists and the completion check at 1,000 and 100,000 artifacts.

Fills a SQLite store (a file, as in production-like local use) with artifacts spread over many
tasks and bundles, then measures through the ASGI application:
* `GET /api/artifacts?taskId=X` for random tasks;
* the completion check: `GET /api/tasks/X/proof` and `PUT /api/tasks/X {"status":"done"}` on
  artifact-gated tasks.
Both must stay flat as the store grows (index queries, never scans): the target is the
100,000 case within 1.5x of the 1,000 case.

    python -m bench artifacts [--sizes 1000,100000] [--requests 300]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench import _seed as records
from dataops.api.app import create_app
from dataops.config import Settings
from dataops.engine.context import Engine
from dataops.model.values import format_timestamp
from dataops.store.base import Create
from dataops.store.sqlite import SQLiteStore

ARTIFACTS_PER_TASK = 10
TASKS_PER_BUNDLE = 10
_BATCH = 2000
_STATUSES = ("draft", "needs-review", "rejected", "archived", "approved")


def _fill(store: SQLiteStore, artifact_count: int, rng: random.Random) -> list[str]:
    """Bundles, artifact-gated tasks and their artifacts; returns the task ids."""
    task_count = max(1, artifact_count // ARTIFACTS_PER_TASK)
    base = time.time() - 86_400
    writes: list[Create] = []
    task_ids: list[str] = []

    def stamp(n: int) -> str:
        return format_timestamp(datetime.fromtimestamp(base + n / 1000, UTC))

    def flush() -> None:
        if writes:
            store.transact(writes)
            writes.clear()

    serial = 0
    for task_no in range(task_count):
        bundle_id = f"bundle-{task_no // TASKS_PER_BUNDLE:06d}"
        if task_no % TASKS_PER_BUNDLE == 0:
            serial += 1
            record = records.bundle(task_no // TASKS_PER_BUNDLE, "2026-12-10", stamp(serial))
            writes.append(Create("bundles", record))
        serial += 1
        made = records.task(task_no, bundle_id, "2026-12-10", stamp(serial))
        task_ids.append(made["id"])
        writes.append(Create("tasks", made))
        for n in range(ARTIFACTS_PER_TASK):
            serial += 1
            # One approved artifact per task (the last), the rest in other states.
            status = "approved" if n == ARTIFACTS_PER_TASK - 1 else rng.choice(_STATUSES[:4])
            writes.append(Create("artifacts", records.artifact(task_no, n, status, stamp(serial))))
        if len(writes) >= _BATCH:
            flush()
    flush()
    return task_ids


async def _timed(call: Callable[[], Awaitable[Any]], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


MEASURES = (
    ("list_by_task", "GET /api/artifacts?taskId=X"),
    ("proof", "GET /api/tasks/X/proof"),
    ("complete", 'PUT /api/tasks/X {"status":"done"}'),
)


class Fixture:
    """One filled store and an in-process ASGI client on it (no sockets, no extra threads)."""

    def __init__(self, artifact_count: int, workdir: Path) -> None:
        self.rng = random.Random(artifact_count)
        path = workdir / f"bench-{artifact_count}.db"
        self.store = SQLiteStore(str(path))
        fill_start = time.perf_counter()
        self.task_ids = _fill(self.store, artifact_count, self.rng)
        self.fill_seconds = time.perf_counter() - fill_start
        self.artifact_count = self.store.count("artifacts")
        settings = Settings.from_env(
            {
                "DATAOPS_ENV": "test",
                "DATAOPS_AUTH_MODE": "none",
                "DATAOPS_STORE": f"sqlite:///{path}",
                "DATAOPS_BLOBS": f"local-dev:///{workdir / 'blobs'}",
            }
        )
        app = create_app(Engine(settings=settings, store=self.store))
        self.client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://engine"
        )
        self.open_tasks = self.rng.sample(self.task_ids, len(self.task_ids))
        self.samples: dict[str, list[float]] = {name: [] for name, _ in MEASURES}

    async def list_by_task(self) -> None:
        task_id = self.rng.choice(self.task_ids)
        response = await self.client.get(f"/api/artifacts?taskId={task_id}")
        assert response.status_code == 200
        assert len(response.json()["artifacts"]) == ARTIFACTS_PER_TASK

    async def proof(self) -> None:
        response = await self.client.get(f"/api/tasks/{self.rng.choice(self.task_ids)}/proof")
        assert response.status_code == 200
        assert response.json()["proof"]["complete"] is True

    async def complete(self) -> None:
        task_id = self.open_tasks.pop()
        response = await self.client.put(f"/api/tasks/{task_id}", json={"status": "done"})
        assert response.status_code == 200, response.text

    async def measure(self, requests: int) -> None:
        for name, _ in MEASURES:
            count = min(requests, len(self.open_tasks)) if name == "complete" else requests
            self.samples[name] += await _timed(getattr(self, name), count)

    async def close(self) -> None:
        await self.client.aclose()
        self.store.close()


def _summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "median_ms": statistics.median(ordered),
        "p95_ms": ordered[max(0, int(len(ordered) * 0.95) - 1)],
    }


async def _measure(fixtures: list[Fixture], requests: int, rounds: int) -> None:
    for fixture in fixtures:  # warm caches and code paths
        for _ in range(20):
            await fixture.list_by_task()
            await fixture.proof()
    # Sizes are measured in alternating rounds so that load from other processes on a shared
    # machine falls on all of them alike.
    per_round = max(1, requests // rounds)
    for _ in range(rounds):
        for fixture in fixtures:
            await fixture.measure(per_round)
    for fixture in fixtures:
        await fixture.close()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench artifacts", description=__doc__)
    parser.add_argument("--sizes", default="1000,100000", help="artifact counts to compare")
    parser.add_argument("--requests", type=int, default=1000, help="timed requests per measure")
    parser.add_argument("--rounds", type=int, default=10, help="alternating rounds per size")
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="dataops-bench-") as tmp:
        fixtures = [Fixture(size, Path(tmp)) for size in sizes]
        asyncio.run(_measure(fixtures, args.requests, args.rounds))
    print("| artifacts | tasks | fill (s) | measure | median (ms) | p95 (ms) |")
    print("|---:|---:|---:|---|---:|---:|")
    for fixture in fixtures:
        for name, label in MEASURES:
            row = _summary(fixture.samples[name])
            print(
                f"| {fixture.artifact_count:,} | {len(fixture.task_ids):,} "
                f"| {fixture.fill_seconds:.1f} | `{label}` | {row['median_ms']:.2f} "
                f"| {row['p95_ms']:.2f} |"
            )
    if len(fixtures) >= 2:
        small, large = fixtures[0], fixtures[-1]
        print()
        for name, label in MEASURES:
            ratio = (
                _summary(large.samples[name])["median_ms"]
                / _summary(small.samples[name])["median_ms"]
            )
            verdict = "within" if ratio <= 1.5 else "OVER"
            print(f"{label}: {ratio:.2f}x ({verdict} the 1.5x target)")
    return 0
