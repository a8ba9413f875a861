"""The local-dev blob store: binaries as files in one directory, for development and tests only.

Writes are atomic (a temporary file in the target's directory, fsync, rename), keys come from
the engine, and every path is resolved inside the directory (`..`, absolute paths and symlinks
that lead outside are refused), so neither a client's filename nor a legacy record's
`storagePath` can reach anything else on the disk. Outside `local`/`test` the store refuses
every read and write with the API's 409 and touches nothing on disk.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from dataops.blobs.base import (
    CHUNK_SIZE,
    BlobInfo,
    BlobMissingError,
    BlobReader,
    BlobStore,
    ChecksumMismatchError,
    HashingReader,
    StoredBlob,
    check_key,
)
from dataops.model import messages
from dataops.model.errors import Conflict
from dataops.model.records import scheme_of
from dataops.model.storage_policy import StorageProvider

URI_PREFIX = "local-dev://"
PARTIAL_PREFIX = ".partial-"
_DRIVE = re.compile(r"^[A-Za-z]:")


def disabled_warning(root: str) -> str:
    """The start-up warning of an engine configured with local blobs outside local/test."""
    return (
        f"DATAOPS_BLOBS=local-dev:///{root} is configured with DATAOPS_ENV=production: local "
        "filesystem storage is disabled, so file uploads and downloads are refused (409) and "
        "nothing is written to local disk. Configure DATAOPS_BLOBS=s3://<bucket>[/<prefix>]."
    )


class LocalBlobStore(BlobStore):
    """Binaries under `root`; `enabled=False` (production) refuses everything with a 409."""

    provider = StorageProvider.LOCAL_DEV

    def __init__(self, root: str | Path, *, enabled: bool) -> None:
        self.root = Path(root)
        self.enabled = enabled

    # --- naming ----------------------------------------------------------------------------

    def uri_for(self, key: str) -> str:
        return URI_PREFIX + key

    def key_for(self, uri: str) -> str | None:
        """Any relative path under the directory: engine keys (`files/<id>`) and the legacy
        `<taskId>/<filename>` paths of the reference service alike."""
        if not uri.startswith(URI_PREFIX):
            return None
        key = uri.removeprefix(URI_PREFIX).replace("\\", "/")
        return key if _safe_relative(key) else None

    def contains(self, uri: str) -> bool:
        return scheme_of(uri) == StorageProvider.LOCAL_DEV.value

    def is_temporary(self, key: str) -> bool:
        return key.rsplit("/", 1)[-1].startswith(PARTIAL_PREFIX)

    def _path(self, key: str) -> Path | None:
        """The file for `key`, or None when it would lie outside the directory."""
        if not _safe_relative(key):
            return None
        root = self.root.resolve()
        path = (root / key).resolve()
        return path if path.is_relative_to(root) and path != root else None

    # --- guard -----------------------------------------------------------------------------

    @property
    def accepts_writes(self) -> bool:
        return self.enabled

    def check_writable(self) -> None:
        if not self.enabled:
            raise Conflict(messages.UPLOAD_LOCAL_DISABLED)

    def check_readable(self) -> None:
        if not self.enabled:
            raise Conflict(messages.DOWNLOAD_LOCAL_DISABLED)

    # --- operations ------------------------------------------------------------------------

    def put(
        self, key: str, stream: BinaryIO, *, content_type: str, sha256: str | None = None
    ) -> StoredBlob:
        self.check_writable()
        check_key(key)
        target = self._path(key)
        if target is None:
            raise ValueError(f"blob key {key!r} resolves outside {self.root}")
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, partial_name = tempfile.mkstemp(dir=target.parent, prefix=PARTIAL_PREFIX)
        partial = Path(partial_name)
        try:
            reader = HashingReader(stream)
            with os.fdopen(handle, "wb") as out:
                while data := reader.read(CHUNK_SIZE):
                    out.write(data)
                out.flush()
                os.fsync(out.fileno())
            if sha256 is not None and reader.hexdigest() != sha256:
                raise ChecksumMismatchError(key)
            os.replace(partial, target)
            _fsync_directory(target.parent)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        return StoredBlob(key, self.uri_for(key), reader.size, reader.hexdigest())

    def open(self, key: str) -> BlobReader:
        self.check_readable()
        path = self._regular_file(key)
        try:
            stream = path.open("rb")
        except OSError:
            raise BlobMissingError(key) from None
        return BlobReader(stream, os.fstat(stream.fileno()).st_size)

    def head(self, key: str) -> BlobInfo | None:
        self.check_readable()
        try:
            path = self._regular_file(key)
        except BlobMissingError:
            return None
        return BlobInfo(key, path.stat().st_size)

    def delete(self, key: str) -> bool:
        self.check_writable()
        try:
            path = self._regular_file(key)
        except BlobMissingError:
            return False
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        _fsync_directory(path.parent)
        return True

    def list_objects(self) -> Iterator[BlobInfo]:
        """Regular files under the directory, in a stable order (never following links out)."""
        self.check_readable()
        if not self.root.is_dir():
            return
        for directory, folders, names in os.walk(self.root):
            folders.sort()
            for name in sorted(names):
                if name.startswith(PARTIAL_PREFIX):
                    continue
                path = Path(directory) / name
                try:
                    status = path.lstat()
                except FileNotFoundError:
                    continue
                if stat.S_ISREG(status.st_mode):
                    key = path.relative_to(self.root).as_posix()
                    yield BlobInfo(key, status.st_size)

    def remove_stale_temporaries(self, older_than: float) -> int:
        """The `.partial-*` files of writes that were killed before their rename (a write in
        progress keeps touching its file, so an hour without a change means it is dead)."""
        if not self.enabled or not self.root.is_dir():
            return 0
        cutoff = time.time() - older_than
        removed = 0
        for directory, _, names in os.walk(self.root):
            for name in names:
                if not name.startswith(PARTIAL_PREFIX):
                    continue
                path = Path(directory) / name
                try:
                    status = path.lstat()
                    if stat.S_ISREG(status.st_mode) and status.st_mtime < cutoff:
                        path.unlink()
                        removed += 1
                except FileNotFoundError:
                    continue  # renamed into place or removed meanwhile
        return removed

    def _regular_file(self, key: str) -> Path:
        """The existing regular file for `key` (never a directory, FIFO or device)."""
        path = self._path(key)
        if path is None:
            raise BlobMissingError(key)
        try:
            mode = path.stat().st_mode
        except OSError:
            raise BlobMissingError(key) from None
        if not stat.S_ISREG(mode):
            raise BlobMissingError(key)
        return path


def _safe_relative(key: str) -> bool:
    """A relative path without `..`, NUL, drive letters or an absolute start."""
    if not key or "\x00" in key or key.startswith("/") or _DRIVE.match(key):
        return False
    return all(part not in ("", ".", "..") for part in key.split("/"))


def _fsync_directory(directory: Path) -> None:
    """Make a rename or unlink durable (best effort where directories cannot be opened)."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
