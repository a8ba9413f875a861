"""Behaviour every BlobStore backend shares; a backend's test module subclasses BlobStoreContract
and provides the `blobs` fixture (a store that accepts writes)."""

from __future__ import annotations

import hashlib
import io

import pytest

from dataops.blobs.base import BlobMissingError, BlobStore, ChecksumMismatchError

CONTENT = b"%PDF-1.7\n" + bytes(range(256)) * 8_000  # ~2 MB, more than one chunk


class BlobStoreContract:
    def test_put_computes_sha256_and_size_while_writing(self, blobs: BlobStore) -> None:
        stored = blobs.put("files/a1", io.BytesIO(CONTENT), content_type="application/pdf")
        digest = hashlib.sha256(CONTENT).hexdigest()
        assert (stored.key, stored.size, stored.sha256) == ("files/a1", len(CONTENT), digest)
        assert stored.checksum == f"sha256:{digest}"
        assert stored.uri == blobs.uri_for("files/a1")
        assert blobs.key_for(stored.uri) == "files/a1"

    def test_open_streams_the_bytes_back(self, blobs: BlobStore) -> None:
        blobs.put("files/a2", io.BytesIO(CONTENT), content_type="application/pdf")
        reader = blobs.open("files/a2")
        assert reader.size == len(CONTENT)
        chunks = list(reader.chunks(65_536))
        assert len(chunks) > 1
        assert b"".join(chunks) == CONTENT

    def test_head(self, blobs: BlobStore) -> None:
        blobs.put("files/a3", io.BytesIO(b"abc"), content_type="text/plain")
        info = blobs.head("files/a3")
        assert info is not None
        assert (info.key, info.size) == ("files/a3", 3)
        assert info.sha256 in (None, hashlib.sha256(b"abc").hexdigest())
        assert blobs.head("files/none") is None

    def test_list_objects_names_every_object_with_its_size(self, blobs: BlobStore) -> None:
        blobs.put("files/b1", io.BytesIO(b"abc"), content_type="text/plain")
        blobs.put("outputs/b2", io.BytesIO(b"abcdef"), content_type="text/plain")
        listed = {(info.key, info.size) for info in blobs.list_objects()}
        assert {("files/b1", 3), ("outputs/b2", 6)} <= listed
        blobs.delete("files/b1")
        assert "files/b1" not in {info.key for info in blobs.list_objects()}

    def test_delete(self, blobs: BlobStore) -> None:
        blobs.put("files/a4", io.BytesIO(b"abc"), content_type="text/plain")
        assert blobs.delete("files/a4") is True
        assert blobs.delete("files/a4") is False
        with pytest.raises(BlobMissingError):
            blobs.open("files/a4")

    def test_a_declared_checksum_that_does_not_match_keeps_nothing(self, blobs: BlobStore) -> None:
        with pytest.raises(ChecksumMismatchError):
            blobs.put(
                "files/a5",
                io.BytesIO(b"tampered"),
                content_type="text/plain",
                sha256=hashlib.sha256(b"original").hexdigest(),
            )
        assert blobs.head("files/a5") is None

    def test_a_matching_declared_checksum_is_accepted(self, blobs: BlobStore) -> None:
        digest = hashlib.sha256(b"original").hexdigest()
        stored = blobs.put(
            "files/a6", io.BytesIO(b"original"), content_type="text/plain", sha256=digest
        )
        assert stored.sha256 == digest

    @pytest.mark.parametrize(
        "key", ["", "/files/x", "files/../x", "files//x", "files/x y", "../x", "files/."]
    )
    def test_keys_are_engine_generated_shapes_only(self, blobs: BlobStore, key: str) -> None:
        with pytest.raises(ValueError, match="not a valid blob key"):
            blobs.put(key, io.BytesIO(b"x"), content_type="text/plain")

    def test_missing_objects(self, blobs: BlobStore) -> None:
        with pytest.raises(BlobMissingError):
            blobs.open("files/never-written")
