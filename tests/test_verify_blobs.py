"""`dataops verify-blobs` (docs/data-safety.md#fixity): a corrupted, a deleted and an orphaned
binary are found, on local disk and on S3 (moto), with the receipts that rely on them; exit 1
when a record does not hold; `--json`; `--deep` re-reads S3 bytes."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from starlette.testclient import TestClient
from typer.testing import CliRunner

from dataops.blobs.base import BlobInfo, BlobReader
from dataops.blobs.local import LocalBlobStore
from dataops.cli import app
from dataops.engine.context import Engine
from dataops.engine.fixity import Finding, verify_blobs
from dataops.model import jsonvalue
from dataops.portable import console
from tests.conftest import FakeClock, client_for, make_engine, make_settings
from tests.support.moto_server import S3Emulator
from tests.support.multipart import body, field, file_part, headers

runner = CliRunner()
PDF = b"%PDF-1.7 invoice\n"


def upload(client: TestClient, task_id: str, content: bytes) -> dict[str, Any]:
    parts = [field("taskId", task_id), field("category", "invoice"), file_part(content)]
    response = client.post("/api/files", content=body(parts), headers=headers())
    assert response.status_code == 201, response.text
    record: dict[str, Any] = response.json()["file"]
    return record


def three_done_tasks(client: TestClient) -> list[tuple[str, dict[str, Any]]]:
    """Three tasks completed with a file each: (task id, file record)."""
    done = []
    for number in range(3):
        task = client.post(
            "/api/tasks",
            json={"description": f"Invoice {number}", "date": "2026-12-01", "requiresFile": True},
        ).json()
        record = upload(client, task["id"], PDF + bytes([number]))
        assert client.put(f"/api/tasks/{task['id']}", json={"status": "done"}).status_code == 200
        done.append((task["id"], record))
    return done


@pytest.fixture
def local(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.setenv("DATAOPS_ENV", "test")
    monkeypatch.setenv("DATAOPS_STORE", f"sqlite:///{tmp_path / 'dataops.db'}")
    monkeypatch.setenv("DATAOPS_BLOBS", f"local-dev:///{tmp_path / 'blobs'}")
    engine = make_engine(
        make_settings(
            tmp_path,
            DATAOPS_STORE=f"sqlite:///{tmp_path / 'dataops.db'}",
            DATAOPS_BLOBS=f"local-dev:///{tmp_path / 'blobs'}",
        ),
        FakeClock(),
    )
    return engine


def test_a_healthy_store_holds(local: Engine) -> None:
    three_done_tasks(client_for(local))
    report = verify_blobs(local)
    assert (report.checked, report.problems, report.receipts, report.holds) == (3, [], [], True)
    local.store.close()
    result = runner.invoke(app, ["verify-blobs"])
    assert result.exit_code == 0, result.output
    size = 3 * (len(PDF) + 1)
    summary = f"Verified 3 of 3 binaries ({size} bytes) against their records: 0 missing, 0 changed, 0 orphaned"
    assert result.stdout == f"{summary}\nEvery record holds.\n"


def test_corrupted_deleted_and_orphaned_local_binaries(local: Engine, tmp_path: Path) -> None:
    client = client_for(local)
    (corrupt_task, corrupt), (gone_task, gone), _ = three_done_tasks(client)
    blobs = tmp_path / "blobs"
    (blobs / "files" / corrupt["id"]).write_bytes(b"%PDF-1.7 tampered")
    (blobs / "files" / gone["id"]).unlink()
    (blobs / "files" / "stray").write_bytes(b"left behind")
    (blobs / "files" / ".partial-123").write_bytes(b"a write in progress")  # not an orphan
    local.store.close()

    result = runner.invoke(app, ["verify-blobs"])

    assert result.exit_code == 1
    changed = hashlib.sha256(b"%PDF-1.7 tampered").hexdigest()
    assert result.stdout.splitlines() == [
        f"Verified 2 of 3 binaries ({len(PDF) + 1 + 17} bytes) against their records: "
        "1 missing, 1 changed, 1 orphaned",
        f"MISSING   local-dev://files/{gone['id']} (file {gone['id']}): no object under this key",
        f"CHANGED   local-dev://files/{corrupt['id']} (file {corrupt['id']}): file "
        f"{corrupt['id']} says {len(PDF) + 1} bytes, the object has 17; file {corrupt['id']} "
        f"says {corrupt['checksum']}, the object has sha256:{changed}",
        "ORPHANED  local-dev://files/stray: 11 bytes; no record names it",
        "Completion receipts that name a binary that no longer verifies:",
        *sorted(
            [
                f"  task {corrupt_task}: file {corrupt['id']} (changed)",
                f"  task {gone_task}: file {gone['id']} (missing)",
            ]
        ),
    ]

    as_json = runner.invoke(app, ["verify-blobs", "--json"])
    assert as_json.exit_code == 1
    report = jsonvalue.loads(as_json.stdout.encode())
    assert (report["holds"], report["missing"], report["changed"], report["orphaned"]) == (
        False,
        1,
        1,
        1,
    )
    assert {entry["finding"] for entry in report["problems"]} == {"missing", "changed", "orphaned"}
    assert {(entry["taskId"], entry["finding"]) for entry in report["receipts"]} == {
        (corrupt_task, "changed"),
        (gone_task, "missing"),
    }


def test_orphans_alone_leave_every_record_holding(local: Engine, tmp_path: Path) -> None:
    three_done_tasks(client_for(local))
    (tmp_path / "blobs" / "files" / "stray").write_bytes(b"x")
    report = verify_blobs(local)
    assert report.holds and report.count(Finding.ORPHANED) == 1


def test_the_progress_bar_counts_binaries(local: Engine) -> None:
    three_done_tasks(client_for(local))
    terminal = io.StringIO()
    shown = Console(file=terminal, force_terminal=True, width=100)
    report = console.run_fixity(local, shown)
    assert report.checked == 3
    assert "Verifying" in terminal.getvalue() and "binaries" in terminal.getvalue()


def test_corrupted_deleted_and_orphaned_s3_objects(
    s3_engine: Engine, s3_client: TestClient, s3: S3Emulator
) -> None:
    (corrupt_task, corrupt), (gone_task, gone), _ = three_done_tasks(s3_client)
    prefix = "dataops/files"
    s3.client.put_object(
        Bucket=s3.bucket,
        Key=f"{prefix}/{corrupt['id']}",
        Body=b"tampered",
        ChecksumAlgorithm="SHA256",
    )
    s3.client.delete_object(Bucket=s3.bucket, Key=f"{prefix}/{gone['id']}")
    s3.client.put_object(Bucket=s3.bucket, Key="dataops/outputs/stray", Body=b"left behind")
    s3.client.put_object(Bucket=s3.bucket, Key="elsewhere/not-ours", Body=b"another app")

    report = verify_blobs(s3_engine)

    found = {(problem.finding, problem.uri) for problem in report.problems}
    assert found == {
        (Finding.CHANGED, f"s3://{s3.bucket}/{prefix}/{corrupt['id']}"),
        (Finding.MISSING, f"s3://{s3.bucket}/{prefix}/{gone['id']}"),
        (Finding.ORPHANED, f"s3://{s3.bucket}/dataops/outputs/stray"),
    }
    assert {(r.task_id, r.record, r.finding) for r in report.receipts} == {
        (corrupt_task, f"file {corrupt['id']}", Finding.CHANGED),
        (gone_task, f"file {gone['id']}", Finding.MISSING),
    }
    assert not report.holds


def test_deep_rereads_s3_bytes_the_stored_checksum_does_not_cover(
    s3_engine: Engine, s3_client: TestClient, s3: S3Emulator
) -> None:
    (_, record), _, _ = three_done_tasks(s3_client)
    # Same size, other bytes, and no SHA-256 stored with the object: HEAD cannot tell.
    original = s3.body(f"dataops/files/{record['id']}")
    s3.client.put_object(
        Bucket=s3.bucket, Key=f"dataops/files/{record['id']}", Body=b"X" * len(original)
    )
    shallow = verify_blobs(s3_engine)
    # The emulator reports no stored SHA-256 on HEAD (S3 does, for the engine's own uploads).
    assert shallow.holds and shallow.size_only == 3
    text = console.fixity_text(shallow)
    assert (
        "3 S3 objects keep no SHA-256 of their own: their size was checked; --deep reads them"
        in text
    )
    deep = verify_blobs(s3_engine, deep=True)
    assert [problem.finding for problem in deep.problems] == [Finding.CHANGED]
    size = 3 * len(original)
    summary = f"Verified 3 of 3 binaries ({size} bytes) against their records (deep: every byte re-read): 0 missing, 1 changed, 0 orphaned"
    assert console.fixity_text(deep).startswith(summary)


class _RemoteWithChecksums(LocalBlobStore):
    """A remote store whose HEAD reports a stored SHA-256 (as S3 does for the engine's uploads):
    the default check compares it without reading the bytes."""

    remote = True

    def __init__(self, root: Path, reported: str) -> None:
        super().__init__(root, enabled=True)
        self.reported = reported
        self.opened = 0

    def head(self, key: str) -> BlobInfo | None:
        info = super().head(key)
        return None if info is None else BlobInfo(key, info.size, sha256=self.reported)

    def open(self, key: str) -> BlobReader:
        self.opened += 1
        return super().open(key)


def test_the_default_remote_check_compares_the_stored_checksum_without_reading(
    local: Engine, tmp_path: Path
) -> None:
    three_done_tasks(client_for(local))
    remote = _RemoteWithChecksums(tmp_path / "blobs", "0" * 64)
    local.blobs = remote
    report = verify_blobs(local)
    assert report.count(Finding.CHANGED) == 3 and remote.opened == 0
    assert all("the object has sha256:" + "0" * 64 in p.detail for p in report.problems)
    deep = verify_blobs(local, deep=True)
    assert deep.holds and remote.opened == 3
