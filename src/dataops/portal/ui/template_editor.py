"""Templates: the list (`/work/templates`, with a form that starts a new one) and the editor
(`/work/templates/<id>`): the basics, the trigger schedule, phases, task definitions with their
proof requirements, references and bundle link definitions, each edited by its own plain form;
and instantiating the template into a workflow.

Every edit reads the template fresh, changes the one part its form is about and writes the
whole field back with the `If-Match` of the version the page showed: if someone else changed
the template meanwhile, nothing is written and the page shows the fresh template with the
engine's 412 message. What the engine refuses is shown next to the form, in its words.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from dataops.model import messages
from dataops.model.bundles import BundleStage
from dataops.model.tasks import ProofType
from dataops.portal.pages import page, team_today
from dataops.portal.ui import kit
from dataops.portal.ui.kit import Failure, path_segment

LIST = "/work/templates"
PREFIX = LIST + "/"
STAGES: tuple[tuple[str, str], ...] = tuple(
    (stage.value, stage.value.replace("-", " ").capitalize()) for stage in BundleStage
)
PROOF_TYPES: tuple[tuple[str, str], ...] = (
    ("url", "A link (URL)"),
    ("file", "An uploaded file"),
    ("artifact", "An approved artifact"),
    ("comment", "A comment"),
    ("external-status", "An external status"),
)
assert {value for value, _ in PROOF_TYPES} == {kind.value for kind in ProofType}
TRIGGERS: tuple[tuple[str, str], ...] = (
    ("manual", "Started by hand"),
    ("automatic", "Started automatically on a schedule"),
)
# The optional text fields of a task definition the editor shows; an empty one is removed.
DEFINITION_TEXTS = ("phase", "requiredLinkName", "instructionsUrl", "stageOnComplete")
DEFINITION_CONTROLS = ("refId", "description", "offsetDays", *DEFINITION_TEXTS)


# Where the editor shows each part, so a saved form lands back at it.
ANCHORS = {
    "trigger": "#trigger",
    "phase": "#phases",
    "task": "#tasks",
    "reference": "#references",
    "link": "#links",
}


class Stale(Exception):
    """The form names a part of the template that is no longer there: the page was stale."""


def template_url(template_id: str) -> str:
    return PREFIX + path_segment(template_id)


def number_or_text(raw: str) -> Any:
    """A whole number typed in a form, as a number; anything else as typed, for the engine to
    judge in its own words."""
    text = raw.strip()
    if re.fullmatch(r"-?[0-9]{1,6}", text):
        return int(text)
    return text


def slug(text: str, taken: set[str], fallback: str) -> str:
    """A short id from a name (`Record the episode` -> `record-the-episode`), unique."""
    base = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40].strip("-") or fallback
    candidate, number = base, 2
    while candidate in taken:
        candidate, number = f"{base}-{number}", number + 1
    return candidate


def shown(record: Mapping[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    """A record for a page: every optional field it shows is there (None when not set)."""
    return {**dict.fromkeys(names), **record}


TEMPLATE_SHOWN = (
    "emoji",
    "tags",
    "defaultAssigneeId",
    "triggerType",
    "triggerSchedule",
    "triggerLeadDays",
    "taskDefinitions",
    "phases",
    "updatedAt",
)
DEFINITION_SHOWN = (
    "proofRequirement",
    "requiredLinkName",
    "requiresFile",
    "phase",
    "instructionsUrl",
    "stageOnComplete",
    "assigneeId",
    "isMilestone",
)


def _list(template: Mapping[str, Any], field: str) -> list[dict[str, Any]]:
    value = template.get(field)
    if not isinstance(value, list):
        return []
    return [dict(item) for item in value if isinstance(item, dict)]


def _index(fields: Mapping[str, str], items: list[dict[str, Any]]) -> int:
    raw = fields.get("index", "")
    if not raw.isascii() or not raw.isdigit() or int(raw) >= len(items):
        raise Stale
    return int(raw)


# --- the list ---------------------------------------------------------------------------------


async def show_list(request: Request, failure: Failure | None = None) -> Response:
    reply = await kit.engine(request, "GET", "/api/templates")
    if reply.status != 200:
        return kit.engine_error_page(request, reply)
    templates = [shown(template, TEMPLATE_SHOWN) for template in kit.records(reply, "templates")]
    templates.sort(key=lambda template: str(template.get("name", "")).lower())
    return kit.show(request, "templates.html", failure, templates=templates)


@page
async def list_page(request: Request) -> Response:
    return await show_list(request)


@page
async def create_template(request: Request) -> Response:
    fields = await kit.form_fields(request)
    description = fields.get("description", "").strip()
    body: dict[str, Any] = {
        "name": fields.get("name", "").strip(),
        "type": fields.get("type", "").strip(),
        "taskDefinitions": [
            {
                "refId": slug(description, set(), "task-1"),
                "description": description,
                "offsetDays": 0,
            }
        ],
    }
    if not description:
        body["taskDefinitions"] = []
    reply = await kit.engine(request, "POST", "/api/templates", body)
    if reply.status == 201:
        return kit.back_to(template_url(reply.json()["template"]["id"]))
    failure = kit.failure_of(reply, "new-template", ("name", "type"), fields)
    return await show_list(request, failure)


# --- the editor -------------------------------------------------------------------------------


@kit.redisplays(PREFIX)
async def show_template(
    request: Request, template_id: str, failure: Failure | None = None
) -> Response:
    reply, users_reply = await asyncio.gather(
        kit.engine(request, "GET", f"/api/templates/{path_segment(template_id)}"),
        kit.engine(request, "GET", "/api/users"),
    )
    if reply.status != 200:
        return kit.engine_error_page(request, reply)
    template = reply.json()["template"]
    phases = _list(template, "phases")
    people = [user for user in kit.records(users_reply, "users") if not user.get("deactivatedAt")]
    return kit.show(
        request,
        "template.html",
        failure,
        record=shown(template, TEMPLATE_SHOWN),
        etag=reply.etag,
        phases=[shown(phase, ("stage",)) for phase in phases],
        definitions=[shown(d, DEFINITION_SHOWN) for d in _list(template, "taskDefinitions")],
        references=[shown(item, ("name", "url")) for item in _list(template, "references")],
        link_definitions=[
            shown(item, ("name",)) for item in _list(template, "bundleLinkDefinitions")
        ],
        phase_options=[("", "No phase"), *((p["id"], str(p.get("name", p["id"]))) for p in phases)],
        stage_options=[("", "No stage"), *STAGES],
        proof_options=[("", "No proof required"), *PROOF_TYPES],
        assignee_options=[
            ("", "Nobody in particular"),
            *((str(user["id"]), str(user.get("name") or user.get("email"))) for user in people),
        ],
        triggers=TRIGGERS,
        today=team_today(request).isoformat(),
        here=template_url(template_id),
    )


@page
async def editor_page(request: Request) -> Response:
    return await show_template(request, request.path_params["template_id"], None)


Change = Callable[[dict[str, Any], Mapping[str, str]], dict[str, Any]]


async def _edit(
    request: Request, form: str, change: Change, controls: tuple[str, ...] = ()
) -> Response:
    """Read the template fresh, let `change` make the body of the update from it and the form,
    write it with the page's version; then back to the editor (at the form's part)."""
    template_id = request.path_params["template_id"]
    fields = await kit.form_fields(request)
    url = template_url(template_id)
    reply = await kit.engine(request, "GET", f"/api/templates/{path_segment(template_id)}")
    if reply.status != 200:
        return kit.engine_error_page(request, reply)
    seen = fields.get(kit.ETAG_FIELD, "")
    stale = Failure(form, messages.PRECONDITION_FAILED, 412)
    if seen and seen != reply.etag:
        return await show_template(request, template_id, stale)
    try:
        body = change(reply.json()["template"], fields)
    except Stale:
        return await show_template(request, template_id, stale)
    written = await kit.engine(
        request, "PUT", f"/api/templates/{path_segment(template_id)}", body, if_match=seen or None
    )
    if written.ok:
        return kit.back_to(url + ANCHORS.get(form.split("-", 1)[0], ""))
    failure = kit.failure_of(written, form, controls, fields)
    return await show_template(request, template_id, failure)


def _basics(template: dict[str, Any], fields: Mapping[str, str]) -> dict[str, Any]:
    tags = [tag.strip() for tag in fields.get("tags", "").split(",") if tag.strip()]
    return {
        "name": fields.get("name", "").strip(),
        "type": fields.get("type", "").strip(),
        "emoji": fields.get("emoji", "").strip() or None,
        "tags": tags or None,
        "defaultAssigneeId": fields.get("defaultAssigneeId") or None,
    }


def _trigger(template: dict[str, Any], fields: Mapping[str, str]) -> dict[str, Any]:
    lead_days = fields.get("triggerLeadDays", "").strip()
    return {
        "triggerType": fields.get("triggerType") or "manual",
        "triggerSchedule": fields.get("triggerSchedule", "").strip() or None,
        "triggerLeadDays": number_or_text(lead_days) if lead_days else None,
    }


def _phases(template: dict[str, Any], fields: Mapping[str, str]) -> dict[str, Any]:
    phases = _list(template, "phases")
    action = fields.get("action", "")
    if action == "add":
        name = fields.get("name", "").strip()
        taken = {str(phase.get("id")) for phase in phases}
        phase: dict[str, Any] = {"id": slug(name, taken, f"phase-{len(phases) + 1}"), "name": name}
        if fields.get("stage"):
            phase["stage"] = fields["stage"]
        phases.append(phase)
    else:
        index = _index(fields, phases)
        if action == "remove":
            del phases[index]
        else:
            phases[index]["name"] = fields.get("name", "").strip()
            if fields.get("stage"):
                phases[index]["stage"] = fields["stage"]
            else:
                phases[index].pop("stage", None)
    return {"phases": phases or None}


def definition_from(existing: Mapping[str, Any], fields: Mapping[str, str]) -> dict[str, Any]:
    """A task definition as the form describes it; keys the editor does not show are kept."""
    definition = dict(existing)
    definition["refId"] = fields.get("refId", "").strip()
    definition["description"] = fields.get("description", "").strip()
    definition["offsetDays"] = number_or_text(fields.get("offsetDays", "0") or "0")
    for name in DEFINITION_TEXTS:
        value = fields.get(name, "").strip()
        if value:
            definition[name] = value
        else:
            definition.pop(name, None)
    for name in ("requiresFile", "isMilestone"):
        if fields.get(name):
            definition[name] = True
        else:
            definition.pop(name, None)
    if fields.get("assigneeId"):
        definition["assigneeId"] = fields["assigneeId"]
    else:
        definition.pop("assigneeId", None)
    proof_type = fields.get("proofType", "")
    if proof_type:
        proof: dict[str, Any] = {"type": proof_type}
        label = fields.get("proofLabel", "").strip()
        if label:
            proof["label"] = label
        definition["proofRequirement"] = proof
    else:
        definition.pop("proofRequirement", None)
    return definition


def _definitions(template: dict[str, Any], fields: Mapping[str, str]) -> dict[str, Any]:
    definitions = _list(template, "taskDefinitions")
    action = fields.get("action", "")
    if action == "add":
        taken = {str(item.get("refId")) for item in definitions}
        description = fields.get("description", "").strip()
        fresh = {"refId": slug(description, taken, f"task-{len(definitions) + 1}")}
        definitions.append(definition_from(fresh, {**fields, "refId": fresh["refId"]}))
    else:
        index = _index(fields, definitions)
        if action == "remove":
            del definitions[index]
        elif action in ("up", "down"):
            other = index - 1 if action == "up" else index + 1
            if 0 <= other < len(definitions):
                definitions[index], definitions[other] = definitions[other], definitions[index]
        else:
            definitions[index] = definition_from(definitions[index], fields)
    return {"taskDefinitions": definitions}


def _references(template: dict[str, Any], fields: Mapping[str, str]) -> dict[str, Any]:
    references = _list(template, "references")
    if fields.get("action") == "add":
        references.append(
            {"name": fields.get("name", "").strip(), "url": fields.get("url", "").strip()}
        )
    else:
        del references[_index(fields, references)]
    return {"references": references or None}


def _links(template: dict[str, Any], fields: Mapping[str, str]) -> dict[str, Any]:
    links = _list(template, "bundleLinkDefinitions")
    if fields.get("action") == "add":
        links.append({"name": fields.get("name", "").strip()})
    else:
        del links[_index(fields, links)]
    return {"bundleLinkDefinitions": links or None}


@page
async def edit_basics(request: Request) -> Response:
    return await _edit(request, "basics", _basics, ("name", "type", "emoji", "tags"))


@page
async def edit_trigger(request: Request) -> Response:
    controls = ("triggerType", "triggerSchedule", "triggerLeadDays")
    return await _edit(request, "trigger", _trigger, controls)


def _form_of(request: Request, kind: str, fields: Mapping[str, str]) -> str:
    return f"{kind}-new" if fields.get("action") == "add" else f"{kind}-{fields.get('index', '')}"


async def _edit_list(request: Request, kind: str, change: Change) -> Response:
    fields = await kit.form_fields(request)
    controls = ("name", "url", "stage") if kind != "task" else DEFINITION_CONTROLS
    return await _edit(request, _form_of(request, kind, fields), change, controls)


@page
async def edit_phases(request: Request) -> Response:
    return await _edit_list(request, "phase", _phases)


@page
async def edit_definitions(request: Request) -> Response:
    return await _edit_list(request, "task", _definitions)


@page
async def edit_references(request: Request) -> Response:
    return await _edit_list(request, "reference", _references)


@page
async def edit_links(request: Request) -> Response:
    return await _edit_list(request, "link", _links)


@page
async def instantiate(request: Request) -> Response:
    """A workflow from this template, dated from the anchor date; then the workflow's page."""
    template_id = request.path_params["template_id"]
    fields = await kit.form_fields(request)
    body = {
        "templateId": template_id,
        "title": fields.get("title", "").strip(),
        "anchorDate": fields.get("anchorDate", "").strip(),
    }
    reply = await kit.engine(request, "POST", "/api/bundles", body)
    if reply.status == 201:
        return kit.back_to("/work/workflows/" + path_segment(reply.json()["bundle"]["id"]))
    failure = kit.failure_of(reply, "instantiate", ("title", "anchorDate"), fields)
    return await show_template(request, template_id, failure)


@page
async def delete_template(request: Request) -> Response:
    template_id = request.path_params["template_id"]
    await kit.form_fields(request)
    reply = await kit.engine(request, "DELETE", f"/api/templates/{path_segment(template_id)}")
    if reply.ok:
        return kit.back_to(LIST)
    return await show_template(request, template_id, kit.failure_of(reply, "delete"))


routes: list[Route] = [
    Route(LIST, list_page, methods=["GET"]),
    Route(LIST, create_template, methods=["POST"]),
    Route(PREFIX + "{template_id}", editor_page, methods=["GET"]),
    Route(PREFIX + "{template_id}/basics", edit_basics, methods=["POST"]),
    Route(PREFIX + "{template_id}/trigger", edit_trigger, methods=["POST"]),
    Route(PREFIX + "{template_id}/phases", edit_phases, methods=["POST"]),
    Route(PREFIX + "{template_id}/tasks", edit_definitions, methods=["POST"]),
    Route(PREFIX + "{template_id}/references", edit_references, methods=["POST"]),
    Route(PREFIX + "{template_id}/links", edit_links, methods=["POST"]),
    Route(PREFIX + "{template_id}/instantiate", instantiate, methods=["POST"]),
    Route(PREFIX + "{template_id}/delete", delete_template, methods=["POST"]),
]
