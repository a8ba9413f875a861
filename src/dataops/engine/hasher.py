"""Password hashing on its own small, bounded pool of threads.

A password check costs about a third of a second of CPU and 64 MiB. Run on the threads that
serve requests, fifty bad logins at once would leave no thread for anyone else; here they
queue for a few hasher threads while the event loop and the request threads stay free, and
past `max_pending` waiting checks a login is told to come back later instead of queueing
without bound. Every check costs the same work whether or not the account exists, has a
password, or has an older hash (a decoy check makes up the difference), so a login's work
says nothing about which emails are registered.
"""

from __future__ import annotations

import asyncio
import base64
import secrets
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from dataops.model import messages
from dataops.model import passwords as rules
from dataops.model.errors import TooManyRequests

T = TypeVar("T")
DEFAULT_WORKERS = 2
DEFAULT_MAX_PENDING = 64


def _decoy_hash(cost: rules.ScryptCost) -> str:
    """A well-formed hash that no password matches (random salt, random digest): checking
    against it costs exactly a real check at `cost`, and creating it costs nothing."""
    salt, digest = secrets.token_bytes(16), secrets.token_bytes(32)
    encode = base64.b64encode
    return f"scrypt${cost.n}${cost.r}${cost.p}${encode(salt).decode()}${encode(digest).decode()}"


class PasswordHasher:
    """Hashes and checks passwords at `cost` (default: the current one): synchronously
    (`hash_now`, `check_now`, for the CLI) or awaited on the hasher's own threads (`hash`,
    `check`, for requests)."""

    def __init__(
        self,
        cost: rules.ScryptCost | None = None,
        *,
        workers: int = DEFAULT_WORKERS,
        max_pending: int = DEFAULT_MAX_PENDING,
    ) -> None:
        self.cost = cost or rules.CURRENT_COST
        self._decoy = _decoy_hash(self.cost)
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="dataops-hasher")
        self._slots = threading.BoundedSemaphore(max_pending)

    def hash_now(self, password: str) -> str:
        return rules.hash_password(password, self.cost)

    def check_now(self, password: str, stored: str | None) -> bool:
        """Whether `password` matches `stored` (None: no account, or no password set)."""
        matches = stored is not None and rules.verify_password(password, stored)
        if stored is None or not rules.costs_full_work(stored, self.cost):
            rules.verify_password(password, self._decoy)
        return matches

    def needs_upgrade(self, stored: str) -> bool:
        return rules.needs_upgrade(stored, self.cost)

    async def hash(self, password: str) -> str:
        return await self._run(self.hash_now, password)

    async def check(self, password: str, stored: str | None) -> bool:
        return await self._run(self.check_now, password, stored)

    async def _run(self, work: Callable[..., T], *args: object) -> T:
        if not self._slots.acquire(blocking=False):
            raise TooManyRequests(messages.TOO_MANY_ATTEMPTS, retry_after=1)
        try:
            future = self._executor.submit(work, *args)
        except BaseException:
            self._slots.release()
            raise
        future.add_done_callback(lambda _: self._slots.release())
        return await asyncio.wrap_future(future)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
