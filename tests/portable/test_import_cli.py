"""`dataops import DIR [--dry-run] [--upsert]` and `dataops restore-drill [--keep DIR]`
(docs/export-format.md): reports, summaries, exit codes (0 done, 1 invalid or refused, 2 usage),
a real crash mid-import that a rerun completes, and the drill on the demo data."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dataops.bootstrap import open_engine
from dataops.cli import app
from dataops.config import Settings
from dataops.engine import demo
from dataops.model import jsonvalue
from dataops.portable.mapping import ENTITIES
from dataops.store.sqlite import SQLiteStore
from tests.portable.builder import T0, valid_records, write_export_dir
from tests.support.identity import login_token

runner = CliRunner()
COUNTS = (
    "users 1, tasks 3, bundles 1, templates 1, recurring_configs 1, files 1, artifacts 1, "
    "notifications 1, audit_events 1"
)


@pytest.fixture
def store_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DATAOPS_ENV", "test")
    monkeypatch.setenv("DATAOPS_STORE", f"sqlite:///{tmp_path / 'dataops.db'}")
    monkeypatch.setenv("DATAOPS_BLOBS", f"local-dev:///{tmp_path / 'blobs'}")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def stored(tmp_path: Path) -> dict[str, int]:
    store = SQLiteStore(str(tmp_path / "dataops.db"))
    try:
        return {entity.name: store.count(entity.table) for entity in ENTITIES}
    finally:
        store.close()


# --- import --dry-run ---------------------------------------------------------------------------


def test_dry_run_prints_the_json_report_and_writes_nothing(store_env: Path) -> None:
    export = write_export_dir(store_env / "export")

    result = runner.invoke(app, ["import", str(export), "--dry-run", "--json"])

    assert result.exit_code == 0, result.output
    report = jsonvalue.loads(result.stdout)
    assert list(report) == [
        "valid",
        "errors",
        "warnings",
        "totalRecords",
        "wouldWrite",
        "skipped",
        "invalid",
    ]
    assert report["valid"] is True
    assert report["totalRecords"] == 11
    assert report["wouldWrite"]["tasks"] == 3
    assert set(stored(store_env).values()) == {0}


def test_dry_run_readable_report(store_env: Path) -> None:
    records = valid_records()
    records["tasks"][0]["status"] = "finished"
    records["tasks"][1]["assignee_id"] = "user-grace"
    export = write_export_dir(store_env / "export", records)

    result = runner.invoke(app, ["import", str(export), "--dry-run"])

    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"Import dry run of {export}: INVALID (1 error, 1 warning); nothing was written",
        "entity               records  would write   skipped   invalid",
        "users                      1            1         0         0",
        "tasks                      3            2         0         1",
        "bundles                    1            1         0         0",
        "templates                  1            1         0         0",
        "recurring_configs          1            1         0         0",
        "files                      1            1         0         0",
        "artifacts                  1            1         0         0",
        "notifications              1            1         0         0",
        "audit_events               1            1         0         0",
        "total                     11           10         0         1",
        "Errors:",
        "  - tasks[0] field status has unknown value: finished",
        "Warnings:",
        "  - tasks[1] references deleted or external assignee_id: user-grace",
    ]
    assert set(stored(store_env).values()) == {0}


def test_dry_run_of_a_missing_export_is_reported_not_raised(store_env: Path) -> None:
    result = runner.invoke(app, ["import", "nowhere", "--dry-run", "--json"])

    assert result.exit_code == 1
    assert jsonvalue.loads(result.stdout) == {
        "valid": False,
        "errors": ["manifest.json is missing or invalid: No such file or directory"],
        "warnings": [],
        "totalRecords": 0,
        "wouldWrite": {},
        "skipped": {},
        "invalid": {},
    }


def test_import_without_a_directory_is_a_usage_error(store_env: Path) -> None:
    result = runner.invoke(app, ["import"], prog_name="dataops")

    assert result.exit_code == 2
    assert result.output.startswith("Usage: dataops import [OPTIONS]")
    assert "Missing argument" in result.output


# --- import -------------------------------------------------------------------------------------


def test_import_prints_a_summary_and_a_password_reminder(store_env: Path) -> None:
    export = write_export_dir(store_env / "export")

    result = runner.invoke(app, ["import", str(export)])

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"Imported 11 records ({COUNTS}) from {export} in ")
    assert lines[0].endswith("records/s); 0 already stored")
    assert lines[1:] == [
        "Imported users have no password (exports never hold password hashes): set one with "
        "`dataops users set-password USER_ID`."
    ]
    assert stored(store_env) == {
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
    again = runner.invoke(app, ["import", str(export)])
    assert again.exit_code == 0
    assert again.stdout.splitlines()[0].endswith("; 11 already stored")
    assert again.stdout.startswith("Imported 0 records (users 0, tasks 0,")


def test_an_imported_user_logs_in_after_set_password(store_env: Path) -> None:
    runner.invoke(app, ["import", str(write_export_dir(store_env / "export"))])

    result = runner.invoke(
        app, ["users", "set-password", "user-ada", "--password", "correct horse"]
    )

    assert result.exit_code == 0, result.output
    engine = open_engine(Settings.from_env())
    try:
        from dataops.engine import identity

        token = login_token(engine, "ada@example.com", "correct horse")
        found = identity.bearer_identity(engine, token)
        assert found is not None and found.actor == "user-ada"
        # Imported without a role: a member.
        assert found.as_json()["role"] == "member"
    finally:
        engine.store.close()


def test_import_of_an_invalid_export_prints_the_errors_and_writes_nothing(
    store_env: Path,
) -> None:
    records = valid_records()
    records["tasks"][0]["bundle_id"] = "bundle-gone"
    records["users"][0]["password_hash"] = "scrypt$16384$8$1$c2FsdA==$ZGlnZXN0"
    export = write_export_dir(store_env / "export", records)

    result = runner.invoke(app, ["import", str(export)])

    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"Export {export}: INVALID (2 errors, 0 warnings)",
        f"Records: {COUNTS}",
        "Errors:",
        "  - users[0] field password_hash holds a password hash; password hashes are never exported",
        "  - tasks[0] references missing bundle_id: bundle-gone",
    ]
    assert result.stderr == (
        f"Store: {store_env / 'dataops.db'}\n"
        f"dataops: Export {export} is invalid (2 errors); nothing was imported\n"
    )
    assert set(stored(store_env).values()) == {0}


def add_grace() -> None:
    added = runner.invoke(
        app, ["users", "add", "--email", "grace@example.com", "--name", "Grace", "--no-password"]
    )
    assert added.exit_code == 0, added.output


def test_a_store_with_other_records_needs_upsert(store_env: Path) -> None:
    add_grace()
    export = write_export_dir(store_env / "export")

    refused = runner.invoke(app, ["import", str(export)])
    merged = runner.invoke(app, ["import", str(export), "--upsert"])

    assert refused.exit_code == 1
    assert refused.stderr == (
        f"Store: {store_env / 'dataops.db'}\n"
        "dataops: The store already holds records that this export does not hold identically "
        "(1); import into an empty store, or pass --upsert to merge the export into it\n"
    )
    assert merged.exit_code == 0, merged.output
    assert merged.stdout.startswith(f"Imported 11 records ({COUNTS})")
    assert stored(store_env)["users"] == 2


def test_fields_left_out_are_printed_as_warnings(store_env: Path) -> None:
    records = valid_records()
    records["tasks"][0]["priority"] = "high"
    export = write_export_dir(store_env / "export", records)

    result = runner.invoke(app, ["import", str(export)])

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1] == (
        "Warning: tasks field priority is left out of the import (records holding it: 1): export format version 1 has no such field, or not with such a value"
    )


# --- a real crash ---------------------------------------------------------------------------------

# Runs `dataops import` and kills the process (SIGKILL) in the middle of its Nth batch: into an
# empty store, a batch of the one load; into a store with records (--upsert), a transaction,
# after half of its records were written and before its commit.
_DYING_IMPORT = textwrap.dedent(
    """
    import os, signal, sys
    from dataops.store import sqlite

    die_at = int(os.environ["DIE_AT_BATCH"])
    seen = 0
    transact, put_all = sqlite.SQLiteStore.transact, sqlite._Load.put_all

    def dying_transact(self, writes):
        global seen
        seen += 1
        if seen < die_at:
            return transact(self, writes)
        self._db.execute("BEGIN IMMEDIATE")
        for write in writes[: len(writes) // 2]:
            self._apply(write)
        os.kill(os.getpid(), signal.SIGKILL)

    def dying_put_all(self, table, docs):
        global seen
        seen += 1
        put_all(self, table, docs)
        if seen == die_at:
            os.kill(os.getpid(), signal.SIGKILL)

    sqlite.SQLiteStore.transact = dying_transact
    sqlite._Load.put_all = dying_put_all
    from dataops.cli import main
    sys.argv = ["dataops", *sys.argv[1:]]
    main()
    """
)


def many_tasks(directory: Path) -> Path:
    records = valid_records()
    records["tasks"] += [
        {"task_id": f"task-many-{n:03d}", "description": f"Task {n}", "date": "2026-12-05"}
        for n in range(95)
    ]
    return write_export_dir(directory, records)


def killed_import(export: Path, *options: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [
            sys.executable,
            "-c",
            _DYING_IMPORT,
            "import",
            str(export),
            "--batch-size",
            "10",
            *options,
        ],
        env={**os.environ, "DIE_AT_BATCH": "6"},
        capture_output=True,
        check=False,
    )


def assert_exported_as(store_env: Path, export: Path, entities: list[str]) -> None:
    exported = runner.invoke(app, ["export", "again"])
    assert exported.exit_code == 0, exported.output
    for entity in ENTITIES:
        if entity.name in entities:
            assert (store_env / "again" / entity.filename).read_bytes() == (
                export / entity.filename
            ).read_bytes(), entity.name


def test_an_import_killed_mid_load_leaves_an_empty_store_and_a_rerun_completes(
    store_env: Path,
) -> None:
    export = many_tasks(store_env / "export")

    killed = killed_import(export)

    assert killed.returncode == -signal.SIGKILL, killed.stderr.decode()
    # Users, templates, bundles and 30 tasks were loaded, none committed.
    assert set(stored(store_env).values()) == {0}
    rerun = runner.invoke(app, ["import", str(export), "--batch-size", "10"])
    assert rerun.exit_code == 0, rerun.output
    assert rerun.stdout.startswith("Imported 106 records (users 1, tasks 98,")
    assert "; 0 already stored" in rerun.stdout
    assert_exported_as(store_env, export, [entity.name for entity in ENTITIES])


def test_an_upsert_killed_mid_transaction_completes_on_rerun(store_env: Path) -> None:
    add_grace()
    export = many_tasks(store_env / "export")

    killed = killed_import(export, "--upsert")

    assert killed.returncode == -signal.SIGKILL, killed.stderr.decode()
    # users, templates, bundles, then 20 tasks: five whole batches, nothing of the sixth.
    assert stored(store_env) == {
        **dict.fromkeys(stored(store_env), 0),
        "users": 2,
        "templates": 1,
        "bundles": 1,
        "tasks": 20,
    }
    rerun = runner.invoke(app, ["import", str(export), "--batch-size", "10", "--upsert"])
    assert rerun.exit_code == 0, rerun.output
    assert rerun.stdout.startswith("Imported 83 records (users 0, tasks 78,")
    assert "; 23 already stored" in rerun.stdout
    assert_exported_as(store_env, export, [e.name for e in ENTITIES if e.name != "users"])


# --- restore-drill ------------------------------------------------------------------------------


def load_demo_data() -> None:
    engine = open_engine(Settings.from_env())
    try:
        demo.load_demo(engine)
    finally:
        engine.store.close()


def test_restore_drill_passes_on_the_demo_data(store_env: Path) -> None:
    load_demo_data()
    before = stored(store_env)

    result = runner.invoke(app, ["restore-drill"])

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"Restore drill of {store_env / 'dataops.db'} in ")
    steps = [line.split()[:2] for line in lines[1:-1]]
    assert steps == [
        ["PASS", "export"],
        ["PASS", "validate"],
        ["PASS", "import"],
        ["PASS", "checksums"],
        ["PASS", "today's"],
        ["PASS", "bundle"],
        ["PASS", "template"],
        ["PASS", "notifications"],
        ["PASS", "files/artifacts"],
        ["PASS", "proof"],
    ]
    assert lines[-1] == "Restore drill passed: 10 checks"
    workdir = Path(lines[0].split(" in ")[-1])
    assert not workdir.exists()  # the temporary directory is removed
    assert stored(store_env) == before


def test_restore_drill_keeps_its_work_when_asked(store_env: Path) -> None:
    load_demo_data()

    result = runner.invoke(app, ["restore-drill", "--keep", "drill"])

    assert result.exit_code == 0, result.output
    assert sorted(path.name for path in (store_env / "drill").iterdir()) == [
        "export",
        "restored",
        "scratch.db",
    ]
    assert (store_env / "drill" / "export" / "manifest.json").is_file()


def test_restore_drill_refuses_an_occupied_directory(store_env: Path) -> None:
    (store_env / "drill").mkdir()
    (store_env / "drill" / "notes.txt").write_text("keep")

    result = runner.invoke(app, ["restore-drill", "--keep", "drill"])

    assert result.exit_code == 1
    assert result.stderr == (
        "dataops: Restore drill directory drill already exists and is not empty\n"
    )
    assert (store_env / "drill" / "notes.txt").read_text() == "keep"


def test_restore_drill_fails_on_an_invalid_store(store_env: Path) -> None:
    store = SQLiteStore(str(store_env / "dataops.db"))
    store.create(
        "tasks",
        {
            "id": "task-1",
            "description": "Orphan",
            "date": "2026-12-01",
            "bundleId": "gone",
            "createdAt": T0,
        },
    )
    store.close()

    result = runner.invoke(app, ["restore-drill"])

    assert result.exit_code == 1
    assert result.stdout.splitlines()[-2:] == [
        "FAIL  validate         the export is invalid (1 errors), first: tasks[0] references missing bundle_id: gone",
        "Restore drill FAILED: 1 of 2 checks failed",
    ]
