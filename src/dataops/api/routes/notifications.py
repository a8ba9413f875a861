"""Notification routes (docs/api.md#notifications): list for the trusted actor, dismiss one,
dismiss the caller's. Never 405: an unsupported method or path is 404."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from dataops.api.http import (
    actor_of,
    call,
    engine_of,
    json_response,
    listing_response,
    page_of,
    read,
)
from dataops.api.openapi import PAGING, Doc, Param, envelope, listing, ref
from dataops.api.routes import route
from dataops.engine import notifications

router = APIRouter()


@route(
    router,
    "/api/notifications",
    ["GET"],
    Doc(
        "The caller's notifications (and follow-ups that fell due)",
        answer=listing("notifications", ref("Notification")),
        query=(
            Param("all", {"type": "string"}, "`true`: dismissed ones too."),
            *PAGING,
        ),
        errors=frozenset({409}),
        extra={409: "Changed by others right now; try again"},
        description="Reading creates the follow-up notifications that fell due, once each.",
    ),
)
async def list_notifications(request: Request) -> Response:
    include_dismissed = request.query_params.get("all") == "true"
    listing = await read(
        notifications.list_notifications,
        engine_of(request),
        actor_of(request),
        include_dismissed,
        page_of(request),
    )
    return listing_response("notifications", listing)


@route(
    router,
    "/api/notifications/dismiss-all",
    ["PUT"],
    Doc(
        "Dismiss every notification of the caller",
        answer=envelope(count={"type": "integer", "minimum": 0}),
        errors=frozenset({409}),
        extra={409: "Changed by others right now; try again"},
    ),
    slash=False,
)
async def dismiss_all(request: Request) -> Response:
    count = await call(notifications.dismiss_all, engine_of(request), actor_of(request))
    return json_response({"count": count})


@route(
    router,
    "/api/notifications/{notification_id}/dismiss",
    ["PUT"],
    Doc(
        "Dismiss one notification",
        answer=envelope(notification=ref("Notification")),
        errors=frozenset({409}),
        extra={409: "Changed by others right now; try again"},
    ),
)
async def dismiss(notification_id: str, request: Request) -> Response:
    notification = await call(
        notifications.dismiss, engine_of(request), notification_id, actor_of(request)
    )
    return json_response({"notification": notification})
