"""A person signs in, changes nothing, and signs out in a real browser, with the strict
Content-Security-Policy in force: the pages render with their own stylesheet, log no error,
need no JavaScript, and the cookie is out of the page's reach."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.portal.conftest import ADA, Product, start_product
from tests.support.browser import screenshot


@pytest.fixture(scope="module")
def product(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Product]:
    yield from start_product(tmp_path_factory.mktemp("browser-product"))


def test_a_person_signs_in_with_the_form_and_signs_out(
    page: Any, product: Product, tmp_path: Path
) -> None:
    page.goto(product.url + "/work/account/password")
    assert page.url == product.url + "/login?next=%2Fwork%2Faccount%2Fpassword"
    # The stylesheet applied: the CSP lets the portal's own file in.
    assert page.locator("button.primary").evaluate("e => getComputedStyle(e).backgroundColor") == (
        "rgb(31, 95, 139)"
    )
    screenshot(page, "login", tmp_path, keep=True)

    page.get_by_label("Email").fill(ADA["email"])
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").inner_text() == "Invalid email or password"
    assert page.get_by_label("Email").input_value() == ADA["email"]
    # The refusal is answered with the engine's status (401), which Chromium logs as a failed
    # load; that, and only that, is expected here.
    assert page.console_errors == [
        "Failed to load resource: the server responded with a status of 401 (Unauthorized)"
    ]
    page.console_errors.clear()

    page.get_by_label("Password").fill(ADA["password"])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(product.url + "/work/account/password")
    assert page.get_by_role("heading", name="Change your password").is_visible()
    cookies = {cookie["name"]: cookie for cookie in page.context.cookies()}
    assert cookies["dataops_session"]["httpOnly"] is True
    assert cookies["dataops_session"]["sameSite"] == "Lax"
    assert cookies["dataops_session"]["expires"] == -1  # a browser-session cookie
    assert page.evaluate("document.cookie") == ""

    page.goto(product.url + "/work")
    assert page.get_by_role("heading", name="Hello, Ada").is_visible()
    page.get_by_role("button", name="Sign out").click()
    assert page.url == product.url + "/login"
    page.goto(product.url + "/work")
    assert page.url.startswith(product.url + "/login")


def test_signing_in_works_by_keyboard_and_without_javascript(
    browser: Any, product: Product
) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(product.url + "/login")
        page.keyboard.type(ADA["email"])  # the email field has the focus
        page.keyboard.press("Tab")
        page.keyboard.type(ADA["password"])
        with page.expect_navigation(url=product.url + "/work"):
            page.keyboard.press("Enter")
        assert "Hello, Ada" in page.content()
    finally:
        context.close()
