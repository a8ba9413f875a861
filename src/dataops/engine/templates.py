"""Template use cases and instantiation: a template turns an anchor date into a bundle's tasks."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from dataops.engine.context import Engine
from dataops.model.values import add_days, is_number, is_object, truthy


def inherited_bundle_fields(template: Mapping[str, Any]) -> dict[str, Any]:
    """What a bundle takes from its template unless the caller sets it (7.1 step 9)."""
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
    """The task records of a new bundle, in definition order (7.3)."""
    now = engine.now()
    tags = template.get("tags") if isinstance(template.get("tags"), list) else None
    tasks = []
    for definition in template.get("taskDefinitions") or []:
        task: dict[str, Any] = {
            "id": engine.new_id(),
            "description": definition["description"],
            "bundleId": bundle["id"],
            "templateId": template["id"],
            "date": add_days(bundle["anchorDate"], _offset(definition)),
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
