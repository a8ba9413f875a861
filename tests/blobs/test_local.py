"""The local-dev blob store: atomic writes inside one directory, paths that cannot escape it, and
the production guard (every operation refused with the API's 409, nothing on disk)."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import pytest

from dataops.blobs.base import ChecksumMismatchError
from dataops.blobs.local import LocalBlobStore
from dataops.model.errors import Conflict
from tests.blobs.contract import BlobStoreContract
from tests.support.multipart import stored_blobs


class TestLocalBlobStore(BlobStoreContract):
    @pytest.fixture
    def blobs(self, tmp_path: Path) -> LocalBlobStore:
        return LocalBlobStore(tmp_path / "blobs", enabled=True)


def test_uris_and_keys(tmp_path: Path) -> None:
    blobs = LocalBlobStore(tmp_path, enabled=True)
    assert blobs.provider == "local-dev"
    assert blobs.uri_for("files/abc") == "local-dev://files/abc"
    assert blobs.key_for("local-dev://files/abc") == "files/abc"
    assert blobs.key_for("local-dev://task-1\\scan 1.png") == "task-1/scan 1.png"
    for uri in (
        "s3://bucket/files/abc",
        "local-dev://",
        "local-dev:///etc/passwd",
        "local-dev://../x",
        "local-dev://a/../../x",
        "local-dev://C:/x",
        "local-dev://a\x00b",
        "https://example.com/files/abc",
    ):
        assert blobs.key_for(uri) is None, uri


def test_what_the_store_contains(tmp_path: Path) -> None:
    blobs = LocalBlobStore(tmp_path, enabled=True)
    for uri in ("local-dev://files/abc", "local-dev://../x", "LOCAL-DEV://files/abc"):
        assert blobs.contains(uri), uri
    for uri in ("s3://bucket/files/abc", "https://example.com/local-dev://x", "files/abc"):
        assert not blobs.contains(uri), uri
    assert blobs.is_temporary("files/.partial-x1") and blobs.is_temporary(".partial-x1")
    assert not blobs.is_temporary("files/x.partial-1") and not blobs.remote


def age(path: Path, seconds: float) -> None:
    moment = time.time() - seconds
    os.utime(path, (moment, moment))


def test_stale_partial_files_are_removed(tmp_path: Path) -> None:
    """A write killed before its rename leaves `.partial-*`; an hour later it is dead."""
    blobs = LocalBlobStore(tmp_path, enabled=True)
    blobs.put("files/kept", io.BytesIO(b"kept"), content_type="text/plain")
    for relative, seconds in (
        ("files/.partial-dead1", 7_200),
        ("outputs/.partial-dead2", 3_700),
        ("task-1/.partial-dead3", 86_400),
        ("files/.partial-live", 60),
        ("files/old-but-stored", 86_400),
    ):
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"half")
        age(path, seconds)
    (tmp_path / "files" / ".partial-dir").mkdir()
    age(tmp_path / "files" / ".partial-dir", 7_200)

    assert blobs.remove_stale_temporaries(3_600) == 3
    assert stored_blobs(tmp_path) == ["files/.partial-live", "files/kept", "files/old-but-stored"]
    assert (tmp_path / "files" / ".partial-dir").is_dir()
    assert blobs.remove_stale_temporaries(3_600) == 0


def test_the_sweep_touches_nothing_outside_local_and_test(tmp_path: Path) -> None:
    (tmp_path / "files").mkdir()
    partial = tmp_path / "files" / ".partial-dead"
    partial.write_bytes(b"half")
    age(partial, 7_200)
    assert LocalBlobStore(tmp_path, enabled=False).remove_stale_temporaries(3_600) == 0
    assert partial.exists()
    assert LocalBlobStore(tmp_path / "missing", enabled=True).remove_stale_temporaries(3_600) == 0


def test_the_directory_is_created_on_first_write_only(tmp_path: Path) -> None:
    blobs = LocalBlobStore(tmp_path / "var" / "blobs", enabled=True)
    assert not (tmp_path / "var").exists()
    blobs.put("files/x", io.BytesIO(b"x"), content_type="text/plain")
    assert stored_blobs(tmp_path / "var" / "blobs") == ["files/x"]


def test_writes_are_atomic_and_leave_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blobs = LocalBlobStore(tmp_path, enabled=True)
    blobs.put("files/x", io.BytesIO(b"version one"), content_type="text/plain")

    class Interrupted(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            if self.tell() > 0:
                raise ConnectionResetError("client went away")
            return super().read(4)

    with pytest.raises(ConnectionResetError):
        blobs.put("files/y", Interrupted(b"half of it"), content_type="text/plain")
    with pytest.raises(ChecksumMismatchError):
        blobs.put("files/x", io.BytesIO(b"tampered"), content_type="text/plain", sha256="0" * 64)

    assert stored_blobs(tmp_path) == ["files/x"]
    assert (tmp_path / "files" / "x").read_bytes() == b"version one"

    renamed: list[tuple[str, str]] = []
    real_replace = os.replace

    def spy(src: str, dst: str) -> None:
        renamed.append((Path(src).name, Path(dst).name))
        assert Path(src).parent == Path(dst).parent  # same directory: rename is atomic
        real_replace(src, dst)

    monkeypatch.setattr("dataops.blobs.local.os.replace", spy)
    blobs.put("files/z", io.BytesIO(b"z"), content_type="text/plain")
    assert len(renamed) == 1
    assert renamed[0][0].startswith(".partial-") and renamed[0][1] == "z"


def test_reads_never_leave_the_directory(tmp_path: Path) -> None:
    root = tmp_path / "blobs"
    root.mkdir()
    (tmp_path / "secret.txt").write_text("not yours")
    (root / "inside.txt").write_text("yours")
    (root / "link-out").symlink_to(tmp_path / "secret.txt")
    (root / "link-in").symlink_to(root / "inside.txt")
    (root / "dir").mkdir()
    os.mkfifo(root / "fifo")
    blobs = LocalBlobStore(root, enabled=True)

    assert b"".join(blobs.open("link-in").chunks()) == b"yours"
    for key in ("link-out", "../secret.txt", "dir", "fifo", "/etc/passwd"):
        assert blobs.head(key) is None, key
        assert blobs.delete(key) is False, key
    assert (tmp_path / "secret.txt").read_text() == "not yours"


def test_outside_local_and_test_every_operation_is_refused_and_nothing_is_written(
    tmp_path: Path,
) -> None:
    blobs = LocalBlobStore(tmp_path / "blobs", enabled=False)
    assert blobs.accepts_writes is False
    upload_refusal = "Production file upload requires configured durable storage; local filesystem storage is disabled"
    download_refusal = "Local filesystem downloads are disabled outside local/test mode"

    with pytest.raises(Conflict) as refused:
        blobs.put("files/x", io.BytesIO(b"x"), content_type="text/plain")
    assert refused.value.message == upload_refusal
    with pytest.raises(Conflict) as refused:
        blobs.delete("files/x")
    assert refused.value.message == upload_refusal
    with pytest.raises(Conflict) as refused:
        blobs.open("files/x")
    assert refused.value.message == download_refusal
    with pytest.raises(Conflict) as refused:
        blobs.head("files/x")
    assert refused.value.message == download_refusal
    assert not (tmp_path / "blobs").exists()


def test_no_presigned_urls_for_local_files(tmp_path: Path) -> None:
    blobs = LocalBlobStore(tmp_path, enabled=True)
    url = blobs.presigned_get_url(
        "files/x", filename="a.pdf", content_type="application/pdf", expires_in=60
    )
    assert url is None
