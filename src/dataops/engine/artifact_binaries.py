"""The binaries behind artifacts that DataOps owns (docs/api.md#artifacts): direct uploads to S3
(upload sessions, then registration by `uploadId` after verifying the object), downloads, and
assistant outputs registered from a local file.

A record never claims bytes it has not checked: a direct upload is registered only when the
object's size and SHA-256 match what was declared (a mismatch deletes the object and records
nothing), and an assistant output is hashed before it is stored and verified while it is.
Upload sessions are single-use: the registration marks its session used in the same
transaction that creates the artifact, conditional on the session's version, so of two racing
registrations one wins and the other is refused.
"""

from __future__ import annotations

import hashlib
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, BinaryIO

from dataops.blobs.base import BlobMissingError, BlobStore, ChecksumMismatchError
from dataops.engine import artifacts
from dataops.engine.binaries import (
    Download,
    blobs_of,
    discard,
    output_key,
    serve_binary,
    sha256_of_object,
    upload_key,
)
from dataops.engine.context import Engine
from dataops.model import files as file_rules
from dataops.model import messages
from dataops.model.artifacts import ArtifactStatus, SourceType
from dataops.model.errors import Conflict, Invalid, NotFound
from dataops.model.storage_policy import OWNED_PROVIDERS, StorageProvider
from dataops.model.uploads import parse_sha256_checksum, parse_upload_request
from dataops.model.values import format_timestamp, is_nonblank
from dataops.store.base import Item, Replace, VersionConflict

# The presigned PUT works this long after it was handed out; S3 checks it when the PUT starts,
# so a long upload that started in time completes.
UPLOAD_URL_SECONDS = 3_600
# A session can be registered until then: enough for the slowest upload that started in time.
UPLOAD_REGISTRATION_SECONDS = 86_400
UPLOAD_PENDING = "pending"
UPLOAD_REGISTERED = "registered"
DEFAULT_OUTPUT_ACTOR = "service:assistant"
# Fields of an artifact that a direct upload decides: the body may repeat them, not change them.
_FIXED_BY_UPLOAD = ("storageUri", "storageProvider", "contentType", "checksum", "sizeBytes")
_MEDIA_TYPE = re.compile(r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*")


# --- direct uploads -------------------------------------------------------------------------


def create_upload(engine: Engine, body: Any, actor: str | None) -> dict[str, Any]:
    """POST /api/artifacts/uploads: validate (400), presign a PUT of exactly the declared bytes
    (409 where the blob store cannot), and keep the session: key, declared size and checksum,
    expiry and actor, never the URL."""
    request = parse_upload_request(body)
    blobs = blobs_of(engine)
    upload_id = engine.new_id()
    key = upload_key(upload_id)
    presigned = blobs.presign_upload(
        key,
        content_type=request.content_type,
        sha256=request.sha256,
        size=request.size,
        expires_in=UPLOAD_URL_SECONDS,
    )
    if presigned is None:
        raise Conflict(messages.DIRECT_UPLOAD_NEEDS_S3)
    created = engine.clock.now()
    session: dict[str, Any] = {
        "id": upload_id,
        "key": key,
        "storageProvider": blobs.provider.value,
        "storageUri": blobs.uri_for(key),
        "filename": request.filename,
        "contentType": request.content_type,
        "sizeBytes": request.size,
        "checksum": request.checksum,
        "status": UPLOAD_PENDING,
        "createdAt": format_timestamp(created),
        "expiresAt": format_timestamp(created + timedelta(seconds=UPLOAD_URL_SECONDS)),
        "registerBefore": format_timestamp(
            created + timedelta(seconds=UPLOAD_REGISTRATION_SECONDS)
        ),
    }
    if actor:
        session["createdBy"] = actor
    engine.store.create("uploads", session)
    return {
        "id": upload_id,
        "url": presigned.url,
        "headers": dict(presigned.headers),
        "expiresAt": session["expiresAt"],
    }


def _open_session(engine: Engine, upload_id: Any) -> Item:
    """The pending, unexpired session `upload_id` names: else 400, 404 or 409."""
    if not is_nonblank(upload_id):
        raise Invalid(messages.UPLOAD_ID_INVALID)
    session = engine.store.get("uploads", upload_id)
    if session is None:
        raise NotFound(messages.UPLOAD_NOT_FOUND)
    if session.get("status") != UPLOAD_PENDING:
        raise Conflict(messages.UPLOAD_ALREADY_USED)
    if engine.now() >= str(session.get("registerBefore", "")):
        # Nothing may reference it any more: remove it now rather than at the next sweep.
        discard(blobs_of(engine), str(session["key"]))
        raise Conflict(messages.UPLOAD_EXPIRED)
    return session


def _body_with_upload(body: Mapping[str, Any], session: Mapping[str, Any]) -> dict[str, Any]:
    """The create body with what the upload decides filled in; the filename and the source
    default to the upload's filename and `manual-upload`."""
    filled = {name: value for name, value in body.items() if name != "uploadId"}
    for name in _FIXED_BY_UPLOAD:
        sent = body.get(name)
        if sent is not None and sent != session[name]:
            raise Invalid(messages.UPLOAD_FIELD_FIXED.format(field=name))
        filled[name] = session[name]
    if body.get("filename") is None:
        filled["filename"] = session["filename"]
    if not body.get("sourceType"):
        filled["sourceType"] = SourceType.MANUAL_UPLOAD.value
    return filled


def _verify_object(blobs: BlobStore, session: Mapping[str, Any]) -> None:
    """The uploaded object is exactly the declared bytes; otherwise it is deleted (400)."""
    key = str(session["key"])
    if blobs.key_for(str(session["storageUri"])) != key:
        # The engine now stores binaries elsewhere than when the upload was handed out.
        raise Conflict(messages.UPLOAD_OBJECT_MISSING)
    info = blobs.head(key)
    if info is None:
        raise Conflict(messages.UPLOAD_OBJECT_MISSING)
    if info.size != session["sizeBytes"]:
        discard(blobs, key)
        raise Invalid(messages.UPLOAD_SIZE_MISMATCH)
    try:
        # S3 reports no whole-object SHA-256 for some objects: then the engine hashes them.
        actual = info.sha256 if info.sha256 is not None else sha256_of_object(blobs, key)
    except BlobMissingError:
        raise Conflict(messages.UPLOAD_OBJECT_MISSING) from None
    if actual != parse_sha256_checksum(session["checksum"]):
        discard(blobs, key)
        raise Invalid(messages.UPLOAD_CHECKSUM_MISMATCH)


def register_upload(engine: Engine, body: Mapping[str, Any], actor: str | None) -> Item:
    """POST /api/artifacts with `uploadId`: the session (400/404/409), the artifact's own rules
    (400/404), the object (size and SHA-256), then the artifact and the used session in one
    conditional transaction."""
    session = _open_session(engine, body.get("uploadId"))
    record = artifacts.new_artifact(engine, _body_with_upload(body, session), actor)
    blobs = blobs_of(engine)
    _verify_object(blobs, session)
    # Untag before recording: a failure in between leaves an unreferenced object (which costs
    # storage), never a record whose object the lifecycle rule would expire.
    blobs.mark_registered(str(session["key"]))
    used = {
        **session,
        "status": UPLOAD_REGISTERED,
        "artifactId": record["id"],
        "registeredAt": engine.now(),
    }
    try:
        return artifacts.store_new_artifact(
            engine, record, actor, [Replace("uploads", used, session.version)]
        )
    except VersionConflict:
        raise Conflict(messages.UPLOAD_ALREADY_USED) from None


# --- downloads ------------------------------------------------------------------------------


def _download_type(record: Mapping[str, Any], filename: str) -> str:
    declared = record.get("contentType")
    if isinstance(declared, str) and _MEDIA_TYPE.fullmatch(declared):
        return declared
    return file_rules.guess_content_type(filename)


def open_artifact_download(engine: Engine, artifact_id: str) -> Download:
    """GET /api/artifacts/:id/download: a presigned redirect (S3) or the bytes (local-dev);
    409 for binaries DataOps does not hold and for local binaries outside local/test."""
    record = artifacts.get_artifact(engine, artifact_id)
    provider, uri = record.get("storageProvider"), record.get("storageUri")
    if provider not in OWNED_PROVIDERS or not isinstance(uri, str):
        raise Conflict(messages.ARTIFACT_NOT_STORED)
    if provider == StorageProvider.LOCAL_DEV and not engine.settings.local_storage_allowed:
        raise Conflict(messages.DOWNLOAD_LOCAL_DISABLED)
    blobs = blobs_of(engine)
    key = blobs.key_for(uri)
    if key is None:
        # Another bucket or another store: a URI to open, not an object of ours.
        raise Conflict(messages.ARTIFACT_NOT_STORED)
    raw_name = record.get("filename")
    filename = file_rules.display_filename(raw_name) if isinstance(raw_name, str) else ""
    filename = filename or key.rsplit("/", 1)[-1]
    content_type = _download_type(record, filename)
    return serve_binary(
        blobs, key, filename, content_type, missing=messages.ARTIFACT_BINARY_MISSING
    )


# --- assistant outputs ----------------------------------------------------------------------


def open_output(path: Path) -> BinaryIO:
    """The output file opened for reading; a clear 400 for anything that is not one."""
    try:
        mode = path.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):
        raise Invalid(messages.OUTPUT_NOT_FOUND.format(path=path)) from None
    except OSError as exc:
        raise Invalid(
            messages.OUTPUT_UNREADABLE.format(path=path, reason=exc.strerror or exc)
        ) from None
    if stat.S_ISDIR(mode):
        raise Invalid(messages.OUTPUT_IS_DIRECTORY.format(path=path))
    if not stat.S_ISREG(mode):
        raise Invalid(messages.OUTPUT_NOT_REGULAR.format(path=path))
    try:
        return path.open("rb")
    except OSError as exc:
        raise Invalid(
            messages.OUTPUT_UNREADABLE.format(path=path, reason=exc.strerror or exc)
        ) from None


@dataclass(frozen=True)
class AssistantOutput:
    """What an assistant says about an output it registers (the file aside)."""

    artifact_type: str
    title: str
    task_id: str | None = None
    bundle_id: str | None = None
    description: str | None = None
    assistant_job_id: str | None = None

    def fields(self) -> dict[str, Any]:
        """Its create-body fields, wherever it is registered: awaiting review, from an
        assistant."""
        body: dict[str, Any] = {
            "type": self.artifact_type,
            "title": self.title,
            "status": ArtifactStatus.NEEDS_REVIEW.value,
            "sourceType": SourceType.ASSISTANT_OUTPUT.value,
        }
        for name, value in (
            ("description", self.description),
            ("taskId", self.task_id),
            ("bundleId", self.bundle_id),
            ("assistantJobId", self.assistant_job_id),
        ):
            if value is not None:
                body[name] = value
        return body


@dataclass(frozen=True)
class OutputFile:
    """An output file as read for registration (the source is left rewound)."""

    filename: str
    content_type: str
    sha256: str
    size: int

    @property
    def checksum(self) -> str:
        return f"sha256:{self.sha256}"


def read_output(path: Path, source: BinaryIO) -> OutputFile:
    digest, size = hashlib.sha256(), 0
    while chunk := source.read(1_048_576):
        digest.update(chunk)
        size += len(chunk)
    source.seek(0)
    filename = file_rules.display_filename(path.name)
    return OutputFile(filename, file_rules.guess_content_type(filename), digest.hexdigest(), size)


def register_output(
    engine: Engine, path: Path, output: AssistantOutput, actor: str = DEFAULT_OUTPUT_ACTOR
) -> Item:
    """An assistant's output file becomes an artifact awaiting review: hashed, validated as an
    artifact (400/404) before any byte is stored, stored in the blob store under an engine key
    (verified against the hash while it goes up), then recorded with `sourceType:
    assistant-output`, `status: needs-review`, `createdBy` = the actor. A failure after the
    binary was stored deletes it again."""
    with open_output(path) as source:
        read = read_output(path, source)
        blobs = blobs_of(engine)
        key = output_key(engine.new_id())
        body = {
            **output.fields(),
            "storageUri": blobs.uri_for(key),
            "storageProvider": blobs.provider.value,
            "filename": read.filename,
            "contentType": read.content_type,
            "checksum": read.checksum,
            "sizeBytes": read.size,
        }
        record = artifacts.new_artifact(engine, body, actor)
        blobs.check_writable()
        try:
            blobs.put(key, source, content_type=read.content_type, sha256=read.sha256)
        except ChecksumMismatchError:
            raise Conflict(messages.OUTPUT_CHANGED.format(path=path)) from None
    try:
        return artifacts.store_new_artifact(engine, record, actor)
    except BaseException:
        discard(blobs, key)
        raise
