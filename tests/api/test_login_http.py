"""Login over HTTP in session mode: 429 with Retry-After, the client address (the connection's,
or X-Forwarded-For only from a trusted proxy), duplicate identity headers, and logins that
cannot starve other requests while their password checks wait."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient

from dataops.api.app import create_app
from dataops.engine import users
from dataops.engine.context import Engine
from dataops.engine.hasher import PasswordHasher
from tests.conftest import FakeClock, make_engine, make_settings
from tests.support.identity import TEST_COST, login_token

PASSWORD = "correct horse battery"
WRONG = {"email": "ada@example.com", "password": "wrong"}


def session_engine(tmp_path: Path, clock: FakeClock, **env: str) -> Engine:
    engine = make_engine(make_settings(tmp_path, DATAOPS_AUTH_MODE="session", **env), clock)
    users.add_user(engine, email="ada@example.com", name="Ada", user_id="ada", password=PASSWORD)
    return engine


@pytest.fixture
def engine(tmp_path: Path, clock: FakeClock) -> Iterator[Engine]:
    eng = session_engine(tmp_path, clock)
    yield eng
    eng.store.close()


def client_at(engine: Engine, address: str) -> TestClient:
    return TestClient(create_app(engine), raise_server_exceptions=False, client=(address, 40000))


def test_the_sixth_failure_answers_429_with_retry_after(engine: Engine, clock: FakeClock) -> None:
    client = client_at(engine, "203.0.113.9")
    for _ in range(5):
        assert client.post("/api/auth/login", json=WRONG).status_code == 401
    clock.advance(minutes=5)
    refused = client.post("/api/auth/login", json={**WRONG, "password": PASSWORD})
    assert refused.status_code == 429
    assert refused.json() == {"error": "Too many attempts; try again later"}
    assert refused.headers["retry-after"] == "600"
    assert refused.headers["content-type"] == "application/json"
    assert engine.store.count("sessions") == 0


def test_the_client_address_is_the_connection_without_trusted_proxies(
    engine: Engine,
) -> None:
    """Behind no trusted proxy, X-Forwarded-For is the client's own word: it changes nothing."""
    client = client_at(engine, "203.0.113.9")
    for n in range(30):
        forged = {"X-Forwarded-For": f"198.51.100.{n}"}
        body = {"email": f"guess{n}@example.com", "password": "x"}
        assert client.post("/api/auth/login", json=body, headers=forged).status_code == 401
    fresh = client.post(
        "/api/auth/login",
        json={"email": "ada@example.com", "password": PASSWORD},
        headers={"X-Forwarded-For": "192.0.2.1"},
    )
    assert fresh.status_code == 429
    other = client_at(engine, "192.0.2.1").post(
        "/api/auth/login", json={"email": "ada@example.com", "password": PASSWORD}
    )
    assert other.status_code == 200


def test_x_forwarded_for_counts_behind_a_trusted_proxy(tmp_path: Path, clock: FakeClock) -> None:
    engine = session_engine(tmp_path, clock, DATAOPS_TRUSTED_PROXIES="10.0.0.0/8, ::1")
    try:
        proxy = client_at(engine, "10.0.0.5")
        for n in range(30):
            # The client wrote the left part; the proxy appended the address it saw.
            headers = {"X-Forwarded-For": f"6.6.6.{n}, 203.0.113.9"}
            body = {"email": f"guess{n}@example.com", "password": "x"}
            assert proxy.post("/api/auth/login", json=body, headers=headers).status_code == 401
        good = {"email": "ada@example.com", "password": PASSWORD}
        blocked = proxy.post(
            "/api/auth/login", json=good, headers={"X-Forwarded-For": "203.0.113.9"}
        )
        assert blocked.status_code == 429
        other = proxy.post("/api/auth/login", json=good, headers={"X-Forwarded-For": "192.0.2.1"})
        assert other.status_code == 200
    finally:
        engine.store.close()


@pytest.mark.parametrize(
    "header",
    ["authorization", "x-user-id", "x-portal-secret", "x-portal-auth", "x-portal-client-ip"],
)
def test_duplicate_identity_headers_are_refused(engine: Engine, header: str) -> None:
    token = login_token(engine, "ada@example.com", PASSWORD)
    client = TestClient(create_app(engine), raise_server_exceptions=False)
    response = client.get(
        "/api/bundles",
        headers=[(header, f"Bearer {token}"), (header, f"Bearer {token}")],  # type: ignore[arg-type]
    )
    assert response.status_code == 400
    assert response.json() == {"error": f"Duplicate {header} header"}


# --- logins cannot starve other requests ---------------------------------------------------------


class BlockingHasher(PasswordHasher):
    """Checks block until released: a stand-in for a slow hash, without timing anything."""

    def __init__(self) -> None:
        super().__init__(TEST_COST, workers=2, max_pending=64)
        self.release = threading.Event()
        self.started = threading.Semaphore(0)

    def check_now(self, password: str, stored: str | None) -> bool:
        self.started.release()
        self.release.wait()
        return super().check_now(password, stored)


def test_fifty_logins_waiting_for_the_hasher_leave_the_api_answering(engine: Engine) -> None:
    token = login_token(engine, "ada@example.com", PASSWORD)
    hasher = BlockingHasher()
    engine.hasher = hasher
    app = create_app(engine)

    async def scenario() -> tuple[int, list[int]]:
        transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://engine") as http:
            logins = [
                asyncio.create_task(
                    http.post(
                        "/api/auth/login",
                        json={"email": f"user{n}@example.com", "password": "wrong"},
                    )
                )
                for n in range(50)
            ]
            # Both hasher threads are busy and 48 logins wait behind them.
            for _ in range(2):
                await asyncio.to_thread(hasher.started.acquire)
            tasks = await asyncio.wait_for(
                http.get(
                    "/api/tasks",
                    params={"date": "2026-12-01"},
                    headers={"Authorization": f"Bearer {token}"},
                ),
                timeout=60,  # a starved pool would hang here forever; this only ends the test
            )
            hasher.release.set()
            done = await asyncio.gather(*logins)
            return tasks.status_code, [response.status_code for response in done]

    try:
        status, logins = asyncio.run(scenario())
    finally:
        hasher.release.set()
        hasher.close()
    assert status == 200
    assert logins == [401] * 50


def test_a_full_hasher_queue_answers_429_instead_of_queueing_without_bound(
    engine: Engine,
) -> None:
    hasher = BlockingHasher()
    hasher._slots = threading.BoundedSemaphore(2)  # room for the two checks running, no queue
    engine.hasher = hasher
    app = create_app(engine)

    async def scenario() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://engine") as http:
            body = {"email": "ada@example.com", "password": "wrong"}
            running = [asyncio.create_task(http.post("/api/auth/login", json=body)) for _ in "ab"]
            for _ in range(2):
                await asyncio.to_thread(hasher.started.acquire)
            refused = await http.post("/api/auth/login", json=body)
            hasher.release.set()
            return [refused, *await asyncio.gather(*running)]

    try:
        refused, *waited = asyncio.run(scenario())
    finally:
        hasher.release.set()
        hasher.close()
    assert (refused.status_code, refused.json()) == (
        429,
        {"error": "Too many attempts; try again later"},
    )
    assert refused.headers["retry-after"] == "1"
    assert [response.status_code for response in waited] == [401, 401]
