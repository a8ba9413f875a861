"""Lists without silent truncation: everything by default, or pages with `limit` and `cursor`.

A list may read one index partition or several in sequence (a date range is one partition per
day); a cursor remembers the partition and the position inside it. Filters that no index
serves are applied while reading, and a page is filled until `limit` matches are found.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dataops.model import jsonvalue, messages
from dataops.model.errors import Invalid
from dataops.model.values import parse_digits
from dataops.store.base import InvalidCursor, Item, Range, Store, encode_cursor
from dataops.store.schema import TABLES

MAX_LIMIT = 1000
_CHUNK = 200


@dataclass(frozen=True)
class PageRequest:
    limit: int | None = None
    cursor: str | None = None

    @staticmethod
    def parse(limit: str | None, cursor: str | None) -> PageRequest:
        parsed: int | None = None
        if limit not in (None, ""):
            parsed = parse_digits(limit)
            if parsed is None or not 1 <= parsed <= MAX_LIMIT:
                raise Invalid(messages.INVALID_LIMIT)
        return PageRequest(parsed, cursor or None)


@dataclass(frozen=True)
class Partition:
    """One index partition to read: `hash_value` of `index` in `table`, optionally ranged."""

    table: str
    index: str
    hash_value: str | None = None
    range_key: Range | None = None
    descending: bool = False


@dataclass
class Listing:
    items: list[Item]
    next_cursor: str | None = None


def _pack(position: int, inner: str | None) -> str:
    raw = jsonvalue.dumps({"p": position, "c": inner})
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unpack(cursor: str, partitions: int) -> tuple[int, str | None]:
    try:
        value = jsonvalue.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, TypeError):
        raise Invalid(messages.INVALID_CURSOR) from None
    if (
        not isinstance(value, Mapping)
        or not isinstance(value.get("p"), int)
        or isinstance(value.get("p"), bool)
        or not 0 <= value["p"] < partitions
        or not isinstance(value.get("c"), str | None)
    ):
        raise Invalid(messages.INVALID_CURSOR)
    return value["p"], value["c"]


def list_partitions(
    store: Store,
    partitions: Sequence[Partition],
    page: PageRequest,
    matches: Callable[[Mapping[str, Any]], bool] | None = None,
) -> Listing:
    """Read partitions in order; everything when `page.limit` is None.

    A page reads one match beyond `limit`, so `nextCursor` appears only when more remain.
    """
    start, inner = (0, None) if page.cursor is None else _unpack(page.cursor, len(partitions))
    found: list[Item] = []
    where: list[int] = []
    wanted = None if page.limit is None else page.limit + 1
    for position in range(start, len(partitions)):
        part = partitions[position]
        cursor = inner if position == start else None
        while True:
            try:
                result = store.query(
                    part.table,
                    part.index,
                    part.hash_value,
                    range_key=part.range_key,
                    descending=part.descending,
                    limit=None if wanted is None else max(_CHUNK, wanted - len(found)),
                    cursor=cursor,
                )
            except InvalidCursor:
                raise Invalid(messages.INVALID_CURSOR) from None
            for item in result.items:
                if matches is None or matches(item):
                    found.append(item)
                    where.append(position)
                    if wanted is not None and len(found) == wanted:
                        return _page(partitions, found, where)
            if result.next_cursor is None:
                break
            cursor = result.next_cursor
    return Listing(found)


def _page(partitions: Sequence[Partition], found: list[Item], where: list[int]) -> Listing:
    last, position = found[-2], where[-2]
    part = partitions[position]
    index = TABLES[part.table].index(part.index)
    inner = encode_cursor(index.range_value(last) or "", last["id"])
    return Listing(found[:-1], _pack(position, inner))
