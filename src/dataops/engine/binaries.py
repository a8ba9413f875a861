"""The engine's side of the blob store, shared by files and artifacts: where each kind of
binary lives (the key areas), serving an object as a download, hashing one, and discarding one
that no record may keep.

Keys are generated here, never taken from a client: `files/<file id>` (uploads through the
engine), `uploads/<upload id>` (direct uploads to S3), `outputs/<id>` (assistant outputs).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from dataops.blobs.base import BlobMissingError, BlobReader, BlobStore
from dataops.engine.context import Engine
from dataops.model.errors import NotFound

log = logging.getLogger("dataops.binaries")

FILES_AREA = "files"
UPLOADS_AREA = "uploads"
OUTPUTS_AREA = "outputs"
# Presigned download URLs live this long: enough to start a download, too short to share.
DOWNLOAD_URL_SECONDS = 300
# A write keeps touching its temporary file; one left untouched this long was killed.
STALE_TEMPORARY_SECONDS = 3_600


def file_key(file_id: str) -> str:
    """The blob key of a file: never derived from the client's filename."""
    return f"{FILES_AREA}/{file_id}"


def upload_key(upload_id: str) -> str:
    return f"{UPLOADS_AREA}/{upload_id}"


def output_key(output_id: str) -> str:
    return f"{OUTPUTS_AREA}/{output_id}"


def area_of(key: str) -> str:
    """The first segment of a key: which flow wrote the object (files, uploads, outputs)."""
    return key.split("/", 1)[0]


def blobs_of(engine: Engine) -> BlobStore:
    if engine.blobs is None:
        raise RuntimeError("the engine has no blob store configured")
    return engine.blobs


@dataclass
class Download:
    """Either a redirect to a presigned URL or an open stream with its presentation."""

    filename: str
    content_type: str
    redirect_url: str | None = None
    reader: BlobReader | None = None


def serve_binary(
    blobs: BlobStore, key: str, filename: str, content_type: str, *, missing: str
) -> Download:
    """A download of an object of this store: a presigned URL made for this request where the
    store has them (never kept), else the open stream; 404 `missing` when there is no object."""
    blobs.check_readable()
    url = blobs.presigned_get_url(
        key, filename=filename, content_type=content_type, expires_in=DOWNLOAD_URL_SECONDS
    )
    if url is not None:
        return Download(filename, content_type, redirect_url=url)
    try:
        reader = blobs.open(key)
    except BlobMissingError:
        raise NotFound(missing) from None
    return Download(filename, content_type, reader=reader)


def sha256_of_object(blobs: BlobStore, key: str) -> str:
    """Stream the object back and hash it (hex); BlobMissingError when there is none."""
    digest = hashlib.sha256()
    for chunk in blobs.open(key).chunks():
        digest.update(chunk)
    return digest.hexdigest()


def remove_stale_temporaries(engine: Engine) -> int:
    """Remove what killed writes left behind (the local store's `.partial-*` files older than
    an hour); at start-up and on every cron run. How many were removed."""
    if engine.blobs is None:
        return 0
    removed = engine.blobs.remove_stale_temporaries(STALE_TEMPORARY_SECONDS)
    if removed:
        log.info("removed %d temporary file(s) left by interrupted writes", removed)
    return removed


def discard(blobs: BlobStore, key: str) -> None:
    """Delete an object that no record may keep (a refused or unrecorded binary). A failure is
    logged, never raised: the caller is already answering with the reason it was refused."""
    try:
        blobs.delete(key)
    except Exception:
        log.exception("could not delete the binary %s; it is left unreferenced", key)
