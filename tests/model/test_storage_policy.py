"""Storage providers: inference from a URI (docs/api.md#artifacts). What is signed or secret is
tests/model/test_secrets.py's."""

from __future__ import annotations

import pytest

from dataops.model.storage_policy import StorageProvider, infer_provider


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
