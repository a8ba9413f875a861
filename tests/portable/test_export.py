"""Writing exports (docs/export-format.md): complete, deterministic to the byte, checksummed, and
atomic: a target either holds a whole export or nothing."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from dataops.bootstrap import open_store
from dataops.engine import users
from dataops.engine.context import Engine
from dataops.model import jsonvalue
from dataops.model.errors import Conflict, Invalid
from dataops.portable import export as export_module
from dataops.portable.export import ExportOptions, directory_name, write_export
from dataops.portable.validate import validate_export
from tests.conftest import client_for, make_engine, make_settings
from tests.portable.builder import read_jsonl

T0 = "2026-11-28T09:00:00.000Z"


def seed(engine: Engine, client: TestClient) -> dict[str, Any]:
    """One record of every entity: through the API where a route exists, else as the engine
    stores them."""
    user = users.add_user(engine, email="ada@example.com", name="Ada", password="correct horse")
    bundle = client.post(
        "/api/bundles", json={"title": "Episode 12 — Grace", "anchorDate": "2026-12-10"}
    ).json()["bundle"]
    task = client.post(
        "/api/tasks",
        json={
            "description": "Prepare the guest document",
            "date": "2026-12-01",
            "bundleId": bundle["id"],
        },
        headers={"x-user-id": user["id"]},
    ).json()
    done = client.post(
        "/api/tasks",
        json={
            "description": "Write the show notes",
            "date": "2026-12-02",
            "status": "done",
            "comment": "Notes are in the doc",
            "proofRequirement": {"type": "comment"},
        },
        headers={"x-user-id": user["id"]},
    ).json()
    store = engine.store
    store.create(
        "templates",
        {
            "id": "template-1",
            "name": "Podcast episode",
            "type": "podcast",
            "taskDefinitions": [{"refId": "book", "description": "Book", "offsetDays": -9}],
            "createdAt": T0,
            "updatedAt": T0,
        },
    )
    store.create(
        "recurring_configs",
        {
            "id": "recurring-1",
            "description": "Weekly newsletter",
            "cronExpression": "0 9 * * 1",
            "enabled": True,
            "createdAt": T0,
            "updatedAt": T0,
        },
    )
    store.create(
        "files",
        {
            "id": "file-1",
            "taskId": task["id"],
            "bundleId": bundle["id"],
            "filename": "brief.pdf",
            "category": "document",
            "storageProvider": "local-dev",
            "storageUri": "local-dev://files/7f3a",
            "contentType": "application/pdf",
            "checksum": "sha256:" + "0" * 64,
            "sizeBytes": 2048,
            "createdAt": T0,
        },
    )
    store.create(
        "artifacts",
        {
            "id": "artifact-1",
            "type": "event-page",
            "title": "Luma page",
            "status": "approved",
            "storageProvider": "external-url",
            "storageUri": "https://lu.ma/episode-12",
            "dataClass": "public",
            "visibility": "public",
            "sourceType": "manual-link",
            "taskId": task["id"],
            "createdBy": user["id"],
            "reviewedBy": user["id"],
            "createdAt": T0,
            "updatedAt": T0,
            "reviewedAt": T0,
            "metadata": {"ünïcode": "naïve café", "nested": {"z": 1, "a": 2}},
        },
    )
    store.create(
        "notifications",
        {
            "id": "notification-1",
            "message": "Podcast episode bundle auto-created for Dec 10",
            "bundleId": bundle["id"],
            "dismissed": False,
            "createdAt": T0,
        },
    )
    return {"user": user, "bundle": bundle, "task": task, "done": done}


def digest(path: Path) -> str:
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


def test_export_writes_every_entity_and_a_manifest(
    engine: Engine, client: TestClient, tmp_path: Path
) -> None:
    seeded = seed(engine, client)

    summary = write_export(engine, tmp_path / "export", ExportOptions(generated_at=T0))

    export = tmp_path / "export"
    assert sorted(os.listdir(export)) == [
        "artifacts.jsonl",
        "audit_events.jsonl",
        "bundles.jsonl",
        "files.jsonl",
        "manifest.json",
        "notifications.jsonl",
        "recurring_configs.jsonl",
        "tasks.jsonl",
        "templates.jsonl",
        "users.jsonl",
    ]
    counts = {
        "users": 1,
        "tasks": 2,
        "bundles": 1,
        "templates": 1,
        "recurring_configs": 1,
        "files": 1,
        "artifacts": 1,
        "notifications": 1,
        "audit_events": 1,  # the task created as done
    }
    assert summary.entity_counts == counts
    assert summary.output_dir == str(export)
    manifest_bytes = (export / "manifest.json").read_bytes()
    manifest = jsonvalue.loads(manifest_bytes)
    assert list(manifest) == [
        "schema_version",
        "generated_at",
        "source_environment",
        "source_stack",
        "source_region",
        "app_git_sha",
        "export_format_version",
        "entity_files",
        "entity_counts",
        "checksums",
        "redactions",
        "omitted_entities",
    ]
    assert manifest["schema_version"] == "dataops.execution.v1"
    assert manifest["generated_at"] == T0
    assert manifest["source_environment"] == "test"
    assert (manifest["source_stack"], manifest["source_region"], manifest["app_git_sha"]) == (
        "unknown",
        "unknown",
        "unknown",
    )
    assert manifest["export_format_version"] == 1
    assert manifest["entity_counts"] == counts
    assert manifest["redactions"] == ["users.password_hash", "sessions"]
    assert manifest["omitted_entities"] == ["sessions", "assistant_jobs"]
    for entity, filename in manifest["entity_files"].items():
        assert filename == f"{entity}.jsonl"
        assert manifest["checksums"][filename] == digest(export / filename)
    # 2-space indentation and a trailing newline.
    assert manifest_bytes.startswith(b'{\n  "schema_version": "dataops.execution.v1",\n')
    assert manifest_bytes.endswith(b"\n  ]\n}\n")
    users_line = (export / "users.jsonl").read_text()
    assert "password" not in users_line and "scrypt" not in users_line
    tasks = read_jsonl(export / "tasks.jsonl")
    assert sorted(task["task_id"] for task in tasks) == [task["task_id"] for task in tasks]
    assert {task["task_id"] for task in tasks} == {seeded["task"]["id"], seeded["done"]["id"]}
    assert validate_export(export).as_json() == {
        "valid": True,
        "errors": [],
        "warnings": [],
        "entityCounts": counts,
    }


def test_lines_are_compact_sorted_and_keep_unicode_and_nested_order(
    engine: Engine, client: TestClient, tmp_path: Path
) -> None:
    seed(engine, client)

    write_export(engine, tmp_path / "export")

    line = (tmp_path / "export" / "artifacts.jsonl").read_bytes()
    assert line.endswith(b"}\n") and line.count(b"\n") == 1
    assert (
        b'"metadata":{"\xc3\xbcn\xc3\xafcode":"na\xc3\xafve caf\xc3\xa9","nested":{"z":1,"a":2}}'
        in line
    )
    assert b", " not in line and b": " not in line
    record = jsonvalue.loads(line)
    assert list(record) == sorted(record)
    bundle_line = (tmp_path / "export" / "bundles.jsonl").read_text(encoding="utf-8")
    assert "Episode 12 — Grace" in bundle_line


def test_empty_entities_give_empty_files(engine: Engine, tmp_path: Path) -> None:
    summary = write_export(engine, tmp_path / "export")

    assert summary.total_records == 0
    for entity in summary.entity_counts:
        path = tmp_path / "export" / f"{entity}.jsonl"
        assert path.read_bytes() == b""
        assert summary.checksums[path.name] == (
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        )
    assert validate_export(tmp_path / "export").valid


def test_two_exports_of_unchanged_data_are_byte_identical(
    engine: Engine, client: TestClient, tmp_path: Path
) -> None:
    seed(engine, client)

    first = write_export(engine, tmp_path / "first", ExportOptions(generated_at=T0))
    second = write_export(engine, tmp_path / "second", ExportOptions(generated_at=T0))
    later = write_export(engine, tmp_path / "later")

    for name in os.listdir(tmp_path / "first"):
        assert (tmp_path / "first" / name).read_bytes() == (tmp_path / "second" / name).read_bytes()
    assert first.checksums == second.checksums == later.checksums
    assert later.generated_at != T0
    # Exactly what differs when the clock moved on: the manifest's `generated_at`, nothing else.
    for name in os.listdir(tmp_path / "first"):
        if name != "manifest.json":
            later_bytes = (tmp_path / "later" / name).read_bytes()
            assert (tmp_path / "first" / name).read_bytes() == later_bytes
    manifests = [
        jsonvalue.loads((tmp_path / folder / "manifest.json").read_bytes())
        for folder in ("first", "later")
    ]
    assert {key for key in manifests[0] if manifests[0][key] != manifests[1][key]} == {
        "generated_at"
    }


def test_settings_and_options_fill_the_source_fields(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path,
        AWS_STACK_NAME="dataops-prod",
        AWS_REGION="eu-central-1",
        APP_GIT_SHA="4f2a9c1",
    )
    engine = make_engine(settings)

    write_export(engine, tmp_path / "from-settings")
    write_export(
        engine,
        tmp_path / "from-options",
        ExportOptions(
            generated_at="2026-01-02",
            source_environment="staging",
            source_stack="other",
            source_region="us-east-1",
            app_git_sha="abc",
        ),
    )

    from_settings = jsonvalue.loads((tmp_path / "from-settings" / "manifest.json").read_bytes())
    from_options = jsonvalue.loads((tmp_path / "from-options" / "manifest.json").read_bytes())
    assert [
        from_settings[key]
        for key in ("source_environment", "source_stack", "source_region", "app_git_sha")
    ] == [
        "test",
        "dataops-prod",
        "eu-central-1",
        "4f2a9c1",
    ]
    assert [
        from_options[key]
        for key in (
            "generated_at",
            "source_environment",
            "source_stack",
            "source_region",
            "app_git_sha",
        )
    ] == [
        "2026-01-02",
        "staging",
        "other",
        "us-east-1",
        "abc",
    ]


def test_an_existing_target_is_never_overwritten(engine: Engine, tmp_path: Path) -> None:
    target = tmp_path / "export"
    target.mkdir()
    (target / "notes.txt").write_text("keep me")

    with pytest.raises(Conflict) as refused:
        write_export(engine, target)

    assert refused.value.message == f"Export target {target} already exists and is not empty"
    assert os.listdir(target) == ["notes.txt"]
    assert os.listdir(tmp_path) == ["export"]


def test_an_empty_directory_can_be_the_target(engine: Engine, tmp_path: Path) -> None:
    (tmp_path / "export").mkdir()

    write_export(engine, tmp_path / "export")

    assert (tmp_path / "export" / "manifest.json").is_file()


def test_s3_targets_are_refused_until_s3_storage_exists(engine: Engine) -> None:
    with pytest.raises(Invalid) as refused:
        write_export(engine, "s3://dataops-exports/nightly")

    assert refused.value.message == (
        "Exports to s3:// targets are not supported yet; use a local directory"
    )


def test_an_unwritable_target_is_a_clear_error(engine: Engine, tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a directory")

    with pytest.raises(Invalid) as refused:
        write_export(engine, tmp_path / "a-file" / "export")

    assert refused.value.message == (
        f"Export could not be written to {tmp_path / 'a-file' / 'export'}: Not a directory"
    )


def test_a_failure_half_way_leaves_nothing_that_looks_like_an_export(
    engine: Engine, client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(engine, client)

    class CrashError(Exception):
        pass

    original = export_module.Mapper.__call__
    mapped = []

    def crash_on_artifacts(self: export_module.Mapper, record: Any) -> dict[str, Any]:
        if self.entity.name == "artifacts":
            raise CrashError
        mapped.append(self.entity.name)
        return original(self, record)

    monkeypatch.setattr(export_module.Mapper, "__call__", crash_on_artifacts)

    with pytest.raises(CrashError):
        write_export(engine, tmp_path / "export")

    assert "tasks" in mapped  # files before artifacts were being written
    assert os.listdir(tmp_path) == []  # no target, and the partial directory is gone


def test_an_interrupted_export_is_hidden_and_has_no_manifest(
    engine: Engine, client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A process killed before the rename leaves only a hidden `.partial` directory, whose
    missing manifest the validator reports."""
    seed(engine, client)
    monkeypatch.setattr(export_module.shutil, "rmtree", lambda *args, **kwargs: None)

    def killed(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(export_module, "_write_file", killed)

    with pytest.raises(KeyboardInterrupt):
        write_export(engine, tmp_path / "export")

    [partial] = os.listdir(tmp_path)
    assert partial.startswith(".export.") and partial.endswith(".partial")
    assert not (tmp_path / "export").exists()
    assert validate_export(tmp_path / partial).errors == [
        "manifest.json is missing or invalid: No such file or directory"
    ]


def test_progress_reports_records_written(
    engine: Engine, client: TestClient, tmp_path: Path
) -> None:
    seed(engine, client)
    seen: list[int] = []

    summary = write_export(engine, tmp_path / "export", progress=seen.append)

    assert seen == sorted(seen)
    assert seen[-1] == summary.total_records == 10


def test_directory_names_follow_generated_at() -> None:
    assert directory_name("2026-11-28T09:00:00.123Z") == "dataops-20261128T090000.123Z"


def test_several_processes_write_the_same_export(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, DATAOPS_STORE=f"sqlite:///{tmp_path / 'dataops.db'}")
    engine = make_engine(settings)
    seed(engine, client_for(engine))
    seen: list[int] = []

    one = write_export(engine, tmp_path / "one", ExportOptions(generated_at=T0))
    several = write_export(
        engine,
        tmp_path / "several",
        ExportOptions(generated_at=T0),
        progress=seen.append,
        jobs=2,
        open_store=lambda: open_store(settings),
    )

    assert several.entity_counts == one.entity_counts
    for name in os.listdir(tmp_path / "one"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "several" / name).read_bytes()
    assert seen[-1] == several.total_records == 10
