"""The OpenAPI document tells the truth about the routes (api/openapi.py): every route is in it,
its schemas are the model's field declarations, it and the browsable reference are readable
without a session, the reference page runs under a strict CSP from this origin only, and 405
answers name the allowed methods."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin

import pytest
from fastapi.routing import APIRoute
from starlette.testclient import TestClient

from dataops.api.app import create_app
from dataops.api.openapi import body_schema, field_schema, record_schema
from dataops.api.routes import DOCS
from dataops.api.routes.system import ASSETS, DOCS_POLICY
from dataops.engine.context import Engine
from dataops.model.artifacts import ArtifactStatus
from dataops.model.records import NAME_MAX, TEXT_MAX, Field, Kind, RecordType
from dataops.model.tasks import TASK, TaskStatus
from tests.conftest import client_for, make_engine, make_settings


@pytest.fixture
def document(engine: Engine) -> dict[str, Any]:
    openapi: dict[str, Any] = create_app(engine).openapi()
    return openapi


def test_every_route_is_documented(engine: Engine, document: dict[str, Any]) -> None:
    app = create_app(engine)
    mode = engine.settings.auth_mode
    routes = {
        (re.sub(r"\{(\w+)(:\w+)?\}", r"{\1}", route.path), method.lower())
        for route in app.routes
        if isinstance(route, APIRoute)
        and route.include_in_schema
        and mode in DOCS[route.endpoint].modes
        for method in route.methods
    }
    # Only the portal's own routes are left out in this (none) mode.
    assert {
        route.path
        for route in app.routes
        if isinstance(route, APIRoute)
        and route.include_in_schema
        and mode not in DOCS[route.endpoint].modes
    } == {
        "/api/portal/login",
        "/api/portal/sessions/{session_id}",
        "/api/portal/sessions/{session_id}/password",
        "/api/portal/service-tokens/resolve",
    }
    documented = {(path, method) for path, ops in document["paths"].items() for method in ops}
    assert routes == documented
    assert len(documented) >= 50
    for ops in document["paths"].values():
        for operation in ops.values():
            assert operation["summary"]
            assert operation["responses"]


def test_bodies_and_records_are_the_model_declarations(document: dict[str, Any]) -> None:
    task = document["components"]["schemas"]["Task"]
    assert task["required"] == ["id", "description", "date"]
    assert task["properties"]["description"] == {
        "type": "string",
        "minLength": 1,
        "maxLength": TEXT_MAX,
    }
    assert task["properties"]["status"]["enum"] == [status.value for status in TaskStatus]
    artifact = document["components"]["schemas"]["Artifact"]
    assert artifact["properties"]["status"]["enum"] == [s.value for s in ArtifactStatus]
    assert artifact["properties"]["title"]["maxLength"] == NAME_MAX
    create = document["paths"]["/api/tasks"]["post"]["requestBody"]["content"]
    body = create["application/json"]["schema"]
    assert body["required"] == ["description", "date"]
    assert body["properties"]["date"]["format"] == "date"
    # Optional fields accept null: it removes the field on update.
    assert {"type": "null"} in body["properties"]["link"]["anyOf"]
    assert "completedBy" not in body["properties"]  # only the engine sets it


def test_a_field_added_to_a_declaration_appears_by_itself() -> None:
    extended = RecordType("tasks", (*TASK.fields, Field("priority", Kind.ENUM, values=("low",))))
    assert record_schema(extended)["properties"]["priority"] == {"type": "string", "enum": ["low"]}
    assert "priority" not in record_schema(TASK)["properties"]
    nested = field_schema(TASK.by_name["proofRequirement"])
    assert nested["properties"]["type"]["enum"] == [
        "url",
        "file",
        "artifact",
        "comment",
        "external-status",
    ]
    assert body_schema([Field("n", Kind.NUMBER)], ())["properties"]["n"] == {
        "anyOf": [{"type": "number"}, {"type": "null"}]
    }


def test_every_status_the_use_cases_raise_is_listed(document: dict[str, Any]) -> None:
    put_task = document["paths"]["/api/tasks/{task_id}"]["put"]
    assert set(put_task["responses"]) == {"200", "400", "401", "403", "404", "409", "412", "413"}
    assert put_task["responses"]["200"]["headers"]["ETag"]
    assert [p["name"] for p in put_task["parameters"]] == ["task_id", "If-Match"]
    listing = document["paths"]["/api/artifacts"]["get"]
    assert {p["name"] for p in listing["parameters"]} >= {"status", "limit", "cursor"}
    login = document["paths"]["/api/auth/login"]["post"]
    assert login["security"] == []
    error = login["responses"]["401"]["content"]["application/json"]["schema"]
    assert error == {"$ref": "#/components/schemas/Error"}


def test_the_reference_is_readable_without_a_session(tmp_path: Any) -> None:
    engine = make_engine(make_settings(tmp_path, DATAOPS_ENV="local", DATAOPS_AUTH_MODE="session"))
    client = client_for(engine)
    assert client.get("/api/tasks?date=2026-12-01").status_code == 401
    spec = client.get("/api/openapi.json")
    assert spec.status_code == 200
    assert spec.headers["content-type"] == "application/json"
    assert spec.json()["openapi"] == "3.1.0"
    page = client.get("/api/docs")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.headers["content-security-policy"] == DOCS_POLICY


def test_the_reference_page_runs_only_what_this_origin_serves(client: TestClient) -> None:
    page = client.get("/api/docs").text
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
    # Addresses are relative to the page, so the reference also works behind
    # the portal's /work/api prefix; from /api/docs they all land in /api/docs/.
    assert scripts and all('src="docs/' in attrs and not body for attrs, body in scripts)
    assert "<style" not in page and "style=" not in page
    assert not re.search(r"(src|href)=\"(https?:)?//", page)
    addresses = [a for a in re.findall(r'(?:src|href)="([^"]+)"', page) if a != "data:,"]
    assert {urljoin("/api/docs", a).rsplit("/", 1)[0] for a in addresses} == {"/api/docs"}
    for href in addresses:
        asset = client.get(urljoin("/api/docs", href))
        assert asset.status_code == 200, href
        assert asset.headers["content-security-policy"] == DOCS_POLICY
        assert asset.headers["x-content-type-options"] == "nosniff"
    assert "'unsafe-inline'" not in DOCS_POLICY and "'unsafe-eval'" not in DOCS_POLICY
    assert set(ASSETS) >= {"swagger-ui-bundle.js", "swagger-ui.css", "docs.js"}


@pytest.mark.parametrize("asset", ["../app.py", "LICENSE", "swagger-ui-bundle.js.map", "x"])
def test_only_the_reference_assets_are_served(client: TestClient, asset: str) -> None:
    response = client.get(f"/api/docs/{asset}")
    assert (response.status_code, response.json()) == (404, {"error": "Not found"})


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PATCH", "/api/bundles", "GET, POST"),
        ("DELETE", "/api/bundles", "GET, POST"),
        ("POST", "/api/bundles/b-1", "GET, PUT, DELETE"),
        ("GET", "/api/bundles/b-1/archive", "PUT"),
        ("POST", "/api/templates/t-1", "GET, PUT, DELETE"),
        ("PATCH", "/api/recurring", "GET, POST"),
        ("GET", "/api/recurring/generate", "POST"),
        ("DELETE", "/api/users/u-1", "GET"),
        ("GET", "/api/cron/run", "POST"),
        ("PUT", "/api/cron/export", "POST"),
    ],
)
def test_405_answers_name_the_allowed_methods(
    client: TestClient, method: str, path: str, allowed: str
) -> None:
    response = client.request(method, path)
    assert (response.status_code, response.json()) == (405, {"error": "Method not allowed"})
    assert response.headers["allow"] == allowed


def test_resources_that_never_answer_405_still_answer_404(client: TestClient) -> None:
    for method, path in (("PATCH", "/api/tasks"), ("DELETE", "/api/artifacts")):
        response = client.request(method, path)
        assert (response.status_code, response.json()) == (404, {"error": "Not found"})
        assert "allow" not in response.headers


def test_the_document_describes_the_routes_of_the_running_mode(tmp_path: Any) -> None:
    session = create_app(
        make_engine(make_settings(tmp_path, DATAOPS_AUTH_MODE="session"))
    ).openapi()
    portal = create_app(
        make_engine(
            make_settings(tmp_path, DATAOPS_AUTH_MODE="portal", WORK_ENGINE_PORTAL_SECRET="s" * 32)
        )
    ).openapi()
    assert "/api/auth/login" in session["paths"] and "/api/portal/login" not in session["paths"]
    assert "/api/portal/login" in portal["paths"] and "/api/auth/login" not in portal["paths"]
    assert session["security"] == [{"session": []}]
    assert session["components"]["securitySchemes"]["session"]["scheme"] == "bearer"
    assert portal["security"] == [{"portal": []}]
    assert portal["components"]["securitySchemes"]["portal"]["name"] == "x-portal-secret"
    assert "/api/tasks" in session["paths"] and "/api/tasks" in portal["paths"]
