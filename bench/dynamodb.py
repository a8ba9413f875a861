"""DynamoDB store against moto server: requests per API operation, export parallel vs single.

Usage: `python -m bench dynamodb [--records 3000] [--segments 1,2,4] [--repeat 3]`.

Part 1 walks the API (tests/support/api_walk.py: every filter of every list, the proof view,
login, instantiation, recurring generation, the cron run) on a small data set and counts the
DynamoDB requests each request sends, by operation: the request budget of each API operation,
and proof that none scans. Part 2 fills the tables with the export benchmark's records
(bench/export.py, written straight as items) and times an export of the whole store with the
Scan split into 1, 2 and 4 parallel segments; every export must be byte-identical.

moto server runs as a separate process on 127.0.0.1 (a free port), so the emulator and the
export share the machine's cores as a real client and DynamoDB would not: the figures are
relative (segments against one segment), not DynamoDB's throughput.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REGION = "us-east-1"


@contextmanager
def moto_server() -> Iterator[str]:
    """moto in server mode, in a process of its own, stopped at the end."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise SystemExit("moto server did not start") from None
                time.sleep(0.1)
        yield endpoint
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def environment(endpoint: str, prefix: str) -> dict[str, str]:
    from dataops.store.schema import TABLES, TRANSACTIONS

    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_DEFAULT_REGION": REGION,
        }
    )
    tables = {
        table.env_var: prefix + table.default_table_name
        for table in (*TABLES.values(), TRANSACTIONS)
    }
    return {
        "DATAOPS_ENV": "test",
        "DATAOPS_AUTH_MODE": "none",
        "DATAOPS_STORE": "dynamodb://",
        "AWS_REGION": REGION,
        "AWS_ENDPOINT_URL_DYNAMODB": endpoint,
        **tables,
    }


# --- part 1: requests per API operation -----------------------------------------------------


def requests_per_operation(endpoint: str, workdir: Path) -> list[tuple[str, Counter[str]]]:
    from dataops.bootstrap import open_engine
    from dataops.config import Settings
    from dataops.store.dynamodb import DynamoDBStore
    from tests.conftest import FakeClock, client_for
    from tests.support import api_walk
    from tests.support.dynamodb import Requests

    settings = Settings.from_env(
        {**environment(endpoint, "walk-"), "DATAOPS_BLOBS": f"local-dev:///{workdir / 'blobs'}"}
    )
    engine = open_engine(settings)
    engine.clock = FakeClock(datetime(2026, 11, 28, 9, tzinfo=UTC))
    assert isinstance(engine.store, DynamoDBStore)
    recorder = Requests(engine.store.client)
    client = client_for(engine)
    seeded = api_walk.seed(engine, client)
    counted: list[tuple[str, Counter[str]]] = []
    for step in api_walk.steps(seeded):
        recorder.clear()
        api_walk.run(client, step)
        counted.append((step.name, Counter(recorder.sent)))
    engine.store.close()
    return counted


def requests_table(counted: list[tuple[str, Counter[str]]]) -> str:
    lines = ["| API operation | DynamoDB requests | total |", "|---|---|---|"]
    for name, counts in counted:
        spelled = ", ".join(f"{operation} {count}" for operation, count in sorted(counts.items()))
        lines.append(f"| {name} | {spelled} | {sum(counts.values())} |")
    return "\n".join(lines)


# --- part 2: export, parallel against single-segment scans ----------------------------------


def fill(endpoint: str, records: int) -> int:
    """The export benchmark's records, written straight as items (one thread: moto's backend
    is not safe for concurrent writes)."""
    from bench.export import BLOCK_RECORDS, T0, USERS, _ids, block_records
    from dataops.config import Settings
    from dataops.store.dynamodb import DynamoDBStore
    from dataops.store.dynamodb_client import make_client

    settings = Settings.from_env(environment(endpoint, "export-"))
    store = DynamoDBStore(make_client(endpoint, REGION), settings.table_names)
    store.ensure_tables(create=True)
    users = _ids(random.Random("users"), USERS)
    rows: list[tuple[str, dict[str, Any]]] = [
        (
            "users",
            {"id": user, "name": f"Operator {n}", "email": f"op{n}@example.com", "createdAt": T0},
        )
        for n, user in enumerate(users)
    ]
    blocks = max(1, -(-(records - USERS) // BLOCK_RECORDS))
    for block in range(blocks):
        rows += block_records(random.Random(f"block-{block}"), users)
    by_table: dict[str, list[dict[str, Any]]] = {}
    for table, doc in rows:
        codec = store.codecs[table]
        by_table.setdefault(codec.layout.physical.name, []).append(
            {"PutRequest": {"Item": codec.encode(doc, 1)}}
        )
    for physical, requests in by_table.items():
        for start in range(0, len(requests), 25):
            store.calls.batch_write(physical, requests[start : start + 25])
    store.close()
    return len(rows)


def export_seconds(
    endpoint: str, segments: int, target: Path
) -> tuple[float, float, dict[str, str]]:
    """Wall seconds and this process's CPU seconds of one export, and its checksums."""
    from dataops.config import Settings
    from dataops.engine.context import Engine
    from dataops.portable.export import ExportOptions, write_export
    from dataops.store.dynamodb import DynamoDBStore
    from dataops.store.dynamodb_client import make_client

    settings = Settings.from_env(environment(endpoint, "export-"))
    store = DynamoDBStore(
        make_client(endpoint, REGION), settings.table_names, scan_segments=segments
    )
    engine = Engine(settings=settings, store=store)
    started, cpu = time.perf_counter(), time.process_time()
    summary = write_export(engine, target, ExportOptions(generated_at="2026-11-28T09:00:00.000Z"))
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    store.close()
    return seconds, cpu, summary.checksums


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench dynamodb", description=__doc__)
    # moto walks a whole table for every page of a Scan: much more than this takes it minutes.
    parser.add_argument("--records", type=int, default=3_000, help="records to export")
    parser.add_argument("--segments", default="1,2,4", help="scan segments to compare")
    parser.add_argument("--repeat", type=int, default=3, help="exports per measurement (median)")
    args = parser.parse_args(argv)
    segments = [int(number) for number in args.segments.split(",")]
    workdir = Path(tempfile.mkdtemp(prefix="dataops-bench-dynamodb-"))
    try:
        with moto_server() as endpoint:
            print("## DynamoDB requests per API operation\n", flush=True)
            counted = requests_per_operation(endpoint, workdir)
            print(requests_table(counted), flush=True)
            if any("Scan" in counts for _, counts in counted):
                print("\nA request path scanned a table.", file=sys.stderr)
                return 1
            started = time.perf_counter()
            records = fill(endpoint, args.records)
            filled = time.perf_counter() - started
            print(f"\n## Export of {records:,} records ({filled:.0f} s to fill)\n")
            print("| scan segments | median export time | records/s | relative | exporter CPU |")
            print("|---|---|---|---|---|")
            baseline: float | None = None
            reference: dict[str, str] | None = None
            for count in segments:
                times, cpus = [], []
                for run in range(args.repeat):
                    target = workdir / f"export-{count}-{run}"
                    seconds, cpu, checksums = export_seconds(endpoint, count, target)
                    shutil.rmtree(target)
                    reference = reference or checksums
                    if checksums != reference:
                        print(f"\nexport with {count} segments differs", file=sys.stderr)
                        return 1
                    times.append(seconds)
                    cpus.append(cpu)
                median = statistics.median(times)
                baseline = baseline or median
                print(
                    f"| {count} | {median:.2f} s | {records / median:,.0f} | "
                    f"{baseline / median:.2f}x | {statistics.median(cpus):.2f} s |",
                    flush=True,
                )
            print("\nevery export byte-identical: yes")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0
