"""Each record against its entity's declaration (docs/export-format.md, rules 4-11, 13 and 14): the
rules of model/records.py in the export's words, and the few rules about one record as a whole.

Over-limit values are warnings: the API refuses them, but an export written elsewhere (the
reference service had no limits) still restores. Everything else the declaration says is an
error, so whatever the API accepts validates and what the validator refuses the API refused.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from dataops.model import jsonvalue, messages
from dataops.model.artifacts import REVIEWED
from dataops.model.records import STRING_KINDS, Checker, Code, Extras, Kind, Problem
from dataops.model.secrets import key_words
from dataops.model.storage_policy import OWNED_PROVIDERS
from dataops.model.values import utf16_length
from dataops.portable.mapping import ARTIFACTS, USERS, Entity

# Rule 14: a string this long is content, not metadata.
BULK_STRING_LIMIT = 65_536
# Values quoted in messages are cut here: a message names the value, it does not copy it.
_SHOWN_VALUE_CHARS = 200
# Formats of password hashes, whatever the field is called: scrypt (ours), argon2, bcrypt,
# pbkdf2 (common elsewhere).
_HASH_PREFIXES = ("scrypt$", "$scrypt$", "$argon2", "$2a$", "$2b$", "$2y$", "pbkdf2")
_PASSWORD_WORDS = frozenset({"password", "passwd", "pwd"})
_OWNED = frozenset(provider.value for provider in OWNED_PROVIDERS)
_PROOF_FIELDS = ("proof_requirement", "proofRequirement")


def shown(value: Any) -> str:
    """A value as a message quotes it: strings as they are, anything else as JSON; long values
    cut (the binary guard reports their length)."""
    if isinstance(value, str):
        text = value
    else:
        try:
            text = jsonvalue.dumps(value).decode()
        except TypeError:
            text = repr(value)
    if len(text) > _SHOWN_VALUE_CHARS:
        return text[:_SHOWN_VALUE_CHARS] + "…"
    return text


def at(ctx: str, parts: Sequence[str | int]) -> str:
    """`tasks[3]` + `("artifact_refs", 1)` -> `tasks[3].artifact_refs[1]`."""
    return ctx + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in parts)


class RecordRules:
    """The checks of one entity's records that need no other record: the declared rules (in
    declaration order), the binary guard, and the entity's own whole-record rules."""

    def __init__(self, entity: Entity) -> None:
        self.entity = entity
        self._checker = Checker(
            entity.record_type,
            export_names=True,
            skip=frozenset({entity.id_field}),
            extras=Extras.ANY,
        )

    def __call__(
        self, record: dict[str, Any], ctx: str, line_length: int
    ) -> tuple[list[str], list[str], list[str]]:
        """(errors, warnings, bulk errors) of one record."""
        errors: list[str] = []
        warnings: list[str] = []
        bulk: list[str] = []
        bulk_paths: set[str] = set()
        if line_length > BULK_STRING_LIMIT:
            for path, text in _strings(record, ""):
                if len(text) > BULK_STRING_LIMIT // 2:
                    length = utf16_length(text)
                    if length > BULK_STRING_LIMIT:
                        bulk.append(
                            messages.RECORD_BULK_CONTENT.format(ctx=ctx, field=path, length=length)
                        )
                        bulk_paths.add(path)
        hashes: set[str] = set()
        if self.entity is USERS:
            hashes = {key for key, value in record.items() if _is_password_field(key, value)}
            errors += [messages.USER_PASSWORD_HASH.format(ctx=ctx, field=key) for key in hashes]
        for problem in self._checker(record):
            if problem.path[0] in hashes or _judged_as_reference(problem):
                continue
            if problem.code.is_limit:
                if at("", problem.path).lstrip(".") not in bulk_paths:
                    warnings.append(_limit_warning(problem, ctx))
            else:
                errors.append(export_message(problem, ctx))
        return errors, warnings, bulk


def whole_record_errors(entity: Entity, record: Mapping[str, Any], ctx: str) -> list[str]:
    """Rule 10's rules about an artifact as a whole: an owned binary has a checksum; a reviewed
    artifact says when it was reviewed."""
    if entity is not ARTIFACTS:
        return []
    errors: list[str] = []
    provider, status = record.get("storage_provider"), record.get("status")
    if isinstance(provider, str) and provider in _OWNED and not _filled(record, "checksum"):
        errors.append(messages.ARTIFACT_CHECKSUM_REQUIRED.format(ctx=ctx, provider=provider))
    if isinstance(status, str) and status in REVIEWED and not _filled(record, "reviewed_at"):
        errors.append(messages.ARTIFACT_REVIEWED_AT_REQUIRED.format(ctx=ctx))
    return errors


def _judged_as_reference(problem: Problem) -> bool:
    """An id of the wrong type names no record: the relation rules report it (9.3 says
    `references missing bundle_id: 17`)."""
    spec = problem.field
    return (
        problem.code is Code.NOT_STRING
        and len(problem.path) == 1
        and spec is not None
        and spec.references is not None
    )


def export_message(problem: Problem, ctx: str) -> str:
    """A problem in the export validator's words (the generic texts of docs/export-format.md)."""
    path, code, spec = problem.path, problem.code, problem.field
    if code is Code.NOT_STRING and spec is not None:
        # The export format words type errors of required strings, dates and timestamps by what is
        # expected.
        if spec.required:
            code = Code.MISSING
        elif spec.kind is Kind.DATE:
            code = Code.NOT_DATE
        elif spec.kind is Kind.TIMESTAMP:
            code = Code.NOT_TIMESTAMP
    owner, name = at(ctx, path[:-1]), str(path[-1])
    if len(path) >= 2 and path[-2] in _PROOF_FIELDS and name in ("type", "label", "required"):
        proof_owner, proof_field = at(ctx, path[:-2]), str(path[-2])
        proof_message = {
            "type": messages.RECORD_PROOF_TYPE,
            "label": messages.RECORD_PROOF_LABEL,
            "required": messages.RECORD_PROOF_REQUIRED,
        }[name]
        if code in (Code.MISSING, Code.UNKNOWN_VALUE, Code.NOT_STRING, Code.NOT_BOOLEAN):
            return proof_message.format(ctx=proof_owner, field=proof_field)
    if code is Code.UNKNOWN_VALUE:
        return messages.RECORD_UNKNOWN_VALUE.format(
            ctx=owner, field=name, value=shown(problem.value)
        )
    if code is Code.ITEM_NOT_OBJECT:
        return messages.RECORD_NOT_OBJECT.format(ctx=at(ctx, path))
    if code in (Code.SECRET_VALUE, Code.URI_SIGNED, Code.URI_CREDENTIALS):
        return messages.RECORD_SIGNED_VALUE.format(path=at(ctx, path))
    if code is Code.SECRET_KEY:
        return messages.RECORD_SECRET_KEY.format(path=at(ctx, path))
    if code is Code.MISSING and spec is not None and spec.kind not in STRING_KINDS:
        return messages.RECORD_MISSING_FIELD.format(ctx=owner, field=name)
    return _EXPORT_MESSAGES[code].format(ctx=owner, field=name)


_EXPORT_MESSAGES: Mapping[Code, str] = {
    Code.MISSING: messages.RECORD_MISSING_STRING,
    Code.NOT_STRING: messages.RECORD_NOT_STRING,
    Code.NOT_BOOLEAN: messages.RECORD_NOT_BOOLEAN,
    Code.NOT_NUMBER: messages.RECORD_NOT_NUMBER,
    Code.NOT_TEXT_LIST: messages.RECORD_NOT_STRING_ARRAY,
    Code.NOT_OBJECT: messages.RECORD_NOT_OBJECT_FIELD,
    Code.NOT_TEXT_OR_OBJECT: messages.RECORD_NOT_STRING_OR_OBJECT,
    Code.NOT_ARRAY: messages.RECORD_NOT_ARRAY,
    Code.NOT_DATE: messages.RECORD_NOT_DATE,
    Code.NOT_TIMESTAMP: messages.RECORD_NOT_TIMESTAMP,
    Code.NOT_HTTP: messages.RECORD_NOT_HTTP,
    Code.BAD_SCHEME: messages.RECORD_BAD_SCHEME,
    Code.URI_WHITESPACE: messages.RECORD_URI_WHITESPACE,
    Code.EXTRA_NOT_SCALAR: messages.RECORD_EXTRA_NOT_SCALAR,
}


def _limit_warning(problem: Problem, ctx: str) -> str:
    if problem.code is Code.TOO_LARGE:
        return messages.WARN_TOO_LARGE.format(path=at(ctx, problem.path), limit=problem.limit)
    owner, name = at(ctx, problem.path[:-1]), str(problem.path[-1])
    return messages.WARN_TOO_LONG.format(ctx=owner, field=name, limit=problem.limit)


def _is_password_field(key: str, value: Any) -> bool:
    words = set(key_words(key))
    if words & _PASSWORD_WORDS:
        return True
    return isinstance(value, str) and value.startswith(_HASH_PREFIXES)


def _filled(record: Mapping[str, Any], name: str) -> bool:
    value = record.get(name)
    return isinstance(value, str) and value != ""


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """Every string in a record with its path (`metadata.items[0].text`)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for position, item in enumerate(value):
            yield from _strings(item, f"{path}[{position}]")
    elif isinstance(value, str):
        yield path, value
