"""How the data-safety commands talk to people: a progress bar with records and rate on a
terminal, one-line summaries otherwise, and readable validation and dry-run reports."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

from dataops.engine.context import Engine
from dataops.engine.fixity import Finding, FixityReport, verify_blobs
from dataops.model import messages
from dataops.portable.export import ExportOptions, ExportSummary, total_records, write_export
from dataops.portable.mapping import ENTITIES
from dataops.portable.restore import (
    DEFAULT_BATCH_SIZE,
    DryRunReport,
    ImportSummary,
    declared_records,
    import_export,
)
from dataops.portable.validate import ValidationReport
from dataops.store.base import Store

_REDRAW_SECONDS = 0.1


class RecordRateColumn(ProgressColumn):
    """Records (or another unit) per second, as the bar advances."""

    def __init__(self, unit: str = "records") -> None:
        super().__init__()
        self.unit = unit

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        rate = "" if speed is None else f"{speed:,.0f} {self.unit}/s"
        return Text(rate, style="progress.data.speed")


@contextmanager
def record_progress(
    console: Console, verb: str, total: int | None, unit: str = "records"
) -> Iterator[Callable[[int], None]]:
    """A bar with records and rate; yields `advance(done)`. Redrawn from that callback, never
    from a thread of its own: worker processes are forked, and a fork must not happen while
    another thread holds the console's locks."""
    with Progress(
        TextColumn(verb),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(unit),
        RecordRateColumn(unit),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        auto_refresh=False,
    ) as progress:
        bar = progress.add_task(verb, total=total)
        last_drawn = 0.0

        def advance(done: int) -> None:
            nonlocal last_drawn
            now = time.perf_counter()
            progress.update(bar, completed=done, refresh=now - last_drawn >= _REDRAW_SECONDS)
            if now - last_drawn >= _REDRAW_SECONDS:
                last_drawn = now

        yield advance


def run_export(
    engine: Engine,
    target: str | Path,
    options: ExportOptions | None = None,
    console: Console | None = None,
    *,
    jobs: int = 1,
    open_store: Callable[[], Store] | None = None,
) -> tuple[ExportSummary, float]:
    """Write an export, showing progress when stderr is a terminal; (summary, seconds)."""
    console = console or Console(stderr=True)
    started = time.perf_counter()
    if not console.is_terminal:
        summary = write_export(engine, target, options, jobs=jobs, open_store=open_store)
        return summary, time.perf_counter() - started
    with record_progress(console, "Exporting", total_records(engine) or None) as advance:
        summary = write_export(
            engine, target, options, progress=advance, jobs=jobs, open_store=open_store
        )
    return summary, time.perf_counter() - started


def export_summary_line(summary: ExportSummary, seconds: float) -> str:
    """`Exported 12 records (users 1, tasks 8, ...) to <dir> in 0.1 s (120 records/s)`."""
    counts = ", ".join(f"{name} {count}" for name, count in summary.entity_counts.items())
    rate = summary.total_records / seconds if seconds > 0 else 0.0
    return (
        f"Exported {summary.total_records} records ({counts}) to {summary.output_dir} "
        f"in {seconds:.1f} s ({rate:,.0f} records/s)"
    )


def report_text(report: ValidationReport, directory: str | Path) -> str:
    """The validation report for people; `--json` gives the exact machine-readable one."""
    errors, warnings = len(report.errors), len(report.warnings)
    verdict = "valid" if report.valid else "INVALID"
    lines = [
        f"Export {directory}: {verdict} "
        f"({_plural(errors, 'error')}, {_plural(warnings, 'warning')})"
    ]
    if report.entity_counts:
        counts = ", ".join(
            f"{entity.name} {report.entity_counts[entity.name]}"
            for entity in ENTITIES
            if entity.name in report.entity_counts
        )
        lines.append(f"Records: {counts}")
    if report.errors:
        lines.append("Errors:")
        lines += [f"  - {error}" for error in report.errors]
    if report.warnings:
        lines.append("Warnings:")
        lines += [f"  - {warning}" for warning in report.warnings]
    return "\n".join(lines)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def run_import(
    store: Store,
    directory: str | Path,
    console: Console | None = None,
    *,
    upsert: bool = False,
    jobs: int = 1,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> tuple[ImportSummary, float]:
    """Validate and import (into an empty store, the validation runs in a forked process while
    the import writes), showing progress when stderr is a terminal; (summary, seconds). Raises
    ExportRefused (with the validation report) for an invalid export."""
    console = console or Console(stderr=True)
    started = time.perf_counter()
    if not console.is_terminal:
        summary = import_export(
            store, directory, upsert=upsert, jobs=jobs, batch_size=batch_size, fork_validation=True
        )
        return summary, time.perf_counter() - started
    # A line, not a spinner: validation forks a process, and a fork must not happen while a
    # redrawing thread holds the console's locks (the bar below is redrawn from callbacks).
    console.print(f"Validating and importing {directory} ...", highlight=False)
    with record_progress(console, "Importing", declared_records(directory)) as advance:
        summary = import_export(
            store,
            directory,
            upsert=upsert,
            jobs=jobs,
            batch_size=batch_size,
            fork_validation=True,
            progress=advance,
        )
    return summary, time.perf_counter() - started


def import_summary_lines(summary: ImportSummary, seconds: float) -> list[str]:
    """`Imported 12 records (users 1, tasks 8, ...) from <dir> in 0.1 s (120 records/s); 0
    already stored`, the import's warnings, and a reminder that users have no password."""
    counts = ", ".join(
        f"{entity.name} {summary.written[entity.name]}"
        for entity in ENTITIES
        if entity.name in summary.written
    )
    rate = summary.total_records / seconds if seconds > 0 else 0.0
    lines = [
        f"Imported {summary.total_written} records ({counts}) from {summary.directory} "
        f"in {seconds:.1f} s ({rate:,.0f} records/s); {summary.total_skipped} already stored"
    ]
    lines += [f"Warning: {warning}" for warning in summary.warnings]
    if summary.written.get("users"):
        lines.append(
            "Imported users have no password (exports never hold password hashes): "
            "set one with `dataops users set-password USER_ID`."
        )
    return lines


def dry_run_text(report: DryRunReport, directory: str | Path) -> str:
    """The dry-run report for people; `--json` gives the exact machine-readable one."""
    errors, warnings = len(report.errors), len(report.warnings)
    verdict = "valid" if report.valid else "INVALID"
    lines = [
        f"Import dry run of {directory}: {verdict} "
        f"({_plural(errors, 'error')}, {_plural(warnings, 'warning')}); nothing was written"
    ]
    if report.entity_counts:
        lines.append(
            f"{'entity':<18} {'records':>9} {'would write':>12} {'skipped':>9} {'invalid':>9}"
        )
        for entity in ENTITIES:
            if entity.name not in report.entity_counts:
                continue
            lines.append(
                f"{entity.name:<18} {report.entity_counts[entity.name]:>9} "
                f"{report.would_write.get(entity.name, 0):>12} "
                f"{report.skipped.get(entity.name, 0):>9} {report.invalid.get(entity.name, 0):>9}"
            )
        lines.append(
            f"{'total':<18} {report.total_records:>9} {sum(report.would_write.values()):>12} "
            f"{sum(report.skipped.values()):>9} {sum(report.invalid.values()):>9}"
        )
    if report.errors:
        lines.append("Errors:")
        lines += [f"  - {error}" for error in report.errors]
    if report.warnings:
        lines.append("Warnings:")
        lines += [f"  - {warning}" for warning in report.warnings]
    return "\n".join(lines)


def run_fixity(
    engine: Engine, console: Console | None = None, *, deep: bool = False
) -> FixityReport:
    """`dataops verify-blobs`: the check, with a bar of binaries on a terminal."""
    console = console or Console(stderr=True)
    if not console.is_terminal:
        return verify_blobs(engine, deep=deep)
    with record_progress(console, "Verifying", None, unit="binaries") as advance:

        def progress(done: int, total: int) -> None:
            advance(done)

        return verify_blobs(engine, deep=deep, progress=progress)


def fixity_text(report: FixityReport) -> str:
    """The fixity report for people; `--json` gives the machine-readable one."""
    total = report.checked + report.count(Finding.MISSING)
    lines = [
        messages.FIXITY_SUMMARY.format(
            checked=report.checked,
            total=total,
            size=f"{report.bytes_checked:,} bytes",
            deep=" (deep: every byte re-read)" if report.deep else "",
            missing=report.count(Finding.MISSING),
            changed=report.count(Finding.CHANGED),
            orphaned=report.count(Finding.ORPHANED),
        )
    ]
    if report.size_only and not report.deep:
        lines.append(messages.FIXITY_SIZE_ONLY.format(count=report.size_only))
    for problem in report.problems:
        records = f" ({', '.join(problem.records)})" if problem.records else ""
        lines.append(
            messages.FIXITY_PROBLEM.format(
                finding=problem.finding.value.upper(),
                uri=problem.uri,
                records=records,
                detail=problem.detail,
            )
        )
    if report.receipts:
        lines.append(messages.FIXITY_RECEIPTS)
        lines += [
            messages.FIXITY_RECEIPT.format(
                task=receipt.task_id, record=receipt.record, finding=receipt.finding.value
            )
            for receipt in report.receipts
        ]
    if report.holds:
        lines.append(messages.FIXITY_ALL_HOLD)
    return "\n".join(lines)
