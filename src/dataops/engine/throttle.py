"""Failed-login counters in the store (`login_attempts`), so that every worker process and
Lambda instance sees the same count: one counter for the account tried and one for the client
address, each refusing attempts once its limit is reached until its window has passed."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from dataops.engine.context import Engine
from dataops.engine.retry import settle
from dataops.model import messages
from dataops.model import throttle as rules
from dataops.model.errors import TooManyRequests
from dataops.store.base import AlreadyExists, Item, VersionConflict

TABLE = "login_attempts"


@dataclass(frozen=True)
class Counter:
    limit: rules.Limit
    id: str


def counters_for(email: str, client: str | None) -> tuple[Counter, ...]:
    """The counters a login for `email` from `client` (when known) is judged by."""
    found = [Counter(rules.ACCOUNT, rules.ACCOUNT.counter_id(rules.account_key(email)))]
    if client:
        found.append(Counter(rules.CLIENT, rules.CLIENT.counter_id(client)))
    return tuple(found)


def refuse_if_throttled(engine: Engine, counters: tuple[Counter, ...]) -> None:
    """429 with the longest wait among the counters that reached their limit."""
    records = engine.store.get_many(TABLE, [counter.id for counter in counters])
    now = engine.clock.now()
    waits = [
        wait
        for counter in counters
        if (wait := rules.retry_after(records.get(counter.id), counter.limit, now)) is not None
    ]
    if waits:
        raise TooManyRequests(messages.TOO_MANY_ATTEMPTS, retry_after=max(waits))


def count_failure(engine: Engine, counters: tuple[Counter, ...]) -> None:
    """One more failure on each counter; racing failures are all counted."""
    for counter in counters:
        settle(partial(_count, engine, counter))


def _count(engine: Engine, counter: Counter) -> Item:
    existing = engine.store.get(TABLE, counter.id)
    updated = rules.after_failure(counter.id, existing, counter.limit, engine.clock.now())
    if existing is not None:
        return engine.store.replace(TABLE, updated, existing.version)
    try:
        return engine.store.create(TABLE, updated)
    except AlreadyExists:
        raise VersionConflict(TABLE, counter.id) from None  # another failure created it: recount


def forget_account(engine: Engine, counters: tuple[Counter, ...]) -> None:
    """After a successful login the account starts afresh; the client's count stays, so one
    good password does not buy an address new guesses at other accounts."""
    for counter in counters:
        if counter.limit is rules.ACCOUNT:
            engine.store.delete(TABLE, counter.id)
