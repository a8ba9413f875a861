"""Task use cases below the HTTP layer: retries, cascades, audit events."""

from __future__ import annotations

from typing import Any

import pytest

from dataops.engine import retry, tasks, users
from dataops.engine.context import Engine
from dataops.model.errors import Conflict, NotFound
from dataops.store.base import VersionConflict


def test_an_update_retries_a_version_conflict_and_keeps_both_changes(engine: Engine) -> None:
    task = tasks.create_task(engine, {"description": "x", "date": "2026-12-01"}, None)
    real_transact = engine.store.transact
    raced = False

    def racing_transact(writes: Any) -> Any:
        nonlocal raced
        if not raced:
            raced = True
            current = engine.store.get("tasks", task["id"])
            assert current is not None
            engine.store.replace("tasks", {**current, "phase": "recording"}, current.version)
        return real_transact(writes)

    engine.store.transact = racing_transact  # type: ignore[method-assign]
    updated = tasks.update_task(engine, task["id"], {"comment": "mine"}, None)
    assert updated["comment"] == "mine" and updated["phase"] == "recording"
    assert updated.version == 3


def test_a_record_that_never_settles_gives_a_conflict(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    task = tasks.create_task(engine, {"description": "x", "date": "2026-12-01"}, None)
    monkeypatch.setattr(retry, "back_off", lambda number: None)

    def always_conflicts(writes: Any) -> Any:
        raise VersionConflict("tasks", task["id"])

    engine.store.transact = always_conflicts  # type: ignore[method-assign]
    with pytest.raises(
        Conflict, match="The record is being changed by others right now; try again"
    ):
        tasks.update_task(engine, task["id"], {"comment": "x"}, None)


def test_a_task_with_files_is_not_deleted(engine: Engine) -> None:
    task = tasks.create_task(engine, {"description": "x", "date": "2026-12-01"}, None)
    engine.store.create("files", {"id": "f1", "taskId": task["id"], "createdAt": engine.now()})
    with pytest.raises(Conflict, match="Task has files; delete them first"):
        tasks.delete_task(engine, task["id"], None)
    assert engine.store.get("tasks", task["id"]) is not None


def test_deleting_a_task_drops_its_notifications(engine: Engine) -> None:
    task = tasks.create_task(engine, {"description": "x", "date": "2026-12-01"}, None)
    engine.store.create(
        "notifications", {"id": "n1", "taskId": task["id"], "createdAt": engine.now()}
    )
    tasks.delete_task(engine, task["id"], None)
    assert engine.store.get("notifications", "n1") is None


def test_completion_and_reopening_are_audited(engine: Engine) -> None:
    task = tasks.create_task(engine, {"description": "x", "date": "2026-12-01"}, None)
    tasks.update_task(engine, task["id"], {"status": "done"}, "grace")
    tasks.update_task(engine, task["id"], {"comment": "still done"}, "grace")
    tasks.update_task(engine, task["id"], {"status": "todo"}, "ada")
    events = engine.store.query("audit_events", "GSI-Entity", task["id"]).items
    assert [(event["action"], event.get("actorId")) for event in events] == [
        ("task.completed", "grace"),
        ("task.reopened", "ada"),
    ]
    assert events[0]["before"] == {"status": "todo"}
    assert events[0]["after"]["status"] == "done" and events[0]["after"]["completedBy"] == "grace"


def test_setting_a_password_of_an_unknown_user(engine: Engine) -> None:
    with pytest.raises(NotFound, match="User not found"):
        users.set_password(engine, "nobody", "secret")
