"""Browser tests: one shared headless Chromium (tests/support/browser.py)."""

from __future__ import annotations

import pytest

from tests.support.browser import browser, page

__all__ = ["browser", "page"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test here runs on the one xdist worker that holds the browser."""
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.xdist_group("browser"))
