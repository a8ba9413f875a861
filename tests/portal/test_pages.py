"""Every answer of the portal carries its security headers and every page the strict
Content-Security-Policy; static files are cached for good at their digest address and checked
otherwise; errors are pages too."""

from __future__ import annotations

import re

import httpx

from dataops.portal.security import PAGE_POLICY
from tests.portal.conftest import Product


def assert_secured(response: httpx.Response) -> None:
    assert response.headers["content-security-policy"] == PAGE_POLICY
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "same-origin"


def test_every_page_has_the_strict_policy_and_no_inline_code(product: Product) -> None:
    with product.client() as visitor:
        answers = [visitor.get("/login"), visitor.get("/work"), visitor.get("/nowhere")]
        answers.append(visitor.delete("/login"))
    with product.sign_in() as ada:
        answers += [ada.get("/work"), ada.get("/work/account/password"), ada.get("/work/x")]
    for response in answers:
        assert_secured(response)
        if response.headers.get("content-type", "").startswith("text/html"):
            # Scripts come only from the portal's own files: no inline code, no handlers.
            for tag, body in re.findall(r"<script([^>]*)>(.*?)</script>", response.text, re.S):
                assert re.search(r'src="/static/[^"]+"', tag) and not body.strip()
            assert not re.search(r"\son[a-z]+=", response.text)
            assert "style=" not in response.text
            assert response.headers["cache-control"] == "no-store"
    assert "script-src 'self'" in PAGE_POLICY and "'unsafe-inline'" not in PAGE_POLICY
    assert answers[2].status_code == 404
    assert answers[3].status_code == 405
    assert "Method not allowed" in answers[3].text


def test_static_files_are_cached_at_their_digest_address(product: Product) -> None:
    with product.client() as client:
        page = client.get("/login").text
        (stylesheet,) = re.findall(r'href="(/static/portal\.css\?v=[0-9a-f]+)"', page)
        fresh = client.get(stylesheet)
        plain = client.get("/static/portal.css")
        old = client.get("/static/portal.css?v=0000000000000000")
        again = client.get(stylesheet, headers={"If-None-Match": fresh.headers["etag"]})
        head = client.head(stylesheet)
        missing = client.get("/static/nothing.css")
        escape = client.get("/static/../templates/base.html")
        posted = client.post(stylesheet)
    assert fresh.status_code == 200
    assert fresh.headers["content-type"] == "text/css; charset=utf-8"
    assert fresh.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert fresh.text.startswith("/* The portal's one stylesheet")
    for checked in (plain, old):
        assert checked.status_code == 200
        assert checked.headers["cache-control"] == "no-cache"
        assert checked.headers["etag"] == fresh.headers["etag"]
    assert (again.status_code, again.content) == (304, b"")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(fresh.content))
    assert missing.status_code == 404
    assert escape.status_code == 404
    assert posted.status_code == 405
    assert_secured(fresh)


def test_health_says_whether_the_engine_answers(product: Product) -> None:
    with product.client() as client:
        health = client.get("/work/health")
    assert (health.status_code, health.json()) == (200, {"status": "ok"})
    assert health.headers["content-type"] == "application/json"
