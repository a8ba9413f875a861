"""How an entity's fields are declared, and the rules every declared field obeys.

Each entity module (model/tasks.py, model/artifacts.py, ...) declares its record once as a
`RecordType`: for every field its runtime and export names, its kind (free text, URI, link, id,
date, timestamp, enum, object, ...), its limit, allowed values, whether it is required, and
what it references. `problems` judges values against a declaration and yields `Problem`s that
say what is wrong in neutral terms; the API (`check`, here) refuses the first one in its own
words, and the export validator (portable/validation/) reports all of them in the export's
words. The export mapping (portable/mapping.py) takes its field list from the same declaration.
A rule therefore lives in one place, and a new field is covered everywhere at once.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import Enum, StrEnum
from functools import lru_cache
from typing import Any

from dataops.model import jsonvalue, messages
from dataops.model.errors import Invalid
from dataops.model.secrets import (
    UriProblem,
    holds_secret,
    is_secret_key,
    uri_problem,
)
from dataops.model.values import is_calendar_date, is_number, is_timestamp, utf16_length

# --- limits (records stay small: a DynamoDB item holds at most 400 KB) -------------------------

NAME_MAX = 500  # names, labels, titles
TEXT_MAX = 20_000  # descriptions, validation texts, notes, comments
SHORT_TEXT_MAX = 2_000  # identifiers, links and other short strings
FILENAME_MAX = 255
TAGS_MAX_ITEMS = 50
TAG_MAX = 100
LINKS_MAX_ITEMS = 100  # references, bundle links, refs, phases
TASK_DEFINITIONS_MAX = 500
EXTRA_VALUE_MAX = 2_000  # each value of an extra key a client adds to a nested object
TASK_DEFINITION_MAX_BYTES = 16_384
SMALL_OBJECT_MAX_BYTES = 4_096  # metadata, a proof requirement, a ref entry
STORAGE_URI_SCHEMES = ("https", "http", "s3", "local-dev")
LINK_SCHEMES = ("https", "http")


class Kind(StrEnum):
    TEXT = "text"  # free text: a string within its limit, free of secrets
    ID = "id"  # an identifier: engine-made, or a client's opaque handle
    URI = "uri"  # a storage URI: an allowed scheme, not signed, no credentials
    LINK = "link"  # an http(s) link the UI renders; "" means not filled in yet
    DATE = "date"  # YYYY-MM-DD naming a real calendar day
    TIMESTAMP = "timestamp"  # ISO 8601
    ENUM = "enum"  # one of `values`
    BOOLEAN = "boolean"
    NUMBER = "number"  # a finite JSON number
    TEXT_LIST = "text-list"  # an array of free-text strings
    OBJECT = "object"  # a JSON object of a declared `shape`
    TEXT_OR_OBJECT = "text-or-object"
    OBJECT_LIST = "object-list"  # an array of objects of one declared `shape`


class Extras(Enum):
    """What an object may hold beyond its declared fields."""

    ANY = "any"  # any JSON, free of secret-like keys and secrets (bounded by the shape's size)
    SCALARS = "scalars"  # strings, numbers, booleans or arrays of those, each string bounded


class Shape(Enum):
    """The JSON shape a field keeps in an export (docs/export-format.md): what survives mapping."""

    STRING = "string"  # kept only when a non-empty string
    BOOLEAN = "boolean"
    NUMBER = "number"  # a finite number (booleans are not numbers)
    STRING_ARRAY = "string-array"  # the string elements of an array
    ARRAY = "array"
    STRING_OR_OBJECT = "string-or-object"
    OBJECT = "object"
    REDACTED_OBJECT = "redacted-object"  # without secret-like keys or secrets (audit history)


_SHAPES: Mapping[Kind, Shape] = {
    Kind.BOOLEAN: Shape.BOOLEAN,
    Kind.NUMBER: Shape.NUMBER,
    Kind.TEXT_LIST: Shape.STRING_ARRAY,
    Kind.OBJECT: Shape.OBJECT,
    Kind.TEXT_OR_OBJECT: Shape.STRING_OR_OBJECT,
    Kind.OBJECT_LIST: Shape.ARRAY,
}


# Declarations are module-level singletons: they compare and hash by identity, which keeps them
# cheap as dictionary keys on the validator's per-record path.


@dataclass(frozen=True, eq=False)
class ObjectShape:
    """The fields of a nested object, what else it may hold, and its size as JSON."""

    fields: tuple[Field, ...] = ()
    extras: Extras = Extras.ANY
    max_bytes: int | None = None


@dataclass(frozen=True, eq=False)
class Field:
    """One field of a record. `limit` counts characters (text kinds), items (lists) or bytes of
    JSON (objects); `item_limit` the characters of each item of a text list."""

    name: str
    kind: Kind
    limit: int | None = None
    item_limit: int | None = None
    values: tuple[str, ...] = ()
    required: bool = False
    # (other field, value): required when the other field has that value.
    required_if: tuple[str, str] | None = None
    export: str = ""
    shape: ObjectShape | None = None
    # The entity an id names (an export entity name: "users", "tasks", ...).
    references: str | None = None
    # A dangling reference is a warning, not an error (assignees, templates may be external).
    soft: bool = False
    # Names who did something: a user, or an actor that is not one (`service:<name>`, ...).
    actor: bool = False
    # Clients may set it; otherwise only the engine does.
    writable: bool = True
    # How the export keeps it, when not the kind's default.
    export_shape: Shape | None = None
    # The engine rewrites what clients send here (artifact refs become snapshots of the
    # records they name): the API judges its shape only, the export all of it.
    rewritten: bool = False

    def __post_init__(self) -> None:
        if not self.export:
            object.__setattr__(self, "export", _snake(self.name))

    @property
    def export_as(self) -> Shape:
        return self.export_shape or _SHAPES.get(self.kind, Shape.STRING)


def _snake(name: str) -> str:
    return "".join(f"_{ch.lower()}" if ch.isupper() else ch for ch in name)


@dataclass(frozen=True, eq=False)
class RecordType:
    """An entity's declaration: its export name (`tasks`) and its fields, the id first."""

    entity: str
    fields: tuple[Field, ...]
    by_name: Mapping[str, Field] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {spec.name: spec for spec in self.fields})

    @property
    def id_field(self) -> Field:
        return self.fields[0]

    def writable(self) -> tuple[Field, ...]:
        return tuple(spec for spec in self.fields[1:] if spec.writable)


# --- problems -------------------------------------------------------------------------------


class Code(Enum):
    MISSING = "missing"
    NOT_STRING = "not-string"
    NOT_BOOLEAN = "not-boolean"
    NOT_NUMBER = "not-number"
    NOT_TEXT_LIST = "not-text-list"
    NOT_OBJECT = "not-object"
    NOT_TEXT_OR_OBJECT = "not-text-or-object"
    NOT_ARRAY = "not-array"
    ITEM_NOT_OBJECT = "item-not-object"
    UNKNOWN_VALUE = "unknown-value"
    NOT_DATE = "not-date"
    NOT_TIMESTAMP = "not-timestamp"
    NOT_HTTP = "not-http"
    BAD_SCHEME = "bad-scheme"
    URI_WHITESPACE = "uri-whitespace"
    URI_SIGNED = "uri-signed"
    URI_CREDENTIALS = "uri-credentials"
    SECRET_VALUE = "secret-value"
    SECRET_KEY = "secret-key"
    EXTRA_NOT_SCALAR = "extra-not-scalar"
    TOO_LONG = "too-long"  # characters, or items of a list
    TOO_LARGE = "too-large"  # bytes of an object as JSON

    @property
    def is_limit(self) -> bool:
        return self in (Code.TOO_LONG, Code.TOO_LARGE)


@dataclass(frozen=True)
class Problem:
    """What is wrong, where: `path` is the field (by the names asked for: runtime or export)
    followed by the keys and positions inside it, as stored."""

    code: Code
    path: tuple[str | int, ...]
    value: Any = None
    limit: int | None = None
    values: tuple[str, ...] = ()
    # The declared field the problem is about (None for keys nobody declared).
    field: Field | None = None


_URI_CODES = {
    UriProblem.WHITESPACE: Code.URI_WHITESPACE,
    UriProblem.SIGNED: Code.URI_SIGNED,
    UriProblem.CREDENTIALS: Code.URI_CREDENTIALS,
}
STRING_KINDS = frozenset(
    {Kind.TEXT, Kind.ID, Kind.URI, Kind.LINK, Kind.DATE, Kind.TIMESTAMP, Kind.ENUM}
)


def _absent(value: Any) -> bool:
    return value is None or value == ""


def problems(
    record_type: RecordType | Sequence[Field],
    values: Mapping[str, Any],
    *,
    export_names: bool = False,
    skip: frozenset[str] = frozenset(),
    extras: Extras | None = None,
) -> Iterator[Problem]:
    """Every problem of `values` against the declared fields, in declaration order, then of the
    keys nobody declared (with `extras`: judged by that policy; None: not judged). A field
    absent, null or "" is not judged unless required. `skip` names fields judged elsewhere."""
    specs = record_type if isinstance(record_type, RecordType) else tuple(record_type)
    yield from _checker(specs, export_names, skip, extras)(values)


@lru_cache(maxsize=256)
def _checker(
    specs: RecordType | tuple[Field, ...],
    export_names: bool,
    skip: frozenset[str],
    extras: Extras | None,
) -> Checker:
    return Checker(specs, export_names=export_names, skip=skip, extras=extras)


class Checker:
    """`problems` for many records of one type: fast where values are valid (the export
    validator judges millions), the full rules wherever a quick look finds anything odd."""

    def __init__(
        self,
        record_type: RecordType | Sequence[Field],
        *,
        export_names: bool = False,
        skip: frozenset[str] = frozenset(),
        extras: Extras | None = None,
    ) -> None:
        specs = record_type.fields if isinstance(record_type, RecordType) else tuple(record_type)
        name_of = {spec.name: spec.export if export_names else spec.name for spec in specs}
        self._steps = [
            (name_of[spec.name], spec, _quick_check(spec), _conditions(spec, name_of))
            for spec in specs
            if name_of[spec.name] not in skip
        ]
        self._quick = {name: quick for name, _, quick, _ in self._steps}
        self._required = [name for name, spec, _, _ in self._steps if spec.required]
        self._conditional = [
            (name, condition) for name, _, _, condition in self._steps if condition is not None
        ]
        self._skip = skip
        self._declared = frozenset(name_of.values()) | skip
        self._extras = extras

    def __call__(self, values: Mapping[str, Any]) -> list[Problem]:
        """The problems of one record, in declaration order."""
        if self._looks_fine(values):
            return []
        found: list[Problem] = []
        for name, spec, quick, condition in self._steps:
            value = values.get(name)
            if value is None or value == "":
                if spec.required or (
                    condition is not None and values.get(condition[0]) == condition[1]
                ):
                    found.append(Problem(Code.MISSING, (name,), field=spec))
                continue
            if quick(value):
                continue
            found.extend(_about(spec, _value_problems(spec, value, (name,))))
        extras = self._extras
        if extras is not None:
            declared = self._declared
            for key, value in values.items():
                if key not in declared:
                    found.extend(_extra_problems(extras, key, value, ()))
        return found

    def _looks_fine(self, values: Mapping[str, Any]) -> bool:
        """True when the quick checks pass on every key the record has (most records): then
        there is nothing to report, and no need to walk every declared field in order."""
        for name in self._required:
            if _absent(values.get(name)):
                return False
        for name, (other, expected) in self._conditional:
            if values.get(other) == expected and _absent(values.get(name)):
                return False
        quick, skip, extras = self._quick, self._skip, self._extras
        for key, value in values.items():
            check = quick.get(key)
            if check is not None:
                if not (value is None or value == "" or check(value)):
                    return False
            elif key in skip:
                continue
            elif extras is not None and (is_secret_key(key) or not _harmless(value)):
                return False
        return True


def _about(spec: Field, found: Iterator[Problem]) -> Iterator[Problem]:
    """The problems of one declared field, each naming the innermost field it is about."""
    for problem in found:
        yield problem if problem.field is not None else replace(problem, field=spec)


def _conditions(spec: Field, name_of: Mapping[str, str]) -> tuple[str, str] | None:
    if spec.required_if is None:
        return None
    other, expected = spec.required_if
    return name_of.get(other, other), expected


def _quick_check(spec: Field) -> Any:
    """A predicate that is True only for values `_value_problems` surely finds nothing in
    (False sends a value through the full rules): strings of the usual length, known enum
    values, booleans, numbers, plain lists of short strings."""
    kind, limit = spec.kind, spec.limit
    if kind is Kind.ID and _names_a_record(spec):
        most = limit if limit is not None else _UNBOUNDED
        return lambda value: value.__class__ is str and len(value) <= most
    if kind in (Kind.TEXT, Kind.ID):
        if limit is None:
            return lambda value: value.__class__ is str and not holds_secret(value)
        half = limit // 2
        return lambda value: (
            value.__class__ is str
            and (len(value) <= half or utf16_length(value) <= limit)
            and not holds_secret(value)
        )
    if kind is Kind.ENUM:
        allowed = frozenset(spec.values)
        return lambda value: value.__class__ is str and value in allowed
    if kind is Kind.DATE:
        return is_calendar_date
    if kind is Kind.TIMESTAMP:
        return is_timestamp
    if kind is Kind.BOOLEAN:
        return lambda value: value.__class__ is bool
    if kind is Kind.NUMBER:
        return lambda value: value.__class__ is int or is_number(value)
    if kind is Kind.TEXT_LIST:
        most = spec.limit if spec.limit is not None else _UNBOUNDED
        each = (spec.item_limit or _UNBOUNDED) // 2
        return lambda value: (
            value.__class__ is list
            and len(value) <= most
            and all(item.__class__ is str and len(item) <= each for item in value)
            and not (any(holds_secret(item) for item in value))
        )
    if kind in (Kind.URI, Kind.LINK):
        return _quick_uri(kind, limit)
    shape = spec.shape or ObjectShape()
    if kind is Kind.OBJECT:
        fits = _quick_object(shape, limit)
        return lambda value: value.__class__ is dict and fits(value)
    if kind is Kind.TEXT_OR_OBJECT:
        fits = _quick_object(shape, limit)
        most = limit if limit is not None else _UNBOUNDED
        return lambda value: (
            (value.__class__ is str and len(value) * 2 <= most and not holds_secret(value))
            or (value.__class__ is dict and fits(value))
        )
    fits = _quick_object(shape, None)
    most = limit if limit is not None else _UNBOUNDED
    return lambda value: (
        value.__class__ is list
        and len(value) <= most
        and all(item.__class__ is dict and fits(item) for item in value)
    )


_UNBOUNDED = 1 << 62


def _quick_uri(kind: Kind, limit: int | None) -> Any:
    """A URI of an allowed scheme, without whitespace, that the detector finds nothing in."""
    schemes = tuple(
        f"{scheme}:" for scheme in (LINK_SCHEMES if kind is Kind.LINK else STORAGE_URI_SCHEMES)
    )
    most = limit if limit is not None else _UNBOUNDED

    def quick(value: Any) -> bool:
        if value.__class__ is not str:
            return False
        if kind is Kind.LINK and not value.strip():
            return True
        return (
            len(value) * 2 <= most
            and value[:12].lower().startswith(schemes)
            and uri_problem(value) is None
        )

    return quick


def _quick_object(shape: ObjectShape, limit: int | None) -> Any:
    """True for an object whose declared fields pass their quick checks, whose other keys are
    harmless under the shape's policy, and which is within its size."""
    declared = {spec.name: _quick_check(spec) for spec in shape.fields}
    required = [spec.name for spec in shape.fields if spec.required]
    scalars = shape.extras is Extras.SCALARS
    max_bytes = limit if limit is not None else shape.max_bytes

    def quick(value: dict[str, Any]) -> bool:
        for name in required:
            if _absent(value.get(name)):
                return False
        for key, item in value.items():
            check = declared.get(key)
            if check is not None:
                if not _absent(item) and not check(item):
                    return False
            elif is_secret_key(key) or not (_plain_scalars(item) if scalars else _harmless(item)):
                return False
        return max_bytes is None or _fits(shape, value, max_bytes)

    return quick


def _plain_scalars(value: Any) -> bool:
    items = value if value.__class__ is list else (value,)
    for item in items:
        if item.__class__ is str:
            if len(item) * 2 > EXTRA_VALUE_MAX or (holds_secret(item)):
                return False
        elif not (item.__class__ is bool or is_number(item)):
            return False
    return True


def _harmless(value: Any) -> bool:
    """Free-form JSON without secret-like keys or secrets."""
    if value.__class__ is dict:
        return all(not is_secret_key(key) and _harmless(item) for key, item in value.items())
    if value.__class__ is list:
        return all(_harmless(item) for item in value)
    return not (value.__class__ is str and holds_secret(value))


def _value_problems(spec: Field, value: Any, path: tuple[str | int, ...]) -> Iterator[Problem]:
    kind = spec.kind
    if kind is Kind.ENUM and not isinstance(value, str):
        yield Problem(Code.UNKNOWN_VALUE, path, value, values=spec.values)
    elif kind in STRING_KINDS:
        if not isinstance(value, str):
            yield Problem(Code.NOT_STRING, path, value)
            return
        yield from _string_problems(spec, value, path)
    elif kind is Kind.BOOLEAN:
        if not isinstance(value, bool):
            yield Problem(Code.NOT_BOOLEAN, path, value)
    elif kind is Kind.NUMBER:
        if not is_number(value):
            yield Problem(Code.NOT_NUMBER, path, value)
    elif kind is Kind.TEXT_LIST:
        yield from _text_list_problems(spec, value, path)
    elif kind is Kind.OBJECT:
        if not isinstance(value, dict):
            yield Problem(Code.NOT_OBJECT, path, value)
            return
        yield from _object_problems(spec.shape or ObjectShape(), value, path, spec.limit)
    elif kind is Kind.TEXT_OR_OBJECT:
        if isinstance(value, str):
            yield from _text_problems(value, path, spec.limit)
        elif isinstance(value, dict):
            shape = spec.shape or ObjectShape()
            yield from _object_problems(shape, value, path, spec.limit)
        else:
            yield Problem(Code.NOT_TEXT_OR_OBJECT, path, value)
    elif kind is Kind.OBJECT_LIST:
        yield from _object_list_problems(spec, value, path)


def _string_problems(spec: Field, value: str, path: tuple[str | int, ...]) -> Iterator[Problem]:
    kind = spec.kind
    if kind is Kind.DATE:
        if not is_calendar_date(value):
            yield Problem(Code.NOT_DATE, path, value)
    elif kind is Kind.TIMESTAMP:
        if not is_timestamp(value):
            yield Problem(Code.NOT_TIMESTAMP, path, value)
    elif kind is Kind.ENUM:
        if value not in spec.values:
            yield Problem(Code.UNKNOWN_VALUE, path, value, values=spec.values)
    elif kind is Kind.LINK and not value.strip():
        return  # a link not filled in yet
    elif kind in (Kind.URI, Kind.LINK):
        yield from _uri_problems(kind, value, path, spec.limit)
    elif _names_a_record(spec):
        if spec.limit is not None and len(value) > spec.limit:
            yield Problem(Code.TOO_LONG, path, value, spec.limit)
    else:
        yield from _text_problems(value, path, spec.limit)


def _names_a_record(spec: Field) -> bool:
    """An id that names a record (or an actor) is no free text: whether it names one is the
    reference check's to decide, so the secret detector does not read it."""
    return spec.kind is Kind.ID and (spec.references is not None or spec.actor)


def _text_problems(value: str, path: tuple[str | int, ...], limit: int | None) -> Iterator[Problem]:
    if limit is not None and utf16_length(value) > limit:
        yield Problem(Code.TOO_LONG, path, value, limit)
    if holds_secret(value):
        yield Problem(Code.SECRET_VALUE, path, value)


def scheme_of(uri: str) -> str:
    """The scheme of a URI, lower case ("" when it has none)."""
    head, separator, _ = uri.strip().partition(":")
    if not separator or not head or not head[0].isascii() or not head[0].isalpha():
        return ""
    if not all(ch.isascii() and (ch.isalnum() or ch in "+.-") for ch in head):
        return ""
    return head.lower()


def _uri_problems(
    kind: Kind, value: str, path: tuple[str | int, ...], limit: int | None
) -> Iterator[Problem]:
    """A scheme, no whitespace, nothing signed or credential-bearing, then the length."""
    schemes = LINK_SCHEMES if kind is Kind.LINK else STORAGE_URI_SCHEMES
    if scheme_of(value) not in schemes:
        yield Problem(Code.NOT_HTTP if kind is Kind.LINK else Code.BAD_SCHEME, path, value)
        return
    found = uri_problem(value)
    if found is not None:
        yield Problem(_URI_CODES[found], path, value)
    elif limit is not None and utf16_length(value) > limit:
        yield Problem(Code.TOO_LONG, path, value, limit)


def _text_list_problems(spec: Field, value: Any, path: tuple[str | int, ...]) -> Iterator[Problem]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        yield Problem(Code.NOT_TEXT_LIST, path, value)
        return
    if spec.limit is not None and len(value) > spec.limit:
        yield Problem(Code.TOO_LONG, path, value, spec.limit)
    for position, item in enumerate(value):
        if spec.item_limit is not None and utf16_length(item) > spec.item_limit:
            # Named by the list, as clients know it: `tags is too long (max 100)`.
            yield Problem(Code.TOO_LONG, path, item, spec.item_limit)
        if holds_secret(item):
            yield Problem(Code.SECRET_VALUE, (*path, position), item)


def _object_list_problems(
    spec: Field, value: Any, path: tuple[str | int, ...]
) -> Iterator[Problem]:
    if not isinstance(value, list):
        yield Problem(Code.NOT_ARRAY, path, value)
        return
    if spec.limit is not None and len(value) > spec.limit:
        yield Problem(Code.TOO_LONG, path, value, spec.limit)
    shape = spec.shape or ObjectShape()
    for position, item in enumerate(value):
        if not isinstance(item, dict):
            yield Problem(Code.ITEM_NOT_OBJECT, (*path, position), item)
            continue
        yield from _object_problems(shape, item, (*path, position), None)


def _object_problems(
    shape: ObjectShape,
    value: dict[str, Any],
    path: tuple[str | int, ...],
    limit: int | None,
) -> Iterator[Problem]:
    for spec in shape.fields:
        item = value.get(spec.name)
        if _absent(item):
            if spec.required:
                yield Problem(Code.MISSING, (*path, spec.name), field=spec)
            continue
        yield from _about(spec, _value_problems(spec, item, (*path, spec.name)))
    declared = {spec.name for spec in shape.fields}
    for key, item in value.items():
        if key not in declared:
            yield from _extra_problems(shape.extras, key, item, path)
    max_bytes = limit if limit is not None else shape.max_bytes
    if max_bytes is not None and _size(shape, value) > max_bytes:
        yield Problem(Code.TOO_LARGE, path, None, max_bytes)


def _size(shape: ObjectShape, value: dict[str, Any]) -> int:
    """Bytes of the object as JSON, without what the engine rewrites (bounded on its own)."""
    rewritten = [spec.name for spec in shape.fields if spec.rewritten and spec.name in value]
    if rewritten:
        value = {key: item for key, item in value.items() if key not in rewritten}
    return len(jsonvalue.dumps(value))


def _fits(shape: ObjectShape, value: dict[str, Any], max_bytes: int) -> bool:
    """`_size(...) <= max_bytes`, answered without encoding when a bound says so: a character
    of a string takes at most 6 bytes of JSON (`\u0000`), a scalar at most 32."""
    bound = 2
    for key, item in value.items():
        bound += 6 * len(key) + 4
        if item.__class__ is str:
            bound += 6 * len(item) + 2
        elif item.__class__ in (int, float, bool) or item is None:
            bound += 32
        else:
            return _size(shape, value) <= max_bytes
        if bound > max_bytes:
            return _size(shape, value) <= max_bytes
    return True


def _extra_problems(
    extras: Extras, key: str, value: Any, path: tuple[str | int, ...]
) -> Iterator[Problem]:
    here = (*path, key)
    if is_secret_key(key):
        yield Problem(Code.SECRET_KEY, here, value)
    if extras is Extras.SCALARS:
        items = value if isinstance(value, list) else [value]
        if not all(_is_scalar(item) for item in items):
            yield Problem(Code.EXTRA_NOT_SCALAR, here, value)
            return
        for item in items:
            if isinstance(item, str):
                yield from _text_problems(item, here, EXTRA_VALUE_MAX)
    else:
        yield from _nested_secrets(value, here)


def _is_scalar(value: Any) -> bool:
    return isinstance(value, str | bool) or is_number(value)


def _nested_secrets(value: Any, path: tuple[str | int, ...]) -> Iterator[Problem]:
    """Secret-like keys and secrets anywhere inside free-form JSON, depth first, in order."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _extra_problems(Extras.ANY, key, item, path)
    elif isinstance(value, list):
        for position, item in enumerate(value):
            yield from _nested_secrets(item, (*path, position))
    elif isinstance(value, str) and holds_secret(value):
        yield Problem(Code.SECRET_VALUE, path, value)


# --- the API's words ------------------------------------------------------------------------


def path_text(path: Sequence[str | int]) -> str:
    """`("references", 0, "url")` -> `references[0].url`."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def api_message(problem: Problem) -> str:
    """The API's refusal for a problem (the contract's texts where it has one)."""
    where = path_text(problem.path)
    code = problem.code
    if code is Code.UNKNOWN_VALUE:
        return messages.MUST_BE_ONE_OF.format(field=where, values=", ".join(problem.values))
    if code is Code.TOO_LONG:
        return messages.TOO_LONG.format(field=where, limit=problem.limit)
    if code is Code.TOO_LARGE:
        return messages.TOO_LARGE.format(field=where, limit=problem.limit)
    return _API_MESSAGES[code].format(field=where, path=where)


_API_MESSAGES: Mapping[Code, str] = {
    Code.MISSING: messages.MISSING_FIELD,
    Code.NOT_STRING: messages.MUST_BE_STRING,
    Code.NOT_BOOLEAN: messages.MUST_BE_BOOLEAN,
    Code.NOT_NUMBER: messages.MUST_BE_NUMBER,
    Code.NOT_TEXT_LIST: messages.MUST_BE_STRING_ARRAY,
    Code.NOT_OBJECT: messages.MUST_BE_OBJECT,
    Code.NOT_TEXT_OR_OBJECT: messages.MUST_BE_STRING_OR_OBJECT,
    Code.NOT_ARRAY: messages.MUST_BE_ARRAY,
    Code.ITEM_NOT_OBJECT: messages.MUST_BE_OBJECT,
    Code.NOT_DATE: messages.INVALID_DATE,
    Code.NOT_TIMESTAMP: messages.INVALID_TIMESTAMP,
    Code.NOT_HTTP: messages.LINK_NOT_HTTP,
    Code.BAD_SCHEME: messages.URI_SCHEME,
    Code.URI_WHITESPACE: messages.URI_WHITESPACE,
    Code.URI_SIGNED: messages.LINK_SIGNED,
    Code.URI_CREDENTIALS: messages.URI_CREDENTIALS,
    Code.SECRET_VALUE: messages.SECRET_VALUE,
    Code.SECRET_KEY: messages.METADATA_SECRET_KEY,
    Code.EXTRA_NOT_SCALAR: messages.EXTRA_VALUE_INVALID,
}


def check(
    record_type: RecordType | Sequence[Field],
    values: Mapping[str, Any],
    *,
    skip: frozenset[str] = frozenset(),
) -> None:
    """The API's rule for written fields: the first problem of the fields present in `values`
    (runtime names) refuses the write. Required fields are the callers' to demand, in the
    contract's order and words; absent fields are not judged here."""
    present = {name: value for name, value in values.items() if not _absent(value)}
    rewritten = _rewritten_names(
        record_type if isinstance(record_type, RecordType) else tuple(record_type)
    )
    for problem in problems(record_type, present, skip=skip):
        if problem.code is Code.MISSING or any(part in rewritten for part in problem.path[:-1]):
            continue
        raise Invalid(api_message(problem))


@lru_cache(maxsize=64)
def _rewritten_names(specs: RecordType | tuple[Field, ...]) -> frozenset[str]:
    """Names of the fields, at any depth, whose contents the engine rewrites."""
    found: set[str] = set()
    pending = list(specs.fields if isinstance(specs, RecordType) else specs)
    while pending:
        spec = pending.pop()
        if spec.rewritten:
            found.add(spec.name)
        if spec.shape is not None:
            pending.extend(spec.shape.fields)
    return frozenset(found)


def check_field(spec: Field, value: Any, path: str | None = None) -> None:
    """One field's value, as `check` judges it (for callers that name it differently)."""
    if _absent(value):
        return
    for problem in _value_problems(spec, value, (path or spec.name,)):
        raise Invalid(api_message(problem))
