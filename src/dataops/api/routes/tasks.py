"""Task routes (4.2-4.4, 11): bare task objects, `{tasks}` lists, ETag/If-Match, proof."""

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
    read_json,
    versioned,
)
from dataops.engine import tasks
from dataops.model import messages
from dataops.model.errors import NotFound

router = APIRouter()


def _task_id(raw: str) -> str:
    """`:id` is the rest of the path; an empty id is not a route."""
    if not raw:
        raise NotFound(messages.NOT_FOUND)
    return raw


@router.post("/api/tasks")
async def create_task(request: Request) -> Response:
    body = await read_json(request)
    task = await call(tasks.create_task, engine_of(request), body, actor_of(request))
    return versioned(task, task, 201)


@router.get("/api/tasks")
async def list_tasks(request: Request) -> Response:
    query = {key: value for key, value in request.query_params.items() if value != ""}
    listing = await call(tasks.list_tasks, engine_of(request), query, page_of(request))
    return listing_response("tasks", listing)


@router.get("/api/tasks/{task_id}/proof")
async def task_proof(task_id: str, request: Request) -> Response:
    found = await call(tasks.task_proof, engine_of(request), task_id)
    complete = all(requirement.satisfied for requirement in found)
    return json_response(
        {"proof": {"complete": complete, "requirements": [r.as_json() for r in found]}}
    )


@router.get("/api/tasks/{task_id:path}")
async def get_task(task_id: str, request: Request) -> Response:
    task = await call(tasks.get_task, engine_of(request), _task_id(task_id))
    return versioned(task, task)


@router.put("/api/tasks/{task_id:path}")
async def update_task(task_id: str, request: Request) -> Response:
    _task_id(task_id)
    body = await read_json(request)
    task = await call(
        tasks.update_task, engine_of(request), task_id, body, actor_of(request), if_match(request)
    )
    return versioned(task, task)


@router.delete("/api/tasks/{task_id:path}")
async def delete_task(task_id: str, request: Request) -> Response:
    await call(tasks.delete_task, engine_of(request), _task_id(task_id), actor_of(request))
    return no_content()
