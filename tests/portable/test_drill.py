"""The restore drill (`dataops restore-drill`): export, validate, import into a scratch store,
compare checksums, smoke checks through the engine's use cases; a line per step, a failure for
anything that does not hold, and the source store only read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from dataops.engine import demo
from dataops.engine.context import Engine
from dataops.engine.paging import Listing
from dataops.model import jsonvalue
from dataops.portable import drill
from dataops.portable.drill import FAIL, PASS, SKIP, Step, run_drill
from dataops.portable.mapping import BUNDLES, ENTITIES, Restorer
from dataops.store.base import Store
from tests.conftest import FakeClock
from tests.portable.filled import fill_through_api


def snapshot(store: Store) -> dict[str, list[tuple[str, int]]]:
    return {
        entity.table: [(item["id"], item.version) for item in store.scan(entity.table)]
        for entity in ENTITIES
    }


def outcomes(steps: list[Step]) -> list[tuple[str, str]]:
    return [(step.name, step.outcome) for step in steps]


ALL_PASS = [
    ("export", PASS),
    ("validate", PASS),
    ("import", PASS),
    ("checksums", PASS),
    ("today's tasks", PASS),
    ("bundle", PASS),
    ("template", PASS),
    ("notifications", PASS),
    ("files/artifacts", PASS),
    ("proof", PASS),
]


def test_the_drill_passes_on_the_demo_data_and_only_reads_the_source(
    engine: Engine, tmp_path: Path
) -> None:
    demo.load_demo(engine)
    before = snapshot(engine.store)
    shown: list[str] = []

    result = run_drill(engine, tmp_path / "drill", on_step=lambda step: shown.append(step.line()))

    assert outcomes(result.steps) == ALL_PASS
    assert result.passed
    assert result.summary_line() == "Restore drill passed: 10 checks"
    assert shown == [step.line() for step in result.steps]
    assert snapshot(engine.store) == before
    assert sorted(path.name for path in (tmp_path / "drill").iterdir()) == [
        "export",
        "restored",
        "scratch.db",
    ]


def test_the_drill_reports_what_each_check_looked_at(
    engine: Engine, client: TestClient, clock: FakeClock, tmp_path: Path
) -> None:
    ids = fill_through_api(engine, client, clock)
    today = engine.today()

    result = run_drill(engine, tmp_path / "drill")

    assert outcomes(result.steps) == ALL_PASS
    details = {step.name: step.detail for step in result.steps}
    assert details["checksums"] == (
        "9 entity files restored and exported again, every checksum identical"
    )
    assert details["today's tasks"] == f"1 task on {today}, as exported"
    # The bundle of the first task (in id order) that has one.
    first = min(ids["tasks"][0], ids["tasks"][1], ids["tasks"][2], ids["tasks"][4])
    assert details["bundle"] == (
        "'Meetup — June' opens with its 1 task"
        if first == ids["tasks"][4]
        else "'Episode 12 — Grace' opens with its 3 tasks"
    )
    assert details["template"] == (
        "'Podcast episode' instantiated: a bundle with 3 tasks (scratch store only)"
    )
    assert details["files/artifacts"] == (
        f"task {ids['tasks'][2]}: 1 file, 0 artifacts, as exported"
    )
    # The first done task that needs proof, in id order: its proof holds after the restore.
    done = min(ids["tasks"][0], ids["tasks"][2], ids["tasks"][4])
    assert details["proof"].startswith(f"task {done}: proof complete (done, as exported), ")
    # Service actors are known actors; the one warning is an assignee outside the team.
    assert details["validate"] == "valid, 1 warning"


def test_an_empty_store_skips_the_checks_that_need_records(engine: Engine, tmp_path: Path) -> None:
    result = run_drill(engine, tmp_path / "drill")

    assert outcomes(result.steps) == [
        ("export", PASS),
        ("validate", PASS),
        ("import", PASS),
        ("checksums", PASS),
        ("today's tasks", PASS),
        ("bundle", SKIP),
        ("template", SKIP),
        ("notifications", PASS),
        ("files/artifacts", SKIP),
        ("proof", SKIP),
    ]
    assert result.passed
    assert result.summary_line() == "Restore drill passed: 6 checks"
    assert [step.detail for step in result.steps if step.outcome == SKIP] == [
        "no bundles exported",
        "no templates exported",
        "no tasks exported",
        "no tasks exported",
    ]


def test_a_restore_that_loses_data_fails_the_checksums(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    demo.load_demo(engine)
    restore = Restorer.__call__

    def losing_titles(self: Restorer, record: Any) -> tuple[dict[str, Any], list[str]]:
        restored, left_out = restore(self, record)
        if self.entity is BUNDLES:
            restored.pop("title", None)
        return restored, left_out

    monkeypatch.setattr(Restorer, "__call__", losing_titles)

    result = run_drill(engine, tmp_path / "drill")

    exported = jsonvalue.loads((tmp_path / "drill" / "export" / "manifest.json").read_bytes())
    restored = jsonvalue.loads((tmp_path / "drill" / "restored" / "manifest.json").read_bytes())
    expected = exported["checksums"]["bundles.jsonl"]
    actual = restored["checksums"]["bundles.jsonl"]
    assert [(step.name, step.detail) for step in result.failed] == [
        (
            "checksums",
            f"bundles.jsonl differs after the restore: exported {expected}, restored {actual}",
        )
    ]
    assert not result.passed
    assert result.summary_line() == "Restore drill FAILED: 1 of 10 checks failed"


def test_an_invalid_export_stops_the_drill(engine: Engine, tmp_path: Path) -> None:
    engine.store.create(
        "tasks", {"id": "task-1", "description": "Orphan", "date": "2026-12-01", "bundleId": "gone"}
    )

    result = run_drill(engine, tmp_path / "drill")

    assert outcomes(result.steps) == [("export", PASS), ("validate", FAIL)]
    assert result.steps[1].detail == (
        "the export is invalid (1 errors), first: tasks[0] references missing bundle_id: gone"
    )
    assert result.summary_line() == "Restore drill FAILED: 1 of 2 checks failed"


def test_an_occupied_directory_fails_the_export_step(engine: Engine, tmp_path: Path) -> None:
    (tmp_path / "drill" / "export").mkdir(parents=True)
    (tmp_path / "drill" / "export" / "old.txt").write_text("keep")

    result = run_drill(engine, tmp_path / "drill")

    assert outcomes(result.steps) == [("export", FAIL)]
    assert result.steps[0].detail == (
        f"Export target {tmp_path / 'drill' / 'export'} already exists and is not empty"
    )


def test_smoke_checks_fail_when_the_restored_store_answers_differently(
    engine: Engine,
    client: TestClient,
    clock: FakeClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ids = fill_through_api(engine, client, clock)

    def no_tasks(*args: Any) -> Listing:
        return Listing([])

    def broken_files(*args: Any) -> Listing:
        raise RuntimeError("disk on fire")

    def fewer_tasks(*args: Any) -> list[dict[str, Any]]:
        return original_instantiate(*args)[:2]

    def unsatisfied(*args: Any) -> list[Any]:
        from dataops.model.proof import ProofKind, Requirement

        return [
            Requirement(ProofKind.ARTIFACT, "Prep doc", False, "No approved artifact", "refused")
        ]

    from dataops.engine import templates

    original_instantiate = templates.instantiate_tasks
    monkeypatch.setattr(drill.tasks, "list_tasks", no_tasks)
    monkeypatch.setattr(drill.files, "list_files", broken_files)
    monkeypatch.setattr(templates, "instantiate_tasks", fewer_tasks)
    monkeypatch.setattr(drill.tasks, "task_proof", unsatisfied)

    result = run_drill(engine, tmp_path / "drill")

    details = {step.name: step.detail for step in result.failed}
    done = min(ids["tasks"][0], ids["tasks"][2], ids["tasks"][4])
    assert details == {
        "today's tasks": (
            f"today's tasks: 0 listed, 1 exported (missing: {ids['tasks'][3]}; unexpected: none)"
        ),
        "template": f"template {ids['template']} gave 2 tasks for 3 task definitions",
        "files/artifacts": "RuntimeError: disk on fire",
        "proof": (
            f"task {done} is done but its proof is incomplete after the restore: "
            "No approved artifact"
        ),
    }
    assert result.summary_line() == "Restore drill FAILED: 4 of 10 checks failed"


def test_many_differing_ids_are_shown_in_part() -> None:
    listed = [f"task-{n}" for n in range(8)]

    detail = drill._differ("today's tasks", listed, set())

    assert detail == (
        "today's tasks: 8 listed, 0 exported (missing: none; unexpected: task-0, task-1, task-2, "
        "task-3, task-4 and 3 more)"
    )
