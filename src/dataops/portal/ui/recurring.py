"""Recurring work (`/work/recurring`): every recurring task config with its schedule, enabled or
not; a config is added, edited (with the version the page showed), enabled or disabled,
deleted, and made to generate its tasks now for a window of days."""

from __future__ import annotations

import asyncio
import datetime
import urllib.parse
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from dataops.portal.pages import page, team_today
from dataops.portal.ui import kit
from dataops.portal.ui.kit import Failure, path_segment

PATH = "/work/recurring"
PATH_API = "/api/recurring"
CONTROLS = ("description", "cronExpression", "assigneeId")
WINDOW_CONTROLS = ("startDate", "endDate")
# "Generate now" offers the next two weeks; the engine takes up to 91 days.
DEFAULT_WINDOW_DAYS = 13


def _config_body(fields: Mapping[str, str]) -> dict[str, Any]:
    return {
        "description": fields.get("description", "").strip(),
        "cronExpression": fields.get("cronExpression", "").strip(),
        "assigneeId": fields.get("assigneeId") or None,
    }


async def show_recurring(
    request: Request, failure: Failure | None = None, notice: str = ""
) -> Response:
    configs_reply, users_reply = await asyncio.gather(
        kit.engine(request, "GET", "/api/recurring"), kit.engine(request, "GET", "/api/users")
    )
    if configs_reply.status != 200:
        return kit.engine_error_page(request, configs_reply)
    configs = [
        {"enabled": True, "assigneeId": None, **config}
        for config in kit.records(configs_reply, "recurringConfigs")
    ]
    # Each config's version, for the If-Match of its edit form.
    versions = await asyncio.gather(
        *(kit.engine(request, "GET", f"{PATH_API}/{path_segment(c['id'])}") for c in configs)
    )
    etags = {config["id"]: reply.etag for config, reply in zip(configs, versions, strict=True)}
    people = kit.records(users_reply, "users")
    names = {str(user["id"]): str(user.get("name") or user.get("email")) for user in people}
    today = team_today(request)
    return kit.show(
        request,
        "recurring.html",
        failure,
        configs=configs,
        etags=etags,
        names=names,
        assignee_options=[
            ("", "Nobody in particular"),
            *((str(u["id"]), names[str(u["id"])]) for u in people if not u.get("deactivatedAt")),
        ],
        start=today.isoformat(),
        end=(today + datetime.timedelta(days=DEFAULT_WINDOW_DAYS)).isoformat(),
        notice=notice,
    )


@page
async def recurring_page(request: Request) -> Response:
    query = request.query_params
    notice = ""
    if query.get("generated") is not None:
        generated, skipped = query.get("generated", "0"), query.get("skipped", "0")
        if generated.isdigit() and skipped.isdigit():
            notice = (
                f"Generated {generated} task(s) for {query.get('what', 'the config')}; "
                f"{skipped} already existed."
            )
    return await show_recurring(request, notice=notice)


@page
async def create_config(request: Request) -> Response:
    fields = await kit.form_fields(request)
    body = {**_config_body(fields), "enabled": True}
    if body["assigneeId"] is None:
        del body["assigneeId"]
    reply = await kit.engine(request, "POST", PATH_API, body)
    if reply.ok:
        return kit.back_to(PATH)
    return await show_recurring(request, kit.failure_of(reply, "new-config", CONTROLS, fields))


async def _update(
    request: Request,
    fields: Mapping[str, str],
    body: dict[str, Any],
    form: str,
    controls: tuple[str, ...] = (),
) -> Response:
    """Write a change to the config at the version its form was shown with; then back to the
    list, or the list again with the engine's refusal at `form`."""
    config_id = request.path_params["config_id"]
    reply = await kit.engine(
        request,
        "PUT",
        f"{PATH_API}/{path_segment(config_id)}",
        body,
        if_match=fields.get(kit.ETAG_FIELD) or None,
    )
    if reply.ok:
        return kit.back_to(PATH)
    failure = kit.failure_of(reply, f"{form}-{config_id}", controls, fields)
    return await show_recurring(request, failure)


@page
async def update_config(request: Request) -> Response:
    fields = await kit.form_fields(request)
    return await _update(request, fields, _config_body(fields), "config", CONTROLS)


@page
async def set_enabled(request: Request) -> Response:
    fields = await kit.form_fields(request)
    return await _update(request, fields, {"enabled": fields.get("enabled") == "true"}, "enabled")


@page
async def delete_config(request: Request) -> Response:
    config_id = request.path_params["config_id"]
    await kit.form_fields(request)
    reply = await kit.engine(request, "DELETE", f"{PATH_API}/{path_segment(config_id)}")
    if reply.ok:
        return kit.back_to(PATH)
    return await show_recurring(request, kit.failure_of(reply, f"delete-{config_id}"))


@page
async def generate_now(request: Request) -> Response:
    config_id = request.path_params["config_id"]
    fields = await kit.form_fields(request)
    window = {
        "startDate": fields.get("startDate", "").strip(),
        "endDate": fields.get("endDate", "").strip(),
    }
    reply = await kit.engine(
        request, "POST", f"{PATH_API}/{path_segment(config_id)}/generate", window
    )
    if not reply.ok:
        failure = kit.failure_of(reply, f"generate-{config_id}", WINDOW_CONTROLS, fields)
        return await show_recurring(request, failure)
    result = reply.json()
    query = urllib.parse.urlencode(
        {
            "generated": len(result["generated"]),
            "skipped": result["skipped"],
            "what": fields.get("what", "the config")[:200],
        }
    )
    return kit.back_to(f"{PATH}?{query}")


routes: list[Route] = [
    Route(PATH, recurring_page, methods=["GET"]),
    Route(PATH, create_config, methods=["POST"]),
    Route(PATH + "/{config_id}", update_config, methods=["POST"]),
    Route(PATH + "/{config_id}/enabled", set_enabled, methods=["POST"]),
    Route(PATH + "/{config_id}/delete", delete_config, methods=["POST"]),
    Route(PATH + "/{config_id}/generate", generate_now, methods=["POST"]),
]
