"""Portable exports across backends: a SQLite export imported into DynamoDB exports the same
bytes (parallel scans, runs sorted on disk and merged), an import into DynamoDB is all or
nothing, the commands work on a `dynamodb://` store, and the restore drill rehearses one."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from dataops.engine import demo
from dataops.engine.context import Engine
from dataops.model.errors import Invalid
from dataops.portable.drill import PASS, run_drill
from dataops.portable.export import ExportOptions, write_export
from dataops.portable.restore import import_export
from dataops.portable.validate import validate_export
from dataops.store.base import Create
from dataops.store.dynamodb import DynamoDBStore
from tests.conftest import FakeClock, client_for, make_engine, make_settings
from tests.portable.filled import fill_through_api
from tests.portable.test_round_trip import entity_files
from tests.support.dynamodb import dataops_command, leftovers

T0 = "2026-11-28T09:00:00.000Z"
# Where an export was made shows in its manifest: both are "made" in the same place.
SAME_ORIGIN = ExportOptions(T0, "test", "stack", "eu-west-1", "0123abc")


def small_runs(engine: Engine) -> DynamoDBStore:
    """The engine's tables through a store that scans in 3 segments and sorts runs of 7
    records: every export of more than 7 records merges runs from disk."""
    store = engine.store
    assert isinstance(store, DynamoDBStore)
    names = {name: layout.physical.name for name, layout in store.layouts.items()}
    names["transactions"] = store.commit_table.name
    return DynamoDBStore(store.client, names, scan_segments=3, run_records=7)


@pytest.fixture
def sqlite_export(tmp_path: Path, clock: FakeClock) -> Path:
    engine = make_engine(
        make_settings(tmp_path, DATAOPS_STORE=f"sqlite:///{tmp_path / 'source.db'}"), clock
    )
    fill_through_api(engine, client_for(engine), clock)
    write_export(engine, tmp_path / "from-sqlite", SAME_ORIGIN)
    engine.store.close()
    return tmp_path / "from-sqlite"


def test_a_sqlite_export_imported_into_dynamodb_exports_the_same_bytes(
    sqlite_export: Path, dynamodb_engine: Engine, tmp_path: Path
) -> None:
    summary = import_export(dynamodb_engine.store, sqlite_export)
    exporting = Engine(settings=dynamodb_engine.settings, store=small_runs(dynamodb_engine))

    again = write_export(exporting, tmp_path / "from-dynamodb", SAME_ORIGIN)

    assert summary.total_written > 30
    assert entity_files(tmp_path / "from-dynamodb") == entity_files(sqlite_export)
    assert (tmp_path / "from-dynamodb" / "manifest.json").read_bytes() == (
        sqlite_export / "manifest.json"
    ).read_bytes()
    assert again.total_records == summary.total_written
    assert leftovers(exporting.store) == {"commit records": 0, "marked": 0, "images": 0}  # type: ignore[arg-type]


def test_an_import_into_dynamodb_that_fails_midway_writes_nothing_visible(
    sqlite_export: Path, dynamodb_engine: Engine
) -> None:
    report = validate_export(sqlite_export)
    tasks = sqlite_export / "tasks.jsonl"
    tasks.write_bytes(tasks.read_bytes().replace(b'"todo"', b'"done"'))  # changed after checks

    with pytest.raises(Invalid) as changed:
        import_export(dynamodb_engine.store, sqlite_export, validated=report)

    assert changed.value.message == (
        "tasks.jsonl changed after it was validated; validate the export again and rerun the import"
    )
    store = dynamodb_engine.store
    assert all(store.count(table) == 0 for table in ("users", "templates", "bundles", "tasks"))
    assert leftovers(store) == {"commit records": 0, "marked": 0, "images": 0}  # type: ignore[arg-type]


def test_an_import_into_a_dynamodb_store_with_records_completes_it(
    sqlite_export: Path, dynamodb_engine: Engine, tmp_path: Path
) -> None:
    first = import_export(dynamodb_engine.store, sqlite_export)

    again = import_export(dynamodb_engine.store, sqlite_export)
    dynamodb_engine.store.transact([Create("tasks", {"id": "task-local", "description": "Mine"})])
    upserted = import_export(dynamodb_engine.store, sqlite_export, upsert=True, batch_size=150)

    assert again.total_written == 0 and again.total_skipped == first.total_written
    assert upserted.total_written == 0
    assert dynamodb_engine.store.get("tasks", "task-local") is not None


def test_the_restore_drill_rehearses_a_dynamodb_store_and_only_reads_it(
    dynamodb_engine: Engine, tmp_path: Path
) -> None:
    demo.load_demo(dynamodb_engine)
    store = dynamodb_engine.store
    before = {
        table: [(i["id"], i.version) for i in store.scan(table)] for table in ("tasks", "artifacts")
    }

    result = run_drill(dynamodb_engine, tmp_path / "drill")

    assert result.passed, [step.line() for step in result.steps]
    assert {step.outcome for step in result.steps} == {PASS}
    assert {table: [(i["id"], i.version) for i in store.scan(table)] for table in before} == before


def test_the_commands_export_and_import_a_dynamodb_store(
    sqlite_export: Path,
    dynamodb_engine: Engine,
    dynamodb_tables: dict[str, str],
    dynamodb_env: dict[str, str],
    tmp_path: Path,
) -> None:
    variables = {"HOME": str(tmp_path), "DATAOPS_ENV": "test", **dynamodb_env, **dynamodb_tables}

    def dataops(*args: str) -> subprocess.CompletedProcess[str]:
        return dataops_command(variables, *args, cwd=tmp_path)

    imported = dataops("import", str(sqlite_export))
    assert imported.returncode == 0, imported.stderr
    exported = dataops("export", str(tmp_path / "exported"), "--jobs", "2")
    assert exported.returncode == 0, exported.stderr
    assert entity_files(tmp_path / "exported") == entity_files(sqlite_export)
    drill = dataops("restore-drill")
    assert drill.returncode == 0, drill.stdout + drill.stderr
    assert drill.stdout.splitlines()[0].startswith("Restore drill of dynamodb:// in ")
    assert "Restore drill passed" in drill.stdout
