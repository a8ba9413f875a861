"""Writes larger than one DynamoDB transaction, made all or nothing by a commit record.

DynamoDB commits at most 100 items at once. A larger write set (a template instantiated into
hundreds of tasks, an import batch, a bundle deleted with all its tasks, a whole restore) is
staged under a commit record in the `Transactions` table, in the manner of the DynamoDB
transactions library:

1. Begin: the record `TXN#<id>` is written `pending`, with a lease and the list of its writes.
2. Stage, at most 100 items per TransactWriteItems, each under the write's own condition: a
   create writes the new item marked `_txn = <id>:c`; a replace locks the stored item
   (`_txn = <id>:r`) and writes the new image beside it in the same partition
   (`SK = TXN#<id>`, indexed like the record); a delete (`:d`) or a check (`:k`) locks it.
3. Commit: one conditional write turns the record `committed`. This is the moment the whole
   set becomes visible.
4. Roll forward: locks are released and new images moved into place; the record is deleted.

Readers resolve every marked item through its commit record (store/dynamodb.py): until the
commit, a marked create does not exist and a locked item shows its old image; from the commit
on, the new images show, and an index query finds a replaced record's new image at its new
place (its old place is skipped). Writers never change a marked item: their conditions require
`_txn` to be absent. So a reader never sees part of a write set without the rest, whatever the
writer dies of and whenever: a pending record whose lease ran out is rolled back, a committed
one rolled forward, item by item by the next writer that meets one of its items, wholly by
`dataops migrate` (`recover`).

A restore's load into empty tables (`Load`) is the same mechanism at scale: records go in by
BatchWriteItem, marked with the load's id, and become visible together when it commits.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from typing import Any

from dataops.model import jsonvalue
from dataops.model.values import format_timestamp
from dataops.store.base import AlreadyExists, StoreError, VersionConflict
from dataops.store.dynamodb_client import Calls, Cancelled, ConditionFailed, Contended
from dataops.store.dynamodb_items import (
    SHADOW_PREFIX,
    TXN,
    VERSION,
    ItemCodec,
    Marker,
    RawItem,
)
from dataops.store.dynamodb_layout import PK, SK

log = logging.getLogger("dataops.store.dynamodb")

CREATE, REPLACE, DELETE, CHECK = "c", "r", "d", "k"
PENDING, COMMITTED, ABORTED, MISSING = "pending", "committed", "aborted", "missing"
# DynamoDB's limits per TransactWriteItems: 100 items, 4 MB (our estimate leaves room).
CHUNK_ITEMS = 100
CHUNK_BYTES = 3_000_000
_KEY_BYTES = 200
# A writer that stops renewing its lease for this long is presumed dead.
LEASE_SECONDS = 30.0
_WRITES_PER_PART = 1000
_BATCH_WRITE = 25
_THREADS = 8
_RETRIES = 3
_FINAL_CACHE = 4096
_FINISH_SLICE = 5000


@dataclass
class ItemWrite:
    """One write of one item, as the DynamoDB store sends it: alone, in one TransactWriteItems,
    or staged by a multi-chunk transaction (`op`: CREATE, REPLACE, DELETE or CHECK)."""

    codec: ItemCodec
    op: str
    item_id: str
    doc: Mapping[str, Any] | None = None
    expected: int | None = None

    @property
    def table(self) -> str:
        return self.codec.layout.table.name

    @property
    def physical(self) -> str:
        return self.codec.layout.physical.name

    @property
    def items(self) -> int:
        """Items it writes while staged: a replace writes its lock and its new image."""
        return 2 if self.op == REPLACE else 1

    def size(self) -> int:
        """About the bytes it sends (a TransactWriteItems carries at most 4 MB)."""
        return _KEY_BYTES + (len(jsonvalue.dumps(self.doc)) if self.doc is not None else 0)


def version_condition(expected: int | None) -> tuple[str, dict[str, str], dict[str, Any]]:
    """`The item exists (at `expected`, when given) and no transaction holds it`, with the
    expression's names and values."""
    names = {"#pk": PK, "#txn": TXN}
    values: dict[str, Any] = {}
    parts = ["attribute_exists(#pk)", "attribute_not_exists(#txn)"]
    if expected is not None:
        names["#v"] = VERSION
        values[":v"] = {"N": str(expected)}
        # Items of the reference service carry no version: they are at version 1.
        parts.append("(#v = :v OR attribute_not_exists(#v))" if expected == 1 else "#v = :v")
    return " AND ".join(parts), names, values


@dataclass
class Recovery:
    """What `Commits.recover` did."""

    rolled_forward: int = 0
    rolled_back: int = 0
    in_progress: int = 0


class Commits:
    """Commit records and what depends on them: staging, commit, roll forward or back, and the
    state a reader needs to resolve a marked item."""

    def __init__(
        self,
        calls: Calls,
        table: str,
        codecs: Mapping[str, ItemCodec],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.calls = calls
        self.table = table
        self.codecs = codecs
        self.clock = clock
        # Committed and aborted are final: readers ask DynamoDB only about pending records.
        self._final: dict[str, str] = {}
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    # --- the commit record -----------------------------------------------------------------

    def _head_key(self, txn: str) -> RawItem:
        key = {"S": SHADOW_PREFIX + txn}
        return {PK: key, SK: key}

    def _begin(
        self, txn: str, kind: str, writes: Sequence[ItemWrite], tables: Sequence[str]
    ) -> None:
        head: RawItem = {
            **self._head_key(txn),
            "state": {"S": PENDING},
            "kind": {"S": kind},
            "tables": {"L": [{"S": table} for table in tables]},
            "leaseUntil": {"N": repr(self.clock() + LEASE_SECONDS)},
            "createdAt": {"S": format_timestamp_now(self.clock())},
            "parts": {"N": str(_parts(len(writes)))},
        }
        # The list of writes, for whoever has to finish or undo this one (parts of bounded
        # size: an item holds at most 400 KB).
        for number, start in enumerate(range(0, len(writes), _WRITES_PER_PART)):
            part = [
                [write.table, write.item_id, write.op]
                for write in writes[start : start + _WRITES_PER_PART]
            ]
            self.calls(
                "put_item",
                TableName=self.table,
                Item={
                    PK: head[PK],
                    SK: {"S": f"PART#{number:06d}"},
                    "writes": {"S": jsonvalue.dumps(part).decode()},
                },
            )
        self.calls(
            "put_item",
            TableName=self.table,
            Item=head,
            ConditionExpression="attribute_not_exists(#pk)",
            ExpressionAttributeNames={"#pk": PK},
        )

    def renew(self, txn: str) -> None:
        """Extend the lease of a transaction still staging (a lost lease fails the commit)."""
        try:
            self.calls(
                "update_item",
                TableName=self.table,
                Key=self._head_key(txn),
                UpdateExpression="SET leaseUntil = :lease",
                ConditionExpression="#state = :pending",
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues={
                    ":lease": {"N": repr(self.clock() + LEASE_SECONDS)},
                    ":pending": {"S": PENDING},
                },
            )
        except ConditionFailed:
            raise VersionConflict(self.table, txn) from None

    def _decide(self, txn: str, state: str, *, only_expired: bool = False) -> str:
        """Turn a pending record `state` (committed or aborted; with `only_expired`, only when
        its lease ran out); returns the state it ends in: another process may have decided
        first, or we did with a request whose answer was lost."""
        condition = "#state = :pending"
        values: dict[str, Any] = {":state": {"S": state}, ":pending": {"S": PENDING}}
        if only_expired:
            condition += " AND leaseUntil < :now"
            values[":now"] = {"N": repr(self.clock())}
        try:
            self.calls(
                "update_item",
                TableName=self.table,
                Key=self._head_key(txn),
                UpdateExpression="SET #state = :state",
                ConditionExpression=condition,
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues=values,
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ConditionFailed as failed:
            stored = (failed.item or {}).get("state", {}).get("S")
            return str(stored) if stored else MISSING
        return state

    def _forget(self, txn: str, parts: int) -> None:
        for number in range(parts):
            self.calls(
                "delete_item",
                TableName=self.table,
                Key={PK: {"S": SHADOW_PREFIX + txn}, SK: {"S": f"PART#{number:06d}"}},
            )
        self.calls("delete_item", TableName=self.table, Key=self._head_key(txn))

    def states(self, txns: Iterable[str]) -> dict[str, str]:
        """The state of each commit record (MISSING when there is none)."""
        found = {txn: self._final[txn] for txn in txns if txn in self._final}
        wanted = [txn for txn in dict.fromkeys(txns) if txn not in found]
        for start in range(0, len(wanted), 100):
            chunk = wanted[start : start + 100]
            for head in self.calls.batch_get(self.table, [self._head_key(txn) for txn in chunk]):
                txn = head[PK]["S"][len(SHADOW_PREFIX) :]
                found[txn] = head["state"]["S"]
        for txn in wanted:
            state = found.setdefault(txn, MISSING)
            if state in (COMMITTED, ABORTED):
                if len(self._final) >= _FINAL_CACHE:
                    self._final.clear()
                self._final[txn] = state
        return found

    def _head(self, txn: str) -> RawItem | None:
        answer = self.calls(
            "get_item", TableName=self.table, Key=self._head_key(txn), ConsistentRead=True
        )
        item: RawItem | None = answer.get("Item")
        return item

    # --- a multi-chunk transaction ---------------------------------------------------------

    def run(
        self,
        writes: list[ItemWrite],
        classify: Callable[[ItemWrite, RawItem | None], StoreError | None],
    ) -> None:
        """Apply `writes` all or nothing. `classify` turns a failed condition into the store's
        error (None when the item was only locked by a transaction that is now cleared away:
        the chunk is tried again)."""
        txn = uuid.uuid4().hex
        self._begin(txn, "writes", writes, sorted({write.table for write in writes}))
        staged: list[ItemWrite] = []
        renewed = self.clock()
        try:
            for chunk in _chunks(writes):
                if self.clock() - renewed > LEASE_SECONDS / 3:
                    self.renew(txn)
                    renewed = self.clock()
                self._stage(txn, chunk, classify)
                staged += chunk
            state = self._decide(txn, COMMITTED)
            if state != COMMITTED:
                raise VersionConflict(writes[0].table, writes[0].item_id)
        except BaseException:
            self._undo(txn, writes, staged)
            raise
        self._final[txn] = COMMITTED
        try:
            self.finish(txn, writes, committed=True)
        except Exception:
            # Committed all the same: readers see it whole; recovery finishes the rest.
            log.exception("rolling forward transaction %s failed; dataops migrate finishes it", txn)
            return
        self._forget(txn, _parts(len(writes)))

    def _stage(
        self,
        txn: str,
        chunk: list[ItemWrite],
        classify: Callable[[ItemWrite, RawItem | None], StoreError | None],
    ) -> None:
        for _ in range(_RETRIES):
            try:
                self.calls.transact(
                    [request for write in chunk for request in self._staging(txn, write)]
                )
                return
            except Cancelled as cancelled:
                requests = [write for write in chunk for _ in range(write.items)]
                position = cancelled.failed()[0]
                write = requests[position]
                old = cancelled.reasons[position].get("Item")
                if write.op == DELETE and write.expected is None and old is None:
                    chunk = [other for other in chunk if other is not write]  # nothing to delete
                    if not chunk:
                        return
                    continue
                error = classify(write, old)
                if error is not None:
                    raise error from None
            except Contended:
                continue
        raise VersionConflict(chunk[0].table, chunk[0].item_id)

    def _staging(self, txn: str, write: ItemWrite) -> list[dict[str, Any]]:
        codec, marker = write.codec, Marker(txn, write.op)
        if write.op == CREATE:
            assert write.doc is not None
            return [
                {
                    "Put": {
                        "TableName": write.physical,
                        "Item": codec.encode(write.doc, 1, marker),
                        "ConditionExpression": "attribute_not_exists(#pk)",
                        "ExpressionAttributeNames": {"#pk": PK},
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                    }
                }
            ]
        condition, names, values = version_condition(write.expected)
        values[":m"] = {"S": marker.text()}
        lock = {
            "Update": {
                "TableName": write.physical,
                "Key": codec.key(write.item_id),
                "UpdateExpression": "SET #txn = :m",
                "ConditionExpression": condition,
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": values,
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        }
        if write.op != REPLACE:
            return [lock]
        assert write.doc is not None and write.expected is not None
        image = codec.encode_shadow(write.doc, write.expected + 1, marker)
        return [lock, {"Put": {"TableName": write.physical, "Item": image}}]

    def _undo(self, txn: str, writes: list[ItemWrite], staged: list[ItemWrite]) -> None:
        """Abort a transaction that did not commit and take back what it staged. When this
        fails too (the store is gone), the lease runs out and recovery does it."""
        try:
            if self._decide(txn, ABORTED) == COMMITTED:
                return
            self._final[txn] = ABORTED
            self.finish(txn, staged, committed=False)
            self._forget(txn, _parts(len(writes)))
        except Exception:
            log.exception("undoing transaction %s failed; its lease runs out", txn)

    # --- finishing writes -------------------------------------------------------------------

    def finish(self, txn: str, writes: Iterable[ItemWrite], *, committed: bool) -> None:
        """Roll `writes` of `txn` forward (`committed`) or back: up to 100 items per
        TransactWriteItems, each conditional on the item still carrying its mark; a chunk that
        someone else finished in part is done again write by write. Streams: a load finishes
        millions of records a slice at a time."""
        writes = iter(writes)
        while True:
            batch = list(islice(writes, _FINISH_SLICE))
            if not batch:
                return
            requests = [(write, self._finishing(txn, write, committed)) for write in batch]
            self._parallel(self._send, list(_request_chunks(requests)))

    def _finishing(self, txn: str, write: ItemWrite, committed: bool) -> list[dict[str, Any]]:
        codec, physical = write.codec, write.physical
        guard = {
            "ConditionExpression": "#txn = :m",
            "ExpressionAttributeNames": {"#txn": TXN},
            "ExpressionAttributeValues": {":m": {"S": Marker(txn, write.op).text()}},
        }
        key = codec.key(write.item_id)
        release = {
            "Update": {
                "TableName": physical,
                "Key": key,
                "UpdateExpression": "REMOVE #txn",
                **guard,
            }
        }
        remove = {"Delete": {"TableName": physical, "Key": key, **guard}}
        shadow = {"Delete": {"TableName": physical, "Key": codec.shadow_key(write.item_id, txn)}}
        if write.op == CHECK or (write.op == DELETE and not committed):
            return [release]
        if write.op == CREATE:
            return [release if committed else remove]
        if write.op == DELETE:
            return [remove]
        if not committed:
            return [release, shadow]
        image = self._new_image(txn, write)
        if image is None:
            return [release, shadow]
        return [{"Put": {"TableName": physical, "Item": image, **guard}}, shadow]

    def _new_image(self, txn: str, write: ItemWrite) -> RawItem | None:
        """A replaced record as it is after the commit: from the write, or (recovering) from its
        image beside the record; None when that is gone (moved into place already)."""
        if write.doc is not None and write.expected is not None:
            return write.codec.encode(write.doc, write.expected + 1)
        answer = self.calls(
            "get_item",
            TableName=write.physical,
            Key=write.codec.shadow_key(write.item_id, txn),
            ConsistentRead=True,
        )
        shadow = answer.get("Item")
        if shadow is None:
            return None
        image = {name: value for name, value in shadow.items() if name != TXN}
        image[SK] = image[PK]
        return image

    def _send(self, chunk: list[list[dict[str, Any]]]) -> None:
        try:
            self.calls.transact([request for requests in chunk for request in requests])
            return
        except Cancelled:
            pass
        for requests in chunk:
            if len(requests) > 1:
                with suppress(Cancelled):
                    self.calls.transact(requests)
                continue
            ((kind, params),) = requests[0].items()
            with suppress(ConditionFailed):
                self.calls.write(_SINGLE[kind], **params)

    def settle_item(self, codec: ItemCodec, item: RawItem) -> bool:
        """A write met `item`, marked by a transaction: finish or undo that transaction's
        write on this item when the transaction is decided or dead. False when it is still
        in progress (the caller's write conflicts with it)."""
        marker = Marker.parse(item[TXN]["S"])
        state = self.states([marker.txn])[marker.txn]
        if state == PENDING:
            head = self._head(marker.txn)
            lease = float(head["leaseUntil"]["N"]) if head and "leaseUntil" in head else 0.0
            if head is not None and lease > self.clock():
                return False
            state = (
                self._decide(marker.txn, ABORTED, only_expired=True)
                if head is not None
                else MISSING
            )
            if state == PENDING:
                return False
        item_id = codec.decode(item).item_id
        self.finish(
            marker.txn, [ItemWrite(codec, marker.op, item_id)], committed=state == COMMITTED
        )
        return True

    # --- recovery ---------------------------------------------------------------------------

    def recover(
        self, marked: Callable[[str, str], Iterator[RawItem]], *, dry_run: bool = False
    ) -> Recovery:
        """Finish every transaction a dead writer left: roll committed ones forward, pending ones
        whose lease ran out back. `marked(table, txn)` finds a load's items (a load does not
        list its writes)."""
        report = Recovery()
        for head in self._scan_heads():
            state = head["state"]["S"]
            if state == PENDING and float(head["leaseUntil"]["N"]) > self.clock():
                report.in_progress += 1
            elif dry_run:
                report.rolled_forward += state == COMMITTED
                report.rolled_back += state != COMMITTED
            else:
                state = self._recover_one(head, marked)
                report.in_progress += state == PENDING
                report.rolled_forward += state == COMMITTED
                report.rolled_back += state not in (PENDING, COMMITTED)
        return report

    def _recover_one(self, head: RawItem, marked: Callable[[str, str], Iterator[RawItem]]) -> str:
        txn = head[PK]["S"][len(SHADOW_PREFIX) :]
        state = str(head["state"]["S"])
        if state == PENDING:
            state = self._decide(txn, ABORTED, only_expired=True)
            if state == PENDING:
                return state
        if head["kind"]["S"] == "load":
            writes: Iterable[ItemWrite] = (
                ItemWrite(self.codecs[table], CREATE, self.codecs[table].decode(item).item_id)
                for table in (entry["S"] for entry in head["tables"]["L"])
                for item in marked(table, txn)
            )
        else:
            writes = self._writes_of(txn, int(head["parts"]["N"]))
        self.finish(txn, writes, committed=state == COMMITTED)
        self._forget(txn, int(head.get("parts", {}).get("N", "0")))
        return state

    def _scan_heads(self) -> list[RawItem]:
        heads: list[RawItem] = []
        params: dict[str, Any] = {
            "TableName": self.table,
            "FilterExpression": "#pk = #sk",
            "ExpressionAttributeNames": {"#pk": PK, "#sk": SK},
            "ConsistentRead": True,
        }
        while True:
            answer = self.calls("scan", **params)
            heads += answer.get("Items", [])
            if not answer.get("LastEvaluatedKey"):
                return heads
            params["ExclusiveStartKey"] = answer["LastEvaluatedKey"]

    def _writes_of(self, txn: str, parts: int) -> list[ItemWrite]:
        writes: list[ItemWrite] = []
        for number in range(parts):
            answer = self.calls(
                "get_item",
                TableName=self.table,
                Key={PK: {"S": SHADOW_PREFIX + txn}, SK: {"S": f"PART#{number:06d}"}},
                ConsistentRead=True,
            )
            part = answer.get("Item")
            if part is None:
                continue
            for table, item_id, op in jsonvalue.loads(part["writes"]["S"]):
                writes.append(ItemWrite(self.codecs[table], op, item_id))
        return writes

    # --- a load into empty tables ----------------------------------------------------------

    def begin_load(self, tables: Sequence[str]) -> Load:
        txn = uuid.uuid4().hex
        self._begin(txn, "load", [], tables)
        return Load(self, txn, list(tables), renewed=self.clock())

    # --- threads ----------------------------------------------------------------------------

    def _parallel(self, work: Callable[[Any], None], items: Sequence[Any]) -> None:
        if len(items) <= 1:
            for item in items:
                work(item)
            return
        futures = [self.pool().submit(work, item) for item in items]
        _wait(futures)

    def pool(self) -> ThreadPoolExecutor:
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(_THREADS, thread_name_prefix="dataops-dynamodb")
            return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None


def _wait(futures: list[Future[Any]]) -> None:
    """Wait for all; then raise the first failure (never leave work running behind)."""
    error: BaseException | None = None
    for future in futures:
        try:
            future.result()
        except BaseException as exc:
            error = error or exc
    if error is not None:
        raise error


_SINGLE = {"Put": "put_item", "Update": "update_item", "Delete": "delete_item"}


def _request_chunks(
    requests: list[tuple[ItemWrite, list[dict[str, Any]]]],
) -> Iterator[list[list[dict[str, Any]]]]:
    """The requests of many writes in transactions of at most 100 items (and about 3 MB),
    never splitting one write's requests."""
    chunk: list[list[dict[str, Any]]] = []
    items = size = 0
    for write, parts in requests:
        write_size = write.size() * len(parts)
        if chunk and (items + len(parts) > CHUNK_ITEMS or size + write_size > CHUNK_BYTES):
            yield chunk
            chunk, items, size = [], 0, 0
        chunk.append(parts)
        items += len(parts)
        size += write_size
    if chunk:
        yield chunk


def _parts(writes: int) -> int:
    return (writes + _WRITES_PER_PART - 1) // _WRITES_PER_PART


def fits_one_transaction(writes: Sequence[ItemWrite]) -> bool:
    items = sum(write.items for write in writes)
    return items <= CHUNK_ITEMS and (
        items <= 10 or sum(write.size() for write in writes) <= CHUNK_BYTES
    )


def _chunks(writes: list[ItemWrite]) -> Iterator[list[ItemWrite]]:
    chunk: list[ItemWrite] = []
    items = size = 0
    for write in writes:
        write_size = write.size() * write.items
        if chunk and (items + write.items > CHUNK_ITEMS or size + write_size > CHUNK_BYTES):
            yield chunk
            chunk, items, size = [], 0, 0
        chunk.append(write)
        items += write.items
        size += write_size
    if chunk:
        yield chunk


def format_timestamp_now(seconds: float) -> str:
    return format_timestamp(datetime.fromtimestamp(seconds, UTC))


@dataclass
class Load:
    """The writes of a load into empty tables, marked with the load's id until it commits."""

    commits: Commits
    txn: str
    unfinished: list[str]
    seen: dict[str, set[str]] = field(default_factory=dict)
    failed: bool = False
    renewed: float = 0.0

    def put_all(self, table: str, docs: Sequence[Mapping[str, Any]]) -> None:
        if table not in self.unfinished:
            raise KeyError(f"table {table} is not part of this load, or finished")
        codec = self.commits.codecs[table]
        marker = Marker(self.txn, CREATE)
        seen = self.seen.setdefault(table, set())
        requests = []
        try:
            for doc in docs:
                item_id = doc.get("id")
                if not isinstance(item_id, str) or not item_id:
                    raise ValueError(f"{table} record without an id")
                if item_id in seen:
                    raise AlreadyExists(table, item_id)
                seen.add(item_id)
                requests.append({"PutRequest": {"Item": codec.encode(doc, 1, marker)}})
            if self.commits.clock() - self.renewed > LEASE_SECONDS / 3:
                self.commits.renew(self.txn)
                self.renewed = self.commits.clock()
            physical = codec.layout.physical.name
            pool = self.commits.pool()
            _wait(
                [
                    pool.submit(
                        self.commits.calls.batch_write,
                        physical,
                        requests[start : start + _BATCH_WRITE],
                    )
                    for start in range(0, len(requests), _BATCH_WRITE)
                ]
            )
        except BaseException:
            self.failed = True
            raise

    def finish(self, table: str) -> None:
        if table in self.unfinished:
            self.unfinished.remove(table)

    def _writes(self) -> Iterator[ItemWrite]:
        for table, ids in self.seen.items():
            codec = self.commits.codecs[table]
            for item_id in ids:
                yield ItemWrite(codec, CREATE, item_id)

    def commit(self) -> None:
        if self.failed:
            self.abort()
            raise StoreError("a write of the load failed: nothing was loaded")
        if self.commits._decide(self.txn, COMMITTED) != COMMITTED:
            self.abort()
            raise StoreError("the load lost its lease to recovery: nothing was loaded")
        self.commits._final[self.txn] = COMMITTED
        try:
            self.commits.finish(self.txn, self._writes(), committed=True)
        except Exception:
            log.exception("releasing the load %s failed; dataops migrate finishes it", self.txn)
            return
        self.commits._forget(self.txn, 0)

    def abort(self) -> None:
        commits = self.commits
        try:
            if commits._decide(self.txn, ABORTED) == COMMITTED:
                return
            commits._final[self.txn] = ABORTED
            commits.finish(self.txn, self._writes(), committed=False)
            commits._forget(self.txn, 0)
        except Exception:
            log.exception("undoing the load %s failed; dataops migrate finishes it", self.txn)
