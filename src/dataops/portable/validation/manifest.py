"""The manifest (docs/export-format.md, rules 1, 2 and 12): reading it, its own fields, its
markers, and the file name it gives each entity."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeGuard

from dataops.model import jsonvalue, messages
from dataops.model.values import is_timestamp
from dataops.portable.mapping import (
    EXPORT_FORMAT_VERSION,
    OMITTED_ENTITIES,
    REDACTIONS,
    SCHEMA_VERSION,
)

MAX_MANIFEST_BYTES = 1024 * 1024


def read_manifest(path: Path) -> tuple[dict[str, Any] | None, str]:
    """The manifest, or None and why it cannot be read (rule 1)."""
    try:
        with open(path, "rb") as source:
            raw = source.read(MAX_MANIFEST_BYTES + 1)
    except OSError as exc:
        return None, exc.strerror or str(exc)
    if len(raw) > MAX_MANIFEST_BYTES:
        return None, f"larger than {MAX_MANIFEST_BYTES} bytes"
    try:
        manifest = jsonvalue.loads(raw)
    except jsonvalue.JsonError as exc:
        return None, str(exc)
    if not isinstance(manifest, dict):
        return None, "not a JSON object"
    return manifest, ""


def manifest_errors(manifest: dict[str, Any]) -> list[str]:
    """Rule 2: schema and format versions, the generation time."""
    errors: list[str] = []
    if manifest.get("schema_version") != SCHEMA_VERSION:
        errors.append(messages.MANIFEST_SCHEMA_VERSION)
    version = manifest.get("export_format_version")
    if isinstance(version, bool) or version != EXPORT_FORMAT_VERSION:
        errors.append(messages.MANIFEST_FORMAT_VERSION)
    if not is_timestamp(manifest.get("generated_at")):
        errors.append(messages.MANIFEST_GENERATED_AT)
    return errors


def marker_errors(manifest: dict[str, Any]) -> list[str]:
    """Rule 12: the redaction and omitted-entity markers."""
    errors: list[str] = []
    redactions = manifest.get("redactions")
    redactions = redactions if isinstance(redactions, list) else []
    for marker in REDACTIONS:
        if marker not in redactions:
            errors.append(messages.MANIFEST_MISSING_REDACTION.format(marker=marker))
    omitted = manifest.get("omitted_entities")
    omitted = omitted if isinstance(omitted, list) else []
    for marker in OMITTED_ENTITIES:
        if marker not in omitted:
            errors.append(messages.MANIFEST_MISSING_OMITTED.format(marker=marker))
    return errors


def predates_audit_events(manifest: dict[str, Any]) -> bool:
    """An export written without audit events: neither its files nor its counts name them."""
    files, counts = manifest.get("entity_files"), manifest.get("entity_counts")
    return (
        isinstance(files, dict)
        and "audit_events" not in files
        and not (isinstance(counts, dict) and "audit_events" in counts)
    )


def entity_file(manifest: dict[str, Any], entity: str) -> Any:
    """The file name the manifest gives an entity (any JSON value: judged by the caller)."""
    files = manifest.get("entity_files")
    return files.get(entity) if isinstance(files, dict) else None


def plain(filename: Any) -> TypeGuard[str]:
    """A file name inside the export directory: no path, no parent."""
    return (
        isinstance(filename, str)
        and filename not in ("", ".", "..")
        and not any(char in filename for char in "/\\\0")
    )
