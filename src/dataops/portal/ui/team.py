"""The team page (`/work/team`): who is on the team, for everyone; for leads, adding a user,
changing a role, deactivating and reactivating an account, resetting a password, and service
tokens listed with their last use, created and revoked.

The engine decides who may do what: a member who sends one of these forms anyway is shown the
engine's refusal next to it. A temporary password or a new token is shown once, in the answer
to the form that made it (never in an address, never again), so those forms answer with the
page itself instead of redirecting.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from dataops.model.users import Role
from dataops.portal.broker import Reply
from dataops.portal.pages import page
from dataops.portal.ui import kit
from dataops.portal.ui.kit import Failure, path_segment

PATH = "/work/team"
ROLES: tuple[tuple[str, str], ...] = tuple((role.value, role.value.capitalize()) for role in Role)
ADD_CONTROLS = ("name", "email", "role")
TOKEN_CONTROLS = ("name", "expiresInDays")


def _is_lead(request: Request) -> bool:
    visitor = getattr(request.state, "visitor", None)
    user = getattr(visitor, "user", None) or {}
    return user.get("role") == Role.LEAD.value and not user.get("deactivatedAt")


async def show_team(
    request: Request,
    failure: Failure | None = None,
    *,
    secret: Mapping[str, str] | None = None,
    notice: str = "",
) -> Response:
    """The page; `secret` is a temporary password or token to show once (`kind`, `for`,
    `value`)."""
    lead = _is_lead(request)
    users_reply, tokens_reply = await asyncio.gather(
        kit.engine(request, "GET", "/api/users"),
        kit.engine(request, "GET", "/api/team/service-tokens") if lead else _nothing(),
    )
    if users_reply.status != 200:
        return kit.engine_error_page(request, users_reply)
    people = [
        {"deactivatedAt": None, "deactivatedBy": None, **user}
        for user in kit.records(users_reply, "users")
    ]
    people.sort(key=lambda user: (bool(user.get("deactivatedAt")), str(user.get("name", ""))))
    names = {str(user["id"]): str(user.get("name") or user.get("email")) for user in people}
    tokens = [
        {"createdBy": None, "expiresAt": None, "lastUsedAt": None, **token}
        for token in (kit.records(tokens_reply, "serviceTokens") if tokens_reply else [])
    ]
    return kit.show(
        request,
        "team.html",
        failure,
        people=people,
        names=names,
        tokens=tokens,
        lead=lead,
        roles=ROLES,
        secret=secret,
        notice=notice,
    )


async def _nothing() -> None:
    return None


@page
async def team_page(request: Request) -> Response:
    notice = {"revoked": "The token was revoked."}.get(request.query_params.get("done", ""), "")
    return await show_team(request, notice=notice)


async def _refused(
    request: Request, reply: Reply, form: str, controls: tuple[str, ...] = (), **values: str
) -> Response:
    return await show_team(request, kit.failure_of(reply, form, controls, values))


@page
async def add_user(request: Request) -> Response:
    fields = await kit.form_fields(request)
    body = {
        "name": fields.get("name", "").strip(),
        "email": fields.get("email", "").strip(),
        "role": fields.get("role", Role.MEMBER.value),
    }
    reply = await kit.engine(request, "POST", "/api/team/users", body)
    if reply.status != 201:
        return await _refused(request, reply, "add-user", ADD_CONTROLS, **fields)
    added = reply.json()
    user = added["user"]
    secret = {
        "kind": "temporary password",
        "for": f"{user['name']} ({user['email']})",
        "value": str(added.get("temporaryPassword", "")),
    }
    return await show_team(request, secret=secret, notice=f"{user['name']} was added.")


@page
async def change_role(request: Request) -> Response:
    user_id = request.path_params["user_id"]
    fields = await kit.form_fields(request)
    reply = await kit.engine(
        request,
        "PUT",
        f"/api/team/users/{path_segment(user_id)}/role",
        {"role": fields.get("role", "")},
    )
    if not reply.ok:
        return await _refused(request, reply, f"role-{user_id}")
    return kit.back_to(PATH)


@page
async def deactivate(request: Request) -> Response:
    return await _account_action(request, "deactivate")


@page
async def reactivate(request: Request) -> Response:
    return await _account_action(request, "reactivate")


async def _account_action(request: Request, action: str) -> Response:
    user_id = request.path_params["user_id"]
    await kit.form_fields(request)
    reply = await kit.engine(request, "POST", f"/api/team/users/{path_segment(user_id)}/{action}")
    if not reply.ok:
        return await _refused(request, reply, f"account-{user_id}")
    return kit.back_to(PATH)


@page
async def reset_password(request: Request) -> Response:
    user_id = request.path_params["user_id"]
    await kit.form_fields(request)
    reply = await kit.engine(
        request, "POST", f"/api/team/users/{path_segment(user_id)}/password-reset"
    )
    if not reply.ok:
        return await _refused(request, reply, f"reset-{user_id}")
    answer = reply.json()
    user = answer["user"]
    secret = {
        "kind": "temporary password",
        "for": f"{user['name']} ({user['email']})",
        "value": str(answer["temporaryPassword"]),
    }
    ended = int(answer.get("sessionsEnded", 0))
    notice = f"The password of {user['name']} was reset; {ended} session(s) ended."
    return await show_team(request, secret=secret, notice=notice)


def token_body(fields: Mapping[str, str]) -> dict[str, Any]:
    body: dict[str, Any] = {"name": fields.get("name", "").strip()}
    days = fields.get("expiresInDays", "").strip()
    if days:
        # A number the engine judges; anything else goes as typed, so its message names it.
        body["expiresInDays"] = int(days) if days.isascii() and days.isdigit() else days
    return body


@page
async def create_token(request: Request) -> Response:
    fields = await kit.form_fields(request)
    reply = await kit.engine(request, "POST", "/api/team/service-tokens", token_body(fields))
    if reply.status != 201:
        return await _refused(request, reply, "create-token", TOKEN_CONTROLS, **fields)
    answer = reply.json()
    service = answer["serviceToken"]
    secret = {"kind": "service token", "for": str(service["actor"]), "value": str(answer["token"])}
    notice = f"A token for {service['actor']} was created."
    return await show_team(request, secret=secret, notice=notice)


@page
async def revoke_token(request: Request) -> Response:
    name = request.path_params["name"]
    await kit.form_fields(request)
    reply = await kit.engine(request, "DELETE", f"/api/team/service-tokens/{path_segment(name)}")
    if not reply.ok:
        return await _refused(request, reply, f"revoke-{name}")
    return kit.back_to(PATH + "?done=revoked")


routes: list[Route] = [
    Route(PATH, team_page, methods=["GET"]),
    Route(PATH + "/users", add_user, methods=["POST"]),
    Route(PATH + "/users/{user_id}/role", change_role, methods=["POST"]),
    Route(PATH + "/users/{user_id}/deactivate", deactivate, methods=["POST"]),
    Route(PATH + "/users/{user_id}/reactivate", reactivate, methods=["POST"]),
    Route(PATH + "/users/{user_id}/password-reset", reset_password, methods=["POST"]),
    Route(PATH + "/tokens", create_token, methods=["POST"]),
    Route(PATH + "/tokens/{name}/revoke", revoke_token, methods=["POST"]),
]
