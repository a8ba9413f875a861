"""Recurring configs (a task that comes back on a cron schedule) and the generation window:
their rules and messages, with real cron and calendar dates (docs/api.md#recurring-tasks)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from dataops.model import cron, messages, records
from dataops.model.errors import Invalid
from dataops.model.records import SHORT_TEXT_MAX, TEXT_MAX, Field, Kind, RecordType
from dataops.model.values import (
    has_date_shape,
    is_nonblank,
    is_object,
    parse_calendar_date,
    truthy,
)

FIELDS: tuple[str, ...] = ("description", "cronExpression", "assigneeId", "enabled")

# Every field of a recurring config, in the order the export validator reports them (rule 8).
RECURRING_CONFIG = RecordType(
    "recurring_configs",
    (
        Field("id", Kind.ID, export="recurring_config_id", required=True, writable=False),
        Field("createdAt", Kind.TIMESTAMP, writable=False),
        Field("updatedAt", Kind.TIMESTAMP, writable=False),
        Field("assigneeId", Kind.ID, SHORT_TEXT_MAX, references="users", soft=True),
        Field("description", Kind.TEXT, TEXT_MAX),
        Field("cronExpression", Kind.TEXT, SHORT_TEXT_MAX),
        Field("enabled", Kind.BOOLEAN),
    ),
)
MAX_GENERATE_DAYS = 90


def _check_optional(fields: Mapping[str, Any]) -> None:
    assignee = fields.get("assigneeId")
    if assignee is not None and not isinstance(assignee, str):
        raise Invalid(messages.MUST_BE_STRING.format(field="assigneeId"))
    if "enabled" in fields and not isinstance(fields["enabled"], bool):
        raise Invalid(messages.MUST_BE_BOOLEAN.format(field="enabled"))
    records.check(RECURRING_CONFIG, {name: fields[name] for name in FIELDS if name in fields})


def validate_create(body: Mapping[str, Any]) -> dict[str, Any]:
    """POST: description, cronExpression (5 fields, then each field), assigneeId, enabled."""
    description = body.get("description")
    if not is_nonblank(description):
        raise Invalid(messages.MISSING_FIELD.format(field="description"))
    expression = body.get("cronExpression")
    if not truthy(expression) or not isinstance(expression, str):
        raise Invalid(messages.MISSING_FIELD.format(field="cronExpression"))
    cron.parse(expression)
    _check_optional(body)
    config: dict[str, Any] = {"description": description, "cronExpression": expression}
    if body.get("assigneeId") is not None:
        config["assigneeId"] = body["assigneeId"]
    config["enabled"] = body.get("enabled", True)
    return config


def validate_update(body: Mapping[str, Any]) -> dict[str, Any]:
    """PUT (after the existence check): cron, assigneeId, enabled; null removes assigneeId."""
    updates = {name: body[name] for name in FIELDS if name in body}
    if "cronExpression" in updates:
        expression = updates["cronExpression"]
        if not truthy(expression) or not isinstance(expression, str):
            raise Invalid(messages.MISSING_FIELD.format(field="cronExpression"))
        cron.parse(expression)
    _check_optional(updates)
    if not updates:
        raise Invalid(messages.NO_VALID_FIELDS)
    # Generated tasks copy the description, and a task needs one: it stays a non-empty string.
    if "description" in updates and not is_nonblank(updates["description"]):
        raise Invalid(messages.NON_EMPTY_STRING.format(field="description"))
    return updates


def generation_window(body: Any) -> list[date]:
    """The days of `POST /api/recurring/generate`: at most 91 (a 90-day span), inclusive."""
    if not is_object(body) or not truthy(body.get("startDate")) or not truthy(body.get("endDate")):
        raise Invalid(messages.GENERATE_DATES_REQUIRED)
    start_text, end_text = body["startDate"], body["endDate"]
    for value in (start_text, end_text):
        if not has_date_shape(value):
            raise Invalid(messages.GENERATE_DATES_FORMAT)
    start, end = parse_calendar_date(start_text), parse_calendar_date(end_text)
    if start is None:
        raise Invalid(messages.INVALID_DATE.format(field="startDate"))
    if end is None:
        raise Invalid(messages.INVALID_DATE.format(field="endDate"))
    if end < start:
        raise Invalid(messages.TASK_RANGE_REVERSED)
    span = (end - start).days
    if span > MAX_GENERATE_DAYS:
        raise Invalid(messages.GENERATE_RANGE_TOO_LONG)
    return [start + timedelta(days=offset) for offset in range(span + 1)]
