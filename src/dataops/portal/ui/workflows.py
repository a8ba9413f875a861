"""The workflow (bundle) page: its tasks grouped by phase and date with their status and proof,
its links and references, its artifacts with their review status, its stage and progress; and
starting a workflow from a template. Every read and write goes through the broker."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from dataops.model import tasks as task_model
from dataops.model.artifacts import ArtifactType, Visibility
from dataops.model.bundles import BundleStage
from dataops.portal import work
from dataops.portal.pages import page
from dataops.portal.ui import kit
from dataops.portal.ui.kit import Failure, path_segment

PREFIX = "/work/workflows/"
ARTIFACT_TYPES: tuple[tuple[str, str], ...] = tuple(
    (kind.value, kind.value.replace("-", " ").capitalize()) for kind in ArtifactType
)
DATA_CLASSES: tuple[tuple[str, str], ...] = tuple(
    (kind.value, kind.value.capitalize()) for kind in Visibility
)
STAGES: tuple[tuple[str, str], ...] = tuple(
    (stage.value, stage.value.replace("-", " ").capitalize()) for stage in BundleStage
)
REGISTER_CONTROLS = ("title", "storageUri", "type", "dataClass", "description")
START_CONTROLS = ("templateId", "title", "anchorDate")


def workflow_url(bundle_id: str) -> str:
    return PREFIX + path_segment(bundle_id)


def phases(tasks: list[dict[str, Any]], template: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """Tasks grouped by phase (the template's order, then any other phase as it first comes),
    each group by date."""
    names: dict[str, str] = {}
    order: list[str] = []
    for phase in (template or {}).get("phases") or []:
        if isinstance(phase, dict) and isinstance(phase.get("id"), str):
            names[phase["id"]] = str(phase.get("name") or phase["id"])
            order.append(phase["id"])
    ordered = sorted(
        tasks, key=lambda task: (str(task.get("date", "")), str(task.get("description", "")))
    )
    groups: dict[str, list[dict[str, Any]]] = {}
    for task in ordered:
        phase = task.get("phase")
        key = phase if isinstance(phase, str) else ""
        groups.setdefault(key, []).append(task)
    keys = [key for key in order if key in groups] + [key for key in groups if key not in order]
    return [
        {"id": key, "name": names.get(key, key) if key else "Other tasks", "tasks": groups[key]}
        for key in keys
    ]


async def proof_of(request: Request, tasks: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each task's proof (`GET /api/tasks/:id/proof`), by task id."""
    replies = await asyncio.gather(
        *(
            kit.engine(request, "GET", f"/api/tasks/{path_segment(task['id'])}/proof")
            for task in tasks
        )
    )
    return {
        task["id"]: reply.json()["proof"]
        for task, reply in zip(tasks, replies, strict=True)
        if reply.status == 200
    }


REVIEW_LABELS = {
    "draft": "draft",
    "needs-review": "needs review",
    "approved": "approved",
    "rejected": "rejected",
}


def attach_options(artifacts: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """The artifacts a page may attach, as (id, "title (status)") choices, newest first."""
    choices = []
    for artifact in artifacts:
        status = str(artifact.get("status", ""))
        choices.append(
            (artifact["id"], f"{artifact.get('title', '')} ({REVIEW_LABELS.get(status, status)})")
        )
    return choices


@kit.redisplays(PREFIX)
async def show_workflow(
    request: Request, bundle_id: str, failure: Failure | None = None
) -> Response:
    segment = path_segment(bundle_id)
    bundle_reply = await kit.engine(request, "GET", f"/api/bundles/{segment}")
    if bundle_reply.status != 200:
        return kit.engine_error_page(request, bundle_reply)
    bundle = bundle_reply.json()["bundle"]
    tasks_reply, artifacts_reply, all_artifacts_reply = await asyncio.gather(
        kit.engine(request, "GET", f"/api/bundles/{segment}/tasks"),
        kit.engine(request, "GET", f"/api/artifacts?bundleId={segment}"),
        kit.engine(request, "GET", "/api/artifacts"),
    )
    tasks = kit.records(tasks_reply, "tasks")
    template = None
    if isinstance(bundle.get("templateId"), str) and bundle["templateId"]:
        template_reply = await kit.engine(
            request, "GET", f"/api/templates/{path_segment(bundle['templateId'])}"
        )
        template = template_reply.json()["template"] if template_reply.status == 200 else None
    artifacts = kit.records(artifacts_reply, "artifacts")
    attached = {artifact["id"] for artifact in artifacts}
    attachable = [
        artifact
        for artifact in kit.records(all_artifacts_reply, "artifacts")
        if artifact["id"] not in attached
        and artifact.get("status") not in ("archived", "superseded")
    ]
    return kit.show(
        request,
        "workflow.html",
        failure,
        bundle=bundle,
        workflow_template=template,
        phases=phases(tasks, template),
        proof=await proof_of(request, tasks),
        progress=task_model.progress(tasks),
        artifacts=artifacts,
        attach_options=attach_options(attachable),
        artifact_types=ARTIFACT_TYPES,
        data_classes=DATA_CLASSES,
        stages=STAGES,
        here=workflow_url(bundle_id),
    )


@page
async def workflow_page(request: Request) -> Response:
    return await show_workflow(request, request.path_params["bundle_id"])


def artifact_body(fields: Mapping[str, str]) -> dict[str, Any]:
    """An external artifact from the register form: only what the person filled in."""
    body: dict[str, Any] = {
        "title": fields.get("title", "").strip(),
        "storageUri": fields.get("storageUri", "").strip(),
        "type": fields.get("type", "external-link"),
        "sourceType": "manual-link",
    }
    if fields.get("dataClass"):
        body["dataClass"] = fields["dataClass"]
    if fields.get("description", "").strip():
        body["description"] = fields["description"].strip()
    if fields.get("status") in ("draft", "needs-review"):
        body["status"] = fields["status"]
    return body


@page
async def register_artifact(request: Request) -> Response:
    bundle_id = request.path_params["bundle_id"]
    fields = await kit.form_fields(request)
    body = {**artifact_body(fields), "bundleId": bundle_id}
    reply = await kit.engine(request, "POST", "/api/artifacts", body)
    return await kit.answer_write(
        request,
        reply,
        workflow_url(bundle_id),
        "register",
        controls=REGISTER_CONTROLS,
        values=fields,
    )


@page
async def attach_artifact(request: Request) -> Response:
    bundle_id = request.path_params["bundle_id"]
    fields = await kit.form_fields(request)
    artifact_id = fields.get("artifactId", "")
    reply = await kit.engine(
        request,
        "POST",
        f"/api/artifacts/{path_segment(artifact_id)}/attach",
        {"bundleId": bundle_id},
        if_match=fields.get(kit.ETAG_FIELD) or None,
    )
    return await kit.answer_write(
        request, reply, workflow_url(bundle_id), "attach", controls=("artifactId",), values=fields
    )


@page
async def change_stage(request: Request) -> Response:
    bundle_id = request.path_params["bundle_id"]
    fields = await kit.form_fields(request)
    body = {"stage": fields.get("stage", "")}
    reply = await kit.engine(request, "PUT", f"/api/bundles/{path_segment(bundle_id)}", body)
    return await kit.answer_write(
        request, reply, workflow_url(bundle_id), "stage", controls=("stage",), values=fields
    )


@page
async def start_workflow(request: Request) -> Response:
    """A workflow from a template: its tasks dated from the anchor date; then its page."""
    fields = await kit.form_fields(request)
    body = {
        "templateId": fields.get("templateId", ""),
        "title": fields.get("title", "").strip(),
        "anchorDate": fields.get("anchorDate", "").strip(),
    }
    reply = await kit.engine(request, "POST", "/api/bundles", body)
    if reply.status == 201:
        return kit.back_to(workflow_url(reply.json()["bundle"]["id"]))
    failure = kit.failure_of(reply, "start", START_CONTROLS, fields)
    return await work.show_home(request, failure)


routes: list[Route] = [
    Route("/work/workflows/start", start_workflow, methods=["POST"]),
    Route(PREFIX + "{bundle_id}", workflow_page, methods=["GET"]),
    Route(PREFIX + "{bundle_id}/artifacts", register_artifact, methods=["POST"]),
    Route(PREFIX + "{bundle_id}/attach", attach_artifact, methods=["POST"]),
    Route(PREFIX + "{bundle_id}/stage", change_stage, methods=["POST"]),
]
