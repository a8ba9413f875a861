"""Storage policy on URIs and keys (api-contract.md 5.1, 10.13, 10.14)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dataops.model import fields
from dataops.model.errors import Invalid
from dataops.model.storage_policy import (
    _SIGNING_ASSIGNMENT,
    StorageProvider,
    contains_signed_url,
    infer_provider,
    is_secret_key,
    is_signed_or_temporary,
    is_signed_text,
)


@pytest.mark.parametrize(
    ("uri", "provider"),
    [
        ("s3://media/ep1.wav", StorageProvider.S3),
        ("local-dev://uploads/a", StorageProvider.LOCAL_DEV),
        ("https://github.com/org/repo/blob/main/a.md", StorageProvider.GITHUB),
        ("https://www.dropbox.com/scl/fi/abc/ep1.wav?rlkey=x&dl=0", StorageProvider.DROPBOX),
        ("https://drive.google.com/file/d/abc/view", StorageProvider.GOOGLE_DRIVE),
        ("https://docs.google.com/document/d/abc/edit", StorageProvider.GOOGLE_DRIVE),
        ("https://lu.ma/episode-12", StorageProvider.EXTERNAL_URL),
        ("HTTP://example.com", StorageProvider.EXTERNAL_URL),
        ("mailto:a@b.c", StorageProvider.UNKNOWN),
    ],
)
def test_provider_inference_first_match_wins(uri: str, provider: StorageProvider) -> None:
    assert infer_provider(uri) is provider


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


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/a?X_AMZ_SIGNATURE=1",
        "https://example.com/a?Expires=1&Signature=2",
        "https://example.com/a?sv=2022&se=2026&sig=x",
    ],
)
def test_signing_parameters_match_case_insensitively_with_dash_or_underscore(url: str) -> None:
    assert is_signed_or_temporary(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://www.dropbox.com/scl/fi/abc/ep1.wav?rlkey=x&dl=0",
        "https://lu.ma/ep?utm_source=newsletter",
        "https://example.com/a?se=2026",  # an `se` alone is not an Azure SAS
        "https://drive.google.com/file/d/abc/view?usp=sharing",
    ],
)
def test_stable_urls_pass(url: str) -> None:
    assert not is_signed_or_temporary(url)


@pytest.mark.parametrize("value", ["javascript:alert(1)", "data:text/html,x", "file:///etc/x"])
def test_10_13_task_links_must_be_http(value: str) -> None:
    with pytest.raises(Invalid) as caught:
        fields.check_link("link", value)
    assert caught.value.message == "link must be an http(s) URL"


def test_10_13_signed_task_links_and_bundle_links_are_refused() -> None:
    with pytest.raises(Invalid) as caught:
        fields.check_link("link", "https://dl.dropboxusercontent.com/s/a/b.pdf")
    assert caught.value.message == (
        "link must be stable and must not be a signed URL or tokenized URL"
    )
    links = {"bundleLinks": [{"name": "Luma", "url": "https://x.io/a?token=1"}]}
    with pytest.raises(Invalid) as caught:
        fields.check_named_links(links, "bundleLinks")
    assert caught.value.message == (
        "bundleLinks[0].url must be stable and must not be a signed URL or tokenized URL"
    )


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(alphabet=st.sampled_from(list("ab:/?&#;= \tXx-_.sigtokenamzSIG%")), max_size=40)
)
def test_text_without_a_url_or_an_assignment_is_never_signed(text: str) -> None:
    """is_signed_text answers such text at once: the full rules agree."""
    full = contains_signed_url(text) or bool(_SIGNING_ASSIGNMENT.search(text))
    assert is_signed_text(text) == full
    if "://" not in text and "=" not in text:
        assert not full
