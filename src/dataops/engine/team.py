"""Team administration by leads (docs/identity.md#team-administration): add a user, change a
role, deactivate and reactivate an account, reset a password, and manage service tokens.

Every use case here first checks that the caller is an active lead (403 otherwise, with the
same message for members, services and the portal itself), then writes the change and its
audit event in one transaction. The team always keeps an active lead: a change that would
leave none is refused, also when two leads demote each other at the same moment (each
change checks the version of a lead that remains).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dataops.engine import service_tokens, sessions, throttle, users
from dataops.engine.context import Engine
from dataops.engine.identity import Identity
from dataops.engine.retry import settle
from dataops.engine.service_tokens import IssuedToken
from dataops.model import messages
from dataops.model import users as model
from dataops.model.audit import AuditAction
from dataops.model.errors import Conflict, Forbidden, Invalid
from dataops.model.users import Role, is_active, is_lead
from dataops.model.values import is_object
from dataops.store.base import Check, Item, Replace, Write

# 16 URL-safe characters (96 bits): typed once by its owner, then replaced by a password of
# their own at /work/account/password.
TEMPORARY_PASSWORD_BYTES = 12


@dataclass(frozen=True)
class AddedUser:
    user: Item
    # Shown once, only when the lead gave no password.
    temporary_password: str | None


@dataclass(frozen=True)
class Deactivation:
    user: Item
    sessions_ended: int


@dataclass(frozen=True)
class PasswordReset:
    user: Item
    temporary_password: str
    sessions_ended: int


def require_lead(engine: Engine, identity: Identity | None) -> Item:
    """The caller's account, when it is an active lead; 403 for anyone else."""
    if identity is None:
        raise Forbidden(messages.LEAD_ONLY)
    user = identity.user
    if user is None:
        # The test-only `none` mode names a user without loading it.
        user = engine.store.get("users", identity.actor)
    if not is_lead(user):
        raise Forbidden(messages.LEAD_ONLY)
    assert user is not None
    return user


def _object(body: Any) -> Mapping[str, Any]:
    if not is_object(body):
        raise Invalid(messages.INVALID_JSON_BODY)
    result: Mapping[str, Any] = body
    return result


def _text(body: Mapping[str, Any], name: str, *, required: bool) -> str | None:
    value = body.get(name)
    if value is None or (value == "" and required):
        if required:
            raise Invalid(messages.MISSING_FIELD.format(field=name))
        return None
    if not isinstance(value, str):
        raise Invalid(messages.MUST_BE_STRING.format(field=name))
    return value


def temporary_password() -> str:
    return secrets.token_urlsafe(TEMPORARY_PASSWORD_BYTES)


def add_user(engine: Engine, identity: Identity | None, body: Any) -> AddedUser:
    """`{email, name, role?, password?}`: without a password the account gets a temporary one,
    returned once."""
    lead = require_lead(engine, identity)
    fields = _object(body)
    email = _text(fields, "email", required=True)
    name = _text(fields, "name", required=True)
    role = fields.get("role", Role.MEMBER.value)
    password = _text(fields, "password", required=False) or None
    assert email is not None and name is not None
    temporary = None if password else temporary_password()
    user = users.add_user(
        engine,
        email=email,
        name=name,
        password=password or temporary,
        role=model.parse_role(role),
        actor=lead["id"],
    )
    return AddedUser(user, temporary)


def _remaining_lead(engine: Engine, leaving: str) -> Item:
    """An active lead other than `leaving`, whose version the change checks; 409 if none."""
    for user in engine.store.query("users", "GSI-Created").items:
        if user["id"] != leaving and is_lead(user):
            return user
    raise Conflict(messages.LAST_LEAD)


def set_role(engine: Engine, identity: Identity | None, user_id: str, body: Any) -> Item:
    """`{role}`: make a user a lead, or a member again (never the last active lead)."""
    lead = require_lead(engine, identity)
    fields = _object(body)
    if fields.get("role") is None:
        raise Invalid(messages.MISSING_FIELD.format(field="role"))
    chosen = model.parse_role(fields["role"])

    def attempt() -> Item:
        user = users.get_user(engine, user_id)
        if model.role_of(user) is chosen:
            return user
        changed = {**user, "role": chosen.value}
        writes: list[Write] = [Replace("users", changed, user.version)]
        if chosen is Role.MEMBER and is_active(user):
            other = _remaining_lead(engine, user["id"])
            writes.append(Check("users", other["id"], other.version))
        summary = f"{user['email']} is now a {chosen}"
        writes.append(
            users.user_event(
                engine,
                lead["id"],
                changed,
                action=AuditAction.USER_ROLE_CHANGED,
                summary=summary,
                before=user,
                fields=("role",),
            )
        )
        saved = engine.store.transact(writes)[0]
        assert saved is not None
        return saved

    return settle(attempt)


def deactivate(engine: Engine, identity: Identity | None, user_id: str) -> Deactivation:
    """The account can no longer log in or act; every session of it ends now. Its history
    (what it completed, reviewed, uploaded) stays. Idempotent."""
    lead = require_lead(engine, identity)
    if user_id == lead["id"]:
        raise Invalid(messages.CANNOT_DEACTIVATE_SELF)

    def attempt() -> Item:
        user = users.get_user(engine, user_id)
        if not is_active(user):
            return user
        changed = {**user, "deactivatedAt": engine.now(), "deactivatedBy": lead["id"]}
        writes: list[Write] = [Replace("users", changed, user.version)]
        if model.role_of(user) is Role.LEAD:
            other = _remaining_lead(engine, user["id"])
            writes.append(Check("users", other["id"], other.version))
        writes.append(
            users.user_event(
                engine,
                lead["id"],
                changed,
                action=AuditAction.USER_DEACTIVATED,
                summary=f"{user['email']} deactivated",
                before=user,
                fields=("deactivatedAt", "deactivatedBy"),
            )
        )
        saved = engine.store.transact(writes)[0]
        assert saved is not None
        return saved

    user = settle(attempt)
    # After the account is marked: a login racing this finds it deactivated (credentials.py),
    # and every session lookup refuses a deactivated account anyway.
    return Deactivation(user, sessions.end_user_sessions(engine, user["id"]))


def reactivate(engine: Engine, identity: Identity | None, user_id: str) -> Item:
    """A deactivated account may log in again (with its password as it was). Idempotent."""
    lead = require_lead(engine, identity)

    def attempt() -> Item:
        user = users.get_user(engine, user_id)
        if is_active(user):
            return user
        changed = {
            key: value
            for key, value in user.items()
            if key not in ("deactivatedAt", "deactivatedBy")
        }
        event = users.user_event(
            engine,
            lead["id"],
            changed,
            action=AuditAction.USER_REACTIVATED,
            summary=f"{user['email']} reactivated",
            before=user,
            fields=("deactivatedAt", "deactivatedBy"),
        )
        saved = engine.store.transact([Replace("users", changed, user.version), event])[0]
        assert saved is not None
        return saved

    return settle(attempt)


def reset_password(engine: Engine, identity: Identity | None, user_id: str) -> PasswordReset:
    """A new temporary password, shown once to the lead who hands it over; every session of
    the account ends, and a lock of failed logins on it is lifted."""
    lead = require_lead(engine, identity)
    password = temporary_password()
    password_hash = engine.hasher.hash_now(password)

    def attempt() -> Item:
        user = users.get_user(engine, user_id)
        changed = {**user, "passwordHash": password_hash}
        event = users.user_event(
            engine,
            lead["id"],
            changed,
            action=AuditAction.USER_PASSWORD_RESET,
            summary=f"Password of {user['email']} reset",
        )
        saved = engine.store.transact([Replace("users", changed, user.version), event])[0]
        assert saved is not None
        return saved

    user = settle(attempt)
    ended = sessions.end_user_sessions(engine, user["id"])
    throttle.forget_account(engine, throttle.counters_for(user["email"], None))
    return PasswordReset(user, password, ended)


def list_tokens(engine: Engine, identity: Identity | None) -> list[dict[str, Any]]:
    require_lead(engine, identity)
    return [service_tokens.public(record) for record in service_tokens.list_tokens(engine)]


def create_token(engine: Engine, identity: Identity | None, body: Any) -> IssuedToken:
    """`{name, expiresInDays?}`: the token is in this answer only."""
    lead = require_lead(engine, identity)
    fields = _object(body)
    name = _text(fields, "name", required=True)
    assert name is not None
    days = fields.get("expiresInDays")
    limit_message = messages.SERVICE_TOKEN_DAYS_FIELD_INVALID
    if days is not None and (isinstance(days, bool) or not isinstance(days, int)):
        raise Invalid(limit_message.format(limit=service_tokens.MAX_DAYS))
    return service_tokens.create_token(
        engine, name, days, actor=lead["id"], days_message=limit_message
    )


def revoke_token(engine: Engine, identity: Identity | None, name: str) -> None:
    lead = require_lead(engine, identity)
    service_tokens.revoke_token(engine, name, actor=lead["id"])
