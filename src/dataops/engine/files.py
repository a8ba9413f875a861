"""File use cases (docs/api.md#files): upload a spooled file into the blob store and record
it, list, read, download and delete.

The binary and its record change together: an upload whose record cannot be written deletes the
binary again, and a delete removes the record (clearing artifacts' `fileId` in the same
transaction) before the binary, so no record ever points at nothing it claims to have.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from dataops.engine import audit
from dataops.engine.binaries import Download, blobs_of, discard, file_key, serve_binary
from dataops.engine.context import Engine
from dataops.engine.detach import detach_artifacts
from dataops.engine.paging import Listing, PageRequest, Partition, list_partitions
from dataops.engine.retry import settle
from dataops.model import files as model
from dataops.model import messages
from dataops.model.audit import AuditAction, EntityType
from dataops.model.errors import Conflict, Invalid, NotFound
from dataops.model.values import is_nonblank
from dataops.store.base import Create, Delete, Item, Replace, Write

log = logging.getLogger("dataops.files")

_RECORD_FIELDS = ("taskId", "bundleId", "filename", "category", "checksum", "sizeBytes")


@dataclass
class IncomingFile:
    """The file part of an upload, spooled while it arrived.

    `spool` is None when the bytes were only counted (the blob store refuses writes, so
    nothing needed to be kept); `sha256` is then empty.
    """

    filename: str
    content_type: str | None
    size: int
    sha256: str
    spool: BinaryIO | None = None

    def close(self) -> None:
        if self.spool is not None:
            self.spool.close()


@dataclass
class UploadForm:
    """A parsed multipart upload: its text fields (last value wins) and its file part."""

    fields: dict[str, str] = field(default_factory=dict)
    file: IncomingFile | None = None

    def close(self) -> None:
        if self.file is not None:
            self.file.close()


def _shown(item: Item) -> Item:
    return Item(model.present(item), item.version)


# --- upload ---------------------------------------------------------------------------------


def upload_file(engine: Engine, form: UploadForm, actor: str | None) -> Item:
    """6.3 steps 4-10: validate in the contract's order, store the binary, record it."""
    blobs = blobs_of(engine)
    task_id = form.fields.get("taskId")
    if not task_id:
        raise Invalid(messages.MISSING_FIELD.format(field="taskId"))
    incoming = form.file
    if incoming is None:
        raise Invalid(messages.MISSING_FIELD.format(field="file"))
    filename = model.display_filename(incoming.filename)
    model.check_filename(filename)
    if incoming.size == 0:
        raise Invalid(messages.FILE_EMPTY)
    content_type = model.part_content_type(incoming.content_type)
    if engine.store.get("tasks", task_id) is None:
        raise NotFound(messages.TASK_NOT_FOUND)
    category = model.parse_category(form.fields.get("category"))
    tags = model.parse_tags(form.fields["tags"]) if "tags" in form.fields else None
    blobs.check_writable()
    if incoming.spool is None:
        raise RuntimeError("the upload was not spooled although the blob store takes writes")

    file_id = engine.new_id()
    incoming.spool.seek(0)
    stored = blobs.put(
        file_key(file_id), incoming.spool, content_type=content_type, sha256=incoming.sha256
    )
    record: dict[str, Any] = {
        "id": file_id,
        "taskId": task_id,
        "filename": filename,
        "category": category.value,
        "storageProvider": blobs.provider.value,
        "storageUri": stored.uri,
        "contentType": content_type,
        "checksum": stored.checksum,
        "sizeBytes": stored.size,
    }
    if tags is not None:
        record["tags"] = tags
    try:
        created = _record_upload(engine, record, actor)
    except BaseException:
        discard(blobs, stored.key)
        raise
    return _shown(created)


def _record_upload(engine: Engine, record: dict[str, Any], actor: str | None) -> Item:
    """Create the record together with a version bump of its task, so a concurrent task delete
    (which checks for files, then deletes the task at the version it read) cannot leave a file
    behind that names a deleted task."""

    def attempt() -> Item:
        task = engine.store.get("tasks", record["taskId"])
        if task is None:
            raise NotFound(messages.TASK_NOT_FOUND)
        record.pop("bundleId", None)
        if is_nonblank(task.get("bundleId")):
            record["bundleId"] = task["bundleId"]
        record["createdAt"] = engine.now()
        writes: list[Write] = [
            Create("files", record),
            Replace("tasks", dict(task), task.version),
            audit.event(
                engine,
                actor=actor,
                entity_type=EntityType.FILE,
                entity_id=record["id"],
                action=AuditAction.FILE_UPLOADED,
                summary=f"File uploaded: {record['filename']}",
                after=record,
                fields=_RECORD_FIELDS,
            ),
        ]
        created = engine.store.transact(writes)[0]
        assert created is not None
        return created

    return settle(attempt)


# --- reads ----------------------------------------------------------------------------------


def get_file(engine: Engine, file_id: str) -> Item:
    record = engine.store.get("files", file_id) if file_id else None
    if record is None:
        raise NotFound(messages.FILE_NOT_FOUND)
    return _shown(record)


def list_files(engine: Engine, query: Mapping[str, str], page: PageRequest) -> Listing:
    """By task (GSI-TaskCreated), by bundle (GSI-Bundle), by category (GSI-Category) or all (by
    creation); `category` and `tag` also filter the task and bundle lists. Never truncated."""
    task_id, bundle_id = query.get("taskId"), query.get("bundleId")
    category, tag = query.get("category"), query.get("tag")
    if task_id:
        partition = Partition("files", "GSI-TaskCreated", task_id)
    elif bundle_id:
        partition = Partition("files", "GSI-Bundle", bundle_id)
    elif category:
        partition = Partition("files", "GSI-Category", category)
    else:
        partition = Partition("files", "GSI-Created")

    def matches(item: Mapping[str, Any]) -> bool:
        if bundle_id and item.get("bundleId") != bundle_id:
            return False
        if category and item.get("category") != category:
            return False
        tags = item.get("tags")
        return not tag or (isinstance(tags, list) and tag in tags)

    listing = list_partitions(engine.store, [partition], page, matches)
    listing.items = [_shown(item) for item in listing.items]
    return listing


def open_download(engine: Engine, file_id: str) -> Download:
    """A presigned redirect (S3) or an open stream (local-dev); 409 for local binaries
    outside local/test; 404 when the binary is not where the record says."""
    record = engine.store.get("files", file_id) if file_id else None
    if record is None:
        raise NotFound(messages.FILE_NOT_FOUND)
    filename = model.download_filename(record)
    content_type = model.content_type_for(filename)
    uri = model.storage_uri_of(record)
    if uri is not None and model.is_local(uri) and not engine.settings.local_storage_allowed:
        raise Conflict(messages.DOWNLOAD_LOCAL_DISABLED)
    blobs = blobs_of(engine)
    key = blobs.key_for(uri) if uri is not None else None
    if key is None:
        raise NotFound(messages.FILE_NOT_ON_DISK)
    return serve_binary(blobs, key, filename, content_type, missing=messages.FILE_NOT_ON_DISK)


# --- delete ---------------------------------------------------------------------------------


def delete_file(engine: Engine, file_id: str, actor: str | None) -> None:
    """6.4 and 10.11: the record goes with its audit event, artifacts naming it lose `fileId`
    (with their own audit events), all in one transaction; then the binary goes (a missing
    binary is ignored). Deleting a task's last file makes its file proof fail again."""

    def attempt() -> Item:
        record = engine.store.get("files", file_id) if file_id else None
        if record is None:
            raise NotFound(messages.FILE_NOT_FOUND)
        writes: list[Write] = [
            Delete("files", file_id, record.version),
            audit.event(
                engine,
                actor=actor,
                entity_type=EntityType.FILE,
                entity_id=file_id,
                action=AuditAction.FILE_DELETED,
                summary=f"File deleted: {record.get('filename', '')}",
                before=record,
                fields=_RECORD_FIELDS,
            ),
        ]
        writes += detach_artifacts(engine, "fileId", file_id, "its file was deleted", actor)
        engine.store.transact(writes)
        return record

    _delete_binary(engine, settle(attempt))


def _delete_binary(engine: Engine, record: Mapping[str, Any]) -> None:
    """Remove the record's binary when this engine may touch it; never fails the delete."""
    uri = model.storage_uri_of(record)
    blobs = blobs_of(engine)
    key = blobs.key_for(uri) if uri is not None else None
    if key is None or not blobs.accepts_writes:
        # Local binaries in production, or an object in a store this engine does not use:
        # the record is gone, the bytes are left to whoever owns that storage.
        if uri is not None:
            log.warning("file %s deleted; its binary %s was left in place", record["id"], uri)
        return
    try:
        blobs.delete(key)
    except Exception:
        log.exception("file %s deleted; its binary %s could not be removed", record["id"], uri)
