"""Users: roles, the rules a new password must meet, what clients see of an account, and the
digests under which secrets (session and service tokens) are stored. A password hash never
leaves the engine."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from dataops.model import messages
from dataops.model.errors import Invalid
from dataops.model.records import NAME_MAX, SHORT_TEXT_MAX, Field, Kind, RecordType

PUBLIC_FIELDS = ("id", "name", "email", "role", "createdAt", "deactivatedAt", "deactivatedBy")
# Below this a password is refused outside test mode (NIST SP 800-63B asks for at least 8;
# ten keeps online guessing hopeless together with throttling).
MIN_PASSWORD_LENGTH = 10
# Long enough for any passphrase, short enough that nobody stores a document as a password.
MAX_PASSWORD_LENGTH = 1024


class Role(StrEnum):
    """What a user may do beyond the everyday work: leads answer for waivers and team
    administration. Every user is a member unless made a lead."""

    MEMBER = "member"
    LEAD = "lead"


# A user as exported: never the password hash (the `users.password_hash` redaction).
USER = RecordType(
    "users",
    (
        Field("id", Kind.ID, export="user_id", required=True, writable=False),
        Field("name", Kind.TEXT, NAME_MAX),
        Field("email", Kind.TEXT, SHORT_TEXT_MAX),
        Field("role", Kind.ENUM, values=tuple(Role)),
        Field("createdAt", Kind.TIMESTAMP, writable=False),
        # A deactivated account keeps its history but cannot log in or act.
        Field("deactivatedAt", Kind.TIMESTAMP, writable=False),
        Field("deactivatedBy", Kind.ID, SHORT_TEXT_MAX, actor=True, writable=False),
    ),
)


# A service token as leads see it over the API (never the token or its digest); tokens are
# not exported: a restored engine issues new ones.
SERVICE_TOKEN = RecordType(
    "service_tokens",
    (
        Field("name", Kind.TEXT, 64, required=True, writable=False),
        Field("actor", Kind.ID, SHORT_TEXT_MAX, actor=True, writable=False),
        Field("createdAt", Kind.TIMESTAMP, writable=False),
        Field("createdBy", Kind.ID, SHORT_TEXT_MAX, actor=True, writable=False),
        Field("expiresAt", Kind.TIMESTAMP, writable=False),
        Field("lastUsedAt", Kind.TIMESTAMP, writable=False),
    ),
)


def parse_role(raw: Any) -> Role:
    try:
        return Role(raw)
    except ValueError:
        raise Invalid(messages.ROLE_INVALID) from None


def role_of(user: Mapping[str, Any]) -> Role:
    """Users stored before roles existed, or imported without one, are members."""
    raw = user.get("role")
    return Role(raw) if raw in tuple(Role) else Role.MEMBER


def is_active(user: Mapping[str, Any]) -> bool:
    """An account acts and logs in until a lead deactivates it."""
    return not user.get("deactivatedAt")


def is_lead(user: Mapping[str, Any] | None) -> bool:
    """An active account with the lead role: who may manage the team."""
    return user is not None and is_active(user) and role_of(user) is Role.LEAD


def check_new_password(password: str, *, min_length: int) -> None:
    if not password:
        raise Invalid(messages.MISSING_FIELD.format(field="password"))
    if len(password) < min_length:
        raise Invalid(messages.PASSWORD_TOO_SHORT.format(limit=min_length))
    if len(password) > MAX_PASSWORD_LENGTH:
        raise Invalid(messages.TOO_LONG.format(field="password", limit=MAX_PASSWORD_LENGTH))


def public(user: Mapping[str, Any]) -> dict[str, Any]:
    """The user as clients see it: never the password hash; the role always."""
    return {
        name: role_of(user).value if name == "role" else user[name]
        for name in PUBLIC_FIELDS
        if name in user or name == "role"
    }


def token_digest(token: str) -> str:
    """Tokens are stored under a digest, so a store dump grants no access. They are random and
    long (256 bits), so a fast hash is enough: there is nothing to guess."""
    return hashlib.sha256(token.encode()).hexdigest()
