"""Home lanes (docs/api.md#home-lanes): Today, Overdue, Waiting and Blocked, each answered in
one request with the viewer's work first, counts, and every task's proof summary.

Candidates come from index partitions (GSI-Date for today, GSI-Status ranges for the rest), so
a lane costs a few queries however many tasks the tables hold; proof evidence is gathered in
batches (engine/proof.gather_evidence_many) for the tasks answered, and for the Blocked lane
for its due-soon candidates, never for the whole table. "Today" is the team's day
(`DATAOPS_TIMEZONE`).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dataops.engine import notifications, proof, refs
from dataops.engine.context import Engine
from dataops.engine.paging import PageRequest, Partition, list_partitions
from dataops.model import jsonvalue, messages
from dataops.model import lanes as model
from dataops.model import proof as proof_model
from dataops.model.artifacts import ArtifactStatus
from dataops.model.errors import Invalid, NotFound
from dataops.model.lanes import Lane, Owner, Viewer
from dataops.model.tasks import TaskStatus
from dataops.model.values import add_days
from dataops.store.base import Item, Range


@dataclass
class LaneView:
    lane: Lane
    today: str
    timezone: str
    counts: dict[str, int]
    items: list[dict[str, Any]]
    next_cursor: str | None = None

    def as_json(self) -> dict[str, Any]:
        """`{"lane": {...}}` (+ `nextCursor` beside it when a page leaves more)."""
        answer: dict[str, Any] = {
            "lane": {
                "name": self.lane.value,
                "date": self.today,
                "timezone": self.timezone,
                "counts": self.counts,
                "items": self.items,
            }
        }
        if self.next_cursor is not None:
            answer["nextCursor"] = self.next_cursor
        return answer


def parse_lane(name: str) -> Lane:
    try:
        return Lane(name)
    except ValueError:
        raise NotFound(messages.NOT_FOUND) from None


def viewer_of(engine: Engine, actor: str | None) -> Viewer:
    """A user's work is assigned to their id or their email."""
    if not actor:
        return Viewer()
    names = {actor}
    user = engine.store.get("users", actor)
    if user is not None and isinstance(user.get("email"), str) and user["email"]:
        names.add(user["email"])
    return Viewer(frozenset(names))


def _read(engine: Engine, partitions: list[Partition]) -> list[Item]:
    return list_partitions(engine.store, partitions, PageRequest(), model.is_open).items


def _candidates(
    engine: Engine, lane: Lane, today: str
) -> tuple[list[Item], dict[str, proof_model.Evidence]]:
    """The lane's tasks, and the proof evidence already gathered for some of them."""
    statuses = model.OPEN_STATUSES
    if lane is Lane.TODAY:
        return _read(engine, [Partition("tasks", "GSI-Date", today)]), {}
    if lane is Lane.OVERDUE:
        before = Range(lte=add_days(today, -1))
        return _read(engine, [Partition("tasks", "GSI-Status", s, before) for s in statuses]), {}
    if lane is Lane.WAITING:
        return _read(engine, [Partition("tasks", "GSI-Status", TaskStatus.WAITING.value)]), {}
    soon = Range.between(today, add_days(today, model.DUE_SOON_DAYS))
    due = _read(engine, [Partition("tasks", "GSI-Status", s, soon) for s in statuses])
    # Only tasks with proof requirements can be blocked by proof; judging needs no I/O for
    # links, comments and external statuses, and one batch for files and artifacts.
    asking = [task for task in due if proof_model.requirements(task, proof_model.Evidence())]
    evidence = proof.gather_evidence_many(engine, asking)
    blocked = [
        task
        for task in asking
        if not all(r.satisfied for r in proof_model.requirements(task, evidence[task["id"]]))
    ]
    return blocked, evidence


def _offset(cursor: str | None) -> int:
    if cursor is None:
        return 0
    try:
        value = jsonvalue.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, TypeError):
        raise Invalid(messages.INVALID_CURSOR) from None
    offset = value.get("o") if isinstance(value, Mapping) else None
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
        raise Invalid(messages.INVALID_CURSOR)
    return offset


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(jsonvalue.dumps({"o": offset})).decode().rstrip("=")


def summary(requirements: list[proof_model.Requirement]) -> dict[str, Any]:
    """The proof of one task as `GET /api/tasks/:id/proof` answers it."""
    return {
        "complete": all(r.satisfied for r in requirements),
        "requirements": [r.as_json() for r in requirements],
    }


def read_lane(engine: Engine, lane: Lane, actor: str | None, page: PageRequest) -> LaneView:
    """The lane's tasks in reading order (the viewer's first, then unassigned, then others),
    all of them or one page; counts always cover the whole lane."""
    today = engine.today()
    viewer = viewer_of(engine, actor)
    tasks, known = _candidates(engine, lane, today)
    owners = {task["id"]: viewer.owner_of(task) for task in tasks}
    tasks.sort(key=lambda task: model.sort_key(lane, owners[task["id"]], task))
    start = _offset(page.cursor)
    end = len(tasks) if page.limit is None else start + page.limit
    shown = tasks[start:end]
    evidence = {
        **known,
        **proof.gather_evidence_many(engine, [task for task in shown if task["id"] not in known]),
    }
    now = engine.now()
    items = []
    for task in refs.present(engine.store, shown):
        owner: Owner = owners[task["id"]]
        item: dict[str, Any] = {
            "task": task,
            "owner": owner.value,
            "proof": summary(proof_model.requirements(task, evidence[task["id"]])),
        }
        if lane is Lane.WAITING:
            item["followUpDue"] = model.follow_up_due(task, now)
        items.append(item)
    return LaneView(
        lane,
        today,
        engine.settings.timezone.key,
        model.counts(list(owners.values())),
        items,
        _cursor(end) if end < len(tasks) else None,
    )


def attention(engine: Engine, actor: str | None) -> dict[str, Any]:
    """The counts the portal's navigation shows: artifacts waiting for review, and the caller's
    unread notifications."""
    queue = list_partitions(
        engine.store,
        [Partition("artifacts", "GSI-Status", ArtifactStatus.NEEDS_REVIEW.value)],
        PageRequest(),
    ).items
    unread = notifications.list_notifications(engine, actor, False, PageRequest()).items
    return {
        "date": engine.today(),
        "timezone": engine.settings.timezone.key,
        "reviewQueue": len(queue),
        "notifications": len(unread),
    }
