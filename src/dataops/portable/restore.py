"""Restoring portable exports (docs/export-format.md): the dry-run report, and the import of a
valid export into a store, in batches and in dependency order. Into an empty store that can load
all or nothing (the optional `BulkLoading` capability: SQLite, DynamoDB) the whole import is one
load, committed only once the validation passed, so a crash leaves the store as it was;
otherwise every batch is one transaction and a rerun after a crash completes what the last
committed batch left off.

What makes an export acceptable is decided by `validate.py` alone (it builds the relationship
graph: every entity's ids and every reference between records): an export it rejects is never
imported, and the dry run reports its errors next to the records they name. Records are
mapped back by `mapping.Restorer` (the inverse of the export mapping) and written as exported:
ids, timestamps and actors exactly (the one path where body actors are kept), so export
-> import -> export gives byte-identical entity files.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dataops.model import jsonvalue, messages
from dataops.model.errors import Conflict, Invalid, ServiceUnavailable
from dataops.portable import workers
from dataops.portable.mapping import (
    ARTIFACTS,
    AUDIT_EVENTS,
    BUNDLES,
    ENTITIES,
    FILES,
    MANIFEST_FILE,
    NOTIFICATIONS,
    RECURRING_CONFIGS,
    TASKS,
    TEMPLATES,
    USERS,
    Entity,
    Mapper,
    Restorer,
)
from dataops.portable.validate import (
    LINE_TOO_LONG,
    ValidationReport,
    predates_audit_events,
    read_lines,
    validate_export,
)
from dataops.store.base import (
    AlreadyExists,
    BulkLoading,
    Create,
    EmptyLoad,
    Item,
    Replace,
    Store,
    StoreNotEmpty,
    VersionConflict,
    Write,
)

# Referenced records first, so a store that an import left half-written holds no record that
# points at one still to come (task artifact refs are snapshots, not references).
IMPORT_ORDER: tuple[Entity, ...] = (
    USERS,
    TEMPLATES,
    BUNDLES,
    TASKS,
    RECURRING_CONFIGS,
    FILES,
    ARTIFACTS,
    NOTIFICATIONS,
    AUDIT_EVENTS,
)
# One store transaction per batch: large enough to amortise a commit, small enough that a
# DynamoDB backend splits it into a few transactions and a crash loses little work.
DEFAULT_BATCH_SIZE = 500
_RETRIES = 20
# The validator names a record `<entity>[<index>]` at the start of each of its errors
# (docs/export-format.md).
_RECORD_CONTEXT = re.compile(r"^(" + "|".join(entity.name for entity in ENTITIES) + r")\[(\d+)\]")

Progress = Callable[[int], None]
"""Called with the number of export records handled so far (all entities), once per batch."""


class ExportRefused(Invalid):
    """The export failed validation: nothing was imported. `report` holds every error."""

    def __init__(self, directory: Path, report: ValidationReport) -> None:
        super().__init__(
            messages.IMPORT_EXPORT_INVALID.format(path=directory, count=len(report.errors))
        )
        self.report = report


@dataclass
class DryRunReport:
    """`{valid, errors, warnings, totalRecords, wouldWrite, skipped, invalid}`
    (docs/export-format.md): per entity, records that an import would write (new, or different
    from the stored record), records already stored identically, and records the validator's
    errors name."""

    validation: ValidationReport
    would_write: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    invalid: dict[str, int] = field(default_factory=dict)
    import_warnings: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return self.validation.valid

    @property
    def errors(self) -> list[str]:
        return self.validation.errors

    @property
    def warnings(self) -> list[str]:
        return [*self.validation.warnings, *self.import_warnings]

    @property
    def entity_counts(self) -> dict[str, int]:
        return self.validation.entity_counts

    @property
    def total_records(self) -> int:
        return sum(self.validation.entity_counts.values())

    def as_json(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "errors": self.errors,
            "warnings": self.warnings,
            "totalRecords": self.total_records,
            "wouldWrite": self.would_write,
            "skipped": self.skipped,
            "invalid": self.invalid,
        }


@dataclass
class ImportSummary:
    """What an import did, per entity: records written and records found already stored."""

    directory: str
    written: dict[str, int]
    skipped: dict[str, int]
    warnings: list[str]
    validation_warnings: list[str]

    @property
    def total_written(self) -> int:
        return sum(self.written.values())

    @property
    def total_skipped(self) -> int:
        return sum(self.skipped.values())

    @property
    def total_records(self) -> int:
        return self.total_written + self.total_skipped


# --- dry run ----------------------------------------------------------------------------------


def dry_run(
    store: Store,
    directory: str | Path,
    *,
    jobs: int = 1,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> DryRunReport:
    """Validate the export and compare every record with the store, writing nothing. A missing
    or unreadable manifest is reported (as the validator reports it), never raised."""
    directory = Path(directory)
    validation = validate_export(directory, jobs=jobs)
    report = DryRunReport(validation)
    if not validation.entity_counts:
        return report
    export = _Export.open(directory)
    invalid = _invalid_records(validation.errors)
    compare = _stored_records(store) > 0
    left_out = _LeftOut()
    for entity in ENTITIES:
        if entity.name not in validation.entity_counts:
            continue
        tally = _Tally()
        reader = export.reader(entity, batch_size)
        restorer, mapper = Restorer(entity), Mapper(entity)
        seen: set[str] = set()
        for batch in reader.batches():
            docs = []
            for index, record in batch:
                record_id = record.get(entity.id_field) if isinstance(record, dict) else None
                if (
                    index in invalid.get(entity.name, ())
                    or not isinstance(record_id, str)
                    or not record_id
                    or record_id in seen
                ):
                    tally.invalid += 1
                    continue
                seen.add(record_id)
                docs.append(_restored(restorer, record, left_out))
            if compare:
                stored = store.get_many(entity.table, [doc["id"] for doc in docs])
                for doc in docs:
                    if _same(mapper, stored.get(doc["id"]), doc):
                        tally.skipped += 1
                    else:
                        tally.written += 1
            else:
                tally.written += len(docs)
        report.would_write[entity.name] = tally.written
        report.skipped[entity.name] = tally.skipped
        report.invalid[entity.name] = tally.invalid
    report.import_warnings = left_out.warnings()
    return report


def _invalid_records(errors: Sequence[str]) -> dict[str, set[int]]:
    """The records each entity's errors name, by index (`tasks[3] ...`)."""
    named: dict[str, set[int]] = {}
    for error in errors:
        match = _RECORD_CONTEXT.match(error)
        if match is not None:
            named.setdefault(match.group(1), set()).add(int(match.group(2)))
    return named


# --- import -----------------------------------------------------------------------------------


def import_export(
    store: Store,
    directory: str | Path,
    *,
    upsert: bool = False,
    jobs: int = 1,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Progress | None = None,
    validated: ValidationReport | None = None,
    fork_validation: bool = False,
) -> ImportSummary:
    """Import a valid export into `store` (docs/export-format.md).

    Into an empty store every record is written as exported; where the store can load all or
    nothing (`BulkLoading`), the whole import is one load that commits only when the
    validation passed. A store that already holds records is accepted when each of them is a
    record of this export, stored identically (what an interrupted batch-by-batch import
    leaves): the import then completes it. Any other store needs `upsert`, which writes new and
    changed records and keeps stored fields that no export carries (a user's password hash).
    Records the store holds identically are skipped, so a rerun writes only what is missing.
    `validated` is the report of `validate_export` when the caller has just run it (the export
    is then not validated twice). With `fork_validation` (the CLI; not for a threaded process),
    an import into an empty store validates in a forked process while it writes.
    """
    directory = Path(directory)
    stored = _stored_records(store)
    load = None
    if not (stored or upsert) and isinstance(store, BulkLoading):
        load = store.load_empty([entity.table for entity in IMPORT_ORDER])
    report = validated
    pending: workers.Forked[ValidationReport] | None = None
    if report is None and load is not None and fork_validation and workers.can_fork():
        pending = workers.Forked(lambda: validate_export(directory, jobs=jobs))
    elif report is None:
        report = validate_export(directory, jobs=jobs)
    try:
        if report is not None and not report.valid:
            raise ExportRefused(directory, report)
        if load is not None:
            try:
                return _load(
                    load,
                    directory,
                    report=report,
                    pending=pending,
                    batch_size=batch_size,
                    progress=progress,
                )
            except StoreNotEmpty:
                stored = _stored_records(store)  # written to since it was counted
        if pending is not None:
            report = _validated(pending, directory)
        assert report is not None
        return _write(
            store,
            directory,
            report,
            stored=stored,
            upsert=upsert,
            batch_size=batch_size,
            progress=progress,
        )
    finally:
        if pending is not None:
            pending.close()


def _load(
    load: AbstractContextManager[EmptyLoad],
    directory: Path,
    *,
    report: ValidationReport | None,
    pending: workers.Forked[ValidationReport] | None,
    batch_size: int,
    progress: Progress | None,
) -> ImportSummary:
    """The whole import as one load into empty tables; with `pending`, the validation runs
    meanwhile and the load commits only when it passed. Whatever the load meets in an export
    that fails validation, the validator's report is what the caller gets."""
    written = {entity.name: 0 for entity in ENTITIES}
    left_out = _LeftOut()
    done = 0
    with load as loading:
        try:
            export = _Export.open(directory)
            for entity in IMPORT_ORDER:
                # Nothing commits unless the file has the checksum of the bytes the validator
                # parsed (nesting depth included): no need to bound the depth again here.
                reader = export.reader(entity, batch_size, jsonvalue.loads_validated)
                restorer = Restorer(entity)
                for records in reader.records():
                    docs = [_restored(restorer, record, left_out) for record in records]
                    loading.put_all(entity.table, docs)
                    written[entity.name] += len(docs)
                    done += len(docs)
                    if progress is not None:
                        progress(done)
                reader.verify()
                loading.finish(entity.table)
        except Exception:
            if pending is not None:
                _validated(pending, directory)
            raise
        if pending is not None:
            report = _validated(pending, directory)
    assert report is not None
    return ImportSummary(
        str(directory),
        written,
        {entity.name: 0 for entity in ENTITIES},
        left_out.warnings(),
        list(report.warnings),
    )


def _validated(pending: workers.Forked[ValidationReport], directory: Path) -> ValidationReport:
    """The forked validation's report, when the export passed."""
    try:
        report = pending.result()
    except workers.WorkerDied as died:
        raise ServiceUnavailable(
            messages.IMPORT_VALIDATION_DIED.format(path=directory, reason=died)
        ) from None
    if not report.valid:
        raise ExportRefused(directory, report)
    return report


def _write(
    store: Store,
    directory: Path,
    report: ValidationReport,
    *,
    stored: int,
    upsert: bool,
    batch_size: int,
    progress: Progress | None,
) -> ImportSummary:
    """Batch by batch, one store transaction each (stores without an all-or-nothing load, and
    stores that hold records): new records are created, changed ones replaced."""
    export = _Export.open(directory)
    if stored and not upsert:
        plan = _compare(store, export, report, batch_size)
        foreign = stored - sum(plan.skipped.values())
        if foreign:
            raise Conflict(messages.IMPORT_STORE_NOT_EMPTY.format(count=foreign))
    written = {entity.name: 0 for entity in ENTITIES}
    skipped = {entity.name: 0 for entity in ENTITIES}
    left_out = _LeftOut()
    done = 0
    for entity in IMPORT_ORDER:
        reader = export.reader(entity, batch_size)
        restorer, mapper = Restorer(entity), Mapper(entity)
        for records in reader.records():
            docs = [_restored(restorer, record, left_out) for record in records]
            wrote = _write_compared(store, entity, restorer, mapper, docs)
            written[entity.name] += wrote
            skipped[entity.name] += len(docs) - wrote
            done += len(docs)
            if progress is not None:
                progress(done)
        reader.verify()
    return ImportSummary(
        str(directory), written, skipped, left_out.warnings(), list(report.warnings)
    )


def _compare(
    store: Store, export: _Export, report: ValidationReport, batch_size: int
) -> DryRunReport:
    """The dry run's comparison, for an export already validated as `report`."""
    plan = DryRunReport(report)
    for entity in ENTITIES:
        tally = _Tally()
        restorer, mapper = Restorer(entity), Mapper(entity)
        for records in export.reader(entity, batch_size).records():
            docs = [restorer(record)[0] for record in records]
            stored = store.get_many(entity.table, [doc["id"] for doc in docs])
            for doc in docs:
                if _same(mapper, stored.get(doc["id"]), doc):
                    tally.skipped += 1
                else:
                    tally.written += 1
        plan.would_write[entity.name] = tally.written
        plan.skipped[entity.name] = tally.skipped
        plan.invalid[entity.name] = 0
    return plan


def _write_compared(
    store: Store, entity: Entity, restorer: Restorer, mapper: Mapper, docs: list[dict[str, Any]]
) -> int:
    """One batch into a store that may hold some of its records: new ones are created, changed
    ones replaced at the version read (a concurrent change makes the batch start over, never
    lost), identical ones skipped. Returns the number of records written."""
    for _ in range(_RETRIES):
        stored = store.get_many(entity.table, [doc["id"] for doc in docs])
        writes: list[Write] = []
        for doc in docs:
            current = stored.get(doc["id"])
            if current is None:
                writes.append(Create(entity.table, doc))
            elif not _same(mapper, current, doc):
                writes.append(Replace(entity.table, restorer.merged(current, doc), current.version))
        if not writes:
            return 0
        try:
            store.transact(writes)
        except (AlreadyExists, VersionConflict):
            continue
        return len(writes)
    raise Conflict(messages.CONCURRENT_UPDATE)


# --- shared -----------------------------------------------------------------------------------


@dataclass
class _Tally:
    written: int = 0
    skipped: int = 0
    invalid: int = 0


class _LeftOut:
    """Export fields an import leaves out, counted per entity and field (one warning each)."""

    def __init__(self) -> None:
        self.counts: dict[tuple[str, str], int] = {}

    def add(self, entity: str, fields: list[str]) -> None:
        for name in fields:
            key = (entity, name)
            self.counts[key] = self.counts.get(key, 0) + 1

    def warnings(self) -> list[str]:
        return [
            messages.IMPORT_FIELD_LEFT_OUT.format(entity=entity, field=name, count=count)
            for (entity, name), count in self.counts.items()
        ]


def _restored(restorer: Restorer, record: dict[str, Any], left_out: _LeftOut) -> dict[str, Any]:
    doc, fields = restorer(record)
    if fields:
        left_out.add(restorer.entity.name, fields)
    return doc


def _same(mapper: Mapper, stored: Item | None, doc: dict[str, Any]) -> bool:
    """Whether the stored record already exports exactly as `doc` would."""
    if stored is None:
        return False
    return jsonvalue.dumps(mapper(stored)) == jsonvalue.dumps(mapper(doc))


def _stored_records(store: Store) -> int:
    """Records in the tables an export restores (sessions and upload sessions do not count)."""
    return sum(store.count(entity.table) for entity in ENTITIES)


@dataclass
class _Export:
    """An export directory as the manifest the validator read describes it (so each entity
    file the validator could read has a plain file name inside the directory)."""

    directory: Path
    files: dict[str, str]
    checksums: dict[str, Any]
    # The reference service's exports have no audit history at all (valid, with a warning).
    without_audit_history: bool = False

    @classmethod
    def open(cls, directory: Path) -> _Export:
        try:
            manifest = jsonvalue.loads((directory / MANIFEST_FILE).read_bytes())
        except (OSError, jsonvalue.JsonError):
            manifest = None
        files = manifest.get("entity_files") if isinstance(manifest, dict) else None
        if not isinstance(manifest, dict) or not isinstance(files, dict):
            raise Invalid(messages.IMPORT_EXPORT_CHANGED.format(filename=MANIFEST_FILE))
        checksums = manifest.get("checksums")
        return cls(
            directory,
            {name: value for name, value in files.items() if isinstance(value, str)},
            checksums if isinstance(checksums, dict) else {},
            predates_audit_events(manifest),
        )

    def reader(
        self,
        entity: Entity,
        batch_size: int,
        parse: Callable[[bytes], Any] = jsonvalue.loads,
    ) -> _EntityReader:
        filename = self.files.get(entity.name)
        if filename is None:
            if entity.name == "audit_events" and self.without_audit_history:
                return _NoRecords(self, "", batch_size)
            raise Invalid(messages.IMPORT_EXPORT_CHANGED.format(filename=MANIFEST_FILE))
        return _EntityReader(self, filename, batch_size, parse)


class _EntityReader:
    """The records of one entity file, in batches, hashed as they are read so that an import
    can tell whether the file is still the one that was validated."""

    def __init__(
        self,
        export: _Export,
        filename: str,
        batch_size: int,
        parse: Callable[[bytes], Any] = jsonvalue.loads,
    ) -> None:
        self.export = export
        self.filename = filename
        self.batch_size = batch_size
        self.parse = parse
        self.digest = hashlib.sha256()

    def changed(self) -> Invalid:
        return Invalid(messages.IMPORT_EXPORT_CHANGED.format(filename=self.filename))

    def batches(self) -> Iterator[list[tuple[int, Any]]]:
        """Batches of `(index, value)`: every line's JSON value, numbered."""
        index = 0
        for values in self._values():
            yield list(enumerate(values, index))
            index += len(values)

    def records(self) -> Iterator[list[dict[str, Any]]]:
        """Batches of records, for an import: each must be an object, as validated."""
        for values in self._values():
            for value in values:
                if value.__class__ is not dict:
                    raise self.changed()
            yield values

    def _values(self) -> Iterator[list[Any]]:
        batch: list[Any] = []
        parse, json_error, size = self.parse, jsonvalue.JsonError, self.batch_size
        try:
            with open(self.export.directory / self.filename, "rb") as source:
                for line in read_lines(source, self.digest):
                    if line is LINE_TOO_LONG:
                        raise self.changed()
                    assert isinstance(line, bytes)
                    if not line.strip():
                        continue
                    try:
                        batch.append(parse(line))
                    except json_error:
                        raise self.changed() from None
                    if len(batch) == size:
                        yield batch
                        batch = []
        except OSError:
            raise self.changed() from None
        if batch:
            yield batch

    def verify(self) -> None:
        """After a full read: the file still has the checksum the validator accepted."""
        expected = self.export.checksums.get(self.filename)
        if expected != "sha256:" + self.digest.hexdigest():
            raise self.changed()


class _NoRecords(_EntityReader):
    """An entity the export has no file for, because it predates it: no records."""

    def _values(self) -> Iterator[list[Any]]:
        return iter(())

    def verify(self) -> None:
        return None


def declared_records(directory: str | Path) -> int | None:
    """The number of records the export's manifest declares (a progress bar's total before the
    validation confirmed it), or None when the manifest does not say."""
    try:
        manifest = jsonvalue.loads((Path(directory) / MANIFEST_FILE).read_bytes())
    except (OSError, jsonvalue.JsonError):
        return None
    counts = manifest.get("entity_counts") if isinstance(manifest, dict) else None
    if not isinstance(counts, dict):
        return None
    numbers = [count for count in counts.values() if type(count) is int and count >= 0]
    return sum(numbers) if len(numbers) == len(counts) else None


def exported_records(directory: str | Path, entity: Entity) -> Iterator[tuple[int, dict[str, Any]]]:
    """The records of one entity of a validated export, with their index, streamed."""
    reader = _Export.open(Path(directory)).reader(entity, DEFAULT_BATCH_SIZE)
    for batch in reader.batches():
        for index, record in batch:
            if isinstance(record, dict):
                yield index, record
