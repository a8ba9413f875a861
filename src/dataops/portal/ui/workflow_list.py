"""The workflows list (`/work/workflows`): every workflow, active first, with its template,
anchor date, stage and progress; filtered by template, stage and status (plain GET forms); and
archiving a workflow."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from dataops.model.bundles import BundleStage, BundleStatus
from dataops.portal.pages import page
from dataops.portal.ui import kit
from dataops.portal.ui.kit import Failure, path_segment

PATH = "/work/workflows"
STAGES: tuple[tuple[str, str], ...] = tuple(
    (stage.value, stage.value.replace("-", " ").capitalize()) for stage in BundleStage
)
STATUSES: tuple[tuple[str, str], ...] = (
    ("", "Active and archived"),
    (BundleStatus.ACTIVE.value, "Active"),
    (BundleStatus.ARCHIVED.value, "Archived"),
)


def chosen(request: Request, name: str, allowed: set[str]) -> str:
    value = request.query_params.get(name, "")
    return value if value in allowed else ""


def _order(bundle: dict[str, Any]) -> tuple[int, str, str]:
    """Active first; then by anchor date, the soonest first; then by title."""
    archived = bundle.get("status") == BundleStatus.ARCHIVED.value
    return (1 if archived else 0, str(bundle.get("anchorDate") or "9999"), str(bundle.get("title")))


async def show_list(request: Request, failure: Failure | None = None) -> Response:
    bundles_reply, templates_reply = await asyncio.gather(
        kit.engine(request, "GET", "/api/bundles?include=progress"),
        kit.engine(request, "GET", "/api/templates"),
    )
    if bundles_reply.status != 200:
        return kit.engine_error_page(request, bundles_reply)
    templates = kit.records(templates_reply, "templates")
    template_names = {str(t["id"]): str(t.get("name") or t["id"]) for t in templates}
    template = chosen(request, "template", set(template_names))
    stage = chosen(request, "stage", {value for value, _ in STAGES})
    status = chosen(request, "status", {value for value, _ in STATUSES})
    workflows = [
        {"emoji": None, "anchorDate": None, "stage": None, "templateId": None, **bundle}
        for bundle in kit.records(bundles_reply, "bundles")
        if (not template or bundle.get("templateId") == template)
        and (not stage or bundle.get("stage") == stage)
        and (not status or bundle.get("status", BundleStatus.ACTIVE.value) == status)
    ]
    workflows.sort(key=_order)
    done = bundles_reply.json()["progress"]
    here = PATH + ("?" + request.url.query if request.url.query else "")
    return kit.show(
        request,
        "workflows.html",
        failure,
        workflows=workflows,
        progress=done,
        template_names=template_names,
        template_options=[
            ("", "Any template"),
            *sorted(template_names.items(), key=lambda item: item[1].lower()),
        ],
        stage_options=[("", "Any stage"), *STAGES],
        status_options=STATUSES,
        filters={"template": template, "stage": stage, "status": status},
        filtered=bool(template or stage or status),
        here=here,
    )


@page
async def list_page(request: Request) -> Response:
    return await show_list(request)


@page
async def archive(request: Request) -> Response:
    bundle_id = request.path_params["bundle_id"]
    fields = await kit.form_fields(request)
    back = kit.next_page(fields, PATH)
    reply = await kit.engine(request, "PUT", f"/api/bundles/{path_segment(bundle_id)}/archive")
    if reply.ok:
        return kit.back_to(back)
    return await show_list(request, kit.failure_of(reply, f"archive-{bundle_id}"))


routes: list[Route] = [
    Route(PATH, list_page, methods=["GET"]),
    Route(PATH + "/{bundle_id}/archive", archive, methods=["POST"]),
]
