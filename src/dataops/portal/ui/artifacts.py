"""Artifacts in the UI: the artifact page (where it lives, its relationships, its history from
the audit events, a download link for a binary DataOps stores) and the review actions every page
offers: approve, reject with a note, archive, supersede with a new version, attach to a
workflow. An action leads back to the page it came from (`next`), where a refusal is shown next
to the control in the engine's words."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from dataops.portal.pages import page
from dataops.portal.ui import kit, workflows
from dataops.portal.ui.kit import Failure, path_segment

PREFIX = "/work/artifacts/"
SUPERSEDE_CONTROLS = ("title", "storageUri", "type", "dataClass", "description")


def artifact_url(artifact_id: str) -> str:
    return PREFIX + path_segment(artifact_id)


async def _record(request: Request, path: str, key: str | None) -> dict[str, Any] | None:
    """The record at `path` (under `key` of the answer; None: the answer itself), if found."""
    reply = await kit.engine(request, "GET", path)
    if reply.status != 200:
        return None
    payload = reply.json()
    value = payload if key is None else payload.get(key)
    return value if isinstance(value, dict) else None


async def _optional(
    request: Request, path: str, key: str | None, record_id: Any
) -> dict[str, Any] | None:
    if not isinstance(record_id, str) or not record_id:
        return None
    return await _record(request, path + path_segment(record_id), key)


@kit.redisplays(PREFIX)
async def show_artifact(
    request: Request, artifact_id: str, failure: Failure | None = None
) -> Response:
    segment = path_segment(artifact_id)
    artifact_reply, history_reply, bundles_reply = await asyncio.gather(
        kit.engine(request, "GET", f"/api/artifacts/{segment}"),
        kit.engine(request, "GET", f"/api/audit-events?entityId={segment}"),
        kit.engine(request, "GET", "/api/bundles"),
    )
    if artifact_reply.status != 200:
        return kit.engine_error_page(request, artifact_reply)
    artifact = artifact_reply.json()["artifact"]
    task, bundle, file, supersedes, superseded_by = await asyncio.gather(
        _optional(request, "/api/tasks/", None, artifact.get("taskId")),
        _optional(request, "/api/bundles/", "bundle", artifact.get("bundleId")),
        _optional(request, "/api/files/", "file", artifact.get("fileId")),
        _optional(request, "/api/artifacts/", "artifact", artifact.get("supersedes")),
        _optional(request, "/api/artifacts/", "artifact", artifact.get("supersededBy")),
    )
    # The crumbs lead to the workflow of the artifact, else to its task's.
    crumb_bundle = bundle
    if crumb_bundle is None and task is not None:
        crumb_bundle = await _optional(request, "/api/bundles/", "bundle", task.get("bundleId"))
    bundles = [
        bundle_record
        for bundle_record in kit.records(bundles_reply, "bundles")
        if bundle_record.get("status") == "active"
        and bundle_record["id"] != artifact.get("bundleId")
    ]
    return kit.show(
        request,
        "artifact.html",
        failure,
        artifact=artifact,
        artifact_etag=artifact_reply.etag,
        history=kit.records(history_reply, "auditEvents"),
        task=task,
        bundle=bundle,
        crumb_bundle=crumb_bundle,
        file=file,
        supersedes=supersedes,
        superseded_by=superseded_by,
        bundle_options=[(item["id"], str(item.get("title", ""))) for item in bundles],
        artifact_types=workflows.ARTIFACT_TYPES,
        data_classes=workflows.DATA_CLASSES,
        here=artifact_url(artifact_id),
    )


@page
async def artifact_page(request: Request) -> Response:
    return await show_artifact(request, request.path_params["artifact_id"])


async def _review(request: Request, action: str, method: str, with_note: bool) -> Response:
    artifact_id = request.path_params["artifact_id"]
    fields = await kit.form_fields(request)
    body = (
        {"note": fields["note"].strip()} if with_note and fields.get("note", "").strip() else None
    )
    reply = await kit.engine(
        request,
        method,
        f"/api/artifacts/{path_segment(artifact_id)}/{action}",
        body if method == "POST" else None,
        if_match=fields.get(kit.ETAG_FIELD) or None,
    )
    back = kit.next_page(fields, artifact_url(artifact_id))
    return await kit.answer_write(
        request, reply, back, f"{action}-{artifact_id}", controls=("note",), values=fields
    )


@page
async def approve(request: Request) -> Response:
    return await _review(request, "approve", "POST", with_note=False)


@page
async def reject(request: Request) -> Response:
    return await _review(request, "reject", "POST", with_note=True)


@page
async def archive(request: Request) -> Response:
    return await _review(request, "archive", "PUT", with_note=False)


@page
async def supersede(request: Request) -> Response:
    """A new version of the artifact: the old one becomes `superseded`; then the new one's page."""
    artifact_id = request.path_params["artifact_id"]
    fields = await kit.form_fields(request)
    reply = await kit.engine(
        request,
        "POST",
        f"/api/artifacts/{path_segment(artifact_id)}/supersede",
        workflows.artifact_body(fields),
        if_match=fields.get(kit.ETAG_FIELD) or None,
    )
    if reply.status in (200, 201):
        return kit.back_to(artifact_url(reply.json()["artifact"]["id"]))
    return await kit.answer_write(
        request,
        reply,
        artifact_url(artifact_id),
        "supersede",
        controls=SUPERSEDE_CONTROLS,
        values=fields,
    )


@page
async def attach(request: Request) -> Response:
    """Attach the artifact to a workflow, whose tasks may then count it as proof."""
    artifact_id = request.path_params["artifact_id"]
    fields = await kit.form_fields(request)
    reply = await kit.engine(
        request,
        "POST",
        f"/api/artifacts/{path_segment(artifact_id)}/attach",
        {"bundleId": fields.get("bundleId", "")},
        if_match=fields.get(kit.ETAG_FIELD) or None,
    )
    return await kit.answer_write(
        request,
        reply,
        artifact_url(artifact_id),
        "attach-bundle",
        controls=("bundleId",),
        values=fields,
    )


routes: list[Route] = [
    Route(PREFIX + "{artifact_id}", artifact_page, methods=["GET"]),
    Route(PREFIX + "{artifact_id}/approve", approve, methods=["POST"]),
    Route(PREFIX + "{artifact_id}/reject", reject, methods=["POST"]),
    Route(PREFIX + "{artifact_id}/archive", archive, methods=["POST"]),
    Route(PREFIX + "{artifact_id}/supersede", supersede, methods=["POST"]),
    Route(PREFIX + "{artifact_id}/attach", attach, methods=["POST"]),
]
