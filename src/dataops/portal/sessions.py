"""Who is calling the portal: a person by the session cookie, or an assistant by a bearer
service token. Both are checked with the engine (which owns users, sessions and tokens) and
remembered for at most `CACHE_SECONDS`, so a logout elsewhere, a revocation or an expiry takes
effect within that, and never later than the session's own end."""

from __future__ import annotations

import hashlib
import re
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from dataops.model.values import parse_timestamp
from dataops.portal.broker import Broker, Caller
from dataops.portal.transports import MalformedReply

COOKIE_NAME = "dataops_session"
CACHE_SECONDS = 5.0
CACHE_ENTRIES = 10_000
# Session tokens are URL-safe base64 (43 characters today); anything else names no session and
# is never put into the engine's path.
_SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{16,256}$")

K = TypeVar("K")
V = TypeVar("V")


@dataclass(frozen=True)
class Visitor:
    """An authenticated caller: the actor the engine records, the person's account (public
    fields) when it is a person, and the session id when the cookie authenticated."""

    actor: str
    user: Mapping[str, Any] | None = None
    session_id: str | None = None

    @property
    def name(self) -> str:
        if self.user is not None:
            return str(self.user.get("name") or self.user.get("email") or self.actor)
        return self.actor


class ExpiringCache(Generic[K, V]):
    """At most `max_entries` values, each forgotten after its time (least recently used first
    when full). The clock is injected so tests can move it."""

    def __init__(self, max_entries: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_entries = max_entries
        self.clock = clock
        self._entries: OrderedDict[K, tuple[float, V]] = OrderedDict()

    def get(self, key: K) -> V | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        until, value = entry
        if self.clock() >= until:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return value

    def put(self, key: K, value: V, seconds: float) -> None:
        if seconds <= 0:
            self._entries.pop(key, None)
            return
        self._entries[key] = (self.clock() + seconds, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def discard(self, key: K) -> None:
        self._entries.pop(key, None)


def well_formed_session_id(value: str | None) -> bool:
    return value is not None and _SESSION_ID.fullmatch(value) is not None


class Gatekeeper:
    """Resolves cookies and bearer tokens to visitors through the broker."""

    def __init__(
        self,
        broker: Broker,
        *,
        cache_seconds: float = CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.broker = broker
        self.cache_seconds = cache_seconds
        self.wall_clock = wall_clock
        self._sessions: ExpiringCache[str, Visitor] = ExpiringCache(CACHE_ENTRIES, clock)
        self._services: ExpiringCache[str, Visitor] = ExpiringCache(CACHE_ENTRIES, clock)

    async def by_session(self, session_id: str | None, client: str | None) -> Visitor | None:
        """The person of a live session, or None."""
        if session_id is None or not well_formed_session_id(session_id):
            return None
        cached = self._sessions.get(session_id)
        if cached is not None:
            return cached
        reply = await self.broker.call(
            "GET", f"/api/portal/sessions/{session_id}", Caller(client=client)
        )
        if reply.status == 401:
            return None
        if reply.status != 200:
            raise MalformedReply(f"session lookup answered {reply.status}")
        answer = reply.json()
        user = answer["user"]
        visitor = Visitor(actor=user["id"], user=user, session_id=session_id)
        self.remember(visitor, answer.get("session", {}).get("expiresAt"))
        return visitor

    def remember(self, visitor: Visitor, expires_at: str | None) -> None:
        """Keep a session's visitor for the cache time, never past the session's end."""
        assert visitor.session_id is not None
        self._sessions.put(visitor.session_id, visitor, self._cache_time(expires_at))

    def forget(self, session_id: str) -> None:
        """A session that ended here (logout) ends here at once."""
        self._sessions.discard(session_id)

    async def by_service_token(self, token: str, client: str | None) -> Visitor | None:
        """The service of a live service token, or None."""
        if not token:
            return None
        key = hashlib.sha256(token.encode()).hexdigest()  # the cache holds no usable token
        cached = self._services.get(key)
        if cached is not None:
            return cached
        reply = await self.broker.call(
            "POST", "/api/portal/service-tokens/resolve", Caller(client=client), {"token": token}
        )
        if reply.status in (400, 401):
            return None
        if reply.status != 200:
            raise MalformedReply(f"service token lookup answered {reply.status}")
        service = reply.json()["service"]
        visitor = Visitor(actor=service["actor"])
        self._services.put(key, visitor, self._cache_time(service.get("expiresAt")))
        return visitor

    def _cache_time(self, expires_at: object) -> float:
        """The cache time, shortened to what is left of a credential that ends sooner."""
        end = parse_timestamp(expires_at)
        if end is None:
            return self.cache_seconds
        return min(self.cache_seconds, (end - self.wall_clock()).total_seconds())
