"""Users and passwords: salted scrypt hashes; the reference's unsalted SHA-256 hex is accepted
once and upgraded at that login. A password hash never leaves the engine."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from dataops.model.records import NAME_MAX, SHORT_TEXT_MAX, Field, Kind, RecordType

# scrypt with n=2**14, r=8, p=1: ~16 MB and tens of milliseconds per check.
_N, _R, _P = 2**14, 8, 1
_LEGACY = re.compile(r"^[0-9a-f]{64}$")
PUBLIC_FIELDS = ("id", "name", "email", "createdAt")


class Role(StrEnum):
    """What a user may do beyond the everyday work: leads administer the team."""

    MEMBER = "member"
    LEAD = "lead"


# Actors that are no user: the portal acting for the system (scheduled jobs), the engine's own
# automation, and service identities (`service:<name>`, an assistant's token).
SYSTEM_ACTORS = frozenset({"portal-admin", "system"})
SERVICE_ACTOR_PREFIX = "service:"


def is_non_user_actor(actor: str) -> bool:
    return actor in SYSTEM_ACTORS or (
        actor.startswith(SERVICE_ACTOR_PREFIX) and len(actor) > len(SERVICE_ACTOR_PREFIX)
    )


# A user as exported: never the password hash (the `users.password_hash` redaction).
USER = RecordType(
    "users",
    (
        Field("id", Kind.ID, export="user_id", required=True, writable=False),
        Field("name", Kind.TEXT, NAME_MAX),
        Field("email", Kind.TEXT, SHORT_TEXT_MAX),
        Field("role", Kind.ENUM, values=tuple(Role)),
        Field("createdAt", Kind.TIMESTAMP, writable=False),
    ),
)


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    encode = base64.b64encode
    return f"scrypt${_N}${_R}${_P}${encode(salt).decode()}${encode(digest).decode()}"


def is_legacy_hash(stored: str) -> bool:
    return bool(_LEGACY.match(stored))


def verify_password(password: str, stored: Any) -> bool:
    """True when `password` matches `stored` (scrypt or legacy SHA-256 hex)."""
    if not isinstance(stored, str) or not stored:
        return False
    if is_legacy_hash(stored):
        candidate = hashlib.sha256(password.encode()).hexdigest()
        return hmac.compare_digest(candidate, stored)
    parts = stored.split("$")
    if len(parts) != 6 or parts[0] != "scrypt":
        return False
    try:
        n, r, p = int(parts[1]), int(parts[2]), int(parts[3])
        salt, expected = base64.b64decode(parts[4]), base64.b64decode(parts[5])
        digest = hashlib.scrypt(
            password.encode(), salt=salt, n=n, r=r, p=p, dklen=len(expected), maxmem=2**26
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest, expected)


def public(user: Mapping[str, Any]) -> dict[str, Any]:
    """The user as clients see it: never the password hash."""
    return {name: user[name] for name in PUBLIC_FIELDS if name in user}


def token_digest(token: str) -> str:
    """Sessions are stored under a digest of their token, so a store dump grants no access."""
    return hashlib.sha256(token.encode()).hexdigest()
