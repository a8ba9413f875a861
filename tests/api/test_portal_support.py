"""Portal mode: the hardened pipeline (duplicate headers, actors that must exist, the client
address header) and the portal-support routes (docs/identity.md): login, sessions, password
change, service-token resolution. Every refusal writes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from dataops.engine import service_tokens, users
from dataops.engine.context import Engine
from tests.conftest import FakeClock, client_for, make_engine, make_settings
from tests.support.hostile import assert_handled, hostile_bodies, operations
from tests.support.identity import PORTAL_SECRET, portal_headers

PASSWORD = "correct horse battery"
LOGIN = {"email": "ada@example.com", "password": PASSWORD}


@pytest.fixture
def engine(tmp_path: Path, clock: FakeClock) -> Iterator[Engine]:
    eng = make_engine(
        make_settings(
            tmp_path,
            DATAOPS_AUTH_MODE="portal",
            WORK_ENGINE_PORTAL_SECRET=PORTAL_SECRET,
            DATAOPS_SESSION_TTL_SECONDS="3600",
        ),
        clock,
    )
    users.add_user(
        eng, email="ada@example.com", name="Ada", user_id="ada", password=PASSWORD, role="lead"
    )
    yield eng
    eng.store.close()


@pytest.fixture
def portal(engine: Engine) -> TestClient:
    """The engine as the portal's broker calls it: every request with the trusted headers."""
    return client_for(engine, portal_headers())


def error(response: Any, status: int) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    return response.json()["error"]  # type: ignore[no-any-return]


def log_in(portal: TestClient, **headers: str) -> dict[str, Any]:
    response = portal.post("/api/portal/login", json=LOGIN, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


# --- login -----------------------------------------------------------------------------------


def test_login_returns_the_user_and_a_session(portal: TestClient, engine: Engine) -> None:
    body = log_in(portal)
    assert body["user"] == {
        "id": "ada",
        "name": "Ada",
        "email": "ada@example.com",
        "role": "lead",
        "createdAt": body["user"]["createdAt"],
    }
    assert set(body["session"]) == {"id", "expiresAt"}
    assert len(body["session"]["id"]) >= 40
    assert body["session"]["expiresAt"].startswith("2026-11-28T10:00:00.")  # TTL 3600 s
    assert "passwordHash" not in str(body)
    # Stored under a digest: the id the portal holds is not in the store.
    assert body["session"]["id"] not in repr(list(engine.store.scan("sessions")))


@pytest.mark.parametrize(
    ("raw", "status", "message"),
    [
        (b"", 400, "Invalid JSON body"),
        (b"{x", 400, "Invalid JSON body"),
        (b"null", 400, "Invalid JSON body"),
        (b'"ada@example.com"', 400, "Invalid JSON body"),
        (b"{}", 400, "email and password are required"),
        (b'{"email": "ada@example.com", "password": ""}', 400, "email and password are required"),
        (b'{"email": "ada@example.com", "password": 12}', 401, "Invalid email or password"),
        (b'{"email": {"$ne": null}, "password": "x"}', 401, "Invalid email or password"),
        (b'{"email": "ada@example.com", "password": "wrong"}', 401, "Invalid email or password"),
        (b'{"email": "nobody@example.com", "password": "x"}', 401, "Invalid email or password"),
        (b'{"email": "ada@example.com\\u0000", "password": "x"}', 401, "Invalid email or password"),
    ],
)
def test_login_refusals(
    portal: TestClient, engine: Engine, raw: bytes, status: int, message: str
) -> None:
    response = portal.post(
        "/api/portal/login", content=raw, headers={"content-type": "application/json"}
    )
    assert error(response, status) == message
    assert engine.store.count("sessions") == 0


def test_login_is_throttled_per_account_and_per_client(portal: TestClient) -> None:
    for _ in range(5):
        wrong = portal.post("/api/portal/login", json={**LOGIN, "password": "wrong"})
        assert error(wrong, 401) == "Invalid email or password"
    refused = portal.post("/api/portal/login", json=LOGIN)
    assert error(refused, 429) == "Too many attempts; try again later"
    assert refused.headers["retry-after"] == "900"


def test_the_portal_names_the_client_address(portal: TestClient) -> None:
    """All browsers reach the engine through the portal: the per-client count must be per
    browser address, which only the portal knows."""
    for n in range(30):
        body = {"email": f"guess{n}@example.com", "password": "x"}
        headers = {"x-portal-client-ip": "203.0.113.9"}
        assert portal.post("/api/portal/login", json=body, headers=headers).status_code == 401
    blocked = portal.post(
        "/api/portal/login", json=LOGIN, headers={"x-portal-client-ip": "203.0.113.9"}
    )
    assert blocked.status_code == 429
    log_in(portal, **{"x-portal-client-ip": "2001:db8::1"})


@pytest.mark.parametrize("address", ["not-an-ip", "203.0.113.9, 10.0.0.1", "999.1.1.1", " "])
def test_a_malformed_client_address_is_refused(
    portal: TestClient, engine: Engine, address: str
) -> None:
    response = portal.post("/api/portal/login", json=LOGIN, headers={"x-portal-client-ip": address})
    if address.strip():
        assert error(response, 400) == "x-portal-client-ip must be an IP address"
        assert engine.store.count("sessions") == 0
    else:  # an empty header is no header: the connection's address counts
        assert response.status_code == 200


# --- sessions --------------------------------------------------------------------------------


def test_a_session_is_checked_and_ended(portal: TestClient, engine: Engine) -> None:
    session = log_in(portal)["session"]
    found = portal.get(f"/api/portal/sessions/{session['id']}")
    assert found.status_code == 200
    assert found.json()["user"]["id"] == "ada"
    # Its end, so that the portal never trusts a cached session past it.
    assert found.json()["session"] == {"expiresAt": session["expiresAt"]}
    session = session["id"]
    ended = portal.delete(f"/api/portal/sessions/{session}")
    assert (ended.status_code, ended.content) == (204, b"")
    assert error(portal.get(f"/api/portal/sessions/{session}"), 401) == "Unauthorized"
    assert portal.delete(f"/api/portal/sessions/{session}").status_code == 204
    assert engine.store.count("sessions") == 0


def test_sessions_expire_and_die_with_their_user(
    portal: TestClient, engine: Engine, clock: FakeClock
) -> None:
    session = log_in(portal)["session"]["id"]
    clock.advance(seconds=3601)
    assert error(portal.get(f"/api/portal/sessions/{session}"), 401) == "Unauthorized"
    clock.advance(seconds=-3601)
    other = log_in(portal)["session"]["id"]
    engine.store.delete("users", "ada")
    assert error(portal.get(f"/api/portal/sessions/{other}"), 401) == "Unauthorized"


@pytest.mark.parametrize(
    "session_id", ["unknown", "x" * 300, "null", "'; drop table sessions; --", "%00"]
)
def test_unknown_sessions_are_unauthorized(portal: TestClient, session_id: str) -> None:
    log_in(portal)
    assert error(portal.get(f"/api/portal/sessions/{session_id}"), 401) == "Unauthorized"
    # A session id never holds a slash: such a path is no route at all.
    assert error(portal.get("/api/portal/sessions/%2e%2e%2fetc"), 404) == "Not found"


def test_revoked_sessions_end_for_the_portal(portal: TestClient, engine: Engine) -> None:
    first, second = log_in(portal)["session"]["id"], log_in(portal)["session"]["id"]
    assert users.revoke_sessions(engine, "ada@example.com")[1] == 2
    for session in (first, second):
        assert error(portal.get(f"/api/portal/sessions/{session}"), 401) == "Unauthorized"


# --- password change -------------------------------------------------------------------------


def change(portal: TestClient, session: str, body: Any, **headers: str) -> Any:
    return portal.post(f"/api/portal/sessions/{session}/password", json=body, headers=headers)


def test_changing_the_password_ends_the_other_sessions(portal: TestClient) -> None:
    kept, other = log_in(portal)["session"]["id"], log_in(portal)["session"]["id"]
    response = change(
        portal, kept, {"currentPassword": PASSWORD, "newPassword": "a brand new passphrase"}
    )
    assert (response.status_code, response.content) == (204, b"")
    assert portal.get(f"/api/portal/sessions/{kept}").status_code == 200
    assert error(portal.get(f"/api/portal/sessions/{other}"), 401) == "Unauthorized"
    assert portal.post("/api/portal/login", json=LOGIN).status_code == 401
    renewed = {"email": "ada@example.com", "password": "a brand new passphrase"}
    assert portal.post("/api/portal/login", json=renewed).status_code == 200


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (None, 400, "Invalid JSON body"),
        ([], 400, "Invalid JSON body"),
        ({"newPassword": "a brand new passphrase"}, 400, "Missing required field: currentPassword"),
        ({"currentPassword": PASSWORD}, 400, "Missing required field: newPassword"),
        ({"currentPassword": PASSWORD, "newPassword": 12}, 400, "newPassword must be a string"),
        (
            {"currentPassword": ["x"], "newPassword": "y" * 12},
            400,
            "currentPassword must be a string",
        ),
        (
            {"currentPassword": PASSWORD, "newPassword": "y" * 1025},
            400,
            "password is too long (max 1024)",
        ),
        (
            {"currentPassword": "wrong", "newPassword": "a brand new passphrase"},
            403,
            "Current password is incorrect",
        ),
    ],
)
def test_password_change_refusals_change_nothing(
    portal: TestClient, engine: Engine, body: Any, status: int, message: str
) -> None:
    session = log_in(portal)["session"]["id"]
    before = engine.store.get("users", "ada")
    assert error(change(portal, session, body), status) == message
    assert engine.store.get("users", "ada") == before
    assert portal.get(f"/api/portal/sessions/{session}").status_code == 200


def test_password_change_needs_a_live_session(portal: TestClient) -> None:
    body = {"currentPassword": PASSWORD, "newPassword": "a brand new passphrase"}
    assert error(change(portal, "no-such-session", body), 401) == "Unauthorized"


def test_wrong_current_passwords_are_throttled(portal: TestClient) -> None:
    session = log_in(portal)["session"]["id"]
    body = {"currentPassword": "wrong", "newPassword": "a brand new passphrase"}
    for _ in range(5):
        assert change(portal, session, body).status_code == 403
    assert error(change(portal, session, body), 429) == "Too many attempts; try again later"


# --- service tokens ----------------------------------------------------------------------------


def test_a_service_token_resolves_to_its_service(
    portal: TestClient, engine: Engine, clock: FakeClock
) -> None:
    issued = service_tokens.create_token(engine, "podcast-assistant", expires_in_days=30)
    resolved = portal.post("/api/portal/service-tokens/resolve", json={"token": issued.token})
    assert resolved.status_code == 200
    assert resolved.json() == {
        "service": {
            "name": "podcast-assistant",
            "actor": "service:podcast-assistant",
            "createdAt": issued.record["createdAt"],
            "expiresAt": issued.record["expiresAt"],
        }
    }
    clock.advance(days=31)
    expired = portal.post("/api/portal/service-tokens/resolve", json={"token": issued.token})
    assert error(expired, 401) == "Unauthorized"


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (None, 400, "Invalid JSON body"),
        ("dataops_svc_x", 400, "Invalid JSON body"),
        ({}, 400, "token is required"),
        ({"token": ""}, 400, "token is required"),
        ({"token": 42}, 400, "token is required"),
        ({"token": "dataops_svc_not-a-real-token"}, 401, "Unauthorized"),
        ({"token": "a-session-token-is-not-a-service-token"}, 401, "Unauthorized"),
    ],
)
def test_service_token_resolution_refusals(
    portal: TestClient, engine: Engine, body: Any, status: int, message: str
) -> None:
    service_tokens.create_token(engine, "podcast-assistant")
    response = portal.post("/api/portal/service-tokens/resolve", json=body)
    assert error(response, status) == message


def test_a_revoked_token_no_longer_resolves_nor_acts(portal: TestClient, engine: Engine) -> None:
    issued = service_tokens.create_token(engine, "podcast-assistant")
    as_service = {"x-user-id": "service:podcast-assistant"}
    assert portal.get("/api/bundles", headers=as_service).status_code == 200
    service_tokens.revoke_token(engine, "podcast-assistant")
    resolved = portal.post("/api/portal/service-tokens/resolve", json={"token": issued.token})
    assert error(resolved, 401) == "Unauthorized"
    assert error(portal.get("/api/bundles", headers=as_service), 401) == "Unauthorized"


# --- the hardened pipeline --------------------------------------------------------------------


@pytest.mark.parametrize(
    "actor",
    ["../../x", "null", "nobody", "portal-admin", "system", "service:", "service:Bad Name", "ADA"],
)
def test_actors_must_be_users_or_live_services(
    portal: TestClient, engine: Engine, actor: str
) -> None:
    response = portal.post(
        "/api/tasks", json={"description": "x", "date": "2026-12-01"}, headers={"x-user-id": actor}
    )
    assert error(response, 401) == "Unauthorized"
    assert engine.store.count("tasks") == 0


@pytest.mark.parametrize(
    "header", ["x-user-id", "x-portal-secret", "x-portal-auth", "x-portal-client-ip"]
)
def test_duplicate_identity_headers_are_400(engine: Engine, header: str) -> None:
    values = {
        "x-user-id": "ada",
        "x-portal-secret": PORTAL_SECRET,
        "x-portal-auth": "true",
        "x-portal-client-ip": "203.0.113.9",
    }
    headers = [(name, value) for name, value in {**portal_headers(), **values}.items()]
    headers.append((header, "mallory" if header == "x-user-id" else values[header]))
    response = TestClient(engine_app(engine), raise_server_exceptions=False).post(
        "/api/tasks",
        json={"description": "x", "date": "2026-12-01"},
        headers=headers,  # type: ignore[arg-type]
    )
    assert error(response, 400) == f"Duplicate {header} header"
    assert engine.store.count("tasks") == 0


def engine_app(engine: Engine) -> Any:
    from dataops.api.app import create_app

    return create_app(engine)


def test_portal_support_needs_the_trusted_headers(engine: Engine) -> None:
    untrusted = client_for(engine)
    assert error(untrusted.post("/api/portal/login", json=LOGIN), 401) == "Unauthorized"
    assert error(untrusted.get("/api/portal/sessions/x"), 401) == "Unauthorized"
    forged = client_for(engine, {**portal_headers(), "x-portal-secret": PORTAL_SECRET[:-1]})
    assert error(forged.post("/api/portal/login", json=LOGIN), 401) == "Unauthorized"
    assert engine.store.count("sessions") == 0


@pytest.mark.parametrize("mode", ["session", "none"])
def test_portal_support_exists_only_in_portal_mode(tmp_path: Path, mode: str) -> None:
    other = make_engine(make_settings(tmp_path, DATAOPS_AUTH_MODE=mode))
    try:
        users.add_user(other, email="ada@example.com", name="Ada", password=PASSWORD)
        client = client_for(other, portal_headers())
        for method, path in [
            ("POST", "/api/portal/login"),
            ("GET", "/api/portal/sessions/x"),
            ("DELETE", "/api/portal/sessions/x"),
            ("POST", "/api/portal/service-tokens/resolve"),
        ]:
            response = client.request(method, path, json=LOGIN)
            assert error(response, 404) == "Not found"
        assert other.store.count("sessions") == 0
    finally:
        other.store.close()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/portal/login"),
        ("PUT", "/api/portal/sessions/x"),
        ("GET", "/api/portal/service-tokens/resolve"),
        ("POST", "/api/portal/unknown"),
    ],
)
def test_other_portal_paths_are_404(portal: TestClient, method: str, path: str) -> None:
    assert error(portal.request(method, path), 404) == "Not found"


def test_every_portal_route_survives_hostile_bodies_and_ids(
    portal: TestClient, engine: Engine
) -> None:
    ids = {"session_id": log_in(portal)["session"]["id"]}
    portal_routes = [op for op in operations(engine) if op.path.startswith("/api/portal/")]
    assert len(portal_routes) == 5
    for operation in portal_routes:
        for path in operation.expand(ids):
            for body in hostile_bodies() if operation.method == "POST" else [b""]:
                response = portal.request(
                    operation.method,
                    path,
                    content=body,
                    headers={"content-type": "application/json"},
                )
                assert_handled(response, f"{operation.method} {path} {body[:60]!r}")
    assert engine.store.get("users", "ada") is not None
