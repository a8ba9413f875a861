"""One headless Chromium for the browser tests (Debian's `chromium`, driven by Playwright for
Python through its `executable_path`: nothing downloads a browser of its own).

Browser tests are marked `browser` and grouped onto one xdist worker, so the whole suite shares
a single browser process. Without a browser they skip on a developer's machine and fail under
CI (`CI` set), so a broken install can never pass silently.

Playwright's sync API keeps an event loop marked as running in its thread while it is started,
which breaks `asyncio.run` in any later test of the same process; so the shared browser is
stopped as soon as the next test to run is not a browser test (`release_after`), and started
again should another browser test come.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM_FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
)
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def chromium_path() -> str | None:
    """`DATAOPS_CHROMIUM`, else Debian's `/usr/bin/chromium`, else `chromium` on the PATH."""
    configured = os.environ.get("DATAOPS_CHROMIUM")
    if configured:
        return configured if Path(configured).exists() else None
    if Path("/usr/bin/chromium").exists():
        return "/usr/bin/chromium"
    return shutil.which("chromium")


def unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"browser tests cannot run under CI: {reason}")
    pytest.skip(reason)


class _SharedBrowser:
    """The one browser of this process, and the Playwright driver behind it."""

    def __init__(self) -> None:
        self.playwright: Any = None
        self.browser: Any = None

    def get(self) -> Any:
        if self.browser is None:
            executable = chromium_path()
            if executable is None:
                unavailable("no Chromium found (apt-get install chromium, or set DATAOPS_CHROMIUM)")
            try:
                from playwright.sync_api import sync_playwright
            except ImportError:
                unavailable("Playwright for Python is not installed")
            self.playwright = sync_playwright().start()
            self.browser = self.playwright.chromium.launch(
                executable_path=executable, headless=True, args=list(CHROMIUM_FLAGS)
            )
        return self.browser

    def stop(self) -> None:
        if self.browser is not None:
            self.browser.close()
            self.playwright.stop()
            self.browser = self.playwright = None


SHARED = _SharedBrowser()


def is_browser_test(item: pytest.Item | None) -> bool:
    return item is not None and item.get_closest_marker("browser") is not None


def release_after(item: pytest.Item, next_item: pytest.Item | None) -> None:
    """After a browser test: stop the browser unless the next test needs it too."""
    if is_browser_test(item) and not is_browser_test(next_item):
        SHARED.stop()


@pytest.fixture
def browser() -> Any:
    """The shared browser (started on first use; see `release_after`)."""
    return SHARED.get()


class ConsoleErrors(list[str]):
    """Errors the page logged or raised, gathered while a test runs."""


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh context and page per test (no cookies shared between tests). Errors in the
    page's console fail the test: no page may log one."""
    width = getattr(request, "param", 1280)
    context = browser.new_context(viewport={"width": width, "height": 900})
    opened = context.new_page()
    errors = ConsoleErrors()
    opened.on("console", lambda message: message.type == "error" and errors.append(message.text))
    opened.on("pageerror", lambda error: errors.append(str(error)))
    opened.console_errors = errors
    try:
        yield opened
        assert not errors, f"the page logged errors: {errors}"
    finally:
        context.close()


def screenshot(page: Any, name: str, output: Path, *, keep: bool = False) -> Path:
    """A full-page screenshot in the test's output folder; `keep` also writes it to
    docs/screenshots/ (what the README shows) when it is not there yet, or always with
    DATAOPS_KEEP_SCREENSHOTS=1, so an ordinary test run leaves the checkout as it was."""
    target = output / f"{name}.png"
    page.screenshot(path=str(target), full_page=True)
    kept = SCREENSHOTS / f"{name}.png"
    if keep and (os.environ.get("DATAOPS_KEEP_SCREENSHOTS") == "1" or not kept.exists()):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(target, kept)
    return target
