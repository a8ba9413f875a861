"""What every use case needs: settings, the stores, a clock and an id source (both injected so
tests are deterministic), the password hasher, and the policy flags that bootstrap derives from
the settings."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Protocol

from dataops.config import Settings
from dataops.engine.hasher import PasswordHasher
from dataops.model.actors import ReviewPolicy
from dataops.model.users import MIN_PASSWORD_LENGTH
from dataops.model.values import format_timestamp
from dataops.store.base import Store

if TYPE_CHECKING:
    from dataops.blobs.base import BlobStore


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """Wall-clock UTC time, strictly increasing by at least 1 ms per call in this process, so
    records written one after another keep their order when sorted by timestamp."""

    def __init__(self) -> None:
        self._last = datetime.min.replace(tzinfo=UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            raw = datetime.now(UTC)
            current = raw.replace(microsecond=raw.microsecond // 1000 * 1000)
            if current <= self._last:
                current = self._last + timedelta(milliseconds=1)
            self._last = current
            return current


def new_uuid() -> str:
    return str(uuid.uuid4())


@dataclass(frozen=True)
class Policy:
    """Behaviour switches, as plain flags: the engine never asks how HTTP is authenticated."""

    # `createdBy`, `reviewedBy`, `reviewedAt`, ... may come from request bodies (the test-only
    # `none` auth mode, where the client says who it is anyway); otherwise the actor decides.
    body_actors_trusted: bool = False
    min_password_length: int = MIN_PASSWORD_LENGTH
    review_policy: ReviewPolicy = ReviewPolicy.OPEN


@dataclass
class Engine:
    settings: Settings
    store: Store
    clock: Clock = field(default_factory=SystemClock)
    new_id: Callable[[], str] = new_uuid
    blobs: BlobStore | None = None
    policy: Policy = field(default_factory=Policy)
    hasher: PasswordHasher = field(default_factory=PasswordHasher)

    def now(self) -> str:
        return format_timestamp(self.clock.now())

    def today(self) -> str:
        """The team's calendar day (`DATAOPS_TIMEZONE`): what "today", "overdue" and the
        cron runner's schedule mean."""
        return self.clock.now().astimezone(self.settings.timezone).date().isoformat()

    def day_span(self, day: str) -> tuple[str, str]:
        """The first and the last millisecond of the team's calendar day `day` (a valid
        `YYYY-MM-DD`), as the UTC timestamps records carry."""
        start = datetime.combine(date.fromisoformat(day), time(), self.settings.timezone)
        end = datetime.combine(start.date() + timedelta(days=1), time(), self.settings.timezone)
        last = end.astimezone(UTC) - timedelta(milliseconds=1)
        return format_timestamp(start), format_timestamp(last)
