"""The scheduled runs on AWS (`scheduled_handler`): the events of the template's schedules run the
cron runner and the export to the bucket; a run that fails leaves one automation-failure
notification per job and day and raises, so that Lambda retries it and then hands it to the
dead-letter queue."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dataops import aws
from dataops.engine import cron, once, tasks
from dataops.engine.context import Engine
from dataops.model.errors import ServiceUnavailable
from tests.conftest import FakeClock, make_engine, make_settings
from tests.support.moto_server import S3Emulator


def scheduled_engine(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch, **env: str
) -> Iterator[Engine]:
    engine = make_engine(make_settings(tmp_path, **env), clock)
    monkeypatch.setattr(aws, "_scheduled_engine", engine)
    yield engine
    engine.store.close()


@pytest.fixture
def engine(tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    yield from scheduled_engine(tmp_path, clock, monkeypatch)


def failures(engine: Engine) -> list[dict[str, Any]]:
    return [
        notice
        for notice in engine.store.scan("notifications")
        if notice.get("type") == "automation-failure"
    ]


def test_the_daily_cron_event_runs_the_cron_runner(engine: Engine) -> None:
    late = tasks.create_task(
        engine, {"description": "Send the invoice", "date": "2026-11-20"}, "ada"
    )

    report = aws.scheduled_handler({"job": "cron"}, None)

    assert report == {
        "job": "cron",
        "created": [],
        "skipped": 0,
        "notifications": {"task-overdue": 1},
        "temporariesRemoved": 0,
    }
    [notice] = engine.store.scan("notifications")
    assert notice["taskId"] == late["id"]
    # A second run the same day (a retry) raises nothing twice.
    assert aws.scheduled_handler({"job": "cron"}, None)["notifications"] == {}


def test_the_daily_export_event_writes_the_export_into_the_bucket(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch, s3: S3Emulator
) -> None:
    for engine in scheduled_engine(
        tmp_path, clock, monkeypatch, EXPORT_OUTPUT_DIR=f"s3://{s3.bucket}/exports"
    ):
        tasks.create_task(engine, {"description": "Book the guest", "date": "2026-12-01"}, "ada")

        report = aws.scheduled_handler({"job": "export"}, None)

        assert report["job"] == "export"
        assert report["output_dir"].startswith(f"s3://{s3.bucket}/exports/dataops-20261128T")
        assert report["entity_counts"]["tasks"] == 1
        folder = report["output_dir"].removeprefix(f"s3://{s3.bucket}/")
        assert f"{folder}/manifest.json" in s3.keys("exports/")
        assert failures(engine) == []


def test_a_failed_run_leaves_one_notification_and_raises(engine: Engine) -> None:
    # No EXPORT_OUTPUT_DIR: the export cannot run.
    for _attempt in range(3):  # the first run and Lambda's two retries
        with pytest.raises(Exception, match="EXPORT_OUTPUT_DIR is not configured"):
            aws.scheduled_handler({"job": "export"}, None)

    [notice] = failures(engine)
    assert notice["message"] == (
        "The scheduled export of 2026-11-28 failed: EXPORT_OUTPUT_DIR is not configured"
    )
    assert notice["dismissed"] is False


def test_an_unexpected_failure_is_named_in_the_notification(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(engine: Engine) -> Any:
        raise RuntimeError("the templates index is gone")

    monkeypatch.setattr(cron, "run", explode)

    with pytest.raises(RuntimeError):
        aws.scheduled_handler({"job": "cron"}, None)

    [notice] = failures(engine)
    assert notice["message"] == (
        "The scheduled cron run of 2026-11-28 failed: RuntimeError: the templates index is gone"
    )


def test_a_store_that_refuses_the_notification_too_still_raises_the_first_failure(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unavailable(*args: Any, **kwargs: Any) -> Any:
        raise ServiceUnavailable("The metadata store is busy or unavailable right now")

    monkeypatch.setattr(cron, "run", unavailable)
    monkeypatch.setattr(once, "create_absent", unavailable)

    with pytest.raises(ServiceUnavailable):
        aws.scheduled_handler({"job": "cron"}, None)

    monkeypatch.undo()
    assert failures(engine) == []


@pytest.mark.parametrize("event", [{}, {"job": "backup"}, {"job": 1}, "cron"])
def test_an_event_of_no_schedule_is_refused(engine: Engine, event: Any) -> None:
    with pytest.raises(ValueError, match="unknown scheduled job"):
        aws.scheduled_handler(event, None)
    assert failures(engine) == []
