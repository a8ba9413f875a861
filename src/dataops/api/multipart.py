"""Streaming multipart/form-data for uploads (docs/api.md#files), within the size limit.

The body is fed chunk by chunk to python-multipart's low-level parser. Text fields are kept in
memory (bounded), the file part goes to an anonymous temporary file while its SHA-256 and size
are computed, so memory stays flat whatever the file's size, and reading stops at the first
byte over the limit. A file part only counts when the body ends with its closing boundary: a
truncated upload never reaches the blob store.
"""

from __future__ import annotations

import hashlib
import tempfile
from typing import BinaryIO

from fastapi import Request
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.concurrency import run_in_threadpool

from dataops.api.http import declares_more_than
from dataops.engine.files import IncomingFile, UploadForm
from dataops.model import messages
from dataops.model.errors import Invalid, TooLarge

# Part headers and text fields together; a form is a few ids and a tag list.
FIELDS_LIMIT = 1_048_576
# Bytes handed to the parser per trip off the event loop.
_BATCH = 262_144
_MAX_HEADERS_PER_PART = 16


def _text(raw: bytes) -> str:
    """Header parameters and field values: UTF-8 as browsers send them, Latin-1 otherwise."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def boundary_of(content_type: str) -> bytes | None:
    """`boundary=("..."|token)` of the Content-Type header; None when absent or empty."""
    _, options = parse_options_header(content_type)
    # Parameter names are case-insensitive (RFC 2045 5.1).
    found = [value for name, value in options.items() if name.lower() == b"boundary"]
    return found[-1] if found and found[-1] else None


class _FilePart:
    """A file part while it arrives: counted, hashed and spooled (or only counted)."""

    def __init__(self, filename: str, content_type: str | None, spool: bool) -> None:
        self.filename = filename
        self.content_type = content_type
        self.size = 0
        self.hash = hashlib.sha256()
        # Closed by close() or by the form that takes it over, not by a `with` block.
        self.spool: BinaryIO | None = tempfile.TemporaryFile() if spool else None  # noqa: SIM115

    def write(self, data: memoryview) -> None:
        self.size += len(data)
        if self.spool is not None:
            self.hash.update(data)
            self.spool.write(data)

    def finished(self) -> IncomingFile:
        digest = self.hash.hexdigest() if self.spool is not None else ""
        return IncomingFile(self.filename, self.content_type, self.size, digest, self.spool)

    def close(self) -> None:
        if self.spool is not None:
            self.spool.close()


class FormReader:
    """Feeds one multipart body to the parser and collects the form.

    `spool=False` counts the file's bytes without keeping them: used when the blob store would
    refuse the upload anyway (local disk in production), so nothing is written anywhere.
    """

    def __init__(self, boundary: bytes, *, max_file_bytes: int, spool: bool = True) -> None:
        self.max_file_bytes = max_file_bytes
        self.spool = spool
        self.fields: dict[str, str] = {}
        self.file: IncomingFile | None = None
        self.ended = False
        self._budget = FIELDS_LIMIT
        self._file_bytes = 0
        self._headers: dict[str, str] = {}
        self._header_name = bytearray()
        self._header_value = bytearray()
        self._field_name: str | None = None
        self._field_value = bytearray()
        self._file_part: _FilePart | None = None
        try:
            self._parser = MultipartParser(
                boundary,
                callbacks={
                    "on_part_begin": self._part_begin,
                    "on_header_field": self._header_field,
                    "on_header_value": self._header_value_data,
                    "on_header_end": self._header_end,
                    "on_headers_finished": self._headers_finished,
                    "on_part_data": self._part_data,
                    "on_part_end": self._part_end,
                    "on_end": self._end,
                },
                max_header_count=_MAX_HEADERS_PER_PART,
            )
        except FormParserError:
            raise Invalid(messages.UPLOAD_MALFORMED) from None

    # --- feeding ----------------------------------------------------------------------------

    def feed(self, data: bytes) -> None:
        try:
            self._parser.write(data)
        except FormParserError:
            raise Invalid(messages.UPLOAD_MALFORMED) from None

    def finish(self) -> UploadForm:
        """The form, once the closing boundary has been seen; else the body is malformed."""
        if not self.ended:
            raise Invalid(messages.UPLOAD_MALFORMED)
        form = UploadForm(dict(self.fields), self.file)
        self.file = None
        return form

    def discard(self) -> None:
        """Drop every spooled byte (on any error, and after a form was refused)."""
        if self._file_part is not None:
            self._file_part.close()
            self._file_part = None
        if self.file is not None:
            self.file.close()
            self.file = None

    # --- parser callbacks -------------------------------------------------------------------

    def _spend(self, amount: int) -> None:
        self._budget -= amount
        if self._budget < 0:
            raise TooLarge(messages.BODY_TOO_LARGE)

    def _part_begin(self) -> None:
        self._headers = {}
        self._field_name = None
        self._field_value = bytearray()

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._spend(end - start)
        self._header_name += data[start:end]

    def _header_value_data(self, data: bytes, start: int, end: int) -> None:
        self._spend(end - start)
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        name = bytes(self._header_name).decode("latin-1").strip().lower()
        self._headers[name] = bytes(self._header_value).decode("latin-1")
        self._header_name.clear()
        self._header_value.clear()

    def _headers_finished(self) -> None:
        disposition, options = parse_options_header(self._headers.get("content-disposition", ""))
        if disposition != b"form-data":
            return  # not a form field: its content is skipped
        if b"filename" in options:
            content_type = self._headers.get("content-type")
            self._file_part = _FilePart(_text(options[b"filename"]), content_type, self.spool)
        elif b"name" in options:
            self._field_name = _text(options[b"name"])

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._file_part is not None:
            # Counted over every file part: only the last one is kept, but all are read.
            self._file_bytes += end - start
            if self._file_bytes > self.max_file_bytes:
                raise TooLarge(messages.FILE_TOO_LARGE.format(limit=self.max_file_bytes))
            self._file_part.write(memoryview(data)[start:end])
        elif self._field_name is not None:
            self._spend(end - start)
            self._field_value += data[start:end]

    def _part_end(self) -> None:
        if self._file_part is not None:
            # The last file part wins (docs/api.md#files): an earlier one is dropped.
            if self.file is not None:
                self.file.close()
            self.file = self._file_part.finished()
            self._file_part = None
        elif self._field_name is not None:
            self.fields[self._field_name] = _text(bytes(self._field_value))
        self._field_name = None

    def _end(self) -> None:
        self.ended = True


async def read_upload(request: Request, *, max_file_bytes: int, spool: bool) -> UploadForm:
    """6.3 steps 1-3 and the size limit: the parsed form, its file spooled, or a 4xx.

    The caller closes the form (which deletes the spooled file).
    """
    content_type = request.headers.get("content-type", "")
    if "multipart/form-data" not in content_type.lower():
        raise Invalid(messages.UPLOAD_NOT_MULTIPART)
    if declares_more_than(request, max_file_bytes + FIELDS_LIMIT):
        raise TooLarge(messages.FILE_TOO_LARGE.format(limit=max_file_bytes))
    boundary = boundary_of(content_type)
    reader = FormReader(boundary, max_file_bytes=max_file_bytes, spool=spool) if boundary else None
    received = 0
    pending = bytearray()
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if reader is None:
                if received:
                    break  # without a boundary there are no fields (docs/api.md#files)
                continue
            pending += chunk
            if len(pending) >= _BATCH:
                await run_in_threadpool(reader.feed, bytes(pending))
                pending.clear()
        if received == 0:
            raise Invalid(messages.REQUEST_BODY_REQUIRED)
        if reader is None:
            return UploadForm()
        if pending:
            await run_in_threadpool(reader.feed, bytes(pending))
        return reader.finish()
    except BaseException:
        if reader is not None:
            await run_in_threadpool(reader.discard)
        raise
