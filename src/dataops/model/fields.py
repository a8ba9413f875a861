"""Fields several records share, declared once (refs, named links, tags, free-form objects),
with the contract's structural checks for them and the merge rule of partial updates.

The checks here raise Invalid with the contract's message at the first failure; callers run
them in the contract's order, then `records.check` for limits and the secret detector.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dataops.model import messages
from dataops.model.errors import Invalid
from dataops.model.records import (
    LINKS_MAX_ITEMS,
    NAME_MAX,
    SHORT_TEXT_MAX,
    SMALL_OBJECT_MAX_BYTES,
    TAG_MAX,
    TAGS_MAX_ITEMS,
    Extras,
    Field,
    Kind,
    ObjectShape,
)
from dataops.model.values import is_nonblank, is_object, utf16_length

# Free-form JSON (a validation object, artifact metadata): any shape, no secrets.
FREE_FORM = ObjectShape((), Extras.ANY)

# A ref is a lightweight pointer for display, never proof by itself. Artifact refs are the
# engine's own snapshot of the artifact (engine/refs.py); the other refs are opaque ids with
# small extras a client may add.
ARTIFACT_REF = ObjectShape(
    (
        Field("artifactId", Kind.ID, SHORT_TEXT_MAX, required=True),
        Field("type", Kind.TEXT, NAME_MAX),
        Field("title", Kind.TEXT, NAME_MAX),
        Field("storageUri", Kind.URI, SHORT_TEXT_MAX),
        Field("status", Kind.TEXT, NAME_MAX),
    ),
    Extras.SCALARS,
    SMALL_OBJECT_MAX_BYTES,
)
ASSISTANT_JOB_REF = ObjectShape(
    (Field("assistantJobId", Kind.ID, SHORT_TEXT_MAX, required=True),),
    Extras.SCALARS,
    SMALL_OBJECT_MAX_BYTES,
)
AUDIT_EVENT_REF = ObjectShape(
    (Field("auditEventId", Kind.ID, SHORT_TEXT_MAX, required=True),),
    Extras.SCALARS,
    SMALL_OBJECT_MAX_BYTES,
)
REF_FIELDS: tuple[Field, ...] = (
    Field("artifactRefs", Kind.OBJECT_LIST, LINKS_MAX_ITEMS, shape=ARTIFACT_REF, rewritten=True),
    Field("assistantJobRefs", Kind.OBJECT_LIST, LINKS_MAX_ITEMS, shape=ASSISTANT_JOB_REF),
    Field("auditEventRefs", Kind.OBJECT_LIST, LINKS_MAX_ITEMS, shape=AUDIT_EVENT_REF),
)
_REF_IDS = {
    "artifactRefs": "artifactId",
    "assistantJobRefs": "assistantJobId",
    "auditEventRefs": "auditEventId",
}

# `references` and `bundleLinks`: [{name, url}], url "" (to be filled in) or a stable link.
NAMED_LINK = ObjectShape(
    (Field("name", Kind.TEXT, NAME_MAX), Field("url", Kind.LINK, SHORT_TEXT_MAX)),
    Extras.SCALARS,
    SMALL_OBJECT_MAX_BYTES,
)
TAGS = Field("tags", Kind.TEXT_LIST, TAGS_MAX_ITEMS, item_limit=TAG_MAX)


def named_links(name: str) -> Field:
    return Field(name, Kind.OBJECT_LIST, LINKS_MAX_ITEMS, shape=NAMED_LINK)


def check_refs(fields: Mapping[str, Any], prefix: str = "") -> None:
    """Each ref array, when present, holds objects whose id field is a non-blank string."""
    for name, id_field in _REF_IDS.items():
        if name not in fields or fields[name] is None:
            continue
        value = fields[name]
        valid = isinstance(value, list) and all(
            is_object(ref) and is_nonblank(ref.get(id_field)) for ref in value
        )
        if not valid:
            raise Invalid(messages.REFS_INVALID.format(field=f"{prefix}{name}", id_field=id_field))
        if len(value) > LINKS_MAX_ITEMS:
            raise Invalid(messages.TOO_LONG.format(field=f"{prefix}{name}", limit=LINKS_MAX_ITEMS))


def check_length(name: str, value: str, limit: int) -> None:
    if utf16_length(value) > limit:
        raise Invalid(messages.TOO_LONG.format(field=name, limit=limit))


def check_named_links(fields: Mapping[str, Any], name: str) -> None:
    """The shape of `references` / `bundleLinks` in the contract's words."""
    value = fields.get(name)
    if value is None:
        return
    if not isinstance(value, list) or not all(
        is_object(link)
        and isinstance(link.get("name"), str)
        and isinstance(link.get("url", ""), str)
        for link in value
    ):
        raise Invalid(messages.NAMED_LINKS_INVALID.format(field=name))
    if len(value) > LINKS_MAX_ITEMS:
        raise Invalid(messages.TOO_LONG.format(field=name, limit=LINKS_MAX_ITEMS))


def apply_updates(existing: Mapping[str, Any], updates: Mapping[str, Any]) -> dict[str, Any]:
    """The record after a partial update: values replace, nulls remove (docs/data-model.md)."""
    merged = dict(existing)
    for name, value in updates.items():
        if value is None:
            merged.pop(name, None)
        else:
            merged[name] = value
    return merged
