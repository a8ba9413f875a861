"""Service tokens: the identity of an assistant or a script (actor `service:<name>`).

A token is shown once, when it is created, and stored only as a digest. One live token per
name: its record's id derives from the name, so two creations racing for a name cannot both
win, and revoking by name is one delete. Tokens may expire; an expired token is refused and its
name can be given out again.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from dataops.engine.context import Engine
from dataops.model import actors, messages
from dataops.model.errors import Conflict, Invalid, NotFound, Unauthorized
from dataops.model.ids import derived_id
from dataops.model.users import token_digest
from dataops.model.values import format_timestamp, is_object, parse_timestamp
from dataops.store.base import AlreadyExists, Item, VersionConflict

TABLE = "service_tokens"
# A recognisable prefix, so secret scanners (and people) can tell what leaked.
TOKEN_PREFIX = "dataops_svc_"
MAX_DAYS = 3650


@dataclass(frozen=True)
class IssuedToken:
    record: Item
    token: str


def _record_id(name: str) -> str:
    return derived_id("service-token", name)


def _live(engine: Engine, record: Mapping[str, Any]) -> bool:
    expires = parse_timestamp(record.get("expiresAt"))
    return expires is None or expires > engine.clock.now()


def public(record: Mapping[str, Any]) -> dict[str, Any]:
    """A token as listed: name, actor, dates; never the digest."""
    shown = {
        "name": record["name"],
        "actor": actors.SERVICE_PREFIX + record["name"],
        "createdAt": record["createdAt"],
    }
    if record.get("expiresAt"):
        shown["expiresAt"] = record["expiresAt"]
    return shown


def create_token(engine: Engine, name: str, expires_in_days: int | None = None) -> IssuedToken:
    actors.check_service_name(name)
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_DAYS:
        raise Invalid(messages.SERVICE_TOKEN_DAYS_INVALID.format(limit=MAX_DAYS))
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = engine.clock.now()
    record: dict[str, Any] = {
        "id": _record_id(name),
        "name": name,
        "tokenDigest": token_digest(token),
        "createdAt": format_timestamp(now),
    }
    if expires_in_days is not None:
        record["expiresAt"] = format_timestamp(now + timedelta(days=expires_in_days))
    existing = engine.store.get(TABLE, record["id"])
    try:
        if existing is None:
            saved = engine.store.create(TABLE, record)
        elif not _live(engine, existing):
            saved = engine.store.replace(TABLE, record, existing.version)
        else:
            raise Conflict(messages.DUPLICATE_SERVICE_TOKEN)
    except (AlreadyExists, VersionConflict):  # another creation took the name meanwhile
        raise Conflict(messages.DUPLICATE_SERVICE_TOKEN) from None
    return IssuedToken(saved, token)


def list_tokens(engine: Engine) -> list[Item]:
    """Every token, oldest first, expired ones included (until their records expire)."""
    return engine.store.query(TABLE, "GSI-Created").items


def revoke_token(engine: Engine, name: str) -> None:
    actors.check_service_name(name)
    if not engine.store.delete(TABLE, _record_id(name)):
        raise NotFound(messages.SERVICE_TOKEN_NOT_FOUND)


def token_service(engine: Engine, token: str) -> Item | None:
    """The live token record of a presented token, or None."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    matches = engine.store.query(TABLE, "GSI-Digest", token_digest(token), limit=1).items
    if not matches or not _live(engine, matches[0]):
        return None
    return matches[0]


def service_is_live(engine: Engine, name: str) -> bool:
    record = engine.store.get(TABLE, _record_id(name))
    return record is not None and _live(engine, record)


def resolve(engine: Engine, body: Any) -> Item:
    """`{token}` -> the live token record (for the portal, which receives bearer tokens on
    `/work/api/*` and forwards the service as the actor); an unknown, revoked or expired
    token is a 401."""
    if not is_object(body):
        raise Invalid(messages.INVALID_JSON_BODY)
    token = body.get("token")
    if not isinstance(token, str) or not token:
        raise Invalid(messages.TOKEN_REQUIRED)
    record = token_service(engine, token)
    if record is None:
        raise Unauthorized(messages.UNAUTHORIZED)
    return record
