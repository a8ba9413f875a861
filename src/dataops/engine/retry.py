"""Optimistic concurrency for use cases: read, decide, write at the version read; when a
concurrent write wins, read again and re-apply the change, so no update is ever lost."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from dataops.model import messages
from dataops.model.errors import Conflict, PreconditionFailed
from dataops.store.base import IN_PLACE, VersionConflict, WouldWait

T = TypeVar("T")
# Generous: 50 clients attaching to one task must all land (each retry backs off a little).
ATTEMPTS = 200


def _never(conflict: VersionConflict) -> bool:
    return False


def back_off(number: int) -> None:
    """Wait a little after a lost race, so racing writers spread out. A use case running in
    place on an event loop never sleeps there: it is run again on a thread (WouldWait)."""
    if IN_PLACE.get():
        raise WouldWait("a lost race: retry where waiting is allowed")
    time.sleep(random.uniform(0, min(0.001 * (number + 1), 0.02)))


def stale_when(if_match: int | None, table: str | None = None) -> Callable[[VersionConflict], bool]:
    """With `If-Match` the client named the version it saw: losing the race on that record
    (on `table`, or on any record when None) means its view was stale, a 412, not a retry."""
    if if_match is None:
        return _never
    return lambda conflict: table is None or conflict.table == table


def settle(attempt: Callable[[], T], *, stale: Callable[[VersionConflict], bool] = _never) -> T:
    """Run `attempt` (which reads fresh every time) until its write lands; a record that never
    settles is a 409, a conflict that `stale` names a 412."""
    for number in range(ATTEMPTS):
        try:
            return attempt()
        except VersionConflict as conflict:
            if stale(conflict):
                raise PreconditionFailed(messages.PRECONDITION_FAILED) from None
            back_off(number)
    raise Conflict(messages.CONCURRENT_UPDATE)
