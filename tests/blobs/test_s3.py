"""The S3 blob store against moto in server mode: the shared contract, multipart uploads above
the part size (aborted on failure, no parts left), presigned downloads and direct uploads
fetched with plain HTTP, keys and URIs, and how much of S3's reported checksum is trusted."""

from __future__ import annotations

import base64
import hashlib
import io
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from dataops.blobs.base import BlobMissingError, ChecksumMismatchError
from dataops.blobs.s3 import (
    DEFAULT_PART_SIZE,
    MIN_PART_SIZE,
    S3BlobStore,
    b64_sha256,
    hex_sha256,
    whole_object_sha256,
)
from dataops.bootstrap import open_blobs
from tests.blobs.contract import BlobStoreContract
from tests.conftest import make_settings
from tests.support.moto_server import S3Emulator

BIG = bytes(range(256)) * (DEFAULT_PART_SIZE // 256 * 2 + 4_000)  # two parts and a bit


class TestS3BlobStore(BlobStoreContract):
    @pytest.fixture
    def blobs(self, s3: S3Emulator) -> Iterator[S3BlobStore]:
        store = S3BlobStore(s3.bucket, "dataops")
        yield store
        store.close()


@pytest.fixture
def blobs(s3: S3Emulator) -> Iterator[S3BlobStore]:
    store = S3BlobStore(s3.bucket, "dataops")
    yield store
    store.close()


def test_configured_by_dataops_blobs_with_the_standard_endpoint_variable(
    s3: S3Emulator,
) -> None:
    store = open_blobs(make_settings(DATAOPS_BLOBS=f"s3://{s3.bucket}/team/prod/"))
    assert isinstance(store, S3BlobStore)
    assert (store.bucket, store.prefix) == (s3.bucket, "team/prod")

    stored = store.put("files/f1", io.BytesIO(b"minutes"), content_type="text/plain")

    assert stored.uri == f"s3://{s3.bucket}/team/prod/files/f1"
    assert s3.keys() == ["team/prod/files/f1"]
    assert s3.body("team/prod/files/f1") == b"minutes"


def test_the_general_endpoint_variable_works_too(
    s3: S3Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL_S3")
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3.endpoint)
    store = open_blobs(make_settings(DATAOPS_BLOBS=f"s3://{s3.bucket}"))
    store.put("files/f2", io.BytesIO(b"agenda"), content_type="text/plain")
    assert s3.keys() == ["files/f2"]


def test_uris_and_keys(s3: S3Emulator) -> None:
    store = S3BlobStore("media", "dataops")
    unprefixed = S3BlobStore("media")
    assert store.provider == "s3"
    assert store.uri_for("files/abc") == "s3://media/dataops/files/abc"
    assert unprefixed.uri_for("files/abc") == "s3://media/files/abc"
    assert store.key_for("s3://media/dataops/files/abc") == "files/abc"
    assert unprefixed.key_for("s3://media/dataops/files/abc") == "dataops/files/abc"
    for uri in (
        "s3://other/dataops/files/abc",
        "s3://media/files/abc",
        "s3://media/dataops/",
        "s3://media/dataops/../secrets",
        "s3://media/dataops/files//abc",
        "s3://mediax/dataops/files/abc",
        "local-dev://files/abc",
        "https://media.s3.amazonaws.com/dataops/files/abc",
    ):
        assert store.key_for(uri) is None, uri


def test_what_the_store_contains(s3: S3Emulator) -> None:
    """Every URI below the bucket and prefix, valid key or not: only ours can be there."""
    store = S3BlobStore("media", "dataops")
    for uri in (
        "s3://media/dataops/files/abc",
        "s3://media/dataops/",
        "s3://media/dataops/../secrets",
        "s3://media/dataops/files//abc",
        "s3://media/dataops/a b.wav",
        "S3://Media/dataops/files/abc",
    ):
        assert store.contains(uri), uri
    for uri in (
        "s3://media/dataops",
        "s3://media/dataops-archive/x",
        "s3://media/DATAOPS/x",
        "s3://media/files/abc",
        "s3://other/dataops/files/abc",
        "s3://mediax/dataops/files/abc",
        "local-dev://dataops/files/abc",
        "https://media.s3.amazonaws.com/dataops/files/abc",
    ):
        assert not store.contains(uri), uri
    assert S3BlobStore("media").contains("s3://media/anything")
    assert not store.is_temporary("files/abc") and store.remote


def test_the_sha256_is_sent_with_the_bytes(
    blobs: S3BlobStore, s3: S3Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[dict[str, object]] = []
    real_put = blobs._client.put_object

    def spy(**params: object) -> object:
        sent.append(params)
        return real_put(**params)  # type: ignore[arg-type]

    monkeypatch.setattr(blobs._client, "put_object", spy)
    blobs.put("files/s1", io.BytesIO(b"transcript"), content_type="text/plain")

    digest = hashlib.sha256(b"transcript").digest()
    assert sent[0]["ChecksumSHA256"] == base64.b64encode(digest).decode()
    assert sent[0]["ContentType"] == "text/plain"
    assert sent[0]["Key"] == "dataops/files/s1"


def test_a_stream_above_the_part_size_goes_up_in_parts_with_our_whole_object_sha256(
    blobs: S3BlobStore, s3: S3Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    part_sizes: list[int] = []
    real_upload_part = blobs._client.upload_part

    def spy(**params: object) -> object:
        body = params["Body"]
        assert isinstance(body, bytes)
        part_sizes.append(len(body))
        assert params["ChecksumSHA256"] == base64.b64encode(hashlib.sha256(body).digest()).decode()
        return real_upload_part(**params)  # type: ignore[arg-type]

    monkeypatch.setattr(blobs._client, "upload_part", spy)
    stored = blobs.put("files/rec", io.BytesIO(BIG), content_type="audio/wav")

    assert part_sizes == [DEFAULT_PART_SIZE, DEFAULT_PART_SIZE, len(BIG) - 2 * DEFAULT_PART_SIZE]
    assert stored.size == len(BIG)
    assert stored.sha256 == hashlib.sha256(BIG).hexdigest()
    assert s3.body("dataops/files/rec") == BIG
    info = blobs.head("files/rec")
    assert info is not None
    assert info.size == len(BIG)
    # S3 keeps a checksum of the parts' checksums for such an object, never the bytes' SHA-256.
    assert info.sha256 is None
    assert info.content_type == "audio/wav"
    assert s3.multipart_uploads() == []


def test_exactly_one_part_is_a_single_put(
    blobs: S3BlobStore, s3: S3Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = b"x" * DEFAULT_PART_SIZE

    def no_multipart(**params: object) -> object:
        raise AssertionError("one part needs no multipart upload")

    monkeypatch.setattr(blobs._client, "create_multipart_upload", no_multipart)
    stored = blobs.put("files/exact", io.BytesIO(content), content_type="text/plain")
    assert stored.size == DEFAULT_PART_SIZE
    assert stored.sha256 == hashlib.sha256(content).hexdigest()


def test_a_multipart_upload_whose_bytes_do_not_match_is_aborted(
    blobs: S3BlobStore, s3: S3Emulator
) -> None:
    with pytest.raises(ChecksumMismatchError):
        blobs.put(
            "files/tampered",
            io.BytesIO(BIG),
            content_type="audio/wav",
            sha256=hashlib.sha256(b"something else").hexdigest(),
        )
    assert s3.keys() == []
    assert s3.multipart_uploads() == []


def test_a_stream_that_breaks_off_leaves_no_object_and_no_parts(
    blobs: S3BlobStore, s3: S3Emulator
) -> None:
    class ClientWentAway(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            if self.tell() > DEFAULT_PART_SIZE * 2:
                raise ConnectionResetError("client went away")
            return super().read(size)

    with pytest.raises(ConnectionResetError):
        blobs.put("files/broken", ClientWentAway(BIG + BIG), content_type="video/mp4")
    assert s3.keys() == []
    assert s3.multipart_uploads() == []


def test_a_failed_part_upload_aborts_the_multipart_upload(
    blobs: S3BlobStore, s3: S3Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_upload_part = blobs._client.upload_part

    def second_part_fails(**params: object) -> object:
        if params["PartNumber"] == 2:
            raise TimeoutError("network down")
        return real_upload_part(**params)  # type: ignore[arg-type]

    monkeypatch.setattr(blobs._client, "upload_part", second_part_fails)
    with pytest.raises(TimeoutError):
        blobs.put("files/net", io.BytesIO(BIG), content_type="video/mp4")
    assert s3.keys() == []
    assert s3.multipart_uploads() == []


def test_a_presigned_download_is_plain_http_with_name_and_type(
    blobs: S3BlobStore, s3: S3Emulator
) -> None:
    blobs.put("files/inv", io.BytesIO(b"%PDF-1.7 invoice"), content_type="application/pdf")

    url = blobs.presigned_get_url(
        "files/inv", filename="Rechnung März.pdf", content_type="application/pdf", expires_in=60
    )

    assert url is not None
    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-Expires"] == ["60"]
    assert "X-Amz-Signature" in query
    response = httpx.get(url)
    assert response.status_code == 200
    assert response.content == b"%PDF-1.7 invoice"
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == (
        "attachment; filename=\"Rechnung M_rz.pdf\"; filename*=UTF-8''Rechnung%20M%C3%A4rz.pdf"
    )


def test_a_presigned_upload_signs_type_length_checksum_and_the_pending_tag(
    blobs: S3BlobStore, s3: S3Emulator
) -> None:
    content = b"guest prep, episode 42"
    digest = hashlib.sha256(content).hexdigest()

    upload = blobs.presign_upload(
        "uploads/u1", content_type="text/markdown", sha256=digest, size=len(content), expires_in=90
    )

    assert upload is not None
    query = parse_qs(urlsplit(upload.url).query)
    assert query["X-Amz-SignedHeaders"] == [
        "content-length;content-type;host;x-amz-checksum-sha256;x-amz-tagging"
    ]
    assert query["X-Amz-Expires"] == ["90"]
    assert dict(upload.headers) == {
        "Content-Type": "text/markdown",
        "x-amz-checksum-sha256": base64.b64encode(bytes.fromhex(digest)).decode(),
        "x-amz-tagging": "dataops-upload=pending",
    }
    assert httpx.put(upload.url, content=content, headers=upload.headers).status_code == 200
    assert s3.body("dataops/uploads/u1") == content
    assert s3.tags("dataops/uploads/u1") == {"dataops-upload": "pending"}

    blobs.mark_registered("uploads/u1")
    assert s3.tags("dataops/uploads/u1") == {}


def test_delete_and_reads_of_missing_objects(blobs: S3BlobStore, s3: S3Emulator) -> None:
    blobs.put("files/d1", io.BytesIO(b"x"), content_type="text/plain")
    assert blobs.delete("files/d1") is True
    assert s3.keys() == []
    assert blobs.delete("files/d1") is False
    assert blobs.head("files/d1") is None
    with pytest.raises(BlobMissingError):
        blobs.open("files/d1")


def test_a_part_size_below_the_s3_minimum_is_refused() -> None:
    with pytest.raises(ValueError, match="part_size must be at least 5242880 bytes"):
        S3BlobStore("media", part_size=MIN_PART_SIZE - 1, client=object())  # type: ignore[arg-type]


def test_checksum_notations() -> None:
    digest = hashlib.sha256(b"abc").hexdigest()
    assert hex_sha256(b64_sha256(digest)) == digest
    assert hex_sha256("not base64!") is None
    assert hex_sha256(base64.b64encode(b"short").decode()) is None


@pytest.mark.parametrize(
    ("head", "trusted"),
    [
        ({"ChecksumSHA256": "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=", "ETag": '"e"'}, True),
        (
            {
                "ChecksumSHA256": "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=",
                "ChecksumType": "FULL_OBJECT",
                "ETag": '"e"',
            },
            True,
        ),
        (
            {
                "ChecksumSHA256": "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=-3",
                "ChecksumType": "COMPOSITE",
                "ETag": '"e-3"',
            },
            False,
        ),
        # What the emulator reports for a multipart object: no type, a multipart ETag.
        (
            {"ChecksumSHA256": "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=", "ETag": '"e-2"'},
            False,
        ),
        ({"ETag": '"e"'}, False),
    ],
)
def test_only_a_whole_object_checksum_reported_by_s3_is_trusted(
    head: dict[str, str], trusted: bool
) -> None:
    expected = hashlib.sha256(b"abc").hexdigest() if trusted else None
    assert whole_object_sha256(head) == expected
