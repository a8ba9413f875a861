"""The portal's pure parts, each on its own: where `next` may lead, the session cache and its
clock, the CSRF rule, which engine paths a client may reach, and the origins the portal answers
to."""

from __future__ import annotations

import subprocess
import sys

import pytest
from starlette.datastructures import Headers

from dataops.config import ConfigError, Settings, parse_origin
from dataops.portal.config import PortalConfig
from dataops.portal.csrf import CsrfGuard
from dataops.portal.gateway import engine_path
from dataops.portal.redirects import safe_next
from dataops.portal.sessions import ExpiringCache


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("/work/review?type=invoice", "/work/review?type=invoice"),
        ("/static/portal.css", "/static/portal.css"),
        (None, "/work"),
        ("work", "/work"),
        ("//evil.example/x", "/work"),
        ("///evil.example", "/work"),
        ("/\\evil.example", "/work"),
        ("/%5Cevil.example", "/work"),
        ("/%2F/evil.example", "/work"),
        ("/x\r\nLocation: https://evil.example", "/work"),
        ("/\x00", "/work"),
        ("https://evil.example", "/work"),
        ("/logout", "/work"),
        ("/" + "a" * 3000, "/work"),
    ],
)
def test_next_is_followed_only_to_local_paths(raw: str | None, expected: str) -> None:
    assert safe_next(raw) == expected


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_cache_forgets_after_its_time_and_when_full() -> None:
    clock = Clock()
    cache: ExpiringCache[str, int] = ExpiringCache(2, clock)
    cache.put("a", 1, 5)
    cache.put("b", 2, 1)
    clock.now += 1
    assert (cache.get("a"), cache.get("b")) == (1, None)
    cache.put("c", 3, 5)
    cache.put("d", 4, 5)  # full: the least recently used ("a") goes
    assert (cache.get("a"), cache.get("c"), cache.get("d")) == (None, 3, 4)
    cache.put("c", 3, 0)  # nothing left of it: not kept at all
    assert cache.get("c") is None
    cache.discard("d")
    assert cache.get("d") is None
    clock.now += 5
    cache.put("e", 5, 5)
    clock.now += 4.999
    assert cache.get("e") == 5
    clock.now += 0.001
    assert cache.get("e") is None


def test_csrf_tokens_belong_to_one_session_and_one_secret() -> None:
    guard = CsrfGuard(["https://portal.example"], "secret-" * 6)
    token = guard.token("session-a")
    assert token == CsrfGuard(["https://portal.example"], "secret-" * 6).token("session-a")
    assert token != guard.token("session-b")
    assert token != CsrfGuard([], "another-secret-" * 3).token("session-a")

    def passes(method: str, *headers: tuple[str, str], form: str | None = None) -> bool:
        raw = [(key.encode(), value.encode()) for key, value in headers]
        return guard.passes(method, Headers(raw=raw), "session-a", form)

    assert passes("GET") and passes("HEAD") and passes("OPTIONS")
    assert not passes("POST")
    assert passes("POST", ("origin", "https://portal.example"))
    assert not passes("POST", ("origin", "https://portal.example.evil"))
    assert not passes("POST", ("origin", "https://portal.example"), ("origin", "https://x"))
    assert passes("DELETE", ("x-csrf-token", token))
    assert not passes("DELETE", ("x-csrf-token", token), ("x-csrf-token", token))
    assert not passes("PUT", ("x-csrf-token", guard.token("session-b")))
    assert passes("POST", form=token)
    assert not passes("POST", ("x-csrf-token", "wrong"), form=token)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/work/api", "/api"),
        ("/work/api/", "/api/"),
        ("/work/api/tasks", "/api/tasks"),
        ("/work/api/artifacts/", "/api/artifacts/"),
        ("/work/api/tasks/abc/proof", "/api/tasks/abc/proof"),
        ("/work/api/portalish", "/api/portalish"),
        ("/work/api/portal", None),
        ("/work/api/portal/", None),
        ("/work/api/portal/login", None),
        ("/work/api/tasks/../portal/login", None),
        ("/work/api/..", None),
        ("/work/api/./tasks", None),
        ("/work/api//tasks", None),
        ("/work/apitasks", None),
    ],
)
def test_which_engine_paths_a_client_may_reach(path: str, expected: str | None) -> None:
    assert engine_path(path) == expected


def test_the_portal_answers_to_its_public_url_or_the_address_it_serves() -> None:
    local = PortalConfig.serving(Settings(), "127.0.0.1", 8000)
    assert local.origins == ("http://127.0.0.1:8000", "http://localhost:8000", "http://[::1]:8000")
    assert not local.secure
    named = PortalConfig.serving(Settings(), "portal.internal", 8080)
    assert named.origins == ("http://portal.internal:8080",)
    public = Settings.from_env({"DATAOPS_PUBLIC_URL": "HTTPS://Portal.Example.org:443/"})
    config = PortalConfig.serving(public, "0.0.0.0", 8000)
    assert config.origins == ("https://portal.example.org",)
    assert config.secure
    with pytest.raises(ConfigError, match="needs DATAOPS_PUBLIC_URL"):
        PortalConfig.serving(Settings(), "0.0.0.0", 8000)


@pytest.mark.parametrize(
    ("raw", "origin"),
    [
        ("https://dataops.example.org", "https://dataops.example.org"),
        ("http://127.0.0.1:8000/", "http://127.0.0.1:8000"),
        ("http://[::1]:8000", "http://[::1]:8000"),
        ("http://example.org:80", "http://example.org"),
    ],
)
def test_public_urls_become_origins(raw: str, origin: str) -> None:
    assert parse_origin(raw, "DATAOPS_PUBLIC_URL") == origin


@pytest.mark.parametrize(
    "raw",
    ["dataops.example.org", "ftp://x.org", "https://x.org/dataops", "https://u:p@x.org",
     "https://x.org?a=1", "https://x.org:99999", "https://"],
)  # fmt: skip
def test_a_public_url_that_is_no_origin_stops_start_up(raw: str) -> None:
    with pytest.raises(ConfigError, match=r"DATAOPS_PUBLIC_URL=.* must be an http\(s\) address"):
        Settings.from_env({"DATAOPS_PUBLIC_URL": raw})


def test_the_portal_never_imports_the_engine_a_store_or_the_engines_api() -> None:
    """The boundary is real even in one process: the portal reaches the engine only through
    the broker (and starts without loading any of it)."""
    code = (
        "import sys, dataops.portal.app, dataops.portal.transports\n"
        "print(' '.join(sorted(name for name in sys.modules if name.startswith('dataops.'))))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert "dataops.portal.broker" in loaded
    forbidden = ("dataops.engine", "dataops.api", "dataops.blobs", "dataops.store.sqlite")
    assert [name for name in loaded if name.startswith(forbidden)] == []
