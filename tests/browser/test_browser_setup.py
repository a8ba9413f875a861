"""The browser the UI tests drive is real: it renders a page served by a live engine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.support.browser import screenshot
from tests.support.live import live_server


def test_the_shared_browser_renders_the_engine_front_page(page: Any, tmp_path: Path) -> None:
    with live_server(tmp_path) as server:
        response = page.goto(server.url + "/")
        assert response is not None and response.status == 200
        assert page.locator("body").inner_text().strip() != ""
        shot = screenshot(page, "engine-front-page", tmp_path)
    assert shot.stat().st_size > 1000
