"""The one place that knows both shapes of a record: it turns stored runtime records (camelCase)
into portable export records (snake_case, docs/export-format.md), and export records back into
runtime records for an import (docs/export-format.md): which entities are exported, from which
table, in which file, and how each field is carried over.

The fields are the entity's declaration in model/ (`model.tasks.TASK`, ...): its export name,
runtime name and export shape decide what survives (an optional string only when it is a
non-empty string, a boolean only when it is a boolean, ...). Fields that are not declared are
not exported: that is how a user's `passwordHash` stays behind. After mapping, `null` values and
empty arrays are dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from dataops.model.artifacts import ARTIFACT
from dataops.model.audit import AUDIT_EVENT, REDACTED
from dataops.model.bundles import BUNDLE
from dataops.model.files import FILE, legacy_storage_uri
from dataops.model.notifications import NOTIFICATION
from dataops.model.records import RecordType, Shape
from dataops.model.recurring import RECURRING_CONFIG
from dataops.model.secrets import holds_secret, is_secret_key
from dataops.model.storage_policy import StorageProvider
from dataops.model.tasks import TASK
from dataops.model.templates import TEMPLATE
from dataops.model.users import USER
from dataops.model.values import is_number

SCHEMA_VERSION = "dataops.execution.v1"
EXPORT_FORMAT_VERSION = 1
MANIFEST_FILE = "manifest.json"
# Never exported: password hashes (a field of users) and sessions (a whole table).
REDACTIONS = ("users.password_hash", "sessions")
# Not exported as files, named so a reader knows they were left out on purpose.
OMITTED_ENTITIES = ("sessions", "assistant_jobs")


# How a runtime value is carried into the export: the shape its declaration gives.
Kind = Shape


def _string(value: Any) -> Any:
    return value if isinstance(value, str) and value else None


def _boolean(value: Any) -> Any:
    return value if isinstance(value, bool) else None


def _number(value: Any) -> Any:
    return value if is_number(value) else None


def _string_array(value: Any) -> Any:
    if not isinstance(value, list):
        return None
    return [item for item in value if isinstance(item, str)]


def _array(value: Any) -> Any:
    return value if isinstance(value, list) else None


def _string_or_object(value: Any) -> Any:
    return value if isinstance(value, str | dict) else None


def _object(value: Any) -> Any:
    return value if isinstance(value, dict) else None


def _redacted_object(value: Any) -> Any:
    return redacted(value) if isinstance(value, dict) else None


def redacted(value: Any) -> Any:
    """A copy that passes the export's redaction scan: secret-like keys left out, signed URLs
    replaced by a marker (audit history recorded before a rule tightened stays exportable)."""
    if isinstance(value, dict):
        return {
            key: redacted(item)
            for key, item in value.items()
            if not (isinstance(key, str) and is_secret_key(key))
        }
    if isinstance(value, list):
        return [redacted(item) for item in value]
    if isinstance(value, str) and holds_secret(value):
        return REDACTED
    return value


_CONVERT: Mapping[Kind, Callable[[Any], Any]] = {
    Kind.STRING: _string,
    Kind.BOOLEAN: _boolean,
    Kind.NUMBER: _number,
    Kind.STRING_ARRAY: _string_array,
    Kind.ARRAY: _array,
    Kind.STRING_OR_OBJECT: _string_or_object,
    Kind.OBJECT: _object,
    Kind.REDACTED_OBJECT: _redacted_object,
}


@dataclass(frozen=True)
class Field:
    export_name: str
    runtime_name: str
    kind: Shape = Shape.STRING


@dataclass(frozen=True, eq=False)
class Entity:
    """One exported entity: its declaration (model/), its store table, its file and id field."""

    record_type: RecordType
    table: str
    fields: tuple[Field, ...] = field(init=False)

    def __post_init__(self) -> None:
        exported = tuple(
            Field(spec.export, spec.name, spec.export_as) for spec in self.record_type.fields
        )
        object.__setattr__(self, "fields", exported)

    @property
    def name(self) -> str:
        return self.record_type.entity

    @property
    def id_field(self) -> str:
        return self.record_type.id_field.export

    @property
    def filename(self) -> str:
        return f"{self.name}.jsonl"


USERS = Entity(USER, "users")
TASKS = Entity(TASK, "tasks")
BUNDLES = Entity(BUNDLE, "bundles")
TEMPLATES = Entity(TEMPLATE, "templates")
RECURRING_CONFIGS = Entity(RECURRING_CONFIG, "recurring_configs")
FILES = Entity(FILE, "files")
ARTIFACTS = Entity(ARTIFACT, "artifacts")
NOTIFICATIONS = Entity(NOTIFICATION, "notifications")
AUDIT_EVENTS = Entity(AUDIT_EVENT, "audit_events")

# The fixed export order (docs/export-format.md); audit events are this project's addition, last.
ENTITIES: tuple[Entity, ...] = (
    USERS,
    TASKS,
    BUNDLES,
    TEMPLATES,
    RECURRING_CONFIGS,
    FILES,
    ARTIFACTS,
    NOTIFICATIONS,
    AUDIT_EVENTS,
)
ENTITY_BY_NAME: Mapping[str, Entity] = {entity.name: entity for entity in ENTITIES}


class Mapper:
    """Maps the records of one entity; built once per export so each record costs one pass
    over its own keys (an export maps a million records: strings, the common case, are
    checked inline rather than through a converter)."""

    def __init__(self, entity: Entity) -> None:
        self.entity = entity
        self._by_runtime: dict[str, tuple[str, Callable[[Any], Any] | None]] = {
            spec.runtime_name: (
                spec.export_name,
                None if spec.kind is Kind.STRING else _CONVERT[spec.kind],
            )
            for spec in entity.fields
        }
        self._legacy_files = entity is FILES

    def __call__(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """The export record, top-level keys in alphabetical order (the line format)."""
        fields: list[tuple[str, Any]] = []
        by_runtime = self._by_runtime
        for key, stored in record.items():
            spec = by_runtime.get(key)
            if spec is None:
                continue
            name, convert = spec
            if convert is None:
                if isinstance(stored, str) and stored:
                    fields.append((name, stored))
                continue
            value = convert(stored)
            if value is not None and value != []:
                fields.append((name, value))
        if self._legacy_files:
            _legacy_storage(record, fields)
        fields.sort()
        return dict(fields)


def _legacy_storage(record: Mapping[str, Any], fields: list[tuple[str, Any]]) -> None:
    """A file record with only the legacy `storagePath` exports a `local-dev://` URI."""
    if any(name == "storage_uri" for name, _ in fields):
        return
    path = record.get("storagePath")
    if isinstance(path, str) and path:
        fields[:] = [(name, value) for name, value in fields if name != "storage_provider"]
        fields.append(("storage_uri", legacy_storage_uri(path)))
        fields.append(("storage_provider", StorageProvider.LOCAL_DEV.value))


def export_record(entity: Entity, record: Mapping[str, Any]) -> dict[str, Any]:
    """One record mapped (convenience for callers that map a few records)."""
    return Mapper(entity)(record)


class Restorer:
    """Maps export records of one entity back to runtime records: the inverse of `Mapper`, so
    an export record restored and exported again gives the same line. A value survives only
    when `Mapper` would export it as it is (a known field, of its kind); anything else is left
    out and named, so an import never stores what a later export would silently drop."""

    def __init__(self, entity: Entity) -> None:
        self.entity = entity
        # Strings, the common case, are checked inline; other kinds through their converter.
        self._strings = {
            spec.export_name: spec.runtime_name
            for spec in entity.fields
            if spec.kind is Kind.STRING
        }
        self._others = {
            spec.export_name: (spec.runtime_name, _restore_check(spec.kind))
            for spec in entity.fields
            if spec.kind is not Kind.STRING
        }
        self.runtime_names = frozenset(spec.runtime_name for spec in entity.fields)

    def __call__(self, record: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
        """(the runtime record, the export fields left out). `null`, `""` and `[]` mean absent
        in an export (docs/export-format.md) and are left out without being named."""
        runtime: dict[str, Any] = {}
        left_out: list[str] = []
        strings, others = self._strings, self._others
        for key, value in record.items():
            name = strings.get(key)
            if name is not None and value.__class__ is str and value:
                runtime[name] = value
                continue
            spec = None if name is not None else others.get(key)
            if spec is not None and spec[1](value):
                runtime[spec[0]] = value
            elif not _absent(value):
                left_out.append(key)
        return runtime, left_out

    def merged(self, stored: Mapping[str, Any], runtime: Mapping[str, Any]) -> dict[str, Any]:
        """`runtime` over a stored record: the stored fields no export carries (a user's
        `passwordHash`, a legacy `storagePath`) are kept, every exported field is replaced."""
        kept = {key: value for key, value in stored.items() if key not in self.runtime_names}
        return {**kept, **runtime}


def _absent(value: Any) -> bool:
    return value is None or value in ("", [])


def _restores(kind: Kind, convert: Callable[[Any], Any], value: Any) -> bool:
    """Whether `Mapper` exports `value` unchanged (converters return accepted values as they
    are; string arrays and redacted objects are rebuilt, so those are compared)."""
    kept = convert(value)
    if kept is None or kept == []:
        return False
    if kind is Kind.STRING_ARRAY:
        return len(kept) == len(value)
    if kind is Kind.REDACTED_OBJECT:
        return bool(kept == value)
    return kept is value


def _restore_check(kind: Kind) -> Callable[[Any], bool]:
    """`_restores` for one kind, answering the common case (a value of exactly the JSON type
    the kind keeps) without running its converter, which copies arrays and objects."""
    convert = _CONVERT[kind]
    quick = _QUICK_CHECKS.get(kind)
    if quick is None:
        return lambda value: _restores(kind, convert, value)
    return lambda value: quick(value) or _restores(kind, convert, value)


def _string_list(value: Any) -> bool:
    return (
        value.__class__ is list and len(value) > 0 and all(item.__class__ is str for item in value)
    )


def _unredacted(value: Any) -> bool:
    """Whether `redacted(value) == value` (no secret-like key and no signed text at any depth),
    without building the copy."""
    if isinstance(value, dict):
        return all(
            not (isinstance(key, str) and is_secret_key(key)) and _unredacted(item)
            for key, item in value.items()
        )
    if isinstance(value, list):
        return all(_unredacted(item) for item in value)
    return not (isinstance(value, str) and holds_secret(value))


# Each True only where `_restores` is True too (tests/portable/test_restore_mapping.py checks).
_QUICK_CHECKS: Mapping[Kind, Callable[[Any], bool]] = {
    Kind.BOOLEAN: lambda value: value.__class__ is bool,
    Kind.NUMBER: lambda value: value.__class__ is int,
    Kind.STRING_ARRAY: _string_list,
    Kind.ARRAY: lambda value: value.__class__ is list and len(value) > 0,
    Kind.STRING_OR_OBJECT: lambda value: value.__class__ is str or value.__class__ is dict,
    Kind.OBJECT: lambda value: value.__class__ is dict,
    Kind.REDACTED_OBJECT: lambda value: value.__class__ is dict and _unredacted(value),
}


def restore_record(entity: Entity, record: Mapping[str, Any]) -> dict[str, Any]:
    """One export record as the runtime record an import stores (convenience for callers that
    restore a few records)."""
    return Restorer(entity)(record)[0]
