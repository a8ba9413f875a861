"""File routes (docs/api.md#files): multipart upload, `{files}` lists, `{file}`, raw downloads,
delete.

Files never answer 405: an unsupported method is 404 `Not found` like any unknown path.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse
from starlette.background import BackgroundTask

from dataops.api.http import (
    actor_of,
    call,
    engine_of,
    json_response,
    listing_response,
    no_content,
    page_of,
    read,
)
from dataops.api.multipart import read_upload
from dataops.api.openapi import PAGING, Doc, Param, envelope, field_param, listing, ref
from dataops.api.routes import route
from dataops.engine import files
from dataops.engine.binaries import Download
from dataops.model.files import FILE, FileCategory, content_disposition

router = APIRouter()

_STORAGE = "Local binary storage is refused outside local and test installations"
UPLOAD_FORM = {
    "type": "object",
    "properties": {
        "file": {"type": "string", "format": "binary", "description": "The binary."},
        "taskId": {"type": "string", "description": "The task it belongs to."},
        "category": {"type": "string", "enum": [category.value for category in FileCategory]},
        "tags": {"type": "string", "description": 'A JSON array of strings: `["a","b"]`.'},
    },
    "required": ["file", "taskId"],
}
BINARY = {"type": "string", "format": "binary"}


@route(
    router,
    "/api/files",
    ["POST"],
    Doc(
        "Upload a file for a task",
        ok=201,
        answer=envelope(file=ref("File")),
        body=UPLOAD_FORM,
        body_type="multipart/form-data",
        errors=frozenset({404, 409, 503}),
        extra={404: "`taskId` names no task (`Task not found`)", 409: _STORAGE},
        description="The binary goes to the blob store under a key of the engine's; the "
        "filename is kept for display only.",
    ),
)
async def upload_file(request: Request) -> Response:
    engine = engine_of(request)
    accepts = engine.blobs is not None and engine.blobs.accepts_writes
    form = await read_upload(
        request, max_file_bytes=engine.settings.max_upload_bytes, spool=accepts
    )
    try:
        record = await call(files.upload_file, engine, form, actor_of(request))
    finally:
        await call(form.close)
    return json_response({"file": record}, 201)


@route(
    router,
    "/api/files",
    ["GET"],
    Doc(
        "List files of a task, a bundle, a category, or all",
        answer=listing("files", ref("File")),
        query=(
            field_param(FILE.by_name["taskId"], "The files of one task."),
            field_param(FILE.by_name["bundleId"], "The files of one bundle."),
            Param("category", {"type": "string"}, "Files of one category."),
            Param("tag", {"type": "string"}, "Files with this tag."),
            *PAGING,
        ),
    ),
)
async def list_files(request: Request) -> Response:
    query = {key: value for key, value in request.query_params.items() if value != ""}
    listing = await read(files.list_files, engine_of(request), query, page_of(request))
    return listing_response("files", listing)


@route(
    router,
    "/api/files/{file_id}",
    ["GET"],
    Doc("Get a file record", answer=envelope(file=ref("File"))),
)
async def get_file(file_id: str, request: Request) -> Response:
    return json_response({"file": await read(files.get_file, engine_of(request), file_id)})


def download_response(download: Download) -> Response:
    """A 302 to the presigned URL (not cached: it expires) or the streamed bytes with an exact
    type, `attachment` and no sniffing."""
    if download.redirect_url is not None:
        return Response(
            status_code=302,
            headers={"Location": download.redirect_url, "Cache-Control": "no-store"},
        )
    reader = download.reader
    assert reader is not None
    return StreamingResponse(
        reader.chunks(),
        headers={
            # Set as a header, not a media type: Starlette would append `; charset=utf-8`.
            "Content-Type": download.content_type,
            "Content-Disposition": content_disposition(download.filename),
            "Content-Length": str(reader.size),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
        background=BackgroundTask(reader.close),
    )


@route(
    router,
    "/api/files/{file_id}/download",
    ["GET"],
    Doc(
        "Download a file's bytes",
        answer=BINARY,
        answer_type="*/*",
        redirect=True,
        errors=frozenset({409, 503}),
        extra={200: "The bytes, as an attachment", 409: _STORAGE},
        description="The bytes (local storage), or a 302 to a short-lived URL (S3).",
    ),
)
async def download_file(file_id: str, request: Request) -> Response:
    return download_response(await call(files.open_download, engine_of(request), file_id))


@route(
    router,
    "/api/files/{file_id}",
    ["DELETE"],
    Doc(
        "Delete a file and its binary",
        ok=204,
        errors=frozenset({409, 503}),
        extra={409: "Changed by others right now, or local storage refused; try again"},
        description="Artifacts that name it keep their record, with `fileId` cleared.",
    ),
)
async def delete_file(file_id: str, request: Request) -> Response:
    await call(files.delete_file, engine_of(request), file_id, actor_of(request))
    return no_content()
