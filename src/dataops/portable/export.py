"""Writing portable exports (docs/export-format.md): every entity streamed from the store into its
JSONL file, then `manifest.json`, all in a temporary directory next to the target that is
renamed into place only when complete, so a crash never leaves something that looks complete.

Records arrive from the store in id order (code-point order) and are written one line each with
one encoder, so two exports of the same data have byte-identical entity files and checksums.
Memory stays flat: records are mapped and written in small chunks, never held all at once.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dataops.engine.context import Engine
from dataops.model import jsonvalue, messages
from dataops.model.errors import Conflict, Invalid
from dataops.model.values import parse_timestamp
from dataops.portable import workers
from dataops.portable.mapping import (
    ENTITIES,
    ENTITY_BY_NAME,
    EXPORT_FORMAT_VERSION,
    MANIFEST_FILE,
    OMITTED_ENTITIES,
    REDACTIONS,
    SCHEMA_VERSION,
    Entity,
    Mapper,
)
from dataops.store.base import Store

# Lines are written and hashed in chunks: one write and one hash update per chunk, not per line.
_CHUNK_LINES = 1024
_PARTIAL_SUFFIX = ".partial"
DEFAULT_EXPORTS_DIR = "exports"

Progress = Callable[[int], None]
"""Called with the number of records written so far (all entities), once per chunk."""


@dataclass(frozen=True)
class ExportOptions:
    """Manifest values that override the engine's settings and clock (docs/export-format.md)."""

    generated_at: str | None = None
    source_environment: str | None = None
    source_stack: str | None = None
    source_region: str | None = None
    app_git_sha: str | None = None


@dataclass(frozen=True)
class ExportSummary:
    output_dir: str
    generated_at: str
    entity_counts: dict[str, int]
    checksums: dict[str, str] = field(default_factory=dict)
    schema_version: str = SCHEMA_VERSION

    @property
    def total_records(self) -> int:
        return sum(self.entity_counts.values())

    def as_json(self) -> dict[str, Any]:
        """The body of `POST /api/cron/export` (docs/api.md#scheduled-work-and-exports)."""
        return {
            "output_dir": self.output_dir,
            "schema_version": self.schema_version,
            "entity_counts": self.entity_counts,
            "generated_at": self.generated_at,
        }


def is_s3_target(target: str | Path) -> bool:
    return str(target).startswith("s3://")


def directory_name(generated_at: str) -> str:
    """`dataops-20261128T090000.123Z` for an export generated at 2026-11-28T09:00:00.123Z."""
    moment = parse_timestamp(generated_at)
    if moment is None:
        return "dataops-export"
    return f"dataops-{moment:%Y%m%dT%H%M%S}.{moment.microsecond // 1000:03d}Z"


def total_records(engine: Engine) -> int:
    """How many records an export of the store would write now (for progress displays)."""
    return sum(engine.store.count(entity.table) for entity in ENTITIES)


def write_export(
    engine: Engine,
    target: str | Path,
    options: ExportOptions | None = None,
    progress: Progress | None = None,
    *,
    jobs: int = 1,
    open_store: Callable[[], Store] | None = None,
) -> ExportSummary:
    """Write an export of the whole store into `target`, which must not exist or be empty.

    With `jobs > 1` and `open_store` (a new connection to the same store, for each worker
    process), entity files are written by that many processes; the files are the same.
    """
    options = options or ExportOptions()
    if is_s3_target(target):
        raise Invalid(messages.EXPORT_S3_UNSUPPORTED)
    target = Path(target)
    if _is_occupied(target):
        raise Conflict(messages.EXPORT_TARGET_EXISTS.format(path=target))
    generated_at = options.generated_at or engine.now()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = Path(
            tempfile.mkdtemp(prefix=f".{target.name}.", suffix=_PARTIAL_SUFFIX, dir=target.parent)
        )
    except OSError as exc:
        raise _write_failed(target, exc) from None
    try:
        counts, checksums = _write_entities(engine.store, partial, progress, jobs, open_store)
        manifest = _manifest(engine, options, generated_at, counts, checksums)
        _write_file(partial / MANIFEST_FILE, jsonvalue.dumps_indented(manifest))
        _fsync_directory(partial)
        if _is_occupied(target):
            raise Conflict(messages.EXPORT_TARGET_EXISTS.format(path=target))
        os.replace(partial, target)
        _fsync_directory(target.parent)
    except OSError as exc:
        shutil.rmtree(partial, ignore_errors=True)
        raise _write_failed(target, exc) from None
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return ExportSummary(os.path.abspath(target), generated_at, counts, checksums)


def export_to_configured_dir(engine: Engine, options: ExportOptions | None = None) -> ExportSummary:
    """`POST /api/cron/export`: a new timestamped subdirectory of `EXPORT_OUTPUT_DIR`."""
    base = engine.settings.export_output_dir
    if not base:
        raise Invalid(messages.EXPORT_OUTPUT_DIR_NOT_CONFIGURED)
    options = options or ExportOptions()
    generated_at = options.generated_at or engine.now()
    options = ExportOptions(
        generated_at,
        options.source_environment,
        options.source_stack,
        options.source_region,
        options.app_git_sha,
    )
    name = directory_name(generated_at)
    if is_s3_target(base):
        return _export_to_bucket(engine, base, name, options)
    target = Path(base) / name
    suffix = 1
    while _is_occupied(target):  # another process exported in the same millisecond
        suffix += 1
        target = Path(base) / f"{name}-{suffix}"
    return write_export(engine, target, options)


def _export_to_bucket(
    engine: Engine, base: str, name: str, options: ExportOptions
) -> ExportSummary:
    """`EXPORT_OUTPUT_DIR=s3://<bucket>[/<prefix>]` (the scheduled export on AWS): the export is
    written whole into a temporary directory, then uploaded under `<prefix>/<name>/`, each file
    checked against its SHA-256 by S3, the entity files first and `manifest.json` last: an export
    without its manifest is one that did not finish."""
    from dataops.blobs.s3 import S3BlobStore

    bucket, _, prefix = base.removeprefix("s3://").partition("/")
    if not bucket:
        raise Invalid(messages.EXPORT_S3_TARGET_INVALID)
    blobs = S3BlobStore(bucket, prefix, region=engine.settings.region)
    try:
        folder = name
        suffix = 1
        while blobs.head(f"{folder}/{MANIFEST_FILE}") is not None:  # exported this millisecond
            suffix += 1
            folder = f"{name}-{suffix}"
        with tempfile.TemporaryDirectory(prefix="dataops-export-") as scratch:
            written = write_export(engine, Path(scratch) / folder, options)
            for entity in ENTITIES:
                with open(Path(written.output_dir) / entity.filename, "rb") as stream:
                    blobs.put(
                        f"{folder}/{entity.filename}",
                        stream,
                        content_type="application/x-ndjson",
                        sha256=written.checksums[entity.filename].removeprefix("sha256:"),
                    )
            with open(Path(written.output_dir) / MANIFEST_FILE, "rb") as stream:
                blobs.put(f"{folder}/{MANIFEST_FILE}", stream, content_type="application/json")
    finally:
        blobs.close()
    return ExportSummary(
        f"s3://{bucket}/{blobs.object_key(folder)}",
        written.generated_at,
        written.entity_counts,
        written.checksums,
    )


def default_target(generated_at: str) -> Path:
    """`exports/dataops-<timestamp>` (docs/export-format.md), relative to the working directory."""
    return Path(DEFAULT_EXPORTS_DIR) / directory_name(generated_at)


def _is_occupied(target: Path) -> bool:
    """A target that exists and is not an empty directory is never overwritten."""
    if not target.exists():
        return False
    if not target.is_dir():
        return True
    with os.scandir(target) as entries:
        return any(True for _ in entries)


def _write_failed(target: Path, exc: OSError) -> Invalid:
    # Creating the parent fails with "File exists" when a file sits where a directory must be.
    reason = "Not a directory" if isinstance(exc, FileExistsError) else exc.strerror or str(exc)
    return Invalid(messages.EXPORT_WRITE_FAILED.format(path=target, reason=reason))


@dataclass
class _Writing:
    """What the entity writers need; worker processes inherit it through the fork."""

    store: Store
    directory: Path
    open_store: Callable[[], Store] | None
    written: Any  # records written so far, per entity (shared with workers)
    progress: Progress | None


_WRITING: _Writing | None = None


def _write_entities(
    store: Store,
    directory: Path,
    progress: Progress | None,
    jobs: int,
    open_store: Callable[[], Store] | None,
) -> tuple[dict[str, int], dict[str, str]]:
    global _WRITING  # noqa: PLW0603 - what forked workers inherit
    if open_store is None or not workers.can_fork():
        jobs = 1
    names = [entity.name for entity in ENTITIES]
    if jobs > 1:  # the largest first, so the work spreads evenly
        names.sort(key=lambda name: store.count(ENTITY_BY_NAME[name].table), reverse=True)
    written = workers.shared_counters(len(ENTITIES), jobs)
    _WRITING = _Writing(store, directory, open_store if jobs > 1 else None, written, progress)
    poll = None if progress is None else lambda: progress(sum(written))
    try:
        results = dict(zip(names, workers.run_all(_write_job, names, jobs, poll), strict=True))
    finally:
        _WRITING = None
    counts = {entity.name: results[entity.name][0] for entity in ENTITIES}
    checksums = {entity.filename: results[entity.name][1] for entity in ENTITIES}
    return counts, checksums


def _write_job(name: str) -> tuple[int, str]:
    """One entity file: (records, checksum). In a worker process, through its own store."""
    writing = _WRITING
    assert writing is not None
    entity = ENTITY_BY_NAME[name]
    slot = ENTITIES.index(entity)

    def on_chunk(count: int) -> None:
        writing.written[slot] = count
        if writing.open_store is None and writing.progress is not None:
            writing.progress(sum(writing.written))

    if writing.open_store is None:
        return _write_entity(writing.store, entity, writing.directory, on_chunk)
    store = writing.open_store()
    try:
        return _write_entity(store, entity, writing.directory, on_chunk)
    finally:
        store.close()


def _write_entity(
    store: Store, entity: Entity, directory: Path, on_chunk: Callable[[int], None]
) -> tuple[int, str]:
    mapper = Mapper(entity)
    dumps = jsonvalue.dumps
    digest = hashlib.sha256()
    count = 0
    with open(directory / entity.filename, "wb") as out:
        lines: list[bytes] = []
        for record in store.scan(entity.table):
            lines.append(dumps(mapper(record)))
            if len(lines) == _CHUNK_LINES:
                _flush(out, digest, lines)
                count += len(lines)
                lines = []
                on_chunk(count)
        if lines:
            _flush(out, digest, lines)
            count += len(lines)
        out.flush()
        os.fsync(out.fileno())
    on_chunk(count)
    return count, "sha256:" + digest.hexdigest()


def _flush(out: Any, digest: Any, lines: list[bytes]) -> None:
    chunk = b"\n".join(lines) + b"\n"
    out.write(chunk)
    digest.update(chunk)


def _manifest(
    engine: Engine,
    options: ExportOptions,
    generated_at: str,
    counts: dict[str, int],
    checksums: dict[str, str],
) -> dict[str, Any]:
    """Key order as docs/export-format.md lists it; the manifest is written indented by 2 spaces."""
    settings = engine.settings
    return {
        "schema_version": SCHEMA_VERSION,
        "generated_at": generated_at,
        "source_environment": options.source_environment or settings.env.value or "unknown",
        "source_stack": options.source_stack or settings.stack_name or "unknown",
        "source_region": options.source_region or settings.region or "unknown",
        "app_git_sha": options.app_git_sha or settings.git_sha or "unknown",
        "export_format_version": EXPORT_FORMAT_VERSION,
        "entity_files": {entity.name: entity.filename for entity in ENTITIES},
        "entity_counts": counts,
        "checksums": checksums,
        "redactions": list(REDACTIONS),
        "omitted_entities": list(OMITTED_ENTITIES),
    }


def _write_file(path: Path, content: bytes) -> None:
    with open(path, "wb") as out:
        out.write(content)
        out.flush()
        os.fsync(out.fileno())


def _fsync_directory(directory: Path) -> None:
    """Make a rename or a new file durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
