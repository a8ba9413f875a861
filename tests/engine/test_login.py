"""Login at the use-case level: throttling on store counters with an injected clock, equal work
for every kind of failure (counted scrypt calls, not timings), hash upgrades, and logins that
race a password change."""

from __future__ import annotations

import asyncio
import hashlib
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from dataops.engine import credentials, identity, sessions, throttle, users
from dataops.engine.context import Engine
from dataops.model import passwords
from dataops.model.errors import TooManyRequests, Unauthorized
from dataops.model.passwords import ScryptCost
from tests.conftest import FakeClock, make_engine, make_settings
from tests.support.identity import TEST_COST, login_token

PASSWORD = "correct horse battery"


@pytest.fixture
def engine(tmp_path: Path, clock: FakeClock) -> Iterator[Engine]:
    eng = make_engine(make_settings(tmp_path, DATAOPS_AUTH_MODE="session"), clock)
    users.add_user(eng, email="ada@example.com", name="Ada", user_id="ada", password=PASSWORD)
    yield eng
    eng.store.close()


def attempt(engine: Engine, email: str, password: str, client: str | None = None) -> str:
    """'ok', or the refusal's status: 401 or 429 (with its Retry-After)."""
    try:
        login_token(engine, email, password, client)
    except Unauthorized as exc:
        assert exc.message == "Invalid email or password"
        return "401"
    except TooManyRequests as exc:
        assert exc.message == "Too many attempts; try again later"
        return f"429 after {exc.retry_after}s"
    return "ok"


# --- throttling ----------------------------------------------------------------------------------


def test_five_failures_lock_the_account_until_the_window_passes(
    engine: Engine, clock: FakeClock
) -> None:
    assert [attempt(engine, "ada@example.com", "wrong") for _ in range(5)] == ["401"] * 5
    clock.advance(minutes=10)
    # The right password too: an attacker's sixth guess must not be checked at all.
    assert attempt(engine, "ada@example.com", PASSWORD) == "429 after 300s"
    assert attempt(engine, "ADA@Example.com ", "wrong") == "429 after 300s"
    clock.advance(seconds=299)
    assert attempt(engine, "ada@example.com", PASSWORD).startswith("429")
    clock.advance(seconds=2)
    assert attempt(engine, "ada@example.com", PASSWORD) == "ok"


def test_an_operators_password_reset_lifts_the_account_lock(engine: Engine) -> None:
    for _ in range(5):
        attempt(engine, "ada@example.com", "wrong", client="203.0.113.9")
    assert attempt(engine, "ada@example.com", PASSWORD).startswith("429")
    users.set_password(engine, "ada", "a fresh password")
    assert attempt(engine, "ada@example.com", "a fresh password") == "ok"


def test_a_success_starts_the_account_afresh(engine: Engine) -> None:
    for _ in range(4):
        assert attempt(engine, "ada@example.com", "wrong") == "401"
    assert attempt(engine, "ada@example.com", PASSWORD) == "ok"
    for _ in range(5):
        assert attempt(engine, "ada@example.com", "wrong") == "401"
    assert attempt(engine, "ada@example.com", "wrong") == "429 after 900s"


def test_unknown_emails_are_throttled_like_accounts(engine: Engine) -> None:
    for _ in range(5):
        assert attempt(engine, "nobody@example.com", "guess") == "401"
    assert attempt(engine, "nobody@example.com", "guess").startswith("429")
    assert attempt(engine, "ada@example.com", PASSWORD) == "ok"


def test_thirty_failures_from_one_address_lock_that_address(engine: Engine) -> None:
    for n in range(30):
        assert attempt(engine, f"guess{n}@example.com", "x", client="203.0.113.9") == "401"
    assert attempt(engine, "ada@example.com", PASSWORD, client="203.0.113.9").startswith("429")
    assert attempt(engine, "ada@example.com", PASSWORD, client="198.51.100.7") == "ok"
    # A good password does not buy the address new guesses.
    assert attempt(engine, "ada@example.com", PASSWORD, client="203.0.113.9").startswith("429")


def test_counters_live_in_the_store_for_every_process(tmp_path: Path, clock: FakeClock) -> None:
    """Two engines on one SQLite file stand for two worker processes or Lambda instances."""
    settings = make_settings(
        tmp_path, DATAOPS_AUTH_MODE="session", DATAOPS_STORE=f"sqlite:///{tmp_path / 'db'}"
    )
    first, second = make_engine(settings, clock), make_engine(settings, clock)
    try:
        users.add_user(first, email="ada@example.com", name="Ada", password=PASSWORD)
        for engine in (first, second, first, second, first):
            assert attempt(engine, "ada@example.com", "wrong") == "401"
        assert attempt(second, "ada@example.com", PASSWORD).startswith("429")
    finally:
        first.store.close()
        second.store.close()


def test_counters_keep_no_email_or_address(engine: Engine) -> None:
    attempt(engine, "ada@example.com", "wrong", client="203.0.113.9")
    attempt(engine, "typo-of-a-password@example.com", "wrong", client="203.0.113.9")
    stored = repr(list(engine.store.scan("login_attempts")))
    assert "example.com" not in stored and "203.0.113.9" not in stored
    assert sorted(record["scope"] for record in engine.store.scan("login_attempts")) == [
        "account",
        "account",
        "client",
    ]
    record = next(iter(engine.store.scan("login_attempts")))
    assert set(record) == {"id", "scope", "failures", "startedAt", "expiresAt"}


def test_racing_failures_are_all_counted(engine: Engine) -> None:
    counters = throttle.counters_for("ada@example.com", "203.0.113.9")
    threads = [
        threading.Thread(target=throttle.count_failure, args=(engine, counters)) for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [record["failures"] for record in engine.store.scan("login_attempts")] == [8, 8]


def add_legacy_user(engine: Engine) -> None:
    """A user as the reference service stored them: an unsalted SHA-256 of the password."""
    engine.store.create(
        "users",
        {
            "id": "legacy",
            "name": "Legacy",
            "email": "legacy@example.com",
            "passwordHash": hashlib.sha256(b"old secret").hexdigest(),
            "createdAt": "2024-01-01T00:00:00.000Z",
        },
    )


# --- equal work ----------------------------------------------------------------------------------


@pytest.fixture
def scrypt_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The cost parameter `n` of every scrypt computed while the test runs."""
    calls: list[int] = []
    real = hashlib.scrypt
    lock = threading.Lock()

    def counting(password: bytes, **kwargs: Any) -> bytes:
        with lock:
            calls.append(kwargs["n"])
        return real(password, **kwargs)

    monkeypatch.setattr(hashlib, "scrypt", counting)
    return calls


def test_every_kind_of_failure_costs_one_check_at_the_current_cost(
    engine: Engine, scrypt_calls: list[int]
) -> None:
    users.add_user(engine, email="nopass@example.com", name="No password")
    add_legacy_user(engine)
    cases: dict[str, Callable[[], str]] = {
        "wrong password": lambda: attempt(engine, "ada@example.com", "wrong"),
        "unknown email": lambda: attempt(engine, "nobody@example.com", "wrong"),
        "no password set": lambda: attempt(engine, "nopass@example.com", "wrong"),
        "legacy hash": lambda: attempt(engine, "legacy@example.com", "wrong"),
        "right password": lambda: attempt(engine, "ada@example.com", PASSWORD),
    }
    work = {}
    for name, run in cases.items():
        scrypt_calls.clear()
        run()
        work[name] = list(scrypt_calls)
    assert work == {name: [TEST_COST.n] for name in cases}


def test_a_login_with_an_older_hash_upgrades_it_and_does_the_same_checking_work(
    engine: Engine, scrypt_calls: list[int]
) -> None:
    old = passwords.hash_password(PASSWORD, ScryptCost(n=2**4, r=8, p=1))
    user = engine.store.get("users", "ada")
    assert user is not None
    engine.store.replace("users", {**user, "passwordHash": old}, user.version)
    scrypt_calls.clear()
    assert attempt(engine, "ada@example.com", PASSWORD) == "ok"
    # The old check, the decoy that evens it out, and the new hash.
    assert sorted(scrypt_calls) == [2**4, TEST_COST.n, TEST_COST.n]
    upgraded = engine.store.get("users", "ada")
    assert upgraded is not None
    assert upgraded["passwordHash"].startswith(f"scrypt${TEST_COST.n}$8$1$")
    assert not engine.hasher.needs_upgrade(upgraded["passwordHash"])
    scrypt_calls.clear()
    assert attempt(engine, "ada@example.com", PASSWORD) == "ok"
    assert scrypt_calls == [TEST_COST.n]


def test_the_legacy_hash_is_accepted_once_then_replaced(engine: Engine) -> None:
    add_legacy_user(engine)
    assert attempt(engine, "legacy@example.com", "old secret") == "ok"
    stored = engine.store.get("users", "legacy")
    assert stored is not None and stored["passwordHash"].startswith("scrypt$")
    assert attempt(engine, "legacy@example.com", "old secret") == "ok"


# --- revocation ----------------------------------------------------------------------------------


def test_a_password_change_ends_every_session(engine: Engine) -> None:
    tokens = [login_token(engine, "ada@example.com", PASSWORD) for _ in range(3)]
    user, ended = users.set_password(engine, "ada@example.com", "a new long password")
    assert ended == 3 and user["id"] == "ada"
    assert [sessions.session_user(engine, token) for token in tokens] == [None] * 3
    assert attempt(engine, "ada@example.com", PASSWORD) == "401"
    assert attempt(engine, "ada@example.com", "a new long password") == "ok"


def test_revoking_sessions_by_email_or_id(engine: Engine) -> None:
    users.add_user(engine, email="bob@example.com", name="Bob", user_id="bob", password=PASSWORD)
    ada = login_token(engine, "ada@example.com", PASSWORD)
    bob = login_token(engine, "bob@example.com", PASSWORD)
    assert users.revoke_sessions(engine, "ada")[1] == 1
    assert users.revoke_sessions(engine, "ada@example.com")[1] == 0
    assert identity.bearer_identity(engine, ada) is None
    found = identity.bearer_identity(engine, bob)
    assert found is not None and found.actor == "bob"


def test_a_login_that_races_a_password_change_opens_no_session(engine: Engine) -> None:
    """The password was right when checked, but changed before the session was written: the
    session write checks the user's version, so the old password opens nothing."""
    real_check = engine.hasher.check

    async def check_then_change(password: str, stored: str | None) -> bool:
        verdict = await real_check(password, stored)
        await asyncio.to_thread(users.set_password, engine, "ada", "changed meanwhile!")
        return verdict

    engine.hasher.check = check_then_change  # type: ignore[method-assign]
    assert attempt(engine, "ada@example.com", PASSWORD) == "401"
    assert engine.store.count("sessions") == 0


def test_sessions_of_a_deleted_user_and_expired_sessions_are_gone(
    engine: Engine, clock: FakeClock
) -> None:
    token = login_token(engine, "ada@example.com", PASSWORD)
    clock.advance(seconds=engine.settings.session_ttl_seconds + 1)
    assert sessions.session_user(engine, token) is None
    assert engine.store.count("sessions") == 0


def test_login_needs_strings(engine: Engine) -> None:
    with pytest.raises(Unauthorized):
        asyncio.run(credentials.login(engine, {"email": 1, "password": "x"}, None))
    assert engine.store.count("login_attempts") == 0
