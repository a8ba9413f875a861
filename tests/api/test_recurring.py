"""Recurring configs (7.4 with 10.3, 10.11, 10.12): every rule with its message, the routes and
their 405s, and generation that is idempotent (also when two runs race)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from starlette.testclient import TestClient

from dataops.engine import recurring
from dataops.engine.context import Engine

WEEKLY = {"description": "Post the weekly community digest", "cronExpression": "0 9 * * MON"}


def create(client: TestClient, **fields: Any) -> dict[str, Any]:
    response = client.post("/api/recurring", json={**WEEKLY, **fields})
    assert response.status_code == 201, response.text
    config: dict[str, Any] = response.json()["recurringConfig"]
    return config


def generate(client: TestClient, start: str, end: str) -> dict[str, Any]:
    response = client.post("/api/recurring/generate", json={"startDate": start, "endDate": end})
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


# --- create ---------------------------------------------------------------------------------


def test_create_stores_only_the_config_fields(client: TestClient) -> None:
    response = client.post(
        "/api/recurring",
        json={
            **WEEKLY,
            "assigneeId": "user-grace",
            "schedule": "weekly",
            "dayOfWeek": 1,
            "id": "x",
        },
    )
    assert response.status_code == 201
    config = response.json()["recurringConfig"]
    assert set(config) == {
        "id",
        "description",
        "cronExpression",
        "assigneeId",
        "enabled",
        "createdAt",
        "updatedAt",
    }
    assert config["enabled"] is True
    assert config["id"] != "x"
    assert client.get(f"/api/recurring/{config['id']}").json() == {"recurringConfig": config}


def test_enabled_false_is_kept(client: TestClient) -> None:
    assert create(client, enabled=False)["enabled"] is False


@pytest.mark.parametrize("raw", [b"", b"{bad", b"null", b"[]", b"7"])
def test_create_needs_an_object(client: TestClient, engine: Engine, raw: bytes) -> None:
    response = client.post(
        "/api/recurring", content=raw, headers={"content-type": "application/json"}
    )
    assert (response.status_code, response.json()) == (400, {"error": "Invalid JSON"})
    assert engine.store.count("recurring_configs") == 0


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"cronExpression": "* * * * *"}, "Missing required field: description"),
        ({**WEEKLY, "description": "  "}, "Missing required field: description"),
        ({**WEEKLY, "description": 5}, "Missing required field: description"),
        ({**WEEKLY, "description": "d" * 20_001}, "description is too long (max 20000)"),
        ({"description": "x"}, "Missing required field: cronExpression"),
        ({"description": "x", "cronExpression": ""}, "Missing required field: cronExpression"),
        ({"description": "x", "cronExpression": 5}, "Missing required field: cronExpression"),
        (
            {"description": "x", "schedule": "weekly", "dayOfWeek": 1},
            "Missing required field: cronExpression",
        ),
        (
            {**WEEKLY, "cronExpression": "every wednesday"},
            "Invalid cron expression format: must have exactly 5 space-separated fields",
        ),
        (
            {**WEEKLY, "cronExpression": "0 9 * *"},
            "Invalid cron expression format: must have exactly 5 space-separated fields",
        ),
        (
            {**WEEKLY, "cronExpression": "61 * * * *"},
            "Invalid cron expression: minute value 61 is out of range 0-59",
        ),
        (
            {**WEEKLY, "cronExpression": "* * 32 * *"},
            "Invalid cron expression: day-of-month value 32 is out of range 1-31",
        ),
        (
            {**WEEKLY, "cronExpression": "0 9 * * WEDS"},
            "Invalid cron expression: day-of-week field has an invalid value 'WEDS'",
        ),
        ({**WEEKLY, "assigneeId": 5}, "assigneeId must be a string"),
        ({**WEEKLY, "enabled": "yes"}, "enabled must be a boolean"),
        ({**WEEKLY, "enabled": None}, "enabled must be a boolean"),
        # Order: the cron expression is judged before assigneeId and enabled.
        (
            {**WEEKLY, "cronExpression": "x", "assigneeId": 5},
            "Invalid cron expression format: must have exactly 5 space-separated fields",
        ),
        ({**WEEKLY, "assigneeId": 5, "enabled": "no"}, "assigneeId must be a string"),
    ],
)
def test_create_rules(
    client: TestClient, engine: Engine, body: dict[str, Any], message: str
) -> None:
    response = client.post("/api/recurring", json=body)
    assert (response.status_code, response.json()) == (400, {"error": message})
    assert engine.store.count("recurring_configs") == 0


# --- list, get, update, delete --------------------------------------------------------------


def test_list_oldest_first_and_get(client: TestClient) -> None:
    first, second = (
        create(client),
        create(client, description="Monthly report", cronExpression="0 0 1 * *"),
    )
    listed = client.get("/api/recurring").json()
    assert listed == {"recurringConfigs": [first, second]}
    page = client.get("/api/recurring?limit=1").json()
    assert page["recurringConfigs"] == [first] and "nextCursor" in page
    missing = client.get("/api/recurring/nope")
    assert (missing.status_code, missing.json()) == (404, {"error": "Recurring config not found"})


def test_update(client: TestClient) -> None:
    config = create(client, assigneeId="user-grace")
    url = f"/api/recurring/{config['id']}"
    response = client.put(
        url, json={"cronExpression": "0 9 * * FRI", "assigneeId": None, "enabled": False}
    )
    assert response.status_code == 200
    updated = response.json()["recurringConfig"]
    assert updated["cronExpression"] == "0 9 * * FRI"
    assert updated["enabled"] is False
    assert "assigneeId" not in updated
    assert updated["updatedAt"] > config["updatedAt"]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "Invalid JSON"),
        (b"{x", "Invalid JSON"),
        (b"null", "Request body is empty or invalid"),
        (b"{}", "Request body is empty or invalid"),
        (b'"text"', "Request body is empty or invalid"),
    ],
)
def test_update_body_errors(client: TestClient, raw: bytes, message: str) -> None:
    config = create(client)
    response = client.put(
        f"/api/recurring/{config['id']}", content=raw, headers={"content-type": "application/json"}
    )
    assert (response.status_code, response.json()) == (400, {"error": message})


def test_update_rules_after_the_existence_check(client: TestClient) -> None:
    missing = client.put("/api/recurring/nope", json={"cronExpression": "bad"})
    assert (missing.status_code, missing.json()) == (404, {"error": "Recurring config not found"})
    config = create(client)
    url = f"/api/recurring/{config['id']}"
    cases = [
        (
            {"cronExpression": "* * * * 8"},
            "Invalid cron expression: day-of-week value 8 is out of range 0-7",
        ),
        ({"cronExpression": None}, "Missing required field: cronExpression"),
        ({"assigneeId": []}, "assigneeId must be a string"),
        ({"enabled": 1}, "enabled must be a boolean"),
        ({"createdAt": "2020-01-01"}, "No valid fields to update"),
        ({"description": " "}, "description must be a non-empty string"),
    ]
    for body, message in cases:
        response = client.put(url, json=body)
        assert (response.status_code, response.json()) == (400, {"error": message}), body
    assert client.get(url).json() == {"recurringConfig": config}


def test_delete_keeps_generated_tasks(client: TestClient) -> None:
    config = create(client)
    generated = generate(client, "2026-12-01", "2026-12-14")["generated"]
    assert len(generated) == 2
    response = client.delete(f"/api/recurring/{config['id']}")
    assert (response.status_code, response.content) == (204, b"")
    task = client.get(f"/api/tasks/{generated[0]['id']}").json()
    assert task["recurringConfigId"] == config["id"]
    again = client.delete(f"/api/recurring/{config['id']}")
    assert (again.status_code, again.json()) == (404, {"error": "Recurring config not found"})
    # A deleted config generates nothing more.
    assert generate(client, "2026-12-15", "2026-12-31") == {"generated": [], "skipped": 0}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PATCH", "/api/recurring"),
        ("DELETE", "/api/recurring"),
        ("GET", "/api/recurring/generate"),
        ("PUT", "/api/recurring/generate"),
        ("DELETE", "/api/recurring/generate"),
        ("PATCH", "/api/recurring/generate"),
        ("POST", "/api/recurring/some-id"),
        ("PATCH", "/api/recurring/some-id"),
    ],
)
def test_other_methods_are_405(client: TestClient, method: str, path: str) -> None:
    response = client.request(method, path)
    assert (response.status_code, response.json()) == (405, {"error": "Method not allowed"})


def test_generate_is_an_exact_path(client: TestClient) -> None:
    # With a trailing slash, `generate` is an id like any other.
    response = client.get("/api/recurring/generate/")
    assert (response.status_code, response.json()) == (404, {"error": "Recurring config not found"})
    deeper = client.get("/api/recurring/a/b")
    assert (deeper.status_code, deeper.json()) == (404, {"error": "Not found"})


# --- generate -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "Invalid JSON"),
        (b"{oops", "Invalid JSON"),
        (b"null", "startDate and endDate are required"),
        (b"[]", "startDate and endDate are required"),
        (b"{}", "startDate and endDate are required"),
        (b'{"startDate": "2026-12-01"}', "startDate and endDate are required"),
        (b'{"startDate": "", "endDate": "2026-12-01"}', "startDate and endDate are required"),
        (
            b'{"startDate": "2026-12-1", "endDate": "2026-12-01"}',
            "startDate and endDate must be in YYYY-MM-DD format",
        ),
        (
            b'{"startDate": 20261201, "endDate": "2026-12-01"}',
            "startDate and endDate must be in YYYY-MM-DD format",
        ),
        (
            b'{"startDate": "2026-12-01", "endDate": "tomorrow"}',
            "startDate and endDate must be in YYYY-MM-DD format",
        ),
        (
            b'{"startDate": "2026-02-30", "endDate": "2026-03-01"}',
            "Invalid date: startDate must be a YYYY-MM-DD calendar date",
        ),
        (
            b'{"startDate": "2026-02-01", "endDate": "2026-13-01"}',
            "Invalid date: endDate must be a YYYY-MM-DD calendar date",
        ),
        (
            b'{"startDate": "2026-12-02", "endDate": "2026-12-01"}',
            "endDate must be greater than or equal to startDate",
        ),
        (
            b'{"startDate": "2026-01-01", "endDate": "2026-04-02"}',
            "Date range must not exceed 90 days",
        ),
    ],
)
def test_generate_refusals_store_nothing(
    client: TestClient, engine: Engine, raw: bytes, message: str
) -> None:
    create(client, cronExpression="* * * * *")
    response = client.post(
        "/api/recurring/generate", content=raw, headers={"content-type": "application/json"}
    )
    assert (response.status_code, response.json()) == (400, {"error": message})
    assert engine.store.count("tasks") == 0


def test_generate_allows_91_dates(client: TestClient) -> None:
    create(client, cronExpression="* * * * *")
    result = generate(client, "2026-01-01", "2026-04-01")
    assert len(result["generated"]) == 91


def test_generate_creates_one_task_per_matching_day(client: TestClient) -> None:
    weekly = create(client, assigneeId="user-grace")
    monthly = create(client, description="Send the invoice batch", cronExpression="0 0 1,15 * *")
    create(client, description="Disabled", cronExpression="* * * * *", enabled=False)
    result = generate(client, "2026-12-01", "2026-12-31")
    assert result["skipped"] == 0
    by_config: dict[str, list[str]] = {}
    for task in result["generated"]:
        by_config.setdefault(task["recurringConfigId"], []).append(task["date"])
    assert by_config == {
        weekly["id"]: ["2026-12-07", "2026-12-14", "2026-12-21", "2026-12-28"],
        monthly["id"]: ["2026-12-01", "2026-12-15"],
    }
    first = result["generated"][0]
    assert {key: first[key] for key in ("description", "status", "source", "assigneeId")} == {
        "description": "Post the weekly community digest",
        "status": "todo",
        "source": "recurring",
        "assigneeId": "user-grace",
    }
    assert "assigneeId" not in result["generated"][-1]
    on_day = client.get("/api/tasks?date=2026-12-07").json()["tasks"]
    assert [task["id"] for task in on_day] == [first["id"]]


def test_generation_is_idempotent(client: TestClient, engine: Engine) -> None:
    create(client)
    first = generate(client, "2026-12-01", "2026-12-31")
    assert len(first["generated"]) == 4
    assert generate(client, "2026-12-01", "2026-12-31") == {"generated": [], "skipped": 4}
    # An overlapping window creates only the new days.
    later = generate(client, "2026-12-20", "2027-01-10")
    assert [t["date"] for t in later["generated"]] == ["2027-01-04"]
    assert later["skipped"] == 2
    assert engine.store.count("tasks") == 5


def test_a_deleted_generated_task_is_generated_again(client: TestClient) -> None:
    create(client)
    first = generate(client, "2026-12-01", "2026-12-08")["generated"]
    assert client.delete(f"/api/tasks/{first[0]['id']}").status_code == 204
    again = generate(client, "2026-12-01", "2026-12-08")
    assert [t["id"] for t in again["generated"]] == [first[0]["id"]]


def test_tasks_generated_before_this_engine_count_as_generated(
    client: TestClient, engine: Engine
) -> None:
    config = create(client)
    engine.store.create(
        "tasks",
        {
            "id": "legacy-random-id",
            "description": "Post the weekly community digest",
            "date": "2026-12-07",
            "status": "done",
            "source": "recurring",
            "recurringConfigId": config["id"],
            "createdAt": "2026-12-01T00:00:00.000Z",
            "updatedAt": "2026-12-01T00:00:00.000Z",
        },
    )
    result = generate(client, "2026-12-01", "2026-12-14")
    assert [t["date"] for t in result["generated"]] == ["2026-12-14"]
    assert result["skipped"] == 1


def test_stored_invalid_expressions_generate_nothing(client: TestClient, engine: Engine) -> None:
    engine.store.create(
        "recurring_configs",
        {
            "id": "legacy",
            "description": "Imported",
            "cronExpression": "every wednesday",
            "enabled": True,
            "createdAt": "2026-01-01T00:00:00.000Z",
            "updatedAt": "2026-01-01T00:00:00.000Z",
        },
    )
    assert generate(client, "2026-12-01", "2026-12-31") == {"generated": [], "skipped": 0}


def test_two_runs_at_once_never_duplicate(client: TestClient, engine: Engine) -> None:
    for day in range(1, 8):
        create(client, description=f"Config {day}", cronExpression=f"0 9 * * {day % 7}")
    create(client, description="Daily", cronExpression="0 9 * * *")
    body = {"startDate": "2026-10-01", "endDate": "2026-12-29"}
    barrier = threading.Barrier(4)
    results: list[recurring.Generation] = []

    def run() -> None:
        barrier.wait()
        results.append(recurring.generate(engine, body))

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    expected = 90 + 90  # seven weekday configs cover every day once, plus the daily one
    assert sum(len(r.generated) for r in results) == expected
    assert all(len(r.generated) + r.skipped == expected for r in results)
    assert engine.store.count("tasks") == expected
    ids = [task["id"] for r in results for task in r.generated]
    assert len(ids) == len(set(ids))
