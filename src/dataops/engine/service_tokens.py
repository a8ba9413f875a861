"""Service tokens: the identity of an assistant or a script (actor `service:<name>`).

A token is shown once, when it is created, and stored only as a digest. One live token per
name: its record's id derives from the name, so two creations racing for a name cannot both
win, and revoking by name is one delete. Tokens may expire; an expired token is refused and its
name can be given out again. A token's last use is kept to the minute (`lastUsedAt`), so a lead
can tell a token in use from a forgotten one. Creations and revocations through the API carry
their actor and are audit events, written in the same transaction.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from dataops.engine import audit
from dataops.engine.context import Engine
from dataops.engine.retry import settle
from dataops.model import actors, messages
from dataops.model.audit import AuditAction, EntityType
from dataops.model.errors import Conflict, Invalid, NotFound, Unauthorized
from dataops.model.ids import derived_id
from dataops.model.users import token_digest
from dataops.model.values import format_timestamp, is_object, parse_timestamp
from dataops.store.base import AlreadyExists, Create, Delete, Item, Replace, VersionConflict, Write

TABLE = "service_tokens"
# A recognisable prefix, so secret scanners (and people) can tell what leaked.
TOKEN_PREFIX = "dataops_svc_"
MAX_DAYS = 3650
# A token's use is recorded at most this often: one write a minute per busy service, not one
# per request.
LAST_USE_RESOLUTION = timedelta(minutes=1)


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
    for optional in ("expiresAt", "lastUsedAt", "createdBy"):
        if record.get(optional):
            shown[optional] = record[optional]
    return shown


def create_token(
    engine: Engine,
    name: str,
    expires_in_days: int | None = None,
    *,
    actor: str | None = None,
    days_message: str = messages.SERVICE_TOKEN_DAYS_INVALID,
) -> IssuedToken:
    """A new token for `service:<name>`; with `actor` (a lead, through the API) the creation is
    recorded as theirs in the audit trail."""
    actors.check_service_name(name)
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_DAYS:
        raise Invalid(days_message.format(limit=MAX_DAYS))
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
    if actor:
        record["createdBy"] = actor
    existing = engine.store.get(TABLE, record["id"])
    write: Write
    if existing is None:
        write = Create(TABLE, record)
    elif not _live(engine, existing):
        write = Replace(TABLE, record, existing.version)
    else:
        raise Conflict(messages.DUPLICATE_SERVICE_TOKEN)
    writes: list[Write] = [write]
    if actor:
        writes.append(_event(engine, actor, name, AuditAction.SERVICE_TOKEN_CREATED, "created"))
    try:
        saved = engine.store.transact(writes)[0]
    except (AlreadyExists, VersionConflict):  # another creation took the name meanwhile
        raise Conflict(messages.DUPLICATE_SERVICE_TOKEN) from None
    assert saved is not None
    return IssuedToken(saved, token)


def _event(engine: Engine, actor: str, name: str, action: AuditAction, verb: str) -> Create:
    return audit.event(
        engine,
        actor=actor,
        entity_type=EntityType.SERVICE_TOKEN,
        entity_id=actors.SERVICE_PREFIX + name,
        action=action,
        summary=f"Service token of {actors.SERVICE_PREFIX}{name} {verb}",
    )


def list_tokens(engine: Engine) -> list[Item]:
    """Every token, oldest first, expired ones included (until their records expire)."""
    return engine.store.query(TABLE, "GSI-Created").items


def revoke_token(engine: Engine, name: str, *, actor: str | None = None) -> None:
    """Delete the token: the service is refused from its next request. With `actor`, the
    revocation is an audit event of theirs, written with the delete."""
    actors.check_service_name(name)
    if actor is None:
        if not engine.store.delete(TABLE, _record_id(name)):
            raise NotFound(messages.SERVICE_TOKEN_NOT_FOUND)
        return

    def attempt() -> None:
        existing = engine.store.get(TABLE, _record_id(name))
        if existing is None:
            raise NotFound(messages.SERVICE_TOKEN_NOT_FOUND)
        event = _event(engine, actor, name, AuditAction.SERVICE_TOKEN_REVOKED, "revoked")
        engine.store.transact([Delete(TABLE, existing["id"], existing.version), event])

    settle(attempt)


def note_use(engine: Engine, record: Item) -> None:
    """Record that the token was just used, unless that was already noted within the minute.
    Best effort: losing a race to another request (or to a revocation) loses nothing."""
    now = engine.clock.now()
    last = parse_timestamp(record.get("lastUsedAt"))
    if last is not None and now - last < LAST_USE_RESOLUTION:
        return
    with contextlib.suppress(VersionConflict):
        engine.store.replace(TABLE, {**record, "lastUsedAt": format_timestamp(now)}, record.version)


def token_service(engine: Engine, token: str) -> Item | None:
    """The live token record of a presented token, or None."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    matches = engine.store.query(TABLE, "GSI-Digest", token_digest(token), limit=1).items
    if not matches or not _live(engine, matches[0]):
        return None
    note_use(engine, matches[0])
    return matches[0]


def service_is_live(engine: Engine, name: str) -> bool:
    """Whether `service:<name>` holds a live token; asked on every request the portal forwards
    for the service, so it counts as a use."""
    record = engine.store.get(TABLE, _record_id(name))
    if record is None or not _live(engine, record):
        return False
    note_use(engine, record)
    return True


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
