"""File routes (6.3, 6.4): multipart upload, `{files}` lists, `{file}`, raw downloads, delete.

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
)
from dataops.api.multipart import read_upload
from dataops.api.routes import route
from dataops.engine import files
from dataops.engine.binaries import Download
from dataops.model.files import content_disposition

router = APIRouter()


@route(router, "/api/files", ["POST"])
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


@route(router, "/api/files", ["GET"])
async def list_files(request: Request) -> Response:
    query = {key: value for key, value in request.query_params.items() if value != ""}
    listing = await call(files.list_files, engine_of(request), query, page_of(request))
    return listing_response("files", listing)


@route(router, "/api/files/{file_id}", ["GET"])
async def get_file(file_id: str, request: Request) -> Response:
    return json_response({"file": await call(files.get_file, engine_of(request), file_id)})


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


@route(router, "/api/files/{file_id}/download", ["GET"])
async def download_file(file_id: str, request: Request) -> Response:
    return download_response(await call(files.open_download, engine_of(request), file_id))


@route(router, "/api/files/{file_id}", ["DELETE"])
async def delete_file(file_id: str, request: Request) -> Response:
    await call(files.delete_file, engine_of(request), file_id, actor_of(request))
    return no_content()
