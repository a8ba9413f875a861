"""`POST /api/cron/run` (docs/api.md#scheduled-work-and-exports): only that exact path; other
methods 405. (`/api/cron/export` lives in its own module; every other `/api/cron/*` path is 404.)"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from dataops.api.http import call, engine_of, json_response
from dataops.api.openapi import Doc, array, envelope
from dataops.api.routes import route
from dataops.engine import cron

router = APIRouter()

REPORT = envelope(
    created=array({"type": "string"}),
    skipped={"type": "integer", "minimum": 0},
    notifications={"type": "object", "additionalProperties": {"type": "integer"}},
    temporariesRemoved={"type": "integer", "minimum": 0},
)


@route(
    router,
    "/api/cron/run",
    ["POST"],
    Doc(
        "Run the scheduled work once for the team's today (DATAOPS_TIMEZONE)",
        answer=REPORT,
        description="Bundles of automatic templates (`created`: their ids; `skipped`: already "
        "there), follow-up, overdue and missing-evidence notifications (counts by type) and "
        "unfinished temporary uploads removed; idempotent. `dataops cron run --json` prints "
        "the same.",
    ),
    slash=False,
)
async def run_cron(request: Request) -> Response:
    report = await call(cron.run, engine_of(request))
    return json_response(report.as_json())
