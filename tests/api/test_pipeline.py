"""The request pipeline and HTTP conventions: docs/api.md#conventions and #errors."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from starlette.testclient import TestClient

from dataops.api.app import create_app
from dataops.engine.context import Engine


def test_home_page_is_html(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert "text/html" in response.headers["content-type"]
    assert "DataOps work engine" in response.text


def test_health(client: TestClient) -> None:
    response = client.get("/api/health")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.content == b'{"status":"ok"}'


def test_ready_reads_the_store(client: TestClient, engine: Engine) -> None:
    response = client.get("/api/ready")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    assert response.content == b'{"status":"ready"}'
    assert engine.store.count("users") == 0  # the probe reads, never writes


def _failing_store(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    reads: list[str] = []

    def locked(table: str, item_id: str) -> None:
        reads.append(f"{table}/{item_id}")
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(engine.store, "get", locked)
    return reads


def test_ready_answers_503_when_the_store_does_not_answer(
    client: TestClient, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = _failing_store(engine, monkeypatch)
    response = client.get("/api/ready")
    assert response.status_code == 503
    assert response.json() == {
        "error": "The metadata store is busy or unavailable right now; try again later"
    }
    assert response.headers["retry-after"] == "5"
    assert reads == ["users/readiness-probe"]


def test_health_never_touches_the_store(
    client: TestClient, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = _failing_store(engine, monkeypatch)
    assert client.get("/api/health").json() == {"status": "ok"}
    assert reads == []


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/projects"),
        ("GET", "/api/unknown"),
        ("POST", "/api/health"),
        ("GET", "/api/health/"),
        ("POST", "/api/ready"),
        ("GET", "/api/ready/"),
        ("PATCH", "/api/tasks"),
        ("GET", "/nowhere"),
        ("POST", "/api/webhooks/telegram"),
        ("POST", "/api/email/inbound"),
    ],
)
def test_unknown_routes_answer_not_found(client: TestClient, method: str, path: str) -> None:
    response = client.request(method, path)
    assert response.status_code == 404
    assert response.json() == {"error": "Not found"}
    assert response.headers["content-type"] == "application/json"


def test_no_trailing_slash_redirects(client: TestClient) -> None:
    response = client.get("/api/bundles/", follow_redirects=False)
    assert response.status_code == 200


def test_bodies_over_one_megabyte_are_refused(client: TestClient, engine: Engine) -> None:
    body = b'{"description": "' + b"x" * 1_048_600 + b'", "date": "2026-12-01"}'
    response = client.post("/api/tasks", content=body)
    assert response.status_code == 413
    assert response.json() == {"error": "Request body too large"}
    assert engine.store.count("tasks") == 0


def test_chunked_bodies_over_one_megabyte_are_refused(client: TestClient) -> None:
    def chunks() -> Any:
        for _ in range(300):
            yield b"x" * 4096

    response = client.post("/api/bundles", content=chunks())
    assert response.status_code == 413


def test_deeply_nested_bodies_are_refused(client: TestClient, engine: Engine) -> None:
    nested = (
        b'{"description": "x", "date": "2026-12-01", "validation": '
        + b"[" * 200
        + b"]" * 200
        + b"}"
    )
    response = client.post("/api/tasks", content=nested)
    assert response.json() == {"error": "Request body is nested too deeply (max 32 levels)"}
    very = b"[" * 5000 + b"]" * 5000
    assert client.post("/api/bundles", content=very).status_code == 400
    assert engine.store.count("tasks") == 0


def test_unexpected_errors_answer_500_without_details(engine: Engine, monkeypatch: Any) -> None:
    from dataops.engine import bundles

    def broken(*args: Any) -> Any:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(bundles, "list_bundles", broken)
    client = TestClient(create_app(engine), raise_server_exceptions=False)
    response = client.get("/api/bundles")
    assert response.status_code == 500
    assert response.json() == {"error": "Internal server error"}
    assert "secret" not in response.text


def test_responses_never_show_storage_keys(client: TestClient) -> None:
    task = client.post("/api/tasks", json={"description": "x", "date": "2026-12-01"}).json()
    assert not {"PK", "SK", "version", "_version"} & set(task)


def test_openapi_document_is_served(client: TestClient) -> None:
    document = client.get("/api/openapi.json").json()
    assert "/api/tasks" in document["paths"]
