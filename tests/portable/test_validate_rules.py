"""The validator applies the API's own rules (model/ declarations and the one secret detector):
each case the API refuses is reported when written straight into an export, each case the API
accepts validates, and limits the API enforces are warnings (an export written elsewhere still
restores)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dataops.portable.validate import ValidationReport, validate_export
from tests.portable.builder import T0, valid_records, write_export_dir
from tests.support.secret_cases import (
    ACCEPTED_KEYS,
    ACCEPTED_TEXT,
    ACCEPTED_URIS,
    REFUSED_TEXT,
    REFUSED_URIS,
    WHITESPACE,
)

PRESIGNED = "https://media.s3.amazonaws.com/ep1.wav?X-Amz-Credential=x&X-Amz-Signature=abc"


def _artifact(tmp_path: Path, **fields: Any) -> ValidationReport:
    records = valid_records()
    records["artifacts"].append(
        {
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
    )
    write_export_dir(tmp_path, records)
    return validate_export(tmp_path)


def _task(tmp_path: Path, **fields: Any) -> ValidationReport:
    records = valid_records()
    records["tasks"][0].update(fields)
    write_export_dir(tmp_path, records)
    return validate_export(tmp_path)


@pytest.mark.parametrize(
    "fields",
    [
        {"title": "Fix the token=abc bug"},
        {"title": "Token budget for episode 42", "description": "Design sign-off notes"},
        {"filename": "notes sig=1.txt", "tags": ["API key rotation checklist"]},
        {"metadata": {"tokenCount": 12, "keyFindings": ["a"], "idempotencyKey": "k1"}},
        {"storage_uri": "https://lu.ma/abc?utm_source=newsletter"},
        {"review_note": "Checked the token=abc bug fix"},
    ],
)
def test_what_the_api_accepts_validates(tmp_path: Path, fields: dict[str, Any]) -> None:
    report = _artifact(tmp_path, **fields)
    assert (report.errors, report.warnings) == ([], [])


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        (
            {"title": f"See {PRESIGNED}"},
            "artifacts[1].title must not contain signed URLs or tokens",
        ),
        (
            {"description": "-----BEGIN PRIVATE KEY-----\nMIIE"},
            "artifacts[1].description must not contain signed URLs or tokens",
        ),
        (
            {"review_note": "key AKIAIOSFODNN7EXAMPLE"},
            "artifacts[1].review_note must not contain signed URLs or tokens",
        ),
        (
            {"assistant_job_id": "xoxb-1234567890-abcdefghij"},
            "artifacts[1].assistant_job_id must not contain signed URLs or tokens",
        ),
        (
            {"tags": ["ok", "ghp_" + "a1B2" * 9]},
            "artifacts[1].tags[1] must not contain signed URLs or tokens",
        ),
        (
            {"storage_uri": "https://admin:hunter2@files.example.com/r.pdf"},
            "artifacts[1].storage_uri must not contain signed URLs or tokens",
        ),
        (
            {"storage_uri": "https://app.example.com/#/cb?access_token=abc"},
            "artifacts[1].storage_uri must not contain signed URLs or tokens",
        ),
        (
            {"storage_uri": "https://files.example.com/a b.pdf"},
            "artifacts[1] field storage_uri must not contain spaces or control characters",
        ),
        (
            {"storage_uri": "javascript:alert(1)", "storage_provider": "unknown"},
            "artifacts[1] field storage_uri must use one of: https, http, s3, local-dev",
        ),
    ],
)
def test_what_the_api_refuses_is_an_error(
    tmp_path: Path, fields: dict[str, Any], error: str
) -> None:
    assert _artifact(tmp_path, **fields).errors == [error]


@pytest.mark.parametrize(("uri", "api_message"), REFUSED_URIS)
def test_every_uri_the_api_refuses_is_an_error(tmp_path: Path, uri: str, api_message: str) -> None:
    expected = (
        "artifacts[1] field storage_uri must not contain spaces or control characters"
        if api_message == WHITESPACE
        else "artifacts[1].storage_uri must not contain signed URLs or tokens"
    )
    assert _artifact(tmp_path, storage_uri=uri).errors == [expected]


@pytest.mark.parametrize("text", REFUSED_TEXT)
@pytest.mark.parametrize("field", ["title", "description", "review_note", "assistant_job_id"])
def test_every_text_the_api_refuses_is_an_error(tmp_path: Path, field: str, text: str) -> None:
    assert _artifact(tmp_path, **{field: text}).errors == [
        f"artifacts[1].{field} must not contain signed URLs or tokens"
    ]


def test_every_text_the_api_accepts_validates(tmp_path: Path) -> None:
    report = _artifact(
        tmp_path,
        title=ACCEPTED_TEXT[0],
        tags=list(ACCEPTED_TEXT),
        storage_uri=ACCEPTED_URIS[0],
        metadata={key: 1 for key in ACCEPTED_KEYS},
    )
    assert (report.errors, report.warnings) == ([], [])


def test_links_and_booleans_follow_the_declaration(tmp_path: Path) -> None:
    records = valid_records()
    records["tasks"][0]["link"] = "javascript:alert(1)"
    records["recurring_configs"][0]["enabled"] = "yes"
    records["templates"][0]["task_definitions"][0]["customKey"] = {"nested": True}
    write_export_dir(tmp_path, records)

    assert validate_export(tmp_path).errors == [
        "tasks[0] field link must be an http(s) URL",
        "templates[0].task_definitions[0] field customKey must be a string, number, boolean or an array of those",
        "recurring_configs[0] field enabled must be a boolean when present",
    ]


def test_over_the_api_limits_is_a_warning(tmp_path: Path) -> None:
    report = _artifact(tmp_path, title="t" * 600, metadata={"notes": "n" * 5000})

    assert report.errors == []
    assert report.warnings == [
        "artifacts[1] field title is longer than the API accepts (max 500)",
        "artifacts[1].metadata is larger than the API accepts (max 4096 bytes)",
    ]


def test_bulk_content_is_an_error_and_not_also_a_warning(tmp_path: Path) -> None:
    report = _task(tmp_path, comment="c" * 70_000)

    assert report.errors == [
        "tasks[0] field comment looks like binary or bulk content (70000 characters)"
    ]
    assert report.warnings == []


def test_refs_naming_no_exported_artifact_are_warnings(tmp_path: Path) -> None:
    """The API refuses them; an export from the reference service may hold them."""
    records = valid_records()
    records["tasks"][0]["artifact_refs"] = [{"artifactId": "artifact-gone"}]
    records["bundles"][0]["artifact_refs"] = [{"artifactId": "artifact-1"}]
    records["templates"][0]["task_definitions"][0]["artifactRefs"] = [{"artifactId": "old"}]
    write_export_dir(tmp_path, records)

    report = validate_export(tmp_path)

    assert report.errors == []
    assert report.warnings == [
        "tasks[0] references deleted or external artifact_refs: artifact-gone",
        "templates[0].task_definitions[0] references deleted or external artifactRefs: old",
    ]


def test_a_ref_snapshot_with_a_refused_uri_is_an_error(tmp_path: Path) -> None:
    records = valid_records()
    ref = {"artifactId": "artifact-1", "storageUri": "javascript:alert(1)", "status": "approved"}
    records["tasks"][0]["artifact_refs"] = [ref]
    write_export_dir(tmp_path, records)

    assert validate_export(tmp_path).errors == [
        "tasks[0].artifact_refs[0] field storageUri must use one of: https, http, s3, local-dev"
    ]
