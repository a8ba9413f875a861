"""Bundle routes (7.1): `{bundle}`, `{bundle, tasks}`, `{bundles}`; other methods 405."""

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
    read_json,
)
from dataops.api.routes import route
from dataops.engine import bundles

router = APIRouter()


@route(router, "/api/bundles", ["GET"])
async def list_bundles(request: Request) -> Response:
    return listing_response(
        "bundles", await call(bundles.list_bundles, engine_of(request), page_of(request))
    )


@route(router, "/api/bundles", ["POST"])
async def create_bundle(request: Request) -> Response:
    body = await read_json(request)
    bundle, tasks = await call(bundles.create_bundle, engine_of(request), body)
    payload = {"bundle": bundle} if tasks is None else {"bundle": bundle, "tasks": tasks}
    return json_response(payload, 201)


@route(router, "/api/bundles/{bundle_id}", ["GET"])
async def get_bundle(bundle_id: str, request: Request) -> Response:
    return json_response({"bundle": await call(bundles.get_bundle, engine_of(request), bundle_id)})


@route(router, "/api/bundles/{bundle_id}", ["PUT"])
async def update_bundle(bundle_id: str, request: Request) -> Response:
    body = await read_json(request)
    bundle = await call(bundles.update_bundle, engine_of(request), bundle_id, body)
    return json_response({"bundle": bundle})


@route(router, "/api/bundles/{bundle_id}", ["DELETE"])
async def delete_bundle(bundle_id: str, request: Request) -> Response:
    await call(bundles.delete_bundle, engine_of(request), bundle_id, actor_of(request))
    return no_content()


@route(router, "/api/bundles/{bundle_id}/archive", ["PUT"])
async def archive_bundle(bundle_id: str, request: Request) -> Response:
    return json_response(
        {"bundle": await call(bundles.archive_bundle, engine_of(request), bundle_id)}
    )


@route(router, "/api/bundles/{bundle_id}/tasks", ["GET"])
async def bundle_tasks(bundle_id: str, request: Request) -> Response:
    listing = await call(bundles.bundle_tasks, engine_of(request), bundle_id, page_of(request))
    return listing_response("tasks", listing)
