"""Notification use cases (docs/api.md#notifications): list (generating due follow-ups first),
dismiss one, dismiss the caller's; and what every generator shares: the record, and addressing a
notification only to a user who exists."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from dataops.engine import once
from dataops.engine.context import Engine
from dataops.engine.paging import Listing, PageRequest, Partition, list_partitions
from dataops.engine.retry import settle
from dataops.model import messages
from dataops.model import notifications as model
from dataops.model.errors import NotFound
from dataops.model.ids import derived_id
from dataops.model.notifications import NotificationType
from dataops.store.base import Create, Item, Range, Replace, VersionConflict

_BATCH = 200


def record(
    engine: Engine,
    *,
    message: str,
    kind: NotificationType | None = None,
    notification_id: str | None = None,
    **links: Any,
) -> dict[str, Any]:
    """A new notification; `links` are taskId, bundleId, templateId, userId, dueAt (None: left
    out)."""
    notification: dict[str, Any] = {"id": notification_id or engine.new_id(), "message": message}
    if kind is not None:
        notification["type"] = kind.value
    notification.update({name: value for name, value in links.items() if value is not None})
    notification["dismissed"] = False
    notification["createdAt"] = engine.now()
    return notification


def stage_change(
    engine: Engine, bundle: Mapping[str, Any], stage: str, task_id: str | None = None
) -> Create:
    """The write announcing that a bundle moved to `stage` (goes in the move's transaction)."""
    return Create(
        "notifications",
        record(
            engine,
            message=model.stage_change_message(bundle, stage),
            kind=NotificationType.STAGE_CHANGE,
            bundleId=bundle["id"],
            taskId=task_id,
        ),
    )


def existing_users(engine: Engine, candidates: Iterable[Any]) -> set[str]:
    """The candidates that name a user: only those may be a notification's `userId` (an export
    must never reference a missing user; assignees may be external handles)."""
    wanted = sorted({value for value in candidates if isinstance(value, str) and value})
    return set(engine.store.get_many("users", wanted)) if wanted else set()


def generate_follow_ups(engine: Engine) -> list[Item]:
    """`follow-up-due` for every waiting task whose follow-up time has come, once per
    (task, followUpAt): a derived id and create-if-absent, so concurrent reads never duplicate
    and a read writes only for follow-ups that are newly due."""
    now = engine.now()
    due = engine.store.query("tasks", "GSI-FollowUp", "waiting", range_key=Range(lte=now)).items
    if not due:
        return []
    keyed = {
        derived_id(NotificationType.FOLLOW_UP_DUE, task["id"], task["followUpAt"]): task
        for task in due
    }
    absent = once.missing_ids(engine, "notifications", list(keyed))
    records = [
        record(
            engine,
            notification_id=notification_id,
            message=model.follow_up_message(task),
            kind=NotificationType.FOLLOW_UP_DUE,
            taskId=task["id"],
            bundleId=task.get("bundleId"),
            dueAt=task["followUpAt"],
        )
        for notification_id, task in keyed.items()
        if notification_id in absent
    ]
    return once.create_absent(engine, "notifications", records)


def list_notifications(
    engine: Engine, actor: str | None, include_dismissed: bool, page: PageRequest
) -> Listing:
    """Undismissed newest first; with `include_dismissed`, the dismissed ones follow (newest
    first). Only what the actor may see (docs/api.md#notifications)."""
    generate_follow_ups(engine)
    partitions = [Partition("notifications", "GSI-Open", "open", descending=True)]
    if include_dismissed:
        partitions.append(Partition("notifications", "GSI-Dismissed", "dismissed", descending=True))
    return list_partitions(
        engine.store, partitions, page, lambda item: model.visible_to(item, actor)
    )


def dismiss(engine: Engine, notification_id: str, actor: str | None) -> Item:
    """Dismiss one the caller can see; a missing one is 404, never a stub (docs/api.md#errors)."""

    def attempt() -> Item:
        notification = engine.store.get("notifications", notification_id)
        if notification is None or not model.visible_to(notification, actor):
            raise NotFound(messages.NOTIFICATION_NOT_FOUND)
        if notification.get("dismissed") is True:
            return notification
        return engine.store.replace(
            "notifications", {**notification, "dismissed": True}, notification.version
        )

    return settle(attempt)


def dismiss_all(engine: Engine, actor: str | None) -> int:
    """Dismiss every undismissed notification the caller sees (all of them without an actor)."""
    count = 0
    while True:
        page = list_partitions(
            engine.store,
            [Partition("notifications", "GSI-Open", "open")],
            PageRequest(limit=_BATCH),
            lambda item: model.visible_to(item, actor),
        )
        if not page.items:
            return count
        writes = [
            Replace("notifications", {**item, "dismissed": True}, item.version)
            for item in page.items
        ]
        try:
            engine.store.transact(writes)
            count += len(writes)
        except VersionConflict:
            # Someone else dismissed or changed one of these: go one by one.
            for item in page.items:
                try:
                    engine.store.replace("notifications", {**item, "dismissed": True}, item.version)
                    count += 1
                except VersionConflict:
                    continue
