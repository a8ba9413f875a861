"""Create-if-absent: records whose id is derived from what they stand for (a follow-up of a
task at a time, a config's task on a day) are written at most once, however many runs race."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dataops.engine.context import Engine
from dataops.store.base import AlreadyExists, Create, Item

_BATCH = 200


def missing_ids(engine: Engine, table: str, ids: Sequence[str]) -> set[str]:
    """Which of these ids do not exist yet (batched reads)."""
    return set(ids) - set(engine.store.get_many(table, list(ids)))


def create_absent(engine: Engine, table: str, records: Sequence[Mapping[str, Any]]) -> list[Item]:
    """Create each record unless its id exists; returns the records this call created.

    Records are written in batches; when a concurrent run created one of a batch first, the
    batch is retried record by record, so two runs at once never duplicate and never fail.
    """
    created: list[Item] = []
    for start in range(0, len(records), _BATCH):
        batch = records[start : start + _BATCH]
        try:
            results = engine.store.transact([Create(table, doc) for doc in batch])
            created += [item for item in results if item is not None]
        except AlreadyExists:
            for doc in batch:
                try:
                    created.append(engine.store.create(table, doc))
                except AlreadyExists:
                    continue
    return created
