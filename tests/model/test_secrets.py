"""The one detector (model/secrets.py): what counts as a signed URL, a credential or a secret,
and the ordinary prose and keys that must pass. The API and the export validator both call it;
tests/api/test_secret_detector.py and tests/portable/test_validate_rules.py show each side."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dataops.model import secrets
from dataops.model.errors import Invalid
from dataops.model.secrets import UriProblem, holds_secret, is_secret_key, uri_problem
from dataops.model.tasks import check_field_types

PRESIGNED = (
    "https://media.s3.amazonaws.com/ep1.wav?X-Amz-Algorithm=AWS4-HMAC-SHA256"
    "&X-Amz-Credential=AKIA%2F20261201&X-Amz-Signature=abc123"
)

# --- URIs (storage URIs and links) ---------------------------------------------------------


@pytest.mark.parametrize(
    ("uri", "problem"),
    [
        # The URL parser of the standard library raises on this one; browsers open it.
        ("https://x]@bucket.s3.amazonaws.com/k?X-Amz-Signature=abc", UriProblem.SIGNED),
        ("https://app.example.com/#/cb?access_token=abc", UriProblem.SIGNED),
        ("https://admin:hunter2@files.example.com/r.pdf", UriProblem.CREDENTIALS),
        ("https://admin@files.example.com/r.pdf", UriProblem.CREDENTIALS),
        ("https://maps.example.com/x?api_key=1", UriProblem.CREDENTIALS),
        ("https://maps.example.com/x?apikey=1", UriProblem.CREDENTIALS),
        ("https://maps.example.com/x?key=1", UriProblem.CREDENTIALS),
        ("https://maps.example.com/x?password=1", UriProblem.CREDENTIALS),
        ("https://maps.example.com/x?client_secret=1", UriProblem.CREDENTIALS),
        ("https://dl.dropboxusercontent.com./s/abc/ep1.wav", UriProblem.SIGNED),
        ("https://DL.DropboxUserContent.com/s/abc/ep1.wav", UriProblem.SIGNED),
        ("https://lh3.googleusercontent.com/d/abc", UriProblem.SIGNED),
        ("https://files.example.com/a\x00b.pdf", UriProblem.WHITESPACE),
        ("https://files.example.com/a\nb.pdf", UriProblem.WHITESPACE),
        ("https://files.example.com/a b.pdf", UriProblem.WHITESPACE),
        ("https://files.example.com/a\u2028b.pdf", UriProblem.WHITESPACE),
        (PRESIGNED, UriProblem.SIGNED),
        ("https://example.com/a?X_AMZ_SIGNATURE=1", UriProblem.SIGNED),
        ("https://example.com/a?X%2DAmz%2DSignature=1", UriProblem.SIGNED),
        ("https://example.com/a?Expires=1&Signature=2", UriProblem.SIGNED),
        ("https://example.com/a?sv=2022&se=2026&sig=x", UriProblem.SIGNED),
        ("https://example.com/a?sv=2022&se=2026&sp=r", UriProblem.SIGNED),
        # A signed URL wrapped in another one's parameter.
        (
            "https://go.example.com/?next=https%3A%2F%2Fb.s3.amazonaws.com%2Fk"
            "%3FX-Amz-Signature%3Dabc",
            UriProblem.SIGNED,
        ),
    ],
)
def test_uris_that_are_refused(uri: str, problem: UriProblem) -> None:
    assert uri_problem(uri) is problem


@pytest.mark.parametrize(
    "uri",
    [
        "https://lu.ma/abc?utm_source=newsletter",
        "https://www.dropbox.com/scl/fi/abc/ep1.wav?rlkey=x&dl=0",
        "https://drive.google.com/file/d/abc/view?usp=sharing",
        "https://docs.google.com/document/d/abc/edit",
        "https://example.com/a?se=2026",  # an `se` alone is not an Azure SAS
        "https://[2001:db8::1]:8443/report.pdf",
        "s3://media/episodes/ep1.wav",
        "local-dev://files/abc",
        "https://github.com/org/repo/blob/main/keys.md",
    ],
)
def test_stable_uris_pass(uri: str) -> None:
    assert uri_problem(uri) is None


# --- free text ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        f"The recording: {PRESIGNED} (expires tomorrow)",
        "Use ?X-Amz-Signature=abc123 from the console",
        "see https://app.example.com/#/cb?access_token=abc",
        "log in at admin:hunter2@files.example.com/r.pdf",
        "old key AKIAIOSFODNN7EXAMPLE, rotated",
        "token ghp_" + "a1B2" * 9,
        "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuv",
        "xoxb-1234567890-0987654321-abcdefghij",
        "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.sig",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl",
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA...",
        "-----BEGIN PRIVATE KEY-----",
        "-----BEGIN OPENSSH PRIVATE KEY-----",
        "-----BEGIN EC PRIVATE KEY-----",
        "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc",
        "AIza" + "SyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY",
        "https://dl.dropboxusercontent.com/s/abc/ep1.wav",
    ],
)
def test_text_that_holds_a_secret(text: str) -> None:
    assert holds_secret(text)


@pytest.mark.parametrize(
    "text",
    [
        "Token budget for episode 42",
        "Fix the token=abc bug",
        "Design sign-off notes",
        "API key rotation checklist",
        "https://lu.ma/abc?utm_source=newsletter",
        "notes sig=1.txt",
        "Write to ops@example.com or mailto:ops@example.com?subject=Episode",
        "Meeting at 10:30, room 4",
        "sha256:" + "a" * 64,
        "Bearer tokens explained",
        "The -----BEGIN CERTIFICATE----- block is public",
        "ghp_ prefixes GitHub tokens",
    ],
)
def test_ordinary_prose_passes(text: str) -> None:
    assert not holds_secret(text)


@settings(max_examples=600, deadline=None)
@given(
    text=st.text(
        alphabet=st.sampled_from(
            list(
                "ab:/?&#;=@% \t\nXx-_.sigtokenamzSIGAKIghp_xoBearyJ0123456789USERCONTENTusercontent"
            )
        ),
        max_size=60,
    )
)
def test_the_quick_look_never_hides_a_finding(text: str) -> None:
    """`holds_secret` skips the full detector for text without any of its clues: the full
    detector agrees."""
    assert holds_secret(text) == secrets._holds_secret(text)


@pytest.mark.parametrize(
    "text",
    [
        "DL.DROPBOXUSERCONTENT.COM/s/abc/ep1.wav",
        "https://lh3.googleusercontent.com",
        "the old key AKIAIOSFODNN7EXAMPLE",
        "-----BEGIN PRIVATE KEY-----",
    ],
)
def test_findings_without_a_url_character_are_found(text: str) -> None:
    assert holds_secret(text) and secrets._holds_secret(text)


# --- field names ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    [
        "accessToken",
        "api_key",
        "client-secret",
        "privateKey",
        "X-API-KEY",
        "db_passwd",
        "credentials",
        "sessionCookie",
        "authorization",
        "requestSignature",
        "signed_url",
    ],
)
def test_secret_like_keys(key: str) -> None:
    assert is_secret_key(key)


@pytest.mark.parametrize(
    "key",
    [
        "tokenCount",
        "promptTokens",
        "keyFindings",
        "idempotencyKey",
        "passwordPolicyUrl",
        "secretaryName",
        "title",
        "signatureStyle",
        "monkey",
    ],
)
def test_keys_that_only_look_secret(key: str) -> None:
    assert not is_secret_key(key)


# --- as the API words it ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"link": "javascript:alert(1)"}, "link must be an http(s) URL"),
        ({"link": "data:text/html,x"}, "link must be an http(s) URL"),
        ({"link": "file:///etc/x"}, "link must be an http(s) URL"),
        (
            {"link": "https://dl.dropboxusercontent.com/s/a/b.pdf"},
            "link must be stable and must not be a signed URL or tokenized URL",
        ),
        (
            {"link": "https://admin:hunter2@files.example.com/r.pdf"},
            "link must not carry credentials (a user name or password, or a key in its parameters)",
        ),
        (
            {"link": "https://a.example.com/x y"},
            "link must not contain spaces or control characters",
        ),
        ({"comment": f"here: {PRESIGNED}"}, "comment must not contain signed URLs or tokens"),
        (
            {"tags": ["ok", "AKIAIOSFODNN7EXAMPLE"]},
            "tags[1] must not contain signed URLs or tokens",
        ),
    ],
)
def test_the_api_refuses_with_the_field_named(fields: dict[str, object], message: str) -> None:
    with pytest.raises(Invalid) as caught:
        check_field_types(fields)
    assert caught.value.message == message
