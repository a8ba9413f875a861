"""Sessions: opened by a login, found by their token (stored under its digest), ended by logout,
by the portal, or all at once when a user's password changes or their sessions are revoked."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from dataops.engine.context import Engine
from dataops.model.users import is_active, token_digest
from dataops.model.values import format_timestamp, parse_timestamp
from dataops.store.base import Check, Create, Item, Replace, Write

TABLE = "sessions"


@dataclass(frozen=True)
class Session:
    """A new session as its holder sees it: the token (only now, never stored) and its end."""

    token: str
    expires_at: str


def open_session(
    engine: Engine, user: Item, upgraded: Mapping[str, Any] | None = None
) -> tuple[Item, Session]:
    """A session for `user` as read at its version, in one transaction with that version
    (or with `upgraded`, the user with a rehashed password): if the user changed meanwhile (a
    new password), nothing is written and VersionConflict asks the caller to look again."""
    token = secrets.token_urlsafe(32)
    now = engine.clock.now()
    expires_at = format_timestamp(now + timedelta(seconds=engine.settings.session_ttl_seconds))
    record = {
        "id": token_digest(token),
        "userId": user["id"],
        "createdAt": format_timestamp(now),
        "expiresAt": expires_at,
    }
    user_write: Write = (
        Replace("users", upgraded, user.version)
        if upgraded is not None
        else Check("users", user["id"], user.version)
    )
    saved = engine.store.transact([Create(TABLE, record), user_write])[1]
    return saved or user, Session(token, expires_at)


def session_user(engine: Engine, token: str) -> Item | None:
    """The user of a live session, or None (unknown, expired, user deleted or deactivated)."""
    found = live_session(engine, token)
    return None if found is None else found[1]


def live_session(engine: Engine, token: str) -> tuple[Item, Item] | None:
    """A live session and its user, or None (unknown, expired, user deleted or deactivated)."""
    if not token:
        return None
    session = engine.store.get(TABLE, token_digest(token))
    if session is None:
        return None
    expires = expiry_of(engine, session)
    if expires is None:
        return None
    if expires <= engine.clock.now():
        engine.store.delete(TABLE, session["id"])
        return None
    user = engine.store.get("users", session["userId"])
    # A deactivated account's sessions end with it; one that slipped past that ends here.
    return None if user is None or not is_active(user) else (session, user)


def expiry_of(engine: Engine, session: Item) -> datetime | None:
    """When a session ends: its `expiresAt`, or (older records) its creation plus the TTL."""
    expires = parse_timestamp(session.get("expiresAt"))
    if expires is not None:
        return expires
    created = parse_timestamp(session.get("createdAt"))
    if created is None:
        return None
    return created + timedelta(seconds=engine.settings.session_ttl_seconds)


def end_session(engine: Engine, token: str) -> None:
    """Logout: idempotent, also for unknown tokens."""
    if token:
        engine.store.delete(TABLE, token_digest(token))


def end_user_sessions(engine: Engine, user_id: str, *, keep: str | None = None) -> int:
    """End every session of the user except the one of token `keep`; how many ended."""
    kept = token_digest(keep) if keep else None
    ids = [
        session["id"]
        for session in engine.store.query(TABLE, "GSI-User", user_id).items
        if session["id"] != kept
    ]
    return sum(engine.store.delete(TABLE, session_id) for session_id in ids)
