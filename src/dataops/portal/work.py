"""`/work`: the signed-in person's start page (the active workflows with their stage and
progress, each linking to its page, and starting a workflow from a template), read through the
broker like every page's data; and `/work/health`, which says whether the engine answers."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from dataops.model import messages
from dataops.portal.broker import Reply
from dataops.portal.pages import (
    caller_of,
    error_page,
    json_error,
    page,
    portal_of,
    render,
    team_today,
)
from dataops.portal.transports import EngineUnavailable, MalformedReply
from dataops.portal.ui import home as home_lanes

if TYPE_CHECKING:  # the UI's modules import this one
    from dataops.portal.ui.kit import Failure


async def _engine(request: Request, path: str) -> Reply:
    visitor = getattr(request.state, "visitor", None)
    return await portal_of(request).broker.call("GET", path, caller_of(request, visitor))


async def show_home(request: Request, failure: Failure | None = None) -> Response:
    """The home page; `failure` is a refused start of a workflow."""
    bundles_reply, templates_reply, lanes = await asyncio.gather(
        _engine(request, "/api/bundles?status=active&include=progress"),
        _engine(request, "/api/templates"),
        home_lanes.lanes(request),
    )
    if bundles_reply.status != 200:
        return error_page(request, bundles_reply.status, bundles_reply.error)
    workflows = bundles_reply.json()["bundles"]
    workflows.sort(key=lambda bundle: (str(bundle.get("anchorDate", "")), str(bundle["title"])))
    progress = bundles_reply.json()["progress"]
    templates = templates_reply.json()["templates"] if templates_reply.status == 200 else []
    templates.sort(key=lambda template: str(template.get("name", "")))
    status = 200
    if failure is not None and request.headers.get("hx-request") != "true":
        status = failure.status
    return render(
        request,
        "work.html",
        status,
        workflows=workflows,
        progress=progress,
        template_options=[(item["id"], str(item.get("name", ""))) for item in templates],
        lanes=lanes,
        today=team_today(request).isoformat(),
        failure=failure,
    )


@page
async def home(request: Request) -> Response:
    return await show_home(request)


async def health(request: Request) -> Response:
    """200 `{"status": "ok"}` when the engine answers its health check, else 503."""
    try:
        reply = await portal_of(request).broker.call("GET", "/api/health")
    except (EngineUnavailable, MalformedReply):
        return json_error(503, messages.ENGINE_UNAVAILABLE)
    if reply.status != 200:
        return json_error(503, messages.ENGINE_UNAVAILABLE)
    return JSONResponse({"status": "ok"}, headers={"Cache-Control": "no-store"})
