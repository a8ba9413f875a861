"""The DynamoDB tables behind store/schema.py: which physical table holds each logical table, the
attributes that key each global secondary index, and the check (or creation) of both at start-up.

Everything here is derived from the declarations, so a table or index added to schema.py needs
no code in this backend. Layout rules (api-contract.md section 8):

* every table is keyed by `PK` (HASH) and `SK` (RANGE), both `<PREFIX><id>` for a record;
  logical tables that share a DynamoDB table (tasks and recurring configs in `Tasks`) are told
  apart by the prefix;
* an index on record attributes (`GSI-Date`: `date`, `status`) keys on those attributes;
* an index on derived values (`hash_fn`, `range_fn`) keys on attributes the store writes under
  the declared names (`openKey`, `followUpDue`);
* an index over a whole table (`hash_key=None`) keys on `<index name>-PK`, which holds one
  constant per logical table (`ARTIFACT`): every record is in that one partition;
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dataops.store.schema import TRANSACTIONS, Index, Table

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

log = logging.getLogger("dataops.store.dynamodb")

PK, SK = "PK", "SK"
TTL_ATTRIBUTE = "ttl"
_KEY_ATTRIBUTES = frozenset({PK, SK})


class TablesNotReady(Exception):
    """A table or index the schema declares is missing, different or not active (start-up)."""


@dataclass(frozen=True, order=True)
class Gsi:
    """A global secondary index as DynamoDB knows it (all attributes strings, projection ALL)."""

    name: str
    hash_attr: str
    range_attr: str | None

    def key_schema(self) -> list[dict[str, str]]:
        schema = [{"AttributeName": self.hash_attr, "KeyType": "HASH"}]
        if self.range_attr is not None:
            schema.append({"AttributeName": self.range_attr, "KeyType": "RANGE"})
        return schema


@dataclass(frozen=True)
class IndexLayout:
    """One declared index of a logical table, as stored."""

    index: Index
    gsi: Gsi
    # The partition value of an index over the whole table; None for a keyed index.
    constant: str | None

    @property
    def writes_hash(self) -> bool:
        """The store writes the hash attribute (a derived or constant partition)."""
        return self.constant is not None or self.index.hash_fn is not None

    @property
    def writes_range(self) -> bool:
        """The store writes the range attribute (derived, and not the table's own sort key)."""
        return self.index.range_fn is not None and self.gsi.range_attr not in _KEY_ATTRIBUTES

    def partition(self, hash_value: str | None) -> str | None:
        """The value to query: the constant of a whole-table index, else the caller's."""
        return self.constant if self.constant is not None else hash_value

    def derived(self, doc: Mapping[str, Any]) -> dict[str, str]:
        """The attributes the store writes for `doc` in this index (none when it is not in it)."""
        if not (self.writes_hash or self.writes_range):
            return {}
        key = self.index.key_of(doc)
        if key is None:
            return {}
        written: dict[str, str] = {}
        if self.writes_hash:
            written[self.gsi.hash_attr] = self.constant or key[0]
        if self.writes_range and self.gsi.range_attr is not None:
            written[self.gsi.range_attr] = key[1]
        return written


@dataclass
class PhysicalTable:
    """One DynamoDB table and every index the logical tables it holds declare."""

    name: str
    gsis: dict[str, Gsi] = field(default_factory=dict)
    ttl: bool = False
    # Attributes that key an index and come straight from records (`date`, `taskId`).
    record_keys: set[str] = field(default_factory=set)
    # Attributes the store writes itself (derived keys, constant partitions).
    derived: set[str] = field(default_factory=set)

    def attribute_names(self) -> list[str]:
        names = {PK, SK}
        for gsi in self.gsis.values():
            names.add(gsi.hash_attr)
            if gsi.range_attr is not None:
                names.add(gsi.range_attr)
        return sorted(names)


@dataclass
class TableLayout:
    """One logical table: its schema, where it lives and how its indexes are keyed."""

    table: Table
    physical: PhysicalTable
    indexes: dict[str, IndexLayout]

    @property
    def prefix(self) -> str:
        return self.table.key_prefix

    def key(self, item_id: str) -> str:
        return self.table.key_prefix + item_id


def constant_partition(table: Table) -> str:
    """The partition value of a whole-table index of `table`: its key prefix without `#`."""
    return table.key_prefix.rstrip("#")


def constant_attribute(index: Index) -> str:
    return f"{index.name}-PK"


def build_layouts(
    tables: Mapping[str, Table], table_names: Mapping[str, str]
) -> tuple[dict[str, TableLayout], PhysicalTable]:
    """The layout of every logical table, and the table of multi-chunk commit records.

    Raises TablesNotReady when two declarations disagree about one DynamoDB table (an index
    name keyed differently, an attribute both a record key and a derived key)."""
    physical: dict[str, PhysicalTable] = {}
    layouts: dict[str, TableLayout] = {}
    for table in tables.values():
        name = table_names.get(table.name) or table.default_table_name
        target = physical.setdefault(name, PhysicalTable(name))
        target.ttl = target.ttl or table.expiry_field is not None
        indexes: dict[str, IndexLayout] = {}
        for index in table.indexes:
            layout = _index_layout(table, index)
            known = target.gsis.setdefault(index.name, layout.gsi)
            if known != layout.gsi:
                raise TablesNotReady(
                    f"schema declares index {index.name} of DynamoDB table {name} twice with "
                    f"different keys ({_keys(known)} and {_keys(layout.gsi)})"
                )
            indexes[index.name] = layout
            hashes = target.derived if layout.writes_hash else target.record_keys
            hashes.add(layout.gsi.hash_attr)
            if layout.gsi.range_attr is not None and layout.gsi.range_attr not in _KEY_ATTRIBUTES:
                ranges = target.derived if layout.writes_range else target.record_keys
                ranges.add(layout.gsi.range_attr)
        layouts[table.name] = TableLayout(table, target, indexes)
    for target in physical.values():
        both = target.record_keys & target.derived
        if both:
            raise TablesNotReady(
                f"DynamoDB table {target.name}: {', '.join(sorted(both))} would be both a record "
                "attribute and a key the store derives"
            )
    commits_name = table_names.get(TRANSACTIONS.name) or TRANSACTIONS.default_table_name
    if commits_name in physical:
        raise TablesNotReady(f"DynamoDB table {commits_name} cannot hold records and commits")
    return layouts, PhysicalTable(commits_name)


def _index_layout(table: Table, index: Index) -> IndexLayout:
    if index.hash_key is None:
        return IndexLayout(
            index,
            Gsi(index.name, constant_attribute(index), index.range_key),
            constant_partition(table),
        )
    return IndexLayout(index, Gsi(index.name, index.hash_key, index.range_key), None)


def _keys(gsi: Gsi) -> str:
    return gsi.hash_attr if gsi.range_attr is None else f"{gsi.hash_attr}, {gsi.range_attr}"


# --- start-up: check or create ------------------------------------------------------------------


def ensure_tables(
    client: DynamoDBClient, tables: list[PhysicalTable], *, create: bool, wait_seconds: float = 300
) -> list[str]:
    """Check that every table and index exists as declared and is active; with `create`, create
    what is missing (tables with all their indexes, or one index at a time on an existing table)
    and turn on TTL. Returns what was created; raises TablesNotReady naming what is wrong."""
    created: list[str] = []
    for table in tables:
        description = _describe(client, table.name)
        if description is None:
            if not create:
                raise TablesNotReady(
                    f"DynamoDB table {table.name} does not exist (create it with the deployment "
                    "template, or set DATAOPS_AUTO_CREATE_TABLES=true)"
                )
            _create_table(client, table)
            created.append(f"table {table.name}")
            description = _wait_active(client, table.name, None, wait_seconds)
        _check_key_schema(table, description)
        existing = {
            gsi["IndexName"]: gsi for gsi in description.get("GlobalSecondaryIndexes", []) or []
        }
        for gsi in table.gsis.values():
            found = existing.get(gsi.name)
            if found is None:
                if not create:
                    raise TablesNotReady(
                        f"DynamoDB index {gsi.name} ({_keys(gsi)}) of table {table.name} does not "
                        "exist (add it with the deployment template, then run dataops migrate)"
                    )
                _create_index(client, table, gsi)
                created.append(f"index {gsi.name} of {table.name}")
                found = _wait_active(client, table.name, gsi.name, wait_seconds)
            _check_index(table, gsi, found)
        if table.ttl:
            _check_ttl(client, table.name, create)
    return created


def _describe(client: DynamoDBClient, name: str) -> dict[str, Any] | None:
    try:
        return dict(client.describe_table(TableName=name)["Table"])
    except client.exceptions.ResourceNotFoundException:
        return None


def _check_key_schema(table: PhysicalTable, description: Mapping[str, Any]) -> None:
    schema = {key["KeyType"]: key["AttributeName"] for key in description.get("KeySchema", [])}
    if schema != {"HASH": PK, "RANGE": SK}:
        raise TablesNotReady(
            f"DynamoDB table {table.name} must be keyed by PK (HASH) and SK (RANGE), not {schema}"
        )


def _check_index(table: PhysicalTable, gsi: Gsi, found: Mapping[str, Any]) -> None:
    keys = {key["KeyType"]: key["AttributeName"] for key in found.get("KeySchema", [])}
    expected = {"HASH": gsi.hash_attr}
    if gsi.range_attr is not None:
        expected["RANGE"] = gsi.range_attr
    if keys != expected:
        raise TablesNotReady(
            f"DynamoDB index {gsi.name} of table {table.name} is keyed by {keys}, "
            f"the schema declares {expected}"
        )
    if found.get("Projection", {}).get("ProjectionType") != "ALL":
        raise TablesNotReady(
            f"DynamoDB index {gsi.name} of table {table.name} must project ALL attributes"
        )
    status = found.get("IndexStatus", "ACTIVE")
    if status != "ACTIVE":
        raise TablesNotReady(
            f"DynamoDB index {gsi.name} of table {table.name} is {status}; "
            "wait until it is ACTIVE, then run dataops migrate"
        )


def _definitions(names: list[str]) -> list[dict[str, str]]:
    return [{"AttributeName": name, "AttributeType": "S"} for name in names]


def _projected(gsi: Gsi) -> dict[str, Any]:
    return {
        "IndexName": gsi.name,
        "KeySchema": gsi.key_schema(),
        "Projection": {"ProjectionType": "ALL"},
    }


def _create_table(client: DynamoDBClient, table: PhysicalTable) -> None:
    log.warning("creating DynamoDB table %s", table.name)
    params: dict[str, Any] = {
        "TableName": table.name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": _definitions(table.attribute_names()),
        "KeySchema": [
            {"AttributeName": PK, "KeyType": "HASH"},
            {"AttributeName": SK, "KeyType": "RANGE"},
        ],
    }
    if table.gsis:
        params["GlobalSecondaryIndexes"] = [_projected(gsi) for gsi in table.gsis.values()]
    with suppress(client.exceptions.ResourceInUseException):  # created by another process now
        client.create_table(**params)


def _create_index(client: DynamoDBClient, table: PhysicalTable, gsi: Gsi) -> None:
    log.warning("creating DynamoDB index %s of table %s", gsi.name, table.name)
    names = [gsi.hash_attr] + ([gsi.range_attr] if gsi.range_attr else [])
    params: dict[str, Any] = {
        "TableName": table.name,
        "AttributeDefinitions": _definitions(names),
        "GlobalSecondaryIndexUpdates": [{"Create": _projected(gsi)}],
    }
    client.update_table(**params)


def _wait_active(
    client: DynamoDBClient, name: str, index: str | None, wait_seconds: float
) -> dict[str, Any]:
    """The table's description once it (or its index) is ACTIVE."""
    deadline = time.monotonic() + wait_seconds
    while True:
        description = _describe(client, name) or {}
        if index is None:
            if description.get("TableStatus") == "ACTIVE":
                return description
        else:
            for gsi in description.get("GlobalSecondaryIndexes", []) or []:
                if gsi["IndexName"] == index and gsi.get("IndexStatus", "ACTIVE") == "ACTIVE":
                    return dict(gsi)
        if time.monotonic() > deadline:
            what = f"index {index} of table {name}" if index else f"table {name}"
            raise TablesNotReady(f"DynamoDB {what} did not become ACTIVE in {wait_seconds:.0f} s")
        time.sleep(1)


def _check_ttl(client: DynamoDBClient, name: str, create: bool) -> None:
    """TTL on `ttl`: turned on where the store may create tables; in production only a warning
    (the engine treats expired records as gone anyway; only their deletion waits)."""
    answer = client.describe_time_to_live(TableName=name)
    status = answer.get("TimeToLiveDescription", {}).get("TimeToLiveStatus")
    if status in ("ENABLED", "ENABLING"):
        return
    if not create:
        log.warning("DynamoDB table %s has no TTL on %s: expired items stay", name, TTL_ATTRIBUTE)
        return
    client.update_time_to_live(
        TableName=name,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE},
    )
