"""Artifacts registered by hand that point into the DataOps blob store: their claim is checked
against the store before they are written.

A URI inside the configured store (any `local-dev://` URI with local blobs; any key below the
bucket and prefix with S3) can only name our own objects, and downloads serve those objects'
bytes under the record's name and type. So such an artifact must name an object that exists,
that is nobody's temporary or upload in progress, that no file record owns (unless `fileId`
names that file), and whose size and SHA-256 are the ones the record claims. URIs anywhere else
(another bucket, another provider) name objects we do not hold and keep the model's rules.

Direct uploads and assistant outputs verify their objects themselves (engine/artifact_binaries);
this is the check for every other create, supersede and update.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dataops.blobs.base import BlobInfo, BlobMissingError, BlobStore
from dataops.engine.binaries import (
    FILES_AREA,
    OUTPUTS_AREA,
    UPLOADS_AREA,
    area_of,
    sha256_of_object,
)
from dataops.engine.context import Engine
from dataops.model import files as file_rules
from dataops.model import messages
from dataops.model.errors import Invalid
from dataops.model.uploads import parse_sha256_checksum
from dataops.model.values import is_nonblank
from dataops.store.base import Item

# What an artifact claims about the object it names; a change to any of them is a new claim.
CLAIM_FIELDS = ("storageUri", "checksum", "sizeBytes", "fileId")


def verified(
    engine: Engine, record: Mapping[str, Any], before: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """`record` (to be created, or `before` updated) when what it claims of the blob store
    holds, with `sizeBytes` taken from the object when the record has none; else 400.

    On update only a changed claim is checked: a new `storageUri` is a whole new claim; a new
    `checksum`, `sizeBytes` or `fileId` is checked against the file that owns the object, and
    the first two against the object."""
    checked = dict(record)
    uri = record.get("storageUri")
    blobs = engine.blobs
    if blobs is None or not isinstance(uri, str) or not blobs.contains(uri):
        return checked
    changed = {
        name for name in CLAIM_FIELDS if before is None or record.get(name) != before.get(name)
    }
    if not changed:
        return checked
    key = blobs.key_for(uri)
    if key is None:
        raise Invalid(messages.CLAIM_NOT_A_KEY)
    new_uri = "storageUri" in changed
    if new_uri:
        _check_area(blobs, key)
    owner = _file_owning(engine, blobs, key)
    if owner is not None and record.get("fileId") != owner["id"]:
        raise Invalid(messages.CLAIM_FILE_BINARY.format(file_id=owner["id"]))
    if new_uri or {"checksum", "sizeBytes"} & changed:
        info = _check_object(engine, blobs, key, record)
        checked.setdefault("sizeBytes", info.size)
    return checked


def _check_area(blobs: BlobStore, key: str) -> None:
    """Objects that other flows write and register themselves are never claimed by hand."""
    if blobs.is_temporary(key):
        raise Invalid(messages.CLAIM_TEMPORARY)
    area = area_of(key)
    if area == UPLOADS_AREA:
        raise Invalid(messages.CLAIM_DIRECT_UPLOAD)
    if area == OUTPUTS_AREA:
        raise Invalid(messages.CLAIM_OUTPUT)


def _file_owning(engine: Engine, blobs: BlobStore, key: str) -> Item | None:
    """The file record whose binary is `key`: `files/<id>` for uploads through the engine, or
    a legacy record's `<taskId>/<filename>` (found among that task's files)."""
    first, _, rest = key.partition("/")
    if first == FILES_AREA:
        candidates = [engine.store.get("files", rest)] if rest else []
    elif rest:
        candidates = list(engine.store.query("files", "GSI-TaskCreated", first).items)
    else:
        candidates = []
    for record in candidates:
        uri = file_rules.storage_uri_of(record) if record is not None else None
        if uri is not None and blobs.key_for(uri) == key:
            return record
    return None


def _check_object(
    engine: Engine, blobs: BlobStore, key: str, record: Mapping[str, Any]
) -> BlobInfo:
    """The object exists with the claimed size and SHA-256. Where the store reports no
    SHA-256 (local disk; S3 objects uploaded in parts or without one) the engine hashes the
    object, on S3 only up to the size it would take through itself in one upload."""
    raw = record.get("checksum")
    if not is_nonblank(raw):
        raise Invalid(messages.CHECKSUM_REQUIRED)
    claimed = parse_sha256_checksum(raw)
    if claimed is None:
        raise Invalid(messages.UPLOAD_REQUEST_CHECKSUM_INVALID)
    info = blobs.head(key)
    if info is None:
        raise Invalid(messages.CLAIM_OBJECT_MISSING)
    size = record.get("sizeBytes")
    if size is not None and size != info.size:
        raise Invalid(messages.CLAIM_SIZE_MISMATCH)
    actual = info.sha256
    if actual is None:
        limit = engine.settings.max_upload_bytes
        if blobs.remote and info.size > limit:
            raise Invalid(messages.CLAIM_CHECKSUM_UNVERIFIABLE.format(limit=limit))
        try:
            actual = sha256_of_object(blobs, key)
        except BlobMissingError:
            raise Invalid(messages.CLAIM_OBJECT_MISSING) from None
    if actual != claimed:
        raise Invalid(messages.CLAIM_CHECKSUM_MISMATCH)
    return info
