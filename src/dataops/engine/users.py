"""User accounts: created and changed from the CLI (an email or an id names the account), roles,
and password changes, which end the user's other sessions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dataops.engine import audit, sessions, throttle
from dataops.engine.context import Engine
from dataops.engine.paging import Listing, PageRequest, Partition, list_partitions
from dataops.engine.retry import settle
from dataops.model import actors, messages, records
from dataops.model import users as model
from dataops.model.audit import AuditAction, EntityType
from dataops.model.errors import Conflict, Invalid, NotFound
from dataops.model.users import Role
from dataops.model.values import is_nonblank
from dataops.store.base import AlreadyExists, Create, Item, Write


def find_by_email(engine: Engine, email: str) -> Item | None:
    matches = engine.store.query("users", "GSI-Email", email, limit=1).items
    return matches[0] if matches else None


def find_user(engine: Engine, email_or_id: str) -> Item:
    """The user with this email (exact, as at login) or, failing that, this id."""
    ref = email_or_id.strip()
    user = find_by_email(engine, ref) if "@" in ref else None
    if user is None and ref:
        user = engine.store.get("users", ref)
    if user is None:
        raise NotFound(messages.USER_NOT_FOUND)
    return user


def add_user(
    engine: Engine,
    *,
    email: str,
    name: str,
    user_id: str | None = None,
    password: str | None = None,
    role: Role | str = Role.MEMBER,
    actor: str | None = None,
) -> Item:
    """A new account; without a password it cannot log in until one is set. With `actor` (a
    lead, through the API) the addition is an audit event of theirs."""
    email, name = email.strip(), name.strip()
    if not is_nonblank(email) or "@" not in email:
        raise Invalid(messages.INVALID_EMAIL)
    if not is_nonblank(name):
        raise Invalid(messages.MISSING_FIELD.format(field="name"))
    records.check(model.USER, {"name": name, "email": email})
    chosen_role = model.parse_role(role)
    if user_id is not None and actors.is_reserved_id(user_id):
        raise Invalid(messages.USER_ID_RESERVED.format(id=user_id))
    if password:
        model.check_new_password(password, min_length=engine.policy.min_password_length)
    if find_by_email(engine, email) is not None:
        raise Conflict(messages.DUPLICATE_EMAIL)
    record: dict[str, Any] = {
        "id": user_id or engine.new_id(),
        "name": name,
        "email": email,
        "role": chosen_role.value,
        "createdAt": engine.now(),
    }
    if password:
        record["passwordHash"] = engine.hasher.hash_now(password)
    writes: list[Write] = [Create("users", record)]
    if actor:
        writes.append(
            user_event(
                engine,
                actor,
                record,
                action=AuditAction.USER_ADDED,
                summary=f"{email} added as {chosen_role}",
            )
        )
    try:
        saved = engine.store.transact(writes)[0]
    except AlreadyExists:
        raise Conflict(messages.DUPLICATE_USER_ID) from None
    assert saved is not None
    return saved


def user_event(
    engine: Engine,
    actor: str,
    user: Mapping[str, Any],
    *,
    action: AuditAction,
    summary: str,
    before: Mapping[str, Any] | None = None,
    fields: tuple[str, ...] = (),
) -> Create:
    """The audit event of a change to an account made by `actor` (a lead)."""
    return audit.event(
        engine,
        actor=actor,
        entity_type=EntityType.USER,
        entity_id=user["id"],
        action=action,
        summary=summary,
        before=before,
        after=user,
        fields=fields,
    )


def check_new_password(engine: Engine, password: str) -> None:
    model.check_new_password(password, min_length=engine.policy.min_password_length)


def set_password(engine: Engine, email_or_id: str, password: str) -> tuple[Item, int]:
    """Replace the password and end every session of the user; (user, sessions ended). An
    operator's reset also lifts a lock of failed logins on the account, so its owner can log in
    with the new password at once."""
    check_new_password(engine, password)
    user = find_user(engine, email_or_id)
    changed = store_password_hash(engine, user["id"], engine.hasher.hash_now(password))
    throttle.forget_account(engine, throttle.counters_for(user["email"], None))
    return changed


def store_password_hash(
    engine: Engine, user_id: str, password_hash: str, *, keep_session: str | None = None
) -> tuple[Item, int]:
    """Store a new hash, then end the user's sessions except `keep_session` (a token): whoever
    knew the old password keeps no way in. A login that checked the old password and races
    this change cannot open a session afterwards (its session write checks the user's version).
    """

    def attempt() -> Item:
        user = engine.store.get("users", user_id)
        if user is None:
            raise NotFound(messages.USER_NOT_FOUND)
        return engine.store.replace("users", {**user, "passwordHash": password_hash}, user.version)

    user = settle(attempt)
    return user, sessions.end_user_sessions(engine, user_id, keep=keep_session)


def set_role(engine: Engine, email_or_id: str, role: str) -> Item:
    chosen = model.parse_role(role)

    def attempt() -> Item:
        user = find_user(engine, email_or_id)
        if user.get("role") == chosen.value:
            return user
        return engine.store.replace("users", {**user, "role": chosen.value}, user.version)

    return settle(attempt)


def revoke_sessions(engine: Engine, email_or_id: str) -> tuple[Item, int]:
    """End every session of the user: (user, sessions ended)."""
    user = find_user(engine, email_or_id)
    return user, sessions.end_user_sessions(engine, user["id"])


def list_users(engine: Engine, page: PageRequest) -> Listing:
    return list_partitions(engine.store, [Partition("users", "GSI-Created")], page)


def get_user(engine: Engine, user_id: str) -> Item:
    user = engine.store.get("users", user_id)
    if user is None:
        raise NotFound(messages.USER_NOT_FOUND)
    return user
