"""Audit redaction (docs/export-format.md): before/after keep no secrets, signed URLs or bulk."""

from __future__ import annotations

from dataops.model.audit import MAX_AUDIT_STRING, REDACTED, changes, redact


def test_redact_replaces_secret_keys_and_signed_urls_anywhere() -> None:
    value = {
        "title": "ok",
        "accessToken": "abc",
        "nested": [{"client_secret": "x"}, "https://b.s3.amazonaws.com/k?X-Amz-Signature=1"],
        "tokenCount": 12,
    }
    assert redact(value) == {
        "title": "ok",
        "accessToken": REDACTED,
        "nested": [{"client_secret": REDACTED}, REDACTED],
        "tokenCount": 12,
    }


def test_redact_trims_bulk_strings() -> None:
    trimmed = redact("x" * (MAX_AUDIT_STRING + 10))
    assert trimmed == "x" * MAX_AUDIT_STRING + "…"


def test_changes_keep_only_the_listed_fields_that_differ() -> None:
    before = {"status": "draft", "title": "a", "metadata": {"apiKey": "k"}}
    after = {"status": "approved", "title": "a", "metadata": {"apiKey": "k2"}}
    assert changes(before, after, ("status", "title")) == (
        {"status": "draft"},
        {"status": "approved"},
    )
    assert changes(before, after, ("metadata",)) == (
        {"metadata": {"apiKey": REDACTED}},
        {"metadata": {"apiKey": REDACTED}},
    )
