"""Recurring config routes (docs/api.md#recurring-tasks): `{recurringConfig}`,
`{recurringConfigs}`, and generation at the exact path `/api/recurring/generate` (with a trailing
slash it is the id `generate`)."""

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
from dataops.api.openapi import (
    PAGING,
    Doc,
    array,
    body_schema,
    envelope,
    fields_of,
    listing,
    ref,
)
from dataops.api.routes import route
from dataops.engine import recurring
from dataops.model import messages
from dataops.model.errors import MethodNotAllowed
from dataops.model.records import Field, Kind
from dataops.model.recurring import FIELDS, RECURRING_CONFIG

router = APIRouter()

_FIELDS = fields_of(RECURRING_CONFIG, FIELDS)
_ONE = envelope(recurringConfig=ref("RecurringConfig"))
WINDOW = body_schema(
    (Field("startDate", Kind.DATE, required=True), Field("endDate", Kind.DATE, required=True)),
    ("startDate", "endDate"),
    description="At most 91 days, both included.",
)


@route(
    router,
    "/api/recurring",
    ["GET"],
    Doc(
        "List recurring task configs",
        answer=listing("recurringConfigs", ref("RecurringConfig")),
        query=PAGING,
    ),
)
async def list_configs(request: Request) -> Response:
    listing = await read(recurring.list_configs, engine_of(request), page_of(request))
    return listing_response("recurringConfigs", listing)


@route(
    router,
    "/api/recurring",
    ["POST"],
    Doc(
        "Create a recurring task config",
        ok=201,
        answer=_ONE,
        body=body_schema(_FIELDS, ("description", "cronExpression")),
        example={"description": "Weekly metrics review", "cronExpression": "0 9 * * MON"},
        description="`cronExpression` is standard five-field cron; its day fields choose the "
        "days (minute and hour are checked, not used).",
    ),
)
async def create_config(request: Request) -> Response:
    body = await read_json(request)
    config = await call(recurring.create_config, engine_of(request), body)
    return json_response({"recurringConfig": config}, 201)


# Registered before `/api/recurring/{config_id}`, which would otherwise take `generate` as an id.
@route(
    router,
    "/api/recurring/generate",
    ["POST"],
    Doc(
        "Generate the tasks of every enabled config for a window of days",
        answer=envelope(generated=array(ref("Task")), skipped={"type": "integer"}),
        body=WINDOW,
        example={"startDate": "2026-12-01", "endDate": "2026-12-31"},
        description="Idempotent: a config's task for a day is created once; `skipped` counts "
        "those that already existed.",
    ),
    slash=False,
)
async def generate(request: Request) -> Response:
    body = await read_json(request)
    result = await call(recurring.generate, engine_of(request), body)
    return json_response({"generated": result.generated, "skipped": result.skipped})


async def generate_other_methods() -> Response:
    raise MethodNotAllowed(messages.METHOD_NOT_ALLOWED)


router.add_api_route(
    "/api/recurring/generate",
    generate_other_methods,
    methods=["GET", "PUT", "DELETE", "PATCH"],
    include_in_schema=False,
)


@route(
    router,
    "/api/recurring/{config_id}",
    ["GET"],
    Doc("Get a recurring config", answer=_ONE, etag=True),
)
async def get_config(config_id: str, request: Request) -> Response:
    config = await read(recurring.get_config, engine_of(request), config_id)
    return versioned(config, {"recurringConfig": config})


@route(
    router,
    "/api/recurring/{config_id}",
    ["PUT"],
    Doc(
        "Change a recurring config",
        answer=_ONE,
        body=body_schema(_FIELDS),
        etag=True,
        if_match=True,
        errors=frozenset({409}),
        extra={409: "Changed by others right now; try again"},
    ),
)
async def update_config(config_id: str, request: Request) -> Response:
    body = await read_json(request)
    config = await call(
        recurring.update_config, engine_of(request), config_id, body, if_match(request)
    )
    return versioned(config, {"recurringConfig": config})


@route(
    router,
    "/api/recurring/{config_id}/generate",
    ["POST"],
    Doc(
        "Generate one config's tasks for a window of days (generate now)",
        answer=envelope(generated=array(ref("Task")), skipped={"type": "integer"}),
        body=WINDOW,
        example={"startDate": "2026-12-01", "endDate": "2026-12-14"},
        errors=frozenset({409}),
        extra={409: "The config is disabled"},
        description="Idempotent like the run of every config: a day's task is created once.",
    ),
    slash=False,
)
async def generate_one(config_id: str, request: Request) -> Response:
    body = await read_json(request)
    result = await call(recurring.generate_config, engine_of(request), config_id, body)
    return json_response({"generated": result.generated, "skipped": result.skipped})


@route(
    router,
    "/api/recurring/{config_id}",
    ["DELETE"],
    Doc(
        "Delete a recurring config",
        ok=204,
        description="Tasks it generated stay and keep `recurringConfigId`.",
    ),
)
async def delete_config(config_id: str, request: Request) -> Response:
    await call(recurring.delete_config, engine_of(request), config_id)
    return no_content()
