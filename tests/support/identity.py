"""Identity helpers for tests: the portal's headers, a cheap password hasher, and a login at
the use-case level (it returns the session token a client would hold)."""

from __future__ import annotations

import asyncio

from dataops.engine import credentials
from dataops.engine.context import Engine
from dataops.engine.hasher import PasswordHasher
from dataops.model.passwords import ScryptCost

PORTAL_SECRET = "portal-secret-for-tests-0123456789abcdef"
# Real scrypt, at a cost that keeps the suite fast; production uses model.passwords.CURRENT_COST.
TEST_COST = ScryptCost(n=2**8, r=8, p=1)


def portal_headers(user_id: str | None = None, **extra: str) -> dict[str, str]:
    """The trusted headers the portal adds; `user_id` becomes `x-user-id`."""
    headers = {"x-portal-auth": "true", "x-portal-secret": PORTAL_SECRET, **extra}
    if user_id is not None:
        headers["x-user-id"] = user_id
    return headers


def fast_hasher() -> PasswordHasher:
    return PasswordHasher(TEST_COST)


def login_token(engine: Engine, email: str, password: str, client: str | None = None) -> str:
    """Log in as the API does and return the session token."""
    _, session = asyncio.run(
        credentials.login(engine, {"email": email, "password": password}, client)
    )
    return session.token
