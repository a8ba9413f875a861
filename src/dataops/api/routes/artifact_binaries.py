"""Routes for the binaries behind artifacts (docs/api.md#artifacts): direct uploads (`{upload}`)
and downloads (a 302 to a presigned URL, or the bytes). Registration by `uploadId` is `POST
/api/artifacts`."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from dataops.api.http import actor_of, call, engine_of, json_response, read_json
from dataops.api.openapi import Doc, body_schema, envelope
from dataops.api.routes import route
from dataops.api.routes.files import BINARY, download_response
from dataops.engine import artifact_binaries
from dataops.model.records import FILENAME_MAX, Field, Kind

router = APIRouter()

UPLOAD_REQUEST = body_schema(
    (
        Field("filename", Kind.TEXT, FILENAME_MAX, required=True),
        Field("contentType", Kind.TEXT, 255),
        Field("sizeBytes", Kind.NUMBER, required=True),
        Field("checksum", Kind.TEXT, required=True),
    ),
    ("filename", "sizeBytes", "checksum"),
)
UPLOAD = envelope(
    upload=envelope(
        id={"type": "string"},
        url={"type": "string"},
        headers={"type": "object", "additionalProperties": {"type": "string"}},
        expiresAt={"type": "string", "format": "date-time"},
    )
)


@route(
    router,
    "/api/artifacts/uploads",
    ["POST"],
    Doc(
        "Ask for a direct upload (a presigned PUT) of a bulky binary",
        ok=201,
        answer=UPLOAD,
        body=UPLOAD_REQUEST,
        errors=frozenset({409, 503}),
        extra={409: "Direct uploads need S3 binary storage"},
        description="`checksum` is `sha256:<64 hex>`; the PUT must send exactly the declared "
        "bytes with the returned headers. Then POST /api/artifacts with the `uploadId`.",
    ),
)
async def create_upload(request: Request) -> Response:
    body = await read_json(request)
    upload = await call(
        artifact_binaries.create_upload, engine_of(request), body, actor_of(request)
    )
    return json_response({"upload": upload}, 201)


@route(
    router,
    "/api/artifacts/{artifact_id}/download",
    ["GET"],
    Doc(
        "Download the binary of a DataOps-owned artifact",
        answer=BINARY,
        answer_type="*/*",
        redirect=True,
        errors=frozenset({409, 503}),
        extra={
            200: "The bytes, as an attachment",
            409: "The binary is not stored by DataOps: open its storageUri",
        },
    ),
)
async def download_artifact(artifact_id: str, request: Request) -> Response:
    download = await call(artifact_binaries.open_artifact_download, engine_of(request), artifact_id)
    return download_response(download)
