"""Template use cases (create, list, get, update, delete) and instantiation: a template turns
an anchor date into a bundle's tasks."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from dataops.engine import refs
from dataops.engine.context import Engine
from dataops.engine.paging import Listing, PageRequest, Partition, list_partitions
from dataops.engine.retry import settle, stale_when
from dataops.model import messages
from dataops.model import templates as model
from dataops.model.errors import Invalid, NotFound, PreconditionFailed
from dataops.model.fields import apply_updates
from dataops.model.jsonvalue import INVALID_BODY
from dataops.model.values import add_days, is_number, is_object, truthy
from dataops.store.base import Delete, Item, Replace, Write


def create_template(engine: Engine, body: Any, template_id: str | None = None) -> Item:
    """A new template; `template_id` keeps a known id (demo data), else a new one is drawn."""
    if not is_object(body):
        raise Invalid(messages.INVALID_JSON)
    fields = _with_engine_refs(engine, model.validate_create(body))
    now = engine.now()
    record = {"id": template_id or engine.new_id(), **fields, "createdAt": now, "updatedAt": now}
    return engine.store.create("templates", record)


def _with_engine_refs(engine: Engine, fields: dict[str, Any]) -> dict[str, Any]:
    """The task definitions' artifact refs as the engine's snapshots (engine/refs.py)."""
    definitions = fields.get("taskDefinitions")
    if isinstance(definitions, list):
        fields["taskDefinitions"] = [
            {**each, "artifactRefs": refs.rewritten(engine.store, each["artifactRefs"])}
            if is_object(each) and each.get("artifactRefs") is not None
            else each
            for each in definitions
        ]
    return fields


def list_templates(engine: Engine, page: PageRequest) -> Listing:
    """Every template, by name."""
    return list_partitions(engine.store, [Partition("templates", "GSI-Name")], page)


def get_template(engine: Engine, template_id: str) -> Item:
    template = engine.store.get("templates", template_id)
    if template is None:
        raise NotFound(messages.TEMPLATE_NOT_FOUND)
    return template


def update_template(
    engine: Engine, template_id: str, body: Any, if_match: int | None = None
) -> Item:
    """A template's update: body, existence, fields, validation; nulls remove optional fields.
    With `if_match` (the version the client saw) a changed template is a 412."""
    if body is INVALID_BODY:
        raise Invalid(messages.INVALID_JSON)
    if not is_object(body) or not body:
        raise Invalid(messages.BODY_EMPTY_OR_INVALID)

    def attempt() -> Item:
        existing = get_template(engine, template_id)
        if if_match is not None and existing.version != if_match:
            raise PreconditionFailed(messages.PRECONDITION_FAILED)
        template = apply_updates(existing, _with_engine_refs(engine, model.validate_update(body)))
        template["updatedAt"] = engine.now()
        return engine.store.replace("templates", template, existing.version)

    return settle(attempt, stale=stale_when(if_match))


def delete_template(engine: Engine, template_id: str) -> None:
    """10.11: bundles and tasks keep `templateId` as provenance; notifications that name the
    template lose that reference (an export never names a missing template there)."""

    def attempt() -> None:
        template = get_template(engine, template_id)
        writes: list[Write] = [Delete("templates", template_id, template.version)]
        for notification in engine.store.query("notifications", "GSI-Template", template_id).items:
            kept = {key: value for key, value in notification.items() if key != "templateId"}
            writes.append(Replace("notifications", kept, notification.version))
        engine.store.transact(writes)

    settle(attempt)


def inherited_bundle_fields(template: Mapping[str, Any]) -> dict[str, Any]:
    """What a bundle takes from its template unless the caller sets it (docs/api.md#bundles)."""
    inherited: dict[str, Any] = {}
    if isinstance(template.get("references"), list) and template["references"]:
        inherited["references"] = template["references"]
    definitions = template.get("bundleLinkDefinitions")
    if isinstance(definitions, list) and definitions:
        inherited["bundleLinks"] = [
            {"name": definition.get("name"), "url": ""}
            for definition in definitions
            if is_object(definition)
        ]
    if truthy(template.get("emoji")):
        inherited["emoji"] = template["emoji"]
    if isinstance(template.get("tags"), list) and template["tags"]:
        inherited["tags"] = template["tags"]
    return inherited


def _offset(definition: Mapping[str, Any]) -> int:
    value = definition.get("offsetDays")
    return math.trunc(value) if is_number(value) else 0


def instantiate_tasks(
    engine: Engine, template: Mapping[str, Any], bundle: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """The task records of a new bundle, in definition order (docs/api.md#templates)."""
    now = engine.now()
    tags = template.get("tags") if isinstance(template.get("tags"), list) else None
    tasks = []
    for index, definition in enumerate(template.get("taskDefinitions") or []):
        try:
            day = add_days(bundle["anchorDate"], _offset(definition))
        except OverflowError:
            raise Invalid(messages.TEMPLATE_TASK_DATE_OUT_OF_RANGE.format(index=index)) from None
        task: dict[str, Any] = {
            "id": engine.new_id(),
            "description": definition["description"],
            "bundleId": bundle["id"],
            "templateId": template["id"],
            "date": day,
            "source": "template",
            "templateTaskRef": definition["refId"],
            "status": "todo",
        }
        for name in (
            "instructionsUrl",
            "instructionDocId",
            "instructionStepId",
            "phase",
            "validation",
            "proofRequirement",
            "requiredLinkName",
            "stageOnComplete",
        ):
            if truthy(definition.get(name)):
                task[name] = definition[name]
        for name in ("systems", "artifactRefs", "assistantJobRefs", "auditEventRefs"):
            if isinstance(definition.get(name), list) and definition[name]:
                task[name] = definition[name]
        if "artifactRefs" in task:
            # Current snapshots; refs an import brought that name no artifact stay as they came.
            task["artifactRefs"] = refs.rewritten(
                engine.store, task["artifactRefs"], keep_dangling=True
            )
        if definition.get("requiresFile") is not None:
            task["requiresFile"] = definition["requiresFile"]
        assignee = definition.get("assigneeId") or template.get("defaultAssigneeId")
        if assignee:
            task["assigneeId"] = assignee
        if tags:
            task["tags"] = tags
        task["createdAt"] = task["updatedAt"] = now
        tasks.append(task)
    return tasks
