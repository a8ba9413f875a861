"""The cron runner (7.5 with 10.12): automatic templates create their bundle once per anchor
date with a notification; follow-up-due, task-overdue and missing-evidence are raised once per
task and due date; two runs at once never duplicate; `POST /api/cron/run` and `dataops cron run`.

The test clock says 2026-11-28, a Saturday.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from dataops.cli import app as cli_app
from dataops.engine import cron, users
from dataops.engine.context import Engine
from tests.conftest import FakeClock
from tests.support.dates import day_in
from tests.support.live import live_server

AUTOMATIC = {
    "name": "Weekly livestream",
    "type": "event",
    "emoji": "📺",
    "tags": ["livestream"],
    "references": [{"name": "Runbook", "url": "https://docs.example.org/livestream"}],
    "bundleLinkDefinitions": [{"name": "YouTube"}],
    "triggerType": "automatic",
    "triggerSchedule": "0 6 * * SAT",
    "triggerLeadDays": 14,
    "taskDefinitions": [
        {"refId": "announce", "description": "Announce the stream", "offsetDays": -7},
        {"refId": "host", "description": "Host the stream", "offsetDays": 0},
    ],
}


def make_template(client: TestClient, **changes: Any) -> dict[str, Any]:
    response = client.post("/api/templates", json={**AUTOMATIC, **changes})
    assert response.status_code == 201, response.text
    template: dict[str, Any] = response.json()["template"]
    return template


def run(client: TestClient) -> dict[str, Any]:
    """The answer of `POST /api/cron/run`: bundles created and skipped (the notifications and
    removed temporaries it also reports are checked where they matter)."""
    response = client.post("/api/cron/run")
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    assert set(result) == {"created", "skipped", "notifications", "temporariesRemoved"}
    return {key: result[key] for key in ("created", "skipped")}


def of_type(engine: Engine, kind: str | None) -> list[dict[str, Any]]:
    return [n for n in engine.store.scan("notifications") if n.get("type") == kind]


def task(client: TestClient, **fields: Any) -> dict[str, Any]:
    response = client.post("/api/tasks", json={"description": "Send the recap", **fields})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


# --- automatic templates --------------------------------------------------------------------


def test_an_automatic_template_creates_its_bundle_once(client: TestClient, engine: Engine) -> None:
    template = make_template(client)
    first = run(client)
    assert first["skipped"] == 0
    [bundle_id] = first["created"]
    bundle = client.get(f"/api/bundles/{bundle_id}").json()["bundle"]
    assert {
        key: bundle[key] for key in ("title", "anchorDate", "templateId", "stage", "status")
    } == {
        "title": "Weekly livestream - Dec 12",
        "anchorDate": "2026-12-12",
        "templateId": template["id"],
        "stage": "preparation",
        "status": "active",
    }
    assert bundle["emoji"] == "📺"
    assert bundle["tags"] == ["livestream"]
    assert bundle["references"] == AUTOMATIC["references"]
    assert bundle["bundleLinks"] == [{"name": "YouTube", "url": ""}]
    tasks = client.get(f"/api/bundles/{bundle_id}/tasks").json()["tasks"]
    assert [(t["templateTaskRef"], t["date"]) for t in tasks] == [
        ("announce", "2026-12-05"),
        ("host", "2026-12-12"),
    ]
    [notice] = of_type(engine, None)
    assert notice["message"] == "Weekly livestream bundle auto-created for Dec 12"
    assert notice["bundleId"] == bundle_id
    assert notice["templateId"] == template["id"]
    assert "userId" not in notice
    assert run(client) == {"created": [], "skipped": 1}
    assert engine.store.count("bundles") == 1
    assert engine.store.count("tasks") == 2
    assert len(of_type(engine, None)) == 1


def test_a_long_template_name_is_cut_to_fit_the_title(client: TestClient) -> None:
    make_template(client, name="Weekly livestream " + "x" * 482)  # the longest name allowed
    [bundle_id] = run(client)["created"]
    title = client.get(f"/api/bundles/{bundle_id}").json()["bundle"]["title"]
    assert len(title) == 500  # a title's limit, which the export's validator holds it to
    assert title.startswith("Weekly livestream xxx") and title.endswith("x… - Dec 12")
    renamed = client.put(f"/api/bundles/{bundle_id}", json={"title": title})
    assert renamed.status_code == 200, renamed.text  # the API accepts what the cron made


def test_an_existing_bundle_for_the_anchor_date_is_respected(
    client: TestClient, engine: Engine
) -> None:
    template = make_template(client)
    made = client.post(
        "/api/bundles",
        json={
            "title": "By hand",
            "anchorDate": "2026-12-12",
            "templateId": template["id"],
            "status": "archived",
        },
    )
    assert made.status_code == 201
    assert run(client) == {"created": [], "skipped": 1}
    assert engine.store.count("bundles") == 1


def test_only_matching_automatic_templates_run(client: TestClient, engine: Engine) -> None:
    make_template(client, triggerSchedule="0 6 * * MON")  # not today
    make_template(client, triggerType="manual")
    make_template(client, triggerSchedule=None)
    make_template(client, triggerType=None, triggerSchedule=None)
    assert run(client) == {"created": [], "skipped": 0}
    assert engine.store.count("bundles") == 0


def test_lead_days_default_to_zero_and_truncate(client: TestClient) -> None:
    no_lead = make_template(client, name="Same day", triggerLeadDays=None)
    fractional = make_template(client, name="Fractional", triggerLeadDays=2.9)
    created = run(client)["created"]
    anchors = {
        client.get(f"/api/bundles/{bundle_id}").json()["bundle"]["templateId"]: client.get(
            f"/api/bundles/{bundle_id}"
        ).json()["bundle"]["anchorDate"]
        for bundle_id in created
    }
    assert anchors == {no_lead["id"]: "2026-11-28", fractional["id"]: "2026-11-30"}


def test_the_default_assignee_is_addressed_when_they_are_a_user(
    client: TestClient, engine: Engine
) -> None:
    users.add_user(engine, email="grace@example.org", name="Grace", user_id="grace")
    make_template(client, name="For Grace", defaultAssigneeId="grace")
    make_template(client, name="For an outsider", defaultAssigneeId="guest-host-handle")
    run(client)
    by_message = {n["message"]: n.get("userId") for n in of_type(engine, None)}
    assert by_message == {
        "For Grace bundle auto-created for Dec 12": "grace",
        "For an outsider bundle auto-created for Dec 12": None,
    }


def test_a_template_that_cannot_instantiate_is_reported_once(
    client: TestClient, engine: Engine, clock: FakeClock
) -> None:
    make_template(
        client,
        name="Year end",
        triggerSchedule="* * * * *",
        triggerLeadDays=0,
        taskDefinitions=[{"refId": "later", "description": "After the calendar", "offsetDays": 30}],
    )
    make_template(client, name="Far lead", triggerSchedule="* * * * *", triggerLeadDays=3000)
    clock.set(datetime(9999, 12, 20, 6, 0, tzinfo=UTC))
    assert run(client) == {"created": [], "skipped": 0}
    assert run(client) == {"created": [], "skipped": 0}
    messages = sorted(n["message"] for n in of_type(engine, "automation-failure"))
    assert messages == [
        "Far lead: could not create the bundle for Dec 20: triggerLeadDays leads outside the calendar",
        "Year end: could not create the bundle for Dec 20: "
        "Invalid date: anchorDate plus taskDefinitions[0].offsetDays is not a calendar date",
    ]
    assert engine.store.count("bundles") == 0
    assert engine.store.count("tasks") == 0


def test_stored_templates_with_invalid_schedules_are_ignored(
    client: TestClient, engine: Engine
) -> None:
    template = make_template(client)
    stored = engine.store.get("templates", template["id"])
    assert stored is not None
    engine.store.replace(
        "templates", {**stored, "triggerSchedule": "every saturday"}, stored.version
    )
    assert run(client) == {"created": [], "skipped": 0}


def test_two_runs_at_once_create_each_bundle_once(client: TestClient, engine: Engine) -> None:
    for number in range(10):
        make_template(client, name=f"Template {number}")
    barrier = threading.Barrier(4)
    reports: list[cron.CronReport] = []

    def go() -> None:
        barrier.wait()
        reports.append(cron.run(engine))

    threads = [threading.Thread(target=go) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    created = [bundle_id for report in reports for bundle_id in report.created]
    assert len(created) == len(set(created)) == 10
    assert all(len(r.created) + r.skipped == 10 for r in reports)
    assert engine.store.count("bundles") == 10
    assert engine.store.count("tasks") == 20
    assert len(of_type(engine, None)) == 10


# --- task notifications ---------------------------------------------------------------------


def test_overdue_tasks_are_reported_once_per_due_date(client: TestClient, engine: Engine) -> None:
    users.add_user(engine, email="ada@example.org", name="Ada", user_id="ada")
    late = task(client, date="2026-11-27", assigneeId="ada")
    task(client, date="2026-11-20", status="waiting", waitingFor="Bob", followUpAt="2026-12-01")
    task(client, date="2026-11-20", status="done")
    task(client, date="2026-11-20", status="archived")
    task(client, date="2026-11-28")  # due today: not overdue yet
    task(client, date="2026-11-27", assigneeId="external-handle")
    run(client)
    overdue = sorted(of_type(engine, "task-overdue"), key=lambda n: n["message"])
    assert [n["message"] for n in overdue] == [
        "Overdue: Send the recap (due 2026-11-20, 8 days ago)",
        "Overdue: Send the recap (due 2026-11-27, 1 day ago)",
        "Overdue: Send the recap (due 2026-11-27, 1 day ago)",
    ]
    mine = next(n for n in overdue if n.get("userId") == "ada")
    assert mine["taskId"] == late["id"]
    assert mine["dueAt"] == "2026-11-27"
    run(client)
    assert len(of_type(engine, "task-overdue")) == 3
    # A new due date that also passes is a new notification.
    assert client.put(f"/api/tasks/{late['id']}", json={"date": "2026-11-26"}).status_code == 200
    run(client)
    assert len(of_type(engine, "task-overdue")) == 4


def test_missing_evidence_for_tasks_due_within_two_days(client: TestClient, engine: Engine) -> None:
    artifact_task = task(
        client,
        description="Publish the episode page",
        date="2026-11-29",
        proofRequirement={"type": "artifact", "label": "Episode page"},
    )
    task(client, description="Far away", date="2026-12-01", proofRequirement={"type": "url"})
    task(client, description="No proof needed", date="2026-11-28")
    task(
        client,
        description="Already proven",
        date="2026-11-30",
        proofRequirement={"type": "url"},
        link="https://example.org/done",
    )
    task(client, description="Done already", date="2026-11-28", requiresFile=False, status="done")
    file_task = task(client, description="Upload the invoice", date="2026-11-30", requiresFile=True)
    run(client)
    found = {n["taskId"]: n for n in of_type(engine, "missing-evidence")}
    assert set(found) == {artifact_task["id"], file_task["id"]}
    assert found[artifact_task["id"]]["message"] == (
        "Missing evidence: Publish the episode page (due 2026-11-29). "
        "No approved artifact is attached to this task or its bundle."
    )
    assert found[file_task["id"]]["message"] == (
        "Missing evidence: Upload the invoice (due 2026-11-30). "
        "No file has been uploaded for this task yet."
    )
    assert found[file_task["id"]]["dueAt"] == "2026-11-30"
    run(client)
    assert len(of_type(engine, "missing-evidence")) == 2


def test_missing_evidence_uses_the_gate_computation(client: TestClient, engine: Engine) -> None:
    bundle = client.post("/api/bundles", json={"title": "Ep", "anchorDate": "2026-11-29"}).json()
    bundle_id = bundle["bundle"]["id"]
    proven = task(
        client,
        description="Proven through the bundle",
        date="2026-11-29",
        bundleId=bundle_id,
        proofRequirement={"type": "artifact"},
    )
    engine.store.create(
        "artifacts",
        {
            "id": "approved-on-bundle",
            "type": "event-page",
            "title": "Event page",
            "status": "approved",
            "storageProvider": "external-url",
            "storageUri": "https://lu.example.org/e/1",
            "bundleId": bundle_id,
            "createdAt": "2026-11-27T00:00:00.000Z",
            "updatedAt": "2026-11-27T00:00:00.000Z",
        },
    )
    run(client)
    assert of_type(engine, "missing-evidence") == []
    assert client.put(f"/api/tasks/{proven['id']}", json={"status": "done"}).status_code == 200


def test_follow_ups_are_raised_by_cron_too(client: TestClient, engine: Engine) -> None:
    task(
        client,
        date="2026-11-28",
        status="waiting",
        waitingFor="Ada",
        followUpAt="2026-11-28T08:00:00Z",
    )
    run(client)
    run(client)
    assert [n["message"] for n in of_type(engine, "follow-up-due")] == [
        "Follow up: Send the recap — waiting for Ada"
    ]
    assert len(client.get("/api/notifications").json()["notifications"]) == 1


def test_every_kind_is_listed_for_the_operator(client: TestClient, engine: Engine) -> None:
    make_template(client)
    task(client, description="Late", date="2026-11-01")
    task(client, description="Soon", date="2026-11-29", proofRequirement={"type": "comment"})
    task(
        client,
        description="Chase",
        date="2026-11-28",
        status="waiting",
        waitingFor="Ada",
        followUpAt="2026-11-28",
    )
    run(client)
    kinds = {n.get("type") for n in client.get("/api/notifications").json()["notifications"]}
    assert kinds == {None, "task-overdue", "missing-evidence", "follow-up-due"}


# --- HTTP and CLI ---------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
def test_other_methods_are_405(client: TestClient, method: str) -> None:
    response = client.request(method, "/api/cron/run")
    assert (response.status_code, response.json()) == (405, {"error": "Method not allowed"})


@pytest.mark.parametrize(
    "path", ["/api/cron/run/", "/api/cron", "/api/cron/", "/api/cron/runs", "/api/cron/run/x"]
)
def test_other_cron_paths_are_404(client: TestClient, path: str) -> None:
    response = client.post(path)
    assert (response.status_code, response.json()) == (404, {"error": "Not found"})


def test_the_cli_runs_cron(tmp_path: Path) -> None:
    env = {
        "DATAOPS_ENV": "test",
        "DATAOPS_AUTH_MODE": "none",
        "DATAOPS_STORE": f"sqlite:///{tmp_path / 'dataops.db'}",
        "DATAOPS_BLOBS": f"local-dev:///{tmp_path / 'blobs'}",
    }
    from dataops.bootstrap import open_engine
    from dataops.config import Settings
    from dataops.engine import templates

    engine = open_engine(Settings.from_env(env))
    templates.create_template(
        engine, {**AUTOMATIC, "triggerSchedule": "* * * * *", "triggerLeadDays": 0}
    )
    engine.store.close()
    runner = CliRunner()
    first = runner.invoke(cli_app, ["cron", "run"], env=env)
    assert first.exit_code == 0, first.output
    lines = first.stdout.splitlines()
    assert lines[0].startswith("Cron run for ") and lines[0].endswith(" (UTC)")
    assert lines[1].startswith("  bundles created from automatic templates: 1 (")
    assert lines[1].endswith("); already there: 0")
    assert lines[2].startswith("  notifications created: ")
    assert lines[3:] == ["  unfinished temporary uploads removed: 0"]
    assert first.stderr == f"Store: {tmp_path / 'dataops.db'}\n"
    second = runner.invoke(cli_app, ["cron", "run", "--json"], env=env)
    assert second.exit_code == 0
    assert second.stdout == (
        '{"created":[],"skipped":1,"notifications":{},"temporariesRemoved":0}\n'
    )


def test_the_cli_names_the_team_day_it_ran_for(tmp_path: Path) -> None:
    env = {
        "DATAOPS_ENV": "test",
        "DATAOPS_STORE": f"sqlite:///{tmp_path / 'dataops.db'}",
        "DATAOPS_BLOBS": f"local-dev:///{tmp_path / 'blobs'}",
        "DATAOPS_TIMEZONE": "Pacific/Kiritimati",
    }
    from dataops.bootstrap import open_engine
    from dataops.config import Settings

    open_engine(Settings.from_env(env)).store.close()
    before = day_in("Pacific/Kiritimati")
    ran = CliRunner().invoke(cli_app, ["cron", "run"], env=env)
    after = day_in("Pacific/Kiritimati")
    assert ran.exit_code == 0, ran.output
    first = ran.stdout.splitlines()[0]
    assert first in {f"Cron run for {day} (Pacific/Kiritimati)" for day in (before, after)}


def test_the_http_route_answers_what_the_cli_prints(client: TestClient) -> None:
    task(client, date="2026-11-01")
    answer = client.post("/api/cron/run").json()
    assert answer == {
        "created": [],
        "skipped": 0,
        "notifications": {"task-overdue": 1},
        "temporariesRemoved": 0,
    }


@pytest.mark.live
def test_concurrent_requests_against_a_live_server(tmp_path: Path) -> None:
    with live_server(tmp_path) as server:
        api = f"{server.url}/api"
        for number in range(5):
            body = {**AUTOMATIC, "name": f"Live {number}", "triggerSchedule": "* * * * *"}
            assert httpx.post(f"{api}/templates", json=body).status_code == 201
        config = {"description": "Daily standup notes", "cronExpression": "0 9 * * *"}
        assert httpx.post(f"{api}/recurring", json=config).status_code == 201
        window = {"startDate": "2026-01-01", "endDate": "2026-03-31"}

        def cron_run(_: int) -> Any:
            return httpx.post(f"{api}/cron/run", timeout=30).json()

        def generate(_: int) -> Any:
            return httpx.post(f"{api}/recurring/generate", json=window, timeout=30).json()

        with ThreadPoolExecutor(max_workers=8) as pool:
            runs = list(pool.map(cron_run, range(4)))
            generations = list(pool.map(generate, range(4)))
        created = [bundle_id for result in runs for bundle_id in result["created"]]
        assert len(created) == len(set(created)) == 5
        assert sum(len(g["generated"]) for g in generations) == 90
        bundles = httpx.get(f"{api}/bundles").json()["bundles"]
        assert len(bundles) == 5
        tasks = httpx.get(
            f"{api}/tasks", params={"startDate": "2026-01-01", "endDate": "2026-03-31"}
        )
        assert len(tasks.json()["tasks"]) == 90
