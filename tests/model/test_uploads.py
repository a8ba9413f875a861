"""Direct upload requests (docs/api.md#artifacts): every field checked in order, with exact messages,
and the content types guessed for stored outputs."""

from __future__ import annotations

from typing import Any

import pytest

from dataops.model.errors import Invalid
from dataops.model.files import guess_content_type
from dataops.model.uploads import (
    MAX_DIRECT_UPLOAD_BYTES,
    UploadRequest,
    parse_sha256_checksum,
    parse_upload_request,
)

DIGEST = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
VALID: dict[str, Any] = {
    "filename": "episode-12-raw.wav",
    "contentType": "audio/wav",
    "sizeBytes": 734_003_200,
    "checksum": f"sha256:{DIGEST}",
}


def refusal(body: Any) -> str:
    with pytest.raises(Invalid) as refused:
        parse_upload_request(body)
    return refused.value.message


def test_a_valid_request() -> None:
    request = parse_upload_request(VALID)
    assert request == UploadRequest("episode-12-raw.wav", "audio/wav", 734_003_200, DIGEST)
    assert request.checksum == f"sha256:{DIGEST}"


def test_the_filename_is_sanitised_like_an_uploaded_files() -> None:
    request = parse_upload_request({**VALID, "filename": "../../C:\\rec\\take\u202e1.wav"})
    assert request.filename == "take1.wav"


def test_the_content_type_defaults_to_the_filenames() -> None:
    body = {key: value for key, value in VALID.items() if key != "contentType"}
    assert parse_upload_request(body).content_type == "audio/wav"
    assert parse_upload_request({**body, "contentType": "  "}).content_type == "audio/wav"
    assert parse_upload_request({**body, "filename": "notes.md"}).content_type == "text/markdown"
    assert (
        parse_upload_request({**body, "filename": "blob"}).content_type
        == "application/octet-stream"
    )


def test_the_checksum_is_kept_in_lower_case_hex() -> None:
    request = parse_upload_request({**VALID, "checksum": f"sha256:{DIGEST.upper()}"})
    assert request.sha256 == DIGEST


def test_zero_bytes_and_integral_numbers_are_sizes() -> None:
    assert parse_upload_request({**VALID, "sizeBytes": 0}).size == 0
    assert parse_upload_request({**VALID, "sizeBytes": 1024.0}).size == 1024
    assert parse_upload_request({**VALID, "sizeBytes": MAX_DIRECT_UPLOAD_BYTES}).size == (
        5_368_709_120
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"filename": None}, "Missing required field: filename"),
        ({"filename": 42}, "filename must be a string"),
        ({"filename": "../"}, "Missing required field: filename"),
        ({"filename": "\x00\x07"}, "Missing required field: filename"),
        ({"filename": "a" * 256}, "filename is too long (max 255)"),
        ({"contentType": ["audio/wav"]}, "contentType must be a string"),
        ({"contentType": "audio/" + "x" * 300}, "contentType is too long (max 255)"),
        ({"sizeBytes": None}, "Missing required field: sizeBytes"),
        ({"sizeBytes": -1}, "sizeBytes must be a non-negative integer"),
        ({"sizeBytes": 1.5}, "sizeBytes must be a non-negative integer"),
        ({"sizeBytes": "1024"}, "sizeBytes must be a non-negative integer"),
        ({"sizeBytes": True}, "sizeBytes must be a non-negative integer"),
        (
            {"sizeBytes": MAX_DIRECT_UPLOAD_BYTES + 1},
            "sizeBytes must be at most 5368709120 bytes (the largest single upload S3 accepts)",
        ),
        (
            {"sizeBytes": 5 * 1024**4},
            "sizeBytes must be at most 5368709120 bytes (the largest single upload S3 accepts)",
        ),
        ({"checksum": None}, "Missing required field: checksum"),
        ({"checksum": DIGEST}, "checksum must be sha256:<64 hex digits>"),
        ({"checksum": f"md5:{DIGEST}"}, "checksum must be sha256:<64 hex digits>"),
        ({"checksum": f"sha256:{DIGEST[:-1]}"}, "checksum must be sha256:<64 hex digits>"),
        ({"checksum": f"sha256:{DIGEST[:-1]}g"}, "checksum must be sha256:<64 hex digits>"),
        ({"checksum": f"sha256:{DIGEST}\n"}, "checksum must be sha256:<64 hex digits>"),
        ({"checksum": 7}, "checksum must be sha256:<64 hex digits>"),
    ],
)
def test_each_field_is_refused_with_its_message(change: dict[str, Any], message: str) -> None:
    body = {**VALID, **change}
    for name, value in change.items():
        if value is None:
            del body[name]
    assert refusal(body) == message


def test_fields_are_checked_in_order() -> None:
    assert refusal({}) == "Missing required field: filename"
    assert refusal({"filename": "a.wav"}) == "Missing required field: sizeBytes"
    assert refusal({"filename": "a.wav", "sizeBytes": -1, "checksum": "x"}) == (
        "sizeBytes must be a non-negative integer"
    )


@pytest.mark.parametrize("body", [None, [], "upload", 3])
def test_a_body_that_is_not_an_object(body: Any) -> None:
    assert refusal(body) == "Request body is required"


def test_checksum_notation() -> None:
    assert parse_sha256_checksum(f"sha256:{DIGEST}") == DIGEST
    assert parse_sha256_checksum(None) is None
    assert parse_sha256_checksum(f"SHA256:{DIGEST}") is None


@pytest.mark.parametrize(
    ("filename", "content_type"),
    [
        ("prep.md", "text/markdown"),
        ("report.PDF", "application/pdf"),
        ("take.wav", "audio/wav"),
        ("episode.mp3", "audio/mpeg"),
        ("captions.vtt", "text/vtt"),
        ("notes.txt", "text/plain"),
        ("archive.tar.zst", "application/octet-stream"),
        ("README", "application/octet-stream"),
    ],
)
def test_guessed_content_types(filename: str, content_type: str) -> None:
    assert guess_content_type(filename) == content_type
