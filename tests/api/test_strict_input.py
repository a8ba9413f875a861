"""Strict input (issue 12, item 3): dates are four, two and two ASCII digits and nothing else,
timestamps likewise; numbers read from headers and query strings are ASCII digits of a sane
length. Every hostile shape is a clear 4xx that stores nothing, never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.support.artifacts import make_artifact, make_bundle, make_task
from tests.support.dates import NOT_DATES, NOT_TIMESTAMPS

PRECONDITION_FAILED = "Precondition failed: the record was changed by someone else"
INVALID_LIMIT = "limit must be an integer from 1 to 1000"


def error(response: Any, status: int) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    return response.json()["error"]  # type: ignore[no-any-return]


def raw(header: str) -> bytes:
    """A header value as bytes on the wire: Latin-1 where it fits, else UTF-8 (which the
    server reads back as Latin-1)."""
    try:
        return header.encode("latin-1")
    except UnicodeEncodeError:
        return header.encode("utf-8")


def task_count(client: TestClient) -> int:
    return len(client.get("/api/tasks?startDate=2026-01-01&endDate=2026-12-31").json()["tasks"])


# --- dates --------------------------------------------------------------------------------------


@pytest.mark.parametrize("date", NOT_DATES)
def test_a_task_date_is_ascii_digits_only(client: TestClient, date: str) -> None:
    response = client.post("/api/tasks", json={"description": "Record", "date": date})
    assert error(response, 400) == "Invalid date: date must be a YYYY-MM-DD calendar date"
    assert task_count(client) == 0


@pytest.mark.parametrize("date", NOT_DATES)
def test_a_task_date_update_is_ascii_digits_only(client: TestClient, date: str) -> None:
    task = make_task(client, date="2026-12-01")
    response = client.put(f"/api/tasks/{task['id']}", json={"date": date})
    assert error(response, 400) == "Invalid date: date must be a YYYY-MM-DD calendar date"
    assert client.get(f"/api/tasks/{task['id']}").json()["date"] == "2026-12-01"


@pytest.mark.parametrize("date", NOT_DATES)
def test_a_bundle_anchor_date_is_ascii_digits_only(client: TestClient, date: str) -> None:
    response = client.post("/api/bundles", json={"title": "Episode 12", "anchorDate": date})
    assert error(response, 400) == "Invalid anchorDate format, expected YYYY-MM-DD"
    assert client.get("/api/bundles").json()["bundles"] == []


@pytest.mark.parametrize("date", NOT_DATES)
def test_date_listings_refuse_what_no_day_is(client: TestClient, date: str) -> None:
    response = client.get("/api/tasks", params={"date": date})
    assert error(response, 400) == "Invalid date: date must be a YYYY-MM-DD calendar date"
    response = client.get("/api/tasks", params={"startDate": date, "endDate": "2026-12-31"})
    assert error(response, 400) == "Invalid date: startDate must be a YYYY-MM-DD calendar date"
    response = client.get("/api/tasks", params={"startDate": "2026-12-01", "endDate": date})
    assert error(response, 400) == "Invalid date: endDate must be a YYYY-MM-DD calendar date"


@pytest.mark.parametrize("date", NOT_DATES)
def test_recurring_generation_dates_are_ascii_digits_only(client: TestClient, date: str) -> None:
    client.post(
        "/api/recurring", json={"description": "Weekly sync", "cronExpression": "0 9 * * *"}
    )
    for body in (
        {"startDate": date, "endDate": "2026-12-31"},
        {"startDate": "2026-12-01", "endDate": date},
    ):
        response = client.post("/api/recurring/generate", json=body)
        assert error(response, 400) == "startDate and endDate must be in YYYY-MM-DD format"
    assert task_count(client) == 0


def test_plain_dates_are_accepted_and_listed(client: TestClient) -> None:
    task = make_task(client, date="2026-12-01")
    bundle = make_bundle(client, anchorDate="2026-12-01")
    assert bundle["anchorDate"] == "2026-12-01"
    listed = client.get("/api/tasks?date=2026-12-01").json()["tasks"]
    assert [item["id"] for item in listed] == [task["id"]]
    ranged = client.get("/api/tasks?startDate=2026-12-01&endDate=2026-12-01").json()["tasks"]
    assert [item["id"] for item in ranged] == [task["id"]]


# --- timestamps ---------------------------------------------------------------------------------


@pytest.mark.parametrize("moment", NOT_TIMESTAMPS)
def test_a_follow_up_timestamp_is_ascii_digits_only(client: TestClient, moment: str) -> None:
    task = make_task(client)
    response = client.put(f"/api/tasks/{task['id']}", json={"followUpAt": moment})
    assert error(response, 400) == "followUpAt must be an ISO 8601 timestamp"
    assert "followUpAt" not in client.get(f"/api/tasks/{task['id']}").json()


@pytest.mark.parametrize("moment", NOT_TIMESTAMPS)
def test_a_review_timestamp_is_ascii_digits_only(client: TestClient, moment: str) -> None:
    response = client.post(
        "/api/artifacts",
        json={
            "type": "event-page",
            "title": "Episode 12 on Luma",
            "storageUri": "https://lu.ma/episode-12",
            "reviewedAt": moment,
        },
    )
    assert error(response, 400) == "reviewedAt must be an ISO 8601 timestamp"
    assert client.get("/api/artifacts").json()["artifacts"] == []


def test_plain_timestamps_are_accepted(client: TestClient) -> None:
    task = make_task(client)
    response = client.put(
        f"/api/tasks/{task['id']}", json={"followUpAt": "2026-12-01T09:00:00.000Z"}
    )
    assert response.status_code == 200, response.text
    artifact = make_artifact(client, reviewedAt="2026-12-01T09:00:00+01:00")
    assert artifact["reviewedAt"] == "2026-12-01T09:00:00+01:00"


# --- If-Match -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        pytest.param('"' + "9" * 5000 + '"', id="5000-nines"),
        pytest.param('W/"' + "9" * 5000 + '"', id="weak-5000-nines"),
        pytest.param('"' + "0" * 5000 + '1"', id="5000-leading-zeros"),
        pytest.param('"9223372036854775808"', id="beyond-64-bits"),
        pytest.param('"\xb2"', id="superscript-two"),
        pytest.param('"１"', id="full-width-one"),
        pytest.param('"1"\t"2"', id="two-values"),
        pytest.param('"-1"', id="negative"),
        pytest.param('"1', id="unterminated"),
    ],
)
def test_an_absurd_if_match_is_a_failed_precondition(client: TestClient, value: str) -> None:
    artifact = make_artifact(client)
    task = make_task(client)
    for path in (f"/api/artifacts/{artifact['id']}", f"/api/tasks/{task['id']}"):
        response = client.put(
            path, json={"title": "Lost", "comment": "Lost"}, headers={"if-match": raw(value)}
        )
        assert error(response, 412) == PRECONDITION_FAILED
    assert client.get(f"/api/artifacts/{artifact['id']}").json()["artifact"]["title"] != "Lost"
    assert "comment" not in client.get(f"/api/tasks/{task['id']}").json()


def test_a_plain_if_match_still_matches(client: TestClient) -> None:
    artifact = make_artifact(client)
    path = f"/api/artifacts/{artifact['id']}"
    for value in ('"1"', ' W/"2" ', '"0003"'):
        response = client.put(path, json={"title": "Kept"}, headers={"if-match": value})
        assert response.status_code == 200, (value, response.text)


# --- limit, cursor, Content-Length --------------------------------------------------------------


@pytest.mark.parametrize(
    "limit",
    [
        pytest.param("9" * 5000, id="5000-nines"),
        pytest.param("１０", id="full-width"),
        pytest.param("١٠", id="arabic-indic"),
        pytest.param("²", id="superscript-two"),
        pytest.param("10\n", id="trailing-newline"),
        pytest.param("+10", id="signed"),
        pytest.param("0", id="zero"),
        pytest.param("1001", id="over-the-maximum"),
    ],
)
def test_a_page_limit_is_ascii_digits_from_1_to_1000(client: TestClient, limit: str) -> None:
    make_task(client)
    for path in ("/api/tasks?date=2026-12-10", "/api/artifacts", "/api/files", "/api/bundles"):
        response = client.get(path, params={"limit": limit})
        assert error(response, 400) == INVALID_LIMIT


def test_a_plain_page_limit_is_accepted(client: TestClient) -> None:
    make_task(client)
    make_task(client)
    response = client.get("/api/tasks?date=2026-12-10&limit=1")
    assert len(response.json()["tasks"]) == 1 and "nextCursor" in response.json()


@pytest.mark.parametrize(
    "cursor", ["9" * 5000, "eyJwIjo" + "9" * 5000, "\u0661\u0662", "e30", "bnVsbA", "%00"]
)
def test_a_hostile_cursor_is_refused(client: TestClient, cursor: str) -> None:
    make_task(client)
    response = client.get("/api/tasks", params={"date": "2026-12-10", "cursor": cursor})
    assert error(response, 400) == "cursor is invalid or expired"


@pytest.mark.parametrize(
    "length", ["9" * 5000, "\xb2", "１０", "-1", "1e9"], ids=["nines", "sup", "fw", "neg", "exp"]
)
def test_a_hostile_content_length_is_never_a_500(client: TestClient, length: str) -> None:
    body = b'{"description": "Record", "date": "2026-12-01"}'
    response = client.post(
        "/api/tasks",
        content=body,
        headers={"content-type": "application/json", "content-length": raw(length)},
    )
    if length == "9" * 5000:
        assert error(response, 413) == "Request body too large"
    else:
        # Not a length at all: the bytes that arrive are what the limit is held against.
        assert response.status_code == 201, response.text
