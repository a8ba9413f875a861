"""Validating portable exports (docs/export-format.md): every error with its exact text, in the
contract's order, plus warnings; never stops at the first error and never crashes, whatever the
files contain.

The rules are not written here: each record is judged against its entity's declaration in
model/ (validation/records.py) and its relations to other records (validation/relations.py),
with the completion proof judged by the proof gate itself, so the API and the validator cannot
disagree. This module runs them: files are streamed in blocks and split into lines, so memory
grows only with the id sets and the few per-record facts the relation rules need, never with
the records themselves. Entities whose references all point to earlier files are checked in the
pass that reads them; tasks, bundles and templates are read a second time, once the facts about
later entities (files, artifacts, audit events) are known. With several worker processes (the
CLI's default), every file is read once for its ids and facts and once for its records'
checks, files in parallel; the report is the same.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dataops.model import jsonvalue, messages
from dataops.portable import workers
from dataops.portable.mapping import (
    ARTIFACTS,
    AUDIT_EVENTS,
    BUNDLES,
    ENTITIES,
    ENTITY_BY_NAME,
    FILES,
    MANIFEST_FILE,
    NOTIFICATIONS,
    TASKS,
    TEMPLATES,
    Entity,
)
from dataops.portable.validation.lines import (
    LINE_TOO_LONG,
    MAX_LINE_BYTES,
    empty_line_reason,
    is_blank,
    read_lines,
)
from dataops.portable.validation.manifest import (
    entity_file,
    manifest_errors,
    marker_errors,
    plain,
    predates_audit_events,
    read_manifest,
)
from dataops.portable.validation.records import RecordRules, shown, whole_record_errors
from dataops.portable.validation.relations import Collector, Facts, Relations, collector

__all__ = [
    "LINE_TOO_LONG",
    "MAX_LINE_BYTES",
    "ValidationReport",
    "predates_audit_events",
    "read_lines",
    "shown",
    "validate_export",
]

# Checked once everything else is known: they name files, artifacts and audit events that come
# after them in the file order.
_DEFERRED = (TASKS, BUNDLES, TEMPLATES)
# No record points at these: once read, only their duplicates mattered.
_UNREFERENCED = (NOTIFICATIONS.name, AUDIT_EVENTS.name)


@dataclass
class ValidationReport:
    """`{valid, errors, warnings, entityCounts}` (docs/export-format.md)."""

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
    """Check an export directory against every rule of docs/export-format.md; with `jobs > 1`,
    entity files are read by that many worker processes (same report, in less time on several
    cores)."""
    directory = Path(directory)
    manifest, problem = read_manifest(directory / MANIFEST_FILE)
    if manifest is None:
        return ValidationReport(errors=[messages.MANIFEST_INVALID.format(reason=problem)])
    validation = _Validation(directory, manifest)
    return validation.run() if jobs <= 1 else validation.run_in_parallel(jobs)


@dataclass
class _Checked:
    """What the record checks of one entity found."""

    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    bulk: list[str] = field(default_factory=list)


@dataclass
class _Scan:
    """One entity file, read: what the validation keeps of it. `readable` is False when the
    file was missing or held invalid JSON; the entity is then skipped (docs/export-format.md,
    rule 3)."""

    entity: str
    filename: str | None = None
    file_errors: list[str] = field(default_factory=list)
    readable: bool = False
    count: int = 0
    ids: set[str] = field(default_factory=set)
    id_errors: list[str] = field(default_factory=list)
    checked: _Checked = field(default_factory=_Checked)
    facts: Collector | None = None


class _Validation:
    def __init__(self, directory: Path, manifest: dict[str, Any]) -> None:
        self.directory = directory
        self.manifest = manifest
        self.report = ValidationReport()
        self.manifest_errors: list[str] = []
        self.file_errors: list[str] = []
        self.id_errors: list[str] = []
        self.checked: dict[str, _Checked] = {entity.name: _Checked() for entity in ENTITIES}
        # Id sets of fully read entities; an entity whose file could not be read is absent,
        # and references into it are not judged (its own error says what is wrong).
        self.ids: dict[str, set[str]] = {}
        self.files: dict[str, str] = {}
        self.facts = Facts()
        self.relations = Relations(self.ids, self.facts)
        self.rules = {entity.name: RecordRules(entity) for entity in ENTITIES}

    # --- orchestration ----------------------------------------------------------------------

    def run(self) -> ValidationReport:
        """In one process: entities whose references all point to earlier entities are checked
        as they are read; the deferred ones are read again once everything else is known."""
        self.manifest_errors = manifest_errors(self.manifest)
        for entity in ENTITIES:
            self._merge(self._scan(entity, check=entity not in _DEFERRED))
            self._forget_unreferenced(entity)
        for entity in _DEFERRED:
            if entity.name in self.report.entity_counts:
                self._merge_checked(entity, self._recheck(entity))
        return self._report()

    def run_in_parallel(self, jobs: int) -> ValidationReport:
        """In `jobs` processes: every file is read once for ids and facts, then once more for
        its records' checks; the report is the same as `run`'s."""
        global _ACTIVE  # noqa: PLW0603 - what forked workers inherit
        self.manifest_errors = manifest_errors(self.manifest)
        names = self._largest_first()
        _ACTIVE = self
        try:
            scans = {scan.entity: scan for scan in workers.run_all(_scan_job, names, jobs)}
            for entity in ENTITIES:
                self._merge(scans.pop(entity.name))
            for name in _UNREFERENCED:
                self.ids.pop(name, None)
            readable = [name for name in names if name in self.report.entity_counts]
            checked = workers.run_all(_check_job, readable, jobs)
        finally:
            _ACTIVE = None
        for name, found in zip(readable, checked, strict=True):
            self._merge_checked(ENTITY_BY_NAME[name], found)
        return self._report()

    def _largest_first(self) -> list[str]:
        def size(entity: Entity) -> int:
            filename = entity_file(self.manifest, entity.name)
            if not plain(filename):
                return 0
            try:
                return os.stat(self.directory / filename).st_size
            except OSError:
                return 0

        return [entity.name for entity in sorted(ENTITIES, key=size, reverse=True)]

    def _report(self) -> ValidationReport:
        report = self.report
        report.errors = [*self.manifest_errors, *self.file_errors, *self.id_errors]
        for entity in ENTITIES:
            if entity is not AUDIT_EVENTS:
                report.errors += self.checked[entity.name].errors
        report.errors += marker_errors(self.manifest)
        report.errors += self.checked[AUDIT_EVENTS.name].errors
        for entity in ENTITIES:
            report.errors += self.checked[entity.name].bulk
            report.warnings += self.checked[entity.name].warnings
        return report

    def _forget_unreferenced(self, entity: Entity) -> None:
        """Drop id sets no later check reads, so memory holds only what references need."""
        if entity is ARTIFACTS:
            self.ids.pop(FILES.name, None)
        elif entity is NOTIFICATIONS:
            self.ids.pop(TASKS.name, None)
            self.ids.pop(NOTIFICATIONS.name, None)
        elif entity is AUDIT_EVENTS:
            self.ids.pop(AUDIT_EVENTS.name, None)

    def _merge(self, scan: _Scan) -> None:
        self.file_errors += scan.file_errors
        if scan.filename is not None:
            self.files[scan.entity] = scan.filename
        if not scan.readable:
            return
        self.report.entity_counts[scan.entity] = scan.count
        self.ids[scan.entity] = scan.ids
        self.id_errors += scan.id_errors
        self._merge_checked(ENTITY_BY_NAME[scan.entity], scan.checked)
        if scan.facts is not None:
            scan.facts.commit(self.facts)

    def _merge_checked(self, entity: Entity, found: _Checked) -> None:
        mine = self.checked[entity.name]
        mine.errors += found.errors
        mine.warnings += found.warnings
        mine.bulk += found.bulk

    # --- reading: rule 3 (files, checksums, lines, counts) and rule 4 (ids) --------------------

    def _scan(self, entity: Entity, *, check: bool) -> _Scan:
        """Read one entity file: checksum, lines, count, ids, facts, and the records' checks
        when `check` is set."""
        scan = _Scan(entity.name)
        filename = entity_file(self.manifest, entity.name)
        if entity is AUDIT_EVENTS and predates_audit_events(self.manifest):
            # The reference service exported no audit history: nothing to check, and done
            # tasks are judged without their completion events (rule 5, not rule 15).
            scan.readable = True
            scan.checked.warnings.append(messages.EXPORT_WITHOUT_AUDIT_EVENTS)
            return scan
        if not isinstance(filename, str) or not filename:
            scan.file_errors.append(
                messages.MANIFEST_MISSING_ENTITY_FILE.format(entity=entity.name)
            )
            return scan
        if not plain(filename):
            scan.file_errors.append(
                messages.MANIFEST_ENTITY_FILE_OUTSIDE.format(
                    entity=entity.name, filename=shown(filename)
                )
            )
            return scan
        scan.filename = filename
        digest = hashlib.sha256()
        facts = collector(entity)
        try:
            with open(self.directory / filename, "rb") as source:
                json_error = self._read_records(
                    source, entity, filename, digest, scan, check=check, facts=facts
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
        if json_error is not None:
            scan.file_errors.append(json_error)
            scan.ids, scan.id_errors, scan.checked, scan.count = set(), [], _Checked(), 0
            return scan
        counts = self.manifest.get("entity_counts")
        declared = counts.get(entity.name) if isinstance(counts, dict) else None
        if isinstance(declared, bool) or declared != scan.count:
            scan.file_errors.append(messages.ENTITY_COUNT_MISMATCH.format(entity=entity.name))
        scan.readable = True
        scan.facts = facts
        return scan

    def _read_records(
        self,
        source: Any,
        entity: Entity,
        filename: str,
        digest: Any,
        scan: _Scan,
        *,
        check: bool,
        facts: Collector | None,
    ) -> str | None:
        """Every record of the file into `scan`; the first invalid JSON line's error, if any
        (the file is then skipped, but read to its end: the checksum covers all of it)."""
        ids, id_errors = scan.ids, scan.id_errors
        name, id_field = entity.name, entity.id_field
        blank_since = 0
        line_no = 0
        json_error: str | None = None
        for line in read_lines(source, digest):
            line_no += 1
            if json_error is not None:
                continue
            if line is LINE_TOO_LONG:
                json_error = messages.ENTITY_LINE_INVALID_JSON.format(
                    filename=filename, line=line_no, reason=f"longer than {MAX_LINE_BYTES} bytes"
                )
                continue
            assert isinstance(line, bytes)
            if is_blank(line):
                # Blank lines at the end are trimmed (docs/export-format.md, rule 3); any other is
                # invalid JSON.
                blank_since = blank_since or line_no
                continue
            if blank_since:
                json_error = messages.ENTITY_LINE_INVALID_JSON.format(
                    filename=filename, line=blank_since, reason=empty_line_reason()
                )
                continue
            try:
                record = jsonvalue.loads(line)
            except jsonvalue.JsonError as exc:
                json_error = messages.ENTITY_LINE_INVALID_JSON.format(
                    filename=filename, line=line_no, reason=str(exc)
                )
                continue
            index = scan.count
            scan.count += 1
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
            if check:
                self._check_record(entity, record, ctx, line, scan.checked)
            if facts is not None:
                facts.add(record)
        return json_error

    def _recheck(self, entity: Entity) -> _Checked:
        """Read a fully readable file again for its records' checks."""
        found = _Checked()
        if entity.name not in self.files:  # an entity the export has no file for (no records)
            return found
        index = 0
        try:
            with open(self.directory / self.files[entity.name], "rb") as source:
                for line in read_lines(source):
                    if line is LINE_TOO_LONG:
                        break
                    assert isinstance(line, bytes)
                    if is_blank(line):
                        continue
                    try:
                        record = jsonvalue.loads(line)
                    except jsonvalue.JsonError:
                        break  # the file changed since the first pass; its checksum said so
                    if isinstance(record, dict):
                        self._check_record(entity, record, f"{entity.name}[{index}]", line, found)
                    index += 1
        except OSError:
            pass  # gone since the first pass: what was checked stands
        return found

    def _check_record(
        self, entity: Entity, record: dict[str, Any], ctx: str, line: bytes, found: _Checked
    ) -> None:
        """One record: its declared fields, its relations, then its whole-record rules."""
        errors, warnings, bulk = self.rules[entity.name](record, ctx, len(line))
        related_errors, related_warnings = self.relations.check(entity, record, ctx)
        found.errors += errors
        found.errors += related_errors
        found.errors += whole_record_errors(entity, record, ctx)
        found.warnings += warnings
        found.warnings += related_warnings
        found.bulk += bulk


# --- work for worker processes (their state is what the fork inherited) -------------------------

_ACTIVE: _Validation | None = None


def _scan_job(name: str) -> _Scan:
    assert _ACTIVE is not None
    return _ACTIVE._scan(ENTITY_BY_NAME[name], check=False)


def _check_job(name: str) -> _Checked:
    assert _ACTIVE is not None
    return _ACTIVE._recheck(ENTITY_BY_NAME[name])
