"""The artifact record rules (docs/api.md#artifacts, first failure wins) with the field rules, and
the review transitions."""

from __future__ import annotations

from typing import Any

import pytest

from dataops.model.artifacts import (
    TRANSITIONS,
    ArtifactStatus,
    check_supersedable,
    check_transition,
    merge_updates,
    validate,
)
from dataops.model.errors import Conflict, Invalid

VALID: dict[str, Any] = {
    "type": "podcast-doc",
    "title": "Guest prep",
    "status": "draft",
    "storageUri": "https://docs.google.com/document/d/abc/edit",
    "storageProvider": "google-drive",
    "dataClass": "internal",
    "visibility": "internal",
    "sourceType": "manual-link",
}


def refusal(record: dict[str, Any], *, require_core: bool = True, local: bool = True) -> str:
    with pytest.raises(Invalid) as caught:
        validate(record, require_core=require_core, local_storage_allowed=local)
    return caught.value.message


def test_a_complete_record_is_valid() -> None:
    validate(VALID, require_core=True, local_storage_allowed=True)


@pytest.mark.parametrize("field", ["type", "title", "storageUri"])
@pytest.mark.parametrize("value", [None, "", "   ", 5])
def test_rule_1_core_fields_are_required_on_create(field: str, value: Any) -> None:
    record = {**VALID, field: value}
    assert refusal(record) == f"Missing required field: {field}"
    record.pop(field)
    assert refusal(record) == f"Missing required field: {field}"


def test_rule_1_checks_type_then_title_then_storage_uri() -> None:
    assert refusal({}) == "Missing required field: type"
    assert refusal({"type": "report"}) == "Missing required field: title"
    assert refusal({"type": "report", "title": "x"}) == "Missing required field: storageUri"


def test_rule_1_does_not_apply_to_updates() -> None:
    record = {key: value for key, value in VALID.items() if key != "title"}
    validate(record, require_core=False, local_storage_allowed=True)


def test_rule_2_type() -> None:
    assert refusal({**VALID, "type": "video"}) == (
        "type must be one of: podcast-doc, transcript, recording, report, invoice, event-page, "
        "assistant-output, external-link, other"
    )


def test_rule_3_title_and_its_length_limit() -> None:
    assert refusal({**VALID, "title": "  "}, require_core=False) == (
        "title must be a non-empty string"
    )
    assert refusal({**VALID, "title": 7}, require_core=False) == "title must be a non-empty string"
    assert refusal({**VALID, "title": "t" * 600}) == "title is too long (max 500)"
    validate({**VALID, "title": "t" * 500}, require_core=True, local_storage_allowed=True)


def test_rule_4_description_and_its_length_limit() -> None:
    assert refusal({**VALID, "description": 12}) == "description must be a string"
    assert refusal({**VALID, "description": "d" * 20_001}) == (
        "description is too long (max 20000)"
    )


def test_rule_5_status() -> None:
    assert refusal({**VALID, "status": "published"}) == (
        "status must be one of: draft, needs-review, approved, rejected, archived, superseded"
    )


@pytest.mark.parametrize("uri", [None, "", "  ", 42])
def test_rule_6_storage_uri_must_be_a_non_empty_string_on_update(uri: Any) -> None:
    assert refusal({**VALID, "storageUri": uri}, require_core=False) == (
        "storageUri must be a non-empty string"
    )


@pytest.mark.parametrize(
    "uri",
    [
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "file:///etc/passwd",
        "ftp://example.com/file",
        "drive.google.com/file/d/abc",
    ],
)
def test_10_13_storage_uri_scheme_allow_list(uri: str) -> None:
    assert refusal({**VALID, "storageUri": uri, "storageProvider": "unknown"}) == (
        "storageUri must use one of: https, http, s3, local-dev"
    )


@pytest.mark.parametrize("uri", ["https://", "s3://", "s3:bucket/key", "https:///path"])
def test_storage_uri_names_a_place(uri: str) -> None:
    record = {**VALID, "storageUri": uri, "storageProvider": "external-url"}
    assert refusal(record) == "storageUri must name a host or bucket and a path"


@pytest.mark.parametrize(
    "uri",
    [
        # S3 presigned (SigV4)
        "https://bucket.s3.amazonaws.com/rec.wav?X-Amz-Algorithm=AWS4-HMAC-SHA256"
        "&X-Amz-Credential=AKIA%2F20261128&X-Amz-Date=20261128T000000Z&X-Amz-Expires=900"
        "&X-Amz-SignedHeaders=host&X-Amz-Signature=abc123",
        "s3://bucket/key?x-amz-security-token=abc",
        # S3 presigned (SigV2)
        "https://bucket.s3.amazonaws.com/rec.wav?AWSAccessKeyId=AKIA&Expires=1700000000"
        "&Signature=abc%3D",
        # GCS signed URL
        "https://storage.googleapis.com/bucket/obj?X-Goog-Algorithm=GOOG4-RSA-SHA256"
        "&X-Goog-Credential=sa%40p.iam&X-Goog-Signature=deadbeef",
        # Azure SAS
        "https://acct.blob.core.windows.net/c/b.wav?sv=2022-11-02&se=2026-12-01T00%3A00%3A00Z"
        "&sr=b&sp=r&sig=abc%3D",
        "https://acct.blob.core.windows.net/c/b.wav?se=2026-12-01&sp=r",
        # tokenized links
        "https://example.com/share?token=abc",
        "https://example.com/share?access_token=abc",
        "https://example.com/share?Access-Token=abc",
        "https://example.com/cb#access_token=abc&token_type=bearer",
        # temporary download hosts
        "https://dl.dropboxusercontent.com/s/abc/episode.wav",
        "https://doc-0s-8c-docs.googleusercontent.com/docs/securesc/abc/file",
    ],
)
def test_10_13_signed_tokenized_and_temporary_urls_are_refused(uri: str) -> None:
    assert refusal({**VALID, "storageUri": uri, "storageProvider": "unknown"}) == (
        "storageUri must be stable and must not be a signed URL or tokenized URL"
    )


def test_storage_uri_length_limit() -> None:
    uri = "https://example.com/" + "a" * 2_000
    assert refusal({**VALID, "storageUri": uri}) == "storageUri is too long (max 2000)"


def test_rule_7_storage_provider() -> None:
    assert refusal({**VALID, "storageProvider": "box"}) == (
        "storageProvider must be one of: s3, dropbox, google-drive, github, external-url, "
        "local-dev, unknown"
    )


@pytest.mark.parametrize(
    ("provider", "uri"),
    [
        ("unknown", "local-dev://x"),
        ("external-url", "local-dev://uploads/a.wav"),
        ("unknown", "s3://bucket/key"),
        ("s3", "https://bucket.s3.amazonaws.com/key"),
        ("local-dev", "https://example.com/a"),
    ],
)
def test_10_13_provider_must_agree_with_the_uri(provider: str, uri: str) -> None:
    record = {**VALID, "storageProvider": provider, "storageUri": uri, "checksum": "sha256:ab"}
    assert refusal(record) == f"storageProvider {provider} does not match storageUri"


def test_rule_8_local_dev_only_in_local_or_test_mode() -> None:
    record = {
        **VALID,
        "storageProvider": "local-dev",
        "storageUri": "local-dev://uploads/a.wav",
        "checksum": "sha256:ab",
    }
    validate(record, require_core=True, local_storage_allowed=True)
    assert refusal(record, local=False) == (
        "local-dev artifact storage is allowed only in local/test mode"
    )
    # also on update: a stored local-dev artifact cannot be changed in production
    assert refusal(record, require_core=False, local=False) == (
        "local-dev artifact storage is allowed only in local/test mode"
    )


S3: dict[str, Any] = {**VALID, "storageProvider": "s3", "storageUri": "s3://media/ep1/rec.wav"}


@pytest.mark.parametrize("checksum", ["", "  ", 5, None])
def test_rule_9_owned_checksum_must_be_non_blank_when_present(checksum: Any) -> None:
    assert refusal({**S3, "checksum": checksum}, require_core=False) == (
        "checksum must be a non-empty string when present"
    )


def test_rule_10_owned_binaries_need_a_checksum_on_create_only() -> None:
    assert refusal(S3) == "checksum is required for DataOps-owned s3 or local-dev artifacts"
    validate(S3, require_core=False, local_storage_allowed=True)
    validate({**S3, "checksum": "sha256:00ff"}, require_core=True, local_storage_allowed=True)


def test_other_providers_need_no_checksum_but_a_given_one_is_a_string() -> None:
    validate(VALID, require_core=True, local_storage_allowed=True)
    assert refusal({**VALID, "checksum": 5}) == "checksum must be a string"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("filename", 5, "filename must be a string"),
        ("filename", "f" * 256, "filename is too long (max 255)"),
        ("contentType", ["audio/wav"], "contentType must be a string"),
        ("sizeBytes", True, "sizeBytes must be a non-negative number"),
        ("sizeBytes", -1, "sizeBytes must be a non-negative number"),
        ("sizeBytes", "12", "sizeBytes must be a non-negative number"),
        ("sizeBytes", float("inf"), "sizeBytes must be a non-negative number"),
        ("sizeBytes", float("nan"), "sizeBytes must be a non-negative number"),
        ("visibility", "secret", "visibility must be one of: public, internal, private, sensitive"),
        ("dataClass", "open", "dataClass must be one of: public, internal, private, sensitive"),
        (
            "sourceType",
            "email",
            "sourceType must be one of: manual-link, manual-upload, assistant-output, import, "
            "migration, system",
        ),
        ("taskId", 5, "taskId must be a string"),
        ("bundleId", {}, "bundleId must be a string"),
        ("assistantJobId", 1.5, "assistantJobId must be a string"),
        ("fileId", [], "fileId must be a string"),
        ("createdBy", 1, "createdBy must be a string"),
        ("reviewedBy", True, "reviewedBy must be a string"),
        ("reviewedAt", 1700000000, "reviewedAt must be a string"),
        ("reviewedAt", "yesterday", "reviewedAt must be an ISO 8601 timestamp"),
        ("reviewedAt", "2026-02-30T10:00:00Z", "reviewedAt must be an ISO 8601 timestamp"),
        ("tags", "a,b", "tags must be an array of strings"),
        ("tags", ["a", 1], "tags must be an array of strings"),
        ("tags", ["t"] * 51, "tags is too long (max 50)"),
        ("tags", ["t" * 101], "tags is too long (max 100)"),
    ],
)
def test_rule_11_field_types_and_limits(field: str, value: Any, message: str) -> None:
    assert refusal({**VALID, field: value}) == message


def test_rule_11_order_filename_before_size_before_enums_before_ids_before_tags() -> None:
    record = {
        **VALID,
        "filename": 1,
        "sizeBytes": True,
        "visibility": "x",
        "taskId": 1,
        "tags": "x",
    }
    assert refusal(record) == "filename must be a string"
    record["filename"] = "a.wav"
    assert refusal(record) == "sizeBytes must be a non-negative number"
    record["sizeBytes"] = 10
    assert refusal(record) == "visibility must be one of: public, internal, private, sensitive"
    record["visibility"] = "public"
    assert refusal(record) == "taskId must be a string"
    record["taskId"] = "t1"
    assert refusal(record) == "tags must be an array of strings"


def test_valid_optional_fields() -> None:
    record = {
        **VALID,
        "sizeBytes": 0,
        "filename": "prep.docx",
        "reviewedAt": "2026-11-28T10:00:00.000Z",
        "tags": ["guest"],
        "metadata": {"tokenCount": 1200, "promptTokens": 800, "keyFindings": ["a"]},
    }
    validate(record, require_core=True, local_storage_allowed=True)


@pytest.mark.parametrize("metadata", [None, [], "x", 5])
def test_rule_12_metadata_must_be_an_object(metadata: Any) -> None:
    assert refusal({**VALID, "metadata": metadata}) == "metadata must be an object"


def test_rule_12_metadata_is_at_most_4096_bytes_of_utf8_json() -> None:
    assert refusal({**VALID, "metadata": {"notes": "x" * 5 * 1024}}) == (
        "metadata must be 4096 bytes or less"
    )
    # `{"n":"..."}` is 8 bytes of syntax: 4088 ASCII characters fit exactly
    validate(
        {**VALID, "metadata": {"n": "x" * 4088}}, require_core=True, local_storage_allowed=True
    )
    assert refusal({**VALID, "metadata": {"n": "x" * 4089}}) == (
        "metadata must be 4096 bytes or less"
    )
    # bytes, not characters: 2,000 two-byte characters are 4,000 bytes plus syntax
    assert refusal({**VALID, "metadata": {"n": "é" * 2045}}) == (
        "metadata must be 4096 bytes or less"
    )


@pytest.mark.parametrize(
    ("metadata", "path"),
    [
        ({"accessToken": "x"}, "metadata.accessToken"),
        ({"api_key": "x"}, "metadata.api_key"),
        ({"client-secret": "x"}, "metadata.client-secret"),
        ({"privateKey": "x"}, "metadata.privateKey"),
        ({"password": "x"}, "metadata.password"),
        ({"cookie": "x"}, "metadata.cookie"),
        ({"Authorization": "Bearer x"}, "metadata.Authorization"),
        ({"awsCredentials": {}}, "metadata.awsCredentials"),
        ({"signedUrl": "https://x"}, "metadata.signedUrl"),
        ({"run": {"auth": {"sessionToken": "x"}}}, "metadata.run.auth.sessionToken"),
        ({"steps": [{"ok": 1}, {"accessToken": "x"}]}, "metadata.steps[1].accessToken"),
        ({"a": [[{"signingKey": 1}]]}, "metadata.a[0][0].signingKey"),
    ],
)
def test_10_14_secret_like_keys_are_refused_anywhere(metadata: Any, path: str) -> None:
    assert refusal({**VALID, "metadata": metadata}) == (
        f"{path} must not contain secrets or signed URLs"
    )


@pytest.mark.parametrize(
    ("metadata", "path"),
    [
        ({"source": "https://b.s3.amazonaws.com/k?X-Amz-Signature=abc"}, "metadata.source"),
        ({"links": ["https://ok.example", "https://x.io/a?token=1"]}, "metadata.links[1]"),
        ({"log": {"line": "GET /a?X-Amz-Credential=AKIA"}}, "metadata.log.line"),
        ({"dl": "https://dl.dropboxusercontent.com/s/abc/a.wav"}, "metadata.dl"),
    ],
)
def test_signed_urls_in_metadata_values_are_refused(metadata: Any, path: str) -> None:
    assert refusal({**VALID, "metadata": metadata}) == (
        f"{path} must not contain signed URLs or tokens"
    )


def test_metadata_traversal_reports_the_current_object_before_nested_ones() -> None:
    metadata = {"nested": {"password": "x"}, "apiKey": "y"}
    assert refusal({**VALID, "metadata": metadata}) == (
        "metadata.apiKey must not contain secrets or signed URLs"
    )


def test_merge_updates_removes_optional_fields_and_keeps_required_nulls() -> None:
    merged = merge_updates({**VALID, "description": "d"}, {"description": None, "title": None})
    assert "description" not in merged
    assert merged["title"] is None
    assert refusal(merged, require_core=False) == "title must be a non-empty string"


# --- transitions (section 11) -------------------------------------------------------------

ALLOWED = {
    ("draft", "needs-review"),
    ("draft", "approved"),
    ("draft", "rejected"),
    ("draft", "archived"),
    ("needs-review", "draft"),
    ("needs-review", "approved"),
    ("needs-review", "rejected"),
    ("needs-review", "archived"),
    ("approved", "needs-review"),
    ("approved", "rejected"),
    ("approved", "archived"),
    ("rejected", "draft"),
    ("rejected", "needs-review"),
    ("rejected", "archived"),
}
STATUSES = [status.value for status in ArtifactStatus]


@pytest.mark.parametrize("current", STATUSES)
@pytest.mark.parametrize("requested", STATUSES)
def test_transition_table(current: str, requested: str) -> None:
    if current == requested or (current, requested) in ALLOWED:
        check_transition(current, requested)
        return
    with pytest.raises(Conflict) as caught:
        check_transition(current, requested)
    assert caught.value.message == f"Cannot change artifact status from {current} to {requested}"


def test_the_table_matches_the_contract_exactly() -> None:
    declared = {(current, to) for current, targets in TRANSITIONS.items() for to in targets}
    assert declared == ALLOWED


def test_refused_transitions_say_from_and_to() -> None:
    with pytest.raises(Conflict) as caught:
        check_transition("archived", "approved")
    assert caught.value.message == "Cannot change artifact status from archived to approved"
    with pytest.raises(Conflict) as caught:
        check_transition("rejected", "approved")
    assert caught.value.message == "Cannot change artifact status from rejected to approved"
    with pytest.raises(Conflict) as caught:
        check_transition("draft", "superseded")
    assert caught.value.message == "Cannot change artifact status from draft to superseded"


@pytest.mark.parametrize("current", ["draft", "needs-review", "approved", "rejected"])
def test_supersede_is_allowed_from_every_live_status(current: str) -> None:
    check_supersedable(current)


@pytest.mark.parametrize("current", ["archived", "superseded"])
def test_archived_and_superseded_cannot_be_superseded(current: str) -> None:
    with pytest.raises(Conflict) as caught:
        check_supersedable(current)
    assert caught.value.message == f"Cannot change artifact status from {current} to superseded"
