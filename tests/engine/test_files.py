"""File use cases under races and failures: the binary and its record change together, and a
task never disappears from under a file."""

from __future__ import annotations

import hashlib
import io
from typing import Any

import pytest

from dataops.blobs.local import LocalBlobStore
from dataops.engine import files, tasks
from dataops.engine.context import Engine
from dataops.engine.files import IncomingFile, UploadForm
from dataops.model.errors import Conflict, NotFound
from dataops.store.base import VersionConflict
from tests.support.multipart import stored_blobs


def form(task_id: str, content: bytes = b"%PDF receipt", **fields: str) -> UploadForm:
    incoming = IncomingFile(
        filename="receipt.pdf",
        content_type="application/pdf",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        spool=io.BytesIO(content),
    )
    return UploadForm({"taskId": task_id, **fields}, incoming)


def new_task(engine: Engine) -> str:
    return str(tasks.create_task(engine, {"description": "x", "date": "2026-12-01"}, None)["id"])


def blobs_of(engine: Engine) -> list[str]:
    assert isinstance(engine.blobs, LocalBlobStore)
    return stored_blobs(engine.blobs.root)


def test_a_task_deleted_while_the_binary_was_stored(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    task_id = new_task(engine)
    assert engine.blobs is not None
    real_put = engine.blobs.put

    def put_then_lose_the_task(*args: Any, **kwargs: Any) -> Any:
        stored = real_put(*args, **kwargs)
        tasks.delete_task(engine, task_id, None)
        return stored

    monkeypatch.setattr(engine.blobs, "put", put_then_lose_the_task)
    with pytest.raises(NotFound, match=r"^Task not found$"):
        files.upload_file(engine, form(task_id), None)
    assert engine.store.count("files") == 0
    assert blobs_of(engine) == []


def test_a_concurrent_task_update_is_retried(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    task_id = new_task(engine)
    real = engine.store.transact
    conflicts = [VersionConflict("tasks", task_id)]

    def once_conflicting(writes: Any) -> Any:
        if conflicts:
            raise conflicts.pop()
        return real(writes)

    monkeypatch.setattr(engine.store, "transact", once_conflicting)
    record = files.upload_file(engine, form(task_id), "grace")
    assert engine.store.get("files", record["id"]) is not None
    assert blobs_of(engine) == [f"files/{record['id']}"]


def test_an_upload_between_the_file_check_and_the_delete_keeps_the_task(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """delete_task checks for files, then deletes at the version it read; the upload bumped
    that version, so the delete retries, finds the file and refuses."""
    task_id = new_task(engine)
    real_query = engine.store.query
    raced: list[str] = []

    def query(table: str, index: str, *args: Any, **kwargs: Any) -> Any:
        page = real_query(table, index, *args, **kwargs)
        if table == "files" and not raced:
            raced.append(files.upload_file(engine, form(task_id), None)["id"])
        return page

    monkeypatch.setattr(engine.store, "query", query)
    with pytest.raises(Conflict, match=r"^Task has files; delete them first$"):
        tasks.delete_task(engine, task_id, None)
    assert engine.store.get("tasks", task_id) is not None
    assert engine.store.get("files", raced[0]) is not None


def test_a_delete_racing_an_artifact_update_is_retried(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    task_id = new_task(engine)
    record = files.upload_file(engine, form(task_id), None)
    engine.store.create(
        "artifacts",
        {
            "id": "art-1",
            "type": "invoice",
            "title": "t",
            "status": "draft",
            "fileId": record["id"],
            "storageUri": "https://example.com/x",
            "createdAt": "2026-11-28T09:00:00.000Z",
        },
    )
    real = engine.store.transact
    calls: list[int] = []

    def conflicting_first(writes: Any) -> Any:
        calls.append(len(writes))
        if len(calls) == 1:
            artifact = engine.store.get("artifacts", "art-1")
            assert artifact is not None
            engine.store.replace("artifacts", {**artifact, "title": "renamed"}, artifact.version)
        return real(writes)

    monkeypatch.setattr(engine.store, "transact", conflicting_first)
    files.delete_file(engine, record["id"], None)
    artifact = engine.store.get("artifacts", "art-1")
    assert artifact is not None
    assert (artifact["title"], "fileId" in artifact) == ("renamed", False)
    # The delete (4 writes), the racing rename (1), the delete again on fresh versions (4).
    assert calls == [4, 1, 4]
    assert blobs_of(engine) == []


def test_a_spool_that_changed_since_it_was_hashed_is_never_stored(engine: Engine) -> None:
    task_id = new_task(engine)
    upload = form(task_id)
    assert upload.file is not None
    upload.file.sha256 = "0" * 64
    with pytest.raises(Exception, match="files/"):
        files.upload_file(engine, upload, None)
    assert engine.store.count("files") == 0
    assert blobs_of(engine) == []
