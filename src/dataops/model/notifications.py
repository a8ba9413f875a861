"""Notifications: their types and their texts (ids of generated ones: model/ids.py)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from enum import StrEnum
from typing import Any

from dataops.model.records import NAME_MAX, SHORT_TEXT_MAX, TEXT_MAX, Field, Kind, RecordType
from dataops.model.values import is_nonblank, parse_calendar_date


class NotificationType(StrEnum):
    TASK_DUE = "task-due"
    TASK_OVERDUE = "task-overdue"
    FOLLOW_UP_DUE = "follow-up-due"
    MISSING_EVIDENCE = "missing-evidence"
    RECURRING_DUE = "recurring-due"
    STAGE_CHANGE = "stage-change"
    AUTOMATION_FAILURE = "automation-failure"
    # For leads: yesterday's completions with waived proof; the weekly fixity check's problems.
    PROOF_WAIVED = "proof-waived"
    FIXITY_PROBLEM = "fixity-problem"


# Every field of a notification, in the order the export validator reports them
# (docs/export-format.md, rule 11).
NOTIFICATION = RecordType(
    "notifications",
    (
        Field("id", Kind.ID, export="notification_id", required=True, writable=False),
        Field("type", Kind.ENUM, values=tuple(NotificationType), export="notification_type"),
        Field("userId", Kind.ID, SHORT_TEXT_MAX, references="users"),
        Field(
            "taskId",
            Kind.ID,
            SHORT_TEXT_MAX,
            references="tasks",
            required_if=("type", NotificationType.FOLLOW_UP_DUE.value),
        ),
        Field("dueAt", Kind.TIMESTAMP, required_if=("type", NotificationType.FOLLOW_UP_DUE.value)),
        Field("createdAt", Kind.TIMESTAMP),
        Field("bundleId", Kind.ID, SHORT_TEXT_MAX, references="bundles"),
        Field("templateId", Kind.ID, SHORT_TEXT_MAX, references="templates"),
        Field("message", Kind.TEXT, TEXT_MAX),
        Field("dismissed", Kind.BOOLEAN),
    ),
)

# Days ahead (today included) in which a task with incomplete proof is worth a warning.
MISSING_EVIDENCE_DAYS = 2


def short_date(day: str) -> str:
    """`2026-07-05` -> `Jul 5` (the cron runner's bundle titles)."""
    parsed = parse_calendar_date(day)
    if parsed is None:
        return day
    return f"{parsed.strftime('%b')} {parsed.day}"


def follow_up_message(task: Mapping[str, Any]) -> str:
    message = f"Follow up: {task.get('description', '')}"
    if is_nonblank(task.get("waitingFor")):
        message += f" — waiting for {task['waitingFor']}"
    return message


def overdue_message(task: Mapping[str, Any], today: date) -> str:
    due = parse_calendar_date(task.get("date"))
    late = (today - due).days if due else 0
    days = "1 day" if late == 1 else f"{late} days"
    return f"Overdue: {task.get('description', '')} (due {task.get('date')}, {days} ago)"


def missing_evidence_message(task: Mapping[str, Any], reasons: Iterable[str]) -> str:
    joined = " ".join(reasons)
    return f"Missing evidence: {task.get('description', '')} (due {task.get('date')}). {joined}"


def stage_change_message(bundle: Mapping[str, Any], stage: str) -> str:
    return f"{bundle.get('title', 'Bundle')} moved to stage {stage}"


def scheduled_bundle_title(template_name: str, anchor_date: str) -> str:
    """The title of a bundle the cron runner makes: `<template name> - <Mon D>`, the name cut
    short (with an ellipsis) so the title stays within a title's limit."""
    suffix = f" - {short_date(anchor_date)}"
    room = NAME_MAX - len(suffix)
    name = template_name if len(template_name) <= room else template_name[: room - 1] + "…"
    return name + suffix


def bundle_created_message(template_name: str, anchor_date: str) -> str:
    return f"{template_name} bundle auto-created for {short_date(anchor_date)}"


def automation_failure_message(template_name: str, anchor_date: str, reason: str) -> str:
    return f"{template_name}: could not create the bundle for {short_date(anchor_date)}: {reason}"


# A digest names at most this many waivers; the audit trail (`proof-waived`) has them all.
WAIVERS_NAMED_MAX = 5


def waiver_digest_message(day: str, waivers: Sequence[Mapping[str, Any]]) -> str:
    """Yesterday's waivers for leads: how many, and the first few tasks with their reasons."""
    named = []
    for event in waivers[:WAIVERS_NAMED_MAX]:
        reason = str(event.get("summary", "")).removeprefix("Proof waived: ")
        named.append(f"task {event.get('entityId')} ({reason})")
    more = len(waivers) - len(named)
    tasks = "1 task" if len(waivers) == 1 else f"{len(waivers)} tasks"
    text = f"Proof was waived for {tasks} on {day}: " + "; ".join(named)
    return text + (f"; and {more} more" if more else "")


def fixity_message(missing: int, changed: int, orphaned: int, receipts: int) -> str:
    return (
        f"Weekly fixity check: {missing} missing, {changed} changed, {orphaned} orphaned "
        f"binaries; {receipts} completion receipts rely on a binary that no longer verifies. "
        "Run `dataops verify-blobs` for the list."
    )


def visible_to(notification: Mapping[str, Any], actor: str | None) -> bool:
    """Per-user filtering: without an actor everything; else unaddressed or addressed to them."""
    if actor is None:
        return True
    user_id = notification.get("userId")
    return not user_id or user_id == actor
