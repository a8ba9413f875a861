"""Who is calling: a bearer token (a session or a service token) or the actor the trusted portal
names, resolved to an identity that the API puts in front of every use case."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dataops.engine import service_tokens, sessions
from dataops.engine.context import Engine
from dataops.model import actors
from dataops.model.users import is_active, public
from dataops.store.base import Item


@dataclass(frozen=True)
class Identity:
    """The actor string recorded in `createdBy`, `completedBy`, ...; the user record when the
    actor is a user."""

    actor: str
    user: Item | None = None

    def as_json(self) -> dict[str, Any]:
        """`/api/me`'s user: the account for a user, a name for the portal and services."""
        if self.user is not None:
            return public(self.user)
        name = actors.service_name(self.actor)
        return {"id": self.actor, "name": name or "Portal user"}


def bearer_identity(engine: Engine, token: str) -> Identity | None:
    """A live session's user, or a live service token's service; None otherwise."""
    if not token:
        return None
    if token.startswith(service_tokens.TOKEN_PREFIX):
        record = service_tokens.token_service(engine, token)
        return None if record is None else Identity(actors.SERVICE_PREFIX + record["name"])
    user = sessions.session_user(engine, token)
    return None if user is None else Identity(user["id"], user)


def portal_identity(engine: Engine, user_header: str | None) -> Identity | None:
    """The actor of a trusted portal request: `portal-admin` without `x-user-id` (the portal's
    own jobs); otherwise an existing, active user or a service with a live token, else None
    (401)."""
    if not user_header:
        return Identity(actors.PORTAL_ADMIN)
    name = actors.service_name(user_header)
    if name is not None:
        return Identity(user_header) if service_tokens.service_is_live(engine, name) else None
    user = engine.store.get("users", user_header)
    return None if user is None or not is_active(user) else Identity(user["id"], user)
