"""The home lanes: what needs an operator today (docs/api.md#home-lanes).

Pure rules: which lanes exist, which tasks belong to each, whose work a task is, and the order
an operator reads them in (their own work first, then unassigned, then everyone else's). The
engine reads the candidates through indexes and judges proof; this module only decides.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from dataops.model.tasks import TaskStatus
from dataops.model.values import format_timestamp, parse_timestamp

# "Due soon" for the Blocked lane: tasks due from today through this many days ahead.
DUE_SOON_DAYS = 7
OPEN_STATUSES = (TaskStatus.TODO.value, TaskStatus.WAITING.value)


class Lane(StrEnum):
    TODAY = "today"  # open tasks dated today
    OVERDUE = "overdue"  # open tasks dated before today
    WAITING = "waiting"  # tasks waiting on someone else, by follow-up time
    BLOCKED = "blocked"  # open tasks due soon whose proof is incomplete


class Owner(StrEnum):
    MINE = "mine"
    UNASSIGNED = "unassigned"
    OTHERS = "others"


_RANK = {Owner.MINE: 0, Owner.UNASSIGNED: 1, Owner.OTHERS: 2}


@dataclass(frozen=True)
class Viewer:
    """Who reads the lanes: an assignee equal to any of `names` (the user's id or email) is
    theirs. Without names (a service, an anonymous test client) nothing is "mine"."""

    names: frozenset[str] = frozenset()

    def owner_of(self, task: Mapping[str, Any]) -> Owner:
        assignee = task.get("assigneeId")
        if not isinstance(assignee, str) or not assignee.strip():
            return Owner.UNASSIGNED
        return Owner.MINE if assignee in self.names else Owner.OTHERS


def is_open(task: Mapping[str, Any]) -> bool:
    return task.get("status") in OPEN_STATUSES


def follow_up_key(task: Mapping[str, Any]) -> str:
    """followUpAt as a UTC instant, so `10:00+02:00` sorts before `09:00Z`; none sorts last."""
    moment = parse_timestamp(task.get("followUpAt"))
    return "~" if moment is None else format_timestamp(moment)


def follow_up_due(task: Mapping[str, Any], now: str) -> bool:
    """The follow-up time has come (`now` is a UTC millisecond timestamp)."""
    key = follow_up_key(task)
    return key != "~" and key <= now


def sort_key(lane: Lane, owner: Owner, task: Mapping[str, Any]) -> tuple[Any, ...]:
    """Owner first; then the lane's own order: follow-up time (Waiting) or date; then id."""
    second = follow_up_key(task) if lane is Lane.WAITING else str(task.get("date", ""))
    return (_RANK[owner], second, str(task.get("date", "")), str(task.get("id", "")))


def counts(owners: Sequence[Owner]) -> dict[str, int]:
    """How many tasks a lane holds: in all, and the viewer's, unassigned and others'."""
    found = {owner.value: 0 for owner in Owner}
    for owner in owners:
        found[owner.value] += 1
    return {"total": len(owners), **found}
