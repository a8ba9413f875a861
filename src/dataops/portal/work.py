"""`/work`: the signed-in person's start page (the active workflows, read through the broker
like every page's data), and `/work/health`, which says whether the engine answers."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from dataops.model import messages
from dataops.portal.pages import caller_of, error_page, json_error, page, portal_of, render
from dataops.portal.sessions import Visitor
from dataops.portal.transports import EngineUnavailable, MalformedReply


@page
async def home(request: Request) -> Response:
    visitor: Visitor = request.state.visitor
    reply = await portal_of(request).broker.call("GET", "/api/bundles", caller_of(request, visitor))
    if reply.status != 200:
        return error_page(request, reply.status, reply.error)
    workflows = [bundle for bundle in reply.json()["bundles"] if bundle.get("status") == "active"]
    return render(request, "work.html", workflows=workflows)


async def health(request: Request) -> Response:
    """200 `{"status": "ok"}` when the engine answers its health check, else 503."""
    try:
        reply = await portal_of(request).broker.call("GET", "/api/health")
    except (EngineUnavailable, MalformedReply):
        return json_error(503, messages.ENGINE_UNAVAILABLE)
    if reply.status != 200:
        return json_error(503, messages.ENGINE_UNAVAILABLE)
    return JSONResponse({"status": "ok"}, headers={"Cache-Control": "no-store"})
