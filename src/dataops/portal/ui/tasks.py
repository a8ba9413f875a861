"""The task page: each proof requirement (satisfied or missing, with the engine's reason), the
link, comment and external-status inputs, the task's files and upload, its own and its
workflow's artifacts, "Mark done" (disabled with the reasons while proof is missing; the
engine's refusal shown word for word if it still comes), who completed it and when, reopen.
Every write carries the task's ETag as `If-Match`."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from dataops.model import messages
from dataops.portal.pages import caller_of, error_page, page, portal_of
from dataops.portal.ui import kit, workflows
from dataops.portal.ui.kit import Failure, path_segment

PREFIX = "/work/tasks/"
# The task's own fields a person fills in on its page: the form's name is the field's.
TEXT_FIELDS = ("link", "comment", "externalStatus")
FORWARDED_UPLOAD_HEADERS = (b"content-type", b"content-length")


def task_url(task_id: str) -> str:
    return PREFIX + path_segment(task_id)


def _completed_by(task: Mapping[str, Any], people: Mapping[str, str]) -> str:
    actor = str(task.get("completedBy") or "")
    return people.get(actor, actor)


@kit.redisplays(PREFIX)
async def show_task(request: Request, task_id: str, failure: Failure | None = None) -> Response:
    segment = path_segment(task_id)
    task_reply, proof_reply, files_reply, artifacts_reply, users_reply = await asyncio.gather(
        kit.engine(request, "GET", f"/api/tasks/{segment}"),
        kit.engine(request, "GET", f"/api/tasks/{segment}/proof"),
        kit.engine(request, "GET", f"/api/files?taskId={segment}"),
        kit.engine(request, "GET", f"/api/artifacts?taskId={segment}"),
        kit.engine(request, "GET", "/api/users"),
    )
    if task_reply.status != 200:
        return kit.engine_error_page(request, task_reply)
    task = task_reply.json()
    proof = proof_reply.json()["proof"] if proof_reply.status == 200 else None
    bundle: dict[str, Any] | None = None
    bundle_artifacts: list[dict[str, Any]] = []
    bundle_id = task.get("bundleId")
    if isinstance(bundle_id, str) and bundle_id:
        bundle_segment = path_segment(bundle_id)
        bundle_reply, bundle_artifacts_reply = await asyncio.gather(
            kit.engine(request, "GET", f"/api/bundles/{bundle_segment}"),
            kit.engine(request, "GET", f"/api/artifacts?bundleId={bundle_segment}"),
        )
        bundle = bundle_reply.json()["bundle"] if bundle_reply.status == 200 else None
        bundle_artifacts = kit.records(bundle_artifacts_reply, "artifacts")
    artifacts = kit.records(artifacts_reply, "artifacts")
    shown = {artifact["id"] for artifact in artifacts}
    bundle_artifacts = [artifact for artifact in bundle_artifacts if artifact["id"] not in shown]
    all_reply = await kit.engine(request, "GET", "/api/artifacts")
    attachable = [
        artifact
        for artifact in kit.records(all_reply, "artifacts")
        if artifact["id"] not in shown and artifact.get("status") not in ("archived", "superseded")
    ]
    people = {
        user["id"]: str(user.get("name") or user["id"])
        for user in kit.records(users_reply, "users")
    }
    missing = [item for item in (proof or {}).get("requirements", []) if not item["satisfied"]]
    return kit.show(
        request,
        "task.html",
        failure,
        task=task,
        etag=task_reply.etag,
        proof=proof,
        missing=missing,
        files=kit.records(files_reply, "files"),
        artifacts=artifacts,
        bundle=bundle,
        bundle_artifacts=bundle_artifacts,
        attach_options=workflows.attach_options(attachable),
        artifact_types=workflows.ARTIFACT_TYPES,
        data_classes=workflows.DATA_CLASSES,
        completed_by=_completed_by(task, people),
        here=task_url(task_id),
    )


@page
async def task_page(request: Request) -> Response:
    return await show_task(request, request.path_params["task_id"])


async def _update(
    request: Request, form: str, body: dict[str, Any], fields: Mapping[str, str]
) -> Response:
    task_id = request.path_params["task_id"]
    reply = await kit.engine(
        request,
        "PUT",
        f"/api/tasks/{path_segment(task_id)}",
        body,
        if_match=fields.get(kit.ETAG_FIELD) or None,
    )
    return await kit.answer_write(
        request, reply, task_url(task_id), form, controls=tuple(body), values=fields
    )


@page
async def save_field(request: Request) -> Response:
    """The task's link, comment or external status (the form names which)."""
    name = request.path_params["field"]
    if name not in TEXT_FIELDS:
        return error_page(request, 404, messages.PAGE_NOT_FOUND)
    fields = await kit.form_fields(request)
    return await _update(request, name, {name: fields.get(name, "").strip()}, fields)


@page
async def complete(request: Request) -> Response:
    fields = await kit.form_fields(request)
    return await _update(request, "complete", {"status": "done"}, fields)


@page
async def reopen(request: Request) -> Response:
    fields = await kit.form_fields(request)
    return await _update(request, "reopen", {"status": "todo"}, fields)


@page
async def upload(request: Request) -> Response:
    """A file for the task, streamed through the broker to the engine (`POST /api/files`) as
    the browser sends it: no JavaScript needed, the engine's upload limit applies."""
    task_id = request.path_params["task_id"]
    headers = [(b"accept", b"application/json")]
    headers += [
        (name.encode(), value.encode("latin-1"))
        for name, value in request.headers.items()
        if name.encode() in FORWARDED_UPLOAD_HEADERS
    ]
    visitor = request.state.visitor
    reply = await portal_of(request).broker.exchange(
        "POST", "/api/files", caller_of(request, visitor), headers, request.receive
    )
    return await kit.answer_write(request, reply, task_url(task_id), "upload", controls=("file",))


@page
async def register_artifact(request: Request) -> Response:
    task_id = request.path_params["task_id"]
    fields = await kit.form_fields(request)
    body = {**workflows.artifact_body(fields), "taskId": task_id}
    reply = await kit.engine(request, "POST", "/api/artifacts", body)
    return await kit.answer_write(
        request,
        reply,
        task_url(task_id),
        "register",
        controls=workflows.REGISTER_CONTROLS,
        values=fields,
    )


@page
async def attach_artifact(request: Request) -> Response:
    task_id = request.path_params["task_id"]
    fields = await kit.form_fields(request)
    artifact_id = fields.get("artifactId", "")
    reply = await kit.engine(
        request, "POST", f"/api/artifacts/{path_segment(artifact_id)}/attach", {"taskId": task_id}
    )
    return await kit.answer_write(
        request, reply, task_url(task_id), "attach", controls=("artifactId",), values=fields
    )


routes: list[Route] = [
    Route(PREFIX + "{task_id}", task_page, methods=["GET"]),
    Route(PREFIX + "{task_id}/fields/{field}", save_field, methods=["POST"]),
    Route(PREFIX + "{task_id}/complete", complete, methods=["POST"]),
    Route(PREFIX + "{task_id}/reopen", reopen, methods=["POST"]),
    Route(PREFIX + "{task_id}/files", upload, methods=["POST"]),
    Route(PREFIX + "{task_id}/artifacts", register_artifact, methods=["POST"]),
    Route(PREFIX + "{task_id}/attach", attach_artifact, methods=["POST"]),
]
