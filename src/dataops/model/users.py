"""Users and passwords: salted scrypt hashes; the reference's unsalted SHA-256 hex is accepted
once and upgraded at that login. A password hash never leaves the engine."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from typing import Any

# scrypt with n=2**14, r=8, p=1: ~16 MB and tens of milliseconds per check.
_N, _R, _P = 2**14, 8, 1
_LEGACY = re.compile(r"^[0-9a-f]{64}$")
PUBLIC_FIELDS = ("id", "name", "email", "createdAt")


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
