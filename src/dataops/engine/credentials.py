"""Checking a password: login (session and portal modes) and a signed-in user's password
change, both throttled (engine/throttle.py) and both checked on the hasher's own threads.

These use cases are coroutines because the password check is awaited on the hasher's pool
(engine/hasher.py): a login waiting for it holds none of the threads that serve requests.
Their store steps run in worker threads like every other use case.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from dataops.engine import sessions, throttle, users
from dataops.engine.context import Engine
from dataops.engine.retry import settle
from dataops.engine.sessions import Session
from dataops.model import messages
from dataops.model.errors import Forbidden, Invalid, Unauthorized
from dataops.model.users import is_active
from dataops.model.values import is_object
from dataops.store.base import Item


@dataclass(frozen=True)
class Credentials:
    email: str
    password: str


def parse_credentials(body: Any) -> Credentials:
    """2.1: not an object 400, missing 400, not strings 401 (nothing to check them against)."""
    if not is_object(body):
        raise Invalid(messages.INVALID_JSON_BODY)
    email, password = body.get("email"), body.get("password")
    if not email or not password:
        raise Invalid(messages.CREDENTIALS_REQUIRED)
    if not isinstance(email, str) or not isinstance(password, str):
        raise Unauthorized(messages.INVALID_CREDENTIALS)
    return Credentials(email, password)


def _account(engine: Engine, email: str, counters: tuple[throttle.Counter, ...]) -> Item | None:
    throttle.refuse_if_throttled(engine, counters)
    return users.find_by_email(engine, email)


async def _check(
    engine: Engine,
    password: str,
    user: Item | None,
    counters: tuple[throttle.Counter, ...],
) -> tuple[str, str | None]:
    """The verified hash and, when it is due an upgrade, its replacement; a wrong password
    (or no account, or no password set) counts a failure and is a 401."""
    raw = user.get("passwordHash") if user is not None else None
    stored = raw if isinstance(raw, str) and raw else None
    # One check whatever the account: `check` does a decoy's work when there is no hash.
    if not await engine.hasher.check(password, stored) or stored is None:
        await asyncio.to_thread(throttle.count_failure, engine, counters)
        raise Unauthorized(messages.INVALID_CREDENTIALS)
    upgraded = await engine.hasher.hash(password) if engine.hasher.needs_upgrade(stored) else None
    return stored, upgraded


async def login(engine: Engine, body: Any, client: str | None) -> tuple[Item, Session]:
    """Throttle (429), look the account up by index, check the password (401), then open a
    session, storing an upgraded hash in the same transaction when one was due."""
    credentials = parse_credentials(body)
    counters = throttle.counters_for(credentials.email, client)
    user = await asyncio.to_thread(_account, engine, credentials.email, counters)
    verified, upgraded = await _check(engine, credentials.password, user, counters)
    assert user is not None
    return await asyncio.to_thread(
        _open,
        engine,
        user["id"],
        password=credentials.password,
        verified=verified,
        upgraded=upgraded,
        counters=counters,
    )


def _open(
    engine: Engine,
    user_id: str,
    *,
    password: str,
    verified: str,
    upgraded: str | None,
    counters: tuple[throttle.Counter, ...],
) -> tuple[Item, Session]:
    throttle.forget_account(engine, counters)

    def attempt() -> tuple[Item, Session]:
        user = engine.store.get("users", user_id)
        # A deactivated account is refused like a wrong password: the answer tells nobody
        # which accounts exist, and the password is checked first all the same.
        if user is None or not is_active(user):
            raise Unauthorized(messages.INVALID_CREDENTIALS)
        current = user.get("passwordHash")
        if current != verified and not (
            # Changed since the check: another login's upgrade still takes this password.
            isinstance(current, str) and engine.hasher.check_now(password, current)
        ):
            raise Unauthorized(messages.INVALID_CREDENTIALS)
        rehashed = {**user, "passwordHash": upgraded} if upgraded and current == verified else None
        return sessions.open_session(engine, user, rehashed)

    return settle(attempt)


@dataclass(frozen=True)
class PasswordChange:
    current: str
    new: str


def parse_password_change(body: Any) -> PasswordChange:
    if not is_object(body):
        raise Invalid(messages.INVALID_JSON_BODY)
    values: list[str] = []
    for name in ("currentPassword", "newPassword"):
        value = body.get(name)
        if value is None or value == "":
            raise Invalid(messages.MISSING_FIELD.format(field=name))
        if not isinstance(value, str):
            raise Invalid(messages.MUST_BE_STRING.format(field=name))
        values.append(value)
    return PasswordChange(*values)


async def change_password(engine: Engine, token: str, body: Any, client: str | None) -> Item:
    """A signed-in user replaces their password: the session must be live (401), the new
    password must meet the rules (400), the current one must be right (403, counted like a
    failed login, 429 once throttled); then every other session of the user ends."""
    user = await asyncio.to_thread(sessions.session_user, engine, token)
    if user is None:
        raise Unauthorized(messages.UNAUTHORIZED)
    change = parse_password_change(body)
    users.check_new_password(engine, change.new)
    counters = throttle.counters_for(user["email"], client)
    await asyncio.to_thread(throttle.refuse_if_throttled, engine, counters)
    try:
        await _check(engine, change.current, user, counters)
    except Unauthorized:
        raise Forbidden(messages.CURRENT_PASSWORD_WRONG) from None
    new_hash = await engine.hasher.hash(change.new)
    saved, _ = await asyncio.to_thread(
        users.store_password_hash, engine, user["id"], new_hash, keep_session=token
    )
    return saved
