"""Login throttling rules: how many failed logins an account and a client address may have in a
window, and what a counter record says at a given moment.

A counter is one record per (scope, key) with a fixed window that starts at its first failure:
`{id, scope, failures, startedAt, expiresAt}`. Once `failures` reaches the limit, every further
attempt is refused until `expiresAt`, and the record is dead after it (the table's expiry
field). Keys are never stored: the id is a digest of scope and key, so neither the emails that
were tried (typos of passwords included) nor client addresses sit in the store.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from dataops.model.ids import derived_id
from dataops.model.values import format_timestamp, parse_timestamp


@dataclass(frozen=True)
class Limit:
    scope: str
    failures: int
    window: timedelta

    def counter_id(self, key: str) -> str:
        return derived_id("login-throttle", self.scope, key)


ACCOUNT = Limit("account", 5, timedelta(minutes=15))
CLIENT = Limit("client", 30, timedelta(minutes=15))


def account_key(email: str) -> str:
    """One counter per account however the email is spelled (case, surrounding spaces)."""
    return email.strip().lower()


def _window_end(record: Mapping[str, Any] | None, now: datetime) -> datetime | None:
    """The end of a record's live window, or None when there is no live window."""
    if record is None:
        return None
    ends = parse_timestamp(record.get("expiresAt"))
    return ends if ends is not None and ends > now else None


def retry_after(record: Mapping[str, Any] | None, limit: Limit, now: datetime) -> int | None:
    """Whole seconds until attempts are allowed again, or None when they are allowed now."""
    ends = _window_end(record, now)
    if ends is None or record is None:
        return None
    failures = record.get("failures")
    if not isinstance(failures, int) or failures < limit.failures:
        return None
    return max(1, math.ceil((ends - now).total_seconds()))


def after_failure(
    counter_id: str, record: Mapping[str, Any] | None, limit: Limit, now: datetime
) -> dict[str, Any]:
    """The counter once one more failure is counted: in the live window, or a new one."""
    if _window_end(record, now) is not None and record is not None:
        failures = record.get("failures")
        count = failures if isinstance(failures, int) else 0
        return {**record, "failures": count + 1}
    return {
        "id": counter_id,
        "scope": limit.scope,
        "failures": 1,
        "startedAt": format_timestamp(now),
        "expiresAt": format_timestamp(now + limit.window),
    }
