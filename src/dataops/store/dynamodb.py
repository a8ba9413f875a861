"""The production store: DynamoDB tables and global secondary indexes as store/schema.py declares
them, laid out as api-contract.md section 8 says (so the reference service's tables work as
they are), behind the same Store interface and contract as SQLite.

* Reads of records are strongly consistent (GetItem, BatchGetItem); index queries read a global
  secondary index, which DynamoDB keeps eventually consistent (usually within a second).
* Every query is followed to its end or to the page size; a cursor is the position of the last
  record returned (its range key and id, from which the index's exclusive start key is built).
* Creates are conditional on the key being free; replaces and conditional deletes on the
  `_version` read; a missing item is never created by an update.
* `transact` is one TransactWriteItems up to 100 items; larger write sets are staged and made
  visible by one commit record (store/dynamodb_commit.py).
* `scan` reads a table in parallel segments and hands records out in id order through sorted
  runs spilled to disk (store/sorted_runs.py), so exports are identical to SQLite's with bounded
  memory.
* Throttling and transient failures are retried with back-off and then become 503s
  (store/dynamodb_client.py); a failed condition is AlreadyExists, VersionConflict or
  ItemMissing, which the engine answers as 409, 412 or 404.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dataops.model import jsonvalue
from dataops.store.base import (
    AlreadyExists,
    Create,
    Delete,
    Item,
    ItemMissing,
    Page,
    Range,
    Replace,
    StoreError,
    StoreNotEmpty,
    VersionConflict,
    Write,
    decode_cursor,
    encode_cursor,
)
from dataops.store.dynamodb_client import (
    Calls,
    Cancelled,
    ConditionFailed,
    Contended,
    unavailable,
)
from dataops.store.dynamodb_commit import (
    CHECK,
    COMMITTED,
    CREATE,
    DELETE,
    MISSING,
    REPLACE,
    Commits,
    ItemWrite,
    Load,
    Recovery,
    fits_one_transaction,
    version_condition,
)
from dataops.store.dynamodb_items import TXN, ItemCodec, RawItem
from dataops.store.dynamodb_layout import (
    PK,
    SK,
    IndexLayout,
    PhysicalTable,
    build_layouts,
    ensure_tables,
)
from dataops.store.schema import TABLES, Table
from dataops.store.sorted_runs import SortedRuns

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

DEFAULT_SCAN_SEGMENTS = 4
# Records held in memory per sorted run of a scan (about 1 KB each as encoded JSON).
DEFAULT_RUN_RECORDS = 20_000
_MAX_CHAR = "\U0010ffff"
_RETRIES = 4
# Table sets this process has checked (or created) already: start-up checks them once.
_CHECKED: set[tuple[str, tuple[tuple[Any, ...], ...]]] = set()


class _Raced(Exception):
    """A marked item's transaction finished while it was being read: read it again."""


@dataclass
class Migration:
    """What `migrate` found (or did): per table, items read and items whose stored form the
    current schema changes; and the transactions it finished."""

    tables: dict[str, dict[str, int]] = field(default_factory=dict)
    recovery: Recovery = field(default_factory=Recovery)

    @property
    def changed(self) -> int:
        return sum(counts["changed"] for counts in self.tables.values())

    def as_json(self) -> dict[str, Any]:
        return {
            "tables": self.tables,
            "changed": self.changed,
            "transactions": {
                "rolledForward": self.recovery.rolled_forward,
                "rolledBack": self.recovery.rolled_back,
                "inProgress": self.recovery.in_progress,
            },
        }


class DynamoDBStore:
    """Store backed by DynamoDB (`table_names`: logical table -> DynamoDB table name)."""

    def __init__(
        self,
        client: DynamoDBClient,
        table_names: Mapping[str, str],
        tables: Mapping[str, Table] = TABLES,
        *,
        scan_segments: int = DEFAULT_SCAN_SEGMENTS,
        run_records: int = DEFAULT_RUN_RECORDS,
    ) -> None:
        self.client = client
        self.calls = Calls(client)
        self.layouts, self.commit_table = build_layouts(tables, table_names)
        self.codecs = {name: ItemCodec(layout) for name, layout in self.layouts.items()}
        self.commits = Commits(self.calls, self.commit_table.name, self.codecs)
        self.scan_segments = scan_segments
        self.run_records = run_records

    def physical_tables(self) -> list[PhysicalTable]:
        """Every DynamoDB table the store uses, the commit records' table last."""
        tables = {id(layout.physical): layout.physical for layout in self.layouts.values()}
        return [*tables.values(), self.commit_table]

    def ensure_tables(self, *, create: bool) -> list[str]:
        """Check the tables and indexes (creating what is missing when `create`), once per
        process for a given endpoint and set of tables."""
        tables = self.physical_tables()
        checked = (
            self.client.meta.endpoint_url,
            tuple((table.name, table.ttl, *sorted(table.gsis.values())) for table in tables),
        )
        if checked in _CHECKED:
            return []
        created = ensure_tables(self.client, tables, create=create)
        _CHECKED.add(checked)
        return created

    def _codec(self, table: str) -> ItemCodec:
        try:
            return self.codecs[table]
        except KeyError:
            raise KeyError(f"unknown table {table}") from None

    # --- reading marked items -----------------------------------------------------------------

    def _visible(
        self,
        codec: ItemCodec,
        raws: Sequence[RawItem],
        *,
        in_index: bool = False,
        last: bool = False,
    ) -> list[Item]:
        """The records `raws` show, resolving items of multi-chunk transactions by their commit
        record. In an index a replaced record's new image stands at its new place, so its old
        place is skipped there. Raises _Raced when a transaction finished while reading (its
        record is gone): unless `last`, the caller reads again."""
        decoded = [codec.decode(raw) for raw in raws]
        txns = {entry.marker.txn for entry in decoded if entry.marker is not None}
        if not txns:
            return [Item(entry.doc, entry.version) for entry in decoded]
        states = self.commits.states(txns)
        if not last and MISSING in states.values():
            raise _Raced()
        visible: list[Item] = []
        for entry in decoded:
            marker = entry.marker
            if marker is None:
                visible.append(Item(entry.doc, entry.version))
                continue
            committed = states[marker.txn] == COMMITTED
            if entry.shadow:
                if committed and in_index:
                    visible.append(Item(entry.doc, entry.version))
                continue
            if marker.op == REPLACE and committed:
                if not in_index:
                    visible.append(self._new_image(codec, entry.item_id, marker.txn))
                continue
            shown = (
                committed if marker.op == CREATE else not committed if marker.op == DELETE else True
            )
            if shown:
                visible.append(Item(entry.doc, entry.version))
        return visible

    def _new_image(self, codec: ItemCodec, item_id: str, txn: str) -> Item:
        answer = self.calls(
            "get_item",
            TableName=codec.layout.physical.name,
            Key=codec.shadow_key(item_id, txn),
            ConsistentRead=True,
        )
        if "Item" not in answer:
            raise _Raced()
        entry = codec.decode(answer["Item"])
        return Item(entry.doc, entry.version)

    # --- reads ------------------------------------------------------------------------------

    def get(self, table: str, item_id: str) -> Item | None:
        codec = self._codec(table)
        for attempt in range(_RETRIES):
            answer = self.calls(
                "get_item",
                TableName=codec.layout.physical.name,
                Key=codec.key(item_id),
                ConsistentRead=True,
            )
            raw = answer.get("Item")
            if raw is None:
                return None
            try:
                visible = self._visible(codec, [raw], last=attempt == _RETRIES - 1)
            except _Raced:
                continue
            return visible[0] if visible else None
        raise unavailable()  # its transaction kept finishing under the reader: busy

    def get_many(self, table: str, item_ids: Sequence[str]) -> dict[str, Item]:
        codec = self._codec(table)
        found: dict[str, Item] = {}
        unique = list(dict.fromkeys(item_ids))
        for start in range(0, len(unique), 100):
            chunk = unique[start : start + 100]
            for attempt in range(_RETRIES):
                raws = self.calls.batch_get(
                    codec.layout.physical.name, [codec.key(item_id) for item_id in chunk]
                )
                try:
                    visible = self._visible(codec, raws, last=attempt == _RETRIES - 1)
                except _Raced:
                    continue
                found.update((item["id"], item) for item in visible)
                break
            else:
                raise unavailable()
        return found

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
        codec = self._codec(table)
        layout = codec.layout
        spec = layout.table.index(index)
        indexed = layout.indexes[spec.name]
        partition = indexed.partition(hash_value)
        bounds = _Bounds.of(range_key)
        start = decode_cursor(cursor) if cursor is not None else None
        if not isinstance(partition, str) or not partition or bounds.empty:
            return Page()
        params = _query_params(layout.physical.name, indexed, partition, bounds, descending)
        if start is not None:
            params["ExclusiveStartKey"] = _start_key(
                layout.key(start[1]), indexed, partition, start[0]
            )
        items = self._query_items(codec, indexed, params, bounds, limit)
        next_cursor = None
        if limit is not None and len(items) > limit:
            items = items[:limit]
            last = items[-1]
            next_cursor = encode_cursor(spec.range_value(last) or "", last["id"])
        return Page(items, next_cursor)

    def _query_items(
        self,
        codec: ItemCodec,
        indexed: IndexLayout,
        params: dict[str, Any],
        bounds: _Bounds,
        limit: int | None,
    ) -> list[Item]:
        for _ in range(_RETRIES - 1):
            try:
                return self._query_pages(codec, indexed, params, bounds, limit, last=False)
            except _Raced:
                continue
        return self._query_pages(codec, indexed, params, bounds, limit, last=True)

    def _query_pages(
        self,
        codec: ItemCodec,
        indexed: IndexLayout,
        params: dict[str, Any],
        bounds: _Bounds,
        limit: int | None,
        *,
        last: bool,
    ) -> list[Item]:
        params = dict(params)
        found: list[Item] = []
        prefix = codec.prefix
        spec = indexed.index
        while True:
            if limit is not None:
                params["Limit"] = limit + 1 - len(found)
            answer = self.calls("query", **params)
            raws = [raw for raw in answer.get("Items", []) if raw[PK]["S"].startswith(prefix)]
            for item in self._visible(codec, raws, in_index=True, last=last):
                if bounds.holds(spec.range_value(item)):
                    found.append(item)
            if limit is not None and len(found) > limit:
                return found
            following = answer.get("LastEvaluatedKey")
            if not following:
                return found
            params["ExclusiveStartKey"] = following

    def scan(self, table: str) -> Iterator[Item]:
        """Every record in id order: segments scanned in parallel, sorted in runs of at most
        `run_records` records (spilled to temporary files), merged."""
        codec = self._codec(table)
        runs = SortedRuns(self.run_records)
        try:
            for raws in self._pages(codec):
                for item in self._visible_scanned(codec, raws):
                    runs.add(item["id"], jsonvalue.dumps([item.version, item]))
            for payload in runs:
                version, doc = jsonvalue.loads(payload)
                yield Item(doc, version)
        finally:
            runs.close()

    def _visible_scanned(self, codec: ItemCodec, raws: list[RawItem]) -> list[Item]:
        for attempt in range(_RETRIES):
            try:
                return self._visible(codec, raws, last=attempt == _RETRIES - 1)
            except _Raced:
                # Read the marked items again: their transaction has finished by now.
                fresh = [raw for raw in raws if TXN not in raw]
                again = self.calls.batch_get(
                    codec.layout.physical.name,
                    [codec.key(codec.decode(raw).item_id) for raw in raws if TXN in raw],
                )
                raws = fresh + again
        raise unavailable()

    def count(self, table: str) -> int:
        """Records of the table (items of transactions still in progress included)."""
        codec = self._codec(table)
        return sum(int(page.get("Count", 0)) for page in self._scanned(codec, count=True))

    def _pages(self, codec: ItemCodec, *, marked: str | None = None) -> Iterator[list[RawItem]]:
        """The items of this logical table, page by page (`marked`: only those a transaction
        or load marked)."""
        for page in self._scanned(codec, marked=marked):
            yield list(page.get("Items", []))

    def _scanned(
        self, codec: ItemCodec, *, count: bool = False, marked: str | None = None
    ) -> Iterator[dict[str, Any]]:
        """Scan answers for this logical table's records, from `scan_segments` parallel
        segments (`count`: counts only)."""
        names = {"#pk": PK, "#sk": SK}
        values: dict[str, Any] = {":prefix": {"S": codec.prefix}}
        # Records only: not other logical tables of the same DynamoDB table, not new images of
        # a multi-chunk transaction (`SK = TXN#...`).
        condition = "begins_with(#pk, :prefix) AND #pk = #sk"
        if marked is not None:
            names["#txn"] = TXN
            values[":txn"] = {"S": marked + ":"}
            condition += " AND begins_with(#txn, :txn)"
        params: dict[str, Any] = {
            "TableName": codec.layout.physical.name,
            "FilterExpression": condition,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
            "ConsistentRead": True,
        }
        if count:
            params["Select"] = "COUNT"
        segments = max(1, self.scan_segments)
        if segments == 1:
            yield from self._segment(params)
            return
        yield from _parallel(
            [
                self._segment({**params, "Segment": n, "TotalSegments": segments})
                for n in range(segments)
            ]
        )

    def _segment(self, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
        params = dict(params)
        while True:
            answer = self.calls("scan", **params)
            yield answer
            following = answer.get("LastEvaluatedKey")
            if not following:
                return
            params["ExclusiveStartKey"] = following

    # --- writes -----------------------------------------------------------------------------

    def _item_write(self, write: Write) -> ItemWrite:
        codec = self._codec(write.table)
        if isinstance(write, Create | Replace):
            doc = dict(write.doc)
            item_id = doc.get("id")
            if not isinstance(item_id, str) or not item_id:
                raise ValueError(f"{write.table} record without an id")
            if isinstance(write, Create):
                return ItemWrite(codec, CREATE, item_id, doc)
            return ItemWrite(codec, REPLACE, item_id, doc, write.expected_version)
        if isinstance(write, Delete):
            return ItemWrite(codec, DELETE, write.item_id, None, write.expected_version)
        return ItemWrite(codec, CHECK, write.item_id, None, write.expected_version)

    def _failure(self, write: ItemWrite, old: RawItem | None) -> StoreError | None:
        """The error of a write whose condition failed on `old` (the item as it was); None when
        `old` was only locked by a transaction now finished or dead (write again)."""
        table, item_id = write.table, write.item_id
        if old is not None and TXN in old:
            if self.commits.settle_item(write.codec, old):
                return None
            if write.op == CREATE:
                return AlreadyExists(table, item_id)
            return VersionConflict(table, item_id)
        if write.op == CREATE:
            return AlreadyExists(table, item_id)
        if old is None:
            return ItemMissing(table, item_id)
        return VersionConflict(table, item_id)

    def _request(self, write: ItemWrite) -> dict[str, Any]:
        """The TransactWriteItems entry of one write (also sent alone as a single write)."""
        codec, physical = write.codec, write.physical
        common: dict[str, Any] = {
            "TableName": physical,
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
        if write.op == CREATE:
            assert write.doc is not None
            return {
                "Put": {
                    **common,
                    "Item": codec.encode(write.doc, 1),
                    "ConditionExpression": "attribute_not_exists(#pk)",
                    "ExpressionAttributeNames": {"#pk": PK},
                }
            }
        if write.op == DELETE and write.expected is None:
            return {
                "Delete": {
                    **common,
                    "Key": codec.key(write.item_id),
                    "ConditionExpression": "attribute_not_exists(#txn)",
                    "ExpressionAttributeNames": {"#txn": TXN},
                }
            }
        condition, names, values = version_condition(write.expected)
        guarded = {
            **common,
            "ConditionExpression": condition,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
        if write.op == REPLACE:
            assert write.doc is not None and write.expected is not None
            return {"Put": {**guarded, "Item": codec.encode(write.doc, write.expected + 1)}}
        if write.op == DELETE:
            return {"Delete": {**guarded, "Key": codec.key(write.item_id)}}
        return {"ConditionCheck": {**guarded, "Key": codec.key(write.item_id)}}

    def _single(self, write: ItemWrite) -> bool:
        """One write on its own (PutItem or DeleteItem: half the cost of a transaction);
        returns whether a delete removed an item."""
        request = self._request(write)
        ((kind, params),) = request.items()
        operation = {"Put": "put_item", "Delete": "delete_item"}[kind]
        if kind == "Delete":
            params = {**params, "ReturnValues": "ALL_OLD"}
        for _ in range(_RETRIES):
            try:
                answer = self.calls.write(operation, **params)
            except ConditionFailed as failed:
                error = self._failure(write, failed.item)
                if error is not None:
                    raise error from None
                continue
            except Contended:
                raise self._contended(write) from None
            return "Attributes" in answer
        raise self._contended(write)

    def _contended(self, write: ItemWrite) -> StoreError:
        if write.op == CREATE:
            return AlreadyExists(write.table, write.item_id)
        return VersionConflict(write.table, write.item_id)

    def create(self, table: str, doc: Mapping[str, Any]) -> Item:
        item = self.transact([Create(table, doc)])[0]
        assert item is not None
        return item

    def replace(self, table: str, doc: Mapping[str, Any], expected_version: int) -> Item:
        item = self.transact([Replace(table, doc, expected_version)])[0]
        assert item is not None
        return item

    def delete(self, table: str, item_id: str, expected_version: int | None = None) -> bool:
        return self._single(self._item_write(Delete(table, item_id, expected_version)))

    def transact(self, writes: Sequence[Write]) -> list[Item | None]:
        staged = [self._item_write(write) for write in writes]
        results: list[Item | None] = [
            None
            if write.doc is None
            else Item(write.doc, 1 if write.op == CREATE else (write.expected or 0) + 1)
            for write in staged
        ]
        if not staged:
            return results
        keys = {(write.physical, write.codec.prefix + write.item_id) for write in staged}
        if len(keys) < len(staged):
            raise ValueError("a transaction writes one record twice")
        if len(staged) == 1:
            if staged[0].op == CHECK:
                self._check(staged[0])
            else:
                self._single(staged[0])
        elif fits_one_transaction(staged):
            self._transact(staged)
        else:
            self.commits.run(staged, self._failure)
        return results

    def _check(self, write: ItemWrite) -> None:
        for _ in range(_RETRIES):
            answer = self.calls(
                "get_item",
                TableName=write.physical,
                Key=write.codec.key(write.item_id),
                ConsistentRead=True,
            )
            old = answer.get("Item")
            if old is not None and TXN not in old:
                entry = write.codec.decode(old)
                if entry.version == write.expected:
                    return
            error = self._failure(write, old)
            if error is not None:
                raise error
        raise VersionConflict(write.table, write.item_id)

    def _transact(self, writes: list[ItemWrite]) -> None:
        for _ in range(_RETRIES):
            try:
                self.calls.transact([self._request(write) for write in writes])
                return
            except Cancelled as cancelled:
                position = cancelled.failed()[0]
                error = self._failure(writes[position], cancelled.reasons[position].get("Item"))
                if error is not None:
                    raise error from None
            except Contended:
                raise self._contended(writes[0]) from None
        raise self._contended(writes[0])

    # --- restores ---------------------------------------------------------------------------

    def load_empty(self, tables: Sequence[str]) -> AbstractContextManager[Load]:
        """The restore's all-or-nothing load (`BulkLoading`): BatchWriteItem of records marked
        with the load's commit record, visible together when it commits; a failure or a dead
        process leaves them invisible, and the next load or `migrate` removes them."""
        for table in tables:
            self._codec(table)
        return self._load(list(tables))

    @contextmanager
    def _load(self, tables: list[str]) -> Iterator[Load]:
        for table in tables:
            if self._holds_records(table):
                raise StoreNotEmpty(table)
        load = self.commits.begin_load(tables)
        try:
            yield load
        except BaseException:
            load.abort()
            raise
        load.commit()

    def _holds_records(self, table: str) -> bool:
        """Whether the table has a record; items a dead load or transaction left are removed
        on the way."""
        codec = self._codec(table)
        for raws in self._pages(codec):
            for raw in raws:
                if TXN not in raw:
                    return True
                txn = codec.decode(raw).marker
                assert txn is not None
                if self.commits.states([txn.txn])[txn.txn] == COMMITTED:
                    return True
                if not self.commits.settle_item(codec, raw):
                    return True  # another load or transaction is writing it
        return False

    # --- maintenance ------------------------------------------------------------------------

    def migrate(self, *, dry_run: bool = False) -> Migration:
        """Bring stored items to the current schema: finish transactions dead writers left,
        then write every item whose stored form differs from what this store writes now (index
        keys added by this project, derived and sparse keys, values an index cannot hold, the
        TTL attribute, the version counter of items the reference service wrote). Each write is
        conditional on the item being unchanged, so it never loses a concurrent update; a rerun
        after an interruption only reads what is already done."""
        migration = Migration()
        migration.recovery = self.commits.recover(self._marked, dry_run=dry_run)
        for name, codec in self.codecs.items():
            counts = {"scanned": 0, "changed": 0}
            for raws in self._pages(codec):
                for raw in raws:
                    if TXN in raw:
                        continue  # a transaction in progress owns it
                    counts["scanned"] += 1
                    entry = codec.decode(raw)
                    wanted = codec.encode(entry.doc, entry.version)
                    if wanted == raw:
                        continue
                    counts["changed"] += 1
                    if not dry_run:
                        self._rewrite(codec, wanted, entry.version)
            migration.tables[name] = counts
        return migration

    def _rewrite(self, codec: ItemCodec, item: RawItem, version: int) -> None:
        condition, names, values = version_condition(version)
        # A failed condition: changed meanwhile, so the engine wrote it in the current form.
        with suppress(ConditionFailed, Contended):
            self.calls.write(
                "put_item",
                TableName=codec.layout.physical.name,
                Item=item,
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )

    def _marked(self, table: str, txn: str) -> Iterator[RawItem]:
        for raws in self._pages(self._codec(table), marked=txn):
            yield from raws

    def close(self) -> None:
        self.commits.close()
        self.client.close()


# --- query helpers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Bounds:
    """A Range as the interval it allows, checked again on each item (a key condition holds
    only one comparison)."""

    low: str | None = None
    high: str | None = None
    prefix: str | None = None
    empty: bool = False

    @classmethod
    def of(cls, wanted: Range | None) -> _Bounds:
        if wanted is None:
            return cls()
        lows = [value for value in (wanted.gte, wanted.eq, wanted.prefix) if value is not None]
        highs = [value for value in (wanted.lte, wanted.eq) if value is not None]
        if wanted.prefix is not None:
            highs.append(wanted.prefix + _MAX_CHAR)
        low, high = (max(lows) if lows else None), (min(highs) if highs else None)
        empty = low is not None and high is not None and low > high
        if wanted.eq is not None and wanted.prefix is not None:
            empty = empty or not wanted.eq.startswith(wanted.prefix)
        return cls(low, high, wanted.prefix, empty)

    def holds(self, value: str | None) -> bool:
        if value is None:
            return False
        if self.low is not None and value < self.low:
            return False
        if self.high is not None and value > self.high:
            return False
        return self.prefix is None or value.startswith(self.prefix)


def _query_params(
    table: str, indexed: IndexLayout, partition: str, bounds: _Bounds, descending: bool
) -> dict[str, Any]:
    gsi = indexed.gsi
    names = {"#h": gsi.hash_attr}
    values: dict[str, Any] = {":h": {"S": partition}}
    condition = "#h = :h"
    if gsi.range_attr is not None and (bounds.low is not None or bounds.high is not None):
        names["#r"] = gsi.range_attr
        if bounds.low is not None and bounds.low == bounds.high:
            condition += " AND #r = :low"
            values[":low"] = {"S": bounds.low}
        elif (
            bounds.prefix is not None
            and bounds.low == bounds.prefix
            and (bounds.high == bounds.prefix + _MAX_CHAR)
        ):
            condition += " AND begins_with(#r, :prefix)"
            values[":prefix"] = {"S": bounds.prefix}
        elif bounds.low is not None and bounds.high is not None:
            condition += " AND #r BETWEEN :low AND :high"
            values[":low"], values[":high"] = {"S": bounds.low}, {"S": bounds.high}
        elif bounds.low is not None:
            condition += " AND #r >= :low"
            values[":low"] = {"S": bounds.low}
        elif bounds.high is not None:
            condition += " AND #r <= :high"
            values[":high"] = {"S": bounds.high}
    return {
        "TableName": table,
        "IndexName": gsi.name,
        "KeyConditionExpression": condition,
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
        "ScanIndexForward": not descending,
    }


def _start_key(key: str, indexed: IndexLayout, partition: str, range_value: str) -> RawItem:
    """The exclusive start key of a query resuming after the record `key` at `range_value`."""
    start: RawItem = {PK: {"S": key}, SK: {"S": key}, indexed.gsi.hash_attr: {"S": partition}}
    if indexed.gsi.range_attr is not None and indexed.gsi.range_attr not in (PK, SK):
        start[indexed.gsi.range_attr] = {"S": range_value}
    return start


def _parallel(segments: list[Iterator[dict[str, Any]]]) -> Iterator[dict[str, Any]]:
    """The answers of several segment readers, each in a thread of its own, as they come (a
    bounded queue holds the threads back when the consumer is slower)."""
    pages: queue.Queue[tuple[int, dict[str, Any] | BaseException | None]] = queue.Queue(
        maxsize=2 * len(segments)
    )
    stop = threading.Event()

    def read(number: int, segment: Iterator[dict[str, Any]]) -> None:
        try:
            for page in segment:
                while not stop.is_set():
                    try:
                        pages.put((number, page), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            outcome: BaseException | None = None
        except BaseException as exc:
            outcome = exc
        while not stop.is_set():
            try:
                pages.put((number, outcome), timeout=0.1)
                return
            except queue.Full:
                continue

    threads = [
        threading.Thread(target=read, args=(n, segment), name=f"dataops-scan-{n}", daemon=True)
        for n, segment in enumerate(segments)
    ]
    for thread in threads:
        thread.start()
    running = len(threads)
    try:
        while running:
            _, page = pages.get()
            if page is None:
                running -= 1
            elif isinstance(page, BaseException):
                raise page
            else:
                yield page
    finally:
        stop.set()
        for thread in threads:
            thread.join()
