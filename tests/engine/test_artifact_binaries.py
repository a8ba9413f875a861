"""Assistant outputs at the engine level: the binary is stored only for a valid artifact, is
verified against the hash taken before, and never outlives a failed registration."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from dataops.blobs.local import LocalBlobStore
from dataops.engine import artifact_binaries
from dataops.engine.context import Engine
from dataops.model.errors import Conflict, Invalid
from tests.conftest import make_engine, make_settings
from tests.support.moto_server import S3Emulator
from tests.support.multipart import stored_blobs

PREP = b"# Guest prep\n\nQuestions for the interview.\n"


@pytest.fixture
def prep(tmp_path: Path) -> Path:
    path = tmp_path / "documents" / "prep.md"
    path.parent.mkdir()
    path.write_bytes(PREP)
    return path


def register(engine: Engine, path: Path) -> Any:
    output = artifact_binaries.AssistantOutput("podcast-doc", "Guest prep")
    return artifact_binaries.register_output(engine, path, output)


def test_an_output_in_local_dev_storage(engine: Engine, prep: Path, tmp_path: Path) -> None:
    artifact = register(engine, prep)

    assert artifact["storageProvider"] == "local-dev"
    key = artifact["storageUri"].removeprefix("local-dev://")
    assert key.startswith("outputs/")
    assert stored_blobs(tmp_path / "blobs") == [key]
    assert artifact["checksum"] == "sha256:" + hashlib.sha256(PREP).hexdigest()
    assert (artifact["status"], artifact["sourceType"], artifact["createdBy"]) == (
        "needs-review",
        "assistant-output",
        "service:assistant",
    )


def test_an_output_that_changes_while_it_goes_up_is_refused(
    s3_engine: Engine, prep: Path, s3: S3Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    blobs = s3_engine.blobs
    assert blobs is not None
    real_put = blobs.put

    def assistant_still_writing(key: str, stream: Any, **kwargs: Any) -> Any:
        with prep.open("ab") as more:
            more.write(b"\n4. one more question\n")
        return real_put(key, stream, **kwargs)

    monkeypatch.setattr(blobs, "put", assistant_still_writing)
    with pytest.raises(Conflict) as refused:
        register(s3_engine, prep)

    assert refused.value.message == f"Output changed while it was being uploaded: {prep}"
    assert s3_engine.store.count("artifacts") == 0
    assert s3.keys() == []


def test_a_record_that_cannot_be_written_removes_the_binary(
    s3_engine: Engine, prep: Path, s3: S3Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    def store_down(*args: object, **kwargs: object) -> object:
        raise OSError("database is locked")

    monkeypatch.setattr(s3_engine.store, "transact", store_down)
    with pytest.raises(OSError, match="database is locked"):
        register(s3_engine, prep)
    assert s3.keys() == []


def test_an_unreadable_output(prep: Path, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    def denied(self: Path, *args: object, **kwargs: object) -> object:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "open", denied)
    with pytest.raises(Invalid) as refused:
        register(engine, prep)
    assert refused.value.message == f"Output cannot be read: {prep} (Permission denied)"


def test_a_path_through_a_file_is_not_found(engine: Engine, prep: Path) -> None:
    with pytest.raises(Invalid) as refused:
        register(engine, prep / "inside")
    assert refused.value.message == f"Output not found: {prep / 'inside'}"


def test_local_storage_in_production_refuses_before_writing(tmp_path: Path, prep: Path) -> None:
    production = make_engine(
        make_settings(tmp_path, DATAOPS_ENV="production", DATAOPS_AUTH_MODE="session")
    )
    assert isinstance(production.blobs, LocalBlobStore)

    with pytest.raises(Invalid) as refused:
        register(production, prep)

    assert refused.value.message == "local-dev artifact storage is allowed only in local/test mode"
    assert production.store.count("artifacts") == 0
    assert not (tmp_path / "blobs").exists()
