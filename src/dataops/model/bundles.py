"""Bundles (one workflow run: an episode, an event): stages, statuses and the rules of 7.1."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from dataops.model import fields as f
from dataops.model import messages
from dataops.model.errors import Invalid
from dataops.model.values import is_calendar_date, is_nonblank, truthy


class BundleStage(StrEnum):
    PREPARATION = "preparation"
    ANNOUNCED = "announced"
    AFTER_EVENT = "after-event"
    DONE = "done"


class BundleStatus(StrEnum):
    ACTIVE = "active"
    ARCHIVED = "archived"


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
    f.check_length("title", value, f.TITLE_MAX)


def check_anchor_date(value: Any) -> None:
    """Steps 3-4 of 7.1; an impossible day such as 2026-02-30 fails the format too (10.3)."""
    if not truthy(value):
        raise Invalid(messages.MISSING_FIELD.format(field="anchorDate"))
    if not is_calendar_date(value):
        raise Invalid(messages.ANCHOR_DATE_FORMAT)


def check_field_types(fields: Mapping[str, Any]) -> None:
    """This project's rules for fields the reference stored unchecked (10.13, 10.15)."""
    f.check_string(fields, "description", f.TEXT_MAX)
    f.check_string(fields, "emoji", 32)
    f.check_string(fields, "templateId")
    f.check_tags(fields)
    f.check_named_links(fields, "references")
    f.check_named_links(fields, "bundleLinks")


def validate_create(body: Mapping[str, Any]) -> None:
    """Steps 2-4 and 6-8 of 7.1 (the template lookup, step 5, is the engine's)."""
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
