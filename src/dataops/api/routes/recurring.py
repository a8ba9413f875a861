"""Recurring config routes (7.4): `{recurringConfig}`, `{recurringConfigs}`, and generation at
the exact path `/api/recurring/generate` (with a trailing slash it is the id `generate`)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from dataops.api.http import (
    call,
    engine_of,
    json_response,
    listing_response,
    no_content,
    page_of,
    read_json,
)
from dataops.api.routes import route
from dataops.engine import recurring
from dataops.model import messages
from dataops.model.errors import MethodNotAllowed

router = APIRouter()


@route(router, "/api/recurring", ["GET"])
async def list_configs(request: Request) -> Response:
    listing = await call(recurring.list_configs, engine_of(request), page_of(request))
    return listing_response("recurringConfigs", listing)


@route(router, "/api/recurring", ["POST"])
async def create_config(request: Request) -> Response:
    body = await read_json(request)
    config = await call(recurring.create_config, engine_of(request), body)
    return json_response({"recurringConfig": config}, 201)


# Registered before `/api/recurring/{config_id}`, which would otherwise take `generate` as an id.
@route(router, "/api/recurring/generate", ["POST"], slash=False)
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


@route(router, "/api/recurring/{config_id}", ["GET"])
async def get_config(config_id: str, request: Request) -> Response:
    config = await call(recurring.get_config, engine_of(request), config_id)
    return json_response({"recurringConfig": config})


@route(router, "/api/recurring/{config_id}", ["PUT"])
async def update_config(config_id: str, request: Request) -> Response:
    body = await read_json(request)
    config = await call(recurring.update_config, engine_of(request), config_id, body)
    return json_response({"recurringConfig": config})


@route(router, "/api/recurring/{config_id}", ["DELETE"])
async def delete_config(config_id: str, request: Request) -> Response:
    await call(recurring.delete_config, engine_of(request), config_id)
    return no_content()
