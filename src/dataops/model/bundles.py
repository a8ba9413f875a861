"""Bundles (one workflow run: an episode, an event): stages, statuses and their rules
(docs/api.md#bundles)."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from dataops.model import fields as f
from dataops.model import messages, records
from dataops.model.errors import Invalid
from dataops.model.records import NAME_MAX, SHORT_TEXT_MAX, TEXT_MAX, Field, Kind, RecordType
from dataops.model.values import is_calendar_date, is_nonblank, truthy


class BundleStage(StrEnum):
    PREPARATION = "preparation"
    ANNOUNCED = "announced"
    AFTER_EVENT = "after-event"
    DONE = "done"


class BundleStatus(StrEnum):
    ACTIVE = "active"
    ARCHIVED = "archived"


EMOJI_MAX = 32

# Every field of a bundle, in the order the export validator reports them (docs/export-format.md,
# rule 6).
BUNDLE = RecordType(
    "bundles",
    (
        Field("id", Kind.ID, export="bundle_id", required=True, writable=False),
        Field("anchorDate", Kind.DATE),
        Field("createdAt", Kind.TIMESTAMP, writable=False),
        Field("updatedAt", Kind.TIMESTAMP, writable=False),
        *f.REF_FIELDS,
        Field("templateId", Kind.ID, SHORT_TEXT_MAX, references="templates", soft=True),
        Field("title", Kind.TEXT, NAME_MAX),
        Field("description", Kind.TEXT, TEXT_MAX),
        Field("status", Kind.ENUM, values=tuple(BundleStatus)),
        Field("stage", Kind.ENUM, values=tuple(BundleStage)),
        Field("emoji", Kind.TEXT, EMOJI_MAX),
        f.named_links("references"),
        f.named_links("bundleLinks"),
        f.TAGS,
    ),
)

UPDATABLE_FIELDS: tuple[str, ...] = (
    "title",
    "description",
    "anchorDate",
    "references",
    "bundleLinks",
    "emoji",
    "tags",
    "stage",
    "status",
    "artifactRefs",
    "assistantJobRefs",
    "auditEventRefs",
)
REQUIRED_FIELDS = frozenset({"title", "anchorDate", "stage", "status"})


def check_stage(value: Any) -> None:
    if value not in BundleStage.__members__.values():
        raise Invalid(messages.BUNDLE_STAGE_INVALID)


def check_status(value: Any) -> None:
    if value not in BundleStatus.__members__.values():
        raise Invalid(messages.BUNDLE_STATUS_INVALID)


def check_title(value: Any) -> None:
    if not is_nonblank(value):
        raise Invalid(messages.MISSING_FIELD.format(field="title"))


def check_anchor_date(value: Any) -> None:
    """Present, then a real calendar day: 2026-02-30 fails the format too."""
    if not truthy(value):
        raise Invalid(messages.MISSING_FIELD.format(field="anchorDate"))
    if not is_calendar_date(value):
        raise Invalid(messages.ANCHOR_DATE_FORMAT)


def check_field_types(fields: Mapping[str, Any]) -> None:
    """The contract's shape of named links, then every declared rule (docs/api.md#field-rules):
    types, limits, links and the secret detector."""
    f.check_named_links(fields, "references")
    f.check_named_links(fields, "bundleLinks")
    records.check(BUNDLE, fields)


def validate_create(body: Mapping[str, Any]) -> None:
    """Title and anchor date, before the template is looked up (that is the engine's)."""
    check_title(body.get("title"))
    check_anchor_date(body.get("anchorDate"))


def validate_after_template(body: Mapping[str, Any]) -> None:
    if "stage" in body and body["stage"] is not None:
        check_stage(body["stage"])
    if "status" in body and body["status"] is not None:
        check_status(body["status"])
    f.check_refs(body)
    check_field_types(body)


def validate_update(updates: Mapping[str, Any]) -> None:
    if "stage" in updates:
        check_stage(updates["stage"])
    if "status" in updates:
        check_status(updates["status"])
    f.check_refs(updates)
    if "title" in updates:
        check_title(updates["title"])
    if "anchorDate" in updates:
        check_anchor_date(updates["anchorDate"])
    check_field_types(updates)
