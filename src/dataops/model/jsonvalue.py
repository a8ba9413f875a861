"""The one JSON codec: strict parsing (no NaN/Infinity, bounded nesting) and compact output."""

from __future__ import annotations

from typing import Any

import orjson

# DynamoDB documents nest at most 32 levels; refusing deeper bodies keeps every store and the
# encoder's own recursion limit out of reach of client input.
MAX_DEPTH = 32


class JsonError(ValueError):
    """The text is not strict JSON, or nests deeper than MAX_DEPTH."""

    def __init__(self, message: str, *, too_deep: bool = False) -> None:
        super().__init__(message)
        self.too_deep = too_deep


def loads(text: bytes | str) -> Any:
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise JsonError(str(exc), too_deep="depth limit" in str(exc)) from None
    if _may_nest_deeper(text) and nesting_depth(value) > MAX_DEPTH:
        raise JsonError(f"nested deeper than {MAX_DEPTH} levels", too_deep=True)
    return value


def loads_validated(text: bytes) -> Any:
    """`loads` for bytes that `loads` already accepted elsewhere (an import reads export lines
    the validator parsed, and commits nothing unless the file's checksum shows they were the
    same bytes): strict parsing, without the nesting walk's pre-check."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise JsonError(str(exc), too_deep="depth limit" in str(exc)) from None


def _may_nest_deeper(text: bytes | str) -> bool:
    """Cheap pre-check: a document with at most MAX_DEPTH opening brackets cannot nest deeper,
    so only the rare document with more pays for the walk (store reads happen per record)."""
    if isinstance(text, str):
        return text.count("{") + text.count("[") > MAX_DEPTH
    return text.count(b"{") + text.count(b"[") > MAX_DEPTH


def dumps(value: Any) -> bytes:
    """Compact JSON, non-ASCII kept as UTF-8."""
    return orjson.dumps(value)


def dumps_sorted(value: Any) -> bytes:
    """Compact JSON with top-level keys sorted (portable export lines)."""
    if isinstance(value, dict):
        value = {key: value[key] for key in sorted(value)}
    return orjson.dumps(value)


def dumps_indented(value: Any) -> bytes:
    """JSON indented by 2 spaces plus a trailing newline (export manifests)."""
    return orjson.dumps(value, option=orjson.OPT_INDENT_2) + b"\n"


def nesting_depth(value: Any) -> int:
    """Depth of containers: a scalar is 0, `[]` is 1, `[[1]]` is 2."""
    depth = 0
    level: list[Any] = [value]
    while level:
        nested: list[Any] = []
        for item in level:
            if isinstance(item, dict):
                nested.extend(item.values())
            elif isinstance(item, list):
                nested.extend(item)
        if not any(isinstance(item, dict | list) for item in level):
            break
        depth += 1
        level = nested
    return depth


class _InvalidBody:
    """A request body that is missing or not JSON (distinct from a JSON `null`)."""

    _instance: _InvalidBody | None = None

    def __new__(cls) -> _InvalidBody:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "INVALID_BODY"


INVALID_BODY = _InvalidBody()
