"""Bundle routes (docs/api.md#bundles): `{bundle}`, `{bundle, tasks}`, `{bundles}`; other methods
405."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from dataops.api.http import (
    actor_of,
    call,
    engine_of,
    json_response,
    listing_response,
    no_content,
    page_of,
    read,
    read_json,
)
from dataops.api.openapi import (
    PAGING,
    Doc,
    Param,
    array,
    body_schema,
    envelope,
    field_param,
    fields_of,
    listing,
    ref,
)
from dataops.api.routes import route
from dataops.engine import bundles
from dataops.model import messages
from dataops.model.bundles import BUNDLE, UPDATABLE_FIELDS
from dataops.model.errors import Invalid

router = APIRouter()

_CONCURRENT = "Changed by others right now; try again"
PROGRESS = {
    "type": "object",
    "properties": {
        "done": {"type": "integer", "minimum": 0},
        "total": {"type": "integer", "minimum": 0},
    },
    "required": ["done", "total"],
}
LISTED = listing(
    "bundles",
    ref("Bundle"),
    {
        "progress": {
            "type": "object",
            "additionalProperties": PROGRESS,
            "description": "With `include=progress`: each listed bundle's id to its progress.",
        }
    },
)
CREATED = {
    "type": "object",
    "properties": {"bundle": ref("Bundle"), "tasks": array(ref("Task"))},
    "required": ["bundle"],
    "description": "`tasks` (in definition order) when the bundle was made from a template.",
}


@route(
    router,
    "/api/bundles",
    ["GET"],
    Doc(
        "List bundles",
        answer=LISTED,
        query=(
            Param(
                "include",
                {"type": "string", "enum": ["progress"]},
                "`progress`: add each listed bundle's progress.",
            ),
            field_param(BUNDLE.by_name["status"], "Only the bundles in this status."),
            *PAGING,
        ),
        description="Every bundle, archived included, by anchor date. With `include=progress` "
        "the answer also maps each listed bundle's id to `{done, total}`: its done tasks "
        "among its tasks that are not archived.",
    ),
)
async def list_bundles(request: Request) -> Response:
    include = request.query_params.get("include", "")
    if include not in ("", "progress"):
        raise Invalid(messages.INVALID_INCLUDE)
    engine, page = engine_of(request), page_of(request)
    status = request.query_params.get("status") or None
    if not include:
        return listing_response("bundles", await read(bundles.list_bundles, engine, page, status))
    listed, progress = await read(bundles.list_bundles_with_progress, engine, page, status)
    return listing_response("bundles", listed, {"progress": progress})


@route(
    router,
    "/api/bundles",
    ["POST"],
    Doc(
        "Create a bundle, or instantiate a template",
        ok=201,
        answer=CREATED,
        body=body_schema(BUNDLE.writable(), ("title", "anchorDate")),
        example={"title": "Episode 42", "anchorDate": "2026-12-10", "tags": ["podcast"]},
        errors=frozenset({404}),
        extra={404: "`templateId` names no template (`Template not found`)"},
        description="With `templateId`, the template's tasks are created dated from "
        "`anchorDate`, all or nothing.",
    ),
)
async def create_bundle(request: Request) -> Response:
    body = await read_json(request)
    bundle, tasks = await call(bundles.create_bundle, engine_of(request), body)
    payload = {"bundle": bundle} if tasks is None else {"bundle": bundle, "tasks": tasks}
    return json_response(payload, 201)


@route(
    router,
    "/api/bundles/{bundle_id}",
    ["GET"],
    Doc("Get a bundle", answer=envelope(bundle=ref("Bundle"))),
)
async def get_bundle(bundle_id: str, request: Request) -> Response:
    return json_response({"bundle": await read(bundles.get_bundle, engine_of(request), bundle_id)})


@route(
    router,
    "/api/bundles/{bundle_id}",
    ["PUT"],
    Doc(
        "Change a bundle",
        answer=envelope(bundle=ref("Bundle")),
        body=body_schema(fields_of(BUNDLE, UPDATABLE_FIELDS)),
        errors=frozenset({409}),
        extra={409: _CONCURRENT},
    ),
)
async def update_bundle(bundle_id: str, request: Request) -> Response:
    body = await read_json(request)
    bundle = await call(bundles.update_bundle, engine_of(request), bundle_id, body)
    return json_response({"bundle": bundle})


@route(
    router,
    "/api/bundles/{bundle_id}",
    ["DELETE"],
    Doc(
        "Delete an archived bundle",
        ok=204,
        errors=frozenset({400, 403, 409}),
        extra={
            400: "The bundle is not archived",
            403: "Under the `separate` review policy, only a lead deletes a workflow",
            409: _CONCURRENT,
        },
        description="Its tasks and artifacts stay, detached; its notifications go.",
    ),
)
async def delete_bundle(bundle_id: str, request: Request) -> Response:
    await call(bundles.delete_bundle, engine_of(request), bundle_id, actor_of(request))
    return no_content()


@route(
    router,
    "/api/bundles/{bundle_id}/archive",
    ["PUT"],
    Doc(
        "Archive a bundle",
        answer=envelope(bundle=ref("Bundle")),
        errors=frozenset({409}),
        extra={409: _CONCURRENT},
    ),
)
async def archive_bundle(bundle_id: str, request: Request) -> Response:
    return json_response(
        {"bundle": await call(bundles.archive_bundle, engine_of(request), bundle_id)}
    )


@route(
    router,
    "/api/bundles/{bundle_id}/tasks",
    ["GET"],
    Doc("List a bundle's tasks", answer=listing("tasks", ref("Task")), query=PAGING),
)
async def bundle_tasks(bundle_id: str, request: Request) -> Response:
    listing = await read(bundles.bundle_tasks, engine_of(request), bundle_id, page_of(request))
    return listing_response("tasks", listing)
