"""Audit history (docs/api.md#audit): `GET /api/audit-events?entityId=X` -> `{auditEvents}`,
oldest first."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from dataops.api.http import engine_of, listing_response, page_of, read
from dataops.api.openapi import PAGING, Doc, Param, listing, ref
from dataops.api.routes import route
from dataops.engine import audit
from dataops.model import messages
from dataops.model.errors import Invalid

router = APIRouter()


@route(
    router,
    "/api/audit-events",
    ["GET"],
    Doc(
        "An entity's history, oldest first",
        answer=listing("auditEvents", ref("AuditEvent")),
        query=(
            Param("entityId", {"type": "string", "minLength": 1}, "The entity.", required=True),
            *PAGING,
        ),
    ),
)
async def audit_events(request: Request) -> Response:
    entity_id = request.query_params.get("entityId", "").strip()
    if not entity_id:
        raise Invalid(messages.AUDIT_ENTITY_REQUIRED)
    listing = await read(audit.history, engine_of(request), entity_id, page_of(request))
    return listing_response("auditEvents", listing)
