"""Artifact routes (docs/api.md#artifacts): `{artifact}` with its ETag, `{artifacts}` lists,
review and supersede. Artifacts never answer 405: an unsupported method is 404 `Not found`."""

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
    read,
    read_body,
    read_json,
    versioned,
    write,
)
from dataops.api.openapi import (
    PAGING,
    Doc,
    body_schema,
    envelope,
    field_param,
    fields_of,
    listing,
    ref,
)
from dataops.api.routes import route
from dataops.engine import artifact_binaries, artifacts
from dataops.engine.context import Engine
from dataops.model import jsonvalue, messages
from dataops.model.artifacts import ARTIFACT, OPTIONAL_CREATE_FIELDS, UPDATABLE_FIELDS
from dataops.model.errors import Invalid, NotFound
from dataops.model.records import Field, Kind
from dataops.model.values import is_object
from dataops.store.base import Item

router = APIRouter()

ONE = envelope(artifact=ref("Artifact"))
CREATE_FIELDS = fields_of(
    ARTIFACT,
    (
        "type",
        "title",
        "storageUri",
        "status",
        "storageProvider",
        "visibility",
        "dataClass",
        "sourceType",
        "reviewNote",
        *OPTIONAL_CREATE_FIELDS,
    ),
)
CREATE = {
    "anyOf": [
        body_schema(CREATE_FIELDS, ("type", "title", "storageUri")),
        body_schema(
            (Field("uploadId", Kind.ID, required=True), *CREATE_FIELDS),
            ("uploadId",),
            description="Registers a direct upload (POST /api/artifacts/uploads) once its "
            "object is verified.",
        ),
    ]
}
NOTE = body_schema((Field("note", Kind.TEXT, 20_000),))
_STATE = (
    "The status change is not allowed from the current status (`Cannot change artifact "
    "status from <from> to <to>`), the record is changed by others right now, or its binary is "
    "not one it may claim"
)
_SERVICE = "A service (an assistant's token) may register outputs, never review them"
_MISSING = "No such artifact, or a task, bundle or file it names does not exist"


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


def _claims_a_binary(engine: Engine, body: Any) -> bool:
    uri = body.get("storageUri") if is_object(body) else None
    return engine.blobs is not None and isinstance(uri, str) and engine.blobs.contains(uri)


@route(
    router,
    "/api/artifacts",
    ["POST"],
    Doc(
        "Register an artifact (a link, a stored binary, or a direct upload)",
        ok=201,
        answer=ONE,
        body=CREATE,
        errors=frozenset({403, 404, 409, 503}),
        example={
            "type": "event-page",
            "title": "Episode 42 on Luma",
            "storageUri": "https://lu.ma/episode-42",
            "visibility": "public",
        },
        etag=True,
        extra={403: _SERVICE, 404: _MISSING, 409: _STATE},
        description="`createdBy` is the caller. An artifact whose URI points into the blob "
        "store must name an object it may claim, with its checksum.",
    ),
)
async def register_artifact(request: Request) -> Response:
    """A body naming a direct upload registers that upload (its object verified first); any
    other body registers an artifact by hand."""
    body = await read_json(request)
    engine = engine_of(request)
    if is_object(body) and "uploadId" in body:
        artifact = await call(artifact_binaries.register_upload, engine, body, actor_of(request))
    elif _claims_a_binary(engine, body):  # the object is checked in the blob store
        artifact = await call(artifacts.register_artifact, engine, body, actor_of(request))
    else:
        artifact = await write(artifacts.register_artifact, engine, body, actor_of(request))
    return _one(artifact, 201)


@route(
    router,
    "/api/artifacts",
    ["GET"],
    Doc(
        "List artifacts, newest first (status=needs-review is the review queue)",
        answer=listing("artifacts", ref("Artifact")),
        query=(
            *(
                field_param(ARTIFACT.by_name[name], f"Only artifacts with this {name}.")
                for name in (
                    "taskId",
                    "bundleId",
                    "assistantJobId",
                    "fileId",
                    "status",
                    "type",
                    "storageProvider",
                )
            ),
            *PAGING,
        ),
    ),
)
async def list_artifacts(request: Request) -> Response:
    query = {key: value for key, value in request.query_params.items() if value != ""}
    listing = await read(artifacts.list_artifacts, engine_of(request), query, page_of(request))
    return listing_response("artifacts", listing)


@route(
    router, "/api/artifacts/{artifact_id}", ["GET"], Doc("Get an artifact", answer=ONE, etag=True)
)
async def get_artifact(artifact_id: str, request: Request) -> Response:
    if artifact_id == "uploads":  # a sub-route, never an id (docs/api.md#conventions)
        raise NotFound(messages.NOT_FOUND)
    return _one(await read(artifacts.get_artifact, engine_of(request), artifact_id))


@route(
    router,
    "/api/artifacts/{artifact_id}",
    ["PUT"],
    Doc(
        "Change an artifact",
        answer=ONE,
        body=body_schema(fields_of(ARTIFACT, UPDATABLE_FIELDS)),
        etag=True,
        if_match=True,
        errors=frozenset({403, 503}),
        extra={403: _SERVICE, 404: _MISSING, 409: _STATE},
    ),
)
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


ATTACH = Doc(
    "Attach an artifact to a task and/or a bundle",
    answer=ONE,
    body=body_schema(fields_of(ARTIFACT, ("taskId", "bundleId"))),
    etag=True,
    if_match=True,
    extra={404: _MISSING, 409: _STATE},
    description="Every target is checked before anything is written.",
)


# PUT and POST are registered separately so each has its own OpenAPI operation.
@route(router, "/api/artifacts/{artifact_id}/attach", ["PUT"], ATTACH)
@route(router, "/api/artifacts/{artifact_id}/attach", ["POST"], ATTACH)
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


@route(
    router,
    "/api/artifacts/{artifact_id}/archive",
    ["PUT"],
    Doc(
        "Archive an artifact (again: no change)",
        answer=ONE,
        etag=True,
        if_match=True,
        extra={409: _STATE},
    ),
)
async def archive_artifact(artifact_id: str, request: Request) -> Response:
    artifact = await call(
        artifacts.archive_artifact,
        engine_of(request),
        artifact_id,
        actor_of(request),
        if_match(request),
    )
    return _one(artifact)


@route(
    router,
    "/api/artifacts/{artifact_id}/approve",
    ["POST"],
    Doc(
        "Approve an artifact: only now does it count as proof",
        answer=ONE,
        body=NOTE,
        body_required=False,
        example={"note": "Checked the page"},
        etag=True,
        if_match=True,
        errors=frozenset({403}),
        extra={403: _SERVICE, 409: _STATE},
        description="`reviewedBy` is the caller; an optional `note` is kept as `reviewNote`.",
    ),
)
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


@route(
    router,
    "/api/artifacts/{artifact_id}/reject",
    ["POST"],
    Doc(
        "Reject an artifact",
        answer=ONE,
        body=NOTE,
        body_required=False,
        etag=True,
        if_match=True,
        errors=frozenset({403}),
        extra={403: _SERVICE, 409: _STATE},
    ),
)
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


@route(
    router,
    "/api/artifacts/{artifact_id}/supersede",
    ["POST"],
    Doc(
        "Replace an artifact by a new version",
        ok=201,
        answer=ONE,
        body=body_schema(CREATE_FIELDS, ("type", "title", "storageUri")),
        etag=True,
        if_match=True,
        errors=frozenset({403, 503}),
        extra={403: _SERVICE, 404: _MISSING, 409: _STATE},
        description="The new artifact keeps the old one's task and bundle unless given; the "
        "old one becomes `superseded`. All or nothing.",
    ),
)
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
