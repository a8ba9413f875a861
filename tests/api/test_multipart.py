"""The streaming form reader: any chunking gives the same form, the file is hashed while it is
spooled, and bytes that will be refused are never written anywhere."""

from __future__ import annotations

import hashlib
import tempfile
from typing import BinaryIO

import pytest

from dataops.api.multipart import FormReader, boundary_of
from dataops.model.errors import Invalid, TooLarge
from tests.support.multipart import BOUNDARY, body, field, file_part

CONTENT = b"--not-the-boundary\r\n" + bytes(range(256)) * 40 + b"\r\n--" + BOUNDARY[:-2].encode()
RAW = body(
    [
        field("taskId", "task-1"),
        field("tags", '["caf\u00e9"]'),
        file_part(CONTENT, "Caf\u00e9 receipt.pdf", "application/pdf"),
        field("category", "invoice"),
    ]
)


def read(raw: bytes, chunk: int, *, spool: bool = True, limit: int = 10_000_000) -> FormReader:
    reader = FormReader(BOUNDARY.encode(), max_file_bytes=limit, spool=spool)
    for start in range(0, len(raw), chunk):
        reader.feed(raw[start : start + chunk])
    return reader


@pytest.mark.parametrize("chunk", [1, 2, 7, 64, 1000, len(RAW)])
def test_any_chunking_gives_the_same_form(chunk: int) -> None:
    form = read(RAW, chunk).finish()
    try:
        assert form.fields == {"taskId": "task-1", "tags": '["caf\u00e9"]', "category": "invoice"}
        assert form.file is not None
        assert form.file.filename == "Caf\u00e9 receipt.pdf"
        assert form.file.content_type == "application/pdf"
        assert form.file.size == len(CONTENT)
        assert form.file.sha256 == hashlib.sha256(CONTENT).hexdigest()
        assert form.file.spool is not None
        form.file.spool.seek(0)
        assert form.file.spool.read() == CONTENT
    finally:
        form.close()


def test_without_spooling_bytes_are_only_counted() -> None:
    form = read(RAW, 4096, spool=False).finish()
    assert form.file is not None
    assert (form.file.size, form.file.sha256, form.file.spool) == (len(CONTENT), "", None)


def test_an_earlier_file_part_is_closed_when_a_later_one_wins(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spools: list[BinaryIO] = []
    real = tempfile.TemporaryFile

    def tracked() -> BinaryIO:
        spools.append(real())
        return spools[-1]

    monkeypatch.setattr("dataops.api.multipart.tempfile.TemporaryFile", tracked)
    form = read(body([file_part(b"first", "a.pdf"), file_part(b"second", "b.pdf")]), 3).finish()
    assert form.file is not None and form.file.filename == "b.pdf"
    assert len(spools) == 2
    assert spools[0].closed
    assert form.file.spool is spools[1] and not spools[1].closed
    form.close()
    assert spools[1].closed


def test_a_body_without_its_closing_boundary_is_malformed() -> None:
    reader = read(body([field("taskId", "t"), file_part(b"x")], closed=False), 10)
    with pytest.raises(Invalid, match=r"^Malformed multipart/form-data body$"):
        reader.finish()
    reader.discard()


def test_the_file_limit_stops_the_read_at_the_crossing_chunk() -> None:
    reader = FormReader(BOUNDARY.encode(), max_file_bytes=100)
    head = body([field("taskId", "t")], closed=False)
    reader.feed(
        head
        + f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="f"; filename="a"\r\n\r\n'.encode()
    )
    reader.feed(b"x" * 100)
    with pytest.raises(
        TooLarge, match=r"^File too large: the limit is 100 bytes; use a direct upload$"
    ):
        reader.feed(b"x")
    reader.discard()


def test_the_limit_counts_every_file_part() -> None:
    """Only the last file part is kept, but a client cannot send many parts of the limit each."""
    raw = body([file_part(b"x" * 60, "a.pdf"), file_part(b"y" * 60, "b.pdf")])
    reader = FormReader(BOUNDARY.encode(), max_file_bytes=100)
    with pytest.raises(TooLarge, match=r"^File too large: the limit is 100 bytes"):
        reader.feed(raw)
    reader.discard()


def test_parts_that_are_not_form_data_are_skipped() -> None:
    raw = (
        f'--{BOUNDARY}\r\nContent-Disposition: attachment; filename="x.pdf"\r\n\r\nignored\r\n'
        f"--{BOUNDARY}\r\nContent-Type: text/plain\r\n\r\nignored too\r\n"
        f"--{BOUNDARY}\r\nContent-Disposition: form-data\r\n\r\nno name\r\n"
        f"--{BOUNDARY}--\r\n"
    ).encode()
    form = read(raw, 5).finish()
    assert (form.fields, form.file) == ({}, None)


def test_boundary_of() -> None:
    assert boundary_of("multipart/form-data; boundary=abc") == b"abc"
    assert boundary_of('multipart/form-data; boundary="a b;c"') == b"a b;c"
    assert boundary_of("Multipart/Form-Data; charset=utf-8; BOUNDARY=xyz") == b"xyz"
    assert boundary_of("multipart/form-data") is None
    assert boundary_of("multipart/form-data; boundary=") is None
