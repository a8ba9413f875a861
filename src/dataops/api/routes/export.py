"""`POST /api/cron/export` (docs/api.md#scheduled-work-and-exports): a portable export into a new
timestamped subdirectory of `EXPORT_OUTPUT_DIR`; other methods 405, other `/api/cron/*` paths
404."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from dataops.api.http import call, engine_of, json_response
from dataops.api.openapi import Doc, envelope
from dataops.api.routes import route
from dataops.portable.export import export_to_configured_dir

router = APIRouter()

SUMMARY = envelope(
    output_dir={"type": "string"},
    schema_version={"type": "string"},
    entity_counts={"type": "object", "additionalProperties": {"type": "integer"}},
    generated_at={"type": "string", "format": "date-time"},
)


@route(
    router,
    "/api/cron/export",
    ["POST"],
    Doc(
        "Write a portable export into EXPORT_OUTPUT_DIR",
        answer=SUMMARY,
        errors=frozenset({400, 409}),
        extra={
            400: "EXPORT_OUTPUT_DIR is not set",
            409: "The export target exists already and is not empty",
        },
    ),
    slash=False,
)
async def cron_export(request: Request) -> Response:
    summary = await call(export_to_configured_dir, engine_of(request))
    return json_response(summary.as_json())
