"""Browser tests: one shared headless Chromium (tests/support/browser.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.browser import browser, page, release_after

__all__ = ["browser", "page"]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """Once the test's fixtures (its page and context) are torn down."""
    try:
        yield
    finally:
        release_after(item, nextitem)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test here runs on the one xdist worker that holds the browser."""
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.xdist_group("browser"))
