"""Records as DynamoDB items and back: flat attributes next to `PK`/`SK` (api-contract.md
section 8), plus the few attributes the store keeps for itself.

Writing a record:
* every field becomes an attribute of its own (`Decimal`-free: numbers are sent as their
  shortest decimal text); a top-level `null` is a removed field (section 8: null = REMOVE);
* index keys derived from the record (`openKey`, `followUpDue`, `GSI-Created-PK`) are written
  under their declared names, and only when the record is in that index (sparse indexes);
* a field whose name keys an index but whose value cannot (an empty string, a number, null)
  is kept aside in `_fields`, so DynamoDB accepts the item and the record is not in that index;
  so is a field that has the name of an attribute the store keeps for itself;
* `_version` is the optimistic-locking counter, `ttl` the epoch seconds of the table's
  `expiry_field` (DynamoDB's native expiry), `_txn` marks an item written by a transaction
  larger than one DynamoDB transaction (store/dynamodb_commit.py);
* DynamoDB keeps no order of the keys of a map, and exports keep the stored order of nested
  objects: `_order` holds the key order of every nested object with more than one key.

Reading an item undoes all of that, so items written by the reference service read as well:
numbers come back as int (integral) or float, string sets as sorted lists, a missing `_version`
is version 1, unknown attributes are fields like any other.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from dataops.model import jsonvalue, messages
from dataops.model.errors import Invalid
from dataops.model.values import parse_timestamp
from dataops.store.dynamodb_layout import PK, SK, TTL_ATTRIBUTE, TableLayout

VERSION = "_version"
TXN = "_txn"
ORDER = "_order"
FIELDS = "_fields"
SHADOW_PREFIX = "TXN#"

AttributeValue = dict[str, Any]
RawItem = dict[str, AttributeValue]

# DynamoDB numbers: up to 38 significant digits, magnitude from 1E-130 to below 1E+126.
_MAX_DIGITS = 38
_MAX_EXPONENT = 125
_MIN_EXPONENT = -130


class NumberOutOfRange(Invalid):
    """A number DynamoDB cannot store (400: the record is refused, nothing is written)."""

    def __init__(self, value: int | float) -> None:
        super().__init__(messages.NUMBER_OUT_OF_RANGE.format(value=value))


@dataclass(frozen=True)
class Marker:
    """`_txn` of an item written by a multi-chunk transaction: its id and what it does."""

    txn: str
    op: str  # one of the *_OP constants of store/dynamodb_commit.py

    @classmethod
    def parse(cls, text: str) -> Marker:
        txn, _, op = text.partition(":")
        return cls(txn, op)

    def text(self) -> str:
        return f"{self.txn}:{self.op}"


@dataclass
class Decoded:
    """An item read back: the record, its version, and its transaction marker if any."""

    item_id: str
    version: int
    doc: dict[str, Any]
    marker: Marker | None = None
    shadow: bool = False


# --- values -------------------------------------------------------------------------------------


def to_attribute(value: Any) -> AttributeValue:
    kind = value.__class__
    if kind is str:
        return {"S": value}
    if kind is bool:
        return {"BOOL": value}
    if kind is int:
        return {"N": _int_text(value)}
    if kind is float:
        return {"N": _float_text(value)}
    if value is None:
        return {"NULL": True}
    if isinstance(value, Mapping):
        return {"M": {str(key): to_attribute(inner) for key, inner in value.items()}}
    if isinstance(value, list | tuple):
        return {"L": [to_attribute(inner) for inner in value]}
    if isinstance(value, bool):
        return {"BOOL": bool(value)}
    if isinstance(value, int):
        return {"N": _int_text(int(value))}
    if isinstance(value, float):
        return {"N": _float_text(float(value))}
    if isinstance(value, str):
        return {"S": str(value)}
    raise TypeError(f"not a JSON value: {type(value).__name__}")


def _int_text(value: int) -> str:
    text = str(value)
    digits = text.lstrip("-").rstrip("0") or "0"
    if len(digits) > _MAX_DIGITS or len(text.lstrip("-")) > _MAX_EXPONENT + 1:
        raise NumberOutOfRange(value)
    return text


def _float_text(value: float) -> str:
    text = repr(value)
    if value != 0:
        exponent = Decimal(text).adjusted()
        if not _MIN_EXPONENT <= exponent <= _MAX_EXPONENT:
            raise NumberOutOfRange(value)
    return text


def from_attribute(attribute: AttributeValue) -> Any:
    for kind, value in attribute.items():
        if kind == "S":
            return value
        if kind == "N":
            return number(value)
        if kind == "M":
            return {key: from_attribute(inner) for key, inner in value.items()}
        if kind == "L":
            return [from_attribute(inner) for inner in value]
        if kind == "BOOL":
            return bool(value)
        if kind == "NULL":
            return None
        if kind == "SS":
            return sorted(value)
        if kind == "NS":
            return sorted(number(text) for text in value)
        if kind == "B":
            return _base64(value)
        if kind == "BS":
            return sorted(_base64(inner) for inner in value)
    raise ValueError(f"unknown DynamoDB attribute value {attribute!r}")


def number(text: str) -> int | float:
    """A DynamoDB number as JSON has it: int when integral, else float."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"not a DynamoDB number: {text!r}") from None
    if value == value.to_integral_value() and "." not in text:
        return int(value)
    return float(value)


def _base64(value: Any) -> str:
    raw = bytes(value) if not isinstance(value, bytes) else value
    return base64.b64encode(raw).decode("ascii")


# --- nested key order ---------------------------------------------------------------------------


def key_order(doc: Mapping[str, Any]) -> str | None:
    """The key order of every nested object with more than one key, as JSON: the distinct key
    lists and, per object, its path and the number of its list."""
    lists: dict[tuple[str, ...], int] = {}
    places: list[list[Any]] = []

    def walk(value: Any, path: list[Any]) -> None:
        if isinstance(value, Mapping):
            if len(value) > 1:
                keys = tuple(value)
                number = lists.setdefault(keys, len(lists))
                places.append([list(path), number])
            for key, inner in value.items():
                if isinstance(inner, Mapping | list):
                    walk(inner, [*path, key])
        elif isinstance(value, list):
            for position, inner in enumerate(value):
                if isinstance(inner, Mapping | list):
                    walk(inner, [*path, position])

    for name, value in doc.items():
        if isinstance(value, Mapping | list):
            walk(value, [name])
    if not places:
        return None
    return jsonvalue.dumps({"keys": [list(keys) for keys in lists], "at": places}).decode()


def restore_order(doc: dict[str, Any], order: str) -> None:
    """Put the keys of nested objects back in their written order (keys added since, by another
    writer, follow in DynamoDB's order)."""
    try:
        hints = jsonvalue.loads(order)
        key_lists, places = hints["keys"], hints["at"]
    except (ValueError, TypeError, KeyError):
        return
    for place in places:
        try:
            path, number = place
            keys = key_lists[number]
        except (ValueError, TypeError, IndexError):
            continue
        parent: Any = doc
        for step in path[:-1]:
            parent = _child(parent, step)
            if parent is None:
                break
        if parent is None or not path:
            continue
        last = path[-1]
        target = _child(parent, last)
        if not isinstance(target, dict):
            continue
        ordered = {key: target[key] for key in keys if key in target}
        ordered.update((key, value) for key, value in target.items() if key not in ordered)
        parent[last] = ordered


def _child(value: Any, step: Any) -> Any:
    if isinstance(value, dict) and isinstance(step, str):
        return value.get(step)
    if isinstance(value, list) and isinstance(step, int) and 0 <= step < len(value):
        return value[step]
    return None


# --- records ------------------------------------------------------------------------------------


class ItemCodec:
    """Records of one logical table as items of its DynamoDB table."""

    def __init__(self, layout: TableLayout) -> None:
        self.layout = layout
        self.prefix = layout.prefix
        physical = layout.physical
        self.expiry_field = layout.table.expiry_field
        bookkeeping = {PK, SK, VERSION, TXN, ORDER, FIELDS}
        if physical.ttl:
            bookkeeping.add(TTL_ATTRIBUTE)
        # Attributes never read back as fields: the store's own and the keys it derives.
        self.internal = frozenset(bookkeeping | physical.derived)
        # Fields that can only be written when they are non-empty strings (they key an index).
        self.index_keys = frozenset(physical.record_keys)
        self.derived = [
            index for index in layout.indexes.values() if index.writes_hash or index.writes_range
        ]

    def key(self, item_id: str) -> RawItem:
        key = {"S": self.prefix + item_id}
        return {PK: key, SK: key}

    def shadow_key(self, item_id: str, txn: str) -> RawItem:
        return {PK: {"S": self.prefix + item_id}, SK: {"S": SHADOW_PREFIX + txn}}

    def encode(self, doc: Mapping[str, Any], version: int, marker: Marker | None = None) -> RawItem:
        item_id = doc["id"]
        key = self.prefix + item_id
        item: RawItem = {PK: {"S": key}, SK: {"S": key}, VERSION: {"N": str(version)}}
        aside: dict[str, AttributeValue] = {}
        internal, index_keys = self.internal, self.index_keys
        for name, value in doc.items():
            if value is None:
                continue
            if name in internal or (
                name in index_keys and (value.__class__ is not str or not value)
            ):
                aside[name] = to_attribute(value)
            else:
                item[name] = to_attribute(value)
        if aside:
            item[FIELDS] = {"M": aside}
        for index in self.derived:
            for name, value in index.derived(doc).items():
                item[name] = {"S": value}
        if self.expiry_field is not None:
            moment = parse_timestamp(doc.get(self.expiry_field))
            if moment is not None:
                item[TTL_ATTRIBUTE] = {"N": str(int(moment.timestamp()))}
        order = key_order(doc)
        if order is not None:
            item[ORDER] = {"S": order}
        if marker is not None:
            item[TXN] = {"S": marker.text()}
        return item

    def encode_shadow(self, doc: Mapping[str, Any], version: int, marker: Marker) -> RawItem:
        """The new image of a record replaced by a multi-chunk transaction, under a key of its
        own in the record's partition (`SK = TXN#<transaction>`), indexed like the record."""
        item = self.encode(doc, version, marker)
        item[SK] = {"S": SHADOW_PREFIX + marker.txn}
        return item

    def decode(self, item: RawItem) -> Decoded:
        internal = self.internal
        doc = {name: from_attribute(value) for name, value in item.items() if name not in internal}
        aside = item.get(FIELDS)
        if aside is not None:
            for name, value in aside.get("M", {}).items():
                doc[name] = from_attribute(value)
        order = item.get(ORDER)
        if order is not None:
            restore_order(doc, order.get("S", ""))
        key: str = item[PK]["S"]
        item_id = key[len(self.prefix) :]
        doc.setdefault("id", item_id)
        version = item.get(VERSION)
        marker = item.get(TXN)
        return Decoded(
            item_id,
            int(version["N"]) if version is not None else 1,
            doc,
            Marker.parse(marker["S"]) if marker is not None else None,
            item[SK]["S"] != key,
        )
