"""Users and sessions: accounts created from the CLI, login, bearer sessions, logout."""

from __future__ import annotations

import contextlib
import secrets
from datetime import timedelta
from typing import Any

from dataops.engine.context import Engine
from dataops.engine.paging import Listing, PageRequest, Partition, list_partitions
from dataops.engine.retry import settle
from dataops.model import messages
from dataops.model import users as model
from dataops.model.errors import Conflict, Invalid, NotFound, Unauthorized
from dataops.model.values import format_timestamp, is_nonblank, is_object, parse_timestamp
from dataops.store.base import AlreadyExists, Item, VersionConflict


def find_by_email(engine: Engine, email: str) -> Item | None:
    matches = engine.store.query("users", "GSI-Email", email, limit=1).items
    return matches[0] if matches else None


def add_user(
    engine: Engine,
    *,
    email: str,
    name: str,
    user_id: str | None = None,
    password: str | None = None,
) -> Item:
    email, name = email.strip(), name.strip()
    if not is_nonblank(email) or "@" not in email:
        raise Invalid(messages.INVALID_EMAIL)
    if not is_nonblank(name):
        raise Invalid(messages.MISSING_FIELD.format(field="name"))
    if find_by_email(engine, email) is not None:
        raise Conflict(messages.DUPLICATE_EMAIL)
    record: dict[str, Any] = {
        "id": user_id or engine.new_id(),
        "name": name,
        "email": email,
        "createdAt": engine.now(),
    }
    if password:
        record["passwordHash"] = model.hash_password(password)
    try:
        return engine.store.create("users", record)
    except AlreadyExists:
        raise Conflict(messages.DUPLICATE_USER_ID) from None


def set_password(engine: Engine, user_id: str, password: str) -> Item:
    if not password:
        raise Invalid(messages.MISSING_FIELD.format(field="password"))
    password_hash = model.hash_password(password)

    def attempt() -> Item:
        user = engine.store.get("users", user_id)
        if user is None:
            raise NotFound(messages.USER_NOT_FOUND)
        return engine.store.replace("users", {**user, "passwordHash": password_hash}, user.version)

    return settle(attempt)


def list_users(engine: Engine, page: PageRequest) -> Listing:
    return list_partitions(engine.store, [Partition("users", "GSI-Created")], page)


def get_user(engine: Engine, user_id: str) -> Item:
    user = engine.store.get("users", user_id)
    if user is None:
        raise NotFound(messages.USER_NOT_FOUND)
    return user


def login(engine: Engine, body: Any) -> tuple[Item, str]:
    """2.1: returns the user and a new session token."""
    if not is_object(body):
        raise Invalid(messages.INVALID_JSON_BODY)
    email, password = body.get("email"), body.get("password")
    if not email or not password:
        raise Invalid(messages.CREDENTIALS_REQUIRED)
    if not isinstance(email, str) or not isinstance(password, str):
        raise Unauthorized(messages.INVALID_CREDENTIALS)
    user = find_by_email(engine, email)
    if user is None or not model.verify_password(password, user.get("passwordHash")):
        raise Unauthorized(messages.INVALID_CREDENTIALS)
    if model.is_legacy_hash(user["passwordHash"]):
        upgraded = {**user, "passwordHash": model.hash_password(password)}
        with contextlib.suppress(VersionConflict):  # another login upgraded it first
            user = engine.store.replace("users", upgraded, user.version)
    token = secrets.token_urlsafe(32)
    now = engine.clock.now()
    engine.store.create(
        "sessions",
        {
            "id": model.token_digest(token),
            "userId": user["id"],
            "createdAt": format_timestamp(now),
            "expiresAt": format_timestamp(
                now + timedelta(seconds=engine.settings.session_ttl_seconds)
            ),
        },
    )
    return user, token


def session_user(engine: Engine, token: str) -> Item | None:
    """The user of a live session, or None (unknown, expired, or user deleted)."""
    if not token:
        return None
    session = engine.store.get("sessions", model.token_digest(token))
    if session is None:
        return None
    expires = parse_timestamp(session.get("expiresAt"))
    if expires is None:
        created = parse_timestamp(session.get("createdAt"))
        if created is None:
            return None
        expires = created + timedelta(seconds=engine.settings.session_ttl_seconds)
    if expires <= engine.clock.now():
        engine.store.delete("sessions", session["id"])
        return None
    return engine.store.get("users", session["userId"])


def logout(engine: Engine, token: str) -> None:
    if token:
        engine.store.delete("sessions", model.token_digest(token))
