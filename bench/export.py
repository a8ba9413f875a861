"""Portable export and validation on a large SQLite store: wall time, records/s, peak RSS.

Targets (issue 7), on SQLite: export and validation each at least 100,000 records/s; export's
peak RSS under 300 MB at 1,000,000 records and less than twice its value at 100,000.
Usage: `python -m bench export [--records 100000,1000000] [--workdir DIR] [--keep]`.

The store is generated once per size (mostly tasks and artifacts, written through the store's
`transact` in batches, never through HTTP) and grown from one size to the next. Each measurement
runs in a fresh interpreter, so its peak RSS is that of one export or one validation.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

# One block of 1,000 records: related records stay inside their block, so any number of
# blocks is a valid store whose export validates with no errors.
BLOCK = {
    "bundles": 10,
    "tasks": 440,
    "artifacts": 440,
    "files": 40,
    "notifications": 30,
    "audit_events": 40,
}
BLOCK_RECORDS = sum(BLOCK.values())
USERS = 20
T0 = "2026-11-28T09:00:00.000Z"


def _ids(rng: random.Random, count: int) -> list[str]:
    return [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(count)]


def block_records(rng: random.Random, users: list[str]) -> list[tuple[str, dict[str, Any]]]:
    """One block's records as the engine stores them (runtime camelCase)."""
    records: list[tuple[str, dict[str, Any]]] = []
    bundles = _ids(rng, BLOCK["bundles"])
    for number, bundle_id in enumerate(bundles):
        records.append(
            (
                "bundles",
                {
                    "id": bundle_id,
                    "title": f"Episode {rng.randrange(1, 500)} — guest #{number}",
                    "anchorDate": f"2026-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
                    "stage": "preparation",
                    "status": "active",
                    "tags": ["podcast"],
                    "createdAt": T0,
                    "updatedAt": T0,
                },
            )
        )
    tasks = _ids(rng, BLOCK["tasks"])
    artifacts = _ids(rng, BLOCK["artifacts"])
    done = set(tasks[: BLOCK["audit_events"]])
    with_files = tasks[BLOCK["audit_events"] : BLOCK["audit_events"] + BLOCK["files"]]
    for position, task_id in enumerate(tasks):
        bundle_id = bundles[position % len(bundles)]
        task: dict[str, Any] = {
            "id": task_id,
            "description": f"Prepare the guest document for episode {position}",
            "date": f"2026-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
            "status": "done" if task_id in done else "todo",
            "source": "template",
            "bundleId": bundle_id,
            "templateTaskRef": "prep",
            "assigneeId": users[position % len(users)],
            "tags": ["podcast", "guest"],
            "proofRequirement": {"type": "artifact", "label": "Prep doc"},
            "artifactRefs": [
                {
                    "artifactId": artifacts[position],
                    "type": "podcast-doc",
                    "title": "Guest prep",
                    "storageUri": f"https://docs.google.com/document/d/{artifacts[position]}",
                    "status": "approved" if task_id in done else "needs-review",
                }
            ],
            "createdAt": T0,
            "updatedAt": T0,
        }
        if task_id in done:
            task["completedAt"] = T0
            task["completedBy"] = users[0]
        records.append(("tasks", task))
    for position, artifact_id in enumerate(artifacts):
        approved = tasks[position] in done
        artifact: dict[str, Any] = {
            "id": artifact_id,
            "type": "podcast-doc",
            "title": f"Guest prep for episode {position}",
            "status": "approved" if approved else "needs-review",
            "storageProvider": "google-drive",
            "storageUri": f"https://docs.google.com/document/d/{artifact_id}",
            "sizeBytes": rng.randrange(10_000, 900_000),
            "visibility": "internal",
            "dataClass": "internal",
            "taskId": tasks[position],
            "bundleId": bundles[position % len(bundles)],
            "assistantJobId": f"heru-run-{position}",
            "sourceType": "assistant-output",
            "createdBy": users[1],
            "createdAt": T0,
            "updatedAt": T0,
            "tags": ["guest"],
            "metadata": {"model": "podcast-assistant", "tokenCount": rng.randrange(100, 9000)},
        }
        if approved:
            artifact.update(reviewedBy=users[0], reviewedAt=T0)
        records.append(("artifacts", artifact))
    for task_id, file_id in zip(with_files, _ids(rng, BLOCK["files"]), strict=True):
        records.append(
            (
                "files",
                {
                    "id": file_id,
                    "taskId": task_id,
                    "filename": "invoice.pdf",
                    "category": "invoice",
                    "storageProvider": "local-dev",
                    "storageUri": f"local-dev://files/{file_id}",
                    "contentType": "application/pdf",
                    "checksum": "sha256:" + "ab" * 32,
                    "sizeBytes": 48_213,
                    "createdAt": T0,
                },
            )
        )
    for task_id, notification_id in zip(
        tasks[-BLOCK["notifications"] :], _ids(rng, BLOCK["notifications"]), strict=True
    ):
        records.append(
            (
                "notifications",
                {
                    "id": notification_id,
                    "type": "follow-up-due",
                    "message": "Follow up: Prepare the guest document — waiting for Grace",
                    "taskId": task_id,
                    "dueAt": T0,
                    "dismissed": False,
                    "createdAt": T0,
                },
            )
        )
    for task_id, event_id in zip(sorted(done), _ids(rng, BLOCK["audit_events"]), strict=True):
        records.append(
            (
                "audit_events",
                {
                    "id": event_id,
                    "entityType": "task",
                    "entityId": task_id,
                    "action": "task.completed",
                    "actorId": users[0],
                    "before": {"status": "todo"},
                    "after": {"status": "done", "completedBy": users[0], "completedAt": T0},
                    "summary": "Task completed",
                    "createdAt": T0,
                },
            )
        )
    return records


def grow_store(path: Path, total_blocks: int) -> int:
    """Add blocks until the store holds `total_blocks`; returns the number of records. Block n
    is always the same records (its own seed), however the store was grown."""
    from dataops.store.base import Create
    from dataops.store.sqlite import SQLiteStore

    store = SQLiteStore(str(path))
    try:
        if store.count("users") == 0:
            store.transact(
                [
                    Create(
                        "users",
                        {
                            "id": user_id,
                            "name": f"Operator {number}",
                            "email": f"operator{number}@example.com",
                            "createdAt": T0,
                            "passwordHash": "scrypt$16384$8$1$c2FsdA==$ZGlnZXN0",
                        },
                    )
                    for number, user_id in enumerate(_ids(random.Random("users"), USERS))
                ]
            )
        users = [user["id"] for user in store.scan("users")]
        blocks = store.count("tasks") // BLOCK["tasks"]
        if blocks > total_blocks:
            raise SystemExit(f"{path} holds more than the records asked for; use another --workdir")
        while blocks < total_blocks:
            rng = random.Random(f"block-{blocks}")
            writes = [Create(table, doc) for table, doc in block_records(rng, users)]
            store.transact(writes)
            blocks += 1
        return USERS + blocks * BLOCK_RECORDS
    finally:
        store.close()


# --- measurements, each in a fresh interpreter ---------------------------------------------


def child(argv: list[str]) -> int:
    """`--child JOBS export STORE OUT` or `--child JOBS validate OUT`: one run, as the CLI
    does it, and its numbers as JSON."""
    jobs, phase = int(argv[0]), argv[1]
    if phase == "export":
        from dataops.bootstrap import open_engine, open_store
        from dataops.config import Settings
        from dataops.portable.export import write_export

        settings = Settings.from_env({"DATAOPS_STORE": f"sqlite:///{argv[2]}"})
        engine = open_engine(settings)
        started = time.perf_counter()
        summary = write_export(engine, argv[3], jobs=jobs, open_store=lambda: open_store(settings))
        records = summary.total_records
        valid = True
    else:
        from dataops.portable.validate import validate_export

        started = time.perf_counter()
        report = validate_export(argv[2], jobs=jobs)
        records = sum(report.entity_counts.values())
        valid = report.valid and not report.warnings
    seconds = time.perf_counter() - started
    result = {
        "seconds": seconds,
        "records": records,
        "own_peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "worker_peak": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024,
        "valid": valid,
    }
    print(json.dumps(result))
    return 0


def tree_memory(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of a process and all its descendants, in bytes, from /proc. The RSS sum counts
    pages that forked workers share with their parent once per process (an upper bound); the
    PSS sum shares them out (the memory the tree really occupies)."""
    rss = pss = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            for line in Path(f"/proc/{current}/smaps_rollup").read_text().splitlines():
                if line.startswith("Rss:"):
                    rss += int(line.split()[1]) * 1024
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1]) * 1024
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(child) for child in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue
    return rss, pss


def run_measured(command: list[str], failure: str) -> dict[str, Any]:
    """Run a benchmark child (it prints its result as JSON); adds `peak` and `peak_pss`, the
    largest resident memory of its process tree, sampled every 10 ms (the child reports its
    own peak too)."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    peak_rss = peak_pss = 0
    while process.poll() is None:
        rss, pss = tree_memory(process.pid)
        peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
        time.sleep(0.01)
    output, _ = process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"{failure} ({process.returncode})")
    result: dict[str, Any] = json.loads(output)
    result["peak"] = max(peak_rss, result["own_peak"])
    result["peak_pss"] = peak_pss
    return result


def measure(jobs: int, *args: str) -> dict[str, Any]:
    """One export-and-validate run in a fresh interpreter."""
    command = [sys.executable, "-m", "bench", "export", "--child", str(jobs), *args]
    return run_measured(command, f"benchmark run failed: {args}")


def median_run(repeat: int, jobs: int, *args: str, fresh: Path | None = None) -> dict[str, Any]:
    """The run with the median time of `repeat` runs (`fresh`: a directory removed before each)."""
    runs = []
    for _ in range(repeat):
        if fresh is not None:
            shutil.rmtree(fresh, ignore_errors=True)
        runs.append(measure(jobs, *args))
    runs.sort(key=lambda run: float(run["seconds"]))
    return runs[len(runs) // 2]


def settle(store: Path) -> None:
    """Checkpoint the write-ahead log and flush the page cache's dirty pages, so a measurement
    neither reads through a large WAL nor competes with the writes that grew the store."""
    import sqlite3

    with sqlite3.connect(store) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    os.sync()


def main(argv: list[str]) -> int:
    if argv and argv[0] == "--child":
        return child(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m bench export", description=__doc__)
    parser.add_argument("--records", default="100000,1000000", help="sizes, comma-separated")
    parser.add_argument("--workdir", type=Path, help="keep the store here (reused when present)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument(
        "--jobs", type=int, default=0, help="worker processes (default: as the CLI, 1 per core)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (median)")
    args = parser.parse_args(argv)
    from dataops.portable.workers import default_jobs

    jobs = args.jobs or default_jobs()
    print(f"jobs: {jobs}", flush=True)
    sizes = sorted(int(size) for size in args.records.split(","))
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="dataops-bench-export-"))
    workdir.mkdir(parents=True, exist_ok=True)
    store = workdir / "bench.db"
    rows = []
    try:
        for size in sizes:
            started = time.perf_counter()
            records = grow_store(store, max(1, -(-(size - USERS) // BLOCK_RECORDS)))
            print(
                f"store: {records:,} records ({time.perf_counter() - started:.0f} s to grow)",
                flush=True,
            )
            settle(store)
            out = workdir / f"export-{records}"
            exported = median_run(args.repeat, jobs, "export", str(store), str(out), fresh=out)
            validated = median_run(args.repeat, jobs, "validate", str(out))
            rows.append((records, exported, validated))
            print(_row(records, exported, validated), flush=True)
            shutil.rmtree(out, ignore_errors=True)
    finally:
        if not (args.keep or args.workdir):
            shutil.rmtree(workdir, ignore_errors=True)
    print()
    print(_table(rows, jobs))
    return _verdict(rows)


def _row(records: int, exported: dict[str, Any], validated: dict[str, Any]) -> str:
    export_rate = records / exported["seconds"]
    return (
        f"{records:>10,}  export {exported['seconds']:6.2f} s {export_rate:>9,.0f}"
        f" rec/s peak {exported['peak'] / 1e6:6.1f} MB (PSS {exported['peak_pss'] / 1e6:.1f})"
        f" | validate {validated['seconds']:6.2f} s"
        f" {records / validated['seconds']:>9,.0f} rec/s peak {validated['peak'] / 1e6:6.1f} MB"
        f" (PSS {validated['peak_pss'] / 1e6:.1f})"
        f"{'' if validated['valid'] else '  (export NOT valid!)'}"
    )


def _table(rows: list[tuple[int, dict[str, Any], dict[str, Any]]], jobs: int) -> str:
    """Peak memory of the process tree: RSS summed over processes (pages shared by forked
    workers counted in each) and PSS (shared pages shared out)."""
    lines = [
        f"worker processes: {jobs}",
        "records     | export s  rec/s     peak RSS   peak PSS | validate s  rec/s     "
        "peak RSS   peak PSS",
    ]
    for records, exported, validated in rows:
        lines.append(
            f"{records:<11,} | {exported['seconds']:8.2f}  {records / exported['seconds']:<9,.0f}"
            f" {exported['peak'] / 1e6:6.1f} MB  {exported['peak_pss'] / 1e6:6.1f} MB"
            f" | {validated['seconds']:10.2f}  {records / validated['seconds']:<9,.0f}"
            f" {validated['peak'] / 1e6:6.1f} MB  {validated['peak_pss'] / 1e6:6.1f} MB"
        )
    return "\n".join(lines)


def _verdict(rows: list[tuple[int, dict[str, Any], dict[str, Any]]]) -> int:
    failed = [not validated["valid"] for _, _, validated in rows]
    for records, exported, validated in rows:
        for name, run in (("export", exported), ("validate", validated)):
            rate = records / run["seconds"]
            met = rate >= 100_000
            failed.append(not met)
            print(f"target {name} >= 100,000 rec/s at {records:,}: {'met' if met else 'MISSED'}")
    if len(rows) >= 2:
        small, large = rows[0][1]["peak"], rows[-1][1]["peak"]
        under = large < 300e6
        bounded = large < 2 * small
        failed += [not under, not bounded]
        print(f"target export peak RSS < 300 MB at {rows[-1][0]:,}: {'met' if under else 'MISSED'}")
        print(
            f"target export peak RSS at {rows[-1][0]:,} < 2x at {rows[0][0]:,}: "
            f"{'met' if bounded else 'MISSED'} ({large / small:.2f}x)"
        )
    return 1 if any(failed) else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
