"""Home lanes with the demo data and with 10,000 tasks: one request per lane, each under 1 s.

In-process HTTP (the engine's ASGI app, auth mode `none`, the viewer a real user) against a
SQLite file in WAL mode. For each lane it times `GET /api/lanes/<lane>` as the home page asks
for it (`limit=10`, `portal/ui/home.HOME_LIMIT`) and whole, and `GET /api/attention`; it also
counts the store reads each request made (index queries, batched gets), which must not grow
with the tables.

Data: the demo (`dataops setup-local`'s data), then 10,000 more tasks over a year around today
(about a quarter of them with a proof requirement: link, file or artifact), 500 bundles with
2,000 artifacts (a quarter waiting for review), 5 assignees (the viewer among them) and
unassigned work. Usage: `python -m bench home`.
"""

from __future__ import annotations

import random
import statistics
import time
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from starlette.testclient import TestClient

from bench._engine import in_process_engine
from dataops.api.app import create_app
from dataops.bootstrap import serve_app
from dataops.config import Settings
from dataops.engine import demo, users
from dataops.engine.context import Engine
from dataops.portal.ui.home import HOME_LIMIT
from dataops.store.base import Create

BUDGET_SECONDS = 1.0
LANES = ("today", "overdue", "waiting", "blocked")
_BATCH = 500


PORT = 8765
ORIGIN = f"http://127.0.0.1:{PORT}"
PASSWORD = "a benchmark passphrase"


def pages(settings: Settings, label: str, results: list[tuple[str, float, str]]) -> None:
    """The pages as a signed-in operator gets them from `dataops serve` (in this process):
    `/work` (the four lanes, then the workflows part 1 lists) and `/work/review`. Recorded for
    information; the budget applies to the lanes' requests."""
    app = serve_app(settings, "127.0.0.1", PORT)
    with TestClient(
        app, base_url=ORIGIN, headers={"Origin": ORIGIN}, client=("127.0.0.1", 50000)
    ) as browser:
        login = browser.post("/login", json={"email": "operator@example.com", "password": PASSWORD})
        assert login.status_code == 200, login.text
        for path in ("/work", "/work/review"):

            def get(path: str = path) -> Any:
                response = browser.get(path)
                assert response.status_code == 200, response.text
                return response

            seconds, answer = _median_of(3, get)
            kb = len(answer.content) // 1024
            results.append((f"{label}: page {path} (information)", seconds, f"{kb} KB of HTML"))


class ReadCounter:
    """Counts the store reads of the engine (queries, gets, batched gets) between resets."""

    def __init__(self, engine: Engine) -> None:
        self.reads: Counter[str] = Counter()
        store = engine.store
        for name in ("query", "get", "get_many"):
            original = getattr(store, name)
            setattr(store, name, self._counted(name, original))

    def _counted(self, name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            self.reads[name] += 1
            return original(*args, **kwargs)

        return call

    def take(self, per: int = 1) -> str:
        """The reads since the last call, per request when `per` requests were made."""
        found = ", ".join(f"{count // per} {name}" for name, count in sorted(self.reads.items()))
        self.reads.clear()
        return found


def bulk_create(engine: Engine, table: str, records: list[dict[str, Any]]) -> None:
    for start in range(0, len(records), _BATCH):
        engine.store.transact([Create(table, doc) for doc in records[start : start + _BATCH]])


def add_tasks(engine: Engine, viewer: str, count: int) -> None:
    rng = random.Random(16)
    today = date.fromisoformat(engine.today())
    now = engine.now()
    assignees = [viewer, "grace@example.com", "lin@example.com", "sam", "kim", None, None]
    bundles = []
    for number in range(500):
        bundles.append(
            {
                "id": engine.new_id(),
                "title": f"Bench workflow {number}",
                "anchorDate": (today + timedelta(days=rng.randrange(-180, 180))).isoformat(),
                "stage": "preparation",
                "status": "active",
                "createdAt": now,
                "updatedAt": now,
            }
        )
    tasks = []
    for number in range(count):
        day = today + timedelta(days=rng.randrange(-180, 180))
        past = day < today
        status = rng.choice(
            ["done"] * 8 + ["todo", "waiting"] if past else ["todo"] * 6 + ["waiting", "done"]
        )
        task: dict[str, Any] = {
            "id": engine.new_id(),
            "description": f"Bench task {number}",
            "date": day.isoformat(),
            "status": status,
            "source": "manual",
            "createdAt": now,
            "updatedAt": now,
        }
        if rng.random() < 0.8:
            task["bundleId"] = rng.choice(bundles)["id"]
        assignee = rng.choice(assignees)
        if assignee:
            task["assigneeId"] = assignee
        if status == "waiting":
            task["waitingFor"] = "a partner"
            task["followUpAt"] = f"{(day + timedelta(days=3)).isoformat()}T09:00:00.000Z"
        kind = rng.random()
        if kind < 0.1:
            task["proofRequirement"] = {"type": "artifact", "label": "approved output"}
        elif kind < 0.17:
            task["requiresFile"] = True
        elif kind < 0.25:
            task["proofRequirement"] = {"type": "url", "label": "published page"}
        tasks.append(task)
    artifacts = []
    for number in range(2_000):
        owner = rng.choice(tasks)
        artifacts.append(
            {
                "id": engine.new_id(),
                "type": rng.choice(["report", "podcast-doc", "event-page", "transcript"]),
                "title": f"Bench artifact {number}",
                "status": rng.choice(["approved", "approved", "needs-review", "draft"]),
                "storageUri": f"https://example.org/outputs/{number}",
                "storageProvider": "external-url",
                "dataClass": "internal",
                "visibility": "internal",
                "sourceType": "manual-link",
                "taskId": owner["id"],
                **({"bundleId": owner["bundleId"]} if "bundleId" in owner else {}),
                "createdAt": now,
                "updatedAt": now,
            }
        )
    bulk_create(engine, "bundles", bundles)
    bulk_create(engine, "tasks", tasks)
    bulk_create(engine, "artifacts", artifacts)


def _median_of(runs: int, request: Callable[[], Any]) -> tuple[float, Any]:
    times, answer = [], None
    for _ in range(runs):
        started = time.perf_counter()
        answer = request()
        times.append(time.perf_counter() - started)
    return statistics.median(times), answer


def measure(
    client: TestClient, counter: ReadCounter, label: str, results: list[tuple[str, float, str]]
) -> None:
    """Each lane request three times (the median is recorded; reads are per request)."""
    for lane in LANES:
        home = f"?limit={HOME_LIMIT}"
        for query, shown in ((home, f"home (limit={HOME_LIMIT})"), ("", "whole")):

            def read(path: str = f"/api/lanes/{lane}{query}") -> Any:
                response = client.get(path)
                assert response.status_code == 200, response.text
                return response.json()["lane"]

            counter.take()
            seconds, body = _median_of(3, read)
            detail = (
                f"{len(body['items'])} of {body['counts']['total']} tasks "
                f"({body['counts']['mine']} mine); reads: {counter.take(per=3)}"
            )
            results.append((f"{label}: {lane}, {shown}", seconds, detail))

    def attention() -> Any:
        response = client.get("/api/attention")
        assert response.status_code == 200, response.text
        return response.json()["attention"]

    for step in ("first read, creates due follow-ups", "again"):
        seconds, found = _median_of(1, attention)
        detail = f"{found['reviewQueue']} to review, {found['notifications']} unread"
        results.append(
            (f"{label}: attention, {step}", seconds, f"{detail}; reads: {counter.take()}")
        )


def main(args: list[str]) -> int:
    results: list[tuple[str, float, str]] = []
    with in_process_engine() as (engine, settings):
        viewer = users.add_user(
            engine, email="operator@example.com", name="Operator", password=PASSWORD
        )["id"]
        demo.load_demo(engine)
        client = TestClient(
            create_app(engine), raise_server_exceptions=True, headers={"x-user-id": viewer}
        )
        counter = ReadCounter(engine)
        measure(client, counter, "demo data", results)
        pages(settings, "demo data", results)
        add_tasks(engine, viewer, 10_000)
        measure(client, counter, "10,000 tasks", results)
        pages(settings, "10,000 tasks", results)
    width = max(len(label) for label, _, _ in results)
    failed = False
    for label, seconds, detail in results:
        verdict = "ok" if seconds < BUDGET_SECONDS else "OVER BUDGET"
        if "(information)" in label:
            verdict = ""
        else:
            failed |= seconds >= BUDGET_SECONDS
        print(f"{label:<{width}}  {seconds:6.3f} s  {verdict:<11}  {detail}")
    return 1 if failed else 0
