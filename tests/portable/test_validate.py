"""The export validator (docs/export-format.md): each way an export can be broken gives its exact
error, every error is listed (never only the first), and no input makes it crash."""

from __future__ import annotations

import base64
import hashlib
import io
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dataops.portable import validate as validate_module
from dataops.portable.validate import (
    LINE_TOO_LONG,
    MAX_LINE_BYTES,
    ValidationReport,
    read_lines,
    validate_export,
)
from dataops.portable.validation import lines as lines_module
from tests.portable.builder import (
    T0,
    T1,
    checksum,
    jsonl,
    read_manifest,
    valid_records,
    write_export_dir,
    write_manifest,
)


def validate(directory: Path) -> ValidationReport:
    """The report, checked to be the same whether files are read in one process or several."""
    report = validate_export(directory)
    assert validate_export(directory, jobs=2).as_json() == report.as_json()
    return report


def test_a_valid_export_has_no_errors_or_warnings(tmp_path: Path) -> None:
    report = validate(write_export_dir(tmp_path))

    assert report.as_json() == {
        "valid": True,
        "errors": [],
        "warnings": [],
        "entityCounts": {
            "users": 1,
            "tasks": 3,
            "bundles": 1,
            "templates": 1,
            "recurring_configs": 1,
            "files": 1,
            "artifacts": 1,
            "notifications": 1,
            "audit_events": 1,
        },
    }


# --- rule 1: the manifest -----------------------------------------------------------------------


def test_missing_manifest_is_reported_alone(tmp_path: Path) -> None:
    report = validate(tmp_path)

    assert report.as_json() == {
        "valid": False,
        "errors": ["manifest.json is missing or invalid: No such file or directory"],
        "warnings": [],
        "entityCounts": {},
    }


def test_a_directory_that_does_not_exist_is_an_invalid_export(tmp_path: Path) -> None:
    report = validate(tmp_path / "nowhere")

    assert report.errors == ["manifest.json is missing or invalid: No such file or directory"]


def test_manifest_that_is_not_json(tmp_path: Path) -> None:
    write_export_dir(tmp_path)
    (tmp_path / "manifest.json").write_text('{"schema_version": "dataops.execution.v1",')

    report = validate(tmp_path)

    assert report.errors == [
        "manifest.json is missing or invalid: unexpected end of data: line 1 column 43 (char 42)"
    ]
    assert report.entity_counts == {}


@pytest.mark.parametrize("content", ["[]", "null", '"manifest"', "42"])
def test_manifest_that_is_not_an_object(tmp_path: Path, content: str) -> None:
    write_export_dir(tmp_path)
    (tmp_path / "manifest.json").write_text(content)

    assert validate(tmp_path).errors == ["manifest.json is missing or invalid: not a JSON object"]


def test_manifest_with_bad_bytes(tmp_path: Path) -> None:
    write_export_dir(tmp_path)
    (tmp_path / "manifest.json").write_bytes(b'{"schema_version": "\xff\xfe"}')

    assert validate(tmp_path).errors == [
        "manifest.json is missing or invalid: "
        "str is not valid UTF-8: surrogates not allowed: line 1 column 1 (char 0)"
    ]


def test_manifest_that_is_a_directory(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").mkdir()

    assert validate(tmp_path).errors == ["manifest.json is missing or invalid: Is a directory"]


# --- rule 2: manifest fields --------------------------------------------------------------------


def test_manifest_versions_and_generated_at(tmp_path: Path) -> None:
    write_export_dir(
        tmp_path,
        manifest={
            "schema_version": "dataops.execution.v2",
            "export_format_version": True,
            "generated_at": "2026-02-30T00:00:00Z",
        },
    )

    assert validate(tmp_path).errors == [
        "manifest schema_version must be dataops.execution.v1",
        "manifest export_format_version must be 1",
        "manifest generated_at must be a parseable date or timestamp",
    ]


@pytest.mark.parametrize("generated_at", [None, 1764320400000, "not-a-date", "2026-99-99"])
def test_generated_at_must_be_a_parseable_string(tmp_path: Path, generated_at: Any) -> None:
    write_export_dir(tmp_path, manifest={"generated_at": generated_at})

    assert validate(tmp_path).errors == [
        "manifest generated_at must be a parseable date or timestamp"
    ]


# --- rule 3: entity files, checksums, lines, counts ---------------------------------------------


def test_manifest_without_an_entity_file(tmp_path: Path) -> None:
    write_export_dir(tmp_path)
    manifest = read_manifest(tmp_path)
    del manifest["entity_files"]["artifacts"]
    write_manifest(tmp_path, manifest)

    report = validate(tmp_path)

    assert report.errors == ["manifest missing entity file for artifacts"]
    assert "artifacts" not in report.entity_counts


def test_an_export_without_audit_history_is_valid_with_a_warning(tmp_path: Path) -> None:
    """Exports of the reference service have no audit_events file at all."""
    write_export_dir(tmp_path)
    manifest = read_manifest(tmp_path)
    del manifest["entity_files"]["audit_events"]
    del manifest["entity_counts"]["audit_events"]
    del manifest["checksums"]["audit_events.jsonl"]
    write_manifest(tmp_path, manifest)
    (tmp_path / "audit_events.jsonl").unlink()

    report = validate(tmp_path)

    assert report.valid, report.errors
    assert validate_module.validate_export(tmp_path, jobs=2) == report
    expected = "manifest lists no audit_events: an export without audit history (such as one from the reference service); done tasks are checked without their completion events"
    assert report.warnings == [expected]


def test_an_audit_events_count_without_its_file_is_an_error(tmp_path: Path) -> None:
    write_export_dir(tmp_path)
    manifest = read_manifest(tmp_path)
    del manifest["entity_files"]["audit_events"]
    write_manifest(tmp_path, manifest)

    assert validate(tmp_path).errors == ["manifest missing entity file for audit_events"]


def test_manifest_without_entity_files_at_all(tmp_path: Path) -> None:
    write_export_dir(tmp_path, manifest={"entity_files": "everything.jsonl"})

    assert validate(tmp_path).errors == [
        "manifest missing entity file for users",
        "manifest missing entity file for tasks",
        "manifest missing entity file for bundles",
        "manifest missing entity file for templates",
        "manifest missing entity file for recurring_configs",
        "manifest missing entity file for files",
        "manifest missing entity file for artifacts",
        "manifest missing entity file for notifications",
        "manifest missing entity file for audit_events",
    ]


def test_entity_file_names_cannot_leave_the_export_directory(tmp_path: Path) -> None:
    export = write_export_dir(tmp_path / "export")
    manifest = read_manifest(export)
    manifest["entity_files"]["users"] = "../users.jsonl"
    write_manifest(export, manifest)

    assert validate(export).errors == [
        "manifest entity file for users must be a file name inside the export directory: "
        "../users.jsonl"
    ]


def test_missing_entity_file(tmp_path: Path) -> None:
    write_export_dir(tmp_path)
    (tmp_path / "files.jsonl").unlink()

    report = validate(tmp_path)

    # Tasks that needed the file for their proof are not judged: the file's error says why.
    assert report.errors == ["files.jsonl is missing: No such file or directory"]
    assert "files" not in report.entity_counts


def test_checksum_mismatch(tmp_path: Path) -> None:
    write_export_dir(tmp_path)
    tasks = tmp_path / "tasks.jsonl"
    tasks.write_bytes(tasks.read_bytes().replace(b"Book the guest", b"Book the hosts"))

    report = validate(tmp_path)

    assert report.errors == ["tasks.jsonl checksum mismatch"]
    assert report.entity_counts["tasks"] == 3


def test_absent_checksum_is_a_mismatch(tmp_path: Path) -> None:
    write_export_dir(tmp_path, manifest={"checksums": {}})

    errors = validate(tmp_path).errors

    assert errors[0] == "users.jsonl checksum mismatch"
    assert errors[-1] == "audit_events.jsonl checksum mismatch"
    assert len(errors) == 9


def test_count_mismatch(tmp_path: Path) -> None:
    write_export_dir(tmp_path)
    manifest = read_manifest(tmp_path)
    manifest["entity_counts"]["tasks"] = 4
    manifest["entity_counts"]["users"] = True  # a boolean is not the number 1
    write_manifest(tmp_path, manifest)

    assert validate(tmp_path).errors == ["users count mismatch", "tasks count mismatch"]


def test_truncated_last_line(tmp_path: Path) -> None:
    content = jsonl(valid_records()["artifacts"])
    truncated = content[: len(content) // 2]
    write_export_dir(tmp_path, raw={"artifacts": truncated})

    report = validate(tmp_path)

    assert report.errors == [
        "artifacts.jsonl line 1 is invalid JSON: "
        f"unexpected end of data: line 1 column {len(truncated) + 1} (char {len(truncated)})"
    ]
    assert "artifacts" not in report.entity_counts


def test_invalid_json_in_the_middle_skips_the_entity(tmp_path: Path) -> None:
    lines = jsonl(valid_records()["tasks"]).splitlines()
    broken = b"\n".join([lines[0], b'{"task_id": "task-x", oops}', lines[2]]) + b"\n"
    write_export_dir(tmp_path, raw={"tasks": broken})

    report = validate(tmp_path)

    # The line is named; the count is not compared; references into tasks are not judged.
    assert report.errors == [
        "tasks.jsonl line 2 is invalid JSON: "
        "unexpected character, expected a string key: line 1 column 23 (char 22)"
    ]
    assert "tasks" not in report.entity_counts


def test_checksum_and_invalid_json_are_both_reported(tmp_path: Path) -> None:
    write_export_dir(tmp_path, raw={"users": b"{}\nnot json\n"}, manifest={"checksums": {}})

    errors = validate(tmp_path).errors

    assert errors[:2] == [
        "users.jsonl checksum mismatch",
        "users.jsonl line 2 is invalid JSON: "
        "invalid literal, expected 'null': line 1 column 1 (char 0)",
    ]


def test_blank_line_inside_a_file_is_invalid_json(tmp_path: Path) -> None:
    lines = jsonl(valid_records()["tasks"]).splitlines()
    content = lines[0] + b"\n\n" + lines[1] + b"\n" + lines[2] + b"\n"
    write_export_dir(tmp_path, raw={"tasks": content})

    assert validate(tmp_path).errors == [
        "tasks.jsonl line 2 is invalid JSON: "
        "Input is a zero-length, empty document: line 1 column 1 (char 0)"
    ]


def test_trailing_blank_lines_and_crlf_are_accepted(tmp_path: Path) -> None:
    records = valid_records()
    content = jsonl(records["tasks"]).replace(b"\n", b"\r\n") + b"\n  \n"
    write_export_dir(tmp_path, records, raw={"tasks": content})

    report = validate(tmp_path)

    assert report.valid, report.errors
    assert report.entity_counts["tasks"] == 3


def test_whitespace_only_file_has_no_records(tmp_path: Path) -> None:
    records = valid_records()
    records["notifications"] = []
    write_export_dir(tmp_path, records, raw={"notifications": b" \n\n\t\n"})

    report = validate(tmp_path)

    assert report.valid, report.errors
    assert report.entity_counts["notifications"] == 0


def test_bad_bytes_in_a_line(tmp_path: Path) -> None:
    content = b'{"user_id": "user-ada", "name": "Ad\xff"}\n'
    records = valid_records()
    write_export_dir(tmp_path, records, raw={"users": content})

    assert validate(tmp_path).errors == [
        "users.jsonl line 1 is invalid JSON: "
        "str is not valid UTF-8: surrogates not allowed: line 1 column 1 (char 0)"
    ]


def test_a_line_longer_than_the_limit_is_reported_not_loaded(tmp_path: Path) -> None:
    huge = b'{"user_id": "user-ada", "name": "' + b"a" * (MAX_LINE_BYTES + 10) + b'"}\n'
    write_export_dir(tmp_path, raw={"users": huge})

    assert validate(tmp_path).errors == [
        f"users.jsonl line 1 is invalid JSON: longer than {MAX_LINE_BYTES} bytes"
    ]


def test_an_entity_file_that_is_a_directory(tmp_path: Path) -> None:
    write_export_dir(tmp_path)
    (tmp_path / "templates.jsonl").unlink()
    (tmp_path / "templates.jsonl").mkdir()

    assert validate(tmp_path).errors == ["templates.jsonl is missing: Is a directory"]


def test_deeply_nested_record_is_invalid_json(tmp_path: Path) -> None:
    deep = b'{"user_id": "u", "x": ' + b"[" * 40 + b"]" * 40 + b"}\n"
    write_export_dir(tmp_path, raw={"users": deep})

    assert validate(tmp_path).errors == [
        "users.jsonl line 1 is invalid JSON: nested deeper than 32 levels"
    ]


# --- rule 4: ids --------------------------------------------------------------------------------


def test_missing_and_duplicate_ids(tmp_path: Path) -> None:
    records = valid_records()
    records["users"].append({"name": "No id"})
    records["users"].append({"user_id": "", "name": "Empty id"})
    records["users"].append({"user_id": "user-ada", "name": "Ada again"})
    records["notifications"].append(dict(records["notifications"][0]))
    write_export_dir(tmp_path, records)

    assert validate(tmp_path).errors == [
        "users[1] missing required string field user_id",
        "users[2] missing required string field user_id",
        "users has duplicate user_id: user-ada",
        "notifications has duplicate notification_id: notification-1",
    ]


def test_records_that_are_not_objects(tmp_path: Path) -> None:
    records = valid_records()
    records["bundles"] += [["bundle-2"], "bundle-3", None, 7]
    write_export_dir(tmp_path, records)

    assert validate(tmp_path).errors == [
        "bundles[1] must be an object",
        "bundles[2] must be an object",
        "bundles[3] must be an object",
        "bundles[4] must be an object",
    ]


# --- rule 5: tasks ------------------------------------------------------------------------------


def _with_task(tmp_path: Path, **fields: Any) -> list[str]:
    records = valid_records()
    task = {"task_id": "task-x", "description": "Extra", "date": "2026-12-05", **fields}
    records["tasks"].append({key: value for key, value in task.items() if value is not None})
    write_export_dir(tmp_path, records)
    return validate(tmp_path).errors


def test_task_required_fields(tmp_path: Path) -> None:
    assert _with_task(tmp_path, description=None, date=None) == [
        "tasks[3] missing required string field description",
        "tasks[3] missing required string field date",
    ]


@pytest.mark.parametrize("date", ["2026-02-30", "2026-13-01", "12/05/2026", "2026-12-05T00:00:00Z"])
def test_task_date_must_be_a_calendar_date(tmp_path: Path, date: str) -> None:
    assert _with_task(tmp_path, date=date) == ["tasks[3] field date must be a YYYY-MM-DD date"]


def test_unknown_enum_values(tmp_path: Path) -> None:
    records = valid_records()
    records["tasks"][0]["status"] = "finished"
    records["artifacts"][0].update(
        type="video", storage_provider="ftp", visibility="secret", source_type=["import"]
    )
    records["notifications"][0]["notification_type"] = "reminder"
    records["audit_events"][0]["entity_type"] = "session"
    write_export_dir(tmp_path, records)

    assert validate(tmp_path).errors == [
        "tasks[0] field status has unknown value: finished",
        "artifacts[0] field type has unknown value: video",
        "artifacts[0] field storage_provider has unknown value: ftp",
        "artifacts[0] field visibility has unknown value: secret",
        'artifacts[0] field source_type has unknown value: ["import"]',
        "notifications[0] field notification_type has unknown value: reminder",
        "audit_events[0] field entity_type has unknown value: session",
    ]


def test_unparseable_and_impossible_dates(tmp_path: Path) -> None:
    records = valid_records()
    records["tasks"][0].update(created_at="not-a-date", updated_at="2026-02-30T00:00:00Z")
    records["bundles"][0].update(anchor_date="2026-99-99", created_at="yesterday")
    records["templates"][0]["updated_at"] = "2026-11-28T25:00:00Z"
    records["recurring_configs"][0]["created_at"] = 1764320400
    records["files"][0]["created_at"] = "2026-04-31"
    records["artifacts"][0]["reviewed_at"] = "2026-11-28T09:00:00+25:00"
    records["notifications"][0]["due_at"] = "soon"
    records["audit_events"][0]["created_at"] = "2026-11-31T10:00:00.000Z"
    write_export_dir(tmp_path, records)

    assert validate(tmp_path).errors == [
        "tasks[0] field created_at must be a parseable date or timestamp",
        "tasks[0] field updated_at must be a parseable date or timestamp",
        "bundles[0] field anchor_date must be a YYYY-MM-DD date",
        "bundles[0] field created_at must be a parseable date or timestamp",
        "templates[0] field updated_at must be a parseable date or timestamp",
        "recurring_configs[0] field created_at must be a parseable date or timestamp",
        "files[0] field created_at must be a parseable date or timestamp",
        "artifacts[0] field reviewed_at must be a parseable date or timestamp",
        "notifications[0] field due_at must be a parseable date or timestamp",
        "audit_events[0] field created_at must be a parseable date or timestamp",
    ]


def test_waiting_task_needs_waiting_for_and_follow_up_at(tmp_path: Path) -> None:
    assert _with_task(tmp_path, status="waiting") == [
        "tasks[3] missing required string field waiting_for",
        "tasks[3] missing required string field follow_up_at",
    ]


def test_task_field_types(tmp_path: Path) -> None:
    errors = _with_task(
        tmp_path,
        follow_up_at="next week",
        instructions_url=42,
        instruction_doc_id=["doc"],
        instruction_step_id={"step": 1},
        phase=False,
        systems=["Luma", 3],
        validation=["check"],
        proof_requirement={"type": "photo", "label": 5, "required": "yes"},
        external_status=7,
        artifact_refs=[{"artifactId": "artifact-1"}, "artifact-2", {"title": "no id"}],
        assistant_job_refs={"assistantJobId": "job"},
        audit_event_refs=[{"auditEventId": ""}],
    )

    assert errors == [
        "tasks[3] field follow_up_at must be a parseable date or timestamp",
        "tasks[3] field instructions_url must be a string when present",
        "tasks[3] field instruction_doc_id must be a string when present",
        "tasks[3] field instruction_step_id must be a string when present",
        "tasks[3] field phase must be a string when present",
        "tasks[3] field systems must be an array of strings when present",
        "tasks[3] field validation must be a string or object when present",
        "tasks[3] field proof_requirement.type must be one of: url, file, artifact, comment, external-status",
        "tasks[3] field proof_requirement.label must be a string when present",
        "tasks[3] field proof_requirement.required must be a boolean when present",
        "tasks[3] field external_status must be a string when present",
        "tasks[3].artifact_refs[1] must be an object",
        "tasks[3].artifact_refs[2] missing required string field artifactId",
        "tasks[3] field assistant_job_refs must be an array when present",
        "tasks[3].audit_event_refs[0] missing required string field auditEventId",
    ]


def test_proof_requirement_must_be_an_object(tmp_path: Path) -> None:
    assert _with_task(tmp_path, proof_requirement="url") == [
        "tasks[3] field proof_requirement must be an object when present"
    ]


def test_references_to_missing_entities(tmp_path: Path) -> None:
    records = valid_records()
    records["tasks"][0]["bundle_id"] = "bundle-gone"
    records["files"][0].update(task_id="task-gone", bundle_id="bundle-gone")
    records["artifacts"][0].update(task_id="task-gone", bundle_id=17, file_id="file-gone")
    records["notifications"][0].update(
        task_id="task-gone", bundle_id="bundle-gone", user_id="user-gone", template_id="gone"
    )
    write_export_dir(tmp_path, records)

    report = validate(tmp_path)

    assert report.errors == [
        "tasks[0] references missing bundle_id: bundle-gone",
        # task-3's file now names a missing task, and task-3 has no completion event:
        "tasks[2] cannot be done without an exported file proof",
        "files[0] references missing task_id: task-gone",
        "files[0] references missing bundle_id: bundle-gone",
        "artifacts[0] references missing task_id: task-gone",
        "artifacts[0] references missing bundle_id: 17",
        "artifacts[0] references missing file_id: file-gone",
        "notifications[0] references missing user_id: user-gone",
        "notifications[0] references missing task_id: task-gone",
        "notifications[0] references missing bundle_id: bundle-gone",
        "notifications[0] references missing template_id: gone",
    ]
    # task-2's approved artifact now names a missing task; its completion event makes the
    # lost proof a warning, not an error.
    assert report.warnings == ["tasks[1] was completed with proof that no longer holds"]


def test_done_task_without_its_proof_and_without_a_completion_event(tmp_path: Path) -> None:
    records = valid_records()
    records["audit_events"] = []
    records["artifacts"][0]["status"] = "rejected"  # task-2's only proof
    records["files"] = []  # task-3's only proof
    records["tasks"] += [
        {
            "task_id": "task-link",
            "description": "Publish the episode page",
            "date": "2026-12-04",
            "status": "done",
            "required_link_name": "Luma page",
        },
        {
            "task_id": "task-kinds",
            "description": "Everything missing",
            "date": "2026-12-04",
            "status": "done",
            "proof_requirement": {"type": "comment", "label": "Summary"},
            "comment": "   ",
        },
        {
            "task_id": "task-url",
            "description": "Url proof",
            "date": "2026-12-04",
            "status": "done",
            "proof_requirement": {"type": "url"},
        },
        {
            "task_id": "task-external",
            "description": "External status proof",
            "date": "2026-12-04",
            "status": "done",
            "proof_requirement": {"type": "external-status"},
        },
        {
            "task_id": "task-file",
            "description": "File proof",
            "date": "2026-12-04",
            "status": "done",
            "proof_requirement": {"type": "file"},
        },
        {
            "task_id": "task-optional",
            "description": "Optional proof",
            "date": "2026-12-04",
            "status": "done",
            "proof_requirement": {"type": "file", "required": False},
        },
    ]
    write_export_dir(tmp_path, records)

    report = validate(tmp_path)

    assert report.errors == [
        "tasks[1] cannot be done without required approved artifact proof",
        "tasks[2] cannot be done without an exported file proof",
        "tasks[3] cannot be done without required link Luma page",
        "tasks[4] cannot be done without required comment proof",
        "tasks[5] cannot be done without required url proof",
        "tasks[6] cannot be done without required external-status proof",
        "tasks[7] cannot be done without required file proof",
    ]
    assert report.warnings == []


def test_done_task_whose_proof_no_longer_holds_after_its_completion_event(tmp_path: Path) -> None:
    records = valid_records()
    records["artifacts"][0]["status"] = "superseded"  # after task-2 was completed with it
    write_export_dir(tmp_path, records)

    report = validate(tmp_path)

    assert report.valid
    assert report.warnings == ["tasks[1] was completed with proof that no longer holds"]


def test_artifact_proof_through_the_bundle(tmp_path: Path) -> None:
    records = valid_records()
    artifact = records["artifacts"][0]
    del artifact["task_id"]
    artifact["bundle_id"] = "bundle-1"  # attached to task-2's bundle
    records["audit_events"] = []
    write_export_dir(tmp_path / "attached", records)
    del artifact["bundle_id"]
    records["bundles"][0]["artifact_refs"] = [{"artifactId": "artifact-1", "title": "Prep"}]
    write_export_dir(tmp_path / "bundle-ref", records)
    del records["bundles"][0]["artifact_refs"]
    records["tasks"][1]["artifact_refs"] = [{"artifactId": "artifact-1"}]
    write_export_dir(tmp_path / "task-ref", records)
    records["tasks"][1]["artifact_refs"] = [{"artifactId": "artifact-gone"}]
    write_export_dir(tmp_path / "dangling-ref", records)

    assert validate(tmp_path / "attached").valid
    assert validate(tmp_path / "bundle-ref").valid
    assert validate(tmp_path / "task-ref").valid
    assert validate(tmp_path / "dangling-ref").errors == [
        "tasks[1] cannot be done without required approved artifact proof"
    ]


# --- rules 6-9 ----------------------------------------------------------------------------------


def test_bundle_and_template_shapes(tmp_path: Path) -> None:
    records = valid_records()
    records["bundles"][0]["artifact_refs"] = [{"artifactId": 5}]
    records["templates"][0].update(
        source_doc_ids=["sop-1", 2],
        phases=[{"id": "prep"}, "announce", {"id": "", "name": "After", "stage": 3}],
        task_definitions=[
            {
                "refId": "a",
                "description": "Book the guest",
                "offsetDays": -14,
                "instructionDocId": 1,
                "systems": "Luma",
                "validation": 5,
                "proofRequirement": {"type": "photo"},
                "artifactRefs": [{}],
            },
            "not a definition",
        ],
    )
    write_export_dir(tmp_path / "one", records)
    records["templates"][0].update(phases={"id": "prep"}, task_definitions={"refId": "a"})
    write_export_dir(tmp_path / "two", records)

    assert validate(tmp_path / "one").errors == [
        "bundles[0].artifact_refs[0] missing required string field artifactId",
        "templates[0] field source_doc_ids must be an array of strings when present",
        "templates[0].phases[0] missing required string field name",
        "templates[0].phases[1] must be an object",
        "templates[0].phases[2] missing required string field id",
        "templates[0].phases[2] field stage must be a string when present",
        "templates[0].task_definitions[0] field instructionDocId must be a string when present",
        "templates[0].task_definitions[0] field systems must be an array of strings when present",
        "templates[0].task_definitions[0] field validation must be a string or object when present",
        "templates[0].task_definitions[0] field proofRequirement.type must be one of: "
        "url, file, artifact, comment, external-status",
        "templates[0].task_definitions[0].artifactRefs[0] missing required string field artifactId",
        "templates[0].task_definitions[1] must be an object",
    ]
    assert validate(tmp_path / "two").errors[-2:] == [
        "templates[0] field phases must be an array when present",
        "templates[0] field task_definitions must be an array when present",
    ]


def test_task_definitions_need_what_instantiation_copies(tmp_path: Path) -> None:
    """A definition without a description or day offset would instantiate tasks the API
    refuses: the validator requires what the API requires."""
    records = valid_records()
    records["templates"][0]["task_definitions"] = [{"refId": "a", "offsetDays": "soon"}, {}]
    write_export_dir(tmp_path, records)

    assert validate(tmp_path).errors == [
        "templates[0].task_definitions[0] missing required string field description",
        "templates[0].task_definitions[0] field offsetDays must be a finite number when present",
        "templates[0].task_definitions[1] missing required string field refId",
        "templates[0].task_definitions[1] missing required string field description",
        "templates[0].task_definitions[1] missing required field offsetDays",
    ]


# --- rule 10: artifacts -------------------------------------------------------------------------


def _with_artifact(tmp_path: Path, **fields: Any) -> ValidationReport:
    records = valid_records()
    artifact = {
        "artifact_id": "artifact-x",
        "type": "event-page",
        "title": "Luma page",
        "status": "draft",
        "storage_provider": "external-url",
        "storage_uri": "https://lu.ma/episode-12",
        "created_at": T0,
        "updated_at": T0,
        **fields,
    }
    kept = {key: value for key, value in artifact.items() if value is not None}
    records["artifacts"].append(kept)
    write_export_dir(tmp_path, records)
    return validate(tmp_path)


def test_artifact_required_fields_and_types(tmp_path: Path) -> None:
    report = _with_artifact(
        tmp_path,
        type=None,
        title="",
        storage_uri=None,
        created_at=None,
        updated_at="later",
        description=3,
        filename=["a.pdf"],
        content_type=False,
        checksum={"sha256": "x"},
        size_bytes="1024",
        tags="podcast",
    )

    assert report.errors == [
        "artifacts[1] missing required string field type",
        "artifacts[1] missing required string field title",
        "artifacts[1] missing required string field storage_uri",
        "artifacts[1] field description must be a string when present",
        "artifacts[1] field filename must be a string when present",
        "artifacts[1] field content_type must be a string when present",
        "artifacts[1] field checksum must be a string when present",
        "artifacts[1] field size_bytes must be a finite number when present",
        "artifacts[1] field tags must be an array of strings when present",
        "artifacts[1] missing required string field created_at",
        "artifacts[1] field updated_at must be a parseable date or timestamp",
    ]


def test_signed_url_in_storage_uri(tmp_path: Path) -> None:
    signed = (
        "https://bucket.s3.amazonaws.com/prep.pdf?X-Amz-Algorithm=AWS4-HMAC-SHA256"
        "&X-Amz-Credential=AKIA%2F20261128&X-Amz-Signature=abc123"
    )
    report = _with_artifact(tmp_path, storage_uri=signed)

    assert report.errors == ["artifacts[1].storage_uri must not contain signed URLs or tokens"]


def test_access_token_inside_metadata_arrays(tmp_path: Path) -> None:
    report = _with_artifact(
        tmp_path,
        metadata={
            "sources": [
                {"name": "drive", "accessToken": "ya29.a0AfH6"},
                [{"api_key": "sk-123"}],
                "https://example.com/file?token=abc",
            ],
            "promptTokens": 1200,
            "keyFindings": ["guest confirmed"],
            "note": "upload with X-Amz-Signature=abc123 expired",
            "client": {"client-secret": "s3cr3t"},
        },
    )

    assert report.errors == [
        "artifacts[1].metadata.sources[0].accessToken must not contain secrets or signed URLs",
        "artifacts[1].metadata.sources[1][0].api_key must not contain secrets or signed URLs",
        "artifacts[1].metadata.sources[2] must not contain signed URLs or tokens",
        "artifacts[1].metadata.note must not contain signed URLs or tokens",
        "artifacts[1].metadata.client.client-secret must not contain secrets or signed URLs",
    ]


def test_secret_key_at_the_top_of_an_artifact(tmp_path: Path) -> None:
    report = _with_artifact(tmp_path, sessionCookie="abc")

    assert report.errors == ["artifacts[1].sessionCookie must not contain secrets or signed URLs"]


def test_s3_and_local_dev_artifacts_need_a_checksum(tmp_path: Path) -> None:
    report = _with_artifact(
        tmp_path, storage_provider="s3", storage_uri="s3://dataops-binaries/recording.wav"
    )
    local = _with_artifact(
        tmp_path / "local",
        storage_provider="local-dev",
        storage_uri="local-dev://recordings/1",
        checksum="",
    )

    assert report.errors == ["artifacts[1] checksum is required for DataOps-owned s3 artifacts"]
    assert local.errors == [
        "artifacts[1] checksum is required for DataOps-owned local-dev artifacts"
    ]


def test_reviewed_artifact_needs_reviewed_at(tmp_path: Path) -> None:
    approved = _with_artifact(tmp_path / "approved", status="approved")
    rejected = _with_artifact(tmp_path / "rejected", status="rejected", reviewed_at="")

    assert approved.errors == ["artifacts[1] reviewed_at is required for reviewed artifacts"]
    assert rejected.errors == ["artifacts[1] reviewed_at is required for reviewed artifacts"]


def test_assistant_job_id_is_opaque(tmp_path: Path) -> None:
    assert _with_artifact(tmp_path / "opaque", assistant_job_id="heru-run-2026-11-28").valid
    assert _with_artifact(tmp_path / "typed", assistant_job_id=7).errors == [
        "artifacts[1] field assistant_job_id must be a string when present"
    ]


# --- rule 11: notifications ---------------------------------------------------------------------


def test_follow_up_notification_needs_task_and_due_at(tmp_path: Path) -> None:
    records = valid_records()
    records["notifications"][0] = {
        "notification_id": "notification-1",
        "notification_type": "follow-up-due",
        "message": "Follow up",
        "created_at": T1,
    }
    write_export_dir(tmp_path, records)

    assert validate(tmp_path).errors == [
        "notifications[0] missing required string field task_id",
        "notifications[0] missing required string field due_at",
    ]


# --- rule 12: manifest markers ------------------------------------------------------------------


def test_missing_redaction_and_omitted_entity_markers(tmp_path: Path) -> None:
    write_export_dir(
        tmp_path, manifest={"redactions": ["sessions"], "omitted_entities": "assistant_jobs"}
    )

    assert validate(tmp_path).errors == [
        "manifest missing redaction marker users.password_hash",
        "manifest missing omitted entity marker sessions",
        "manifest missing omitted entity marker assistant_jobs",
    ]


# --- users: password hashes are redacted ----------------------------------------------------------


def test_password_hash_in_users(tmp_path: Path) -> None:
    records = valid_records()
    records["users"][0]["password_hash"] = "scrypt$16384$8$1$c2FsdA==$ZGlnZXN0"
    records["users"].append(
        {
            "user_id": "user-legacy",
            "name": "Legacy",
            "passwordHash": "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8",
        }
    )
    records["users"].append({"user_id": "user-x", "name": "X", "hash": "$2b$12$abcdefghijkl"})
    write_export_dir(tmp_path, records)

    assert validate(tmp_path).errors == [
        "users[0] field password_hash holds a password hash; password hashes are never exported",
        "users[1] field passwordHash holds a password hash; password hashes are never exported",
        "users[2] field hash holds a password hash; password hashes are never exported",
    ]


# --- rule 13: audit events ----------------------------------------------------------------------


def test_audit_event_fields_and_redaction(tmp_path: Path) -> None:
    records = valid_records()
    records["audit_events"].append(
        {
            "audit_event_id": "event-2",
            "before": "todo",
            "after": {"metadata": {"refreshToken": "1//0g"}, "storageUri": "s3://b/k?sig=x"},
        }
    )
    write_export_dir(tmp_path, records)

    assert validate(tmp_path).errors == [
        "audit_events[1] missing required string field entity_type",
        "audit_events[1] missing required string field entity_id",
        "audit_events[1] missing required string field action",
        "audit_events[1] missing required string field created_at",
        "audit_events[1] field before must be an object when present",
        "audit_events[1].after.metadata.refreshToken must not contain secrets or signed URLs",
        "audit_events[1].after.storageUri must not contain signed URLs or tokens",
    ]


def test_audit_events_may_name_deleted_entities(tmp_path: Path) -> None:
    records = valid_records()
    records["audit_events"].append(
        {
            "audit_event_id": "event-2",
            "entity_type": "artifact",
            "entity_id": "artifact-deleted-long-ago",
            "action": "artifact.detached",
            "created_at": T1,
        }
    )
    write_export_dir(tmp_path, records)

    assert validate(tmp_path).valid


# --- rule 14: the binary guard ------------------------------------------------------------------


def test_a_megabyte_of_base64_in_a_field(tmp_path: Path) -> None:
    blob = base64.b64encode(bytes(range(256)) * 3072).decode()  # 1,048,576 characters
    records = valid_records()
    records["tasks"][0]["comment"] = blob
    records["artifacts"][0]["metadata"] = {"thumbnail": {"data": blob}}
    write_export_dir(tmp_path, records)

    report = validate(tmp_path)

    assert len(blob) == 1_048_576
    assert report.errors == [
        "tasks[0] field comment looks like binary or bulk content (1048576 characters)",
        "artifacts[0] field metadata.thumbnail.data looks like binary or bulk content "
        "(1048576 characters)",
    ]


def test_strings_up_to_the_limit_are_fine(tmp_path: Path) -> None:
    records = valid_records()
    records["tasks"][0]["comment"] = "x" * 65_536
    records["tasks"][1]["comment"] = "😀" * 32_769  # 65,538 UTF-16 code units
    write_export_dir(tmp_path, records)

    assert validate(tmp_path).errors == [
        "tasks[1] field comment looks like binary or bulk content (65538 characters)"
    ]


# --- rule 15: warnings --------------------------------------------------------------------------


def test_actors_assignees_and_templates_outside_the_export_are_warnings(tmp_path: Path) -> None:
    records = valid_records()
    records["templates"] = []
    records["tasks"][0]["assignee_id"] = "user-grace"
    records["tasks"][1]["completed_by"] = "portal-admin"
    records["recurring_configs"][0]["assignee_id"] = "user-grace"
    records["artifacts"][0].update(created_by="service:podcast-assistant", reviewed_by="user-ada")
    records["audit_events"][0]["actor_id"] = "service:podcast-assistant"
    write_export_dir(tmp_path, records)

    report = validate(tmp_path)

    assert report.valid
    # portal-admin and service identities are known actors, not users: no warning for them.
    assert report.warnings == [
        "tasks[0] references deleted or external assignee_id: user-grace",
        "tasks[0] references deleted or external template_id: template-1",
        "bundles[0] references deleted or external template_id: template-1",
        "recurring_configs[0] references deleted or external assignee_id: user-grace",
    ]


@pytest.mark.parametrize(
    ("actor", "warned"),
    [
        ("portal-admin", False),
        ("system", False),
        ("service:podcast-assistant", False),
        ("service:", True),
        ("user-gone", True),
        ("demo/podcast-assistant", True),
    ],
)
def test_which_actors_outside_the_users_are_warned_about(
    tmp_path: Path, actor: str, warned: bool
) -> None:
    records = valid_records()
    records["audit_events"][0]["actor_id"] = actor
    write_export_dir(tmp_path, records)

    report = validate(tmp_path)

    assert report.valid
    expected = [f"audit_events[0] actor {actor} is not an exported user"] if warned else []
    assert report.warnings == expected


# --- everything at once: all errors, in rule order -----------------------------------------------


def test_every_error_is_listed_in_rule_order(tmp_path: Path) -> None:
    records = valid_records()
    records["tasks"][0]["status"] = "finished"
    records["users"].append({"name": "no id"})
    records["artifacts"][0]["metadata"] = {"accessToken": "x"}
    records["audit_events"][0]["entity_type"] = "session"
    records["bundles"][0]["description"] = "b" * 70_000
    write_export_dir(
        tmp_path,
        records,
        manifest={"schema_version": "v0", "omitted_entities": ["sessions"]},
    )
    manifest = read_manifest(tmp_path)
    manifest["checksums"]["files.jsonl"] = checksum(b"something else")
    write_manifest(tmp_path, manifest)

    assert validate(tmp_path).errors == [
        "manifest schema_version must be dataops.execution.v1",  # rule 2
        "files.jsonl checksum mismatch",  # rule 3
        "users[1] missing required string field user_id",  # rule 4
        "tasks[0] field status has unknown value: finished",  # rule 5
        "artifacts[0].metadata.accessToken must not contain secrets or signed URLs",  # rule 10
        "manifest missing omitted entity marker assistant_jobs",  # rule 12
        "audit_events[0] field entity_type has unknown value: session",  # rule 13
        "bundles[0] field description looks like binary or bulk content (70000 characters)",
    ]


# --- never crashes ------------------------------------------------------------------------------

HOSTILE_VALUES: list[Any] = [
    None,
    True,
    0,
    -1.5e300,
    "",
    " ",
    "x",
    [],
    [None],
    [[]],
    {},
    {"": None},
    {"type": []},
    ["a", {"artifactId": []}],
]


@pytest.mark.parametrize("value", HOSTILE_VALUES, ids=repr)
def test_wrong_types_in_every_field_never_crash(tmp_path: Path, value: Any) -> None:
    records = valid_records()
    for entity_records in records.values():
        for record in entity_records:
            for key in list(record):
                if not key.endswith("_id") or key in ("assignee_id", "template_id"):
                    record[key] = value
            record["extra"] = value
    write_export_dir(tmp_path, records)

    report = validate(tmp_path)

    assert isinstance(report.errors, list)
    assert all(isinstance(error, str) for error in report.errors)


@pytest.mark.parametrize("value", HOSTILE_VALUES, ids=repr)
def test_wrong_types_in_the_manifest_never_crash(tmp_path: Path, value: Any) -> None:
    write_export_dir(
        tmp_path,
        manifest={
            key: value
            for key in (
                "schema_version",
                "generated_at",
                "export_format_version",
                "entity_files",
                "entity_counts",
                "checksums",
                "redactions",
                "omitted_entities",
            )
        },
    )

    report = validate(tmp_path)

    assert not report.valid


def test_ids_of_every_type_never_crash(tmp_path: Path) -> None:
    records = valid_records()
    for value in HOSTILE_VALUES:
        records["tasks"].append({"task_id": value, "status": "done", "bundle_id": value})
        records["files"].append({"file_id": value, "task_id": value})
        records["artifacts"].append({"artifact_id": value, "status": "approved", "task_id": value})
        records["audit_events"].append(
            {"audit_event_id": value, "action": "task.completed", "entity_type": "task"}
        )
    write_export_dir(tmp_path, records)

    report = validate(tmp_path)

    assert not report.valid


def test_signed_urls_hidden_behind_json_escapes_are_found(tmp_path: Path) -> None:
    records = valid_records()
    line = jsonl(records["artifacts"]).replace(
        b'"s3://dataops-binaries/artifacts/prep.pdf"',
        b'"https:\\/\\/bucket.example.com\\/prep.pdf\\u003fsig\\u003dabc123"',
    )
    write_export_dir(tmp_path, records, raw={"artifacts": line})

    assert validate(tmp_path).errors == [
        "artifacts[0].storage_uri must not contain signed URLs or tokens"
    ]


def test_temporary_download_hosts_in_any_case_are_found(tmp_path: Path) -> None:
    report = _with_artifact(
        tmp_path, storage_uri="https://DL.DropboxUserContent.com/s/abc/episode.wav"
    )

    assert report.errors == ["artifacts[1].storage_uri must not contain signed URLs or tokens"]


@given(
    content=st.binary(max_size=300).map(lambda raw: raw.replace(b"\r", b"")),
    block=st.integers(1, 17),
)
def test_lines_are_read_the_same_whatever_the_block_size(content: bytes, block: int) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(lines_module, "_BLOCK_BYTES", block)
        digest = hashlib.sha256()
        lines = list(read_lines(io.BytesIO(content), digest))

    expected = content.split(b"\n")
    if expected[-1] == b"":
        expected.pop()
    assert lines == expected
    assert digest.hexdigest() == hashlib.sha256(content).hexdigest()


def test_lines_over_the_limit_are_skipped_not_held(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lines_module, "_BLOCK_BYTES", 4)
    monkeypatch.setattr(lines_module, "MAX_LINE_BYTES", 10)
    content = b"short\n" + b"x" * 25 + b"\nok\n" + b"y" * 11

    lines = list(read_lines(io.BytesIO(content)))

    assert lines == [b"short", LINE_TOO_LONG, b"ok", LINE_TOO_LONG]
