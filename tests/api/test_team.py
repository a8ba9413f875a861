"""Team administration over HTTP (docs/api.md#team): statuses, envelopes and the exact
messages; a member, a service and the portal itself are refused; a deactivated user's bearer
session and portal identity stop at once; other methods 405."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from dataops.engine import users
from dataops.engine.context import Engine
from dataops.engine.paging import PageRequest
from tests.conftest import FakeClock, client_for, make_engine, make_settings
from tests.support.identity import PORTAL_SECRET, login_token, portal_headers

LEAD_ONLY = {"error": "Only a lead can manage the team"}


@pytest.fixture
def engine(tmp_path: Path, clock: FakeClock) -> Iterator[Engine]:
    eng = make_engine(make_settings(tmp_path, DATAOPS_AUTH_MODE="session"), clock)
    users.add_user(
        eng, email="lee@example.com", name="Lee", user_id="lee", password="pw-lee", role="lead"
    )
    users.add_user(eng, email="ada@example.com", name="Ada", user_id="ada", password="pw-ada")
    yield eng
    eng.store.close()


def signed_in(engine: Engine, email: str, password: str) -> TestClient:
    token = login_token(engine, email, password)
    return client_for(engine, {"Authorization": f"Bearer {token}"})


@pytest.fixture
def lead(engine: Engine) -> TestClient:
    return signed_in(engine, "lee@example.com", "pw-lee")


@pytest.fixture
def member(engine: Engine) -> TestClient:
    return signed_in(engine, "ada@example.com", "pw-ada")


def test_a_lead_adds_promotes_and_deactivates_a_user(
    engine: Engine, lead: TestClient, member: TestClient
) -> None:
    added = lead.post("/api/team/users", json={"email": "grace@example.com", "name": "Grace"})
    assert added.status_code == 201, added.text
    grace = added.json()["user"]
    assert grace["role"] == "member" and "passwordHash" not in added.text
    temporary = added.json()["temporaryPassword"]
    graces = signed_in(engine, "grace@example.com", temporary)
    assert graces.get("/api/me").json()["user"]["id"] == grace["id"]

    promoted = lead.put(f"/api/team/users/{grace['id']}/role", json={"role": "lead"})
    assert (promoted.status_code, promoted.json()["user"]["role"]) == (200, "lead")

    ended = member.get("/api/me")
    assert ended.status_code == 200
    off = graces.post("/api/team/users/ada/deactivate")
    assert off.status_code == 200
    assert off.json()["sessionsEnded"] == 1
    assert off.json()["user"]["deactivatedBy"] == grace["id"]
    assert member.get("/api/me").status_code == 401
    assert member.get("/api/tasks").json() == {"error": "Unauthorized"}
    listed = {u["id"]: u for u in graces.get("/api/users").json()["users"]}
    assert listed["ada"]["deactivatedAt"] == off.json()["user"]["deactivatedAt"]

    back = lead.post("/api/team/users/ada/reactivate")
    assert back.status_code == 200 and "deactivatedAt" not in back.json()["user"]
    reset = lead.post("/api/team/users/ada/password-reset")
    assert reset.status_code == 200
    assert set(reset.json()) == {"user", "temporaryPassword", "sessionsEnded"}
    assert signed_in(engine, "ada@example.com", reset.json()["temporaryPassword"])


def test_a_member_is_refused_every_action_and_nothing_changes(
    engine: Engine, member: TestClient
) -> None:
    attempts = [
        member.post("/api/team/users", json={"email": "x@example.com", "name": "X"}),
        member.put("/api/team/users/ada/role", json={"role": "lead"}),
        member.post("/api/team/users/lee/deactivate"),
        member.post("/api/team/users/lee/reactivate"),
        member.post("/api/team/users/lee/password-reset"),
        member.get("/api/team/service-tokens"),
        member.post("/api/team/service-tokens", json={"name": "bot"}),
        member.delete("/api/team/service-tokens/bot"),
    ]
    for response in attempts:
        assert (response.status_code, response.json()) == (403, LEAD_ONLY)
    assert users.get_user(engine, "ada")["role"] == "member"
    assert users.find_by_email(engine, "x@example.com") is None
    # Members still see who is on the team.
    assert [u["id"] for u in member.get("/api/users").json()["users"]] == ["lee", "ada"]


def test_tokens_over_http(engine: Engine, lead: TestClient) -> None:
    created = lead.post("/api/team/service-tokens", json={"name": "bot", "expiresInDays": 90})
    assert created.status_code == 201
    token = created.json()["token"]
    assert created.json()["serviceToken"]["actor"] == "service:bot"
    bot = client_for(engine, {"Authorization": f"Bearer {token}"})
    assert bot.get("/api/me").json()["user"]["id"] == "service:bot"
    (listed,) = lead.get("/api/team/service-tokens").json()["serviceTokens"]
    assert listed["lastUsedAt"] and token not in str(listed)
    assert bot.get("/api/team/service-tokens").json() == LEAD_ONLY
    duplicate = lead.post("/api/team/service-tokens", json={"name": "bot"})
    assert duplicate.status_code == 409
    assert lead.delete("/api/team/service-tokens/bot").status_code == 204
    assert bot.get("/api/me").status_code == 401
    missing = lead.delete("/api/team/service-tokens/bot")
    assert (missing.status_code, missing.json()) == (404, {"error": "Service token not found"})


@pytest.mark.parametrize(
    "case",
    [
        ("POST", "/api/team/users", None, 400, "Invalid JSON body"),
        ("POST", "/api/team/users", "[]", 400, "Invalid JSON body"),
        (
            "POST",
            "/api/team/users",
            '{"email":"a@example.com"}',
            400,
            "Missing required field: name",
        ),
        (
            "PUT",
            "/api/team/users/ada/role",
            '{"role":"owner"}',
            400,
            "role must be one of: member, lead",
        ),
        ("PUT", "/api/team/users/nobody/role", '{"role":"lead"}', 404, "User not found"),
        (
            "PUT",
            "/api/team/users/lee/role",
            '{"role":"member"}',
            409,
            "The team needs at least one lead; make someone else a lead first",
        ),
        (
            "POST",
            "/api/team/users/lee/deactivate",
            None,
            400,
            "You cannot deactivate your own account; another lead can",
        ),
        ("POST", "/api/team/users/nobody/password-reset", None, 404, "User not found"),
        (
            "POST",
            "/api/team/service-tokens",
            '{"name":"bot","expiresInDays":4000}',
            400,
            "expiresInDays must be a whole number of days from 1 to 3650",
        ),
        (
            "DELETE",
            "/api/team/service-tokens/Not%20A%20Name",
            None,
            400,
            "name must be 1-64 lower-case letters, digits or hyphens, starting and ending with a letter or digit",
        ),
        ("GET", "/api/team/users", None, 405, "Method not allowed"),
        ("DELETE", "/api/team/users/ada/role", None, 405, "Method not allowed"),
        ("GET", "/api/team/users/ada/deactivate", None, 405, "Method not allowed"),
        ("PUT", "/api/team/service-tokens", None, 405, "Method not allowed"),
        ("GET", "/api/team/users/ada/unknown", None, 404, "Not found"),
    ],
)
def test_bad_requests(
    engine: Engine, lead: TestClient, case: tuple[str, str, str | None, int, str]
) -> None:
    method, path, body, status, error = case
    headers = {"Content-Type": "application/json"}
    response = lead.request(method, path, content=body, headers=headers)
    assert (response.status_code, response.json()) == (status, {"error": error})
    assert [u["role"] for u in users.list_users(engine, PageRequest()).items] == [
        "lead",
        "member",
    ]


def test_portal_mode_names_the_lead_and_refuses_the_portal_itself(tmp_path: Path) -> None:
    eng = make_engine(
        make_settings(tmp_path, DATAOPS_AUTH_MODE="portal", WORK_ENGINE_PORTAL_SECRET=PORTAL_SECRET)
    )
    users.add_user(eng, email="lee@example.com", name="Lee", user_id="lee", role="lead")
    users.add_user(eng, email="ada@example.com", name="Ada", user_id="ada")
    as_lee = client_for(eng, portal_headers("lee"))
    assert as_lee.post("/api/team/users/ada/deactivate").status_code == 200
    assert client_for(eng, portal_headers("ada")).get("/api/users").status_code == 401
    portal_itself = client_for(eng, portal_headers()).get("/api/team/service-tokens")
    assert (portal_itself.status_code, portal_itself.json()) == (403, LEAD_ONLY)
    eng.store.close()
