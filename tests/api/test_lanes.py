"""Home lanes (`GET /api/lanes/:lane`) and the attention counts (`GET /api/attention`): which
tasks each lane holds, the viewer's work first, counts over the whole lane, the proof summary of
every task, paging, the team's time zone deciding "today", and the review queue's filters."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from dataops.engine import users
from dataops.engine.context import Engine
from dataops.model import messages
from tests.conftest import FakeClock, client_for, make_engine, make_settings

# The test clock starts at 2026-11-28T09:00Z: today is 2026-11-28 in UTC.
TODAY = "2026-11-28"


def task(client: TestClient, description: str, date: str, **fields: Any) -> dict[str, Any]:
    response = client.post("/api/tasks", json={"description": description, "date": date, **fields})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def lane(client: TestClient, name: str, query: str = "", **headers: str) -> dict[str, Any]:
    response = client.get(f"/api/lanes/{name}{query}", headers=headers)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def descriptions(answer: dict[str, Any]) -> list[str]:
    return [item["task"]["description"] for item in answer["lane"]["items"]]


def test_today_holds_open_tasks_dated_today(client: TestClient) -> None:
    task(client, "Record the episode", TODAY)
    task(
        client,
        "Chase the venue",
        TODAY,
        status="waiting",
        waitingFor="Venue",
        followUpAt="2026-11-29T09:00:00.000Z",
    )
    task(client, "Already done", TODAY, status="done")
    task(client, "Tomorrow's", "2026-11-29")
    answer = lane(client, "today")
    assert answer["lane"]["name"] == "today"
    assert answer["lane"]["date"] == TODAY
    assert answer["lane"]["timezone"] == "UTC"
    assert sorted(descriptions(answer)) == ["Chase the venue", "Record the episode"]
    assert answer["lane"]["counts"] == {"total": 2, "mine": 0, "unassigned": 2, "others": 0}
    assert "nextCursor" not in answer


def test_overdue_holds_open_tasks_before_today_oldest_first(client: TestClient) -> None:
    task(client, "Last week", "2026-11-21")
    task(client, "Yesterday", "2026-11-27")
    task(client, "Done late", "2026-11-20", status="done")
    task(client, "Archived", "2026-11-20", status="archived")
    task(client, "Today", TODAY)
    assert descriptions(lane(client, "overdue")) == ["Last week", "Yesterday"]


def test_waiting_lists_follow_ups_in_time_order_and_says_which_are_due(
    client: TestClient,
) -> None:
    later = {"status": "waiting", "waitingFor": "Grace", "followUpAt": "2026-12-01T09:00:00.000Z"}
    due = {"status": "waiting", "waitingFor": "Lin", "followUpAt": "2026-11-28T08:00:00+00:00"}
    task(client, "Signed release", "2026-12-03", **later)
    task(client, "Guest photo", "2026-12-05", **due)
    task(client, "Not waiting", TODAY)
    answer = lane(client, "waiting")
    assert descriptions(answer) == ["Guest photo", "Signed release"]
    assert [item["followUpDue"] for item in answer["lane"]["items"]] == [True, False]


def test_blocked_names_the_missing_proof_of_tasks_due_soon(
    client: TestClient, engine: Engine
) -> None:
    artifact_proof = {"type": "artifact", "label": "guest prep doc"}
    blocked = task(client, "Review the prep doc", "2026-11-30", proofRequirement=artifact_proof)
    task(client, "Far away", "2026-12-20", proofRequirement=artifact_proof)
    task(client, "No proof asked", "2026-11-29")
    task(client, "Comment given", "2026-11-29", proofRequirement={"type": "comment"}, comment="ok")
    filed = task(client, "Needs a file", "2026-11-29", requiresFile=True)
    answer = lane(client, "blocked")
    assert sorted(descriptions(answer)) == ["Needs a file", "Review the prep doc"]
    item = next(i for i in answer["lane"]["items"] if i["task"]["id"] == blocked["id"])
    assert item["proof"] == {
        "complete": False,
        "requirements": [
            {
                "kind": "artifact",
                "label": "guest prep doc",
                "satisfied": False,
                "reason": "No approved artifact is attached to this task or its bundle.",
                "evidence": [],
            }
        ],
    }
    # The same summary as the task's own proof route.
    own = client.get(f"/api/tasks/{blocked['id']}/proof").json()["proof"]
    assert item["proof"] == own

    # A draft waiting for review is named; approving it takes the task out of the lane.
    artifact = client.post(
        "/api/artifacts",
        json={
            "type": "podcast-doc",
            "title": "Prep doc",
            "storageUri": "https://docs.google.com/document/d/prep",
            "status": "needs-review",
            "taskId": blocked["id"],
        },
    ).json()["artifact"]
    item = next(
        i for i in lane(client, "blocked")["lane"]["items"] if i["task"]["id"] == blocked["id"]
    )
    assert "(1 needs-review)" in item["proof"]["requirements"][0]["reason"]
    assert client.post(f"/api/artifacts/{artifact['id']}/approve", json={}).status_code == 200
    assert descriptions(lane(client, "blocked")) == ["Needs a file"]

    upload = client.post(
        "/api/files", data={"taskId": filed["id"]}, files={"file": ("a.txt", b"x", "text/plain")}
    )
    assert upload.status_code == 201, upload.text
    assert descriptions(lane(client, "blocked")) == []


def test_blocked_counts_bundle_artifacts_and_refs(client: TestClient) -> None:
    bundle = client.post("/api/bundles", json={"title": "Ep 1", "anchorDate": "2026-12-01"}).json()[
        "bundle"
    ]
    proof = {"type": "artifact"}
    first = task(client, "Via bundle", "2026-11-29", bundleId=bundle["id"], proofRequirement=proof)
    second = task(client, "Via ref", "2026-11-30", proofRequirement=proof)
    third = task(client, "Still blocked", "2026-11-30", proofRequirement=proof)
    on_bundle = client.post(
        "/api/artifacts",
        json={
            "type": "report",
            "title": "Bundle report",
            "storageUri": "https://example.org/r",
            "status": "approved",
            "bundleId": bundle["id"],
        },
    ).json()["artifact"]
    referenced = client.post(
        "/api/artifacts",
        json={
            "type": "report",
            "title": "Loose",
            "storageUri": "https://example.org/l",
            "status": "approved",
        },
    ).json()["artifact"]
    assert (
        client.put(
            f"/api/tasks/{second['id']}", json={"artifactRefs": [{"artifactId": referenced["id"]}]}
        ).status_code
        == 200
    )
    assert descriptions(lane(client, "blocked")) == ["Still blocked"]
    assert first["id"] != third["id"] and on_bundle["status"] == "approved"


def test_the_viewers_work_comes_first_then_unassigned(client: TestClient, engine: Engine) -> None:
    ada = users.add_user(engine, email="ada@example.com", name="Ada")
    task(client, "Grace's", TODAY, assigneeId="grace@example.com")
    task(client, "Nobody's", TODAY)
    task(client, "Ada's by email", TODAY, assigneeId="ada@example.com")
    task(client, "Ada's by id", TODAY, assigneeId=ada["id"])
    answer = lane(client, "today", **{"x-user-id": ada["id"]})
    owners = [(i["owner"], i["task"]["description"]) for i in answer["lane"]["items"]]
    assert [owner for owner, _ in owners] == ["mine", "mine", "unassigned", "others"]
    assert {d for o, d in owners if o == "mine"} == {"Ada's by email", "Ada's by id"}
    assert answer["lane"]["counts"] == {"total": 4, "mine": 2, "unassigned": 1, "others": 1}
    # Without an actor nothing is "mine".
    anonymous = lane(client, "today")["lane"]["counts"]
    assert anonymous == {"total": 4, "mine": 0, "unassigned": 1, "others": 3}


def test_a_page_leaves_the_counts_whole_and_a_cursor_for_the_rest(client: TestClient) -> None:
    for day in ("2026-11-20", "2026-11-21", "2026-11-22", "2026-11-23", "2026-11-24"):
        task(client, f"Late {day}", day)
    first = lane(client, "overdue", "?limit=2")
    assert descriptions(first) == ["Late 2026-11-20", "Late 2026-11-21"]
    assert first["lane"]["counts"]["total"] == 5
    second = lane(client, "overdue", f"?limit=2&cursor={first['nextCursor']}")
    assert descriptions(second) == ["Late 2026-11-22", "Late 2026-11-23"]
    third = lane(client, "overdue", f"?limit=2&cursor={second['nextCursor']}")
    assert descriptions(third) == ["Late 2026-11-24"]
    assert "nextCursor" not in third


@pytest.mark.parametrize(
    "query", ["?limit=0", "?limit=1001", "?limit=x", "?cursor=%%%", "?cursor=bm9wZQ"]
)
def test_bad_paging_is_refused(client: TestClient, query: str) -> None:
    response = client.get(f"/api/lanes/today{query}")
    assert response.status_code == 400
    assert response.json()["error"] in (messages.INVALID_LIMIT, messages.INVALID_CURSOR)


@pytest.mark.parametrize("path", ["/api/lanes/tomorrow", "/api/lanes/", "/api/lanes/today/x"])
def test_unknown_lanes_are_not_found(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.json() == {"error": "Not found"}


def test_the_team_time_zone_decides_today_and_overdue(tmp_path: Path) -> None:
    # 2026-11-28T23:30Z is already the 29th in Berlin.
    clock = FakeClock(datetime(2026, 11, 28, 23, 30, tzinfo=UTC))
    for zone, today, overdue in (
        ("UTC", ["On the 28th"], []),
        ("Europe/Berlin", [], ["On the 28th"]),
    ):
        engine = make_engine(
            make_settings(tmp_path / zone.replace("/", "-"), DATAOPS_TIMEZONE=zone), clock
        )
        try:
            client = client_for(engine)
            task(client, "On the 28th", "2026-11-28")
            assert descriptions(lane(client, "today")) == today
            assert descriptions(lane(client, "overdue")) == overdue
            assert lane(client, "today")["lane"]["timezone"] == zone
        finally:
            engine.store.close()


def test_attention_counts_the_review_queue_and_unread_notifications(
    client: TestClient, engine: Engine
) -> None:
    for title in ("One", "Two"):
        client.post(
            "/api/artifacts",
            json={
                "type": "report",
                "title": title,
                "storageUri": f"https://example.org/{title}",
                "status": "needs-review",
            },
        )
    client.post(
        "/api/artifacts",
        json={"type": "report", "title": "Draft", "storageUri": "https://example.org/d"},
    )
    task(
        client,
        "Chase",
        TODAY,
        status="waiting",
        waitingFor="Lin",
        followUpAt="2026-11-28T08:00:00.000Z",
    )
    answer = client.get("/api/attention").json()
    assert answer == {
        "attention": {"date": TODAY, "timezone": "UTC", "reviewQueue": 2, "notifications": 1}
    }
    client.put("/api/notifications/dismiss-all")
    assert client.get("/api/attention").json()["attention"]["notifications"] == 0


def test_the_review_queue_filters_by_type_provider_and_workflow(client: TestClient) -> None:
    bundle = client.post("/api/bundles", json={"title": "Ep", "anchorDate": "2026-12-01"}).json()[
        "bundle"
    ]
    bodies = [
        {
            "type": "podcast-doc",
            "title": "Doc",
            "storageUri": "https://docs.google.com/document/d/1",
        },
        {
            "type": "podcast-doc",
            "title": "Dropbox doc",
            "storageUri": "https://www.dropbox.com/s/2",
            "bundleId": bundle["id"],
        },
        {
            "type": "transcript",
            "title": "Transcript",
            "storageUri": "https://www.dropbox.com/s/3",
            "bundleId": bundle["id"],
        },
    ]
    for body in bodies:
        created = client.post("/api/artifacts", json={**body, "status": "needs-review"})
        assert created.status_code == 201, created.text
    client.post("/api/artifacts", json={**bodies[0], "title": "Approved", "status": "approved"})

    def titles(query: str) -> list[str]:
        response = client.get(f"/api/artifacts?status=needs-review{query}")
        assert response.status_code == 200, response.text
        return sorted(a["title"] for a in response.json()["artifacts"])

    assert titles("") == ["Doc", "Dropbox doc", "Transcript"]
    assert titles("&type=podcast-doc") == ["Doc", "Dropbox doc"]
    assert titles("&storageProvider=dropbox") == ["Dropbox doc", "Transcript"]
    assert titles(f"&bundleId={bundle['id']}&type=transcript") == ["Transcript"]
    assert titles("&storageProvider=dropbox&type=podcast-doc") == ["Dropbox doc"]
    # The provider alone uses its own index.
    alone = client.get("/api/artifacts?storageProvider=google-drive").json()["artifacts"]
    assert sorted(a["title"] for a in alone) == ["Approved", "Doc"]


def test_the_team_time_zone_decides_the_cron_runners_day(tmp_path: Path) -> None:
    # Saturday 2026-11-28 23:30 UTC is Sunday the 29th in Berlin.
    clock = FakeClock(datetime(2026, 11, 28, 23, 30, tzinfo=UTC))
    template = {
        "name": "Sunday digest",
        "type": "newsletter",
        "triggerType": "automatic",
        "triggerSchedule": "0 9 * * SUN",
        "taskDefinitions": [{"refId": "send", "description": "Send it", "offsetDays": 0}],
    }
    for zone, created in (("UTC", []), ("Europe/Berlin", ["2026-11-29"])):
        settings = make_settings(tmp_path / zone.replace("/", "-"), DATAOPS_TIMEZONE=zone)
        engine = make_engine(settings, clock)
        try:
            client = client_for(engine)
            assert client.post("/api/templates", json=template).status_code == 201
            task(client, "Late since Friday", "2026-11-27")
            task(client, "Due on the 28th", "2026-11-28")
            run = client.post("/api/cron/run").json()
            anchors = [b["anchorDate"] for b in client.get("/api/bundles").json()["bundles"]]
            assert anchors == created
            overdue = {
                n["message"]
                for n in client.get("/api/notifications").json()["notifications"]
                if n.get("type") == "task-overdue"
            }
            assert len(overdue) == (1 if zone == "UTC" else 2), run
        finally:
            engine.store.close()
