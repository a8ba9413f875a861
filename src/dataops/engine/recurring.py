"""Recurring config use cases (docs/api.md#recurring-tasks) and task generation.

A generated task's id is derived from (config id, date), so "already generated" is one batched
read by id plus a create-if-absent write: generation is idempotent, also when two runs race.
Tasks generated before this engine (random ids) are found through the tasks' `GSI-Recurring`
index on (recurringConfigId, date), one query per config, never a scan.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from dataops.engine import once
from dataops.engine.context import Engine
from dataops.engine.paging import Listing, PageRequest, Partition, list_partitions
from dataops.engine.retry import settle, stale_when
from dataops.model import cron, messages
from dataops.model import recurring as model
from dataops.model.errors import Conflict, Invalid, NotFound, PreconditionFailed
from dataops.model.fields import apply_updates
from dataops.model.ids import derived_id
from dataops.model.jsonvalue import INVALID_BODY
from dataops.model.values import is_object
from dataops.store.base import Item, Range

TABLE = "recurring_configs"


def create_config(engine: Engine, body: Any, config_id: str | None = None) -> Item:
    if not is_object(body):
        raise Invalid(messages.INVALID_JSON)
    fields = model.validate_create(body)
    now = engine.now()
    record = {"id": config_id or engine.new_id(), **fields, "createdAt": now, "updatedAt": now}
    return engine.store.create(TABLE, record)


def list_configs(engine: Engine, page: PageRequest) -> Listing:
    """Every config, oldest first."""
    return list_partitions(engine.store, [Partition(TABLE, "GSI-Created")], page)


def get_config(engine: Engine, config_id: str) -> Item:
    config = engine.store.get(TABLE, config_id)
    if config is None:
        raise NotFound(messages.RECURRING_NOT_FOUND)
    return config


def update_config(engine: Engine, config_id: str, body: Any, if_match: int | None = None) -> Item:
    """Only the fields sent change; with `if_match` a config changed since is a 412."""
    if body is INVALID_BODY:
        raise Invalid(messages.INVALID_JSON)
    if not is_object(body) or not body:
        raise Invalid(messages.BODY_EMPTY_OR_INVALID)

    def attempt() -> Item:
        existing = get_config(engine, config_id)
        if if_match is not None and existing.version != if_match:
            raise PreconditionFailed(messages.PRECONDITION_FAILED)
        config = apply_updates(existing, model.validate_update(body))
        config["updatedAt"] = engine.now()
        return engine.store.replace(TABLE, config, existing.version)

    return settle(attempt, stale=stale_when(if_match))


def delete_config(engine: Engine, config_id: str) -> None:
    """10.11: generated tasks remain and keep their `recurringConfigId`."""
    get_config(engine, config_id)
    engine.store.delete(TABLE, config_id)


def generated_task_id(config_id: str, day: str) -> str:
    return derived_id("recurring-task", config_id, day)


@dataclass
class Generation:
    generated: list[Item] = field(default_factory=list)
    skipped: int = 0


def generate(engine: Engine, body: Any) -> Generation:
    """`POST /api/recurring/generate`: the tasks of every enabled config for each matching day."""
    if body is INVALID_BODY:
        raise Invalid(messages.INVALID_JSON)
    return generate_for_days(engine, model.generation_window(body))


def generate_config(engine: Engine, config_id: str, body: Any) -> Generation:
    """`POST /api/recurring/:id/generate` ("generate now"): one config's tasks for a window of
    days, idempotent like the run of every config. A disabled config generates nothing: it is
    refused, so nobody mistakes an empty answer for an empty schedule."""
    if body is INVALID_BODY:
        raise Invalid(messages.INVALID_JSON)
    config = get_config(engine, config_id)
    days = model.generation_window(body)
    if config.get("enabled") is False:
        raise Conflict(messages.RECURRING_DISABLED)
    return generate_for_days(engine, days, [config])


def generate_for_days(
    engine: Engine, days: list[date], configs: list[Item] | None = None
) -> Generation:
    """Generate for these consecutive days; for every config, or only the given ones."""
    result = Generation()
    if not days:
        return result
    first, last = days[0].isoformat(), days[-1].isoformat()
    wanted: list[dict[str, Any]] = []
    if configs is None:
        configs = list_configs(engine, PageRequest()).items
    for config in configs:
        schedule = cron.try_parse(config.get("cronExpression"))
        if config.get("enabled") is False or schedule is None:
            continue
        matching = [day.isoformat() for day in days if schedule.matches(day)]
        if not matching:
            continue
        # Legacy generated tasks (random ids) count as generated too.
        legacy = engine.store.query(
            "tasks", "GSI-Recurring", config["id"], range_key=Range.between(first, last)
        ).items
        taken = {task["date"] for task in legacy}
        for day in matching:
            if day in taken:
                result.skipped += 1
            else:
                wanted.append(_task(engine, config, day))
    if not wanted:
        return result
    existing = engine.store.get_many("tasks", [task["id"] for task in wanted])
    absent = [task for task in wanted if task["id"] not in existing]
    created = once.create_absent(engine, "tasks", absent)
    result.generated = created
    result.skipped += len(wanted) - len(created)
    return result


def _task(engine: Engine, config: Item, day: str) -> dict[str, Any]:
    now = engine.now()
    task: dict[str, Any] = {
        "id": generated_task_id(config["id"], day),
        "description": config["description"],
        "date": day,
        "status": "todo",
        "source": "recurring",
        "recurringConfigId": config["id"],
    }
    if config.get("assigneeId"):
        task["assigneeId"] = config["assigneeId"]
    task["createdAt"] = task["updatedAt"] = now
    return task
