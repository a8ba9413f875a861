"""`dataops export [DIR]` and `dataops validate-export DIR` (docs/export-format.md): summaries,
the JSON report, and exit codes 0 valid, 1 invalid, 2 usage."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from typer.testing import CliRunner

from dataops.cli import app
from dataops.engine import users
from dataops.engine.context import Engine
from dataops.model import jsonvalue
from dataops.portable import console
from dataops.store.sqlite import SQLiteStore
from tests.portable.builder import valid_records, write_export_dir

runner = CliRunner()


@pytest.fixture
def store_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DATAOPS_ENV", "test")
    monkeypatch.setenv("DATAOPS_STORE", f"sqlite:///{tmp_path / 'dataops.db'}")
    monkeypatch.setenv("DATAOPS_BLOBS", f"local-dev:///{tmp_path / 'blobs'}")
    monkeypatch.chdir(tmp_path)
    SQLiteStore(str(tmp_path / "dataops.db")).close()  # an empty store, as setup would leave it
    return tmp_path


def test_export_refuses_a_store_that_does_not_exist(store_env: Path) -> None:
    (store_env / "dataops.db").unlink()

    result = runner.invoke(app, ["export", "backup"])

    assert result.exit_code == 2
    assert result.stderr == (
        f"dataops: no store at {store_env / 'dataops.db'}: set DATAOPS_STORE to an existing "
        "store, or create one with `dataops setup-local`\n"
    )
    assert not (store_env / "dataops.db").exists()
    assert not (store_env / "backup").exists()


def test_export_to_a_directory_prints_one_summary_line(store_env: Path) -> None:
    result = runner.invoke(app, ["export", "backup"])

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(
        "Exported 0 records (users 0, tasks 0, bundles 0, templates 0, recurring_configs 0, "
        f"files 0, artifacts 0, notifications 0, audit_events 0) to {store_env / 'backup'} in "
    )
    assert (store_env / "backup" / "manifest.json").is_file()


def test_export_defaults_to_a_timestamped_directory_under_exports(store_env: Path) -> None:
    result = runner.invoke(app, ["export"])

    assert result.exit_code == 0, result.output
    [name] = os.listdir(store_env / "exports")
    assert name.startswith("dataops-") and name.endswith("Z")
    manifest = jsonvalue.loads((store_env / "exports" / name / "manifest.json").read_bytes())
    assert name == "dataops-" + manifest["generated_at"].replace("-", "").replace(":", "")


def test_export_refuses_an_occupied_target(store_env: Path) -> None:
    (store_env / "backup").mkdir()
    (store_env / "backup" / "old.txt").write_text("keep")

    result = runner.invoke(app, ["export", "backup"])

    assert result.exit_code == 1
    assert "dataops: Export target backup already exists and is not empty" in result.output


def test_export_refuses_s3_targets(store_env: Path) -> None:
    result = runner.invoke(app, ["export", "s3://dataops-exports/nightly"])

    assert result.exit_code == 1
    assert (
        "dataops: Exports to s3:// targets are not supported yet; use a local directory"
        in result.output
    )


def test_validate_export_json_report_of_a_valid_export(tmp_path: Path) -> None:
    write_export_dir(tmp_path)

    result = runner.invoke(app, ["validate-export", str(tmp_path), "--json"])

    assert result.exit_code == 0
    assert jsonvalue.loads(result.stdout) == {
        "valid": True,
        "errors": [],
        "warnings": [],
        "entityCounts": {
            "users": 1,
            "tasks": 3,
            "bundles": 1,
            "templates": 1,
            "recurring_configs": 1,
            "files": 1,
            "artifacts": 1,
            "notifications": 1,
            "audit_events": 1,
        },
    }
    assert list(jsonvalue.loads(result.stdout)) == ["valid", "errors", "warnings", "entityCounts"]


def test_validate_export_invalid_exits_1_and_lists_every_error(tmp_path: Path) -> None:
    records = valid_records()
    records["tasks"][0]["status"] = "finished"
    records["users"][0]["password_hash"] = "scrypt$16384$8$1$c2FsdA==$ZGlnZXN0"
    write_export_dir(tmp_path, records, manifest={"redactions": []})

    as_json = runner.invoke(app, ["validate-export", str(tmp_path), "--json"])
    readable = runner.invoke(app, ["validate-export", str(tmp_path)])

    errors = [
        "users[0] field password_hash holds a password hash; password hashes are never exported",
        "tasks[0] field status has unknown value: finished",
        "manifest missing redaction marker users.password_hash",
        "manifest missing redaction marker sessions",
    ]
    assert as_json.exit_code == 1
    assert jsonvalue.loads(as_json.stdout)["errors"] == errors
    assert readable.exit_code == 1
    assert readable.stdout.splitlines() == [
        f"Export {tmp_path}: INVALID (4 errors, 0 warnings)",
        "Records: users 1, tasks 3, bundles 1, templates 1, recurring_configs 1, files 1, "
        "artifacts 1, notifications 1, audit_events 1",
        "Errors:",
        *(f"  - {error}" for error in errors),
    ]


def test_validate_export_of_a_missing_directory_is_invalid_not_a_crash(tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate-export", str(tmp_path / "nowhere"), "--json"])

    assert result.exit_code == 1
    assert jsonvalue.loads(result.stdout) == {
        "valid": False,
        "errors": ["manifest.json is missing or invalid: No such file or directory"],
        "warnings": [],
        "entityCounts": {},
    }


def test_validate_export_readable_report_with_warnings(tmp_path: Path) -> None:
    records = valid_records()
    records["tasks"][0]["assignee_id"] = "user-grace"
    write_export_dir(tmp_path, records)

    result = runner.invoke(app, ["validate-export", str(tmp_path)])

    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == f"Export {tmp_path}: valid (0 errors, 1 warning)"
    assert result.stdout.splitlines()[-2:] == [
        "Warnings:",
        "  - tasks[0] references deleted or external assignee_id: user-grace",
    ]


def test_validate_export_without_a_directory_is_a_usage_error() -> None:
    result = runner.invoke(app, ["validate-export"], prog_name="dataops")

    assert result.exit_code == 2
    assert result.output.startswith("Usage: dataops validate-export [OPTIONS]")
    assert "Missing argument" in result.output


def test_export_shows_records_and_rate_on_a_terminal(engine: Engine, tmp_path: Path) -> None:
    users.add_user(engine, email="ada@example.com", name="Ada")
    screen = io.StringIO()

    summary, seconds = console.run_export(
        engine, tmp_path / "export", console=Console(file=screen, force_terminal=True, width=100)
    )

    drawn = screen.getvalue()
    assert "Exporting" in drawn
    assert "1/1" in drawn and "records" in drawn
    assert summary.total_records == 1
    assert console.export_summary_line(summary, seconds).startswith("Exported 1 records (users 1,")


def _break_manifest(directory: Path) -> None:
    (directory / "manifest.json").write_text("{")


def _drop_file(directory: Path) -> None:
    (directory / "files.jsonl").unlink()


def _truncate_artifacts(directory: Path) -> None:
    path = directory / "artifacts.jsonl"
    path.write_bytes(path.read_bytes()[:40])


def _flip_a_byte(directory: Path) -> None:
    path = directory / "users.jsonl"
    path.write_bytes(path.read_bytes().replace(b"Ada", b"Ida"))


@pytest.mark.parametrize(
    ("damage", "first_error"),
    [
        (_break_manifest, "manifest.json is missing or invalid: "),
        (_drop_file, "files.jsonl is missing: No such file or directory"),
        (_truncate_artifacts, "artifacts.jsonl checksum mismatch"),
        (_flip_a_byte, "users.jsonl checksum mismatch"),
    ],
)
def test_every_damaged_export_exits_1(tmp_path: Path, damage: Any, first_error: str) -> None:
    write_export_dir(tmp_path)
    damage(tmp_path)

    result = runner.invoke(app, ["validate-export", str(tmp_path), "--json", "--jobs", "2"])

    assert result.exit_code == 1
    report = jsonvalue.loads(result.stdout)
    assert report["valid"] is False
    assert report["errors"][0].startswith(first_error)
