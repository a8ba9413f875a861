"""Helpers of the operator UI's browser tests: signing in through the login form."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tests.portal.conftest import ADA


def sign_in(page: Any, url: str, person: Mapping[str, str] = ADA, target: str = "/work") -> None:
    page.goto(url + "/login?next=" + target)
    page.get_by_label("Email").fill(person["email"])
    page.get_by_label("Password").fill(person["password"])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(url + target)
