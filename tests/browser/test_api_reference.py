"""The browsable API reference at /api/docs, in a real browser: Swagger UI (vendored) renders
every operation of the engine's OpenAPI document under the page's strict Content-Security-
Policy, loading nothing from any other host; a violation of the policy is a console error,
which fails the test."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from tests.support.browser import screenshot
from tests.support.live import live_server


def test_the_reference_renders_every_operation_from_this_origin_only(
    page: Any, tmp_path: Path
) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    with live_server(tmp_path) as server:
        document = httpx.get(f"{server.url}/api/openapi.json").json()
        operations = sum(len(methods) for methods in document["paths"].values())
        response = page.goto(f"{server.url}/api/docs")
        assert response is not None and response.status == 200
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_selector(".opblock")
        assert page.locator(".opblock").count() == operations
        assert "DataOps work engine" in page.locator(".info .title").inner_text()
        page.locator(".opblock-summary-path", has_text="/api/tasks/{task_id}/proof").click()
        page.wait_for_selector(".responses-table")
        shot = screenshot(page, "api-reference", tmp_path)
    assert shot.stat().st_size > 10_000
    assert requested and all(url.startswith(server.url) for url in requested), requested


def test_the_reference_works_through_the_portal_for_a_signed_in_person(
    page: Any, tmp_path: Path
) -> None:
    """At /work/api/docs the page, its assets and the document come through the broker, which
    keeps the page's own strict policy (every other brokered answer is sandboxed)."""
    from tests.portal.conftest import ADA, start_product

    for product in start_product(tmp_path):
        page.goto(product.url + "/login?next=%2Fwork%2Fapi%2Fdocs")
        page.get_by_label("Email").fill(ADA["email"])
        page.get_by_label("Password").fill(ADA["password"])
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_selector(".opblock")
        assert page.url == product.url + "/work/api/docs"
        document = page.evaluate("() => fetch('openapi.json').then(answer => answer.json())")
        operations = sum(len(methods) for methods in document["paths"].values())
        assert page.locator(".opblock").count() == operations
        tasks = page.request.get(product.url + "/work/api/tasks?status=todo")
        assert "sandbox" in tasks.headers["content-security-policy"]
