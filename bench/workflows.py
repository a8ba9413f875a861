"""Recurring generation and cron runner through the ASGI app: each request under 2 s.

In-process HTTP against a SQLite file in WAL mode:

* recurring generation: 90 days for 50 configs next to 10,000 existing tasks, first run (creates)
  and second run (everything already generated);
* cron run: 200 automatic templates next to 5,000 bundles (and their 25,000 tasks), first run
  (creates 200 bundles and the due notifications) and second run (nothing new).

Each timed request must finish under 2 s. Usage: `python -m bench workflows`.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

from starlette.testclient import TestClient

from bench._engine import in_process_engine
from dataops.api.app import create_app
from dataops.engine.context import Engine
from dataops.store.base import Create

BUDGET_SECONDS = 2.0
_BATCH = 500


@contextmanager
def bench_engine() -> Iterator[tuple[Engine, TestClient]]:
    with in_process_engine() as (engine, _):
        yield engine, TestClient(create_app(engine), raise_server_exceptions=True)


def bulk_create(engine: Engine, table: str, records: list[dict[str, Any]]) -> None:
    for start in range(0, len(records), _BATCH):
        engine.store.transact([Create(table, doc) for doc in records[start : start + _BATCH]])


def timed(label: str, call: Callable[[], Any], results: list[tuple[str, float, str]]) -> Any:
    started = time.perf_counter()
    outcome = call()
    seconds = time.perf_counter() - started
    results.append((label, seconds, describe(outcome)))
    return outcome


def describe(outcome: Any) -> str:
    if isinstance(outcome, dict) and "generated" in outcome:
        return f"generated {len(outcome['generated'])}, skipped {outcome['skipped']}"
    if isinstance(outcome, dict) and "created" in outcome:
        return (
            f"created {len(outcome['created'])} bundles, skipped {outcome['skipped']}, "
            f"{outcome['notifications']} notifications"
        )
    return ""


def _task(engine: Engine, rng: random.Random, day: date, **fields: Any) -> dict[str, Any]:
    now = engine.now()
    status = fields.pop("status", rng.choice(["todo", "done", "done", "waiting"]))
    task = {
        "id": engine.new_id(),
        "description": f"Existing task {rng.randrange(1_000_000)}",
        "date": day.isoformat(),
        "status": status,
        "source": "manual",
        "createdAt": now,
        "updatedAt": now,
        **fields,
    }
    if status == "waiting":
        task["waitingFor"] = "a partner"
        task["followUpAt"] = (day + timedelta(days=3)).isoformat()
    return task


def recurring_generation(results: list[tuple[str, float, str]]) -> None:
    rng = random.Random(4)
    with bench_engine() as (engine, client):
        start = date.fromisoformat(engine.today())
        existing = [
            _task(engine, rng, start + timedelta(days=rng.randrange(-180, 180)))
            for _ in range(10_000)
        ]
        bulk_create(engine, "tasks", existing)
        schedules = ["0 9 * * *"] * 10 + ["0 9 * * MON-FRI"] * 10 + ["0 9 * * 1"] * 20
        schedules += ["0 9 1,15 * *"] * 10
        for number, schedule in enumerate(schedules):
            body = {"description": f"Routine {number}", "cronExpression": schedule}
            assert client.post("/api/recurring", json=body).status_code == 201
        window = {
            "startDate": start.isoformat(),
            "endDate": (start + timedelta(days=90)).isoformat(),
        }

        def generate() -> Any:
            response = client.post("/api/recurring/generate", json=window)
            assert response.status_code == 200, response.text
            return response.json()

        timed("recurring generate, 50 configs x 91 days, first run", generate, results)
        timed("recurring generate, same window again (all skipped)", generate, results)


def cron_run(results: list[tuple[str, float, str]]) -> None:
    rng = random.Random(5)
    with bench_engine() as (engine, client):
        today = date.fromisoformat(engine.today())
        template_ids = []
        for number in range(200):
            body = {
                "name": f"Workflow {number:03d}",
                "type": "event",
                "tags": ["bench"],
                "bundleLinkDefinitions": [{"name": "Event page"}],
                "triggerType": "automatic",
                "triggerSchedule": "0 6 * * *",
                "triggerLeadDays": 21,
                "taskDefinitions": [
                    {"refId": "prep", "description": "Prepare", "offsetDays": -14},
                    {
                        "refId": "page",
                        "description": "Publish the page",
                        "offsetDays": -7,
                        "proofRequirement": {"type": "url"},
                    },
                    {"refId": "run", "description": "Run it", "offsetDays": 0},
                    {
                        "refId": "invoice",
                        "description": "File the invoice",
                        "offsetDays": 3,
                        "requiresFile": True,
                    },
                    {"refId": "recap", "description": "Write the recap", "offsetDays": 7},
                ],
            }
            response = client.post("/api/templates", json=body)
            assert response.status_code == 201, response.text
            template_ids.append(response.json()["template"]["id"])
        bundles, tasks = [], []
        for number in range(5_000):
            anchor = today + timedelta(days=rng.randrange(-365, 60))
            now = engine.now()
            bundle = {
                "id": engine.new_id(),
                "title": f"Bundle {number}",
                "anchorDate": anchor.isoformat(),
                "templateId": template_ids[number % 200],
                "stage": "preparation",
                "status": "active",
                "createdAt": now,
                "updatedAt": now,
            }
            bundles.append(bundle)
            for offset in (-14, -7, 0, 3, 7):
                day = anchor + timedelta(days=offset)
                # Most past work is done; some is still open (overdue), as in real life.
                status = "done" if day < today and rng.random() < 0.9 else "todo"
                fields: dict[str, Any] = {"bundleId": bundle["id"], "status": status}
                if offset == -7:
                    fields["proofRequirement"] = {"type": "url"}
                tasks.append(_task(engine, rng, day, source="template", **fields))
        bulk_create(engine, "bundles", bundles)
        bulk_create(engine, "tasks", tasks)

        def run() -> Any:
            before = engine.store.count("notifications")
            response = client.post("/api/cron/run")
            assert response.status_code == 200, response.text
            outcome = response.json()
            outcome["notifications"] = engine.store.count("notifications") - before
            return outcome

        timed("cron run, 200 templates, 5,000 bundles, first run", run, results)
        timed("cron run again (nothing new)", run, results)


def main(args: list[str]) -> int:
    results: list[tuple[str, float, str]] = []
    recurring_generation(results)
    cron_run(results)
    width = max(len(label) for label, _, _ in results)
    failed = False
    for label, seconds, detail in results:
        verdict = "ok" if seconds < BUDGET_SECONDS else "OVER BUDGET"
        failed |= seconds >= BUDGET_SECONDS
        print(f"{label:<{width}}  {seconds:6.3f} s  {verdict:<11}  {detail}")
    return 1 if failed else 0
