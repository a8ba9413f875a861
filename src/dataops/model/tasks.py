"""Tasks: fields, statuses and their validation rules (docs/api.md#tasks)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any

from dataops.model import fields as f
from dataops.model import messages, records
from dataops.model.bundles import BundleStage
from dataops.model.errors import Invalid
from dataops.model.receipts import COMPLETION_PROOF, PROOF_BASELINE
from dataops.model.records import (
    NAME_MAX,
    SHORT_TEXT_MAX,
    SMALL_OBJECT_MAX_BYTES,
    TAG_MAX,
    TAGS_MAX_ITEMS,
    TEXT_MAX,
    Extras,
    Field,
    Kind,
    ObjectShape,
    RecordType,
    Shape,
)
from dataops.model.values import is_calendar_date, is_nonblank, is_object, truthy


class TaskStatus(StrEnum):
    TODO = "todo"
    WAITING = "waiting"
    DONE = "done"
    ARCHIVED = "archived"


class ProofType(StrEnum):
    URL = "url"
    FILE = "file"
    ARTIFACT = "artifact"
    COMMENT = "comment"
    EXTERNAL_STATUS = "external-status"


PROOF_REQUIREMENT = ObjectShape(
    (
        Field("type", Kind.ENUM, values=tuple(ProofType), required=True),
        Field("label", Kind.TEXT, NAME_MAX),
        Field("required", Kind.BOOLEAN),
    ),
    Extras.SCALARS,
    SMALL_OBJECT_MAX_BYTES,
)
SYSTEMS = Field("systems", Kind.TEXT_LIST, TAGS_MAX_ITEMS, item_limit=TAG_MAX)
VALIDATION = Field("validation", Kind.TEXT_OR_OBJECT, TEXT_MAX, shape=f.FREE_FORM)

# Every field of a task, in the order the export validator reports them (docs/export-format.md, rule
# 5).
TASK = RecordType(
    "tasks",
    (
        Field("id", Kind.ID, export="task_id", required=True, writable=False),
        Field("description", Kind.TEXT, TEXT_MAX, required=True),
        Field("date", Kind.DATE, required=True),
        Field("status", Kind.ENUM, values=tuple(TaskStatus)),
        Field("waitingFor", Kind.TEXT, NAME_MAX, required_if=("status", "waiting")),
        Field("followUpAt", Kind.TIMESTAMP, required_if=("status", "waiting")),
        Field("completedAt", Kind.TIMESTAMP, writable=False),
        Field("createdAt", Kind.TIMESTAMP, writable=False),
        Field("updatedAt", Kind.TIMESTAMP, writable=False),
        Field("instructionsUrl", Kind.LINK, SHORT_TEXT_MAX),
        Field("instructionDocId", Kind.ID, SHORT_TEXT_MAX),
        Field("instructionStepId", Kind.ID, SHORT_TEXT_MAX),
        Field("phase", Kind.TEXT, SHORT_TEXT_MAX),
        SYSTEMS,
        VALIDATION,
        Field(
            "proofRequirement",
            Kind.OBJECT,
            shape=PROOF_REQUIREMENT,
            export_shape=Shape.STRING_OR_OBJECT,
        ),
        Field("externalStatus", Kind.TEXT, NAME_MAX),
        *f.REF_FIELDS,
        Field("assigneeId", Kind.ID, SHORT_TEXT_MAX, references="users", soft=True),
        Field("completedBy", Kind.ID, SHORT_TEXT_MAX, actor=True, writable=False),
        Field("bundleId", Kind.ID, SHORT_TEXT_MAX, references="bundles"),
        Field("templateId", Kind.ID, SHORT_TEXT_MAX, references="templates", soft=True),
        Field("source", Kind.TEXT, SHORT_TEXT_MAX),
        Field("comment", Kind.TEXT, TEXT_MAX),
        Field("link", Kind.LINK, SHORT_TEXT_MAX),
        Field("requiredLinkName", Kind.TEXT, NAME_MAX),
        Field("requiresFile", Kind.BOOLEAN),
        Field("templateTaskRef", Kind.ID, SHORT_TEXT_MAX, writable=False),
        Field("recurringConfigId", Kind.ID, SHORT_TEXT_MAX, writable=False),
        Field("stageOnComplete", Kind.ENUM, values=tuple(BundleStage), writable=False),
        f.TAGS,
        PROOF_BASELINE,
        COMPLETION_PROOF,
    ),
)

# Client-settable fields, identical for create and update (docs/api.md#tasks).
ALLOWED_FIELDS: tuple[str, ...] = (
    "description",
    "date",
    "comment",
    "status",
    "bundleId",
    "source",
    "waitingFor",
    "followUpAt",
    "proofRequirement",
    "externalStatus",
    "instructionsUrl",
    "instructionDocId",
    "instructionStepId",
    "phase",
    "systems",
    "validation",
    "link",
    "requiredLinkName",
    "requiresFile",
    "assigneeId",
    "tags",
    "templateId",
    "artifactRefs",
    "assistantJobRefs",
    "auditEventRefs",
)
# Set only by the engine (template instantiation, recurring generation, completion).
INTERNAL_FIELDS: tuple[str, ...] = (
    "templateTaskRef",
    "stageOnComplete",
    "recurringConfigId",
    "completedAt",
    "completedBy",
    "proofBaseline",
    "completionProof",
)
# A null in an update removes these; required fields refuse null.
REQUIRED_FIELDS = frozenset({"description", "date", "status", "proofRequirement"})


def check_status(value: Any) -> None:
    if value not in TaskStatus.__members__.values():
        raise Invalid(messages.TASK_STATUS_INVALID)


def check_doc_context(fields: Mapping[str, Any], prefix: str = "") -> None:
    """instructionDocId, instructionStepId, phase, systems, validation (docs/api.md#tasks)."""
    for name in ("instructionDocId", "instructionStepId", "phase"):
        if name in fields and fields[name] is not None and not isinstance(fields[name], str):
            raise Invalid(messages.MUST_BE_STRING.format(field=f"{prefix}{name}"))
    systems = fields.get("systems")
    if systems is not None and not (
        isinstance(systems, list) and all(isinstance(item, str) for item in systems)
    ):
        raise Invalid(messages.MUST_BE_STRING_ARRAY.format(field=f"{prefix}systems"))
    validation = fields.get("validation")
    if validation is not None and not isinstance(validation, str | dict):
        raise Invalid(f"{prefix}{messages.VALIDATION_INVALID}")


def check_proof_requirement(value: Any, prefix: str = "") -> None:
    if not is_object(value):
        raise Invalid(f"{prefix}{messages.PROOF_REQUIREMENT_NOT_OBJECT}")
    if (
        not isinstance(value.get("type"), str)
        or value["type"] not in ProofType.__members__.values()
    ):
        raise Invalid(f"{prefix}{messages.PROOF_REQUIREMENT_TYPE}")
    if "label" in value and value["label"] is not None and not isinstance(value["label"], str):
        raise Invalid(f"{prefix}{messages.PROOF_REQUIREMENT_LABEL}")
    if (
        "required" in value
        and value["required"] is not None
        and not isinstance(value["required"], bool)
    ):
        raise Invalid(f"{prefix}{messages.PROOF_REQUIREMENT_REQUIRED}")


def pick_allowed(body: Mapping[str, Any]) -> dict[str, Any]:
    """The client-settable fields present in the body (null included); others are dropped."""
    return {name: body[name] for name in ALLOWED_FIELDS if name in body}


def check_description(value: Any) -> None:
    if not truthy(value):
        raise Invalid(messages.MISSING_FIELD.format(field="description"))
    if not isinstance(value, str):
        raise Invalid(messages.MUST_BE_STRING.format(field="description"))
    if not is_nonblank(value):
        raise Invalid(messages.MISSING_FIELD.format(field="description"))


def check_date(value: Any) -> None:
    if not truthy(value):
        raise Invalid(messages.MISSING_FIELD.format(field="date"))
    if not is_calendar_date(value):
        raise Invalid(messages.INVALID_DATE.format(field="date"))


def check_waiting(effective: Mapping[str, Any]) -> None:
    """A waiting task names whom it waits for and when to follow up."""
    if effective.get("status") == TaskStatus.WAITING and not (
        is_nonblank(effective.get("waitingFor")) and is_nonblank(effective.get("followUpAt"))
    ):
        raise Invalid(messages.TASK_WAITING_FIELDS)


def check_field_types(fields: Mapping[str, Any]) -> None:
    """Every declared rule the contract's checks above leave open (docs/api.md): types, limits,
    links and the secret detector."""
    records.check(TASK, fields)


def validate_create(body: Mapping[str, Any]) -> dict[str, Any]:
    """A create body's fields in order; returns the fields to store (nulls dropped)."""
    check_description(body.get("description"))
    check_date(body.get("date"))
    fields = pick_allowed(body)
    if "status" in fields:
        check_status(fields["status"])
    check_waiting(fields)
    check_doc_context(fields)
    if "proofRequirement" in fields:
        check_proof_requirement(fields["proofRequirement"])
    f.check_refs(fields)
    check_field_types(fields)
    return {name: value for name, value in fields.items() if value is not None}


def validate_update(body: Mapping[str, Any]) -> dict[str, Any]:
    """An update's fields in order (before the existence check); null values mean "remove"."""
    updates = pick_allowed(body)
    if not updates:
        raise Invalid(messages.NO_VALID_FIELDS)
    if "status" in updates:
        check_status(updates["status"])
    check_doc_context(updates)
    if "proofRequirement" in updates:
        check_proof_requirement(updates["proofRequirement"])
    f.check_refs(updates)
    if "description" in updates:
        check_description(updates["description"])
    if "date" in updates:
        check_date(updates["date"])
    check_field_types(updates)
    return updates


def progress(tasks: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """A workflow's progress: `done` among its `total` live (not archived) tasks."""
    live = [task for task in tasks if task.get("status") != TaskStatus.ARCHIVED]
    return {
        "done": sum(1 for task in live if task.get("status") == TaskStatus.DONE),
        "total": len(live),
    }
