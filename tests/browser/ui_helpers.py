"""Helpers of the operator UI's browser tests: signing in through the login form, records set up
through the portal's API (as a script would), and moving by keyboard alone."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import httpx

from tests.portal.conftest import ADA, Product


def sign_in(page: Any, url: str, person: Mapping[str, str] = ADA, target: str = "/work") -> None:
    """Sign in through the login form and wait until the target page has loaded (not merely
    been navigated to), so what follows may read the page at once."""
    page.goto(url + "/login?next=" + quote(target, safe=""))
    page.get_by_label("Email").fill(person["email"])
    page.get_by_label("Password").fill(person["password"])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(url + target)


def api(client: httpx.Client, method: str, path: str, body: Any = None) -> Any:
    response = client.request(method, "/work/api" + path, json=body)
    assert response.status_code in (200, 201), response.text
    return response.json()


def workflow_with_tasks(product: Product, title: str, *tasks: Mapping[str, Any]) -> dict[str, Any]:
    """A workflow and its tasks, made through the portal's API: {"bundle", "tasks"}."""
    with product.sign_in() as client:
        bundle = api(client, "POST", "/bundles", {"title": title, "anchorDate": "2026-12-10"})
        made = [
            api(
                client,
                "POST",
                "/tasks",
                {"date": "2026-12-08", **task, "bundleId": bundle["bundle"]["id"]},
            )
            for task in tasks
        ]
    return {"bundle": bundle["bundle"], "tasks": made}


def artifact_proof(label: str = "Approved episode page") -> dict[str, Any]:
    return {"proofRequirement": {"type": "artifact", "label": label}}


def tab_to(page: Any, locator: Any, limit: int = 80) -> None:
    """Press Tab until `locator` has the focus: it is reachable by keyboard, in focus order."""
    for _ in range(limit):
        if locator.evaluate("element => element === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{locator} was not reached with Tab")
