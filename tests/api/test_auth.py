"""Authentication in all three modes (docs/api.md#authentication)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from dataops.engine import users
from dataops.engine.context import Engine
from tests.conftest import FakeClock, client_for, make_engine, make_settings
from tests.support.identity import PORTAL_SECRET, portal_headers


def error(response: Any, status: int) -> str:
    assert response.status_code == status, response.text
    return response.json()["error"]  # type: ignore[no-any-return]


@pytest.fixture
def session_engine(tmp_path: Path, clock: FakeClock) -> Iterator[Engine]:
    engine = make_engine(
        make_settings(tmp_path, DATAOPS_AUTH_MODE="session", DATAOPS_SESSION_TTL_SECONDS="3600"),
        clock,
    )
    users.add_user(
        engine, email="ada@example.com", name="Ada", user_id="user-ada", password="correct horse"
    )
    yield engine
    engine.store.close()


@pytest.fixture
def anonymous(session_engine: Engine) -> TestClient:
    return client_for(session_engine)


def login(
    client: TestClient, email: str = "ada@example.com", password: str = "correct horse"
) -> str:
    response = client.post("/api/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return response.json()["token"]  # type: ignore[no-any-return]


# --- session mode --------------------------------------------------------------------------------


def test_login_returns_the_user_and_a_token(anonymous: TestClient) -> None:
    response = anonymous.post(
        "/api/auth/login", json={"email": "ada@example.com", "password": "correct horse"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["user"] == {
        "id": "user-ada",
        "name": "Ada",
        "email": "ada@example.com",
        "role": "member",
        "createdAt": body["user"]["createdAt"],
    }
    assert len(body["token"]) >= 32
    assert "passwordHash" not in response.text


@pytest.mark.parametrize(
    ("raw", "status", "message"),
    [
        (b"{x", 400, "Invalid JSON body"),
        (b"", 400, "Invalid JSON body"),
        (b"[]", 400, "Invalid JSON body"),
        (b'{"email": "ada@example.com"}', 400, "email and password are required"),
        (b'{"password": "x"}', 400, "email and password are required"),
        (b'{"email": "ada@example.com", "password": "wrong"}', 401, "Invalid email or password"),
        (
            b'{"email": "ADA@example.com", "password": "correct horse"}',
            401,
            "Invalid email or password",
        ),
        (b'{"email": "nobody@example.com", "password": "x"}', 401, "Invalid email or password"),
        (b'{"email": ["ada@example.com"], "password": "x"}', 401, "Invalid email or password"),
    ],
)
def test_login_refusals(anonymous: TestClient, raw: bytes, status: int, message: str) -> None:
    assert error(anonymous.post("/api/auth/login", content=raw), status) == message


def test_user_without_password_cannot_log_in(session_engine: Engine, anonymous: TestClient) -> None:
    users.add_user(session_engine, email="bob@example.com", name="Bob")
    response = anonymous.post(
        "/api/auth/login", json={"email": "bob@example.com", "password": "x" * 12}
    )
    assert error(response, 401) == "Invalid email or password"


def test_bearer_token_opens_the_api_and_sets_the_actor(anonymous: TestClient) -> None:
    assert error(anonymous.get("/api/bundles"), 401) == "Unauthorized"
    token = login(anonymous)
    for scheme in ("Bearer", "bearer", "BEARER"):
        assert (
            anonymous.get(
                "/api/bundles", headers={"Authorization": f"{scheme} {token}"}
            ).status_code
            == 200
        )
    headers = {"Authorization": f"Bearer {token}", "x-user-id": "mallory"}
    task = anonymous.post(
        "/api/tasks", json={"description": "x", "date": "2026-12-01"}, headers=headers
    ).json()
    done = anonymous.put(
        f"/api/tasks/{task['id']}", json={"status": "done"}, headers=headers
    ).json()
    assert done["completedBy"] == "user-ada"


def test_unknown_routes_need_authentication_first(anonymous: TestClient) -> None:
    assert error(anonymous.get("/api/unknown"), 401) == "Unauthorized"


def test_exempt_paths(anonymous: TestClient) -> None:
    assert anonymous.get("/").status_code == 200
    assert anonymous.get("/api/health").status_code == 200
    assert anonymous.get("/api/ready").json() == {"status": "ready"}


@pytest.mark.parametrize("header", ["Bearer nope", "Basic abc", "Bearer", "", "token"])
def test_bad_tokens_are_unauthorized(anonymous: TestClient, header: str) -> None:
    assert (
        error(anonymous.get("/api/bundles", headers={"Authorization": header}), 401)
        == "Unauthorized"
    )


def test_me_and_logout(anonymous: TestClient) -> None:
    assert error(anonymous.get("/api/me"), 401) == "Unauthorized"
    token = login(anonymous)
    headers = {"Authorization": f"Bearer {token}"}
    me = anonymous.get("/api/me", headers=headers)
    assert me.json()["user"]["id"] == "user-ada"
    logout = anonymous.post("/api/auth/logout", headers=headers)
    assert logout.status_code == 204 and logout.content == b""
    assert error(anonymous.get("/api/me", headers=headers), 401) == "Unauthorized"
    assert error(anonymous.get("/api/bundles", headers=headers), 401) == "Unauthorized"
    assert anonymous.post("/api/auth/logout").status_code == 204


def test_sessions_expire(anonymous: TestClient, clock: FakeClock) -> None:
    token = login(anonymous)
    headers = {"Authorization": f"Bearer {token}"}
    clock.advance(seconds=3500)
    assert anonymous.get("/api/me", headers=headers).status_code == 200
    clock.advance(seconds=200)
    assert error(anonymous.get("/api/me", headers=headers), 401) == "Unauthorized"
    assert error(anonymous.get("/api/bundles", headers=headers), 401) == "Unauthorized"


def test_session_of_a_deleted_user_is_refused(
    session_engine: Engine, anonymous: TestClient
) -> None:
    token = login(anonymous)
    session_engine.store.delete("users", "user-ada")
    assert (
        error(anonymous.get("/api/me", headers={"Authorization": f"Bearer {token}"}), 401)
        == "Unauthorized"
    )


def test_sessions_are_stored_under_a_digest_of_the_token(
    session_engine: Engine, anonymous: TestClient
) -> None:
    token = login(anonymous)
    stored = [session["id"] for session in session_engine.store.scan("sessions")]
    assert token not in stored
    assert hashlib.sha256(token.encode()).hexdigest() in stored


def test_passwords_are_salted_slow_hashes(session_engine: Engine) -> None:
    other = users.add_user(
        session_engine, email="eve@example.com", name="Eve", password="correct horse"
    )
    ada = session_engine.store.get("users", "user-ada")
    assert ada is not None
    assert ada["passwordHash"].startswith("scrypt$")
    assert ada["passwordHash"] != other["passwordHash"]


def test_legacy_sha256_hash_is_accepted_once_and_upgraded(
    session_engine: Engine, anonymous: TestClient
) -> None:
    legacy = hashlib.sha256(b"old secret").hexdigest()
    session_engine.store.create(
        "users",
        {
            "id": "user-old",
            "name": "Old",
            "email": "old@example.com",
            "passwordHash": legacy,
            "createdAt": "2024-01-01T00:00:00.000Z",
        },
    )
    login(anonymous, "old@example.com", "old secret")
    upgraded = session_engine.store.get("users", "user-old")
    assert upgraded is not None and upgraded["passwordHash"].startswith("scrypt$")
    login(anonymous, "old@example.com", "old secret")
    assert error(
        anonymous.post("/api/auth/login", json={"email": "old@example.com", "password": "nope"}),
        401,
    )


def test_duplicate_users_are_refused(session_engine: Engine) -> None:
    from dataops.model.errors import Conflict, Invalid

    with pytest.raises(Conflict, match="A user with this email already exists"):
        users.add_user(session_engine, email="ada@example.com", name="Ada again")
    with pytest.raises(Conflict, match="A user with this id already exists"):
        users.add_user(session_engine, email="new@example.com", name="New", user_id="user-ada")
    with pytest.raises(Invalid, match="email must be an email address"):
        users.add_user(session_engine, email="not-an-email", name="X")
    with pytest.raises(Invalid, match="Missing required field: name"):
        users.add_user(session_engine, email="x@example.com", name=" ")


# --- none mode -----------------------------------------------------------------------------------


def test_none_mode_needs_no_token_and_trusts_x_user_id(client: TestClient) -> None:
    task = client.post("/api/tasks", json={"description": "x", "date": "2026-12-01"}).json()
    done = client.put(
        f"/api/tasks/{task['id']}", json={"status": "done"}, headers={"x-user-id": "grace"}
    ).json()
    assert done["completedBy"] == "grace"
    assert error(client.get("/api/me"), 401) == "Unauthorized"


# --- portal mode ---------------------------------------------------------------------------------


@pytest.fixture
def portal_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(
        make_settings(tmp_path, DATAOPS_AUTH_MODE="portal", WORK_ENGINE_PORTAL_SECRET=PORTAL_SECRET)
    )
    users.add_user(engine, email="grace@example.com", name="Grace", user_id="grace")
    yield engine
    engine.store.close()


@pytest.fixture
def portal(portal_engine: Engine) -> TestClient:
    return client_for(portal_engine)


TRUSTED = portal_headers()


def test_portal_trusts_only_requests_with_the_secret(portal: TestClient) -> None:
    assert error(portal.get("/api/bundles"), 401) == "Unauthorized"
    assert (
        error(portal.get("/api/bundles", headers={**TRUSTED, "x-portal-secret": "guess"}), 401)
        == "Unauthorized"
    )
    assert (
        error(portal.get("/api/bundles", headers={**TRUSTED, "x-portal-auth": "yes"}), 401)
        == "Unauthorized"
    )
    assert portal.get("/api/bundles", headers=TRUSTED).status_code == 200


def test_portal_actor_comes_from_the_portal_headers(portal: TestClient) -> None:
    task = portal.post(
        "/api/tasks", json={"description": "x", "date": "2026-12-01"}, headers=TRUSTED
    ).json()
    done = portal.put(
        f"/api/tasks/{task['id']}",
        json={"status": "done"},
        headers=portal_headers("grace"),
    )
    assert done.json()["completedBy"] == "grace"
    again = portal.put(f"/api/tasks/{task['id']}", json={"status": "done"}, headers=TRUSTED)
    assert again.json()["completedBy"] == "portal-admin"


def test_portal_mode_has_no_session_routes(portal: TestClient) -> None:
    login = portal.post(
        "/api/auth/login", json={"email": "a@example.com", "password": "x"}, headers=TRUSTED
    )
    assert error(login, 404) == "Not found"
    assert error(portal.post("/api/auth/logout"), 404) == "Not found"
    assert error(portal.get("/api/me"), 401) == "Unauthorized"
    assert (
        error(portal.get("/api/bundles", headers={"Authorization": "Bearer anything"}), 401)
        == "Unauthorized"
    )


def test_portal_me_is_the_named_user_or_the_portal(portal: TestClient) -> None:
    me = portal.get("/api/me", headers=portal_headers("grace")).json()
    assert me == {
        "user": {
            "id": "grace",
            "name": "Grace",
            "email": "grace@example.com",
            "role": "member",
            "createdAt": me["user"]["createdAt"],
        }
    }
    assert portal.get("/api/me", headers=TRUSTED).json() == {
        "user": {"id": "portal-admin", "name": "Portal user"}
    }


def test_portal_mode_keeps_exempt_paths_open(portal: TestClient) -> None:
    assert portal.get("/api/health").status_code == 200
    assert portal.get("/api/ready").json() == {"status": "ready"}
    assert portal.get("/").status_code == 200
