"""What `dataops cron run` tells leads (docs/data-safety.md): yesterday's proof waivers, daily,
and the weekly fixity check's problems, each once per lead."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from dataops.engine import cron, users
from dataops.engine.context import Engine
from dataops.model.users import Role
from tests.conftest import FakeClock, client_for, make_engine, make_settings
from tests.support.artifacts import artifact_gated_task
from tests.support.multipart import body, field, file_part, headers

SATURDAY = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
SUNDAY = datetime(2026, 11, 29, 6, 0, tzinfo=UTC)
MONDAY = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)


def notifications_of(client: TestClient, kind: str) -> list[dict[str, Any]]:
    listed = client.get("/api/notifications").json()["notifications"]
    return [notice for notice in listed if notice.get("type") == kind]


def waive(client: TestClient, reason: str) -> str:
    task = artifact_gated_task(client)
    response = client.put(
        f"/api/tasks/{task['id']}", json={"status": "done", "waiveProof": {"reason": reason}}
    )
    assert response.status_code == 200, response.text
    return str(task["id"])


def test_yesterdays_waivers_reach_every_lead_once(
    client: TestClient, engine: Engine, clock: FakeClock
) -> None:
    for name in ("grace", "linus"):
        users.add_user(engine, email=f"{name}@example.com", name=name, user_id=name, role=Role.LEAD)
    users.add_user(engine, email="ada@example.com", name="Ada", user_id="ada")
    clock.set(SATURDAY)
    first = waive(client, "Venue page retired")
    second = waive(client, "Client cancelled")
    assert "proof-waived" not in cron.run(engine).notifications  # today's are tomorrow's news

    clock.set(SUNDAY)
    report = cron.run(engine)
    assert report.notifications["proof-waived"] == 2
    notices = notifications_of(client, "proof-waived")
    assert sorted(notice["userId"] for notice in notices) == ["grace", "linus"]
    assert {notice["message"] for notice in notices} == {
        f"Proof was waived for 2 tasks on 2026-11-28: task {first} (Venue page retired); "
        f"task {second} (Client cancelled)"
    }
    assert "proof-waived" not in cron.run(engine).notifications  # once per lead and day


def test_the_digest_covers_the_team_day_not_the_utc_day(tmp_path: Path) -> None:
    # Kiritimati is UTC+14: its 2026-11-29 runs from 2026-11-28T10:00Z to 2026-11-29T10:00Z.
    clock = FakeClock(datetime(2026, 11, 28, 9, 0, tzinfo=UTC))  # still the 28th there
    engine = make_engine(make_settings(tmp_path, DATAOPS_TIMEZONE="Pacific/Kiritimati"), clock)
    try:
        client = client_for(engine)
        waive(client, "The day before")
        clock.set(datetime(2026, 11, 28, 11, 0, tzinfo=UTC))  # the 29th there, the 28th in UTC
        counted = waive(client, "On the team's day")
        clock.set(datetime(2026, 11, 29, 11, 0, tzinfo=UTC))  # the 30th there
        assert cron.run(engine).notifications["proof-waived"] == 1
        (notice,) = notifications_of(client, "proof-waived")
        assert notice["message"] == (
            f"Proof was waived for 1 task on 2026-11-29: task {counted} (On the team's day)"
        )
    finally:
        engine.store.close()


def test_the_team_day_span_in_utc(tmp_path: Path) -> None:
    for zone, day, span in (
        ("UTC", "2026-11-29", ("2026-11-29T00:00:00.000Z", "2026-11-29T23:59:59.999Z")),
        (
            "Pacific/Kiritimati",
            "2026-11-29",
            ("2026-11-28T10:00:00.000Z", "2026-11-29T09:59:59.999Z"),
        ),
        # The day Berlin leaves summer time lasts 25 hours.
        ("Europe/Berlin", "2026-10-25", ("2026-10-24T22:00:00.000Z", "2026-10-25T22:59:59.999Z")),
    ):
        engine = make_engine(make_settings(tmp_path, DATAOPS_TIMEZONE=zone))
        try:
            assert engine.day_span(day) == span, zone
        finally:
            engine.store.close()


def test_a_long_digest_names_the_first_waivers(
    client: TestClient, engine: Engine, clock: FakeClock
) -> None:
    clock.set(SATURDAY)
    ids = [waive(client, f"reason {number}") for number in range(7)]
    clock.set(SUNDAY)
    cron.run(engine)
    (notice,) = notifications_of(client, "proof-waived")
    assert "userId" not in notice  # no lead: the team sees it
    assert notice["message"].startswith("Proof was waived for 7 tasks on 2026-11-28: ")
    assert notice["message"].endswith("; and 2 more")
    assert f"task {ids[0]} (reason 0)" in notice["message"]


def test_one_waiver(client: TestClient, engine: Engine, clock: FakeClock) -> None:
    clock.set(SATURDAY)
    task_id = waive(client, "Done on paper")
    clock.set(SUNDAY)
    cron.run(engine)
    (notice,) = notifications_of(client, "proof-waived")
    assert (
        notice["message"]
        == f"Proof was waived for 1 task on 2026-11-28: task {task_id} (Done on paper)"
    )


def test_the_weekly_fixity_check_tells_leads_of_problems(
    client: TestClient, engine: Engine, clock: FakeClock, tmp_path: Path
) -> None:
    users.add_user(engine, email="grace@example.com", name="Grace", user_id="grace", role=Role.LEAD)
    task = client.post(
        "/api/tasks", json={"description": "Invoice", "date": "2026-12-01", "requiresFile": True}
    ).json()
    parts = [field("taskId", task["id"]), field("category", "invoice"), file_part(b"%PDF")]
    uploaded = client.post("/api/files", content=body(parts), headers=headers()).json()["file"]
    assert client.put(f"/api/tasks/{task['id']}", json={"status": "done"}).status_code == 200
    blob = next((tmp_path / "blobs").rglob(uploaded["id"]))
    blob.write_bytes(b"%PDF changed")

    clock.set(SUNDAY)
    assert "fixity-problem" not in cron.run(engine).notifications  # weekly, on Mondays
    clock.set(MONDAY)
    assert cron.run(engine).notifications["fixity-problem"] == 1
    (notice,) = notifications_of(client, "fixity-problem")
    assert notice["userId"] == "grace"
    assert notice["message"] == (
        "Weekly fixity check: 0 missing, 1 changed, 0 orphaned binaries; 1 completion receipts "
        "rely on a binary that no longer verifies. Run `dataops verify-blobs` for the list."
    )
    assert "fixity-problem" not in cron.run(engine).notifications


def test_a_healthy_store_raises_no_fixity_notification(
    client: TestClient, engine: Engine, clock: FakeClock
) -> None:
    clock.set(MONDAY)
    assert "fixity-problem" not in cron.run(engine).notifications
