"""`POST /api/cron/export` (7.7): a portable export into a new timestamped subdirectory of
`EXPORT_OUTPUT_DIR`; other methods 405, other `/api/cron/*` paths 404."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from dataops.api.http import call, engine_of, json_response
from dataops.api.routes import route
from dataops.portable.export import export_to_configured_dir

router = APIRouter()


@route(router, "/api/cron/export", ["POST"], slash=False)
async def cron_export(request: Request) -> Response:
    summary = await call(export_to_configured_dir, engine_of(request))
    return json_response(summary.as_json())
