"""Template routes (docs/api.md#templates): `{template}`, `{templates}`; other methods 405."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from dataops.api.http import (
    call,
    engine_of,
    if_match,
    json_response,
    listing_response,
    no_content,
    page_of,
    read,
    read_json,
    versioned,
)
from dataops.api.openapi import PAGING, Doc, body_schema, envelope, fields_of, listing, ref
from dataops.api.routes import route
from dataops.engine import templates
from dataops.model.templates import FIELDS, TEMPLATE

router = APIRouter()

_FIELDS = fields_of(TEMPLATE, FIELDS)
_ONE = envelope(template=ref("Template"))


@route(
    router,
    "/api/templates",
    ["GET"],
    Doc("List workflow templates", answer=listing("templates", ref("Template")), query=PAGING),
)
async def list_templates(request: Request) -> Response:
    listing = await read(templates.list_templates, engine_of(request), page_of(request))
    return listing_response("templates", listing)


@route(
    router,
    "/api/templates",
    ["POST"],
    Doc(
        "Create a workflow template",
        ok=201,
        answer=_ONE,
        body=body_schema(_FIELDS, ("name", "type", "taskDefinitions")),
        example={
            "name": "Newsletter issue",
            "type": "newsletter",
            "taskDefinitions": [
                {"refId": "draft", "description": "Draft the issue", "offsetDays": -3},
                {"refId": "send", "description": "Send it", "offsetDays": 0},
            ],
        },
    ),
)
async def create_template(request: Request) -> Response:
    body = await read_json(request)
    template = await call(templates.create_template, engine_of(request), body)
    return json_response({"template": template}, 201)


@route(
    router,
    "/api/templates/{template_id}",
    ["GET"],
    Doc("Get a template", answer=_ONE, etag=True),
)
async def get_template(template_id: str, request: Request) -> Response:
    template = await read(templates.get_template, engine_of(request), template_id)
    return versioned(template, {"template": template})


@route(
    router,
    "/api/templates/{template_id}",
    ["PUT"],
    Doc(
        "Change a template",
        answer=_ONE,
        body=body_schema(_FIELDS),
        etag=True,
        if_match=True,
        errors=frozenset({409}),
        extra={409: "Changed by others right now; try again"},
    ),
)
async def update_template(template_id: str, request: Request) -> Response:
    body = await read_json(request)
    template = await call(
        templates.update_template, engine_of(request), template_id, body, if_match(request)
    )
    return versioned(template, {"template": template})


@route(
    router,
    "/api/templates/{template_id}",
    ["DELETE"],
    Doc(
        "Delete a template",
        ok=204,
        description="Bundles and tasks made from it keep `templateId` as provenance.",
    ),
)
async def delete_template(template_id: str, request: Request) -> Response:
    await call(templates.delete_template, engine_of(request), template_id)
    return no_content()
