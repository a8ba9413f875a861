"""Export records (snake_case) become runtime records (camelCase) again for an import: the
inverse of the export mapping, next to it in mapping.py. Restoring and exporting again gives
the same record; values the export format does not carry are left out and named."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dataops.portable.mapping import (
    _CONVERT,
    AUDIT_EVENTS,
    ENTITIES,
    ENTITY_BY_NAME,
    FILES,
    NOTIFICATIONS,
    RECURRING_CONFIGS,
    TASKS,
    USERS,
    Kind,
    Mapper,
    Restorer,
    _restore_check,
    _restores,
    export_record,
    restore_record,
)
from tests.portable.builder import T0, valid_records


@pytest.mark.parametrize("entity", [entity.name for entity in ENTITIES])
def test_restoring_then_exporting_gives_the_same_record(entity: str) -> None:
    spec = ENTITY_BY_NAME[entity]
    for record in valid_records()[entity]:
        restored, left_out = Restorer(spec)(record)

        assert left_out == []
        assert restored["id"] == record[spec.id_field]
        assert Mapper(spec)(restored) == record


def test_field_names_are_the_runtime_names() -> None:
    notification = valid_records()["notifications"][0]

    assert restore_record(NOTIFICATIONS, notification) == {
        "createdAt": "2026-11-28T10:00:00.000Z",
        "dismissed": False,
        "dueAt": "2026-11-28T10:00:00.000Z",
        "message": "Follow up: Book the guest",
        "id": "notification-1",
        "type": "follow-up-due",
        "taskId": "task-1",
    }


def test_nested_values_are_kept_as_they_are() -> None:
    task = {
        "task_id": "task-1",
        "description": "Prep",
        "date": "2026-12-01",
        "artifact_refs": [{"artifactId": "a-1", "title": "Prep", "status": "approved"}],
        "validation": {"z": 1, "a": {"y": 2, "b": 3}},
    }

    restored = restore_record(TASKS, task)

    assert list(restored["artifactRefs"][0]) == ["artifactId", "title", "status"]
    assert list(restored["validation"]) == ["z", "a"]
    assert list(restored["validation"]["a"]) == ["y", "b"]


def test_values_the_format_does_not_carry_are_left_out_and_named() -> None:
    task: dict[str, Any] = {
        "task_id": "task-1",
        "description": "Typed badly",
        "date": "2026-12-01",
        "phase": 7,
        "systems": ["Luma", 3],
        "requires_file": "yes",
        "validation": ["not", "an", "object"],
        "priority": "high",
        # Absent in the export format's sense: left out silently.
        "comment": "",
        "waiting_for": None,
        "tags": [],
        "unknown_but_empty": None,
    }

    restored, left_out = Restorer(TASKS)(task)

    assert restored == {"id": "task-1", "description": "Typed badly", "date": "2026-12-01"}
    assert left_out == ["phase", "systems", "requires_file", "validation", "priority"]
    assert export_record(TASKS, restored) == {
        "date": "2026-12-01",
        "description": "Typed badly",
        "task_id": "task-1",
    }


def test_numbers_and_booleans_keep_their_kind() -> None:
    assert Restorer(FILES)({"file_id": "f", "size_bytes": True}) == ({"id": "f"}, ["size_bytes"])
    assert Restorer(FILES)({"file_id": "f", "size_bytes": 0}) == (
        {"id": "f", "sizeBytes": 0},
        [],
    )
    assert Restorer(RECURRING_CONFIGS)({"recurring_config_id": "r", "enabled": False}) == (
        {"id": "r", "enabled": False},
        [],
    )


def test_audit_history_with_a_secret_is_left_out_rather_than_changed() -> None:
    event = {
        "audit_event_id": "event-1",
        "entity_type": "artifact",
        "entity_id": "artifact-1",
        "action": "artifact.updated",
        "before": {"metadata": {"apiKey": "sk-live-1"}},
        "after": {"title": "New"},
        "created_at": T0,
    }

    restored, left_out = Restorer(AUDIT_EVENTS)(event)

    assert left_out == ["before"]
    assert restored["after"] == {"title": "New"}
    assert "before" not in restored


def test_a_merge_keeps_what_no_export_carries_and_replaces_the_rest() -> None:
    stored = {
        "id": "user-ada",
        "name": "Ada",
        "email": "ada@old.example.com",
        "createdAt": T0,
        "passwordHash": "scrypt$16384$8$1$c2FsdA==$ZGlnZXN0",
    }
    imported = restore_record(
        USERS, {"user_id": "user-ada", "name": "Ada Lovelace", "created_at": T0}
    )

    assert Restorer(USERS).merged(stored, imported) == {
        "id": "user-ada",
        "name": "Ada Lovelace",
        "createdAt": T0,
        "passwordHash": "scrypt$16384$8$1$c2FsdA==$ZGlnZXN0",
    }


def test_legacy_file_records_restore_with_their_local_dev_uri() -> None:
    legacy = {
        "id": "legacy-1",
        "taskId": "task-1",
        "filename": "receipt.png",
        "storagePath": "task-1\\scans\\receipt.png",
        "createdAt": T0,
    }
    exported = export_record(FILES, legacy)

    restored = restore_record(FILES, exported)

    assert restored["storageUri"] == "local-dev://task-1/scans/receipt.png"
    assert restored["storageProvider"] == "local-dev"
    assert "storagePath" not in restored
    assert export_record(FILES, restored) == exported


# --- the quick checks agree with the converters ------------------------------------------------

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(
        ["", "text", "https://bucket.s3.amazonaws.com/a?X-Amz-Signature=abc", "token=abc"]
    ),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(["a", "status", "apiKey", "accessToken"]), children, max_size=3
        )
    ),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(kind=st.sampled_from([kind for kind in Kind if kind is not Kind.STRING]), value=JSON_VALUES)
def test_every_kind_keeps_exactly_the_values_its_converter_keeps(kind: Kind, value: Any) -> None:
    assert _restore_check(kind)(value) == _restores(kind, _CONVERT[kind], value)


@settings(max_examples=100, deadline=None)
@given(
    record=st.dictionaries(
        st.sampled_from(["audit_event_id", "before", "after", "summary", "priority"]),
        JSON_VALUES,
        max_size=5,
    )
)
def test_audit_history_restores_as_the_converters_decide(record: dict[str, Any]) -> None:
    restored, left_out = Restorer(AUDIT_EVENTS)(record)

    for key, value in record.items():
        name = {"audit_event_id": "id"}.get(key, key)
        kind = {"before": Kind.REDACTED_OBJECT, "after": Kind.REDACTED_OBJECT}.get(key, Kind.STRING)
        kept = (
            isinstance(value, str) and value != ""
            if kind is Kind.STRING
            else _restores(kind, _CONVERT[kind], value)
        )
        assert (name in restored) == (kept and key != "priority")
        assert (key in left_out) == (
            not (kept and key != "priority") and value not in (None, "", [])
        )
