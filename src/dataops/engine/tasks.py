"""Task use cases: create, read, list, update (with the completion gate), delete."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from dataops.engine import audit, notifications, proof, refs
from dataops.engine.context import Engine
from dataops.engine.detach import detach_artifacts
from dataops.engine.paging import Listing, PageRequest, Partition, list_partitions
from dataops.engine.retry import settle, stale_when
from dataops.model import actors, messages
from dataops.model import tasks as model
from dataops.model.audit import AuditAction, EntityType
from dataops.model.errors import Conflict, Invalid, NotFound, PreconditionFailed
from dataops.model.fields import apply_updates
from dataops.model.proof import Requirement
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


def create_task(engine: Engine, body: Any, actor: str | None) -> Item:
    if not is_object(body):
        raise Invalid(messages.REQUEST_BODY_REQUIRED)
    fields = model.validate_create(body)
    if fields.get("status") == TaskStatus.DONE:
        actors.refuse_completion_by_service(actor)
    fields["source"] = body.get("source") or "manual"
    _require_bundle(engine, fields.get("bundleId"))
    if "artifactRefs" in fields:
        fields["artifactRefs"] = refs.rewritten(engine.store, fields["artifactRefs"])
    task_id = engine.new_id()
    writes: list[Write] = []
    if fields.get("status") == TaskStatus.DONE:
        # Completion fields are not recorded for a task created as done (docs/api.md#tasks), but the
        # completion is: the audit trail says who created it done.
        proof.enforce(engine, fields, None)
        writes.append(
            audit.event(
                engine,
                actor=actor,
                entity_type=EntityType.TASK,
                entity_id=task_id,
                action=AuditAction.TASK_COMPLETED,
                summary="Task created as done",
                after={"status": TaskStatus.DONE.value},
                fields=("status",),
            )
        )
    now = engine.now()
    record = {"id": task_id, "status": TaskStatus.TODO.value, **fields}
    record["createdAt"] = record["updatedAt"] = now
    created = engine.store.transact([Create("tasks", record), *writes])[0]
    assert created is not None
    return present(engine, created)


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
    if updates.get("status") == TaskStatus.DONE:
        actors.refuse_completion_by_service(actor)

    def attempt() -> Item:
        existing = engine.store.get("tasks", task_id) if task_id else None
        if existing is None:
            raise NotFound(messages.TASK_NOT_FOUND)
        if if_match is not None and existing.version != if_match:
            raise PreconditionFailed(messages.PRECONDITION_FAILED)
        return _write_update(engine, existing, updates, actor)

    return settle(attempt, stale=stale_when(if_match))


def _write_update(
    engine: Engine, existing: Item, updates: Mapping[str, Any], actor: str | None
) -> Item:
    if updates.get("artifactRefs") is not None:
        updates = {**updates, "artifactRefs": refs.rewritten(engine.store, updates["artifactRefs"])}
    task = apply_updates(existing, updates)
    model.check_waiting(task)
    if "bundleId" in updates:
        _require_bundle(engine, updates["bundleId"])
    writes: list[Write] = []
    was_done = existing.get("status") == TaskStatus.DONE
    if updates.get("status") == TaskStatus.DONE:
        proof.enforce(engine, task, existing["id"])
        task["completedAt"] = engine.now()
        if actor:
            task["completedBy"] = actor
        if not was_done:
            writes.append(_status_event(engine, existing, task, actor, AuditAction.TASK_COMPLETED))
            writes += _stage_transition(engine, task)
    elif was_done and task.get("status") != TaskStatus.DONE:
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
        fields=("status", "completedBy", "completedAt"),
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
