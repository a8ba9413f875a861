"""Accessibility of every page of the product: axe-core (vendored) finds no serious or
critical violation, at a laptop's width and at a phone's (375 px, where nothing may make the
page scroll sideways). The pages are the login, every page the navigation links to (so a page
a part of the UI adds is checked as soon as it is in the navigation), and a page of each kind
of record: a workflow, a task, an artifact, a template."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.portal.conftest import ADA, Product, start_product
from tests.support.accessibility import assert_accessible, violations

RECORD_PAGES = ("workflow", "task", "artifact", "template")


@pytest.fixture(scope="module")
def product(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Product]:
    yield from start_product(tmp_path_factory.mktemp("accessibility"))


@pytest.fixture(scope="module")
def records(product: Product) -> dict[str, str]:
    """A template with phases and proof, a workflow made from it, a task with an artifact, a
    recurring config and a service token: every page has something to show."""
    with product.sign_in(ADA) as lead:

        def made(path: str, body: dict[str, Any], key: str | None) -> dict[str, Any]:
            answer = lead.post("/work/api" + path, json=body)
            assert answer.status_code == 201, answer.text
            found: dict[str, Any] = answer.json()[key] if key else answer.json()
            return found

        template = made(
            "/templates",
            {
                "name": "Podcast episode",
                "type": "podcast",
                "phases": [{"id": "prep", "name": "Preparation", "stage": "preparation"}],
                "references": [{"name": "Style guide", "url": "https://example.org/style"}],
                "bundleLinkDefinitions": [{"name": "Episode page"}],
                "taskDefinitions": [
                    {
                        "refId": "notes",
                        "description": "Publish the show notes",
                        "offsetDays": 1,
                        "phase": "prep",
                        "proofRequirement": {"type": "artifact", "label": "Show notes"},
                    },
                    {"refId": "record", "description": "Record", "offsetDays": 0},
                ],
            },
            "template",
        )
        answer = lead.post(
            "/work/api/bundles",
            json={"templateId": template["id"], "title": "Episode 7", "anchorDate": "2026-12-10"},
        )
        assert answer.status_code == 201, answer.text
        bundle, tasks = answer.json()["bundle"], answer.json()["tasks"]
        task = next(t for t in tasks if t["description"] == "Publish the show notes")
        artifact = made(
            "/artifacts",
            {
                "type": "event-page",
                "title": "Show notes",
                "storageUri": "https://example.org/notes/7",
                "taskId": task["id"],
                "status": "needs-review",
            },
            "artifact",
        )
        made("/recurring", {"description": "Inbox", "cronExpression": "0 9 * * MON"}, None)
        made("/team/service-tokens", {"name": "podcast-assistant"}, None)
    return {
        "workflow": f"/work/workflows/{bundle['id']}",
        "task": f"/work/tasks/{task['id']}",
        "artifact": f"/work/artifacts/{artifact['id']}",
        "template": f"/work/templates/{template['id']}",
    }


def sign_in(page: Any, product: Product) -> None:
    page.goto(product.url + "/login")
    assert_accessible(page, "/login")
    page.get_by_label("Email").fill(ADA["email"])
    page.get_by_label("Password").fill(ADA["password"])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(product.url + "/work")


@pytest.mark.parametrize("page", [1280, 375], indirect=True)
def test_every_page_passes_axe(page: Any, product: Product, records: dict[str, str]) -> None:
    sign_in(page, product)
    navigation = page.locator("nav[aria-label='Sections'] a").evaluate_all(
        "links => links.map(link => link.getAttribute('href'))"
    )
    assert {"/work", "/work/workflows", "/work/templates", "/work/recurring", "/work/team"} <= set(
        navigation
    )
    paths = [*navigation, "/work/account/password", *(records[kind] for kind in RECORD_PAGES)]
    for path in paths:
        answer = page.goto(product.url + path)
        assert answer is not None and answer.status == 200, path
        assert_accessible(page, path)
        # Usable at a phone's width: nothing makes the page scroll sideways.
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path


def test_axe_reports_what_it_finds(page: Any, product: Product) -> None:
    """The check can fail: an image without a text alternative and an unlabelled input are
    serious violations once added to a page."""
    page.goto(product.url + "/login")
    page.evaluate(
        """() => {
          const form = document.querySelector('form');
          const input = document.createElement('input');
          form.appendChild(input);
          const image = document.createElement('img');
          image.src = '/static/favicon.svg';
          form.appendChild(image);
        }"""
    )
    found = {violation["id"] for violation in violations(page)}
    assert {"image-alt", "label"} <= found
