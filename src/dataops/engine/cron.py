"""The cron runner (docs/api.md#scheduled-work-and-exports): automatic templates create their bundle
once per anchor date, and the routine notifications are raised once each: follow-up-due,
task-overdue, missing-evidence. It also removes temporary files that interrupted writes left in the
blob store.

Everything it creates has an id derived from what it stands for (template + anchor date,
kind + task + due date), and is written with create-if-absent: two runs at once, or a run
repeated, never duplicate anything. Templates are found through `GSI-Trigger`, existing
bundles through `GSI-Template` (templateId, anchorDate), tasks through `GSI-Status` and
`GSI-Date`: no scans.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from dataops.engine import binaries, fixity, notifications, once, proof
from dataops.engine.context import Engine
from dataops.engine.paging import PageRequest, Partition, list_partitions
from dataops.engine.templates import inherited_bundle_fields, instantiate_tasks
from dataops.model import cron, messages
from dataops.model import notifications as model
from dataops.model import proof as proof_model
from dataops.model.audit import AuditAction
from dataops.model.bundles import BundleStage, BundleStatus
from dataops.model.errors import Invalid
from dataops.model.ids import derived_id
from dataops.model.notifications import NotificationType
from dataops.model.tasks import TaskStatus
from dataops.model.templates import is_automatic
from dataops.model.users import is_lead
from dataops.model.values import add_days, is_number, parse_calendar_date
from dataops.store.base import AlreadyExists, Create, Item, Range

_OPEN_STATUSES = (TaskStatus.TODO.value, TaskStatus.WAITING.value)


@dataclass
class CronReport:
    created: list[str] = field(default_factory=list)
    skipped: int = 0
    notifications: dict[str, int] = field(default_factory=dict)
    temporaries_removed: int = 0

    def count(self, kind: str, number: int) -> None:
        if number:
            key = str(kind)  # a plain str, also for a NotificationType (JSON keys)
            self.notifications[key] = self.notifications.get(key, 0) + number

    def as_json(self) -> dict[str, Any]:
        """What `POST /api/cron/run` answers and `dataops cron run --json` prints."""
        return {
            "created": self.created,
            "skipped": self.skipped,
            "notifications": self.notifications,
            "temporariesRemoved": self.temporaries_removed,
        }


def run(engine: Engine) -> CronReport:
    """One run for the team's calendar day (`Engine.today`, in DATAOPS_TIMEZONE)."""
    report = CronReport()
    _create_scheduled_bundles(engine, report)
    report.count(NotificationType.FOLLOW_UP_DUE, len(notifications.generate_follow_ups(engine)))
    report.count(NotificationType.TASK_OVERDUE, _overdue(engine))
    report.count(NotificationType.MISSING_EVIDENCE, _missing_evidence(engine))
    report.count(NotificationType.PROOF_WAIVED, _waiver_digest(engine))
    report.temporaries_removed = binaries.remove_stale_temporaries(engine)
    report.count(NotificationType.FIXITY_PROBLEM, _weekly_fixity(engine))
    return report


# --- for leads: waivers and fixity ----------------------------------------------------------------

# The weekly fixity check runs on this ISO weekday (Monday).
FIXITY_WEEKDAY = 1


def _leads(engine: Engine) -> list[str | None]:
    """The active leads' ids; [None] (one unaddressed notification) when the team has no lead."""
    everyone = list_partitions(
        engine.store, [Partition("users", "GSI-Created")], PageRequest()
    ).items
    leads = [user["id"] for user in everyone if is_lead(user)]
    return list(leads) if leads else [None]


def _notify_leads(engine: Engine, kind: NotificationType, key: str, message: str) -> int:
    records = [
        notifications.record(
            engine,
            notification_id=derived_id(kind, lead or "team", key),
            message=message,
            kind=kind,
            userId=lead,
        )
        for lead in _leads(engine)
    ]
    return len(once.create_absent(engine, "notifications", records))


def _waiver_digest(engine: Engine) -> int:
    """`proof-waived`: yesterday's completions with waived proof, counted for each lead once."""
    day = add_days(engine.today(), -1)
    waivers = list_partitions(
        engine.store,
        [
            Partition(
                "audit_events",
                "GSI-Waiver",
                AuditAction.PROOF_WAIVED.value,
                Range.between(*engine.day_span(day)),
            )
        ],
        PageRequest(),
    ).items
    if not waivers:
        return 0
    message = model.waiver_digest_message(day, waivers)
    return _notify_leads(engine, NotificationType.PROOF_WAIVED, day, message)


def _weekly_fixity(engine: Engine) -> int:
    """`fixity-problem`: on Mondays, the default fixity check; its problems go to the leads."""
    today = parse_calendar_date(engine.today())
    if today is None or today.isoweekday() != FIXITY_WEEKDAY or engine.blobs is None:
        return 0
    found = fixity.verify_blobs(engine)
    if not found.problems and not found.receipts:
        return 0
    message = model.fixity_message(
        found.count(fixity.Finding.MISSING),
        found.count(fixity.Finding.CHANGED),
        found.count(fixity.Finding.ORPHANED),
        len(found.receipts),
    )
    return _notify_leads(engine, NotificationType.FIXITY_PROBLEM, engine.today(), message)


# --- automatic templates ------------------------------------------------------------------------


def _lead_days(template: Item) -> int:
    value = template.get("triggerLeadDays")
    return math.trunc(value) if is_number(value) else 0


def _create_scheduled_bundles(engine: Engine, report: CronReport) -> None:
    today = engine.today()
    day = parse_calendar_date(today)
    assert day is not None
    automatic = list_partitions(
        engine.store, [Partition("templates", "GSI-Trigger", "automatic")], PageRequest()
    ).items
    for template in automatic:
        schedule = cron.try_parse(template.get("triggerSchedule"))
        if not is_automatic(template) or schedule is None or not schedule.matches(day):
            continue
        try:
            anchor = add_days(today, _lead_days(template))
        except OverflowError:
            reason = messages.CRON_LEAD_OUTSIDE_CALENDAR
            report.count(
                NotificationType.AUTOMATION_FAILURE,
                _report_failure(engine, template, today, reason),
            )
            continue
        found = engine.store.query(
            "bundles", "GSI-Template", template["id"], range_key=Range(eq=anchor), limit=1
        )
        if found.items:
            report.skipped += 1
            continue
        try:
            engine.store.transact(_bundle_writes(engine, template, anchor))
        except AlreadyExists:
            report.skipped += 1  # a concurrent run created it first
            continue
        except Invalid as exc:
            report.count(
                NotificationType.AUTOMATION_FAILURE,
                _report_failure(engine, template, anchor, exc.message),
            )
            continue
        report.created.append(derived_id("cron-bundle", template["id"], anchor))


def _bundle_writes(engine: Engine, template: Item, anchor: str) -> list[Any]:
    name = str(template.get("name", ""))
    now = engine.now()
    bundle: dict[str, Any] = {
        "id": derived_id("cron-bundle", template["id"], anchor),
        "title": model.scheduled_bundle_title(name, anchor),
        "anchorDate": anchor,
        "templateId": template["id"],
        "stage": BundleStage.PREPARATION.value,
        "status": BundleStatus.ACTIVE.value,
        **inherited_bundle_fields(template),
        "createdAt": now,
        "updatedAt": now,
    }
    tasks = instantiate_tasks(engine, template, bundle)
    addressee = template.get("defaultAssigneeId")
    notice = notifications.record(
        engine,
        notification_id=derived_id("cron-bundle-created", template["id"], anchor),
        message=model.bundle_created_message(name, anchor),
        bundleId=bundle["id"],
        templateId=template["id"],
        userId=addressee
        if addressee in notifications.existing_users(engine, [addressee])
        else None,
    )
    return [
        Create("bundles", bundle),
        *(Create("tasks", task) for task in tasks),
        Create("notifications", notice),
    ]


def _report_failure(engine: Engine, template: Item, anchor: str, reason: str) -> int:
    """An automatic template that cannot instantiate is reported once per anchor date."""
    notice = notifications.record(
        engine,
        notification_id=derived_id(NotificationType.AUTOMATION_FAILURE, template["id"], anchor),
        message=model.automation_failure_message(str(template.get("name", "")), anchor, reason),
        kind=NotificationType.AUTOMATION_FAILURE,
        templateId=template["id"],
    )
    return len(once.create_absent(engine, "notifications", [notice]))


# --- task notifications -------------------------------------------------------------------------


def _raise_once(engine: Engine, kind: NotificationType, tasks: list[Item], message_of: Any) -> int:
    """One notification of `kind` per (task, date) among `tasks`; `message_of(task)` returns
    the text, or None when no notification is due after all."""
    keyed = {derived_id(kind, task["id"], task["date"]): task for task in tasks}
    absent = once.missing_ids(engine, "notifications", list(keyed))
    if not absent:
        return 0
    users = notifications.existing_users(
        engine, (keyed[notification_id].get("assigneeId") for notification_id in absent)
    )
    records = []
    for notification_id, task in keyed.items():
        if notification_id not in absent:
            continue
        message = message_of(task)
        if message is None:
            continue
        assignee = task.get("assigneeId")
        records.append(
            notifications.record(
                engine,
                notification_id=notification_id,
                message=message,
                kind=kind,
                taskId=task["id"],
                bundleId=task.get("bundleId"),
                userId=assignee if assignee in users else None,
                dueAt=task["date"],
            )
        )
    return len(once.create_absent(engine, "notifications", records))


def _overdue(engine: Engine) -> int:
    """`task-overdue`: open tasks dated before today."""
    today = engine.today()
    day = parse_calendar_date(today)
    assert day is not None
    yesterday = add_days(today, -1)
    late: list[Item] = []
    for status in _OPEN_STATUSES:
        late += list_partitions(
            engine.store,
            [Partition("tasks", "GSI-Status", status, Range(lte=yesterday))],
            PageRequest(),
        ).items
    return _raise_once(
        engine, NotificationType.TASK_OVERDUE, late, lambda task: model.overdue_message(task, day)
    )


def _missing_evidence(engine: Engine) -> int:
    """`missing-evidence`: open tasks due within the next days whose proof is incomplete, by the
    same computation as the completion gate."""
    today = engine.today()
    days = [add_days(today, offset) for offset in range(model.MISSING_EVIDENCE_DAYS + 1)]
    soon = [
        task
        for task in list_partitions(
            engine.store, [Partition("tasks", "GSI-Date", day) for day in days], PageRequest()
        ).items
        if task.get("status") in _OPEN_STATUSES
        and proof_model.requirements(task, proof_model.Evidence())
    ]

    def message_of(task: Item) -> str | None:
        unmet = [r for r in proof.requirements(engine, task, task["id"]) if not r.satisfied]
        return model.missing_evidence_message(task, (r.reason for r in unmet)) if unmet else None

    return _raise_once(engine, NotificationType.MISSING_EVIDENCE, soon, message_of)
