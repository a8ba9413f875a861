"""Throughput and latency under concurrent load, and their share of the stack's ceiling.

Starts real server processes (`dataops engine`, and `dataops serve` for the path through the
portal's broker) on a SQLite file store seeded through the store's bulk load (never HTTP), then
drives them from this process with keep-alive connections (httpx.AsyncClient, one connection
per simulated client, closed loop: each client sends its next request when the last answered).
Every measurement is bounded in time and in requests. In the same run and on the same server,
`/api/health` (through the portal: `/work/api/health`, with the same session) is measured at
the same concurrency: the ratio of a workload's throughput to that ceiling is the figure that
survives a shared, noisy machine.

Workloads (weights):
* mixed: 45% artifact lists by task, 20% task lists by date, 15% artifact registrations,
  10% task updates, 10% proof checks;
* read-only: 50% artifact lists by task, 25% task lists by date, 25% proof checks;
* write-heavy: 50% artifact registrations, 30% task updates, 10% artifact lists by task,
  10% proof checks.

    python -m bench load [--sizes 0,10000,100000] [--concurrency 1,8,32]
                         [--workloads mixed,read-only,write-heavy] [--targets engine,portal]
                         [--seconds 5] [--max-requests 50000] [--workers N] [--json FILE]
    python -m bench load --quick        # a second or so per target: keeps the code honest

Size 0 is a fresh store: the 100 tasks the workload needs, no artifacts. Otherwise a size is
the number of artifacts: ten per task, ten tasks per bundle, fifty tasks per date (so a day's
list is as long at every size), each task gated on an approved artifact.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from bench import _seed as records
from bench._engine import EngineProcess, running_engine, running_product
from dataops.config import Settings
from dataops.engine import users as user_cases
from dataops.engine.context import Engine
from dataops.model.users import Role
from dataops.model.values import format_timestamp
from dataops.prefork import worker_pids
from dataops.store.sqlite import SQLiteStore

ARTIFACTS_PER_TASK = 10
TASKS_PER_BUNDLE = 10
TASKS_PER_DATE = 50
FRESH_TASKS = 100
FIRST_DATE = date(2026, 12, 1)
_STATUSES = ("draft", "needs-review", "rejected", "archived")
_BATCH = 5000
_TICKS = os.sysconf("SC_CLK_TCK")
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
EMAIL = "load@example.com"
PASSWORD = "load-bench-password"

WORKLOADS: dict[str, dict[str, int]] = {
    "mixed": {"list_artifacts": 45, "list_tasks": 20, "register": 15, "update": 10, "proof": 10},
    "read-only": {"list_artifacts": 50, "list_tasks": 25, "proof": 25},
    "write-heavy": {"register": 50, "update": 30, "list_artifacts": 10, "proof": 10},
}
ROUTES = {
    "list_artifacts": "GET /api/artifacts?taskId=X",
    "list_tasks": "GET /api/tasks?date=D",
    "register": "POST /api/artifacts",
    "update": "PUT /api/tasks/X",
    "proof": "GET /api/tasks/X/proof",
    "health": "GET /api/health",
}
EXPECTED = {"register": 201}


# --- the store -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seeded:
    task_ids: list[str]
    dates: list[str]
    artifacts: int
    seconds: float


def seed(path: Path, artifacts: int, rng: random.Random) -> Seeded:
    """Bundles, artifact-gated tasks and their artifacts, in one bulk load of the empty store;
    and the user the portal's session belongs to."""
    started = time.perf_counter()
    task_count = max(FRESH_TASKS, artifacts // ARTIFACTS_PER_TASK)
    per_task = ARTIFACTS_PER_TASK if artifacts else 0
    base = datetime.now(UTC) - timedelta(days=1)
    serial = 0

    def stamp() -> str:
        nonlocal serial
        serial += 1
        return format_timestamp(base + timedelta(milliseconds=serial))

    bundles: list[dict[str, Any]] = []
    tasks: list[dict[str, Any]] = []
    made: list[dict[str, Any]] = []
    task_ids: list[str] = []
    dates: list[str] = []
    store = SQLiteStore(str(path))
    try:
        with store.load_empty(["bundles", "tasks", "artifacts"]) as load:
            for task_no in range(task_count):
                bundle_id = f"bundle-{task_no // TASKS_PER_BUNDLE:06d}"
                day = (FIRST_DATE + timedelta(days=task_no // TASKS_PER_DATE)).isoformat()
                if task_no % TASKS_PER_DATE == 0:
                    dates.append(day)
                if task_no % TASKS_PER_BUNDLE == 0:
                    bundles.append(records.bundle(task_no // TASKS_PER_BUNDLE, day, stamp()))
                tasks.append(records.task(task_no, bundle_id, day, stamp()))
                task_ids.append(tasks[-1]["id"])
                for n in range(per_task):
                    status = "approved" if n == per_task - 1 else rng.choice(_STATUSES)
                    made.append(records.artifact(task_no, n, status, stamp()))
                for table, rows in (("bundles", bundles), ("tasks", tasks), ("artifacts", made)):
                    if len(rows) >= _BATCH:
                        load.put_all(table, rows)
                        rows.clear()
            for table, rows in (("bundles", bundles), ("tasks", tasks), ("artifacts", made)):
                if rows:
                    load.put_all(table, rows)
        settings = Settings.from_env(
            {
                "DATAOPS_ENV": "test",
                "DATAOPS_AUTH_MODE": "none",
                "DATAOPS_STORE": f"sqlite:///{path}",
            }
        )
        engine = Engine(settings=settings, store=store)
        user_cases.add_user(engine, email=EMAIL, name="Load", password=PASSWORD, role=Role.LEAD)
        engine.hasher.close()
        count = store.count("artifacts")
    finally:
        store.close()
    return Seeded(task_ids, dates, count, time.perf_counter() - started)


# --- the load --------------------------------------------------------------------------------


@dataclass
class Target:
    """A server under load: where its API is, and how a client authenticates there."""

    name: str
    base_url: str
    api: str  # "/api" or "/work/api"
    headers: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)
    pid: int = 0  # the server command's process (with its workers, if any)

    def cpu_seconds(self) -> float:
        """CPU time the server's processes have used so far (user + system)."""
        total = 0.0
        for pid in [self.pid, *worker_pids(self.pid)]:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / _TICKS
        return total


@dataclass
class Samples:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    error_examples: list[str] = field(default_factory=list)
    seconds: float = 0.0
    server_cpu: float = 0.0
    client_cpu: float = 0.0

    @property
    def requests(self) -> int:
        return sum(len(values) for values in self.latencies.values()) + sum(self.errors.values())


class Clients:
    """The simulated clients' requests against one target and seeded store."""

    def __init__(self, target: Target, seeded: Seeded, rng: random.Random) -> None:
        self.target = target
        self.seeded = seeded
        self.rng = rng
        self.serial = 0

    def request(self, op: str) -> tuple[str, str, Any]:
        api = self.target.api
        task = self.rng.choice(self.seeded.task_ids)
        if op == "list_artifacts":
            return "GET", f"{api}/artifacts?taskId={task}", None
        if op == "list_tasks":
            return "GET", f"{api}/tasks?date={self.rng.choice(self.seeded.dates)}", None
        if op == "proof":
            return "GET", f"{api}/tasks/{task}/proof", None
        if op == "update":
            self.serial += 1
            return "PUT", f"{api}/tasks/{task}", {"comment": f"load {self.serial}"}
        if op == "register":
            self.serial += 1
            body = {
                "type": "event-page",
                "title": f"Load output {self.serial}",
                "storageUri": f"https://lu.ma/load-{self.serial}",
                "taskId": task,
            }
            return "POST", f"{api}/artifacts", body
        if op == "health":
            return "GET", f"{api}/health", None
        raise ValueError(op)


def _check_loopback(url: str) -> None:
    host = urlsplit(url).hostname or ""
    if host not in LOOPBACK:
        raise SystemExit(f"bench load drives loopback servers only, not {host!r}")


class RawConnection:
    """One kept-alive HTTP/1.1 connection that does no more than a load generator must: write
    the request, read the status line, the headers and exactly the body they announce
    (`Content-Length` or chunked). About a tenth of httpx's CPU per request, so the server,
    not the generator, is what gets measured on a machine whose cores they share."""

    def __init__(self, target: Target) -> None:
        parts = urlsplit(target.base_url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        fixed = [f"Host: {parts.netloc}", "Accept: application/json"]
        fixed += [f"{name}: {value}" for name, value in target.headers.items()]
        if target.cookies:
            fixed.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in target.cookies.items()))
        self.fixed = ("\r\n".join(fixed) + "\r\n").encode("latin-1")
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, url: str, body: Any) -> tuple[int, str]:
        if self.writer is None or self.reader is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        reader, writer = self.reader, self.writer
        head = f"{method} {url} HTTP/1.1\r\n".encode("latin-1") + self.fixed
        payload = b""
        if body is not None:
            payload = json.dumps(body).encode()
            head += b"Content-Type: application/json\r\nContent-Length: %d\r\n" % len(payload)
        try:
            writer.write(head + b"\r\n" + payload)
            header = await reader.readuntil(b"\r\n\r\n")
            status = int(header[9:12])
            lines = header.lower().split(b"\r\n")
            length = next((int(line[15:]) for line in lines if line[:15] == b"content-length:"), -1)
            if length >= 0:
                content = await reader.readexactly(length)
            elif any(
                line.startswith(b"transfer-encoding:") and b"chunked" in line for line in lines
            ):
                content = await _chunked(reader)
            else:
                content = await reader.read()
                await self.close()
            if b"connection: close" in lines:
                await self.close()
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            await self.close()
            raise
        return status, content[:200].decode("utf-8", "replace")

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None


async def _chunked(reader: asyncio.StreamReader) -> bytes:
    chunks = []
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        if size == 0:
            await reader.readuntil(b"\r\n")
            return b"".join(chunks)
        chunks.append(await reader.readexactly(size))
        await reader.readexactly(2)


class HttpxConnection:
    """The same through httpx.AsyncClient (`--client httpx`), to cross-check the lean one."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def request(self, method: str, url: str, body: Any) -> tuple[int, str]:
        try:
            response = await self.http.request(method, url, json=body)
        except httpx.HTTPError as exc:
            raise OSError(repr(exc)) from exc
        return response.status_code, response.text[:200]

    async def close(self) -> None:
        return None


async def run_load(
    target: Target,
    seeded: Seeded,
    mix: Mapping[str, int],
    concurrency: int,
    *,
    seconds: float,
    max_requests: int,
    seed_value: int = 0,
    client: str = "raw",
) -> Samples:
    """`concurrency` clients in a closed loop for at most `seconds` and `max_requests`, each on
    its own kept-alive connection."""
    _check_loopback(target.base_url)
    ops = list(mix)
    weights = [mix[op] for op in ops]
    budget = [max_requests]
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=target.base_url,
        headers=target.headers,
        cookies=target.cookies,
        limits=limits,
        timeout=60,
    ) as http:
        connections: list[RawConnection | HttpxConnection] = [
            RawConnection(target) if client == "raw" else HttpxConnection(http)
            for _ in range(concurrency)
        ]

        async def simulate(number: int, deadline: float, samples: Samples) -> None:
            rng = random.Random(seed_value * 1000 + number)
            requests = Clients(target, seeded, rng)
            connection = connections[number]
            while budget[0] > 0 and time.perf_counter() < deadline:
                budget[0] -= 1
                op = rng.choices(ops, weights)[0]
                method, url, body = requests.request(op)
                started = time.perf_counter()
                try:
                    status, text = await connection.request(method, url, body)
                except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                    status, text = 0, repr(exc)
                elapsed = time.perf_counter() - started
                if status == EXPECTED.get(op, 200):
                    samples.latencies[op].append(elapsed)
                else:
                    samples.errors[op] += 1
                    if len(samples.error_examples) < 5:
                        samples.error_examples.append(f"{method} {url}: {status} {text}")

        try:
            # A short warm-up on the same connections, not counted.
            warm = Samples(latencies={op: [] for op in ops}, errors={op: 0 for op in ops})
            budget[0] = min(max_requests, 20 * concurrency)
            end = time.perf_counter() + min(0.5, seconds)
            await asyncio.gather(*(simulate(n, end, warm) for n in range(concurrency)))
            samples = Samples(latencies={op: [] for op in ops}, errors={op: 0 for op in ops})
            budget[0] = max_requests
            cpu = target.cpu_seconds()
            client_cpu = time.process_time()
            start = time.perf_counter()
            end = start + seconds
            await asyncio.gather(*(simulate(n, end, samples) for n in range(concurrency)))
            samples.seconds = time.perf_counter() - start
            samples.server_cpu = target.cpu_seconds() - cpu
            samples.client_cpu = time.process_time() - client_cpu
        finally:
            for connection in connections:
                await connection.close()
    return samples


def _run(coroutine: Coroutine[Any, Any, Samples]) -> Samples:
    """Run on uvloop where it is installed (the generator's own loop costs less CPU)."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)


def percentile(ordered: Sequence[float], share: float) -> float:
    """The nearest-rank percentile of sorted values (0.0 for none)."""
    if not ordered:
        return 0.0
    rank = max(1, round(share * len(ordered) + 0.5 - 1e-9))
    return ordered[min(len(ordered), rank) - 1]


@dataclass
class Row:
    target: str
    size: int
    workload: str
    concurrency: int
    requests: int
    errors: int
    seconds: float
    throughput: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    # The server's CPU time per request (all its processes): robust on a busy machine.
    cpu_ms: float = 0.0
    # The load generator's own CPU time per request (this process).
    client_cpu_ms: float = 0.0
    health_throughput: float = 0.0
    ratio: float = 0.0
    routes: dict[str, dict[str, float]] = field(default_factory=dict)
    error_examples: list[str] = field(default_factory=list)


def summarize(target: str, size: int, workload: str, concurrency: int, samples: Samples) -> Row:
    everything = sorted(value for values in samples.latencies.values() for value in values)
    errors = sum(samples.errors.values())
    routes = {
        op: {
            "requests": float(len(values)),
            "p50_ms": percentile(sorted(values), 0.50) * 1000,
            "p99_ms": percentile(sorted(values), 0.99) * 1000,
            "errors": float(samples.errors[op]),
        }
        for op, values in samples.latencies.items()
    }
    return Row(
        target=target,
        size=size,
        workload=workload,
        concurrency=concurrency,
        requests=samples.requests,
        errors=errors,
        seconds=samples.seconds,
        throughput=samples.requests / samples.seconds if samples.seconds else 0.0,
        p50_ms=percentile(everything, 0.50) * 1000,
        p95_ms=percentile(everything, 0.95) * 1000,
        p99_ms=percentile(everything, 0.99) * 1000,
        cpu_ms=samples.server_cpu * 1000 / samples.requests if samples.requests else 0.0,
        client_cpu_ms=samples.client_cpu * 1000 / samples.requests if samples.requests else 0.0,
        routes=routes,
        error_examples=samples.error_examples,
    )


# --- servers ---------------------------------------------------------------------------------


@contextmanager
def serving(
    kind: str, workdir: Path, workers: int | None, python_path: str | None = None
) -> Iterator[Target]:
    """A running server on the seeded store of `workdir`, and how to call its API;
    `python_path` runs another checkout's code (`--server-python-path`)."""
    args = [] if workers is None else ["--workers", str(workers)]
    env = {} if python_path is None else {"PYTHONPATH": python_path}
    if kind == "engine":
        with running_engine(workdir, env=env, args=args) as process:
            yield Target(
                "engine", process.url, "/api", headers={"x-user-id": "load-bench"}, pid=process.pid
            )
        return
    with running_product(workdir, env=env, args=args) as process:
        yield _signed_in(process)


def _signed_in(process: EngineProcess) -> Target:
    """Sign in through the portal's login form: the session cookie, and the session's CSRF
    token for writes (a script's way, as examples/portal-session.sh does it)."""
    answer = httpx.post(
        f"{process.url}/login", data={"email": EMAIL, "password": PASSWORD}, timeout=30
    )
    if answer.status_code != 303:
        raise RuntimeError(f"login refused: {answer.status_code} {answer.text[:200]}")
    cookies = dict(answer.cookies)
    headers = {"x-csrf-token": answer.headers["x-csrf-token"]}
    return Target(
        "portal", process.url, "/work/api", headers=headers, cookies=cookies, pid=process.pid
    )


# --- the run ---------------------------------------------------------------------------------


@dataclass
class Options:
    sizes: list[int]
    concurrency: list[int]
    workloads: list[str]
    targets: list[str]
    seconds: float
    max_requests: int
    workers: int | None
    client: str = "raw"
    server_python_path: str | None = None


def measure(options: Options, workdir: Path, emit: Callable[[Row], None]) -> list[Row]:
    rows: list[Row] = []
    for size in options.sizes:
        folder = workdir / f"size-{size}"
        folder.mkdir()
        seeded = seed(folder / "dataops.db", size, random.Random(size))
        print(
            f"# store: {seeded.artifacts:,} artifacts, {len(seeded.task_ids):,} tasks, "
            f"seeded in {seeded.seconds:.1f} s",
            file=sys.stderr,
            flush=True,
        )
        for kind in options.targets:
            with serving(kind, folder, options.workers, options.server_python_path) as target:
                for concurrency in options.concurrency:
                    health = summarize(
                        kind,
                        seeded.artifacts,
                        "health",
                        concurrency,
                        _run(
                            run_load(
                                target,
                                seeded,
                                {"health": 1},
                                concurrency,
                                seconds=options.seconds,
                                max_requests=options.max_requests,
                                client=options.client,
                            )
                        ),
                    )
                    health.health_throughput = health.throughput
                    health.ratio = 1.0
                    rows.append(health)
                    emit(health)
                    for number, workload in enumerate(options.workloads):
                        samples = _run(
                            run_load(
                                target,
                                seeded,
                                WORKLOADS[workload],
                                concurrency,
                                seconds=options.seconds,
                                max_requests=options.max_requests,
                                seed_value=number + 1,
                                client=options.client,
                            )
                        )
                        row = summarize(kind, seeded.artifacts, workload, concurrency, samples)
                        row.health_throughput = health.throughput
                        row.ratio = row.throughput / health.throughput if health.throughput else 0
                        rows.append(row)
                        emit(row)
    return rows


HEADER = (
    "| target | artifacts | workload | clients | requests | req/s | p50 ms | p95 ms | p99 ms "
    "| errors | server CPU ms/req | health req/s | ratio |\n"
    "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
)


def line(row: Row) -> str:
    return (
        f"| {row.target} | {row.size:,} | {row.workload} | {row.concurrency} | {row.requests:,} "
        f"| {row.throughput:,.0f} | {row.p50_ms:.1f} | {row.p95_ms:.1f} | {row.p99_ms:.1f} "
        f"| {row.errors} | {row.cpu_ms:.2f} | {row.health_throughput:,.0f} | {row.ratio:.2f} |"
    )


def route_table(rows: Sequence[Row]) -> list[str]:
    """p50 per route of the mixed workload at each size (engine, the highest concurrency up
    to 8), and the largest size against the one before it."""
    mixed = [row for row in rows if row.workload == "mixed" and row.target == "engine"]
    if not mixed:
        return []
    level = max((row.concurrency for row in mixed if row.concurrency <= 8), default=0)
    by_size = {row.size: row for row in mixed if row.concurrency == level}
    sizes = sorted(by_size)
    out = [
        "",
        f"p50 per route, mixed workload, engine, {level} clients:",
        "",
        "| route | " + " | ".join(f"{size:,} artifacts" for size in sizes) + " |",
        "|---|" + "---:|" * len(sizes),
    ]
    for op, label in ROUTES.items():
        if op in by_size[sizes[0]].routes:
            cells = [f"{by_size[size].routes[op]['p50_ms']:.1f} ms" for size in sizes]
            out.append(f"| `{label}` | " + " | ".join(cells) + " |")
    if len(sizes) >= 2 and sizes[-2] > 0:
        small, large = by_size[sizes[-2]], by_size[sizes[-1]]
        out.append("")
        for op, label in ROUTES.items():
            if op in small.routes and small.routes[op]["p50_ms"]:
                ratio = large.routes[op]["p50_ms"] / small.routes[op]["p50_ms"]
                out.append(f"* `{label}`: {ratio:.2f}x at {sizes[-1]:,} against {sizes[-2]:,}")
    return out


def _ints(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench load", description=__doc__)
    parser.add_argument("--sizes", default="0,10000,100000", help="artifacts in the store")
    parser.add_argument("--concurrency", default="1,8,32", help="simultaneous clients")
    parser.add_argument("--workloads", default="mixed,read-only,write-heavy")
    parser.add_argument("--targets", default="engine,portal", help="engine, portal or both")
    parser.add_argument("--seconds", type=float, default=5.0, help="per measurement")
    parser.add_argument("--max-requests", type=int, default=50_000, help="per measurement")
    parser.add_argument("--workers", type=int, default=None, help="server worker processes")
    parser.add_argument(
        "--client",
        choices=("raw", "httpx"),
        default="raw",
        help="the lean HTTP/1.1 client (default) or httpx.AsyncClient",
    )
    parser.add_argument(
        "--server-python-path",
        default=None,
        metavar="PATH",
        help="PYTHONPATH of the server only: measure another checkout's src (an A/B)",
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the rows here")
    parser.add_argument("--quick", action="store_true", help="a smoke run of about a second")
    parser.add_argument("--workdir", type=Path, default=None, help="keep the stores here")
    args = parser.parse_args(argv)
    options = Options(
        sizes=_ints(args.sizes),
        concurrency=_ints(args.concurrency),
        workloads=[name for name in args.workloads.split(",") if name],
        targets=[name for name in args.targets.split(",") if name],
        seconds=args.seconds,
        max_requests=args.max_requests,
        workers=args.workers,
        client=args.client,
        server_python_path=args.server_python_path,
    )
    if args.quick:
        options.sizes, options.concurrency = [200], [1, 4]
        options.seconds, options.max_requests = 0.1, 200
    for workload in options.workloads:
        if workload not in WORKLOADS:
            parser.error(f"unknown workload {workload!r}; known: {', '.join(WORKLOADS)}")
    for kind in options.targets:
        if kind not in ("engine", "portal"):
            parser.error(f"unknown target {kind!r}; known: engine, portal")
    print(HEADER, flush=True)

    def emit(row: Row) -> None:
        print(line(row), flush=True)

    if args.workdir is not None:
        args.workdir.mkdir(parents=True, exist_ok=False)
        rows = measure(options, args.workdir, emit)
    else:
        with tempfile.TemporaryDirectory(prefix="dataops-bench-load-") as tmp:
            rows = measure(options, Path(tmp), emit)
    for text in route_table(rows):
        print(text)
    failed = [row for row in rows if row.errors]
    for row in failed:
        print(f"errors in {row.target} {row.workload} x{row.concurrency}:", file=sys.stderr)
        for example in row.error_examples:
            print(f"  {example}", file=sys.stderr)
    if args.json is not None:
        args.json.write_text(json.dumps([asdict(row) for row in rows], indent=1))
    return 1 if failed else 0
