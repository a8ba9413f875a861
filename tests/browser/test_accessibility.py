"""Accessibility of every page of the product: axe-core (vendored) finds no serious or
critical violation, at a laptop's width and at a phone's (375 px), signed out and signed in."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.portal.conftest import ADA, Product, start_product
from tests.support.accessibility import assert_accessible, violations

SIGNED_IN_PAGES = ("/work", "/work/account/password")


@pytest.fixture(scope="module")
def product(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Product]:
    yield from start_product(tmp_path_factory.mktemp("accessibility"))


def sign_in(page: Any, product: Product) -> None:
    page.goto(product.url + "/login")
    page.get_by_label("Email").fill(ADA["email"])
    page.get_by_label("Password").fill(ADA["password"])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(product.url + "/work")


@pytest.mark.parametrize("page", [1280, 375], indirect=True)
def test_every_page_passes_axe(page: Any, product: Product) -> None:
    page.goto(product.url + "/login")
    assert_accessible(page, "/login")
    sign_in(page, product)
    for path in SIGNED_IN_PAGES:
        page.goto(product.url + path)
        assert_accessible(page, path)
        # Usable at a phone's width: nothing forces the page to scroll sideways.
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


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
