"""`POST /api/cron/run` (7.5): only that exact path; other methods 405. (`/api/cron/export`
lives in its own module; every other `/api/cron/*` path is 404.)"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from dataops.api.http import call, engine_of, json_response
from dataops.api.routes import route
from dataops.engine import cron

router = APIRouter()


@route(router, "/api/cron/run", ["POST"], slash=False)
async def run_cron(request: Request) -> Response:
    report = await call(cron.run, engine_of(request))
    return json_response(report.as_json())
