"""Derived index keys used by workflows: waiting tasks by follow-up instant, open and dismissed
notifications, generated tasks by (config, date); and the backfill of a new index on start."""

from __future__ import annotations

from pathlib import Path

from dataops.store.base import Range
from dataops.store.schema import TASKS
from dataops.store.sqlite import SQLiteStore


def task(task_id: str, **fields: object) -> dict[str, object]:
    return {"id": task_id, "description": "t", "date": "2026-11-28", "status": "todo", **fields}


def test_follow_up_index_holds_waiting_tasks_by_instant(tmp_path: Path) -> None:
    store = SQLiteStore(str(tmp_path / "s.db"))
    store.create("tasks", task("a", status="waiting", followUpAt="2026-11-28T10:30:00+02:00"))
    store.create("tasks", task("b", status="waiting", followUpAt="2026-11-28T09:00:00Z"))
    store.create("tasks", task("c", status="todo", followUpAt="2026-11-28T07:00:00Z"))
    store.create("tasks", task("d", status="waiting", followUpAt="not a time"))
    due = store.query(
        "tasks", "GSI-FollowUp", "waiting", range_key=Range(lte="2026-11-28T09:00:00.000Z")
    )
    assert [item["id"] for item in due.items] == ["a", "b"]
    index = TASKS.index("GSI-FollowUp")
    assert index.key_of(task("x", status="waiting", followUpAt="2026-11-28")) == (
        "waiting",
        "2026-11-28T00:00:00.000Z",
    )


def test_notifications_are_open_or_dismissed(tmp_path: Path) -> None:
    store = SQLiteStore(str(tmp_path / "s.db"))
    base = {"message": "m", "createdAt": "2026-11-28T09:00:00.000Z"}
    store.create("notifications", {"id": "open", "dismissed": False, **base})
    store.create("notifications", {"id": "legacy-open", **base})
    store.create("notifications", {"id": "done", "dismissed": True, **base})
    assert [n["id"] for n in store.query("notifications", "GSI-Open", "open").items] == [
        "legacy-open",
        "open",
    ]
    assert [n["id"] for n in store.query("notifications", "GSI-Dismissed", "dismissed").items] == [
        "done"
    ]


def test_a_new_index_is_backfilled_when_the_store_opens(tmp_path: Path) -> None:
    path = str(tmp_path / "s.db")
    old_tasks = TASKS.__class__(
        TASKS.name,
        TASKS.env_var,
        TASKS.default_table_name,
        TASKS.key_prefix,
        tuple(index for index in TASKS.indexes if index.name != "GSI-Recurring"),
    )
    old = SQLiteStore(path, {"tasks": old_tasks})
    old.create("tasks", task("generated", recurringConfigId="config-1"))
    old.close()
    current = SQLiteStore(path)
    found = current.query("tasks", "GSI-Recurring", "config-1", range_key=Range(eq="2026-11-28"))
    assert [item["id"] for item in found.items] == ["generated"]
