"""Password hashes: salted scrypt at parameters that follow current OWASP guidance, the legacy
unsalted SHA-256 hex of the reference service, and whether a stored hash is due an upgrade.

Pure computation (CPU and memory, no I/O); `engine/hasher.py` decides where it runs.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

_LEGACY = re.compile(r"^[0-9a-f]{64}$")
_SALT_BYTES = 16
_DIGEST_BYTES = 32
# The most memory a stored hash may ask for: a hash from the store must not be able to make a
# check allocate without bound (the current parameters need 64 MiB).
_MAX_MEMORY = 2**28


@dataclass(frozen=True)
class ScryptCost:
    """scrypt's work factors: memory is 128 * n * r bytes, time grows with n * r * p."""

    n: int
    r: int
    p: int

    @property
    def memory(self) -> int:
        return 128 * self.n * self.r


# OWASP's password storage guidance lists N=2^17, r=8, p=1 and, equivalent in strength,
# N=2^16, r=8, p=2: the latter needs half the memory (64 MiB), which matters on small
# Lambda functions and when two hashes run at once.
CURRENT_COST = ScryptCost(n=2**16, r=8, p=2)


def _scrypt(password: str, salt: bytes, cost: ScryptCost, length: int) -> bytes:
    return hashlib.scrypt(
        password.encode(),
        salt=salt,
        n=cost.n,
        r=cost.r,
        p=cost.p,
        dklen=length,
        maxmem=cost.memory + 2**20,
    )


def hash_password(password: str, cost: ScryptCost = CURRENT_COST) -> str:
    """`scrypt$<n>$<r>$<p>$<salt b64>$<digest b64>` with a fresh random salt."""
    salt = secrets.token_bytes(_SALT_BYTES)
    digest = _scrypt(password, salt, cost, _DIGEST_BYTES)
    encode = base64.b64encode
    return f"scrypt${cost.n}${cost.r}${cost.p}${encode(salt).decode()}${encode(digest).decode()}"


def is_legacy_hash(stored: str) -> bool:
    return bool(_LEGACY.match(stored))


@dataclass(frozen=True)
class _ScryptHash:
    cost: ScryptCost
    salt: bytes
    digest: bytes


def _parse_scrypt(stored: str) -> _ScryptHash | None:
    parts = stored.split("$")
    if len(parts) != 6 or parts[0] != "scrypt":
        return None
    try:
        cost = ScryptCost(int(parts[1]), int(parts[2]), int(parts[3]))
        salt, digest = base64.b64decode(parts[4]), base64.b64decode(parts[5])
    except ValueError:
        return None
    plausible = (
        cost.n > 1
        and cost.n & (cost.n - 1) == 0
        and cost.r > 0
        and 0 < cost.p <= 16
        and cost.memory <= _MAX_MEMORY
        and 0 < len(digest) <= 64
    )
    return _ScryptHash(cost, salt, digest) if plausible else None


def verify_password(password: str, stored: str) -> bool:
    """True when `password` matches `stored` (scrypt at any cost, or legacy SHA-256 hex)."""
    if is_legacy_hash(stored):
        candidate = hashlib.sha256(password.encode()).hexdigest()
        return hmac.compare_digest(candidate, stored)
    parsed = _parse_scrypt(stored)
    if parsed is None:
        return False
    digest = _scrypt(password, parsed.salt, parsed.cost, len(parsed.digest))
    return hmac.compare_digest(digest, parsed.digest)


def needs_upgrade(stored: str, cost: ScryptCost = CURRENT_COST) -> bool:
    """A legacy hash, or scrypt at other than the current cost: rehash at the next login."""
    parsed = _parse_scrypt(stored)
    return parsed is None or parsed.cost != cost or len(parsed.digest) != _DIGEST_BYTES


def costs_full_work(stored: str, cost: ScryptCost = CURRENT_COST) -> bool:
    """Whether checking `stored` costs what a check at `cost` costs. When it does not (a legacy
    hash, a cheaper or unreadable one, no hash at all), the checker adds a decoy check, so a
    login takes the same work whether or not the account exists or has a current hash."""
    parsed = _parse_scrypt(stored)
    return parsed is not None and parsed.cost == cost
