"""Artifact routes (5.3-5.7, 11): `{artifact}` with its ETag, `{artifacts}` lists, review and
supersede. Artifacts never answer 405: an unsupported method is 404 `Not found`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from dataops.api.http import (
    actor_of,
    call,
    engine_of,
    if_match,
    listing_response,
    page_of,
    read_body,
    read_json,
    versioned,
)
from dataops.api.routes import route
from dataops.engine import artifact_binaries, artifacts
from dataops.model import jsonvalue, messages
from dataops.model.errors import Invalid, NotFound
from dataops.model.values import is_object
from dataops.store.base import Item

router = APIRouter()


def _one(artifact: Item, status: int = 200) -> Response:
    return versioned(artifact, {"artifact": artifact}, status)


async def _optional_json(request: Request) -> Any:
    """An optional body: None when empty, 400 `Invalid JSON` when present but not JSON."""
    raw = await read_body(request)
    if not raw.strip():
        return None
    try:
        return jsonvalue.loads(raw)
    except jsonvalue.JsonError as exc:
        raise Invalid(messages.JSON_TOO_DEEP if exc.too_deep else messages.INVALID_JSON) from None


@route(router, "/api/artifacts", ["POST"])
async def register_artifact(request: Request) -> Response:
    """A body naming a direct upload registers that upload (its object verified first); any
    other body registers an artifact by hand."""
    body = await read_json(request)
    if is_object(body) and "uploadId" in body:
        register = artifact_binaries.register_upload
    else:
        register = artifacts.register_artifact
    artifact = await call(register, engine_of(request), body, actor_of(request))
    return _one(artifact, 201)


@route(router, "/api/artifacts", ["GET"])
async def list_artifacts(request: Request) -> Response:
    query = {key: value for key, value in request.query_params.items() if value != ""}
    listing = await call(artifacts.list_artifacts, engine_of(request), query, page_of(request))
    return listing_response("artifacts", listing)


@route(router, "/api/artifacts/{artifact_id}", ["GET"])
async def get_artifact(artifact_id: str, request: Request) -> Response:
    if artifact_id == "uploads":  # a sub-route, never an id (section 0)
        raise NotFound(messages.NOT_FOUND)
    return _one(await call(artifacts.get_artifact, engine_of(request), artifact_id))


@route(router, "/api/artifacts/{artifact_id}", ["PUT"])
async def update_artifact(artifact_id: str, request: Request) -> Response:
    body = await read_json(request)
    artifact = await call(
        artifacts.update_artifact,
        engine_of(request),
        artifact_id,
        body,
        actor_of(request),
        if_match(request),
    )
    return _one(artifact)


# PUT and POST are registered separately so each has its own OpenAPI operation.
@route(router, "/api/artifacts/{artifact_id}/attach", ["PUT"])
@route(router, "/api/artifacts/{artifact_id}/attach", ["POST"])
async def attach_artifact(artifact_id: str, request: Request) -> Response:
    body = await read_json(request)
    artifact = await call(
        artifacts.attach_artifact,
        engine_of(request),
        artifact_id,
        body,
        actor_of(request),
        if_match(request),
    )
    return _one(artifact)


@route(router, "/api/artifacts/{artifact_id}/archive", ["PUT"])
async def archive_artifact(artifact_id: str, request: Request) -> Response:
    artifact = await call(
        artifacts.archive_artifact,
        engine_of(request),
        artifact_id,
        actor_of(request),
        if_match(request),
    )
    return _one(artifact)


@route(router, "/api/artifacts/{artifact_id}/approve", ["POST"])
async def approve_artifact(artifact_id: str, request: Request) -> Response:
    body = await _optional_json(request)
    artifact = await call(
        artifacts.approve_artifact,
        engine_of(request),
        artifact_id,
        body,
        actor_of(request),
        if_match(request),
    )
    return _one(artifact)


@route(router, "/api/artifacts/{artifact_id}/reject", ["POST"])
async def reject_artifact(artifact_id: str, request: Request) -> Response:
    body = await _optional_json(request)
    artifact = await call(
        artifacts.reject_artifact,
        engine_of(request),
        artifact_id,
        body,
        actor_of(request),
        if_match(request),
    )
    return _one(artifact)


@route(router, "/api/artifacts/{artifact_id}/supersede", ["POST"])
async def supersede_artifact(artifact_id: str, request: Request) -> Response:
    body = await read_json(request)
    artifact = await call(
        artifacts.supersede_artifact,
        engine_of(request),
        artifact_id,
        body,
        actor_of(request),
        if_match(request),
    )
    return _one(artifact, 201)
