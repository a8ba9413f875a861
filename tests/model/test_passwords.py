"""Password hashes: the current cost follows OWASP's scrypt guidance, legacy hashes still
verify, and a stored hash can never make a check allocate without bound."""

from __future__ import annotations

import base64
import hashlib

import pytest

from dataops.model import passwords
from dataops.model.passwords import CURRENT_COST, ScryptCost

CHEAP = ScryptCost(n=2**4, r=8, p=1)


def test_the_current_cost_is_owasps() -> None:
    # N=2^16, r=8, p=2: equivalent to OWASP's N=2^17, r=8, p=1, in 64 MiB.
    assert (CURRENT_COST.n, CURRENT_COST.r, CURRENT_COST.p) == (2**16, 8, 2)
    assert CURRENT_COST.memory == 64 * 2**20
    stored = passwords.hash_password("correct horse battery")
    assert stored.startswith("scrypt$65536$8$2$")
    assert not passwords.needs_upgrade(stored)
    assert passwords.costs_full_work(stored)


def test_hashes_are_salted() -> None:
    first, second = (passwords.hash_password("same", CHEAP) for _ in range(2))
    assert first != second
    assert passwords.verify_password("same", first) and passwords.verify_password("same", second)
    assert not passwords.verify_password("other", first)


def test_legacy_hashes_verify_and_are_due_an_upgrade() -> None:
    legacy = hashlib.sha256(b"old secret").hexdigest()
    assert passwords.verify_password("old secret", legacy)
    assert not passwords.verify_password("new secret", legacy)
    assert passwords.needs_upgrade(legacy)
    assert not passwords.costs_full_work(legacy)


def test_older_costs_are_due_an_upgrade() -> None:
    old = passwords.hash_password("pw", ScryptCost(n=2**14, r=8, p=1))
    assert passwords.verify_password("pw", old)
    assert passwords.needs_upgrade(old)
    assert not passwords.costs_full_work(old)
    assert not passwords.needs_upgrade(passwords.hash_password("pw", CHEAP), CHEAP)


def _forged(n: int, r: int, p: int, digest: bytes = b"d" * 32) -> str:
    salt = base64.b64encode(b"s" * 16).decode()
    return f"scrypt${n}${r}${p}${salt}${base64.b64encode(digest).decode()}"


@pytest.mark.parametrize(
    "stored",
    [
        "",
        "plain",
        "scrypt$16$8$1$salt",
        "scrypt$x$8$1$c2FsdA==$ZGlnZXN0",
        "scrypt$16$8$1$!!!$ZGlnZXN0",
        _forged(2**30, 8, 1),  # 128 GiB: refused, never attempted
        _forged(2**14, 8, 99),
        _forged(3, 8, 1),  # not a power of two
        _forged(2**4, 0, 1),
        _forged(2**4, 8, 1, digest=b""),
        _forged(2**4, 8, 1, digest=b"d" * 65),
        "argon2id$v=19$m=65536,t=3,p=4$c2FsdA$ZGlnZXN0",
    ],
)
def test_unreadable_or_hostile_hashes_never_match(stored: str) -> None:
    assert not passwords.verify_password("anything", stored)
    assert passwords.needs_upgrade(stored)
    assert not passwords.costs_full_work(stored)
