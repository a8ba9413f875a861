"""Direct uploads (docs/api.md#artifacts): the rules of an upload request, `{filename, contentType,
sizeBytes, checksum}`, checked in that order before anything is presigned or stored."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from dataops.model import fields, messages
from dataops.model import files as file_rules
from dataops.model.errors import Invalid
from dataops.model.records import FILENAME_MAX
from dataops.model.values import is_number, is_object

# A presigned URL takes one PUT, and S3 takes at most 5 GiB in one PUT.
MAX_DIRECT_UPLOAD_BYTES = 5 * 1024**3
_CHECKSUM = re.compile(r"sha256:([0-9a-fA-F]{64})")


@dataclass(frozen=True)
class UploadRequest:
    """A valid request: display filename, content type, exact size and SHA-256 (lower hex)."""

    filename: str
    content_type: str
    size: int
    sha256: str

    @property
    def checksum(self) -> str:
        return f"sha256:{self.sha256}"


def parse_sha256_checksum(raw: Any) -> str | None:
    """The lower-case hex digest of a `sha256:<64 hex>` checksum; None for anything else."""
    if not isinstance(raw, str):
        return None
    match = _CHECKSUM.fullmatch(raw)
    return match[1].lower() if match else None


def parse_upload_request(body: Any) -> UploadRequest:
    """400 with the first failure; `contentType` defaults to the filename's type."""
    if not is_object(body):
        raise Invalid(messages.REQUEST_BODY_REQUIRED)

    raw_name = body.get("filename")
    if raw_name is None:
        raise Invalid(messages.MISSING_FIELD.format(field="filename"))
    if not isinstance(raw_name, str):
        raise Invalid(messages.MUST_BE_STRING.format(field="filename"))
    filename = file_rules.display_filename(raw_name)
    if not filename:
        raise Invalid(messages.MISSING_FIELD.format(field="filename"))
    fields.check_length("filename", filename, FILENAME_MAX)

    raw_type = body.get("contentType")
    if raw_type is not None and not isinstance(raw_type, str):
        raise Invalid(messages.MUST_BE_STRING.format(field="contentType"))
    content_type = (
        file_rules.part_content_type(raw_type)
        if raw_type and raw_type.strip()
        else file_rules.guess_content_type(filename)
    )

    size = body.get("sizeBytes")
    if size is None:
        raise Invalid(messages.MISSING_FIELD.format(field="sizeBytes"))
    if not (is_number(size) and size >= 0 and float(size).is_integer()):
        raise Invalid(messages.UPLOAD_REQUEST_SIZE_INVALID)
    if size > MAX_DIRECT_UPLOAD_BYTES:
        raise Invalid(messages.UPLOAD_REQUEST_TOO_LARGE.format(limit=MAX_DIRECT_UPLOAD_BYTES))

    checksum = body.get("checksum")
    if checksum is None:
        raise Invalid(messages.MISSING_FIELD.format(field="checksum"))
    sha256 = parse_sha256_checksum(checksum)
    if sha256 is None:
        raise Invalid(messages.UPLOAD_REQUEST_CHECKSUM_INVALID)
    return UploadRequest(filename, content_type, int(size), sha256)
