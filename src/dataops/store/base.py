"""The Store interface: documents with versions, conditional writes and ordered index queries.

Records are JSON documents keyed by their `id`. Every stored record carries a version counter
(`Item.version`, never part of the document) that conditional writes compare, so racing
updates never overwrite each other silently. Every backend passes tests/store/contract.py.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from dataops.model import jsonvalue


class Item(dict[str, Any]):
    """A stored document; `version` is the store's counter, never serialised with it."""

    version: int

    def __init__(self, doc: Mapping[str, Any], version: int) -> None:
        super().__init__(doc)
        self.version = version


# --- errors ---------------------------------------------------------------------------------


class StoreError(Exception):
    """Base class of storage-level failures (not domain errors)."""


class AlreadyExists(StoreError):
    def __init__(self, table: str, item_id: str) -> None:
        super().__init__(f"{table}/{item_id} already exists")
        self.table, self.item_id = table, item_id


class VersionConflict(StoreError):
    """A conditional write found another version (or no record) than expected."""

    def __init__(self, table: str, item_id: str) -> None:
        super().__init__(f"{table}/{item_id} was changed concurrently")
        self.table, self.item_id = table, item_id


class ItemMissing(VersionConflict):
    """A conditional write named a record that does not exist: never upserted."""


class InvalidCursor(StoreError):
    """A cursor that this index did not produce."""


class WouldWait(StoreError):
    """A write run in place (`IN_PLACE`, on an event loop) would have to wait: another writer
    holds the lock, or a lost race calls for a pause before the retry. Nothing of it was
    written; the caller runs the whole use case again where waiting is allowed."""


# Set while a use case runs on an event loop's thread: writes never wait there (WouldWait).
IN_PLACE: ContextVar[bool] = ContextVar("dataops_store_in_place", default=False)


class StoreNotEmpty(StoreError):
    """A load into empty tables found a record in one of them."""

    def __init__(self, table: str) -> None:
        super().__init__(f"{table} is not empty")
        self.table = table


# --- writes ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Create:
    """Insert; fails with AlreadyExists when the id is taken."""

    table: str
    doc: Mapping[str, Any]


@dataclass(frozen=True)
class Replace:
    """Overwrite the document when the stored version is `expected_version`."""

    table: str
    doc: Mapping[str, Any]
    expected_version: int


@dataclass(frozen=True)
class Delete:
    """Remove; with `expected_version`, only that version (else VersionConflict)."""

    table: str
    item_id: str
    expected_version: int | None = None


@dataclass(frozen=True)
class Check:
    """No write: the transaction fails unless the record exists at this version."""

    table: str
    item_id: str
    expected_version: int


Write = Create | Replace | Delete | Check


# --- queries --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Range:
    """A condition on an index's range key (string comparison, inclusive bounds)."""

    eq: str | None = None
    gte: str | None = None
    lte: str | None = None
    prefix: str | None = None

    @staticmethod
    def between(low: str, high: str) -> Range:
        return Range(gte=low, lte=high)


@dataclass
class Page:
    items: list[Item] = field(default_factory=list)
    next_cursor: str | None = None


def encode_cursor(range_value: str, item_id: str) -> str:
    raw = jsonvalue.dumps([range_value, item_id])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = jsonvalue.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError):
        raise InvalidCursor(cursor) from None
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(isinstance(part, str) for part in value)
    ):
        raise InvalidCursor(cursor)
    return value[0], value[1]


class Store(Protocol):
    def get(self, table: str, item_id: str) -> Item | None: ...

    def get_many(self, table: str, item_ids: Sequence[str]) -> dict[str, Item]:
        """The records that exist among `item_ids`, by id."""
        ...

    def create(self, table: str, doc: Mapping[str, Any]) -> Item: ...

    def replace(self, table: str, doc: Mapping[str, Any], expected_version: int) -> Item: ...

    def delete(self, table: str, item_id: str, expected_version: int | None = None) -> bool:
        """True when a record was removed."""
        ...

    def transact(self, writes: Sequence[Write]) -> list[Item | None]:
        """All writes or none; the resulting record per write (None for Delete/Check)."""
        ...

    def query(
        self,
        table: str,
        index: str,
        hash_value: str | None = None,
        *,
        range_key: Range | None = None,
        descending: bool = False,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Page:
        """Items of one index partition in order; with `limit`, a page and its `next_cursor`."""
        ...

    def scan(self, table: str) -> Iterator[Item]:
        """Every record of the table, streamed in id order (code-point order)."""
        ...

    def count(self, table: str) -> int: ...

    def close(self) -> None: ...


# --- an optional capability: the all-or-nothing load of a restore ------------------------------


class EmptyLoad(Protocol):
    """Writes of an all-or-nothing load into empty tables (`BulkLoading.load_empty`)."""

    def put_all(self, table: str, docs: Sequence[Mapping[str, Any]]) -> None:
        """Insert records new to `table`, each at version 1 (an id already loaded raises
        AlreadyExists)."""
        ...

    def finish(self, table: str) -> None:
        """No more records for `table`: the backend may do now what it deferred for it (build
        its indexes), so that the end of the load only has to commit."""
        ...


@runtime_checkable
class BulkLoading(Protocol):
    """A store that can restore an export in one load (SQLite: one transaction; DynamoDB: batch
    writes made visible by one commit). Restores ask for it; no use case needs it."""

    def load_empty(self, tables: Sequence[str]) -> AbstractContextManager[EmptyLoad]:
        """One load of many records into `tables`, which must be empty (entering raises
        StoreNotEmpty otherwise). Nothing it writes is visible to other readers until the block
        ends without an exception; an exception, or the process dying, leaves the store as it
        was."""
        ...
