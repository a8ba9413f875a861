"""Logging in, out and changing a password through the portal's pages and its JSON answers,
against the product as `dataops serve` runs it: the cookie and its flags, the engine's words on a
refusal (throttling included), no open redirect, pages that need a session, and sessions that
end by logout, password change, expiry and revocation."""

from __future__ import annotations

import time
from collections.abc import Iterator
from http.cookies import SimpleCookie
from pathlib import Path

import httpx
import pytest

from dataops.engine import users
from dataops.portal.sessions import CACHE_SECONDS
from tests.portal.conftest import ADA, BOB, Product, start_product

INVALID = "Invalid email or password"


def cookie_of(response: httpx.Response) -> SimpleCookie:
    cookie: SimpleCookie = SimpleCookie()
    cookie.load(response.headers["set-cookie"])
    return cookie


def form_login(product: Product, client: httpx.Client, **fields: str) -> httpx.Response:
    return client.post("/login", data=fields, headers={"Origin": product.origin})


def test_the_login_page_is_a_form_with_email_password_and_remember_me(product: Product) -> None:
    with product.client() as client:
        start = client.get("/")
        work = client.get("/work")
        page = client.get("/login")
    assert (start.status_code, start.headers["location"]) == (303, "/work")
    assert (work.status_code, work.headers["location"]) == (303, "/login?next=%2Fwork")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    for control in ('name="email"', 'type="email"', 'name="password"', 'type="password"',
                    'name="remember"', 'type="checkbox"', 'action="/login"', 'method="post"'):  # fmt: skip
        assert control in page.text
    assert "set-cookie" not in page.headers


def test_a_form_login_sets_one_browser_session_cookie_and_goes_to_work(product: Product) -> None:
    with product.client() as client:
        response = form_login(product, client, **ADA)
        assert response.status_code == 303
        assert response.headers["location"] == "/work"
        cookie = cookie_of(response)["dataops_session"]
        assert len(response.headers.get_list("set-cookie")) == 1
        assert cookie["httponly"] is True
        assert cookie["samesite"].lower() == "lax"
        assert cookie["path"] == "/"
        assert not cookie["secure"]  # plain HTTP on 127.0.0.1
        assert not cookie["max-age"] and not cookie["expires"]  # gone with the browser session
        home = client.get("/work")
    assert home.status_code == 200
    assert "Hello, Ada" in home.text
    assert 'name="csrf-token"' in home.text


def test_remember_me_keeps_the_cookie_as_long_as_the_session(product: Product) -> None:
    with product.client() as client:
        response = form_login(product, client, **ADA, remember="on")
        as_json = client.post("/login", json={**ADA, "remember": True})
    for answer in (response, as_json):
        max_age = int(cookie_of(answer)["dataops_session"]["max-age"])
        assert 2_592_000 - 120 < max_age <= 2_592_000  # the engine's 30-day session


def test_a_json_login_answers_the_user_and_the_csrf_token(product: Product) -> None:
    with product.client() as client:
        response = client.post("/login", json=ADA)
    assert response.status_code == 200
    assert response.json() == {
        "user": {
            "id": "ada",
            "name": "Ada",
            "email": "ada@example.com",
            "role": "lead",
            "createdAt": response.json()["user"]["createdAt"],
        }
    }
    assert response.headers["x-csrf-token"]
    assert cookie_of(response)["dataops_session"]["httponly"] is True


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        ({"email": "ada@example.com", "password": "wrong"}, 401, INVALID),
        ({"email": "nobody@example.com", "password": "x"}, 401, INVALID),
        ({"email": "ada@example.com"}, 400, "email and password are required"),
        ({"email": 5, "password": ["x"]}, 401, INVALID),
        ({**ADA, "remember": "yes"}, 400, "remember must be a boolean"),
    ],
)
def test_a_refused_json_login_sets_no_cookie_and_says_why(
    product: Product, body: dict[str, object], status: int, error: str
) -> None:
    with product.client() as client:
        response = client.post("/login", json=body)
    assert response.status_code == status
    assert response.json() == {"error": error}
    assert "set-cookie" not in response.headers


def test_malformed_login_bodies_are_refused(product: Product) -> None:
    with product.client() as client:
        not_json = client.post(
            "/login", content=b"{nope", headers={"Content-Type": "application/json"}
        )
        not_object = client.post("/login", json=["ada@example.com", "pw"])
        other_type = client.post("/login", content=b"<xml/>", headers={"Content-Type": "text/xml"})
        too_big = client.post("/login", json={"email": "a" * 70_000, "password": "x"})
    assert (not_json.status_code, not_json.json()) == (400, {"error": "Invalid JSON body"})
    assert (not_object.status_code, not_object.json()) == (400, {"error": "Invalid JSON body"})
    assert other_type.status_code == 415
    assert (
        "Content-Type must be application/json or application/x-www-form-urlencoded"
        in other_type.text
    )
    assert (too_big.status_code, too_big.json()) == (413, {"error": "Request body too large"})


def test_a_refused_form_login_shows_the_engines_message_on_the_form(product: Product) -> None:
    with product.client() as client:
        response = form_login(
            product,
            client,
            email="ada@example.com",
            password="wrong",
            next="/work/account/password",
        )
    assert response.status_code == 401
    assert "set-cookie" not in response.headers
    assert INVALID in response.text
    assert 'value="ada@example.com"' in response.text  # the email stays, the password does not
    assert 'value="/work/account/password"' in response.text


def test_throttled_logins_answer_429_with_retry_after_on_the_form_and_in_json(
    product: Product,
) -> None:
    users.add_user(
        product.engine, email="carol@example.com", name="Carol", password="carol's passphrase"
    )
    wrong = {"email": "carol@example.com", "password": "guess"}
    with product.client() as client:
        for _ in range(5):
            assert client.post("/login", json=wrong).status_code == 401
        as_json = client.post("/login", json={**wrong, "password": "carol's passphrase"})
        as_form = form_login(product, client, **wrong)
    assert as_json.status_code == 429
    assert as_json.json() == {"error": "Too many attempts; try again later"}
    assert 0 < int(as_json.headers["retry-after"]) <= 900
    assert as_form.status_code == 429
    assert "Too many attempts; try again later" in as_form.text
    assert 0 < int(as_form.headers["retry-after"]) <= 900
    assert "set-cookie" not in as_json.headers and "set-cookie" not in as_form.headers


@pytest.mark.parametrize(
    ("next_value", "destination"),
    [
        ("/work/account/password", "/work/account/password"),
        ("/work?tab=today#top", "/work?tab=today#top"),
        ("https://evil.example/phish", "/work"),
        ("//evil.example", "/work"),
        ("/\\evil.example", "/work"),
        ("\\\\evil.example", "/work"),
        ("/%2F%2Fevil.example", "/work"),
        ("/\t/evil.example", "/work"),
        ("javascript:alert(1)", "/work"),
        ("http:/evil.example", "/work"),
        ("/login", "/work"),
        ("", "/work"),
    ],
)
def test_after_login_only_local_paths_are_followed(
    product: Product, next_value: str, destination: str
) -> None:
    with product.client() as client:
        response = form_login(product, client, **ADA, next=next_value)
        assert response.status_code == 303
        assert response.headers["location"] == destination
        # Already signed in, the login page sends on the same way.
        again = client.get("/login", params={"next": next_value})
    assert (again.status_code, again.headers["location"]) == (303, destination)


def test_a_login_from_another_sites_page_is_refused(product: Product) -> None:
    with product.client() as client:
        response = client.post("/login", data=ADA, headers={"Origin": "https://evil.example"})
    assert response.status_code == 403
    assert "CSRF check failed" in response.text
    assert "set-cookie" not in response.headers


def test_pages_need_a_session_and_the_api_answers_401(product: Product) -> None:
    with product.client() as client:
        for path in ("/work", "/work/account/password", "/work/some/page?x=1"):
            response = client.get(path)
            assert response.status_code == 303
            assert response.headers["location"].startswith("/login?next=%2Fwork")
        api = client.get("/work/api/tasks?status=todo")
        stale = client.get("/work", headers={"Cookie": "dataops_session=ended-long-ago-000000000"})
    assert (api.status_code, api.json()) == (401, {"error": "Unauthorized"})
    assert stale.status_code == 303
    assert 'dataops_session=""' in stale.headers["set-cookie"]  # the dead cookie is dropped
    with product.sign_in() as ada:
        missing = ada.get("/work/no/such/page")
    assert missing.status_code == 404
    assert "There is no page at this address." in missing.text


def test_logout_ends_the_session_at_once(product: Product) -> None:
    with product.sign_in() as ada:
        assert ada.get("/work/api/me").status_code == 200
        cookie = ada.cookies["dataops_session"]
        forged = ada.post("/logout", headers={"Origin": "https://evil.example"})
        assert forged.status_code == 403
        assert ada.get("/work/api/me").status_code == 200
        response = ada.post("/logout")
        assert (response.status_code, response.headers["location"]) == (303, "/login")
        assert 'dataops_session=""' in response.headers["set-cookie"]
    with product.client(headers={"Cookie": f"dataops_session={cookie}"}) as replay:
        assert replay.get("/work/api/me").status_code == 401
        assert replay.get("/work").status_code == 303
    assert product.engine.store.get("sessions", _digest(cookie)) is None


def test_a_script_logs_out_with_its_token_and_gets_204(product: Product) -> None:
    with product.client() as script:
        token = script.post("/login", json=ADA).headers["x-csrf-token"]
        refused = script.post("/logout", headers={"Accept": "application/json"})
        assert refused.status_code == 403
        response = script.post(
            "/logout", headers={"Accept": "application/json", "X-CSRF-Token": token}
        )
        assert (response.status_code, response.content) == (204, b"")
        assert script.get("/work/api/me").status_code == 401


def _digest(token: str) -> str:
    from dataops.model.users import token_digest

    return token_digest(token)


def change_password_form(
    client: httpx.Client, current: str, new: str, confirm: str
) -> httpx.Response:
    return client.post(
        "/work/account/password",
        data={"current_password": current, "new_password": new, "confirm_password": confirm},
    )


def test_changing_your_password_signs_out_your_other_sessions(product: Product) -> None:
    users.add_user(product.engine, email="dan@example.com", name="Dan", password="dan's passphrase")
    dan = {"email": "dan@example.com", "password": "dan's passphrase"}
    new = "a brand new passphrase"
    with product.sign_in(dan) as laptop, product.sign_in(dan) as phone:
        page = laptop.get("/work/account/password")
        assert page.status_code == 200
        assert 'autocomplete="new-password"' in page.text
        differ = change_password_form(laptop, dan["password"], new, new + "!")
        assert differ.status_code == 400
        assert "The new password and its confirmation differ" in differ.text
        wrong = change_password_form(laptop, "not it", new, new)
        assert wrong.status_code == 403
        assert "Current password is incorrect" in wrong.text
        short = laptop.post(
            "/work/account/password", json={"currentPassword": dan["password"], "newPassword": ""}
        )
        assert short.status_code == 400
        no_origin = laptop.post(
            "/work/account/password",
            data={
                "current_password": dan["password"],
                "new_password": new,
                "confirm_password": new,
            },
            headers={"Origin": "https://evil.example"},
        )
        assert no_origin.status_code == 403

        changed = change_password_form(laptop, dan["password"], new, new)
        assert changed.status_code == 200
        assert "Your password was changed; your other sessions were signed out." in changed.text
        assert laptop.get("/work/api/me").status_code == 200
        _eventually_unauthorized(phone)

    with product.client() as client:
        assert client.post("/login", json=dan).status_code == 401
        assert client.post("/login", json={**dan, "password": new}).status_code == 200


def _eventually_unauthorized(client: httpx.Client) -> None:
    """Refused once the portal's session cache (at most CACHE_SECONDS) has let go."""
    until = time.monotonic() + CACHE_SECONDS
    while time.monotonic() < until and client.get("/work/api/me").status_code == 200:
        time.sleep(0.2)
    assert client.get("/work/api/me").status_code == 401
    assert client.get("/work").status_code == 303


def test_a_revoked_session_is_refused_within_the_cache_time(product: Product) -> None:
    with product.sign_in(BOB) as bob:
        assert bob.get("/work/api/me").status_code == 200  # now in the portal's cache
        assert users.revoke_sessions(product.engine, "bob@example.com")[1] == 1
        _eventually_unauthorized(bob)


@pytest.fixture
def short_sessions(tmp_path: Path) -> Iterator[Product]:
    yield from start_product(tmp_path, {"DATAOPS_SESSION_TTL_SECONDS": "2"})


def test_an_expired_session_is_refused_and_never_outlives_its_end_in_the_cache(
    short_sessions: Product,
) -> None:
    with short_sessions.sign_in() as ada:
        assert ada.get("/work/api/me").status_code == 200
        time.sleep(2.2)  # the session's end; the portal's cache holds nothing past it
        assert ada.get("/work/api/me").status_code == 401
        assert ada.get("/work").status_code == 303
