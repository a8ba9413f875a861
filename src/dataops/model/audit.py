"""Audit events: who changed what, when. `before`/`after` hold only the changed fields and pass
the same redaction rules as exports (no secret-like keys, no signed URLs, no bulk content)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any

from dataops.model.fields import FREE_FORM
from dataops.model.records import SHORT_TEXT_MAX, TEXT_MAX, Field, Kind, RecordType, Shape
from dataops.model.secrets import holds_secret, is_secret_key

REDACTED = "[redacted]"
# Strings longer than this are summarised: audit history is not a copy of the content.
MAX_AUDIT_STRING = 2_000


class EntityType(StrEnum):
    TASK = "task"
    BUNDLE = "bundle"
    ARTIFACT = "artifact"
    FILE = "file"
    TEMPLATE = "template"
    RECURRING_CONFIG = "recurring_config"
    USER = "user"
    SERVICE_TOKEN = "service_token"


# Every field of an audit event, in the order the export validator reports them (rule 13). The
# entity it names may be gone: history outlives entities, so `entityId` is no reference.
def _history(name: str) -> Field:
    return Field(name, Kind.OBJECT, shape=FREE_FORM, export_shape=Shape.REDACTED_OBJECT)


class AuditAction(StrEnum):
    TASK_COMPLETED = "task.completed"
    TASK_REOPENED = "task.reopened"
    ARTIFACT_REGISTERED = "artifact.registered"
    ARTIFACT_STATUS_CHANGED = "artifact.status-changed"
    ARTIFACT_ATTACHED = "artifact.attached"
    ARTIFACT_DETACHED = "artifact.detached"
    ARTIFACT_SUPERSEDED = "artifact.superseded"
    FILE_UPLOADED = "file.uploaded"
    FILE_DELETED = "file.deleted"
    USER_ADDED = "user.added"
    USER_ROLE_CHANGED = "user.role-changed"
    USER_DEACTIVATED = "user.deactivated"
    USER_REACTIVATED = "user.reactivated"
    USER_PASSWORD_RESET = "user.password-reset"
    SERVICE_TOKEN_CREATED = "service-token.created"
    SERVICE_TOKEN_REVOKED = "service-token.revoked"


AUDIT_EVENT = RecordType(
    "audit_events",
    (
        Field("id", Kind.ID, export="audit_event_id", required=True, writable=False),
        Field("entityType", Kind.ENUM, values=tuple(EntityType), required=True),
        Field("entityId", Kind.ID, SHORT_TEXT_MAX, required=True),
        Field("action", Kind.TEXT, SHORT_TEXT_MAX, required=True),
        Field("createdAt", Kind.TIMESTAMP, required=True),
        _history("before"),
        _history("after"),
        Field("summary", Kind.TEXT, TEXT_MAX),
        Field("actorId", Kind.ID, SHORT_TEXT_MAX, actor=True),
    ),
)


def redact(value: Any) -> Any:
    """A copy safe to keep forever: secret-like keys and signed URLs replaced, bulk trimmed."""
    if isinstance(value, Mapping):
        return {
            key: REDACTED if is_secret_key(str(key)) else redact(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [redact(item) for item in value]
    if isinstance(value, str):
        if holds_secret(value):
            return REDACTED
        if len(value) > MAX_AUDIT_STRING:
            return value[:MAX_AUDIT_STRING] + "…"
    return value


def changes(
    before: Mapping[str, Any], after: Mapping[str, Any], fields: Iterable[str]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(before, after) restricted to the listed fields whose values differ, redacted."""
    old: dict[str, Any] = {}
    new: dict[str, Any] = {}
    for name in fields:
        if before.get(name) != after.get(name):
            if name in before:
                old[name] = redact(before[name])
            if name in after:
                new[name] = redact(after[name])
    return old, new
