"""Field rules shared by several records: refs, tags, named links, lengths and plain types.

Each check raises Invalid with the contract's message at the first failure; callers run them in
the contract's order.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dataops.model import messages
from dataops.model.errors import Invalid
from dataops.model.storage_policy import LINK_SCHEMES, is_signed_or_temporary, scheme_of
from dataops.model.values import is_nonblank, is_object, is_string_array, utf16_length

# 10.15: records stay small (a DynamoDB item holds at most 400 KB).
TITLE_MAX = 500
TEXT_MAX = 20_000
FILENAME_MAX = 255
TAGS_MAX_ITEMS = 50
TAG_MAX = 100
LINKS_MAX_ITEMS = 100
TASK_DEFINITIONS_MAX = 500
SHORT_TEXT_MAX = 2_000

REF_FIELDS: tuple[tuple[str, str], ...] = (
    ("artifactRefs", "artifactId"),
    ("assistantJobRefs", "assistantJobId"),
    ("auditEventRefs", "auditEventId"),
)


def check_refs(fields: Mapping[str, Any], prefix: str = "") -> None:
    """Each ref array, when present, holds objects whose id field is a non-blank string."""
    for name, id_field in REF_FIELDS:
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


def check_string(fields: Mapping[str, Any], name: str, limit: int = SHORT_TEXT_MAX) -> None:
    """Optional string (null means absent) of bounded length."""
    value = fields.get(name)
    if value is None:
        return
    if not isinstance(value, str):
        raise Invalid(messages.MUST_BE_STRING.format(field=name))
    check_length(name, value, limit)


def check_length(name: str, value: str, limit: int) -> None:
    if utf16_length(value) > limit:
        raise Invalid(messages.TOO_LONG.format(field=name, limit=limit))


def check_boolean(fields: Mapping[str, Any], name: str) -> None:
    value = fields.get(name)
    if value is not None and not isinstance(value, bool):
        raise Invalid(messages.MUST_BE_BOOLEAN.format(field=name))


def check_string_array(fields: Mapping[str, Any], name: str, max_items: int, max_len: int) -> None:
    value = fields.get(name)
    if value is None:
        return
    if not is_string_array(value):
        raise Invalid(messages.MUST_BE_STRING_ARRAY.format(field=name))
    if len(value) > max_items or any(utf16_length(item) > max_len for item in value):
        limit = max_items if len(value) > max_items else max_len
        raise Invalid(messages.TOO_LONG.format(field=name, limit=limit))


def check_tags(fields: Mapping[str, Any]) -> None:
    check_string_array(fields, "tags", TAGS_MAX_ITEMS, TAG_MAX)


def check_link(name: str, value: Any) -> None:
    """A link the UI renders: an http(s) URL that is stable (not signed, not temporary)."""
    if not isinstance(value, str):
        raise Invalid(messages.MUST_BE_STRING.format(field=name))
    if scheme_of(value) not in LINK_SCHEMES:
        raise Invalid(messages.LINK_NOT_HTTP.format(field=name))
    if is_signed_or_temporary(value):
        raise Invalid(messages.LINK_SIGNED.format(field=name))
    check_length(name, value, SHORT_TEXT_MAX)


def check_optional_link(fields: Mapping[str, Any], name: str) -> None:
    """Optional link: null and blank strings mean "not filled"."""
    value = fields.get(name)
    if value is None or (isinstance(value, str) and not is_nonblank(value)):
        return
    check_link(name, value)


def check_named_links(fields: Mapping[str, Any], name: str) -> None:
    """`references` / `bundleLinks`: [{name, url}], url empty (to be filled) or a stable link."""
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
    for position, link in enumerate(value):
        url = link.get("url", "")
        if url != "":
            check_link(f"{name}[{position}].url", url)


def apply_updates(existing: Mapping[str, Any], updates: Mapping[str, Any]) -> dict[str, Any]:
    """The record after a partial update: values replace, nulls remove (section 8)."""
    merged = dict(existing)
    for name, value in updates.items():
        if value is None:
            merged.pop(name, None)
        else:
            merged[name] = value
    return merged
