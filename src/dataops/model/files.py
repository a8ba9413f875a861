"""File records (docs/api.md#files): categories, display filenames, upload field rules,
download content types and the storage URI of legacy records.

A file record is metadata of a binary uploaded through the engine; the binary itself lives in
the blob store under an engine-generated key, never under the client's filename.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from enum import StrEnum
from typing import Any
from urllib.parse import quote

from dataops.model import fields, jsonvalue, messages, records
from dataops.model.errors import Invalid
from dataops.model.records import FILENAME_MAX, SHORT_TEXT_MAX, Field, Kind, RecordType
from dataops.model.storage_policy import StorageProvider, infer_provider
from dataops.model.values import is_string_array

DEFAULT_CONTENT_TYPE = "application/octet-stream"
CONTENT_TYPE_MAX = 255
LEGACY_URI_PREFIX = "local-dev://"


class FileCategory(StrEnum):
    IMAGE = "image"
    INVOICE = "invoice"
    DOCUMENT = "document"


# Every field of a file record, in the order the export validator reports them
# (docs/export-format.md, rule 9). `storageUri` is the engine's own (`local-dev://<key>`,
# `s3://<bucket>/<key>`, or a legacy `storagePath` turned into a URI as it was written), so it is
# text, not a client's URI.
FILE = RecordType(
    "files",
    (
        Field("id", Kind.ID, export="file_id", required=True, writable=False),
        Field("createdAt", Kind.TIMESTAMP, writable=False),
        Field("taskId", Kind.ID, SHORT_TEXT_MAX, references="tasks"),
        Field("bundleId", Kind.ID, SHORT_TEXT_MAX, references="bundles"),
        Field("filename", Kind.TEXT, FILENAME_MAX),
        Field("category", Kind.ENUM, values=tuple(FileCategory)),
        fields.TAGS,
        Field("storageUri", Kind.TEXT, SHORT_TEXT_MAX),
        Field("storageProvider", Kind.ENUM, values=tuple(StorageProvider)),
        Field("contentType", Kind.TEXT, CONTENT_TYPE_MAX),
        Field("checksum", Kind.TEXT, SHORT_TEXT_MAX),
        Field("sizeBytes", Kind.NUMBER),
    ),
)

# Download Content-Type by extension, exactly these values (no charset).
CONTENT_TYPES: Mapping[str, str] = {
    ".txt": "text/plain",
    ".html": "text/html",
    ".css": "text/css",
    ".js": "application/javascript",
    ".json": "application/json",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".svg": "image/svg+xml",
    ".pdf": "application/pdf",
    ".zip": "application/zip",
    ".csv": "text/csv",
    ".xml": "application/xml",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

# Bidirectional overrides and isolates let `invoice\u202efdp.exe` display as `invoiceexe.pdf`.
_BIDI_CONTROLS = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_DRIVE = re.compile(r"^[A-Za-z]:")


def _is_control(ch: str) -> bool:
    return unicodedata.category(ch) == "Cc" or ch in _BIDI_CONTROLS


def display_filename(raw: str) -> str:
    """The client's filename made safe to show: control characters (NUL included) and any
    directory part (`/`, `\\`, a drive letter) removed; `""` when nothing is left.

    `../../etc/passwd` -> `passwd`, `C:\\x\\y.pdf` -> `y.pdf`. The result is for display
    only; storage keys never derive from it.
    """
    cleaned = "".join(ch for ch in raw if not _is_control(ch))
    name = re.split(r"[\\/]", cleaned)[-1]
    name = _DRIVE.sub("", name).strip()
    return "" if name in (".", "..") else name


def content_type_for(filename: str) -> str:
    """The download Content-Type by the filename's extension (case-insensitive)."""
    _, dot, extension = filename.rpartition(".")
    if not dot:
        return DEFAULT_CONTENT_TYPE
    return CONTENT_TYPES.get("." + extension.lower(), DEFAULT_CONTENT_TYPE)


# Beyond the download table: types assistants and recorders commonly produce.
_MORE_CONTENT_TYPES: Mapping[str, str] = {
    ".md": "text/markdown",
    ".markdown": "text/markdown",
    ".wav": "audio/wav",
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".mp4": "video/mp4",
    ".mov": "video/quicktime",
    ".vtt": "text/vtt",
    ".srt": "application/x-subrip",
    ".yaml": "application/yaml",
    ".yml": "application/yaml",
    ".jsonl": "application/jsonl",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}


def guess_content_type(filename: str) -> str:
    """The content type of a file the engine stores on someone's behalf (assistant outputs,
    direct uploads without one): the download table, then common media and text types."""
    known = content_type_for(filename)
    if known != DEFAULT_CONTENT_TYPE:
        return known
    _, dot, extension = filename.rpartition(".")
    if not dot:
        return DEFAULT_CONTENT_TYPE
    return _MORE_CONTENT_TYPES.get("." + extension.lower(), DEFAULT_CONTENT_TYPE)


def content_disposition(filename: str) -> str:
    """`attachment; filename="<filename>"`; names outside ASCII add an RFC 6266 `filename*`
    (HTTP headers are Latin-1, so the quoted form gets an ASCII stand-in). Used for streamed
    downloads and as the `response-content-disposition` of presigned ones."""
    quoted = filename.replace("\\", "\\\\").replace('"', '\\"')
    if quoted.isascii():
        return f'attachment; filename="{quoted}"'
    fallback = "".join(ch if ch.isascii() else "_" for ch in quoted)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def part_content_type(raw: str | None) -> str:
    """The record's `contentType`: the part's header value, `application/octet-stream` when
    absent; control characters removed; refused when longer than a media type can be."""
    value = "".join(ch for ch in (raw or "") if not _is_control(ch)).strip()
    if not value:
        return DEFAULT_CONTENT_TYPE
    records.check_field(FILE.by_name["contentType"], value)
    return value


def check_filename(filename: str) -> None:
    """A display filename: present (else the file is missing) and at most 255 chars."""
    if not filename:
        raise Invalid(messages.MISSING_FIELD.format(field="file"))
    records.check_field(FILE.by_name["filename"], filename)


def parse_category(raw: str | None) -> FileCategory:
    """6.3 step 7: `category || "document"`, one of the three categories."""
    if not raw:
        return FileCategory.DOCUMENT
    try:
        return FileCategory(raw)
    except ValueError:
        raise Invalid(messages.FILE_CATEGORY_INVALID) from None


def parse_tags(raw: str) -> list[str]:
    """The `tags` field is a JSON array of strings (the field limits apply)."""
    try:
        tags = jsonvalue.loads(raw)
    except jsonvalue.JsonError:
        raise Invalid(messages.FILE_TAGS_INVALID) from None
    if not is_string_array(tags):
        raise Invalid(messages.FILE_TAGS_INVALID)
    records.check([fields.TAGS], {"tags": tags})
    return tags


def legacy_storage_uri(storage_path: str) -> str:
    """A legacy `storagePath` (`<taskId>/<filename>`, written by the reference service) as a
    scheme-qualified URI: `local-dev://` + the path with `\\` turned into `/`
    (docs/export-format.md)."""
    return LEGACY_URI_PREFIX + storage_path.replace("\\", "/")


def storage_uri_of(record: Mapping[str, Any]) -> str | None:
    """Where the record's binary lives: `storageUri`, or the legacy `storagePath` as a URI."""
    uri = record.get("storageUri")
    if isinstance(uri, str) and uri:
        return uri
    path = record.get("storagePath")
    if isinstance(path, str) and path:
        return legacy_storage_uri(path)
    return None


def present(record: Mapping[str, Any]) -> dict[str, Any]:
    """The record as clients see it: legacy records get their `local-dev://` storageUri and
    provider, so every file in a response has a scheme-qualified URI."""
    shown = dict(record)
    uri = storage_uri_of(record)
    if uri is not None and "storageUri" not in shown:
        shown["storageUri"] = uri
        shown.setdefault("storageProvider", StorageProvider.LOCAL_DEV.value)
    return shown


def is_local(uri: str) -> bool:
    return infer_provider(uri) is StorageProvider.LOCAL_DEV


def download_filename(record: Mapping[str, Any]) -> str:
    """The name a download is offered under: the record's filename, else the legacy path's
    last part (sanitised like an upload's)."""
    name = record.get("filename")
    if isinstance(name, str) and display_filename(name):
        return display_filename(name)
    path = record.get("storagePath")
    if isinstance(path, str):
        return display_filename(path) or "download"
    return "download"
