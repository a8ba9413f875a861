"""Validating portable exports (api-contract.md 9.3, rules 1-15): every error with its exact
text, in the contract's order, plus warnings; never stops at the first error and never crashes,
whatever the files contain.

Files are streamed in blocks and split into lines, so memory grows only with the id sets and the
few per-record facts the relationship checks need (which tasks have files, which artifacts are
approved, which tasks have a completion event), never with the records themselves. Every entity
except tasks and bundles refers only to entities that come before it in the file order, so it is
checked in the same pass that reads it; tasks and bundles are read a second time, once the
facts about later entities (files, artifacts, audit events, templates) are known. With several
worker processes (the CLI's default), every file is read once for its ids and facts and once
for its records' checks, files in parallel; the report is the same.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeGuard

from dataops.model import jsonvalue, messages
from dataops.model.artifacts import ArtifactStatus, ArtifactType, SourceType, Visibility
from dataops.model.audit import AuditAction, EntityType
from dataops.model.notifications import NotificationType
from dataops.model.storage_policy import (
    OWNED_PROVIDERS,
    StorageProvider,
    is_signed_text,
    key_words,
)
from dataops.model.tasks import ProofType, TaskStatus
from dataops.model.values import (
    is_calendar_date,
    is_nonblank,
    is_number,
    is_timestamp,
    utf16_length,
)
from dataops.portable import workers
from dataops.portable.mapping import (
    ARTIFACTS,
    AUDIT_EVENTS,
    BUNDLES,
    ENTITIES,
    ENTITY_BY_NAME,
    EXPORT_FORMAT_VERSION,
    FILES,
    MANIFEST_FILE,
    NOTIFICATIONS,
    OMITTED_ENTITIES,
    RECURRING_CONFIGS,
    REDACTIONS,
    SCHEMA_VERSION,
    TASKS,
    TEMPLATES,
    USERS,
    Entity,
    secret_key,
)

# Rule 14: a string this long is content, not metadata.
BULK_STRING_LIMIT = 65_536
# A record's line may not exceed this (a DynamoDB item holds at most 400 KB): longer lines are
# reported, never read into memory whole.
MAX_LINE_BYTES = 16 * 1024 * 1024
MAX_MANIFEST_BYTES = 1024 * 1024
_BLOCK_BYTES = 1024 * 1024
# Values quoted in messages are cut here: a message names the value, it does not copy it.
_SHOWN_VALUE_CHARS = 200

_TASK_STATUSES = frozenset(status.value for status in TaskStatus)
_PROOF_TYPES = frozenset(proof.value for proof in ProofType)
_ARTIFACT_TYPES = frozenset(kind.value for kind in ArtifactType)
_ARTIFACT_STATUSES = frozenset(status.value for status in ArtifactStatus)
_PROVIDERS = frozenset(provider.value for provider in StorageProvider)
_VISIBILITIES = frozenset(visibility.value for visibility in Visibility)
_SOURCE_TYPES = frozenset(source.value for source in SourceType)
_ENTITY_TYPES = frozenset(entity_type.value for entity_type in EntityType)
_NOTIFICATION_TYPES = frozenset(kind.value for kind in NotificationType)
_OWNED = frozenset(provider.value for provider in OWNED_PROVIDERS)
_REVIEWED = frozenset({ArtifactStatus.APPROVED.value, ArtifactStatus.REJECTED.value})
_REF_ARRAYS = (
    ("artifact_refs", "artifactId"),
    ("assistant_job_refs", "assistantJobId"),
    ("audit_event_refs", "auditEventId"),
)
_DEFINITION_REF_ARRAYS = (
    ("artifactRefs", "artifactId"),
    ("assistantJobRefs", "assistantJobId"),
    ("auditEventRefs", "auditEventId"),
)
_PROOF_KIND = {
    ProofType.URL.value: "url",
    ProofType.COMMENT.value: "comment",
    ProofType.EXTERNAL_STATUS.value: "external-status",
    ProofType.ARTIFACT.value: "approved artifact",
    ProofType.FILE.value: "file",
}
_PROOF_FIELD = {
    ProofType.URL.value: "link",
    ProofType.COMMENT.value: "comment",
    ProofType.EXTERNAL_STATUS.value: "external_status",
}
# Formats of password hashes, whatever the field is called: scrypt (ours), argon2, bcrypt,
# pbkdf2 (common elsewhere).
_HASH_PREFIXES = ("scrypt$", "$scrypt$", "$argon2", "$2a$", "$2b$", "$2y$", "pbkdf2")
_PASSWORD_WORDS = frozenset({"password", "passwd", "pwd"})


@dataclass
class ValidationReport:
    """`{valid, errors, warnings, entityCounts}` (9.3)."""

    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    entity_counts: dict[str, int] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return not self.errors

    def as_json(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "errors": self.errors,
            "warnings": self.warnings,
            "entityCounts": self.entity_counts,
        }


def validate_export(directory: str | Path, *, jobs: int = 1) -> ValidationReport:
    """Check an export directory against every rule of 9.3; with `jobs > 1`, entity files are
    read by that many worker processes (same report, in less time on several cores)."""
    directory = Path(directory)
    manifest, problem = _read_manifest(directory / MANIFEST_FILE)
    if manifest is None:
        return ValidationReport(errors=[messages.MANIFEST_INVALID.format(reason=problem)])
    validation = _Validation(directory, manifest)
    return validation.run() if jobs <= 1 else validation.run_in_parallel(jobs)


# --- values in messages -----------------------------------------------------------------------


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


# --- reading ----------------------------------------------------------------------------------


def _read_manifest(path: Path) -> tuple[dict[str, Any] | None, str]:
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


class _LineTooLong:
    """Stands for a line over MAX_LINE_BYTES, which is skipped rather than held in memory."""


LINE_TOO_LONG = _LineTooLong()


def read_lines(source: Any, digest: Any | None = None) -> Iterator[bytes | _LineTooLong]:
    """The lines of a binary stream without their `\\n`, read in blocks (each block hashed
    into `digest`); a line over MAX_LINE_BYTES comes out as LINE_TOO_LONG."""
    carry = b""
    skipping = False
    while True:
        block = source.read(_BLOCK_BYTES)
        if not block:
            break
        if digest is not None:
            digest.update(block)
        parts = block.split(b"\n")
        if len(parts) == 1:
            if not skipping:
                carry += block
                if len(carry) > MAX_LINE_BYTES:
                    carry, skipping = b"", True
            continue
        first, *middle, last = parts
        if skipping:
            yield LINE_TOO_LONG
            skipping = False
        elif len(carry) + len(first) > MAX_LINE_BYTES:
            yield LINE_TOO_LONG
        else:
            yield carry + first
        for line in middle:
            yield line if len(line) <= MAX_LINE_BYTES else LINE_TOO_LONG
        carry = last
        if len(carry) > MAX_LINE_BYTES:
            carry, skipping = b"", True
    if skipping:
        yield LINE_TOO_LONG
    elif carry:
        yield carry


def _is_blank(line: bytes) -> bool:
    return not line.strip()


def predates_audit_events(manifest: dict[str, Any]) -> bool:
    """An export written without audit events: neither its files nor its counts name them."""
    files, counts = manifest.get("entity_files"), manifest.get("entity_counts")
    return (
        isinstance(files, dict)
        and "audit_events" not in files
        and not (isinstance(counts, dict) and "audit_events" in counts)
    )


@dataclass
class _Scan:
    """One entity file, read: what the validation keeps of it. `readable` is False when the
    file was missing or held invalid JSON; the entity is then skipped (9.3 rule 3)."""

    entity: str
    filename: str | None = None
    file_errors: list[str] = field(default_factory=list)
    readable: bool = False
    count: int = 0
    ids: set[str] = field(default_factory=set)
    id_errors: list[str] = field(default_factory=list)
    record_errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    bulk_errors: list[str] = field(default_factory=list)
    facts: _Collector | None = None


@dataclass
class _Records:
    """The outcome of reading one entity file: its records' count and ids, or why it was
    skipped."""

    count: int = 0
    json_error: str | None = None
    ids: set[str] = field(default_factory=set)
    id_errors: list[str] = field(default_factory=list)


# --- the validation run -----------------------------------------------------------------------

RecordCheck = Callable[[dict[str, Any], str, int], None]


class _Validation:
    def __init__(self, directory: Path, manifest: dict[str, Any]) -> None:
        self.directory = directory
        self.manifest = manifest
        self.report = ValidationReport()
        self.manifest_errors: list[str] = []
        self.file_errors: list[str] = []
        self.id_errors: list[str] = []
        self.record_errors: dict[str, list[str]] = {entity.name: [] for entity in ENTITIES}
        self.bulk_errors: dict[str, list[str]] = {entity.name: [] for entity in ENTITIES}
        self.warnings: dict[str, list[str]] = {entity.name: [] for entity in ENTITIES}
        # Id sets of fully read entities; an entity whose file could not be read is absent,
        # and references into it are not judged (its own error says what is wrong).
        self.ids: dict[str, set[str]] = {}
        self.files: dict[str, str] = {}
        # Facts for the completed-task proof rule.
        self.tasks_with_files: set[str] | None = None
        self.approved_artifacts: set[str] | None = None
        self.tasks_with_approved: set[str] = set()
        self.bundles_with_approved: set[str] = set()
        self.bundle_artifact_refs: dict[str, list[str]] = {}
        self.completed_tasks: set[str] = set()
        # Per-entity buffers: committed only when the whole file parsed (else it is skipped).
        self._errors: list[str] = []
        self._warnings: list[str] = []
        self._bulk: list[str] = []
        self._marker_errors: list[str] = []
        # Whether the record being checked could hold a signed URL or token (see _redaction_scan).
        self._may_sign = True

    # --- orchestration ----------------------------------------------------------------------

    def run(self) -> ValidationReport:
        """In one process: entities whose references all point to earlier entities are checked
        as they are read; tasks and bundles are read again once everything else is known."""
        self._check_manifest()
        for entity in ENTITIES:
            first_pass = None if entity in (TASKS, BUNDLES) else self._full_check(entity)
            self._merge(self._scan(entity, first_pass))
            self._forget_unreferenced(entity)
        for entity in (BUNDLES, TASKS):
            if entity.name in self.report.entity_counts:
                self._merge_checks(entity, self._recheck(entity, self._full_check(entity)))
        return self._report()

    def run_in_parallel(self, jobs: int) -> ValidationReport:
        """In `jobs` processes: every file is read once for ids and facts, then once more for
        its records' checks; the report is the same as `run`'s."""
        global _ACTIVE  # noqa: PLW0603 - what forked workers inherit
        self._check_manifest()
        names = self._largest_first()
        _ACTIVE = self
        try:
            scans = {scan.entity: scan for scan in workers.run_all(_scan_job, names, jobs)}
            for entity in ENTITIES:
                self._merge(scans.pop(entity.name))
            for name in _UNREFERENCED:  # no record points at these: only duplicates mattered
                self.ids.pop(name, None)
            readable = [name for name in names if name in self.report.entity_counts]
            checked = workers.run_all(_check_job, readable, jobs)
        finally:
            _ACTIVE = None
        for name, found in zip(readable, checked, strict=True):
            self._merge_checks(ENTITY_BY_NAME[name], found)
        return self._report()

    def _largest_first(self) -> list[str]:
        files = self.manifest.get("entity_files")

        def size(entity: Entity) -> int:
            filename = files.get(entity.name) if isinstance(files, dict) else None
            if not _plain(filename):
                return 0
            try:
                return os.stat(self.directory / filename).st_size
            except OSError:
                return 0

        return [entity.name for entity in sorted(ENTITIES, key=size, reverse=True)]

    def _report(self) -> ValidationReport:
        self._check_markers()
        report = self.report
        report.errors = [*self.manifest_errors, *self.file_errors, *self.id_errors]
        for entity in ENTITIES:
            if entity is not AUDIT_EVENTS:
                report.errors += self.record_errors[entity.name]
        report.errors += self._marker_errors
        report.errors += self.record_errors[AUDIT_EVENTS.name]
        for entity in ENTITIES:
            report.errors += self.bulk_errors[entity.name]
            report.warnings += self.warnings[entity.name]
        return report

    def _full_check(self, entity: Entity) -> RecordCheck:
        checks: dict[str, RecordCheck] = {
            USERS.name: self._check_user,
            TASKS.name: self._check_task,
            BUNDLES.name: self._check_bundle,
            TEMPLATES.name: self._check_template,
            RECURRING_CONFIGS.name: self._check_recurring,
            FILES.name: self._check_file,
            ARTIFACTS.name: self._check_artifact,
            NOTIFICATIONS.name: self._check_notification,
            AUDIT_EVENTS.name: self._check_audit_event,
        }
        return checks[entity.name]

    def _forget_unreferenced(self, entity: Entity) -> None:
        """Drop id sets no later check reads, so memory holds only what references need."""
        if entity is ARTIFACTS:
            self.ids.pop(FILES.name, None)
            self.ids.pop(ARTIFACTS.name, None)
        elif entity is NOTIFICATIONS:
            self.ids.pop(TASKS.name, None)
            self.ids.pop(NOTIFICATIONS.name, None)
        elif entity is AUDIT_EVENTS:
            self.ids.pop(AUDIT_EVENTS.name, None)

    # --- rules 1-2 and 12: the manifest --------------------------------------------------------

    def _check_manifest(self) -> None:
        manifest = self.manifest
        if manifest.get("schema_version") != SCHEMA_VERSION:
            self.manifest_errors.append(messages.MANIFEST_SCHEMA_VERSION)
        version = manifest.get("export_format_version")
        if isinstance(version, bool) or version != EXPORT_FORMAT_VERSION:
            self.manifest_errors.append(messages.MANIFEST_FORMAT_VERSION)
        if not is_timestamp(manifest.get("generated_at")):
            self.manifest_errors.append(messages.MANIFEST_GENERATED_AT)

    def _check_markers(self) -> None:
        errors: list[str] = []
        redactions = self.manifest.get("redactions")
        redactions = redactions if isinstance(redactions, list) else []
        for marker in REDACTIONS:
            if marker not in redactions:
                errors.append(messages.MANIFEST_MISSING_REDACTION.format(marker=marker))
        omitted = self.manifest.get("omitted_entities")
        omitted = omitted if isinstance(omitted, list) else []
        for marker in OMITTED_ENTITIES:
            if marker not in omitted:
                errors.append(messages.MANIFEST_MISSING_OMITTED.format(marker=marker))
        self._marker_errors = errors

    # --- rule 3: files, checksums, lines, counts; rule 4: ids ----------------------------------

    def _scan(self, entity: Entity, check: RecordCheck | None) -> _Scan:
        """Read one entity file: checksum, lines, count, ids, facts, bulk content, and the
        records' own checks when `check` is given."""
        scan = _Scan(entity.name)
        files = self.manifest.get("entity_files")
        filename = files.get(entity.name) if isinstance(files, dict) else None
        if entity.name == "audit_events" and predates_audit_events(self.manifest):
            # The reference service exported no audit history: nothing to check, and done
            # tasks are judged without their completion events (rule 5, not rule 15).
            scan.readable = True
            scan.warnings.append(messages.EXPORT_WITHOUT_AUDIT_EVENTS)
            return scan
        if not isinstance(filename, str) or not filename:
            scan.file_errors.append(
                messages.MANIFEST_MISSING_ENTITY_FILE.format(entity=entity.name)
            )
            return scan
        if not _plain(filename):
            scan.file_errors.append(
                messages.MANIFEST_ENTITY_FILE_OUTSIDE.format(
                    entity=entity.name, filename=shown(filename)
                )
            )
            return scan
        scan.filename = filename
        digest = hashlib.sha256()
        self._errors, self._warnings, self._bulk = [], [], []
        collect = _collector(entity)
        try:
            with open(self.directory / filename, "rb") as source:
                outcome = self._read_records(
                    source, entity, filename, digest, check=check, collect=collect
                )
        except OSError as exc:
            scan.file_errors.append(
                messages.ENTITY_FILE_MISSING.format(
                    filename=filename, reason=exc.strerror or str(exc)
                )
            )
            return scan
        checksums = self.manifest.get("checksums")
        expected = checksums.get(filename) if isinstance(checksums, dict) else None
        if expected != "sha256:" + digest.hexdigest():
            scan.file_errors.append(
                messages.ENTITY_FILE_CHECKSUM_MISMATCH.format(filename=filename)
            )
        if outcome.json_error is not None:
            scan.file_errors.append(outcome.json_error)
            return scan
        counts = self.manifest.get("entity_counts")
        declared = counts.get(entity.name) if isinstance(counts, dict) else None
        if isinstance(declared, bool) or declared != outcome.count:
            scan.file_errors.append(messages.ENTITY_COUNT_MISMATCH.format(entity=entity.name))
        scan.readable = True
        scan.count, scan.ids, scan.id_errors = outcome.count, outcome.ids, outcome.id_errors
        scan.record_errors, scan.warnings = self._errors, self._warnings
        scan.bulk_errors, scan.facts = self._bulk, collect
        return scan

    def _merge(self, scan: _Scan) -> None:
        self.file_errors += scan.file_errors
        if scan.filename is not None:
            self.files[scan.entity] = scan.filename
        if not scan.readable:
            return
        self.report.entity_counts[scan.entity] = scan.count
        self.ids[scan.entity] = scan.ids
        self.id_errors += scan.id_errors
        self.record_errors[scan.entity] += scan.record_errors
        self.warnings[scan.entity] += scan.warnings
        self.bulk_errors[scan.entity] += scan.bulk_errors
        if scan.facts is not None:
            scan.facts.commit(self)

    def _merge_checks(self, entity: Entity, found: tuple[list[str], list[str]]) -> None:
        self.record_errors[entity.name] += found[0]
        self.warnings[entity.name] += found[1]

    def _read_records(
        self,
        source: Any,
        entity: Entity,
        filename: str,
        digest: Any,
        *,
        check: RecordCheck | None,
        collect: _Collector | None,
    ) -> _Records:
        outcome = _Records()
        ids, id_errors = outcome.ids, outcome.id_errors
        name, id_field = entity.name, entity.id_field
        blank_since = 0
        line_no = 0
        loads, json_error = jsonvalue.loads, jsonvalue.JsonError
        for line in read_lines(source, digest):
            line_no += 1
            if outcome.json_error is not None:
                continue  # keep reading: the checksum covers the whole file
            if line is LINE_TOO_LONG:
                outcome.json_error = messages.ENTITY_LINE_INVALID_JSON.format(
                    filename=filename, line=line_no, reason=f"longer than {MAX_LINE_BYTES} bytes"
                )
                continue
            assert isinstance(line, bytes)
            if (not line or line[0] in b" \t\r\n") and _is_blank(line):
                # Blank lines at the end are trimmed (9.3 rule 3); any other is invalid JSON.
                blank_since = blank_since or line_no
                continue
            if blank_since:
                outcome.json_error = messages.ENTITY_LINE_INVALID_JSON.format(
                    filename=filename, line=blank_since, reason=_empty_line_reason()
                )
                continue
            try:
                record = loads(line)
            except json_error as exc:
                outcome.json_error = messages.ENTITY_LINE_INVALID_JSON.format(
                    filename=filename, line=line_no, reason=str(exc)
                )
                continue
            index = outcome.count
            outcome.count += 1
            ctx = f"{name}[{index}]"
            if not isinstance(record, dict):
                id_errors.append(messages.RECORD_NOT_OBJECT.format(ctx=ctx))
                continue
            record_id = record.get(id_field)
            if not isinstance(record_id, str) or not record_id:
                id_errors.append(messages.RECORD_MISSING_STRING.format(ctx=ctx, field=id_field))
            elif record_id in ids:
                id_errors.append(
                    messages.RECORD_DUPLICATE_ID.format(
                        entity=name, field=id_field, value=shown(record_id)
                    )
                )
            else:
                ids.add(record_id)
            if len(line) > BULK_STRING_LIMIT:
                self._guard_bulk(record, ctx)
            if check is not None:
                self._may_sign = _may_hold_signed_text(line)
                check(record, ctx, index)
            if collect is not None:
                collect.add(record)
        return outcome

    def _recheck(self, entity: Entity, check: RecordCheck) -> tuple[list[str], list[str]]:
        """Read a fully readable file again for its records' checks: (errors, warnings)."""
        if entity.name not in self.files:  # an entity the export has no file for (no records)
            return [], []
        self._errors, self._warnings = [], []
        index = 0
        try:
            with open(self.directory / self.files[entity.name], "rb") as source:
                for line in read_lines(source):
                    if line is LINE_TOO_LONG:
                        break
                    assert isinstance(line, bytes)
                    if (not line or line[0] in b" \t\r\n") and _is_blank(line):
                        continue
                    try:
                        record = jsonvalue.loads(line)
                    except jsonvalue.JsonError:
                        break  # the file changed since the first pass; its checksum said so
                    if isinstance(record, dict):
                        self._may_sign = _may_hold_signed_text(line)
                        check(record, f"{entity.name}[{index}]", index)
                    index += 1
        except OSError:
            pass  # gone since the first pass: what was checked stands
        return self._errors, self._warnings

    # --- generic field rules -----------------------------------------------------------------

    def _required_string(self, record: Mapping[str, Any], ctx: str, name: str) -> bool:
        value = record.get(name)
        if isinstance(value, str) and value:
            return True
        self._errors.append(messages.RECORD_MISSING_STRING.format(ctx=ctx, field=name))
        return False

    def _optional_string(self, record: Mapping[str, Any], ctx: str, name: str) -> None:
        value = record.get(name)
        if value is not None and value != "" and not isinstance(value, str):
            self._errors.append(messages.RECORD_NOT_STRING.format(ctx=ctx, field=name))

    def _optional_strings(
        self, record: Mapping[str, Any], ctx: str, names: tuple[str, ...]
    ) -> None:
        for name in names:
            value = record.get(name)
            if value is not None and value.__class__ is not str and value != "":
                self._errors.append(messages.RECORD_NOT_STRING.format(ctx=ctx, field=name))

    def _optional_enums(
        self, record: Mapping[str, Any], ctx: str, enums: tuple[tuple[str, frozenset[str]], ...]
    ) -> None:
        for name, allowed in enums:
            value = record.get(name)
            if value is None or (value.__class__ is str and value in allowed) or value == "":
                continue
            self._errors.append(
                messages.RECORD_UNKNOWN_VALUE.format(ctx=ctx, field=name, value=shown(value))
            )

    def _timestamps(
        self, record: Mapping[str, Any], ctx: str, names: tuple[str, ...], *, required: bool = False
    ) -> None:
        for name in names:
            value = record.get(name)
            if value is None or value == "":
                if required:
                    self._errors.append(messages.RECORD_MISSING_STRING.format(ctx=ctx, field=name))
            elif not is_timestamp(value):
                self._errors.append(messages.RECORD_NOT_TIMESTAMP.format(ctx=ctx, field=name))

    def _optional_enum(
        self, record: Mapping[str, Any], ctx: str, name: str, allowed: frozenset[str]
    ) -> None:
        value = record.get(name)
        if value is None or value == "":
            return
        if not isinstance(value, str) or value not in allowed:
            self._errors.append(
                messages.RECORD_UNKNOWN_VALUE.format(ctx=ctx, field=name, value=shown(value))
            )

    def _optional_string_array(self, record: Mapping[str, Any], ctx: str, name: str) -> None:
        value = record.get(name)
        if value is not None and not (
            isinstance(value, list) and all(isinstance(item, str) for item in value)
        ):
            self._errors.append(messages.RECORD_NOT_STRING_ARRAY.format(ctx=ctx, field=name))

    def _optional_number(self, record: Mapping[str, Any], ctx: str, name: str) -> None:
        value = record.get(name)
        if value is not None and value != "" and not is_number(value):
            self._errors.append(messages.RECORD_NOT_NUMBER.format(ctx=ctx, field=name))

    def _optional_string_or_object(self, record: Mapping[str, Any], ctx: str, name: str) -> None:
        value = record.get(name)
        if value is not None and value != "" and not isinstance(value, str | dict):
            self._errors.append(messages.RECORD_NOT_STRING_OR_OBJECT.format(ctx=ctx, field=name))

    def _optional_object(self, record: Mapping[str, Any], ctx: str, name: str) -> None:
        value = record.get(name)
        if value is not None and value != "" and not isinstance(value, dict):
            self._errors.append(messages.RECORD_NOT_OBJECT_FIELD.format(ctx=ctx, field=name))

    def _ref_array(self, record: Mapping[str, Any], ctx: str, name: str, id_field: str) -> None:
        value = record.get(name)
        if value is None:
            return
        if not isinstance(value, list):
            self._errors.append(messages.RECORD_NOT_ARRAY.format(ctx=ctx, field=name))
            return
        for position, ref in enumerate(value):
            if not isinstance(ref, dict):
                self._errors.append(
                    messages.RECORD_NOT_OBJECT.format(ctx=f"{ctx}.{name}[{position}]")
                )
            elif not (isinstance(ref.get(id_field), str) and ref[id_field]):
                self._errors.append(
                    messages.RECORD_MISSING_STRING.format(
                        ctx=f"{ctx}.{name}[{position}]", field=id_field
                    )
                )

    def _proof_requirement(self, record: Mapping[str, Any], ctx: str, name: str) -> None:
        value = record.get(name)
        if value is None or value == "":
            return
        if not isinstance(value, dict):
            self._errors.append(messages.RECORD_NOT_OBJECT_FIELD.format(ctx=ctx, field=name))
            return
        proof_type = value.get("type")
        if not isinstance(proof_type, str) or proof_type not in _PROOF_TYPES:
            self._errors.append(messages.RECORD_PROOF_TYPE.format(ctx=ctx, field=name))
        label = value.get("label")
        if label is not None and label != "" and not isinstance(label, str):
            self._errors.append(messages.RECORD_PROOF_LABEL.format(ctx=ctx, field=name))
        required = value.get("required")
        if required is not None and not isinstance(required, bool):
            self._errors.append(messages.RECORD_PROOF_REQUIRED.format(ctx=ctx, field=name))

    def _date(self, record: Mapping[str, Any], ctx: str, name: str, *, required: bool) -> None:
        value = record.get(name)
        if value is None or value == "":
            if required:
                self._errors.append(messages.RECORD_MISSING_STRING.format(ctx=ctx, field=name))
            return
        if not is_calendar_date(value):
            self._errors.append(messages.RECORD_NOT_DATE.format(ctx=ctx, field=name))

    def _timestamp(
        self, record: Mapping[str, Any], ctx: str, name: str, *, required: bool = False
    ) -> None:
        value = record.get(name)
        if value is None or value == "":
            if required:
                self._errors.append(messages.RECORD_MISSING_STRING.format(ctx=ctx, field=name))
            return
        if not is_timestamp(value):
            self._errors.append(messages.RECORD_NOT_TIMESTAMP.format(ctx=ctx, field=name))

    def _reference(
        self, record: Mapping[str, Any], ctx: str, name: str, entity: Entity, *, soft: bool = False
    ) -> None:
        """An error when the value names no exported record of `entity`; with `soft` (rule 15:
        assignees and templates may be external or deleted) a warning instead."""
        value = record.get(name)
        if value is None or value == "":
            return
        ids = self.ids.get(entity.name)
        if ids is None:
            return
        if not isinstance(value, str) or value not in ids:
            if soft:
                self._warnings.append(
                    messages.WARN_DELETED_OR_EXTERNAL.format(
                        ctx=ctx, field=name, value=shown(value)
                    )
                )
            else:
                self._errors.append(
                    messages.RECORD_MISSING_REFERENCE.format(
                        ctx=ctx, field=name, value=shown(value)
                    )
                )

    def _actor(self, record: Mapping[str, Any], ctx: str, name: str) -> None:
        """Rule 15: actors (`service:<name>`, portal admins, test users) need not be users."""
        value = record.get(name)
        if value is None or value == "":
            return
        ids = self.ids.get(USERS.name)
        if ids is None:
            return
        if not isinstance(value, str) or value not in ids:
            self._warnings.append(
                messages.WARN_ACTOR_NOT_EXPORTED.format(ctx=ctx, value=shown(value))
            )

    def _redaction_scan(
        self, value: Any, path: str, *, skip_keys: frozenset[str] = frozenset()
    ) -> None:
        """Secret-like keys and signed URLs anywhere in a value, objects and arrays alike.

        Keys in `skip_keys` (a record's own field names) are not judged; string values are
        judged only when the record's line could hold signed text at all (`_may_sign`).
        """
        may_sign = self._may_sign
        if isinstance(value, dict):
            judge_keys = not skip_keys.issuperset(value)
            for key, item in value.items():
                if judge_keys and key not in skip_keys and secret_key(key):
                    self._errors.append(messages.RECORD_SECRET_KEY.format(path=f"{path}.{key}"))
                kind = item.__class__
                if kind is str:
                    if may_sign and _signed(item):
                        self._errors.append(
                            messages.RECORD_SIGNED_VALUE.format(path=f"{path}.{key}")
                        )
                elif kind is dict or kind is list:
                    self._redaction_scan(item, f"{path}.{key}")
        elif isinstance(value, list):
            for position, item in enumerate(value):
                kind = item.__class__
                if kind is str:
                    if may_sign and _signed(item):
                        self._errors.append(
                            messages.RECORD_SIGNED_VALUE.format(path=f"{path}[{position}]")
                        )
                elif kind is dict or kind is list:
                    self._redaction_scan(item, f"{path}[{position}]")

    def _guard_bulk(self, record: dict[str, Any], ctx: str) -> None:
        """Rule 14, for records whose line is long enough to hold such a string."""
        for path, text in _strings(record, ""):
            if len(text) > BULK_STRING_LIMIT // 2:
                length = utf16_length(text)
                if length > BULK_STRING_LIMIT:
                    self._bulk.append(
                        messages.RECORD_BULK_CONTENT.format(ctx=ctx, field=path, length=length)
                    )

    # --- rules 4b-11 and 13: the entities ----------------------------------------------------

    def _check_user(self, record: dict[str, Any], ctx: str, index: int) -> None:
        """Password hashes are never exported (the `users.password_hash` redaction)."""
        reported = set()
        for key, value in record.items():
            if _is_password_field(key, value):
                self._errors.append(messages.USER_PASSWORD_HASH.format(ctx=ctx, field=key))
                reported.add(key)
        self._redaction_scan(record, ctx, skip_keys=frozenset(reported))

    def _check_task(self, record: dict[str, Any], ctx: str, index: int) -> None:
        """Rule 5."""
        self._required_string(record, ctx, "description")
        self._date(record, ctx, "date", required=True)
        self._optional_enum(record, ctx, "status", _TASK_STATUSES)
        if record.get("status") == TaskStatus.WAITING:
            self._required_string(record, ctx, "waiting_for")
            self._timestamp(record, ctx, "follow_up_at", required=True)
        else:
            self._timestamp(record, ctx, "follow_up_at")
        self._timestamps(record, ctx, ("completed_at", "created_at", "updated_at"))
        self._optional_strings(record, ctx, _TASK_DOC_STRINGS)
        self._optional_string_array(record, ctx, "systems")
        self._optional_string_or_object(record, ctx, "validation")
        self._proof_requirement(record, ctx, "proof_requirement")
        self._optional_string(record, ctx, "external_status")
        for name, id_field in _REF_ARRAYS:
            self._ref_array(record, ctx, name, id_field)
        self._reference(record, ctx, "assignee_id", USERS, soft=True)
        self._actor(record, ctx, "completed_by")
        self._reference(record, ctx, "bundle_id", BUNDLES)
        self._reference(record, ctx, "template_id", TEMPLATES, soft=True)
        if record.get("status") == TaskStatus.DONE:
            self._check_completed_task(record, ctx)

    def _check_completed_task(self, record: dict[str, Any], ctx: str) -> None:
        missing = self._missing_proof(record, ctx)
        if not missing:
            return
        task_id = record.get("task_id")
        if isinstance(task_id, str) and task_id in self.completed_tasks:
            self._warnings.append(messages.WARN_PROOF_NO_LONGER_HOLDS.format(ctx=ctx))
        else:
            self._errors += missing

    def _missing_proof(self, record: dict[str, Any], ctx: str) -> list[str]:
        """What a done task lacks, judged from the exported records like the completion gate."""
        missing: list[str] = []
        task_id = record.get("task_id")
        task_id = task_id if isinstance(task_id, str) else None
        link_name = record.get("required_link_name")
        if isinstance(link_name, str) and link_name and not _filled(record, "link"):
            missing.append(messages.TASK_DONE_WITHOUT_LINK.format(ctx=ctx, name=shown(link_name)))
        has_files = self.tasks_with_files
        files_missing = has_files is not None and task_id not in has_files
        if record.get("requires_file") is True and files_missing:
            missing.append(messages.TASK_DONE_WITHOUT_FILE.format(ctx=ctx))
        proof = record.get("proof_requirement")
        if not isinstance(proof, dict) or proof.get("required") is False:
            return missing
        proof_type = proof.get("type")
        if not isinstance(proof_type, str) or proof_type not in _PROOF_KIND:
            return missing
        if proof_type in _PROOF_FIELD:
            satisfied: bool | None = is_nonblank(record.get(_PROOF_FIELD[proof_type]))
        elif proof_type == ProofType.FILE:
            satisfied = None if has_files is None else task_id in has_files
        else:
            satisfied = self._has_approved_artifact(record)
        if satisfied is False:
            missing.append(
                messages.TASK_DONE_WITHOUT_PROOF.format(ctx=ctx, kind=_PROOF_KIND[proof_type])
            )
        return missing

    def _has_approved_artifact(self, record: dict[str, Any]) -> bool | None:
        """Approved and attached to the task or its bundle, or named by either's refs (10.10)."""
        approved = self.approved_artifacts
        if approved is None:
            return None
        task_id, bundle_id = record.get("task_id"), record.get("bundle_id")
        if isinstance(task_id, str) and task_id in self.tasks_with_approved:
            return True
        named = _ref_ids(record.get("artifact_refs"))
        if isinstance(bundle_id, str):
            if bundle_id in self.bundles_with_approved:
                return True
            named += self.bundle_artifact_refs.get(bundle_id, [])
        return any(artifact_id in approved for artifact_id in named)

    def _check_bundle(self, record: dict[str, Any], ctx: str, index: int) -> None:
        """Rule 6."""
        self._date(record, ctx, "anchor_date", required=False)
        self._timestamp(record, ctx, "created_at")
        self._timestamp(record, ctx, "updated_at")
        self._reference(record, ctx, "template_id", TEMPLATES, soft=True)
        for name, id_field in _REF_ARRAYS:
            self._ref_array(record, ctx, name, id_field)

    def _check_template(self, record: dict[str, Any], ctx: str, index: int) -> None:
        """Rule 7."""
        self._timestamp(record, ctx, "created_at")
        self._timestamp(record, ctx, "updated_at")
        self._optional_string_array(record, ctx, "source_doc_ids")
        phases = record.get("phases")
        if phases is not None:
            if not isinstance(phases, list):
                self._errors.append(messages.RECORD_NOT_ARRAY.format(ctx=ctx, field="phases"))
            else:
                for position, phase in enumerate(phases):
                    phase_ctx = f"{ctx}.phases[{position}]"
                    if not isinstance(phase, dict):
                        self._errors.append(messages.RECORD_NOT_OBJECT.format(ctx=phase_ctx))
                        continue
                    self._required_string(phase, phase_ctx, "id")
                    self._required_string(phase, phase_ctx, "name")
                    self._optional_string(phase, phase_ctx, "stage")
        definitions = record.get("task_definitions")
        if definitions is None:
            return
        if not isinstance(definitions, list):
            self._errors.append(messages.RECORD_NOT_ARRAY.format(ctx=ctx, field="task_definitions"))
            return
        for position, definition in enumerate(definitions):
            definition_ctx = f"{ctx}.task_definitions[{position}]"
            if not isinstance(definition, dict):
                self._errors.append(messages.RECORD_NOT_OBJECT.format(ctx=definition_ctx))
                continue
            for name in ("instructionDocId", "instructionStepId", "phase"):
                self._optional_string(definition, definition_ctx, name)
            self._optional_string_array(definition, definition_ctx, "systems")
            self._optional_string_or_object(definition, definition_ctx, "validation")
            self._proof_requirement(definition, definition_ctx, "proofRequirement")
            for name, id_field in _DEFINITION_REF_ARRAYS:
                self._ref_array(definition, definition_ctx, name, id_field)

    def _check_recurring(self, record: dict[str, Any], ctx: str, index: int) -> None:
        """Rule 8."""
        self._timestamp(record, ctx, "created_at")
        self._timestamp(record, ctx, "updated_at")
        self._reference(record, ctx, "assignee_id", USERS, soft=True)

    def _check_file(self, record: dict[str, Any], ctx: str, index: int) -> None:
        """Rule 9."""
        self._timestamp(record, ctx, "created_at")
        self._reference(record, ctx, "task_id", TASKS)
        self._reference(record, ctx, "bundle_id", BUNDLES)

    def _check_artifact(self, record: dict[str, Any], ctx: str, index: int) -> None:
        """Rule 10."""
        for name in ("type", "title", "storage_uri"):
            self._required_string(record, ctx, name)
        self._optional_enums(record, ctx, _ARTIFACT_ENUMS)
        self._optional_strings(record, ctx, _ARTIFACT_STRINGS)
        self._optional_number(record, ctx, "size_bytes")
        self._optional_string_array(record, ctx, "tags")
        self._timestamps(record, ctx, ("created_at", "updated_at"), required=True)
        self._timestamps(record, ctx, ("reviewed_at",))
        self._reference(record, ctx, "task_id", TASKS)
        self._reference(record, ctx, "bundle_id", BUNDLES)
        self._reference(record, ctx, "file_id", FILES)
        self._actor(record, ctx, "created_by")
        self._actor(record, ctx, "reviewed_by")
        self._redaction_scan(record, ctx, skip_keys=_ARTIFACT_FIELDS)
        provider, status = record.get("storage_provider"), record.get("status")
        if isinstance(provider, str) and provider in _OWNED and not _filled(record, "checksum"):
            self._errors.append(
                messages.ARTIFACT_CHECKSUM_REQUIRED.format(ctx=ctx, provider=provider)
            )
        if isinstance(status, str) and status in _REVIEWED and not _filled(record, "reviewed_at"):
            self._errors.append(messages.ARTIFACT_REVIEWED_AT_REQUIRED.format(ctx=ctx))
        self._optional_string(record, ctx, "assistant_job_id")

    def _check_notification(self, record: dict[str, Any], ctx: str, index: int) -> None:
        """Rule 11."""
        self._optional_enum(record, ctx, "notification_type", _NOTIFICATION_TYPES)
        if record.get("notification_type") == NotificationType.FOLLOW_UP_DUE:
            self._required_string(record, ctx, "task_id")
            self._timestamp(record, ctx, "due_at", required=True)
        else:
            self._timestamp(record, ctx, "due_at")
        self._timestamp(record, ctx, "created_at")
        self._reference(record, ctx, "user_id", USERS)
        self._reference(record, ctx, "task_id", TASKS)
        self._reference(record, ctx, "bundle_id", BUNDLES)
        self._reference(record, ctx, "template_id", TEMPLATES)

    def _check_audit_event(self, record: dict[str, Any], ctx: str, index: int) -> None:
        """Rule 13: history outlives the entities it names, so those are not references."""
        if self._required_string(record, ctx, "entity_type"):
            self._optional_enum(record, ctx, "entity_type", _ENTITY_TYPES)
        self._required_string(record, ctx, "entity_id")
        self._required_string(record, ctx, "action")
        self._timestamp(record, ctx, "created_at", required=True)
        self._optional_object(record, ctx, "before")
        self._optional_object(record, ctx, "after")
        self._optional_string(record, ctx, "summary")
        self._redaction_scan(record, ctx, skip_keys=_AUDIT_FIELDS)
        self._actor(record, ctx, "actor_id")


# --- facts gathered while reading, kept only when the whole file was readable ------------------


class _Collector:
    """Facts about one entity's records, kept only when its whole file was readable."""

    def add(self, record: dict[str, Any]) -> None:
        raise NotImplementedError

    def commit(self, validation: _Validation) -> None:
        raise NotImplementedError


class _BundleRefs(_Collector):
    """Artifact ids named by each bundle's refs (a bundle's refs count for its tasks, 10.10)."""

    def __init__(self) -> None:
        self.refs: dict[str, list[str]] = {}

    def add(self, record: dict[str, Any]) -> None:
        bundle_id = record.get("bundle_id")
        named = _ref_ids(record.get("artifact_refs"))
        if named and isinstance(bundle_id, str):
            self.refs.setdefault(bundle_id, []).extend(named)

    def commit(self, validation: _Validation) -> None:
        validation.bundle_artifact_refs = self.refs


class _TasksWithFiles(_Collector):
    def __init__(self) -> None:
        self.tasks: set[str] = set()

    def add(self, record: dict[str, Any]) -> None:
        task_id = record.get("task_id")
        if isinstance(task_id, str):
            self.tasks.add(task_id)

    def commit(self, validation: _Validation) -> None:
        validation.tasks_with_files = self.tasks


class _ApprovedArtifacts(_Collector):
    def __init__(self) -> None:
        self.approved: set[str] = set()
        self.tasks: set[str] = set()
        self.bundles: set[str] = set()

    def add(self, record: dict[str, Any]) -> None:
        if record.get("status") != ArtifactStatus.APPROVED:
            return
        artifact_id, task_id, bundle_id = (
            record.get("artifact_id"),
            record.get("task_id"),
            record.get("bundle_id"),
        )
        if isinstance(artifact_id, str):
            self.approved.add(artifact_id)
        if isinstance(task_id, str) and task_id:
            self.tasks.add(task_id)
        if isinstance(bundle_id, str) and bundle_id:
            self.bundles.add(bundle_id)

    def commit(self, validation: _Validation) -> None:
        validation.approved_artifacts = self.approved
        validation.tasks_with_approved = self.tasks
        validation.bundles_with_approved = self.bundles


class _CompletedTasks(_Collector):
    def __init__(self) -> None:
        self.tasks: set[str] = set()

    def add(self, record: dict[str, Any]) -> None:
        if (
            record.get("action") == AuditAction.TASK_COMPLETED
            and record.get("entity_type") == EntityType.TASK
            and isinstance(record.get("entity_id"), str)
        ):
            self.tasks.add(record["entity_id"])

    def commit(self, validation: _Validation) -> None:
        validation.completed_tasks = self.tasks


def _collector(entity: Entity) -> _Collector | None:
    if entity is BUNDLES:
        return _BundleRefs()
    if entity is FILES:
        return _TasksWithFiles()
    if entity is ARTIFACTS:
        return _ApprovedArtifacts()
    if entity is AUDIT_EVENTS:
        return _CompletedTasks()
    return None


# --- work for worker processes (their state is what the fork inherited) -------------------------

_ACTIVE: _Validation | None = None


def _scan_job(name: str) -> _Scan:
    assert _ACTIVE is not None
    return _ACTIVE._scan(ENTITY_BY_NAME[name], None)


def _check_job(name: str) -> tuple[list[str], list[str]]:
    assert _ACTIVE is not None
    entity = ENTITY_BY_NAME[name]
    return _ACTIVE._recheck(entity, _ACTIVE._full_check(entity))


# --- helpers ------------------------------------------------------------------------------------

_ARTIFACT_FIELDS = frozenset(spec.export_name for spec in ARTIFACTS.fields)
_UNREFERENCED = (ARTIFACTS.name, NOTIFICATIONS.name, AUDIT_EVENTS.name)
_ARTIFACT_ENUMS = (
    ("type", _ARTIFACT_TYPES),
    ("status", _ARTIFACT_STATUSES),
    ("storage_provider", _PROVIDERS),
    ("visibility", _VISIBILITIES),
    ("data_class", _VISIBILITIES),
    ("source_type", _SOURCE_TYPES),
)
_ARTIFACT_STRINGS = ("description", "filename", "content_type", "checksum")
_TASK_DOC_STRINGS = ("instructions_url", "instruction_doc_id", "instruction_step_id", "phase")
_AUDIT_FIELDS = frozenset(spec.export_name for spec in AUDIT_EVENTS.fields)


def _is_password_field(key: str, value: Any) -> bool:
    words = set(key_words(key))
    if words & _PASSWORD_WORDS:
        return True
    return isinstance(value, str) and value.startswith(_HASH_PREFIXES)


# Only text with a query, a fragment, an assignment or a temporary download host can be a
# signed URL or carry a token: the full check (URL parsing) runs only for such text.
_MAYBE_SIGNED = re.compile(r"[?#=]|usercontent\.com", re.IGNORECASE)


def _may_hold_signed_text(line: bytes) -> bool:
    """False when no string in this JSON line can be a signed URL or a token: those need a
    query (`?`, `=`), a fragment (`#`) or a temporary download host, and a line without
    backslashes holds its strings literally (no `\\/` or `\\u` escapes to hide them)."""
    return (
        b"\\" in line
        or b"?" in line
        or b"=" in line
        or b"#" in line
        or b"usercontent" in line.lower()
    )


def _signed(text: str) -> bool:
    return _MAYBE_SIGNED.search(text) is not None and is_signed_text(text)


def _plain(filename: Any) -> TypeGuard[str]:
    """A file name inside the export directory: no path, no parent."""
    return (
        isinstance(filename, str)
        and filename not in ("", ".", "..")
        and not any(char in filename for char in "/\\\0")
    )


def _filled(record: Mapping[str, Any], name: str) -> bool:
    value = record.get(name)
    return isinstance(value, str) and value != ""


def _ref_ids(refs: Any) -> list[str]:
    if not isinstance(refs, list):
        return []
    return [
        ref["artifactId"]
        for ref in refs
        if isinstance(ref, dict) and isinstance(ref.get("artifactId"), str)
    ]


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


@lru_cache(maxsize=1)
def _empty_line_reason() -> str:
    try:
        jsonvalue.loads(b"")
    except jsonvalue.JsonError as exc:
        return str(exc)
    return "empty line"
