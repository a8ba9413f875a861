"""The restore drill (`dataops restore-drill`): the backup loop rehearsed end to end without
touching the source store. Export it, validate the export, import it into a scratch SQLite
store, export that store and compare every entity file's checksum, then use the restored store
through the engine's use cases (today's tasks, a bundle and its tasks, a template instantiated,
due notifications, a task's files, artifacts and proof). One line per step; any failure fails
the drill.

The smoke checks compare what the restored store answers with what the export holds, never
with the source store, so a drill against a live store is not confused by work going on there.
The checksums are compared before any check writes to the scratch store (instantiating a
template and listing notifications do).
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from dataops.config import StoreLocation
from dataops.engine import artifacts, bundles, files, notifications, tasks
from dataops.engine.context import Engine
from dataops.engine.paging import PageRequest
from dataops.model import messages
from dataops.model.errors import DataOpsError
from dataops.model.tasks import TaskStatus
from dataops.portable.export import ExportSummary, write_export
from dataops.portable.mapping import (
    ARTIFACTS,
    BUNDLES,
    ENTITIES,
    FILES,
    NOTIFICATIONS,
    TASKS,
    TEMPLATES,
)
from dataops.portable.restore import exported_records, import_export
from dataops.portable.validate import ValidationReport, validate_export
from dataops.store.base import Store
from dataops.store.sqlite import SQLiteStore

PASS, FAIL, SKIP = "PASS", "FAIL", "SKIP"
EXPORT_DIR, SCRATCH_STORE, RESTORED_DIR = "export", "scratch.db", "restored"
# Ids quoted in a failure: enough to start looking, not a dump.
_SHOWN_IDS = 5
_NO_LONGER_HOLDS = re.compile(r"^tasks\[(\d+)\] was completed with proof that no longer holds$")


@dataclass(frozen=True)
class Step:
    name: str
    outcome: str
    detail: str

    def line(self) -> str:
        return f"{self.outcome}  {self.name:<16} {self.detail}"


@dataclass
class DrillResult:
    workdir: Path
    steps: list[Step] = field(default_factory=list)

    @property
    def failed(self) -> list[Step]:
        return [step for step in self.steps if step.outcome == FAIL]

    @property
    def passed(self) -> bool:
        return bool(self.steps) and not self.failed

    def summary_line(self) -> str:
        checks = [step for step in self.steps if step.outcome != SKIP]
        if self.passed:
            return f"Restore drill passed: {len(checks)} checks"
        return messages.DRILL_FAILED.format(failed=len(self.failed), count=len(checks))


def run_drill(
    source: Engine,
    workdir: Path,
    *,
    jobs: int = 1,
    open_source: Callable[[], Store] | None = None,
    on_step: Callable[[Step], None] | None = None,
) -> DrillResult:
    """Rehearse a restore of `source` in `workdir` (which must be absent or empty): it ends up
    holding the export, the scratch store and the scratch store's export. `open_source` opens
    the source store again for export worker processes."""
    drill = _Drill(source, workdir, jobs, open_source, on_step)
    try:
        drill.run()
    finally:
        drill.close()
    return drill.result


class _Drill:
    def __init__(
        self,
        source: Engine,
        workdir: Path,
        jobs: int,
        open_source: Callable[[], Store] | None,
        on_step: Callable[[Step], None] | None,
    ) -> None:
        self.source = source
        self.workdir = workdir
        self.jobs = jobs
        self.open_source = open_source
        self.on_step = on_step
        self.result = DrillResult(workdir)
        self.scratch: Engine | None = None

    def step(self, name: str, outcome: str, detail: str) -> None:
        step = Step(name, outcome, detail)
        self.result.steps.append(step)
        if self.on_step is not None:
            self.on_step(step)

    def close(self) -> None:
        if self.scratch is not None:
            self.scratch.store.close()

    # --- the loop -------------------------------------------------------------------------

    def run(self) -> None:
        exported = self.export()
        if exported is None:
            return
        report = self.validate()
        if report is None:
            return
        scratch = self.restore(report)
        if scratch is None:
            return
        self.compare(scratch, exported)
        facts = _Facts.gather(self.workdir / EXPORT_DIR, report, scratch.today())
        self.check("today's tasks", lambda: self.today_tasks(scratch, facts))
        self.check("bundle", lambda: self.bundle(scratch, facts))
        self.check("template", lambda: self.template(scratch, facts))
        self.check("notifications", lambda: self.notifications(scratch, facts))
        self.check("files/artifacts", lambda: self.evidence(scratch, facts))
        self.check("proof", lambda: self.proof(scratch, facts))

    def export(self) -> ExportSummary | None:
        started = time.perf_counter()
        try:
            summary = write_export(
                self.source,
                self.workdir / EXPORT_DIR,
                jobs=self.jobs,
                open_store=self.open_source,
            )
        except DataOpsError as exc:
            self.step("export", FAIL, exc.message)
            return None
        self.step(
            "export",
            PASS,
            f"{summary.total_records} records to {summary.output_dir} "
            f"in {time.perf_counter() - started:.1f} s",
        )
        return summary

    def validate(self) -> ValidationReport | None:
        report = validate_export(self.workdir / EXPORT_DIR, jobs=self.jobs)
        if not report.valid:
            detail = messages.DRILL_EXPORT_INVALID.format(
                count=len(report.errors), first=report.errors[0]
            )
            self.step("validate", FAIL, detail)
            return None
        self.step("validate", PASS, f"valid, {_count(len(report.warnings), 'warning')}")
        return report

    def restore(self, report: ValidationReport) -> Engine | None:
        path = self.workdir / SCRATCH_STORE
        store = SQLiteStore(str(path))
        settings = dataclasses.replace(
            self.source.settings, store=StoreLocation("sqlite", str(path))
        )
        # The source's clock: a drill sees the same "today" as the store it rehearses.
        self.scratch = Engine(settings=settings, store=store, clock=self.source.clock)
        started = time.perf_counter()
        try:
            summary = import_export(
                store, self.workdir / EXPORT_DIR, jobs=self.jobs, validated=report
            )
        except DataOpsError as exc:
            self.step("import", FAIL, exc.message)
            return None
        self.step(
            "import",
            PASS,
            f"{summary.total_written} records into the scratch store {path} "
            f"in {time.perf_counter() - started:.1f} s",
        )
        return self.scratch

    def compare(self, scratch: Engine, exported: ExportSummary) -> None:
        try:
            restored = write_export(scratch, self.workdir / RESTORED_DIR)
        except DataOpsError as exc:
            self.step("checksums", FAIL, exc.message)
            return
        mismatched = 0
        for entity in ENTITIES:
            expected = exported.checksums[entity.filename]
            actual = restored.checksums[entity.filename]
            if expected != actual:
                mismatched += 1
                detail = messages.DRILL_CHECKSUM_MISMATCH.format(
                    filename=entity.filename, expected=expected, actual=actual
                )
                self.step("checksums", FAIL, detail)
        if not mismatched:
            self.step(
                "checksums",
                PASS,
                f"{len(ENTITIES)} entity files restored and exported again, "
                "every checksum identical",
            )

    # --- smoke checks through the engine's use cases ----------------------------------------

    def check(self, name: str, run: Callable[[], tuple[str, str]]) -> None:
        """One smoke check; an error it raises fails it (a drill reports, it does not crash)."""
        try:
            outcome, detail = run()
        except DataOpsError as exc:
            outcome, detail = FAIL, exc.message
        except Exception as exc:  # any failure of the restored store is a finding
            outcome = FAIL
            detail = messages.DRILL_UNEXPECTED_ERROR.format(
                kind=type(exc).__name__, detail=str(exc)
            )
        self.step(name, outcome, detail)

    def today_tasks(self, scratch: Engine, facts: _Facts) -> tuple[str, str]:
        listed = tasks.list_tasks(scratch, {"date": facts.today}, PageRequest()).items
        return _same_ids(
            "today's tasks",
            [task["id"] for task in listed],
            facts.today_tasks,
            f"{_count(len(listed), 'task')} on {facts.today}, as exported",
        )

    def bundle(self, scratch: Engine, facts: _Facts) -> tuple[str, str]:
        if facts.bundle_id is None:
            return SKIP, "no bundles exported"
        bundle = bundles.get_bundle(scratch, facts.bundle_id)
        listed = bundles.bundle_tasks(scratch, facts.bundle_id, PageRequest()).items
        return _same_ids(
            f"tasks of bundle {facts.bundle_id}",
            [task["id"] for task in listed],
            facts.bundle_tasks,
            f"{bundle.get('title', facts.bundle_id)!r} opens with its "
            f"{_count(len(listed), 'task')}",
        )

    def template(self, scratch: Engine, facts: _Facts) -> tuple[str, str]:
        if facts.template_id is None:
            return SKIP, "no templates exported"
        bundle, created = bundles.create_bundle(
            scratch,
            {
                "title": f"Restore drill: {facts.template_name}",
                "anchorDate": facts.today,
                "templateId": facts.template_id,
            },
        )
        created = created or []
        if len(created) != facts.template_definitions:
            detail = messages.DRILL_TEMPLATE_TASKS.format(
                template=facts.template_id,
                actual=len(created),
                expected=facts.template_definitions,
            )
            return FAIL, detail
        listed = bundles.bundle_tasks(scratch, bundle["id"], PageRequest()).items
        return _same_ids(
            f"tasks of the new bundle {bundle['id']}",
            [task["id"] for task in listed],
            {task["id"] for task in created},
            f"{facts.template_name!r} instantiated: a bundle with "
            f"{_count(len(created), 'task')} (scratch store only)",
        )

    def notifications(self, scratch: Engine, facts: _Facts) -> tuple[str, str]:
        listed = notifications.list_notifications(scratch, None, False, PageRequest()).items
        ids = [item["id"] for item in listed]
        # Listing raises follow-ups that have come due since the export: more is expected.
        missing = facts.open_notifications.difference(ids)
        if missing:
            return FAIL, _differ("open notifications", ids, facts.open_notifications)
        raised = len(ids) - len(facts.open_notifications)
        extra = f" ({raised} follow-ups raised since the export)" if raised else ""
        return PASS, f"{_count(len(ids), 'open notification')} listed{extra}"

    def evidence(self, scratch: Engine, facts: _Facts) -> tuple[str, str]:
        if facts.evidence_task is None:
            return SKIP, "no tasks exported"
        task_id = facts.evidence_task
        found_files = files.list_files(scratch, {"taskId": task_id}, PageRequest()).items
        outcome, detail = _same_ids(
            f"files of task {task_id}",
            [item["id"] for item in found_files],
            facts.task_files,
            "",
        )
        if outcome == FAIL:
            return outcome, detail
        found = artifacts.list_artifacts(scratch, {"taskId": task_id}, PageRequest()).items
        outcome, detail = _same_ids(
            f"artifacts of task {task_id}",
            [item["id"] for item in found],
            facts.task_artifacts,
            f"task {task_id}: {_count(len(found_files), 'file')}, "
            f"{_count(len(found), 'artifact')}, as exported",
        )
        return outcome, detail

    def proof(self, scratch: Engine, facts: _Facts) -> tuple[str, str]:
        if facts.proof_task is None:
            return SKIP, "no tasks exported"
        requirements = tasks.task_proof(scratch, facts.proof_task)
        complete = all(requirement.satisfied for requirement in requirements)
        if facts.proof_expected and not complete:
            reason = next(req.reason for req in requirements if not req.satisfied)
            return FAIL, messages.DRILL_PROOF_INCOMPLETE.format(
                task=facts.proof_task, reason=reason
            )
        state = "complete" if complete else "incomplete"
        done = " (done, as exported)" if facts.proof_expected else ""
        return PASS, (
            f"task {facts.proof_task}: proof {state}{done}, "
            f"{_count(len(requirements), 'requirement')}"
        )


@dataclass
class _Facts:
    """What the smoke checks expect, read from the export: the records they look at and what
    the restored store must answer about them."""

    today: str
    today_tasks: set[str] = field(default_factory=set)
    bundle_id: str | None = None
    bundle_tasks: set[str] = field(default_factory=set)
    template_id: str | None = None
    template_name: str = ""
    template_definitions: int = 0
    open_notifications: set[str] = field(default_factory=set)
    evidence_task: str | None = None
    task_files: set[str] = field(default_factory=set)
    task_artifacts: set[str] = field(default_factory=set)
    proof_task: str | None = None
    proof_expected: bool = False

    @classmethod
    def gather(cls, directory: Path, report: ValidationReport, today: str) -> _Facts:
        facts = cls(today)
        warned = {
            int(match.group(1))
            for match in map(_NO_LONGER_HOLDS.match, report.warnings)
            if match is not None
        }
        first_task: str | None = None
        for index, task in exported_records(directory, TASKS):
            task_id = task["task_id"]
            first_task = first_task or task_id
            if task.get("date") == today:
                facts.today_tasks.add(task_id)
            bundle_id = task.get("bundle_id")
            if facts.bundle_id is None and isinstance(bundle_id, str):
                facts.bundle_id = bundle_id
            if bundle_id is not None and bundle_id == facts.bundle_id:
                facts.bundle_tasks.add(task_id)
            if facts.proof_task is None and _proof_expected(task) and index not in warned:
                facts.proof_task, facts.proof_expected = task_id, True
        if facts.proof_task is None:
            facts.proof_task = first_task
        if facts.bundle_id is None:
            facts.bundle_id = next(
                (bundle["bundle_id"] for _, bundle in exported_records(directory, BUNDLES)), None
            )
        for _, template in exported_records(directory, TEMPLATES):
            definitions = template.get("task_definitions")
            count = len(definitions) if isinstance(definitions, list) else 0
            if facts.template_id is None or (facts.template_definitions == 0 and count):
                facts.template_id = template["template_id"]
                facts.template_name = str(template.get("name") or template["template_id"])
                facts.template_definitions = count
        for _, record in exported_records(directory, FILES):
            task_id = record.get("task_id")
            if facts.evidence_task is None and isinstance(task_id, str):
                facts.evidence_task = task_id
            if task_id is not None and task_id == facts.evidence_task:
                facts.task_files.add(record["file_id"])
        for _, record in exported_records(directory, ARTIFACTS):
            task_id = record.get("task_id")
            if facts.evidence_task is None and isinstance(task_id, str):
                facts.evidence_task = task_id
            if task_id is not None and task_id == facts.evidence_task:
                facts.task_artifacts.add(record["artifact_id"])
        if facts.evidence_task is None:
            facts.evidence_task = first_task
        for _, record in exported_records(directory, NOTIFICATIONS):
            if record.get("dismissed") is not True:
                facts.open_notifications.add(record["notification_id"])
        return facts


def _proof_expected(task: dict[str, object]) -> bool:
    """A done task that needs proof: the restored store must find it complete (the validator
    accepted the export, and did not warn that this task's proof no longer holds)."""
    if task.get("status") != TaskStatus.DONE:
        return False
    receipt = task.get("completion_proof")
    if isinstance(receipt, dict) and isinstance(receipt.get("waiver"), dict):
        return False  # completed without (all) its proof, by a waiver
    proof = task.get("proof_requirement")
    needs_proof = isinstance(proof, dict) and proof.get("required") is not False
    return needs_proof or task.get("requires_file") is True or bool(task.get("required_link_name"))


def _same_ids(what: str, listed: list[str], exported: set[str], passed: str) -> tuple[str, str]:
    if set(listed) == exported and len(listed) == len(exported):
        return PASS, passed
    return FAIL, _differ(what, listed, exported)


def _differ(what: str, listed: list[str], exported: set[str]) -> str:
    return messages.DRILL_RECORDS_DIFFER.format(
        what=what,
        listed=len(listed),
        exported=len(exported),
        missing=_ids(exported.difference(listed)),
        unexpected=_ids(set(listed) - exported),
    )


def _ids(ids: Iterable[str]) -> str:
    shown = sorted(ids)
    if not shown:
        return "none"
    more = len(shown) - _SHOWN_IDS
    return ", ".join(shown[:_SHOWN_IDS]) + (f" and {more} more" if more > 0 else "")


def _count(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"
