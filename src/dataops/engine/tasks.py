"""Task use cases: create, read, list, update (with the completion gate), delete."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from dataops.engine import audit, notifications, proof, refs, users
from dataops.engine.context import Engine
from dataops.engine.detach import detach_artifacts
from dataops.engine.paging import Listing, PageRequest, Partition, list_partitions
from dataops.engine.retry import settle, stale_when
from dataops.model import actors, messages, receipts, records
from dataops.model import proof as proof_model
from dataops.model import tasks as model
from dataops.model.audit import AuditAction, EntityType
from dataops.model.errors import Conflict, Invalid, NotFound, PreconditionFailed
from dataops.model.fields import apply_updates
from dataops.model.proof import Requirement
from dataops.model.receipts import REQUIREMENT_FIELDS, WaiverReason
from dataops.model.tasks import TaskStatus
from dataops.model.values import is_calendar_date, is_object, parse_calendar_date
from dataops.store.base import Create, Delete, Item, Replace, Write

MAX_RANGE_DAYS = 366


def _require_bundle(engine: Engine, bundle_id: Any) -> Item | None:
    if bundle_id is None:
        return None
    bundle = engine.store.get("bundles", bundle_id)
    if bundle is None:
        raise NotFound(messages.BUNDLE_NOT_FOUND)
    return bundle


def present(engine: Engine, task: Item) -> Item:
    return refs.present(engine.store, [task])[0]


def waiver_request(body: Any) -> str | None:
    """The reason of the body's `waiveProof` (None when absent); 400 when malformed or given
    without `status: done`."""
    if not is_object(body) or body.get("waiveProof") is None:
        return None
    reason = receipts.waiver_reason(body["waiveProof"])
    if reason is None:
        raise Invalid(messages.WAIVE_PROOF_INVALID)
    records.check_field(receipts.WAIVER.fields[0], reason, "waiveProof.reason")
    if body.get("status") != TaskStatus.DONE:
        raise Invalid(messages.WAIVE_PROOF_WITHOUT_DONE)
    return reason


def _completion(
    engine: Engine,
    task: dict[str, Any],
    task_id: str | None,
    actor: str | None,
    *,
    waiver_reason: str | None,
    because: list[WaiverReason],
) -> dict[str, Any]:
    """The completion gate and its receipt: refuse (400) a completion whose requirement was
    weakened or that moves bundle (`because`), or whose proof is missing, unless waived with a
    reason (a lead's, under `separate`); return the receipt."""
    evidence = proof.gather_evidence(engine, task, task_id)
    refusal = proof_model.first_refusal(proof_model.requirements(task, evidence))
    if waiver_reason is None:
        if because:
            raise Invalid(messages.DONE_REQUIREMENT_CHANGED)
        if refusal is not None:
            raise Invalid(refusal)
    elif refusal is not None:
        because = [*because, WaiverReason.PROOF_MISSING]
    now = engine.now()
    waiver: dict[str, Any] | None = None
    if waiver_reason is not None:
        if not because:
            raise Invalid(messages.WAIVE_PROOF_NOTHING_TO_WAIVE)
        users.refuse_unless_lead(engine, actor, messages.WAIVER_NEEDS_LEAD)
        waiver = {"reason": waiver_reason, "waivedAt": now, "because": [r.value for r in because]}
        if actor:
            waiver["waivedBy"] = actor
    return proof_model.build_receipt(
        task, evidence, task_id=task_id, completed_at=now, completed_by=actor, waiver=waiver
    )


def _waiver_event(engine: Engine, task: Mapping[str, Any], actor: str | None) -> Write:
    receipt = task["completionProof"]
    return audit.event(
        engine,
        actor=actor,
        entity_type=EntityType.TASK,
        entity_id=task["id"],
        action=AuditAction.PROOF_WAIVED,
        summary=f"Proof waived: {receipt['waiver']['reason']}",
        after={"completionProof": receipt, "proofBaseline": task.get("proofBaseline")},
        fields=("completionProof", "proofBaseline"),
    )


def create_task(engine: Engine, body: Any, actor: str | None) -> Item:
    if not is_object(body):
        raise Invalid(messages.REQUEST_BODY_REQUIRED)
    fields = model.validate_create(body)
    waiver_reason = waiver_request(body)
    if fields.get("status") == TaskStatus.DONE:
        actors.refuse_completion_by_service(actor)
    fields["source"] = body.get("source") or "manual"
    _require_bundle(engine, fields.get("bundleId"))
    if "artifactRefs" in fields:
        fields["artifactRefs"] = refs.rewritten(engine.store, fields["artifactRefs"])
    # The requirement it starts with: weakening it later needs a waiver to complete.
    baseline = receipts.requirement_of(fields)
    if baseline:
        fields["proofBaseline"] = baseline
    task_id = engine.new_id()
    writes: list[Write] = []
    if fields.get("status") == TaskStatus.DONE:
        # Completion fields are not recorded for a task created as done (docs/api.md#tasks), but the
        # completion is: the audit trail says who created it done, and its receipt what proved it.
        fields["completionProof"] = _completion(
            engine, fields, None, actor, waiver_reason=waiver_reason, because=[]
        )
        writes.append(
            audit.event(
                engine,
                actor=actor,
                entity_type=EntityType.TASK,
                entity_id=task_id,
                action=AuditAction.TASK_COMPLETED,
                summary="Task created as done",
                after={"status": TaskStatus.DONE.value, **_receipt_of(fields)},
                fields=("status", "completionProof"),
            )
        )
        if receipts.is_waived(fields):
            writes.append(_waiver_event(engine, {**fields, "id": task_id}, actor))
    now = engine.now()
    record = {"id": task_id, "status": TaskStatus.TODO.value, **fields}
    record["createdAt"] = record["updatedAt"] = now
    created = engine.store.transact([Create("tasks", record), *writes])[0]
    assert created is not None
    return present(engine, created)


def _receipt_of(task: Mapping[str, Any]) -> dict[str, Any]:
    receipt = task.get("completionProof")
    return {"completionProof": receipt} if receipt is not None else {}


def get_task(engine: Engine, task_id: str) -> Item:
    task = engine.store.get("tasks", task_id) if task_id else None
    if task is None:
        raise NotFound(messages.TASK_NOT_FOUND)
    return present(engine, task)


def task_proof(engine: Engine, task_id: str) -> list[Requirement]:
    task = engine.store.get("tasks", task_id)
    if task is None:
        raise NotFound(messages.TASK_NOT_FOUND)
    return proof.requirements(engine, task, task_id)


def task_proof_and_receipt(
    engine: Engine, task_id: str
) -> tuple[list[Requirement], dict[str, Any] | None]:
    """The live proof state, and for a done task the receipt of its completion."""
    task = engine.store.get("tasks", task_id) if task_id else None
    if task is None:
        raise NotFound(messages.TASK_NOT_FOUND)
    receipt = task.get("completionProof") if task.get("status") == TaskStatus.DONE else None
    return proof.requirements(engine, task, task_id), receipt if is_object(receipt) else None


def list_tasks(engine: Engine, query: Mapping[str, str], page: PageRequest) -> Listing:
    """The first filter present wins: date > startDate/endDate > bundleId > status."""
    date, start, end = query.get("date"), query.get("startDate"), query.get("endDate")
    bundle_id, status = query.get("bundleId"), query.get("status")
    if date:
        if not is_calendar_date(date):
            raise Invalid(messages.INVALID_DATE.format(field="date"))
        parts = [Partition("tasks", "GSI-Date", date)]
    elif start or end:
        parts = _date_range(start, end)
    elif bundle_id:
        parts = [Partition("tasks", "GSI-Bundle", bundle_id)]
    elif status:
        model.check_status(status)
        parts = [Partition("tasks", "GSI-Status", status)]
    else:
        raise Invalid(messages.TASK_LIST_FILTER_REQUIRED)
    listing = list_partitions(engine.store, parts, page)
    listing.items = refs.present(engine.store, listing.items)
    return listing


def _date_range(start: str | None, end: str | None) -> list[Partition]:
    if not start or not end:
        raise Invalid(messages.TASK_RANGE_BOTH_REQUIRED)
    first, last = parse_calendar_date(start), parse_calendar_date(end)
    if first is None:
        raise Invalid(messages.INVALID_DATE.format(field="startDate"))
    if last is None:
        raise Invalid(messages.INVALID_DATE.format(field="endDate"))
    if last < first:
        raise Invalid(messages.TASK_RANGE_REVERSED)
    days = (last - first).days + 1
    if days > MAX_RANGE_DAYS:
        raise Invalid(messages.TASK_RANGE_TOO_LONG)
    return [
        Partition("tasks", "GSI-Date", (first + timedelta(days=offset)).isoformat())
        for offset in range(days)
    ]


def update_task(
    engine: Engine, task_id: str, body: Any, actor: str | None, if_match: int | None = None
) -> Item:
    """In order: validation, existence, waiting rule, completion gate, write, stage transition."""
    if not is_object(body):
        raise Invalid(messages.REQUEST_BODY_REQUIRED)
    updates = model.validate_update(body)
    waiver_reason = waiver_request(body)
    if updates.get("status") == TaskStatus.DONE:
        actors.refuse_completion_by_service(actor)

    def attempt() -> Item:
        existing = engine.store.get("tasks", task_id) if task_id else None
        if existing is None:
            raise NotFound(messages.TASK_NOT_FOUND)
        if if_match is not None and existing.version != if_match:
            raise PreconditionFailed(messages.PRECONDITION_FAILED)
        return _write_update(engine, existing, updates, actor, waiver_reason)

    return settle(attempt, stale=stale_when(if_match))


def _write_update(
    engine: Engine,
    existing: Item,
    updates: Mapping[str, Any],
    actor: str | None,
    waiver_reason: str | None = None,
) -> Item:
    if updates.get("artifactRefs") is not None:
        updates = {**updates, "artifactRefs": refs.rewritten(engine.store, updates["artifactRefs"])}
    task = apply_updates(existing, updates)
    model.check_waiting(task)
    if "bundleId" in updates:
        _require_bundle(engine, updates["bundleId"])
    writes: list[Write] = []
    if receipts.requirement_changed(existing, task):
        if not is_object(existing.get("proofBaseline")):
            # Stored before baselines existed: what it asked for until now is its baseline.
            task["proofBaseline"] = receipts.requirement_of(existing)
        writes.append(_requirement_event(engine, existing, task, actor))
    was_done = existing.get("status") == TaskStatus.DONE
    if updates.get("status") == TaskStatus.DONE:
        because: list[WaiverReason] = []
        if receipts.weakened(task.get("proofBaseline"), task):
            because.append(WaiverReason.REQUIREMENT_CHANGED)
        if (
            "bundleId" in updates
            and updates["bundleId"] != existing.get("bundleId")
            and receipts.has_requirement(task)
        ):
            because.append(WaiverReason.MOVED_BUNDLE)
        receipt = _completion(
            engine, task, existing["id"], actor, waiver_reason=waiver_reason, because=because
        )
        task["completedAt"] = receipt["completedAt"]
        if actor:
            task["completedBy"] = actor
        # `done` again keeps the receipt of the completion it repeats (unless it waives).
        if not (was_done and waiver_reason is None and is_object(existing.get("completionProof"))):
            task["completionProof"] = receipt
        if not was_done:
            # A completion after a reopening writes a new receipt; the one before stays in the
            # trail (the reopening's `before`).
            writes.append(_status_event(engine, existing, task, actor, AuditAction.TASK_COMPLETED))
            writes += _stage_transition(engine, task)
        if waiver_reason is not None:
            writes.append(_waiver_event(engine, task, actor))
    elif was_done and task.get("status") != TaskStatus.DONE:
        # The receipt of the completion being undone stays in the audit trail (`before`).
        task.pop("completionProof", None)
        writes.append(_status_event(engine, existing, task, actor, AuditAction.TASK_REOPENED))
    task["updatedAt"] = engine.now()
    saved = engine.store.transact([Replace("tasks", task, existing.version), *writes])[0]
    assert saved is not None
    return present(engine, saved)


def _status_event(
    engine: Engine, before: Item, after: Mapping[str, Any], actor: str | None, action: AuditAction
) -> Write:
    verb = "completed" if action is AuditAction.TASK_COMPLETED else "reopened"
    return audit.event(
        engine,
        actor=actor,
        entity_type=EntityType.TASK,
        entity_id=before["id"],
        action=action,
        summary=f"Task {verb}",
        before=before,
        after=after,
        fields=("status", "completedBy", "completedAt", "completionProof"),
    )


def _requirement_event(
    engine: Engine, before: Mapping[str, Any], after: Mapping[str, Any], actor: str | None
) -> Write:
    return audit.event(
        engine,
        actor=actor,
        entity_type=EntityType.TASK,
        entity_id=before["id"],
        action=AuditAction.TASK_PROOF_REQUIREMENT_CHANGED,
        summary="Proof requirement changed",
        before=before,
        after=after,
        fields=REQUIREMENT_FIELDS,
    )


def _stage_transition(engine: Engine, task: Mapping[str, Any]) -> list[Write]:
    """4.4 step 11: a template task with stageOnComplete moves its bundle's stage, and a
    `stage-change` notification says so.

    The bundle must exist (never a stub); the write is conditional on its version.
    """
    stage, bundle_id = task.get("stageOnComplete"), task.get("bundleId")
    if not stage or not bundle_id or task.get("source") != "template":
        return []
    bundle = engine.store.get("bundles", bundle_id)
    if bundle is None or bundle.get("stage") == stage:
        return []
    moved = {**bundle, "stage": stage, "updatedAt": engine.now()}
    return [
        Replace("bundles", moved, bundle.version),
        notifications.stage_change(engine, bundle, stage, task.get("id")),
    ]


def delete_task(engine: Engine, task_id: str, actor: str | None) -> None:
    """10.11: idempotent; refused while files exist; detaches artifacts, drops notifications."""

    def attempt() -> None:
        task = engine.store.get("tasks", task_id) if task_id else None
        if task is None:
            return
        if engine.store.query("files", "GSI-TaskCreated", task_id, limit=1).items:
            raise Conflict(messages.TASK_HAS_FILES)
        writes: list[Write] = [Delete("tasks", task_id, task.version)]
        writes += detach_artifacts(engine, "taskId", task_id, "its task was deleted", actor)
        for notification in engine.store.query("notifications", "GSI-Task", task_id).items:
            writes.append(Delete("notifications", notification["id"]))
        engine.store.transact(writes)

    settle(attempt)
