# ruff: noqa: N999 - the module is named for its command, `python -m bench import`
"""Import of a large export into an empty SQLite store: wall time, records/s, peak memory.

Target (issue 8): `dataops import` of the 1,000,000-record export into an empty SQLite store at
least 50,000 records/s, peak RSS under 400 MB.
Usage: `python -m bench import [--records 1000000] [--workdir DIR] [--jobs N] [--repeat 3]`.

The source store is generated as `python -m bench export` generates it (blocks of 1,000 related
records written through the store's `transact`), exported once, then imported into a new empty
store in a fresh interpreter per run, exactly as the command does it: the validation in a forked
process (with `--jobs` worker processes of its own) while the importing process loads every
record in one transaction, committed once the validation passed. The run with the median time
is reported, and its store is exported again: every entity file must be identical to the source
export's.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.export import BLOCK_RECORDS, USERS, grow_store, run_measured, settle

TARGET_RATE = 50_000
TARGET_PEAK = 400e6


def child(argv: list[str]) -> int:
    """`--child JOBS EXPORT TARGET`: validate and import as `dataops import` does (into an empty
    store: the validation in a forked process while this one writes); numbers as JSON."""
    jobs, export, target = int(argv[0]), argv[1], argv[2]
    from dataops.portable.restore import import_export
    from dataops.store.sqlite import SQLiteStore

    store = SQLiteStore(target)
    started = time.perf_counter()
    summary = import_export(store, export, jobs=jobs, fork_validation=True)
    finished = time.perf_counter()
    store.close()
    print(
        json.dumps(
            {
                "seconds": finished - started,
                "records": summary.total_written,
                "own_peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
                "validation_peak": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024,
            }
        )
    )
    return 0


def measure(jobs: int, export: Path, target: Path) -> dict[str, Any]:
    """One run in a fresh interpreter into a new empty store; `peak` and `peak_pss` are the
    largest resident memory of its process tree (validation workers included), sampled every
    10 ms."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    command = [
        sys.executable,
        "-m",
        "bench",
        "import",
        "--child",
        str(jobs),
        str(export),
        str(target),
    ]
    return run_measured(command, "import run failed")


def export_source(store: Path, target: Path, jobs: int) -> int:
    """Export the generated store once (kept in the work directory); returns its records."""
    from dataops.bootstrap import open_engine, open_store
    from dataops.config import Settings
    from dataops.model import jsonvalue
    from dataops.portable.export import write_export

    if (target / "manifest.json").is_file():
        manifest = jsonvalue.loads((target / "manifest.json").read_bytes())
        return int(sum(manifest["entity_counts"].values()))
    settings = Settings.from_env({"DATAOPS_STORE": f"sqlite:///{store}"})
    engine = open_engine(settings)
    try:
        summary = write_export(engine, target, jobs=jobs, open_store=lambda: open_store(settings))
    finally:
        engine.store.close()
    return summary.total_records


def round_trip_identical(store: Path, source_export: Path, workdir: Path) -> bool:
    """Export the imported store: every entity file as in the source export?"""
    from dataops.bootstrap import open_engine
    from dataops.config import Settings
    from dataops.portable.export import write_export
    from dataops.portable.mapping import ENTITIES

    again = workdir / "re-export"
    shutil.rmtree(again, ignore_errors=True)
    engine = open_engine(Settings.from_env({"DATAOPS_STORE": f"sqlite:///{store}"}))
    try:
        write_export(engine, again)
    finally:
        engine.store.close()
    identical = all(
        (again / entity.filename).read_bytes() == (source_export / entity.filename).read_bytes()
        for entity in ENTITIES
    )
    shutil.rmtree(again, ignore_errors=True)
    return identical


def main(argv: list[str]) -> int:
    if argv and argv[0] == "--child":
        return child(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m bench import", description=__doc__)
    parser.add_argument("--records", type=int, default=1_000_000, help="size of the export")
    parser.add_argument("--workdir", type=Path, help="keep the store and export here (reused)")
    parser.add_argument(
        "--jobs", type=int, default=1, help="validation worker processes (default 1, as the CLI)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs (the median is reported)")
    args = parser.parse_args(argv)
    from dataops.portable.workers import default_jobs

    jobs = args.jobs
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="dataops-bench-import-"))
    workdir.mkdir(parents=True, exist_ok=True)
    source, export, target = workdir / "bench.db", workdir / "export", workdir / "import.db"
    try:
        started = time.perf_counter()
        grow_store(source, max(1, -(-(args.records - USERS) // BLOCK_RECORDS)))
        settle(source)
        records = export_source(source, export, default_jobs())
        print(
            f"export: {records:,} records, {_size(export) / 1e6:.0f} MB "
            f"({time.perf_counter() - started:.0f} s to prepare); validation workers: {jobs}",
            flush=True,
        )
        runs = []
        for _ in range(args.repeat):
            os.sync()
            run = measure(jobs, export, target)
            runs.append(run)
            print(_row(run), flush=True)
        runs.sort(key=lambda run: float(run["seconds"]))
        median = runs[len(runs) // 2]
        measure(jobs, export, target)  # the store of a complete run, for the round trip
        identical = round_trip_identical(target, export, workdir)
    finally:
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    print()
    print(f"median of {len(runs)}: {_row(median)}")
    print(f"export -> import -> export: entity files {'identical' if identical else 'DIFFER'}")
    rate = median["records"] / median["seconds"]
    fast, small = rate >= TARGET_RATE, median["peak"] < TARGET_PEAK
    print(f"target >= {TARGET_RATE:,} records/s: {'met' if fast else 'MISSED'} ({rate:,.0f})")
    print(
        f"target peak RSS < {TARGET_PEAK / 1e6:.0f} MB: {'met' if small else 'MISSED'} "
        f"({median['peak'] / 1e6:.1f} MB RSS, {median['peak_pss'] / 1e6:.1f} MB PSS)"
    )
    return 0 if fast and small and identical else 1


def _row(run: dict[str, Any]) -> str:
    records = run["records"]
    return (
        f"{records:,} records in {run['seconds']:.2f} s ({records / run['seconds']:,.0f} rec/s); "
        f"peak RSS {run['peak'] / 1e6:.1f} MB (PSS {run['peak_pss'] / 1e6:.1f} MB): "
        f"importing process {run['own_peak'] / 1e6:.1f} MB, validation process "
        f"{run['validation_peak'] / 1e6:.1f} MB"
    )


def _size(directory: Path) -> int:
    return sum(path.stat().st_size for path in directory.iterdir())


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
