"""Task routes (docs/api.md#tasks): bare task objects, `{tasks}` lists, ETag/If-Match, proof."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from dataops.api.http import (
    actor_of,
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
    write,
)
from dataops.api.openapi import (
    PAGING,
    Doc,
    array,
    body_schema,
    envelope,
    field_param,
    fields_of,
    listing,
    ref,
)
from dataops.api.routes import route
from dataops.engine import tasks
from dataops.model import messages
from dataops.model.errors import NotFound
from dataops.model.proof import ProofKind
from dataops.model.records import Field, Kind
from dataops.model.tasks import ALLOWED_FIELDS, TASK

router = APIRouter()

_FIELDS = fields_of(TASK, ALLOWED_FIELDS)
_SERVICE = "A service (an assistant's token) may not complete a task"
_BUNDLE_MISSING = "`bundleId` names no bundle (`Bundle not found`), or no such task"
PROOF = envelope(
    proof=envelope(
        complete={"type": "boolean"},
        requirements=array(
            envelope(
                kind={"type": "string", "enum": [kind.value for kind in ProofKind]},
                label={"type": "string"},
                satisfied={"type": "boolean"},
                reason={"type": "string"},
                evidence=array({"type": "string"}),
            )
        ),
    )
)


def _task_id(raw: str) -> str:
    """`:id` is the rest of the path; an empty id is not a route."""
    if not raw:
        raise NotFound(messages.NOT_FOUND)
    return raw


@route(
    router,
    "/api/tasks",
    ["POST"],
    Doc(
        "Create a task",
        ok=201,
        answer=ref("Task"),
        body=body_schema(_FIELDS, ("description", "date")),
        example={
            "description": "Publish the episode page",
            "date": "2026-12-10",
            "proofRequirement": {"type": "artifact", "label": "published page"},
        },
        etag=True,
        errors=frozenset({403, 404}),
        extra={403: _SERVICE, 404: _BUNDLE_MISSING},
        description="The answer is the task itself (no envelope). Fields other than the "
        "client-settable ones are ignored.",
    ),
    slash=False,
)
async def create_task(request: Request) -> Response:
    body = await read_json(request)
    task = await write(tasks.create_task, engine_of(request), body, actor_of(request))
    return versioned(task, task, 201)


@route(
    router,
    "/api/tasks",
    ["GET"],
    Doc(
        "List tasks of a day, a date range, a bundle or a status",
        answer=listing("tasks", ref("Task")),
        query=(
            field_param(TASK.by_name["date"], "One day (wins over every other filter)."),
            field_param(Field("startDate", Kind.DATE), "First day of a range (with endDate)."),
            field_param(Field("endDate", Kind.DATE), "Last day of a range (at most 366 days)."),
            field_param(TASK.by_name["bundleId"], "The tasks of one bundle."),
            field_param(TASK.by_name["status"], "Tasks in one status."),
            *PAGING,
        ),
        description="One filter is required; the first present wins: date, "
        "startDate/endDate, bundleId, status.",
    ),
    slash=False,
)
async def list_tasks(request: Request) -> Response:
    query = {key: value for key, value in request.query_params.items() if value != ""}
    listing = await read(tasks.list_tasks, engine_of(request), query, page_of(request))
    return listing_response("tasks", listing)


@route(
    router,
    "/api/tasks/{task_id}/proof",
    ["GET"],
    Doc(
        "Why a task can or cannot be completed",
        answer=PROOF,
        description="Every proof requirement, with whether it is satisfied, why, and the "
        "evidence that counts; the completion gate runs the same computation.",
    ),
    slash=False,
)
async def task_proof(task_id: str, request: Request) -> Response:
    found = await read(tasks.task_proof, engine_of(request), task_id)
    complete = all(requirement.satisfied for requirement in found)
    return json_response(
        {"proof": {"complete": complete, "requirements": [r.as_json() for r in found]}}
    )


@route(
    router,
    "/api/tasks/{task_id:path}",
    ["GET"],
    Doc("Get a task", answer=ref("Task"), etag=True),
    slash=False,
)
async def get_task(task_id: str, request: Request) -> Response:
    task = await read(tasks.get_task, engine_of(request), _task_id(task_id))
    return versioned(task, task)


@route(
    router,
    "/api/tasks/{task_id:path}",
    ["PUT"],
    Doc(
        "Change a task (complete it: status done, once its proof holds)",
        answer=ref("Task"),
        body=body_schema(_FIELDS),
        etag=True,
        if_match=True,
        errors=frozenset({403}),
        extra={403: _SERVICE, 404: _BUNDLE_MISSING},
        description="Only the fields sent change; null removes an optional field. Completing "
        "a task whose proof is missing answers 400 with what is missing.",
    ),
    slash=False,
)
async def update_task(task_id: str, request: Request) -> Response:
    _task_id(task_id)
    body = await read_json(request)
    task = await write(
        tasks.update_task, engine_of(request), task_id, body, actor_of(request), if_match(request)
    )
    return versioned(task, task)


@route(
    router,
    "/api/tasks/{task_id:path}",
    ["DELETE"],
    Doc(
        "Delete a task (also when it does not exist)",
        ok=204,
        errors=frozenset({409}),
        extra={409: "The task has files: delete them first"},
        description="Its notifications go with it; its artifacts stay, detached.",
    ),
    slash=False,
)
async def delete_task(task_id: str, request: Request) -> Response:
    await call(tasks.delete_task, engine_of(request), _task_id(task_id), actor_of(request))
    return no_content()
