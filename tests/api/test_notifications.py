"""Notifications (7.6 with 10.12): follow-ups created idempotently on read, listing order and
`?all=true`, per-user filtering by the trusted actor, dismiss one, dismiss the caller's; and
no 405s anywhere under the prefix."""

from __future__ import annotations

import threading
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from dataops.engine import notifications, users
from dataops.engine.context import Engine
from dataops.engine.paging import PageRequest
from tests.conftest import FakeClock, client_for, make_engine, make_settings

_ids = count(1)


def notice(engine: Engine, **fields: Any) -> dict[str, Any]:
    record = notifications.record(engine, message=f"Notice {next(_ids)}", **fields)
    engine.store.create("notifications", record)
    return record


def waiting_task(client: TestClient, follow_up: str, **fields: Any) -> dict[str, Any]:
    body = {
        "description": "Get the signed guest release",
        "date": "2026-11-20",
        "status": "waiting",
        "waitingFor": "Grace",
        "followUpAt": follow_up,
        **fields,
    }
    response = client.post("/api/tasks", json=body)
    assert response.status_code == 201, response.text
    task: dict[str, Any] = response.json()
    return task


def listed(client: TestClient, query: str = "", **headers: str) -> list[dict[str, Any]]:
    response = client.get(f"/api/notifications{query}", headers=headers)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["notifications"]
    return found


# --- follow-ups on read ---------------------------------------------------------------------


def test_a_due_follow_up_is_created_on_read_once(client: TestClient, engine: Engine) -> None:
    task = waiting_task(client, "2026-11-28T08:00:00.000Z")
    [follow_up] = listed(client)
    assert follow_up == {
        "id": follow_up["id"],
        "message": "Follow up: Get the signed guest release — waiting for Grace",
        "type": "follow-up-due",
        "taskId": task["id"],
        "dueAt": "2026-11-28T08:00:00.000Z",
        "dismissed": False,
        "createdAt": follow_up["createdAt"],
    }
    assert listed(client) == [follow_up]
    assert engine.store.count("notifications") == 1


def test_follow_ups_carry_the_bundle(client: TestClient) -> None:
    bundle = client.post("/api/bundles", json={"title": "Ep 7", "anchorDate": "2026-12-01"}).json()
    task = waiting_task(client, "2026-11-27", bundleId=bundle["bundle"]["id"])
    [follow_up] = listed(client)
    assert follow_up["bundleId"] == bundle["bundle"]["id"]
    assert follow_up["taskId"] == task["id"]


def test_a_future_follow_up_waits_for_its_time(
    client: TestClient, engine: Engine, clock: FakeClock
) -> None:
    waiting_task(client, "2026-11-28T12:00:00.000Z")
    assert listed(client) == []
    clock.advance(hours=3)
    assert [n["type"] for n in listed(client)] == ["follow-up-due"]


def test_follow_up_times_compare_as_instants(client: TestClient) -> None:
    # 10:30 at +02:00 is 08:30 UTC: due at 09:00 UTC, although "10:30" > "09:00" as text.
    waiting_task(client, "2026-11-28T10:30:00+02:00")
    assert [n["dueAt"] for n in listed(client)] == ["2026-11-28T10:30:00+02:00"]


def test_a_dismissed_follow_up_is_not_recreated(client: TestClient) -> None:
    waiting_task(client, "2026-11-28T08:00:00.000Z")
    [follow_up] = listed(client)
    assert client.put(f"/api/notifications/{follow_up['id']}/dismiss").status_code == 200
    assert listed(client) == []
    assert [n["dismissed"] for n in listed(client, "?all=true")] == [True]


def test_a_new_follow_up_time_gives_a_new_notification(client: TestClient) -> None:
    task = waiting_task(client, "2026-11-27T08:00:00.000Z")
    assert len(listed(client)) == 1
    updated = client.put(
        f"/api/tasks/{task['id']}", json={"followUpAt": "2026-11-28T08:00:00.000Z"}
    )
    assert updated.status_code == 200
    assert [n["dueAt"] for n in listed(client)] == [
        "2026-11-28T08:00:00.000Z",
        "2026-11-27T08:00:00.000Z",
    ]


def test_tasks_no_longer_waiting_get_no_follow_up(client: TestClient) -> None:
    task = waiting_task(client, "2026-11-28T08:00:00.000Z")
    assert client.put(f"/api/tasks/{task['id']}", json={"status": "todo"}).status_code == 200
    assert listed(client) == []


def test_concurrent_reads_never_duplicate(client: TestClient, engine: Engine) -> None:
    for hour in range(5):
        waiting_task(client, f"2026-11-28T0{hour}:00:00.000Z")
    barrier = threading.Barrier(6)

    def read() -> None:
        barrier.wait()
        notifications.list_notifications(engine, None, False, PageRequest())

    threads = [threading.Thread(target=read) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert engine.store.count("notifications") == 5


def test_a_read_writes_nothing_when_nothing_is_newly_due(
    client: TestClient, engine: Engine
) -> None:
    waiting_task(client, "2026-11-28T08:00:00.000Z")
    listed(client)
    writes: list[Any] = []
    original = engine.store.transact

    def counting(batch: Any) -> Any:
        writes.append(batch)
        return original(batch)

    engine.store.transact = counting  # type: ignore[method-assign]
    listed(client)
    listed(client, "?all=true")
    assert writes == []


# --- listing --------------------------------------------------------------------------------


def test_newest_first_and_all_puts_dismissed_last(client: TestClient, engine: Engine) -> None:
    old, middle, new = notice(engine), notice(engine), notice(engine)
    assert [n["id"] for n in listed(client)] == [new["id"], middle["id"], old["id"]]
    assert client.put(f"/api/notifications/{new['id']}/dismiss").status_code == 200
    assert client.put(f"/api/notifications/{old['id']}/dismiss").status_code == 200
    assert [n["id"] for n in listed(client)] == [middle["id"]]
    assert [n["id"] for n in listed(client, "?all=true")] == [middle["id"], new["id"], old["id"]]
    assert [n["id"] for n in listed(client, "?all=false")] == [middle["id"]]


def test_pages(client: TestClient, engine: Engine) -> None:
    made = [notice(engine) for _ in range(5)]
    first = client.get("/api/notifications?limit=2").json()
    assert [n["id"] for n in first["notifications"]] == [made[4]["id"], made[3]["id"]]
    rest = client.get(f"/api/notifications?limit=10&cursor={first['nextCursor']}").json()
    assert [n["id"] for n in rest["notifications"]] == [m["id"] for m in reversed(made[:3])]
    bad = client.get("/api/notifications?limit=0")
    assert (bad.status_code, bad.json()) == (
        400,
        {"error": "limit must be an integer from 1 to 1000"},
    )


def test_each_user_sees_their_own_and_unaddressed(client: TestClient, engine: Engine) -> None:
    shared = notice(engine)
    for_ada = notice(engine, userId="ada")
    for_grace = notice(engine, userId="grace")
    assert [n["id"] for n in listed(client, **{"x-user-id": "ada"})] == [
        for_ada["id"],
        shared["id"],
    ]
    assert [n["id"] for n in listed(client, **{"x-user-id": "grace"})] == [
        for_grace["id"],
        shared["id"],
    ]
    # Without an actor (none mode): everything.
    assert len(listed(client)) == 3


def test_the_actor_comes_from_the_session_not_a_header(tmp_path: Path) -> None:
    engine = make_engine(make_settings(tmp_path, DATAOPS_AUTH_MODE="session"))
    users.add_user(engine, email="ada@example.org", name="Ada", user_id="ada", password="pw-ada-1")
    notice(engine, userId="ada")
    notice(engine, userId="grace")
    client = client_for(engine)
    token = client.post(
        "/api/auth/login", json={"email": "ada@example.org", "password": "pw-ada-1"}
    )
    headers = {"authorization": f"Bearer {token.json()['token']}", "x-user-id": "grace"}
    seen = client.get("/api/notifications", headers=headers).json()["notifications"]
    assert [n["userId"] for n in seen] == ["ada"]
    assert client.get("/api/notifications").status_code == 401


# --- dismiss --------------------------------------------------------------------------------


def test_dismiss_one(client: TestClient, engine: Engine) -> None:
    made = notice(engine)
    response = client.put(f"/api/notifications/{made['id']}/dismiss")
    assert response.status_code == 200
    assert response.json() == {"notification": {**made, "dismissed": True}}
    # Again: still dismissed, still 200.
    assert client.put(f"/api/notifications/{made['id']}/dismiss/").json()["notification"][
        "dismissed"
    ]


def test_dismiss_missing_creates_no_stub(client: TestClient, engine: Engine) -> None:
    response = client.put("/api/notifications/nope/dismiss")
    assert (response.status_code, response.json()) == (404, {"error": "Notification not found"})
    assert engine.store.count("notifications") == 0


def test_dismissing_someone_elses_notification_is_404(client: TestClient, engine: Engine) -> None:
    for_grace = notice(engine, userId="grace")
    response = client.put(
        f"/api/notifications/{for_grace['id']}/dismiss", headers={"x-user-id": "ada"}
    )
    assert (response.status_code, response.json()) == (404, {"error": "Notification not found"})
    assert (engine.store.get("notifications", for_grace["id"]) or {})["dismissed"] is False


def test_dismiss_all_dismisses_only_what_the_caller_sees(
    client: TestClient, engine: Engine
) -> None:
    notice(engine)
    notice(engine, userId="ada")
    for_grace = notice(engine, userId="grace")
    response = client.put("/api/notifications/dismiss-all", headers={"x-user-id": "ada"})
    assert (response.status_code, response.json()) == (200, {"count": 2})
    assert [n["id"] for n in listed(client)] == [for_grace["id"]]
    again = client.put("/api/notifications/dismiss-all", headers={"x-user-id": "ada"})
    assert again.json() == {"count": 0}


def test_dismiss_all_without_an_actor_dismisses_everything(
    client: TestClient, engine: Engine
) -> None:
    for user in (None, "ada", "grace"):
        for _ in range(150):
            notice(engine, userId=user)
    assert client.put("/api/notifications/dismiss-all").json() == {"count": 450}
    assert listed(client) == []
    assert len(listed(client, "?all=true")) == 450


def test_two_dismiss_alls_at_once_count_each_notification_once(engine: Engine) -> None:
    for _ in range(300):
        notice(engine)
    counts: list[int] = []
    barrier = threading.Barrier(3)

    def dismiss_all() -> None:
        barrier.wait()
        counts.append(notifications.dismiss_all(engine, None))

    threads = [threading.Thread(target=dismiss_all) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(counts) == 300


# --- paths and methods ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/notifications"),
        ("DELETE", "/api/notifications"),
        ("GET", "/api/notifications/dismiss-all"),
        ("POST", "/api/notifications/dismiss-all"),
        ("PUT", "/api/notifications/dismiss-all/"),
        ("GET", "/api/notifications/some-id"),
        ("PUT", "/api/notifications/some-id"),
        ("DELETE", "/api/notifications/some-id"),
        ("POST", "/api/notifications/some-id/dismiss"),
        ("PUT", "/api/notifications/some-id/dismiss/extra"),
    ],
)
def test_never_405(client: TestClient, method: str, path: str) -> None:
    response = client.request(method, path)
    assert (response.status_code, response.json()) == (404, {"error": "Not found"})
