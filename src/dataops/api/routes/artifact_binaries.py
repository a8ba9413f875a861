"""Routes for the binaries behind artifacts (11): direct uploads (`{upload}`) and downloads
(a 302 to a presigned URL, or the bytes). Registration by `uploadId` is `POST /api/artifacts`."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from dataops.api.http import actor_of, call, engine_of, json_response, read_json
from dataops.api.routes import route
from dataops.api.routes.files import download_response
from dataops.engine import artifact_binaries

router = APIRouter()


@route(router, "/api/artifacts/uploads", ["POST"])
async def create_upload(request: Request) -> Response:
    body = await read_json(request)
    upload = await call(
        artifact_binaries.create_upload, engine_of(request), body, actor_of(request)
    )
    return json_response({"upload": upload}, 201)


@route(router, "/api/artifacts/{artifact_id}/download", ["GET"])
async def download_artifact(artifact_id: str, request: Request) -> Response:
    download = await call(artifact_binaries.open_artifact_download, engine_of(request), artifact_id)
    return download_response(download)
