"""Records as DynamoDB items and back, without a server: flat attributes, derived and sparse
index keys, values an index cannot hold, TTL, nested key order, and items written by the
reference service."""

from __future__ import annotations

from typing import Any

import pytest

from dataops.model import jsonvalue, messages
from dataops.model.errors import Invalid
from dataops.store.dynamodb_items import FIELDS, ORDER, VERSION, ItemCodec, from_attribute
from dataops.store.dynamodb_layout import TTL_ATTRIBUTE, build_layouts
from dataops.store.schema import TABLES

LAYOUTS, _ = build_layouts(TABLES, {})


def codec(table: str) -> ItemCodec:
    return ItemCodec(LAYOUTS[table])


def reordered(attribute: Any) -> Any:
    """The item as DynamoDB may hand it back: the keys of every map in another order."""
    if isinstance(attribute, dict) and set(attribute) == {"M"}:
        inner = attribute["M"]
        return {"M": {key: reordered(inner[key]) for key in reversed(list(inner))}}
    if isinstance(attribute, dict) and set(attribute) == {"L"}:
        return {"L": [reordered(value) for value in attribute["L"]]}
    return attribute


def test_a_task_is_stored_flat_next_to_its_keys() -> None:
    task = {
        "id": "t1",
        "description": "Record the episode",
        "date": "2026-11-28",
        "status": "todo",
        "bundleId": "b1",
        "requiresFile": True,
        "tags": ["audio"],
    }

    item = codec("tasks").encode(task, 3)

    assert item == {
        "PK": {"S": "TASK#t1"},
        "SK": {"S": "TASK#t1"},
        VERSION: {"N": "3"},
        "id": {"S": "t1"},
        "description": {"S": "Record the episode"},
        "date": {"S": "2026-11-28"},
        "status": {"S": "todo"},
        "bundleId": {"S": "b1"},
        "requiresFile": {"BOOL": True},
        "tags": {"L": [{"S": "audio"}]},
    }
    decoded = codec("tasks").decode(item)
    assert (decoded.doc, decoded.version, decoded.marker) == (task, 3, None)


def test_numbers_come_back_as_the_json_numbers_they_were() -> None:
    doc = {"id": "a1", "sizeBytes": 2**53, "metadata": {"ratio": 0.1, "big": 10**37, "neg": -7}}
    item = codec("artifacts").encode(doc, 1)
    assert item["sizeBytes"] == {"N": "9007199254740992"}
    back = codec("artifacts").decode(item).doc
    assert back == doc
    assert isinstance(back["metadata"]["ratio"], float)
    assert isinstance(back["metadata"]["neg"], int)


@pytest.mark.parametrize("value", [10**38 + 1, 1e200, 5e-324, -(10**130)])
def test_a_number_dynamodb_cannot_hold_is_refused_with_a_clear_message(value: Any) -> None:
    with pytest.raises(Invalid) as refused:
        codec("artifacts").encode({"id": "a1", "metadata": {"n": value}}, 1)
    assert refused.value.message == messages.NUMBER_OUT_OF_RANGE.format(value=value)
    assert refused.value.message.startswith(
        f"Number {value} cannot be stored: numbers have at most"
    )


def test_a_null_field_is_a_removed_attribute_but_nested_nulls_are_kept() -> None:
    item = codec("tasks").encode({"id": "t1", "comment": None, "validation": {"a": None}}, 1)
    assert "comment" not in item
    assert item["validation"] == {"M": {"a": {"NULL": True}}}
    assert codec("tasks").decode(item).doc == {"id": "t1", "validation": {"a": None}}


@pytest.mark.parametrize("value", ["", 7, None, ["b1"], {"id": "b1"}])
def test_an_index_key_field_that_cannot_key_an_index_is_kept_aside(value: Any) -> None:
    task = {"id": "t1", "date": "2026-11-28", "status": "todo", "bundleId": value}

    item = codec("tasks").encode(task, 1)

    assert "bundleId" not in item  # DynamoDB refuses empty and non-string index keys
    if value is not None:
        assert item[FIELDS] == {
            "M": {"bundleId": codec("tasks").encode({"id": "x", "v": value}, 1)["v"]}
        }
        assert codec("tasks").decode(item).doc == task
    else:
        assert FIELDS not in item


def test_fields_named_like_the_stores_own_attributes_round_trip() -> None:
    doc = {"id": "n1", "PK": "mine", "_version": 9, "openKey": "x", "GSI-Created-PK": 1}
    item = codec("notifications").encode(doc, 2)
    assert item["PK"] == {"S": "NOTIFICATION#n1"}
    assert item[VERSION] == {"N": "2"}
    decoded = codec("notifications").decode(item)
    assert (decoded.doc, decoded.version) == (doc, 2)


def test_derived_keys_are_written_under_their_declared_names_only_when_in_the_index() -> None:
    notifications = codec("notifications")
    base = {"id": "n1", "message": "m", "createdAt": "2026-11-28T09:00:00.000Z"}

    opened = notifications.encode(base, 1)
    dismissed = notifications.encode({**base, "dismissed": True}, 1)

    assert opened["openKey"] == {"S": "open"} and "dismissedKey" not in opened
    assert dismissed["dismissedKey"] == {"S": "dismissed"} and "openKey" not in dismissed
    assert opened["GSI-Created-PK"] == {"S": "NOTIFICATION"}
    waiting = codec("tasks").encode(
        {"id": "t1", "status": "waiting", "followUpAt": "2026-11-28T10:30:00+02:00"}, 1
    )
    assert waiting["followUpKey"] == {"S": "waiting"}
    assert waiting["followUpDue"] == {"S": "2026-11-28T08:30:00.000Z"}
    for item in (opened, dismissed, waiting):
        assert "openKey" not in codec("notifications").decode(item).doc
        assert "followUpDue" not in codec("tasks").decode(item).doc


def test_a_whole_table_index_has_one_partition_per_logical_table() -> None:
    config = codec("recurring_configs").encode({"id": "r1", "createdAt": "2026-01-01"}, 1)
    task = codec("tasks").encode({"id": "t1", "createdAt": "2026-01-01"}, 1)
    assert config["GSI-Created-PK"] == {"S": "RECURRING"}
    assert "GSI-Created-PK" not in task  # tasks share the table, not the index


def test_the_expiry_field_gives_a_ttl_in_epoch_seconds() -> None:
    sessions = codec("sessions")
    item = sessions.encode({"id": "s1", "expiresAt": "2026-11-28T09:00:00.500Z"}, 1)
    assert item[TTL_ATTRIBUTE] == {"N": "1795856400"}
    assert TTL_ATTRIBUTE not in sessions.encode({"id": "s2", "expiresAt": "soon"}, 1)
    assert sessions.decode(item).doc == {"id": "s1", "expiresAt": "2026-11-28T09:00:00.500Z"}
    assert TTL_ATTRIBUTE not in codec("tasks").encode({"id": "t1", "expiresAt": "2026-11-28"}, 1)


def test_nested_objects_keep_their_key_order_whatever_order_dynamodb_returns() -> None:
    task = {
        "id": "t1",
        "proofRequirement": {"type": "artifact", "label": "Show notes", "required": True},
        "artifactRefs": [
            {"artifactId": "a1", "type": "report", "title": "Notes", "status": "approved"},
            {"title": "Other", "artifactId": "a2"},
        ],
        "validation": {"z": {"b": 1, "a": [{"y": 1, "x": 2}]}, "a": 1},
    }

    item = codec("tasks").encode(task, 1)
    shuffled = {name: reordered(value) for name, value in item.items()}

    assert ORDER in item
    back = codec("tasks").decode(shuffled).doc
    assert jsonvalue.dumps(back) == jsonvalue.dumps(task)


def test_keys_added_by_another_writer_follow_the_known_ones() -> None:
    item = codec("tasks").encode({"id": "t1", "validation": {"b": 1, "a": 2}}, 1)
    item["validation"]["M"]["c"] = {"N": "3"}
    assert list(codec("tasks").decode(item).doc["validation"]) == ["b", "a", "c"]


def test_an_item_written_by_the_reference_service_reads_as_a_record() -> None:
    legacy = {
        "PK": {"S": "FILE#f1"},
        "SK": {"S": "FILE#f1"},
        "id": {"S": "f1"},
        "taskId": {"S": "t1"},
        "filename": {"S": "invoice.pdf"},
        "storagePath": {"S": "t1\\invoice.pdf"},
        "sizeBytes": {"N": "1024"},
        "ratio": {"N": "0.50"},
        "labels": {"SS": ["b", "a"]},
        "entityType": {"S": "file"},
    }

    decoded = codec("files").decode(legacy)

    assert decoded.version == 1  # never versioned
    assert decoded.doc == {
        "id": "f1",
        "taskId": "t1",
        "filename": "invoice.pdf",
        "storagePath": "t1\\invoice.pdf",
        "sizeBytes": 1024,
        "ratio": 0.5,
        "labels": ["a", "b"],
        "entityType": "file",
    }


def test_decimal_numbers_of_any_spelling_become_int_or_float() -> None:
    assert from_attribute({"N": "14"}) == 14
    assert from_attribute({"N": "-7"}) == -7
    assert from_attribute({"N": "1E+2"}) == 100 and isinstance(from_attribute({"N": "1E+2"}), int)
    assert from_attribute({"N": "2.5"}) == 2.5
    assert from_attribute({"NS": ["3", "1.5"]}) == [1.5, 3]
    assert from_attribute({"B": b"\x00\x01"}) == "AAE="
