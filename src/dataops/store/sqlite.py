"""The embedded store: one SQLite file in WAL mode, JSON documents with indexed key columns.

Each logical table is a SQLite table `(id, version, doc, <index>_h, <index>_r, ...)`; the index
columns are computed from the document on every write, so the declared indexes of schema.py
are real SQLite indexes and a query never reads documents it does not return.

A file store gives each thread its own connection (opened on its first use, closed when the
thread has ended or the store closes): readers never wait for each other or for a writer (WAL
mode), and writes use `BEGIN IMMEDIATE` with a busy timeout, so a write waits for another
thread's or another process's (a second server worker, a CLI command) instead of failing, and
every change is checked against the version it read. An in-memory database exists only in its
one connection, which serves every thread behind a lock.
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext, suppress
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from dataops.model import jsonvalue
from dataops.store.base import (
    IN_PLACE,
    AlreadyExists,
    Check,
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
    WouldWait,
    Write,
    decode_cursor,
    encode_cursor,
)
from dataops.store.schema import TABLES, Index, Table

_SCAN_CHUNK = 1000
_BUSY_TIMEOUT_MS = 30_000
_SORT_THREADS = 2
_MAX_CHAR = "\U0010ffff"


@cache
def _column(index: Index) -> str:
    return re.sub(r"[^a-z0-9]+", "_", index.name.lower())


@dataclass(frozen=True)
class _Layout:
    """How one table's records are written: the insert statement (insert or overwrite) and
    where each index column's value comes from, worked out once per table."""

    sql: str
    # The same columns, insert only (a load into an empty table).
    insert_sql: str
    # Per index: its hash and range attributes, or the index itself when a function derives
    # a key (those go through `Index.key_of`).
    keys: tuple[tuple[str | None, str | None, Index | None], ...]

    @classmethod
    def of(cls, table: Table) -> _Layout:
        columns = ["id", "version", "doc"]
        for index in table.indexes:
            column = _column(index)
            columns += [f'"{column}_h"', f'"{column}_r"']
        marks = ",".join("?" * len(columns))
        return cls(
            f'INSERT OR REPLACE INTO "{table.name}" ({",".join(columns)}) VALUES ({marks})',
            f'INSERT INTO "{table.name}" ({",".join(columns)}) VALUES ({marks})',
            tuple(
                (None, None, index)
                if index.hash_fn is not None or index.range_fn is not None
                else (index.hash_key, index.range_key, None)
                for index in table.indexes
            ),
        )

    def row(self, doc: Mapping[str, Any], item_id: str, version: int) -> list[Any]:
        """The values of `sql` for one record; plain attributes are read inline (a restore
        computes millions of these keys)."""
        values: list[Any] = [item_id, version, jsonvalue.dumps(doc)]
        for hash_key, range_key, index in self.keys:
            if index is not None:
                key = index.key_of(doc)
                values += key if key else (None, None)
                continue
            hash_value = "*" if hash_key is None else doc.get(hash_key)
            range_value = "" if range_key is None else doc.get(range_key)
            if (
                hash_value.__class__ is str
                and hash_value
                and range_value.__class__ is str
                and (range_value or range_key is None)
            ):
                values += (hash_value, range_value)
            else:
                values += (None, None)
        return values


def _record_id(table: str, doc: Mapping[str, Any]) -> str:
    item_id = doc.get("id")
    if not isinstance(item_id, str) or not item_id:
        raise ValueError(f"{table} record without an id")
    return item_id


def _create_private(path: Path) -> None:
    """A new database file readable by its owner only (SQLite gives its `-wal` and `-shm`
    files the same permissions); an existing file is left as it is."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


class SQLiteStore:
    """Store backed by one SQLite database file (or `:memory:`)."""

    def __init__(self, path: str, tables: Mapping[str, Table] = TABLES) -> None:
        self.path = path
        self.tables = tables
        self._layouts = {name: _Layout.of(table) for name, table in tables.items()}
        self._shared = path == ":memory:"
        if not self._shared:
            _create_private(Path(path))
        self._lock = threading.RLock()
        # Held around statements only where threads share the one connection (in memory).
        self._guard: AbstractContextManager[Any] = self._lock if self._shared else nullcontext()
        self._local = threading.local()
        self._connections: dict[threading.Thread, sqlite3.Connection] = {}
        self._closed = False
        # The opening thread's connection: the schema, loads, and this thread's requests.
        self._db = self._connect()
        self._local.db = self._db
        self._connections[threading.current_thread()] = self._db
        self._ensure_schema()

    # Reads take microseconds and never wait for a lock (WAL): an event loop may run them in
    # place instead of handing them to a thread (api/http.py).
    reads_in_place = True

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        db.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
        if not self._shared:
            db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
        return db

    @property
    def _conn(self) -> sqlite3.Connection:
        """This thread's connection (the one connection of an in-memory store)."""
        if self._shared:
            return self._db
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = self._open_for_thread()
        return db

    def _open_for_thread(self) -> sqlite3.Connection:
        with self._lock:
            if self._closed:
                raise sqlite3.ProgrammingError("Cannot operate on a closed database.")
            # Threads come and go (a pool lets idle ones end): their connections go with them.
            for thread in [thread for thread in self._connections if not thread.is_alive()]:
                self._connections.pop(thread).close()
            db = self._connect()
            self._connections[threading.current_thread()] = db
        self._local.db = db
        return db

    # --- schema ---------------------------------------------------------------------------

    def _ensure_schema(self) -> None:
        """Create missing tables and index columns; backfill columns added by a newer schema."""
        with self._lock:
            for table in self.tables.values():
                self._db.execute(
                    f'CREATE TABLE IF NOT EXISTS "{table.name}" '
                    "(id TEXT PRIMARY KEY NOT NULL, version INTEGER NOT NULL, doc BLOB NOT NULL)"
                )
                existing = {
                    row[1] for row in self._db.execute(f'PRAGMA table_info("{table.name}")')
                }
                added = []
                for index in table.indexes:
                    column = _column(index)
                    if f"{column}_h" not in existing:
                        self._db.execute(f'ALTER TABLE "{table.name}" ADD COLUMN "{column}_h" TEXT')
                        self._db.execute(f'ALTER TABLE "{table.name}" ADD COLUMN "{column}_r" TEXT')
                        added.append(index)
                # Also creates indexes that a newer schema declares.
                self._create_indexes(table)
                if added and existing:
                    self._backfill(table, added)

    def _create_indexes(self, table: Table) -> None:
        for index in table.indexes:
            column = _column(index)
            self._db.execute(
                f'CREATE INDEX IF NOT EXISTS "{table.name}__{column}" ON "{table.name}" '
                f'("{column}_h", "{column}_r", id) WHERE "{column}_h" IS NOT NULL'
            )

    def _backfill(self, table: Table, indexes: list[Index]) -> None:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            rows = self._db.execute(f'SELECT id, doc FROM "{table.name}"').fetchall()
            for item_id, doc in rows:
                record = jsonvalue.loads(doc)
                sets: list[str] = []
                values: list[Any] = []
                for index in indexes:
                    key = index.key_of(record)
                    column = _column(index)
                    sets += [f'"{column}_h" = ?', f'"{column}_r" = ?']
                    values += [key[0], key[1]] if key else [None, None]
                self._db.execute(
                    f'UPDATE "{table.name}" SET {", ".join(sets)} WHERE id = ?', [*values, item_id]
                )
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    # --- reads ----------------------------------------------------------------------------

    def _table(self, name: str) -> Table:
        try:
            return self.tables[name]
        except KeyError:
            raise KeyError(f"unknown table {name}") from None

    def get(self, table: str, item_id: str) -> Item | None:
        self._table(table)
        with self._guard:
            row = self._conn.execute(
                f'SELECT version, doc FROM "{table}" WHERE id = ?', (item_id,)
            ).fetchone()
        return None if row is None else Item(jsonvalue.loads(row[1]), row[0])

    def get_many(self, table: str, item_ids: Sequence[str]) -> dict[str, Item]:
        self._table(table)
        found: dict[str, Item] = {}
        unique = list(dict.fromkeys(item_ids))
        for start in range(0, len(unique), 500):
            chunk = unique[start : start + 500]
            marks = ",".join("?" * len(chunk))
            with self._guard:
                rows = self._conn.execute(
                    f'SELECT id, version, doc FROM "{table}" WHERE id IN ({marks})', chunk
                ).fetchall()
            for item_id, version, doc in rows:
                found[item_id] = Item(jsonvalue.loads(doc), version)
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
        spec = self._table(table).index(index)
        column = _column(spec)
        h, r = f'"{column}_h"', f'"{column}_r"'
        where = [f"{h} = ?"]
        args: list[Any] = [hash_value if spec.hash_key is not None else "*"]
        if range_key is not None:
            if range_key.eq is not None:
                where.append(f"{r} = ?")
                args.append(range_key.eq)
            if range_key.gte is not None:
                where.append(f"{r} >= ?")
                args.append(range_key.gte)
            if range_key.lte is not None:
                where.append(f"{r} <= ?")
                args.append(range_key.lte)
            if range_key.prefix is not None:
                where.append(f"{r} >= ? AND {r} < ?")
                args += [range_key.prefix, range_key.prefix + _MAX_CHAR]
        if cursor is not None:
            after_range, after_id = decode_cursor(cursor)
            where.append(f"({r}, id) {'<' if descending else '>'} (?, ?)")
            args += [after_range, after_id]
        order = "DESC" if descending else "ASC"
        sql = (
            f'SELECT id, version, doc, {r} FROM "{table}" WHERE {" AND ".join(where)} '
            f"ORDER BY {r} {order}, id {order}"
        )
        if limit is not None:
            sql += " LIMIT ?"
            args.append(limit + 1)
        with self._guard:
            rows = self._conn.execute(sql, args).fetchall()
        next_cursor = None
        if limit is not None and len(rows) > limit:
            rows = rows[:limit]
            next_cursor = encode_cursor(rows[-1][3], rows[-1][0])
        return Page(
            [Item(jsonvalue.loads(doc), version) for _, version, doc, _ in rows], next_cursor
        )

    def scan(self, table: str) -> Iterator[Item]:
        self._table(table)
        after = ""
        while True:
            with self._guard:
                rows = self._conn.execute(
                    f'SELECT id, version, doc FROM "{table}" WHERE id > ? ORDER BY id LIMIT ?',
                    (after, _SCAN_CHUNK),
                ).fetchall()
            for _, version, doc in rows:
                yield Item(jsonvalue.loads(doc), version)
            if len(rows) < _SCAN_CHUNK:
                return
            after = rows[-1][0]

    def count(self, table: str) -> int:
        self._table(table)
        with self._guard:
            return int(self._conn.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0])

    # --- writes ---------------------------------------------------------------------------

    def create(self, table: str, doc: Mapping[str, Any]) -> Item:
        item = self.transact([Create(table, doc)])[0]
        assert item is not None
        return item

    def replace(self, table: str, doc: Mapping[str, Any], expected_version: int) -> Item:
        item = self.transact([Replace(table, doc, expected_version)])[0]
        assert item is not None
        return item

    def delete(self, table: str, item_id: str, expected_version: int | None = None) -> bool:
        with self._guard:
            existed = self.get(table, item_id) is not None
            self.transact([Delete(table, item_id, expected_version)])
        return existed

    def transact(self, writes: Sequence[Write]) -> list[Item | None]:
        with self._guard:
            db = self._conn
            if IN_PLACE.get():
                self._begin_at_once(db)
            else:
                db.execute("BEGIN IMMEDIATE")
            try:
                results = [self._apply(write) for write in writes]
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        return results

    @staticmethod
    def _begin_at_once(db: sqlite3.Connection) -> None:
        """BEGIN IMMEDIATE without waiting: WouldWait when another connection writes."""
        db.execute("PRAGMA busy_timeout = 0")
        try:
            db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
                raise WouldWait("the write lock is taken") from None
            raise
        finally:
            db.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")

    @staticmethod
    def _version_of(db: sqlite3.Connection, table: str, item_id: str) -> int | None:
        row = db.execute(f'SELECT version FROM "{table}" WHERE id = ?', (item_id,)).fetchone()
        return None if row is None else int(row[0])

    def _apply(self, write: Write) -> Item | None:
        """One write, inside the calling thread's open transaction."""
        db = self._conn
        self._table(write.table)
        if isinstance(write, Check):
            current = self._version_of(db, write.table, write.item_id)
            if current is None:
                raise ItemMissing(write.table, write.item_id)
            if current != write.expected_version:
                raise VersionConflict(write.table, write.item_id)
            return None
        if isinstance(write, Delete):
            current = self._version_of(db, write.table, write.item_id)
            if write.expected_version is not None and current != write.expected_version:
                if current is None:
                    raise ItemMissing(write.table, write.item_id)
                raise VersionConflict(write.table, write.item_id)
            db.execute(f'DELETE FROM "{write.table}" WHERE id = ?', (write.item_id,))
            return None
        doc = dict(write.doc)
        item_id = _record_id(write.table, doc)
        current = self._version_of(db, write.table, item_id)
        if isinstance(write, Create):
            if current is not None:
                raise AlreadyExists(write.table, item_id)
            version = 1
        else:
            if current is None:
                raise ItemMissing(write.table, item_id)
            if current != write.expected_version:
                raise VersionConflict(write.table, item_id)
            version = current + 1
        layout = self._layouts[write.table]
        db.execute(layout.sql, layout.row(doc, item_id, version))
        return Item(doc, version)

    def _build_indexes(self, table: Table) -> None:
        # Helper threads sort for CREATE INDEX (a second core, no Python involved).
        self._db.execute(f"PRAGMA threads = {_SORT_THREADS}")
        try:
            self._create_indexes(table)
        finally:
            self._db.execute("PRAGMA threads = 0")

    def load_empty(self, tables: Sequence[str]) -> AbstractContextManager[_Load]:
        for table in tables:
            self._table(table)
        return self._load_empty(list(tables))

    @contextmanager
    def _load_empty(self, tables: list[str]) -> Iterator[_Load]:
        """One write transaction for the whole load: no other connection sees any of it before
        it commits, and a process that dies inside leaves only what SQLite rolls back on the next
        open. The tables' secondary indexes are dropped inside it and built once per table when
        its records are in (one sort instead of a random B-tree insert per record and index);
        the drop is rolled back with everything else.

        When no other connection has the file open, the load runs with a rollback journal
        instead of the write-ahead log: pages new to the file then go straight into it, where
        the log would hold every page of the load once more and copy it over at the commit
        (about a fifth of an import's time). Other processes wait for it meanwhile, readers
        too; the log is back when it ends (or, after a crash, at the next open)."""
        with self._lock:
            journal = self._leave_wal()
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    for table in tables:
                        if self._db.execute(f'SELECT 1 FROM "{table}" LIMIT 1').fetchone():
                            raise StoreNotEmpty(table)
                    for table in tables:
                        for index in self.tables[table].indexes:
                            self._db.execute(f'DROP INDEX IF EXISTS "{table}__{_column(index)}"')
                    load = _Load(self, tables)
                    yield load
                    load.finish_all()
                    if load.failed:
                        raise StoreError("a write of the load failed: nothing was loaded")
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
                self._db.execute("COMMIT")
            finally:
                if journal:
                    self._enter_wal()

    def _leave_wal(self) -> bool:
        """Switch this file to a rollback journal, when it is in WAL mode and no other
        connection has it open (else SQLite refuses at once, and the load keeps the log)."""
        if self.path == ":memory:":
            return False
        try:
            mode = self._db.execute("PRAGMA journal_mode = DELETE").fetchone()[0]
        except sqlite3.OperationalError:
            return False
        if mode != "delete":
            return False
        # A rollback journal is safe against power loss only with every sync.
        self._db.execute("PRAGMA synchronous = FULL")
        return True

    def _enter_wal(self) -> None:
        self._db.execute("PRAGMA synchronous = NORMAL")
        # Refused when another process opened the file meanwhile: its open (every open) sets WAL.
        with suppress(sqlite3.OperationalError):
            self._db.execute("PRAGMA journal_mode = WAL")

    def close(self) -> None:
        with self._lock:
            self._closed = True
            for db in self._connections.values():
                db.close()
            self._connections.clear()
            self._db.close()


class _Load:
    """The writes of `SQLiteStore.load_empty`, inside its transaction."""

    def __init__(self, store: SQLiteStore, tables: list[str]) -> None:
        self.store = store
        self.unfinished = list(tables)
        self.failed = False

    def put_all(self, table: str, docs: Sequence[Mapping[str, Any]]) -> None:
        if table not in self.unfinished:
            raise KeyError(f"table {table} is not part of this load, or finished")
        layout = self.store._layouts[table]
        db = self.store._db
        written = db.total_changes
        try:
            rows = [layout.row(doc, _record_id(table, doc), 1) for doc in docs]
            db.executemany(layout.insert_sql, rows)
        except BaseException as exc:
            # A failing statement keeps the rows before it: the whole load is abandoned.
            self.failed = True
            if isinstance(exc, sqlite3.IntegrityError):
                raise AlreadyExists(table, docs[db.total_changes - written]["id"]) from None
            raise

    def finish(self, table: str) -> None:
        if table in self.unfinished:
            self.unfinished.remove(table)
            self.store._build_indexes(self.store.tables[table])

    def finish_all(self) -> None:
        for table in list(self.unfinished):
            self.finish(table)
