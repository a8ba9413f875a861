"""The broker over real HTTP, in front of a recording engine, with both transports: the engine
in the portal's process, and the engine served on its own port. What reaches the engine, what
comes back, who the engine is told is calling, and what the portal answers when the engine is
down or answers nonsense."""

from __future__ import annotations

import hashlib
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from dataops.config import Settings
from dataops.portal.app import create_portal
from dataops.portal.config import PortalConfig
from dataops.portal.transports import HttpTransport, InProcessTransport
from tests.support.live import free_port
from tests.support.recording_engine import (
    PASSWORD,
    SERVICE_TOKEN,
    SESSION,
    RecordingEngine,
)
from tests.support.threaded_server import serving

SECRET = "portal-secret-for-broker-tests-0123456789abcdef"


@dataclass
class Setup:
    url: str
    engine: RecordingEngine
    csrf_token: str

    def client(self, **kwargs: object) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30, **kwargs)

    def signed_in(self) -> httpx.Client:
        return self.client(cookies={"dataops_session": SESSION})


def _portal(transport: InProcessTransport | HttpTransport, port: int) -> Starlette:
    config = PortalConfig.serving(Settings(), "127.0.0.1", port)
    return create_portal(transport, config, SECRET)


@contextmanager
def portal_client(
    transport: InProcessTransport | HttpTransport, **options: Any
) -> Iterator[httpx.Client]:
    """A client of a portal in front of `transport`."""
    port = free_port()
    with (
        serving(_portal(transport, port), port) as url,
        httpx.Client(base_url=url, timeout=30, **options) as client,
    ):
        yield client


@pytest.fixture(params=["in-process", "http"])
def setup(request: pytest.FixtureRequest) -> Iterator[Setup]:
    engine = RecordingEngine()
    port = free_port()
    if request.param == "in-process":
        with serving(_portal(InProcessTransport(engine), port), port) as url:
            yield _signed_in(url, engine)
    else:
        with serving(engine) as engine_url:
            portal = _portal(HttpTransport(engine_url), port)
            with serving(portal, port) as url:
                yield _signed_in(url, engine)


def _signed_in(url: str, engine: RecordingEngine) -> Setup:
    login = httpx.post(f"{url}/login", json={"email": "ada@example.com", "password": PASSWORD})
    assert login.status_code == 200, login.text
    engine.requests.clear()
    return Setup(url, engine, login.headers["x-csrf-token"])


SPOOFED = {
    "X-User-Id": "mallory",
    "X-Portal-Auth": "true",
    "X-Portal-Secret": "a-guessed-secret",
    "X-Portal-Client-Ip": "6.6.6.6",
    "Authorization": "Bearer dataops_svc_someone-elses",
    "X-Forwarded-For": "9.9.9.9",
    "X-Anything": "spoofed-extra",
    "Forwarded": "for=7.7.7.7",
    "Accept": "application/json",
    "If-Match": '"3"',
    "Content-Type": "application/json",
}
# What a transport adds on its own (HTTP only), besides what the broker forwards.
TRANSPORT_HEADERS = {"host", "connection", "user-agent", "accept-encoding"}


def test_only_the_allowed_headers_and_the_trusted_identity_reach_the_engine(setup: Setup) -> None:
    with setup.signed_in() as client:
        client.cookies.set("tracking", "cookie-value-for-the-engine")
        response = client.put(
            "/work/api/echo?taskId=1&x=%2F",
            headers={**SPOOFED, "X-CSRF-Token": setup.csrf_token},
            content=b'{"status":"done"}',
        )
    assert response.status_code == 200, response.text
    seen = setup.engine.last("/api/echo")
    assert (seen.method, seen.query, seen.body) == ("PUT", b"taskId=1&x=%2F", b'{"status":"done"}')
    names = {key.decode() for key, _ in seen.headers} - TRANSPORT_HEADERS
    assert names == {
        "content-type", "content-length", "accept", "if-match",
        "x-portal-auth", "x-portal-secret", "x-user-id", "x-portal-client-ip",
    }  # fmt: skip
    assert seen.header("x-user-id") == ["ada"]
    assert seen.header("x-portal-secret") == [SECRET]
    assert seen.header("x-portal-auth") == ["true"]
    assert seen.header("x-portal-client-ip") == ["127.0.0.1"]
    assert seen.header("if-match") == ['"3"']
    assert seen.header("accept") == ["application/json"]
    every_value = " ".join(value.decode() for _, value in seen.headers)
    for spoofed in ("mallory", "guessed", "6.6.6.6", "someone-elses", "9.9.9.9", "7.7.7.7",
                    "spoofed-extra", "cookie-value", SESSION, setup.csrf_token):  # fmt: skip
        assert spoofed not in every_value


def test_only_the_allowed_response_headers_come_back(setup: Setup) -> None:
    with setup.signed_in() as client:
        response = client.get("/work/api/echo")
    assert response.status_code == 200
    assert response.json() == {"method": "GET", "size": 0}
    headers = response.headers
    assert headers["content-type"] == "application/json"
    assert headers["etag"] == '"7"'
    assert headers["location"] == "/work/api/tasks/1"  # the engine's own path, as clients see it
    assert headers["content-disposition"] == 'attachment; filename="notes.txt"'
    assert headers["cache-control"] == "private, max-age=60"
    assert headers["retry-after"] == "3"
    assert headers["allow"] == "GET, PUT"
    assert headers["content-length"] == str(len(response.content))
    for never in (
        "set-cookie",
        "x-engine-internal",
        "server-timing",
        "access-control-allow-origin",
    ):
        assert never not in headers
    # Engine data never runs as a page of the portal.
    assert (
        headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'; sandbox"
    )
    assert headers["x-content-type-options"] == "nosniff"


def test_without_a_session_or_token_the_api_answers_401_json(setup: Setup) -> None:
    with setup.client() as client:
        for response in (
            client.get("/work/api/echo"),
            client.post("/work/api/echo", json={}),
            client.get("/work/api/echo", headers={"Authorization": "Bearer dataops_svc_unknown"}),
            client.get("/work/api/echo", headers={"Authorization": "Basic YWRhOnB3"}),
            client.get(
                "/work/api/echo", headers={"Cookie": "dataops_session=unknown-000000000000"}
            ),
            client.get("/work/api/echo", headers={"Cookie": "dataops_session=../../etc/passwd"}),
        ):
            assert response.status_code == 401
            assert response.json() == {"error": "Unauthorized"}
            assert response.headers["content-type"] == "application/json"
            assert response.headers["www-authenticate"] == 'Bearer realm="dataops"'
    assert "/api/echo" not in setup.engine.paths()
    # A malformed cookie is never put into the engine's path.
    assert not any("passwd" in path for path in setup.engine.paths())


def test_a_service_token_acts_as_its_service(setup: Setup) -> None:
    with setup.client() as client:
        response = client.post(
            "/work/api/echo",
            json={},
            headers={"Authorization": f"Bearer {SERVICE_TOKEN}", "X-User-Id": "ada"},
        )
    assert response.status_code == 200  # a bearer request needs no CSRF token
    seen = setup.engine.last("/api/echo")
    assert seen.header("x-user-id") == ["service:assistant"]
    assert seen.header("authorization") == []


def test_a_valid_session_cookie_wins_over_a_token(setup: Setup) -> None:
    with setup.signed_in() as client:
        response = client.get(
            "/work/api/echo", headers={"Authorization": f"Bearer {SERVICE_TOKEN}"}
        )
    assert response.status_code == 200
    assert setup.engine.last("/api/echo").header("x-user-id") == ["ada"]
    assert "/api/portal/service-tokens/resolve" not in setup.engine.paths()


def test_two_authorization_headers_are_refused(setup: Setup) -> None:
    with setup.client() as client:
        response = client.get(
            "/work/api/echo",
            headers=[("Authorization", f"Bearer {SERVICE_TOKEN}"), ("Authorization", "Bearer x")],
        )
    assert response.status_code == 400
    assert response.json() == {"error": "Duplicate authorization header"}


@pytest.mark.parametrize(
    ("headers", "passes"),
    [
        ({}, False),
        ({"Origin": "https://evil.example"}, False),
        ({"Origin": "null"}, False),
        ({"Origin": "http://127.0.0.1:1"}, False),
        ({"X-CSRF-Token": "not-the-token"}, False),
        ({"X-CSRF-Token": "TOKEN", "Origin": "https://evil.example"}, False),
        ({"X-CSRF-Token": "TOKEN"}, True),
        ({"Origin": "PORTAL"}, True),
        ({"Origin": "LOCALHOST"}, True),
    ],
)
def test_cookie_writes_need_the_portals_origin_or_the_sessions_token(
    setup: Setup, headers: dict[str, str], passes: bool
) -> None:
    port = setup.url.rsplit(":", 1)[1]
    replaced = {
        key: value.replace("TOKEN", setup.csrf_token)
        .replace("PORTAL", setup.url)
        .replace("LOCALHOST", f"http://localhost:{port}")
        for key, value in headers.items()
    }
    with setup.signed_in() as client:
        for method in ("POST", "PUT", "DELETE", "PATCH"):
            response = client.request(method, "/work/api/echo", headers=replaced)
            if passes:
                assert response.status_code == 200, response.text
            else:
                assert response.status_code == 403
                assert response.json() == {"error": "CSRF check failed"}
        # Reading needs neither.
        assert client.get("/work/api/echo", headers=replaced).status_code == 200
    assert setup.engine.paths().count("/api/echo") == (5 if passes else 1)


def raw_request(url: str, target: str, cookie: str = SESSION) -> tuple[int, bytes]:
    """A request line sent as it is (HTTP clients would normalize `..` and `//` away)."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(
            f"GET {target} HTTP/1.1\r\nHost: {host}\r\nCookie: dataops_session={cookie}\r\n"
            "Connection: close\r\n\r\n".encode()
        )
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    status = int(answer.split(b" ", 2)[1])
    return status, answer.split(b"\r\n\r\n", 1)[1]


@pytest.mark.parametrize(
    "target",
    [
        "/work/api/portal/login",
        "/work/api/portal/sessions/" + SESSION,
        "/work/api/portal%2Fsessions%2F" + SESSION,
        "/work/api/portal",
        "/work/api/echo/../portal/service-tokens/resolve",
        "/work/api/%2e%2e/api/portal/login",
        "/work/api//portal/login",
        "/work/api/./echo",
        "/work/apiportal/login",
    ],
)
def test_the_engines_portal_routes_and_odd_paths_are_not_reachable(
    setup: Setup, target: str
) -> None:
    status, body = raw_request(setup.url, target)
    assert status == 404
    if target.startswith("/work/api/"):
        assert body == b'{"error":"Not found"}'
    assert all(not path.startswith("/api/portal/login") for path in setup.engine.paths())
    assert "/api/portal/service-tokens/resolve" not in setup.engine.paths()
    assert f"/api/portal/sessions/{SESSION}" not in [
        request.path for request in setup.engine.requests if request.method != "GET"
    ]


def test_a_trailing_slash_reaches_the_engine_as_sent(setup: Setup) -> None:
    status, _ = raw_request(setup.url, "/work/api/echo/")
    assert status == 404  # the recording engine knows /api/echo only: the slash went through
    assert setup.engine.paths()[-1] == "/api/echo/"


def test_bodies_stream_through_with_and_without_a_length(setup: Setup) -> None:
    size = 24 * 1_048_576
    block = os.urandom(1_048_576)
    expected = hashlib.sha256(block * 24).hexdigest()

    def chunks() -> Iterator[bytes]:
        for _ in range(24):
            yield block

    with setup.client() as client:
        auth = {"Authorization": f"Bearer {SERVICE_TOKEN}"}
        chunked = client.post("/work/api/upload", content=chunks(), headers=auth)
        sized = client.post(
            "/work/api/upload", content=chunks(), headers={**auth, "Content-Length": str(size)}
        )
    for response in (chunked, sized):
        assert response.status_code == 201
        assert response.json() == {"size": size, "sha256": expected}
    assert setup.engine.requests[-1].header("content-length") == [str(size)]


def test_an_answer_that_ends_early_breaks_the_connection(setup: Setup) -> None:
    with setup.signed_in() as client, pytest.raises(httpx.RemoteProtocolError):
        client.get("/work/api/half")


@pytest.mark.parametrize("path", ["/work/api/no-answer", "/work/api/bad-status", "/work/api/crash"])
def test_an_engine_that_answers_nothing_or_nonsense_is_502(path: str) -> None:
    """In one process nothing stands between the broker and the engine's application (behind
    HTTP, the engine's own server turns these into its 500)."""
    cookies = {"dataops_session": SESSION}
    with portal_client(InProcessTransport(RecordingEngine()), cookies=cookies) as client:
        response = client.get(path)
    assert response.status_code == 502
    assert response.json() == {"error": "The engine sent a malformed reply"}


def test_an_engine_that_is_down_is_503() -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"
    with portal_client(HttpTransport(nowhere)) as client:
        api = client.get("/work/api/tasks", headers={"Cookie": f"dataops_session={SESSION}"})
        token = client.get("/work/api/tasks", headers={"Authorization": f"Bearer {SERVICE_TOKEN}"})
        health = client.get("/work/health")
        login = client.post("/login", json={"email": "ada@example.com", "password": PASSWORD})
        page = client.post("/login", data={"email": "ada@example.com", "password": PASSWORD})
    for response in (api, token, health, login):
        assert response.status_code == 503
        assert response.json() == {"error": "The engine is unavailable; try again later"}
    assert page.status_code == 503
    assert "The engine is unavailable; try again later" in page.text
    assert "set-cookie" not in login.headers and "set-cookie" not in page.headers


def test_a_garbled_http_answer_is_502() -> None:
    """An engine address where something answers that is no HTTP server."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        engine_port = listener.getsockname()[1]

        def answer_garbage() -> None:
            for _ in range(2):
                connection, _ = listener.accept()
                with connection:
                    connection.recv(65536)
                    connection.sendall(b"this is not HTTP at all\r\n\r\n")

        threading.Thread(target=answer_garbage, daemon=True).start()
        transport = HttpTransport(f"http://127.0.0.1:{engine_port}")
        with portal_client(transport) as client:
            response = client.get(
                "/work/api/tasks", headers={"Authorization": f"Bearer {SERVICE_TOKEN}"}
            )
    assert response.status_code == 502
    assert response.json() == {"error": "The engine sent a malformed reply"}


def test_over_https_the_cookie_is_secure_and_browsers_are_told_to_stay() -> None:
    """Behind a TLS proxy the portal knows its public address: cookies are `Secure`, writes
    must come from that origin, and every answer carries HSTS."""
    public = Settings.from_env({"DATAOPS_PUBLIC_URL": "https://dataops.example.org"})
    config = PortalConfig.serving(public, "127.0.0.1", free_port())
    portal = create_portal(InProcessTransport(RecordingEngine()), config, SECRET)
    with serving(portal) as url, httpx.Client(base_url=url) as client:
        login = client.post("/login", json={"email": "ada@example.com", "password": PASSWORD})
        cookie = login.headers["set-cookie"]
        local_origin = client.post(
            "/work/api/echo", headers={"Cookie": f"dataops_session={SESSION}", "Origin": url}
        )
        public_origin = client.post(
            "/work/api/echo",
            headers={
                "Cookie": f"dataops_session={SESSION}",
                "Origin": "https://dataops.example.org",
            },
        )
    assert "; secure" in cookie.lower() and "httponly" in cookie.lower()
    assert login.headers["strict-transport-security"] == "max-age=31536000"
    assert local_origin.status_code == 403
    assert public_origin.status_code == 200
