"""Artifacts: durable metadata records for outputs and proof (never the content itself): the
enums, their validation rules and the review transitions (docs/api.md#artifacts)."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from dataops.model import fields as f
from dataops.model import messages, records
from dataops.model.errors import Conflict, Invalid
from dataops.model.records import (
    FILENAME_MAX,
    NAME_MAX,
    SHORT_TEXT_MAX,
    TEXT_MAX,
    Field,
    Kind,
    RecordType,
    Shape,
)
from dataops.model.storage_policy import (
    METADATA_MAX_BYTES,
    OWNED_PROVIDERS,
    StorageProvider,
    check_metadata,
    check_provider_agrees,
    check_storage_uri,
)
from dataops.model.values import is_nonblank, is_number


class ArtifactType(StrEnum):
    PODCAST_DOC = "podcast-doc"
    TRANSCRIPT = "transcript"
    RECORDING = "recording"
    REPORT = "report"
    INVOICE = "invoice"
    EVENT_PAGE = "event-page"
    ASSISTANT_OUTPUT = "assistant-output"
    EXTERNAL_LINK = "external-link"
    OTHER = "other"


class ArtifactStatus(StrEnum):
    DRAFT = "draft"
    NEEDS_REVIEW = "needs-review"
    APPROVED = "approved"
    REJECTED = "rejected"
    ARCHIVED = "archived"
    SUPERSEDED = "superseded"


class Visibility(StrEnum):
    PUBLIC = "public"
    INTERNAL = "internal"
    PRIVATE = "private"
    SENSITIVE = "sensitive"


class SourceType(StrEnum):
    MANUAL_LINK = "manual-link"
    MANUAL_UPLOAD = "manual-upload"
    ASSISTANT_OUTPUT = "assistant-output"
    IMPORT = "import"
    MIGRATION = "migration"
    SYSTEM = "system"


# --- record rules -------------------------------------------------------------------------------

STORAGE_URI = Field("storageUri", Kind.URI, SHORT_TEXT_MAX, required=True)
REVIEW_NOTE = Field("reviewNote", Kind.TEXT, TEXT_MAX)
# Where the binary is and what it holds: a change is judged like a new registration.
LOCATION_FIELDS = ("storageUri", "storageProvider", "checksum")

# Every field of an artifact, in the order the export validator reports them (docs/export-format.md,
# rule 10).
ARTIFACT = RecordType(
    "artifacts",
    (
        Field("id", Kind.ID, export="artifact_id", required=True, writable=False),
        Field("type", Kind.ENUM, values=tuple(ArtifactType), required=True),
        Field("title", Kind.TEXT, NAME_MAX, required=True),
        STORAGE_URI,
        Field("status", Kind.ENUM, values=tuple(ArtifactStatus)),
        Field("storageProvider", Kind.ENUM, values=tuple(StorageProvider)),
        Field("visibility", Kind.ENUM, values=tuple(Visibility)),
        Field("dataClass", Kind.ENUM, values=tuple(Visibility)),
        Field("sourceType", Kind.ENUM, values=tuple(SourceType)),
        Field("description", Kind.TEXT, TEXT_MAX),
        Field("filename", Kind.TEXT, FILENAME_MAX),
        Field("contentType", Kind.TEXT, SHORT_TEXT_MAX),
        Field("checksum", Kind.TEXT, SHORT_TEXT_MAX),
        Field("sizeBytes", Kind.NUMBER),
        f.TAGS,
        Field("createdAt", Kind.TIMESTAMP, required=True, writable=False),
        Field("updatedAt", Kind.TIMESTAMP, required=True, writable=False),
        Field("reviewedAt", Kind.TIMESTAMP),
        Field("taskId", Kind.ID, SHORT_TEXT_MAX, references="tasks"),
        Field("bundleId", Kind.ID, SHORT_TEXT_MAX, references="bundles"),
        Field("fileId", Kind.ID, SHORT_TEXT_MAX, references="files"),
        Field("createdBy", Kind.ID, SHORT_TEXT_MAX, actor=True),
        Field("reviewedBy", Kind.ID, SHORT_TEXT_MAX, actor=True),
        Field("assistantJobId", Kind.ID, SHORT_TEXT_MAX),
        REVIEW_NOTE,
        Field("supersedes", Kind.ID, SHORT_TEXT_MAX, writable=False),
        Field("supersededBy", Kind.ID, SHORT_TEXT_MAX, writable=False),
        Field(
            "metadata",
            Kind.OBJECT,
            METADATA_MAX_BYTES,
            shape=f.FREE_FORM,
            export_shape=Shape.STRING_OR_OBJECT,
        ),
    ),
)

# What a PUT may change (`createdBy`, `id`, `createdAt` never; review fields only where
# the body's actors are trusted, see engine/artifacts.py).
UPDATABLE_FIELDS: tuple[str, ...] = (
    "type",
    "title",
    "description",
    "status",
    "storageProvider",
    "storageUri",
    "filename",
    "contentType",
    "checksum",
    "sizeBytes",
    "visibility",
    "dataClass",
    "taskId",
    "bundleId",
    "assistantJobId",
    "fileId",
    "sourceType",
    "reviewedBy",
    "reviewedAt",
    "tags",
    "metadata",
)
# Optional fields copied from a create body when present.
OPTIONAL_CREATE_FIELDS: tuple[str, ...] = (
    "description",
    "filename",
    "contentType",
    "checksum",
    "sizeBytes",
    "taskId",
    "bundleId",
    "assistantJobId",
    "fileId",
    "createdBy",
    "reviewedBy",
    "reviewedAt",
    "tags",
    "metadata",
)
# Fields whose value the trusted actor and the server clock decide (docs/api.md#conventions).
ACTOR_FIELDS = frozenset({"createdBy", "reviewedBy", "reviewedAt"})
# Always present on a record: a null in an update is refused by validation, not a removal.
REQUIRED_FIELDS = frozenset(
    {"type", "title", "status", "storageProvider", "storageUri", "dataClass", "sourceType"}
)
# A change to one of these refreshes the refs that tasks and bundles hold (docs/api.md#artifacts).
REF_FIELDS = ("type", "title", "storageUri", "status")
RELATIONSHIPS: tuple[tuple[str, str, str], ...] = (
    ("taskId", "tasks", messages.TASK_NOT_FOUND),
    ("bundleId", "bundles", messages.BUNDLE_NOT_FOUND),
    ("fileId", "files", messages.FILE_NOT_FOUND),
)
REVIEWED = frozenset({ArtifactStatus.APPROVED.value, ArtifactStatus.REJECTED.value})


def is_reviewed(status: Any) -> bool:
    """`approved` or `rejected`: statuses that carry a reviewer (any JSON value is safe here)."""
    return isinstance(status, str) and status in REVIEWED


def _values(enum: type[StrEnum]) -> frozenset[str]:
    return frozenset(member.value for member in enum)


_TYPES = _values(ArtifactType)
_STATUSES = _values(ArtifactStatus)
_PROVIDERS = _values(StorageProvider)
_VISIBILITIES = _values(Visibility)
_SOURCES = _values(SourceType)


def _is_member(value: Any, allowed: frozenset[str]) -> bool:
    return isinstance(value, str) and value in allowed


def validate(record: Mapping[str, Any], *, require_core: bool, local_storage_allowed: bool) -> None:
    """Every rule of 5.2 in the contract's order, with 10.13-10.15; the first failure wins.

    `record` is the artifact as it would be stored (an update validates the merged record), with
    `storageProvider` already derived. A field absent from `record` is not checked, except the
    core fields on create (`require_core`).
    """
    if require_core:
        for name in ("type", "title", "storageUri"):
            if not is_nonblank(record.get(name)):
                raise Invalid(messages.MISSING_FIELD.format(field=name))
    if "type" in record and not _is_member(record["type"], _TYPES):
        raise Invalid(messages.ARTIFACT_TYPE_INVALID)
    if "title" in record and not is_nonblank(record["title"]):
        raise Invalid(messages.ARTIFACT_TITLE_INVALID)
    _check_declared(record, "title", "description")
    if "status" in record and not _is_member(record["status"], _STATUSES):
        raise Invalid(messages.ARTIFACT_STATUS_INVALID)
    uri = record.get("storageUri")
    if "storageUri" in record:
        check_storage_uri(uri, STORAGE_URI)
        _check_declared(record, "storageUri")
    provider = record.get("storageProvider")
    if "storageProvider" in record and not _is_member(provider, _PROVIDERS):
        raise Invalid(messages.STORAGE_PROVIDER_INVALID)
    if isinstance(provider, str) and isinstance(uri, str):
        check_provider_agrees(provider, uri)
    if provider == StorageProvider.LOCAL_DEV and not local_storage_allowed:
        raise Invalid(messages.LOCAL_DEV_ARTIFACT_REFUSED)
    if provider in OWNED_PROVIDERS:
        checksum = record.get("checksum")
        if "checksum" in record and not is_nonblank(checksum):
            raise Invalid(messages.CHECKSUM_INVALID)
        if require_core and not is_nonblank(checksum):
            raise Invalid(messages.CHECKSUM_REQUIRED)
    _check_declared(record, "checksum", "filename", "contentType")
    size = record.get("sizeBytes")
    if "sizeBytes" in record and not (is_number(size) and size >= 0):
        raise Invalid(messages.SIZE_BYTES_INVALID)
    if "visibility" in record and not _is_member(record["visibility"], _VISIBILITIES):
        raise Invalid(messages.VISIBILITY_INVALID)
    if "dataClass" in record and not _is_member(record["dataClass"], _VISIBILITIES):
        raise Invalid(messages.DATA_CLASS_INVALID)
    if "sourceType" in record and not _is_member(record["sourceType"], _SOURCES):
        raise Invalid(messages.SOURCE_TYPE_INVALID)
    _check_declared(record, *_IDS_AND_TAGS)
    if "metadata" in record:
        check_metadata(record["metadata"])
    # Whatever the contract's order leaves: the review note, supersession links, ...
    records.check(ARTIFACT, record)


# These are judged in this order, after the enums.
_IDS_AND_TAGS = (
    "taskId",
    "bundleId",
    "assistantJobId",
    "fileId",
    "createdBy",
    "reviewedBy",
    "reviewedAt",
    "tags",
)


def _check_declared(record: Mapping[str, Any], *names: str) -> None:
    """The declared rules of these fields, in this order (types, limits, the detector)."""
    records.check(tuple(ARTIFACT.by_name[name] for name in names), record)


# --- review transitions (docs/api.md#artifacts) ---------------------------------------------------

_S = ArtifactStatus
# Which status may follow which through PUT, approve, reject and archive. `superseded` is reached
# only through supersede (SUPERSEDABLE); archived and superseded records are final.
TRANSITIONS: Mapping[str, frozenset[str]] = {
    _S.DRAFT: frozenset({_S.NEEDS_REVIEW, _S.APPROVED, _S.REJECTED, _S.ARCHIVED}),
    _S.NEEDS_REVIEW: frozenset({_S.DRAFT, _S.APPROVED, _S.REJECTED, _S.ARCHIVED}),
    _S.APPROVED: frozenset({_S.NEEDS_REVIEW, _S.REJECTED, _S.ARCHIVED}),
    _S.REJECTED: frozenset({_S.DRAFT, _S.NEEDS_REVIEW, _S.ARCHIVED}),
    _S.ARCHIVED: frozenset(),
    _S.SUPERSEDED: frozenset(),
}
SUPERSEDABLE = frozenset({_S.DRAFT, _S.NEEDS_REVIEW, _S.APPROVED, _S.REJECTED})


def transition_refusal(current: str, requested: str) -> Conflict:
    return Conflict(messages.ARTIFACT_TRANSITION.format(current=current, requested=requested))


def check_transition(current: Any, requested: str) -> None:
    """409 unless `requested` may follow `current`; staying in the same status is no change."""
    if current == requested:
        return
    if requested not in TRANSITIONS.get(current, frozenset()):
        raise transition_refusal(str(current), requested)


def check_supersedable(current: Any) -> None:
    if current not in SUPERSEDABLE:
        raise transition_refusal(str(current), ArtifactStatus.SUPERSEDED.value)


def merge_updates(existing: Mapping[str, Any], updates: Mapping[str, Any]) -> dict[str, Any]:
    """The record after an update: values replace; null removes an optional field and stays
    (to be refused by validation) on a required one."""
    merged = dict(existing)
    for name, value in updates.items():
        if value is None and name not in REQUIRED_FIELDS:
            merged.pop(name, None)
        else:
            merged[name] = value
    return merged
