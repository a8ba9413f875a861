"""Importing exports (docs/export-format.md): invalid exports are refused with the validator's
errors and write nothing; a valid one goes into an empty store with ids, timestamps and actors
kept; a store holding other records needs --upsert; an interrupted import completes on rerun
with identical results; the dry run reports what an import would do and writes nothing."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from dataops.engine.context import Engine
from dataops.model.errors import Conflict, Invalid, ServiceUnavailable
from dataops.portable import restore
from dataops.portable.export import ExportOptions, write_export
from dataops.portable.mapping import ENTITIES
from dataops.portable.restore import (
    IMPORT_ORDER,
    ExportRefused,
    declared_records,
    dry_run,
    import_export,
)
from dataops.portable.validate import ValidationReport, validate_export
from dataops.store.base import Create, EmptyLoad, Item, Store, Write
from dataops.store.sqlite import SQLiteStore
from tests.portable.builder import (
    T0,
    checksum,
    read_manifest,
    valid_records,
    write_export_dir,
    write_manifest,
)

ZERO = {entity.name: 0 for entity in ENTITIES}
COUNTS = {
    "users": 1,
    "tasks": 3,
    "bundles": 1,
    "templates": 1,
    "recurring_configs": 1,
    "files": 1,
    "artifacts": 1,
    "notifications": 1,
    "audit_events": 1,
}


def snapshot(store: Store) -> dict[str, list[tuple[str, int, dict[str, Any]]]]:
    return {
        entity.table: [(item["id"], item.version, dict(item)) for item in store.scan(entity.table)]
        for entity in ENTITIES
    }


def entity_files(directory: Path) -> dict[str, bytes]:
    return {entity.filename: (directory / entity.filename).read_bytes() for entity in ENTITIES}


def export_of(store: Store, directory: Path, settings_engine: Engine) -> dict[str, bytes]:
    engine = Engine(settings=settings_engine.settings, store=store)
    write_export(engine, directory, ExportOptions(generated_at=T0))
    return entity_files(directory)


@pytest.fixture
def target(tmp_path: Path) -> Store:
    store = SQLiteStore(str(tmp_path / "target.db"))
    yield store
    store.close()


# --- a valid export into an empty store ----------------------------------------------------------


def test_import_into_an_empty_store_keeps_every_record_as_exported(
    tmp_path: Path, target: Store, engine: Engine
) -> None:
    export = write_export_dir(tmp_path / "export")

    summary = import_export(target, export)

    assert summary.written == COUNTS
    assert summary.skipped == ZERO
    assert summary.warnings == []
    assert export_of(target, tmp_path / "again", engine) == entity_files(export)
    artifact = target.get("artifacts", "artifact-1")
    assert artifact is not None
    # Ids, timestamps and actors exactly as exported (import keeps body actors).
    assert (artifact["createdBy"], artifact["reviewedBy"], artifact["reviewedAt"]) == (
        "user-ada",
        "user-ada",
        "2026-11-28T10:00:00.000Z",
    )
    assert artifact["assistantJobId"] == "job-opaque-7"
    assert artifact["metadata"] == {"model": "podcast-assistant", "tokenCount": 1200}
    task = target.get("tasks", "task-2")
    assert task is not None
    assert (task["completedBy"], task["completedAt"], task["createdAt"]) == (
        "user-ada",
        "2026-11-28T10:00:00.000Z",
        T0,
    )
    notification = target.get("notifications", "notification-1")
    assert notification is not None and notification["type"] == "follow-up-due"
    event = target.get("audit_events", "event-1")
    assert event is not None and event["actorId"] == "user-ada"
    user = target.get("users", "user-ada")
    assert user == {
        "id": "user-ada",
        "name": "Ada",
        "email": "ada@example.com",
        "createdAt": T0,
    }


class BatchOnly:
    """A store without the optional all-or-nothing load: an import writes batch by batch."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def __getattr__(self, name: str) -> Any:
        if name == "load_empty":
            raise AttributeError(name)
        return getattr(self.store, name)


def extra_tasks_export(directory: Path) -> Path:
    records = valid_records()
    records["tasks"] += [
        {"task_id": f"task-extra-{n:02d}", "description": "Extra", "date": "2026-12-05"}
        for n in range(7)
    ]
    return write_export_dir(directory, records)


class RecordingLoad:
    """Notes every call of a load: `(table, records)` per batch, `finish <table>`."""

    def __init__(self, load: EmptyLoad, calls: list[tuple[str, int] | str]) -> None:
        self.load = load
        self.calls = calls

    def put_all(self, table: str, docs: Sequence[Mapping[str, Any]]) -> None:
        self.calls.append((table, len(docs)))
        self.load.put_all(table, docs)

    def finish(self, table: str) -> None:
        self.calls.append(f"finish {table}")
        self.load.finish(table)


IN_ORDER = [
    ("users", 1),
    ("templates", 1),
    ("bundles", 1),
    ("tasks", 4),
    ("tasks", 4),
    ("tasks", 2),
    ("recurring_configs", 1),
    ("files", 1),
    ("artifacts", 1),
    ("notifications", 1),
    ("audit_events", 1),
]


def test_into_an_empty_store_records_are_loaded_in_dependency_order_in_batches(
    tmp_path: Path, target: SQLiteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    export = extra_tasks_export(tmp_path / "export")
    calls: list[tuple[str, int] | str] = []
    original = target.load_empty

    @contextmanager
    def recording(tables: Sequence[str]) -> Iterator[EmptyLoad]:
        assert tables == [entity.table for entity in IMPORT_ORDER]
        with original(tables) as load:
            yield RecordingLoad(load, calls)

    monkeypatch.setattr(target, "load_empty", recording)

    import_export(target, export, batch_size=4)

    finished = iter(f"finish {entity.table}" for entity in IMPORT_ORDER)
    expected: list[tuple[str, int] | str] = []
    for position, (table, count) in enumerate(IN_ORDER):
        expected.append((table, count))
        if position + 1 == len(IN_ORDER) or IN_ORDER[position + 1][0] != table:
            expected.append(next(finished))
    assert calls == expected
    assert [entity.name for entity in IMPORT_ORDER] == [
        "users",
        "templates",
        "bundles",
        "tasks",
        "recurring_configs",
        "files",
        "artifacts",
        "notifications",
        "audit_events",
    ]


def test_without_an_all_or_nothing_load_records_are_written_batch_by_batch_in_order(
    tmp_path: Path, target: SQLiteStore, monkeypatch: pytest.MonkeyPatch, engine: Engine
) -> None:
    export = extra_tasks_export(tmp_path / "export")
    batches: list[tuple[str, int]] = []
    original = target.transact

    def recording(writes: Sequence[Write]) -> list[Item | None]:
        assert all(isinstance(write, Create) for write in writes)
        tables = {write.table for write in writes}
        assert len(tables) == 1
        batches.append((tables.pop(), len(writes)))
        return original(writes)

    monkeypatch.setattr(target, "transact", recording)

    import_export(BatchOnly(target), export, batch_size=4)  # type: ignore[arg-type]

    assert batches == IN_ORDER
    assert export_of(target, tmp_path / "again", engine) == entity_files(export)


def test_imported_users_have_no_password(tmp_path: Path, target: Store) -> None:
    import_export(target, write_export_dir(tmp_path / "export"))

    user = target.get("users", "user-ada")
    assert user is not None
    assert "passwordHash" not in user


def test_importing_the_same_export_again_writes_nothing(tmp_path: Path, target: Store) -> None:
    export = write_export_dir(tmp_path / "export")
    import_export(target, export)
    before = snapshot(target)

    summary = import_export(target, export)

    assert summary.written == ZERO
    assert summary.skipped == COUNTS
    assert snapshot(target) == before


def test_an_export_without_audit_history_imports(tmp_path: Path, target: Store) -> None:
    """The reference service's exports carry no audit_events at all."""
    export = write_export_dir(tmp_path / "export")
    manifest = read_manifest(export)
    del manifest["entity_files"]["audit_events"]
    del manifest["entity_counts"]["audit_events"]
    del manifest["checksums"]["audit_events.jsonl"]
    write_manifest(export, manifest)
    (export / "audit_events.jsonl").unlink()

    plan = dry_run(target, export)
    summary = import_export(target, export)

    assert plan.valid
    assert plan.would_write == {**COUNTS, "audit_events": 0}
    assert summary.written == {**COUNTS, "audit_events": 0}
    assert target.count("audit_events") == 0
    assert target.count("tasks") == 3


def test_fields_the_format_does_not_carry_are_left_out_and_named(
    tmp_path: Path, target: Store, engine: Engine
) -> None:
    records = valid_records()
    records["tasks"][0]["priority"] = "high"
    records["tasks"][1]["priority"] = "low"
    records["tasks"][2]["comment"] = ""  # an empty string means absent: not named
    records["files"][0]["size_bytes"] = None
    export = write_export_dir(tmp_path / "export", records)

    summary = import_export(target, export)

    assert summary.warnings == [
        "tasks field priority is left out of the import (records holding it: 2): export format "
        "version 1 has no such field, or not with such a value",
    ]
    task = target.get("tasks", "task-1")
    assert task is not None and "priority" not in task


# --- invalid exports: refused, nothing written ---------------------------------------------------


def _missing_manifest(directory: Path) -> None:
    (directory / "manifest.json").unlink()


def _tampered_file(directory: Path) -> None:
    path = directory / "tasks.jsonl"
    path.write_bytes(path.read_bytes().replace(b"Book the guest", b"Book the ghost"))


def _missing_bundle(directory: Path) -> None:
    records = valid_records()
    records["tasks"][0]["bundle_id"] = "bundle-gone"
    write_export_dir(directory, records)


def _done_without_proof(directory: Path) -> None:
    records = valid_records()
    records["files"] = []
    write_export_dir(directory, records)


def _password_hash(directory: Path) -> None:
    records = valid_records()
    records["users"][0]["password_hash"] = "scrypt$16384$8$1$c2FsdA==$ZGlnZXN0"
    write_export_dir(directory, records)


def _broken_line(directory: Path) -> None:
    content = (directory / "artifacts.jsonl").read_bytes()[:-20] + b"\n"
    manifest = read_manifest(directory)
    manifest["checksums"]["artifacts.jsonl"] = checksum(content)
    (directory / "artifacts.jsonl").write_bytes(content)
    write_manifest(directory, manifest)


def _nested_too_deep(directory: Path) -> None:
    deep = b'{"user_id": "u", "x": ' + b"[" * 40 + b"]" * 40 + b"}\n"
    write_export_dir(directory, raw={"users": deep})


BROKEN = {
    "missing manifest": (
        _missing_manifest,
        ["manifest.json is missing or invalid: No such file or directory"],
    ),
    "tampered file": (_tampered_file, ["tasks.jsonl checksum mismatch"]),
    "missing reference": (_missing_bundle, ["tasks[0] references missing bundle_id: bundle-gone"]),
    "done without proof": (
        _done_without_proof,
        ["tasks[2] cannot be done without an exported file proof"],
    ),
    "password hash": (
        _password_hash,
        ["users[0] field password_hash holds a password hash; password hashes are never exported"],
    ),
    "nested too deep": (
        _nested_too_deep,
        ["users.jsonl line 1 is invalid JSON: nested deeper than 32 levels"],
    ),
    "truncated line": (
        _broken_line,
        [
            "artifacts.jsonl line 1 is invalid JSON: unexpected end of data: line 1 column "
            "601 (char 600)"
        ],
    ),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_an_invalid_export_is_refused_with_the_validators_errors_and_nothing_is_written(
    case: str, tmp_path: Path, target: Store
) -> None:
    directory = write_export_dir(tmp_path / "export")
    breaks, errors = BROKEN[case]
    breaks(directory)

    with pytest.raises(ExportRefused) as refused:
        import_export(target, directory)

    assert refused.value.report.errors == errors
    assert refused.value.message == (
        f"Export {directory} is invalid ({len(errors)} errors); nothing was imported"
    )
    assert all(target.count(entity.table) == 0 for entity in ENTITIES)


def test_an_invalid_export_changes_nothing_in_a_store_with_records_even_with_upsert(
    tmp_path: Path, target: Store
) -> None:
    import_export(target, write_export_dir(tmp_path / "first"))
    before = snapshot(target)
    records = valid_records()
    records["tasks"][0]["description"] = "Changed"
    records["tasks"][1]["status"] = "finished"
    directory = write_export_dir(tmp_path / "second", records)

    with pytest.raises(ExportRefused) as refused:
        import_export(target, directory, upsert=True)

    assert refused.value.report.errors == ["tasks[1] field status has unknown value: finished"]
    assert snapshot(target) == before


def test_an_export_changed_after_validation_is_named(tmp_path: Path, target: Store) -> None:
    directory = write_export_dir(tmp_path / "export")
    report = validate_export(directory)
    path = directory / "users.jsonl"
    path.write_bytes(path.read_bytes().replace(b'"Ada"', b'"Eve"'))

    with pytest.raises(Invalid) as changed:
        import_export(target, directory, validated=report)

    assert changed.value.message == (
        "users.jsonl changed after it was validated; validate the export again and rerun the import"
    )
    assert all(target.count(entity.table) == 0 for entity in ENTITIES)


# --- stores that already hold records --------------------------------------------------------------


def other_records(store: Store) -> None:
    store.transact(
        [
            Create(
                "users",
                {
                    "id": "user-grace",
                    "name": "Grace",
                    "email": "grace@example.com",
                    "createdAt": T0,
                    "passwordHash": "scrypt$16384$8$1$c2FsdA==$ZGlnZXN0",
                },
            ),
            Create(
                "tasks", {"id": "task-local", "description": "Local work", "date": "2026-12-24"}
            ),
        ]
    )


def test_a_store_with_other_records_is_refused_without_upsert(
    tmp_path: Path, target: Store
) -> None:
    other_records(target)
    before = snapshot(target)

    with pytest.raises(Conflict) as refused:
        import_export(target, write_export_dir(tmp_path / "export"))

    assert refused.value.message == (
        "The store already holds records that this export does not hold identically (2); import into an empty store, or pass --upsert to merge the export into it"
    )
    assert snapshot(target) == before


def test_upsert_merges_the_export_into_a_store_with_other_records(
    tmp_path: Path, target: Store, engine: Engine
) -> None:
    other_records(target)
    import_export(target, write_export_dir(tmp_path / "first"), upsert=True)
    # Ada set a password and the first task changed since; the export knows neither.
    ada = target.get("users", "user-ada")
    assert ada is not None
    target.replace("users", {**ada, "passwordHash": "scrypt$1$2$3$c2FsdA==$aGFzaA=="}, ada.version)
    task = target.get("tasks", "task-1")
    assert task is not None
    target.replace("tasks", {**task, "description": "Changed locally"}, task.version)
    local = target.get("tasks", "task-local")
    records = valid_records()
    records["users"][0]["name"] = "Ada Lovelace"
    records["templates"].append(
        {"template_id": "template-2", "name": "Meetup", "created_at": T0, "updated_at": T0}
    )
    export = write_export_dir(tmp_path / "second", records)

    summary = import_export(target, export, upsert=True)

    assert summary.written == {**ZERO, "users": 1, "tasks": 1, "templates": 1}
    assert summary.skipped == {**COUNTS, "users": 0, "tasks": 2, "templates": 1}
    ada = target.get("users", "user-ada")
    assert ada is not None
    assert ada["name"] == "Ada Lovelace"
    assert ada["passwordHash"] == "scrypt$1$2$3$c2FsdA==$aGFzaA=="  # no export carries it
    task = target.get("tasks", "task-1")
    assert task is not None and task["description"] == "Book the guest"
    assert target.get("tasks", "task-local") == local  # not in the export: untouched
    grace = target.get("users", "user-grace")
    assert grace is not None and grace["passwordHash"].startswith("scrypt$")
    exported = export_of(target, tmp_path / "after", engine)
    assert exported["templates.jsonl"] == (export / "templates.jsonl").read_bytes()


# --- interrupted imports -----------------------------------------------------------------------------


class Crash(Exception):
    """Stands for the process dying between two batches."""


class CrashingStore(BatchOnly):
    """A store without an all-or-nothing load that dies after `batches` transactions."""

    def __init__(self, store: Store, batches: int) -> None:
        super().__init__(store)
        self.left = batches

    def transact(self, writes: Sequence[Write]) -> list[Item | None]:
        if self.left == 0:
            raise Crash
        self.left -= 1
        return self.store.transact(writes)


class CrashingLoad:
    """A load that dies after `batches` batches."""

    def __init__(self, load: EmptyLoad, batches: int) -> None:
        self.load = load
        self.left = batches

    def put_all(self, table: str, docs: Sequence[Mapping[str, Any]]) -> None:
        if self.left == 0:
            raise Crash
        self.left -= 1
        self.load.put_all(table, docs)

    def finish(self, table: str) -> None:
        self.load.finish(table)


def many_tasks_export(directory: Path, count: int) -> Path:
    records = valid_records()
    records["tasks"] += [
        {
            "task_id": f"task-many-{n:04d}",
            "description": f"Task {n}",
            "date": "2026-12-05",
            "tags": ["bulk"],
            "created_at": T0,
            "updated_at": T0,
        }
        for n in range(count)
    ]
    return write_export_dir(directory, records)


def same_records(store: Store, other: Store) -> bool:
    """The same records in every table (versions aside)."""
    return {table: [(i, d) for i, _, d in rows] for table, rows in snapshot(store).items()} == {
        table: [(i, d) for i, _, d in rows] for table, rows in snapshot(other).items()
    }


@pytest.mark.parametrize("crash_after", [0, 1, 3, 7, 14])
def test_an_interrupted_batch_by_batch_import_completes_on_rerun_with_identical_results(
    crash_after: int, tmp_path: Path, engine: Engine
) -> None:
    export = many_tasks_export(tmp_path / "export", 40)
    clean = SQLiteStore(str(tmp_path / "clean.db"))
    import_export(clean, export, batch_size=5)
    interrupted = SQLiteStore(str(tmp_path / "interrupted.db"))

    with pytest.raises(Crash):
        import_export(CrashingStore(interrupted, crash_after), export, batch_size=5)  # type: ignore[arg-type]
    stored = sum(interrupted.count(entity.table) for entity in ENTITIES)
    summary = import_export(BatchOnly(interrupted), export, batch_size=5)  # type: ignore[arg-type]

    assert summary.total_skipped == stored
    assert summary.total_written == 51 - stored
    assert same_records(interrupted, clean)
    assert export_of(interrupted, tmp_path / "again", engine) == entity_files(export)
    clean.close()
    interrupted.close()


@pytest.mark.parametrize("crash_after", [0, 1, 3, 7, 14])
def test_a_load_interrupted_anywhere_writes_nothing_and_a_rerun_loads_everything(
    crash_after: int, tmp_path: Path, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    export = many_tasks_export(tmp_path / "export", 40)
    clean = SQLiteStore(str(tmp_path / "clean.db"))
    import_export(clean, export, batch_size=5)
    interrupted = SQLiteStore(str(tmp_path / "interrupted.db"))
    original = interrupted.load_empty

    @contextmanager
    def crashing(tables: Sequence[str]) -> Iterator[EmptyLoad]:
        with original(tables) as load:
            yield CrashingLoad(load, crash_after)

    monkeypatch.setattr(interrupted, "load_empty", crashing)
    with pytest.raises(Crash):
        import_export(interrupted, export, batch_size=5)
    monkeypatch.undo()

    assert all(interrupted.count(entity.table) == 0 for entity in ENTITIES)
    summary = import_export(interrupted, export, batch_size=5)

    assert (summary.total_written, summary.total_skipped) == (51, 0)
    assert snapshot(interrupted) == snapshot(clean)
    assert export_of(interrupted, tmp_path / "again", engine) == entity_files(export)
    clean.close()
    interrupted.close()


# --- validation in a forked process, while the import writes --------------------------------------


def test_a_forked_validation_runs_in_another_process_and_imports_the_same(
    tmp_path: Path, target: Store, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    export = extra_tasks_export(tmp_path / "export")
    pid_file = tmp_path / "validated-by"

    def validate_and_note(directory: Path, *, jobs: int = 1) -> ValidationReport:
        pid_file.write_text(str(os.getpid()))
        return validate_export(directory, jobs=jobs)

    monkeypatch.setattr(restore, "validate_export", validate_and_note)

    summary = import_export(target, export, fork_validation=True, batch_size=4)

    assert int(pid_file.read_text()) != os.getpid()
    assert summary.written == {**COUNTS, "tasks": 10}
    assert summary.validation_warnings == []
    assert export_of(target, tmp_path / "again", engine) == entity_files(export)


@pytest.mark.parametrize("case", list(BROKEN))
def test_an_export_the_forked_validation_rejects_is_refused_and_nothing_is_written(
    case: str, tmp_path: Path, target: Store
) -> None:
    directory = write_export_dir(tmp_path / "export")
    breaks, errors = BROKEN[case]
    breaks(directory)

    with pytest.raises(ExportRefused) as refused:
        import_export(target, directory, fork_validation=True)

    assert refused.value.report.errors == errors
    assert all(target.count(entity.table) == 0 for entity in ENTITIES)


def test_a_validation_process_that_dies_fails_the_import_and_nothing_is_written(
    tmp_path: Path, target: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = write_export_dir(tmp_path / "export")

    def dying(directory: Path, *, jobs: int = 1) -> ValidationReport:
        os._exit(3)  # as if killed: no report

    monkeypatch.setattr(restore, "validate_export", dying)

    with pytest.raises(ServiceUnavailable) as failed:
        import_export(target, directory, fork_validation=True)

    assert failed.value.message == (
        f"The validation of {directory} ended without a report (exit code 3); nothing was imported, run the import again"
    )
    assert all(target.count(entity.table) == 0 for entity in ENTITIES)


def test_a_file_that_changed_after_the_forked_validation_read_it_is_named(
    tmp_path: Path, target: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = write_export_dir(tmp_path / "export")
    report = validate_export(directory)  # what the validation read, before the change
    path = directory / "tasks.jsonl"
    path.write_bytes(path.read_bytes().replace(b'"Book the guest"', b'"Book the ghost"'))
    monkeypatch.setattr(restore, "validate_export", lambda directory, *, jobs=1: report)

    with pytest.raises(Invalid) as changed:
        import_export(target, directory, fork_validation=True)

    assert changed.value.message == (
        "tasks.jsonl changed after it was validated; validate the export again and rerun the import"
    )
    assert all(target.count(entity.table) == 0 for entity in ENTITIES)


class WrittenToMeanwhile(BatchOnly):
    """A store that another writer fills between the import's count and its load."""

    def load_empty(self, tables: Sequence[str]) -> Any:
        self.store.create("tasks", {"id": "task-local", "description": "Local work"})
        return self.store.load_empty(tables)


@pytest.mark.parametrize("fork", [False, True])
def test_a_store_written_to_before_the_load_began_is_compared_as_any_other(
    fork: bool, tmp_path: Path, target: Store
) -> None:
    with pytest.raises(Conflict) as refused:
        import_export(
            WrittenToMeanwhile(target),  # type: ignore[arg-type]
            write_export_dir(tmp_path / "export"),
            fork_validation=fork,
        )

    assert refused.value.message.startswith(
        "The store already holds records that this export does not hold identically (1)"
    )
    assert [item["id"] for item in target.scan("tasks")] == ["task-local"]


# --- the dry run ------------------------------------------------------------------------------------


def test_dry_run_into_an_empty_store_would_write_everything(tmp_path: Path, target: Store) -> None:
    report = dry_run(target, write_export_dir(tmp_path / "export"))

    assert report.as_json() == {
        "valid": True,
        "errors": [],
        "warnings": [],
        "totalRecords": 11,
        "wouldWrite": COUNTS,
        "skipped": ZERO,
        "invalid": ZERO,
    }
    assert list(report.as_json()) == [
        "valid",
        "errors",
        "warnings",
        "totalRecords",
        "wouldWrite",
        "skipped",
        "invalid",
    ]
    assert all(target.count(entity.table) == 0 for entity in ENTITIES)


def test_dry_run_counts_new_changed_and_identical_records_and_writes_nothing(
    tmp_path: Path, target: Store
) -> None:
    import_export(target, write_export_dir(tmp_path / "first"))
    other_records(target)
    target.delete("artifacts", "artifact-1")
    records = valid_records()
    records["tasks"][1]["description"] = "Review the prep document again"
    records["bundles"].append(
        {"bundle_id": "bundle-2", "title": "Episode 13", "created_at": T0, "updated_at": T0}
    )
    before = snapshot(target)

    report = dry_run(target, write_export_dir(tmp_path / "second", records))

    assert report.valid
    assert report.total_records == 12
    assert report.would_write == {**ZERO, "tasks": 1, "bundles": 1, "artifacts": 1}
    assert report.skipped == {**COUNTS, "tasks": 2, "artifacts": 0}
    assert report.invalid == ZERO
    assert snapshot(target) == before


def test_dry_run_counts_the_records_the_validator_rejects(tmp_path: Path, target: Store) -> None:
    records = valid_records()
    records["tasks"][0]["date"] = "2026-02-30"
    records["tasks"][0]["status"] = "finished"
    records["tasks"].append(dict(records["tasks"][1]))  # a duplicate id
    records["artifacts"][0]["metadata"] = {"accessToken": "abc"}
    records["notifications"].append(["not", "an", "object"])
    records["audit_events"][0]["priority"] = "high"
    directory = write_export_dir(tmp_path / "export", records)

    report = dry_run(target, directory)

    assert report.errors == [
        "tasks has duplicate task_id: task-2",
        "notifications[1] must be an object",
        "tasks[0] field date must be a YYYY-MM-DD date",
        "tasks[0] field status has unknown value: finished",
        "artifacts[0].metadata.accessToken must not contain secrets or signed URLs",
    ]
    assert report.invalid == {**ZERO, "tasks": 2, "artifacts": 1, "notifications": 1}
    assert report.would_write == {**COUNTS, "tasks": 2, "artifacts": 0}
    assert report.skipped == ZERO
    assert report.warnings == [
        "audit_events field priority is left out of the import (records holding it: 1): export "
        "format version 1 has no such field, or not with such a value"
    ]
    assert report.total_records == 13


def test_dry_run_reports_a_missing_manifest_instead_of_raising(
    tmp_path: Path, target: Store
) -> None:
    report = dry_run(target, tmp_path / "nowhere")

    assert report.as_json() == {
        "valid": False,
        "errors": ["manifest.json is missing or invalid: No such file or directory"],
        "warnings": [],
        "totalRecords": 0,
        "wouldWrite": {},
        "skipped": {},
        "invalid": {},
    }


def test_dry_run_reports_an_unreadable_entity_without_its_numbers(
    tmp_path: Path, target: Store
) -> None:
    directory = write_export_dir(tmp_path / "export")
    (directory / "files.jsonl").unlink()

    report = dry_run(target, directory)

    assert report.errors == ["files.jsonl is missing: No such file or directory"]
    assert "files" not in report.would_write
    assert report.would_write == {name: count for name, count in COUNTS.items() if name != "files"}
    assert report.total_records == 10


def test_a_resumable_store_is_told_apart_from_a_foreign_one(tmp_path: Path, target: Store) -> None:
    """A store holding some of the export's records identically (what a crash leaves) is
    completed without --upsert; one holding a changed record is not."""
    export = write_export_dir(tmp_path / "export")
    import_export(target, export)
    target.delete("audit_events", "event-1")
    task = target.get("tasks", "task-3")
    assert task is not None
    target.replace("tasks", {**task, "comment": "changed"}, task.version)

    with pytest.raises(Conflict) as refused:
        import_export(target, export)

    assert refused.value.message.startswith(
        "The store already holds records that this export does not hold identically (1)"
    )
    target.replace("tasks", task, task.version + 1)

    summary = import_export(target, export)

    assert summary.written == {**ZERO, "audit_events": 1}
    assert summary.skipped == {**COUNTS, "audit_events": 0}


# --- the declared size of an export ----------------------------------------------------------------


def test_the_records_a_manifest_declares_are_counted_for_a_progress_bar(tmp_path: Path) -> None:
    directory = write_export_dir(tmp_path / "export")
    assert declared_records(directory) == 11
    manifest = read_manifest(directory)
    manifest["entity_counts"]["tasks"] = "three"
    write_manifest(directory, manifest)
    assert declared_records(directory) is None
    assert declared_records(tmp_path / "nowhere") is None
