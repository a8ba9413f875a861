"""The workflow page in a real browser: `/work` lists the active workflows, each one click from
its page, where tasks stand grouped by phase with their status and proof."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dataops.engine import demo
from tests.browser.ui_helpers import sign_in
from tests.portal.conftest import Product, start_product
from tests.support.browser import screenshot


@pytest.fixture(scope="module")
def product(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Product]:
    products = start_product(tmp_path_factory.mktemp("workflow-page"))
    started = next(products)
    try:
        demo.load_demo(started.engine)
        yield started
    finally:
        products.close()


def test_the_demo_workflow_is_one_click_from_work(
    page: Any, product: Product, tmp_path: Path
) -> None:
    sign_in(page, product.url)
    row = page.get_by_role("row").filter(has_text="Episode 42")
    assert row.count() == 1
    row.get_by_role("link").click()
    assert "Episode 42" in page.get_by_role("heading", level=1).inner_text()
    sections = page.get_by_role("navigation", name="Sections")
    # With the workflows list served (part 3), a workflow's page belongs to "Workflows".
    current = sections.get_by_role("link", name="Workflows", exact=True)
    assert current.get_attribute("aria-current") == "page"
    tasks = page.get_by_role("region", name="Tasks")
    assert tasks.get_by_role("link").count() >= 3
    screenshot(page, "workflow-page", tmp_path)


def test_no_page_logs_an_error(page: Any, product: Product) -> None:
    """Every page of the demo, with JavaScript on: the page fixture fails on any console error
    (a blocked script or style under the strict CSP included)."""
    sign_in(page, product.url)
    seen: set[str] = set()
    queue = ["/work", "/work/account/password"]
    while queue:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        page.goto(product.url + path)
        assert page.locator("main h1").count() == 1, path
        for link in page.locator("main a[href^='/work/']").all():
            href = link.get_attribute("href")
            if href and "/work/api/" not in href and href.count("/") <= 3:
                queue.append(href)
    kinds = {path.split("/")[2] for path in seen if path.count("/") == 3}
    assert {"workflows", "tasks", "artifacts"} <= kinds
    assert len(seen) > 15
