"""File record rules: display filenames, categories, tags, content types, legacy URIs."""

from __future__ import annotations

import pytest

from dataops.model import files
from dataops.model.errors import Invalid


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("invoice.pdf", "invoice.pdf"),
        ("../../etc/passwd", "passwd"),
        ("C:\\x\\y.pdf", "y.pdf"),
        ("C:y.pdf", "y.pdf"),
        ("\\\\server\\share\\scan.png", "scan.png"),
        ("a\x00b\x1f\x7f\x85c.txt", "abc.txt"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),
        ("  spaced name.pdf  ", "spaced name.pdf"),
        ("Überweisung – März.pdf", "Überweisung – März.pdf"),
        (".env", ".env"),
        ("..", ""),
        ("../", ""),
        ("", ""),
        ("\x00", ""),
        ("dir/.", ""),
    ],
)
def test_display_filename(raw: str, shown: str) -> None:
    assert files.display_filename(raw) == shown


def test_check_filename() -> None:
    files.check_filename("a" * 255)
    with pytest.raises(Invalid, match=r"^filename is too long \(max 255\)$"):
        files.check_filename("a" * 256)
    with pytest.raises(Invalid, match=r"^Missing required field: file$"):
        files.check_filename("")


def test_category_defaults_to_document_and_must_be_known() -> None:
    assert files.parse_category(None) is files.FileCategory.DOCUMENT
    assert files.parse_category("") is files.FileCategory.DOCUMENT
    assert files.parse_category("image") is files.FileCategory.IMAGE
    with pytest.raises(
        Invalid, match=r"^Invalid category\. Must be one of: image, invoice, document$"
    ):
        files.parse_category("receipt")


def test_tags_are_a_json_array_of_strings() -> None:
    assert files.parse_tags('["a", "b"]') == ["a", "b"]
    assert files.parse_tags("[]") == []
    for raw in ("", "a", "{}", "[1]", "[null]", "Infinity", "[NaN]"):
        with pytest.raises(Invalid, match=r"^Invalid tags format\. Must be a JSON array\.$"):
            files.parse_tags(raw)


def test_part_content_type() -> None:
    assert files.part_content_type(None) == "application/octet-stream"
    assert files.part_content_type("  ") == "application/octet-stream"
    assert files.part_content_type("image/png\r\n") == "image/png"
    with pytest.raises(Invalid, match=r"^contentType is too long \(max 255\)$"):
        files.part_content_type("x" * 256)


def test_content_type_by_extension_never_has_a_charset() -> None:
    assert files.content_type_for("a.TXT") == "text/plain"
    assert files.content_type_for("a.tar.gz") == "application/octet-stream"
    assert files.content_type_for("noext") == "application/octet-stream"
    assert all("charset" not in value for value in files.CONTENT_TYPES.values())


def test_legacy_storage_path_becomes_a_local_dev_uri() -> None:
    assert files.legacy_storage_uri("t-1\\scan 1.png") == "local-dev://t-1/scan 1.png"
    legacy = {"id": "f", "storagePath": "t-1/a.pdf", "filename": "a.pdf"}
    assert files.storage_uri_of(legacy) == "local-dev://t-1/a.pdf"
    assert files.present(legacy) == {
        **legacy,
        "storageUri": "local-dev://t-1/a.pdf",
        "storageProvider": "local-dev",
    }
    current = {"id": "g", "storageUri": "s3://bucket/files/g", "storageProvider": "s3"}
    assert files.present(current) == current
    assert files.storage_uri_of({"id": "h"}) is None


def test_download_filename_falls_back_to_the_legacy_path() -> None:
    assert files.download_filename({"filename": "a.pdf"}) == "a.pdf"
    assert files.download_filename({"storagePath": "t\\scan.png"}) == "scan.png"
    assert files.download_filename({}) == "download"
