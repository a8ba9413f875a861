"""Team administration routes, for leads (docs/api.md#team): users added, given a role,
deactivated, reactivated and given a temporary password; service tokens listed, created and
revoked. Reading who is on the team stays at `/api/users`, open to every member."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from dataops.api.http import call, engine_of, identity_of, json_response, no_content, read_json
from dataops.api.openapi import Doc, array, envelope, ref
from dataops.api.routes import route
from dataops.engine import service_tokens, team
from dataops.model.users import public

router = APIRouter()

_USER = envelope(user=ref("User"))
_LEAD = frozenset({403})
_LEAD_TEXT = {403: "The caller is not an active lead (`Only a lead can manage the team`)"}
_TEMPORARY = {"type": "string", "description": "Shown only in this answer."}
_ENDED = {"type": "integer", "description": "How many sessions of the account ended."}
_ROLE = {"type": "string", "enum": ["member", "lead"]}


def _with_temporary(payload: dict[str, Any], password: str | None) -> dict[str, Any]:
    if password is not None:
        payload["temporaryPassword"] = password
    return payload


@route(
    router,
    "/api/team/users",
    ["POST"],
    Doc(
        "Add a user (leads only)",
        ok=201,
        answer={
            "type": "object",
            "properties": {"user": ref("User"), "temporaryPassword": _TEMPORARY},
            "required": ["user"],
        },
        body={
            "type": "object",
            "properties": {
                "email": {"type": "string"},
                "name": {"type": "string"},
                "role": _ROLE,
                "password": {"type": "string"},
            },
            "required": ["email", "name"],
        },
        example={"email": "grace@example.com", "name": "Grace", "role": "member"},
        errors=_LEAD | {409},
        extra={**_LEAD_TEXT, 409: "A user with this email already exists"},
        description="Without `password` the account gets a temporary one, answered once as "
        "`temporaryPassword`; its owner changes it at `/work/account/password`.",
    ),
)
async def add_user(request: Request) -> Response:
    body = await read_json(request)
    added = await call(team.add_user, engine_of(request), identity_of(request), body)
    payload = _with_temporary({"user": public(added.user)}, added.temporary_password)
    return json_response(payload, 201)


@route(
    router,
    "/api/team/users/{user_id}/role",
    ["PUT"],
    Doc(
        "Change a user's role (leads only)",
        answer=_USER,
        body={"type": "object", "properties": {"role": _ROLE}, "required": ["role"]},
        example={"role": "lead"},
        errors=_LEAD | {409},
        extra={**_LEAD_TEXT, 409: "The change would leave the team without an active lead"},
    ),
    slash=False,
)
async def set_role(user_id: str, request: Request) -> Response:
    body = await read_json(request)
    user = await call(team.set_role, engine_of(request), identity_of(request), user_id, body)
    return json_response({"user": public(user)})


@route(
    router,
    "/api/team/users/{user_id}/deactivate",
    ["POST"],
    Doc(
        "Deactivate a user (leads only): no more logins, every session ends",
        answer=envelope(user=ref("User"), sessionsEnded=_ENDED),
        body_required=False,
        errors=_LEAD | {409},
        extra={**_LEAD_TEXT, 409: "The change would leave the team without an active lead"},
        description="The account's history stays. A lead cannot deactivate their own account.",
    ),
    slash=False,
)
async def deactivate(user_id: str, request: Request) -> Response:
    done = await call(team.deactivate, engine_of(request), identity_of(request), user_id)
    return json_response({"user": public(done.user), "sessionsEnded": done.sessions_ended})


@route(
    router,
    "/api/team/users/{user_id}/reactivate",
    ["POST"],
    Doc(
        "Reactivate a user (leads only)",
        answer=_USER,
        body_required=False,
        errors=_LEAD,
        extra=_LEAD_TEXT,
    ),
    slash=False,
)
async def reactivate(user_id: str, request: Request) -> Response:
    user = await call(team.reactivate, engine_of(request), identity_of(request), user_id)
    return json_response({"user": public(user)})


@route(
    router,
    "/api/team/users/{user_id}/password-reset",
    ["POST"],
    Doc(
        "Give a user a temporary password (leads only)",
        answer=envelope(user=ref("User"), temporaryPassword=_TEMPORARY, sessionsEnded=_ENDED),
        body_required=False,
        errors=_LEAD,
        extra=_LEAD_TEXT,
        description="Every session of the account ends and a lock of failed logins is lifted.",
    ),
    slash=False,
)
async def reset_password(user_id: str, request: Request) -> Response:
    done = await call(team.reset_password, engine_of(request), identity_of(request), user_id)
    return json_response(
        {
            "user": public(done.user),
            "temporaryPassword": done.temporary_password,
            "sessionsEnded": done.sessions_ended,
        }
    )


@route(
    router,
    "/api/team/service-tokens",
    ["GET"],
    Doc(
        "List service tokens (leads only), with their last use",
        answer=envelope(serviceTokens=array(ref("ServiceToken"))),
        errors=_LEAD,
        extra=_LEAD_TEXT,
    ),
)
async def list_tokens(request: Request) -> Response:
    tokens = await call(team.list_tokens, engine_of(request), identity_of(request))
    return json_response({"serviceTokens": tokens})


@route(
    router,
    "/api/team/service-tokens",
    ["POST"],
    Doc(
        "Create a service token (leads only); the token is in this answer only",
        ok=201,
        answer=envelope(serviceToken=ref("ServiceToken"), token=_TEMPORARY),
        body={
            "type": "object",
            "properties": {
                "name": {"type": "string", "pattern": "^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$"},
                "expiresInDays": {"type": "integer", "minimum": 1, "maximum": 3650},
            },
            "required": ["name"],
        },
        example={"name": "podcast-assistant", "expiresInDays": 90},
        errors=_LEAD | {409},
        extra={**_LEAD_TEXT, 409: "A live token with this name exists"},
    ),
)
async def create_token(request: Request) -> Response:
    body = await read_json(request)
    issued = await call(team.create_token, engine_of(request), identity_of(request), body)
    payload = {"serviceToken": service_tokens.public(issued.record), "token": issued.token}
    return json_response(payload, 201)


@route(
    router,
    "/api/team/service-tokens/{name}",
    ["DELETE"],
    Doc("Revoke a service token (leads only)", ok=204, errors=_LEAD, extra=_LEAD_TEXT),
)
async def revoke_token(name: str, request: Request) -> Response:
    await call(team.revoke_token, engine_of(request), identity_of(request), name)
    return no_content()
