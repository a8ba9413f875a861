"""Portal support (docs/identity.md; portal mode only, behind the trusted headers): the portal
keeps no store of its own, so it logs people in, checks and ends their sessions, changes their
passwords, and resolves the service tokens it receives, all through these routes."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from dataops.api.http import (
    call,
    client_of,
    engine_of,
    json_response,
    no_content,
    read,
    read_json,
)
from dataops.api.openapi import Doc, body_schema, envelope, ref
from dataops.api.routes import route
from dataops.config import AuthMode
from dataops.engine import credentials, service_tokens, sessions
from dataops.model import messages
from dataops.model.errors import Unauthorized
from dataops.model.records import Field, Kind
from dataops.model.users import public
from dataops.model.values import format_timestamp

router = APIRouter()

# The portal's own routes: in other modes they answer 404 and the document leaves them out.
PORTAL = frozenset({AuthMode.PORTAL})
_THROTTLED = "Too many failed attempts for this account or client; try again later"
CREDENTIALS = body_schema(
    (Field("email", Kind.TEXT, required=True), Field("password", Kind.TEXT, required=True)),
    ("email", "password"),
)
PASSWORD_CHANGE = body_schema(
    (
        Field("currentPassword", Kind.TEXT, required=True),
        Field("newPassword", Kind.TEXT, required=True),
    ),
    ("currentPassword", "newPassword"),
)
SESSION = envelope(
    user=ref("User"),
    session=envelope(id={"type": "string"}, expiresAt={"type": "string", "format": "date-time"}),
)
SERVICE = envelope(
    service={
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "actor": {"type": "string"},
            "createdAt": {"type": "string", "format": "date-time"},
            "expiresAt": {"type": "string", "format": "date-time"},
        },
        "required": ["name", "actor", "createdAt"],
    }
)


@route(
    router,
    "/api/portal/login",
    ["POST"],
    Doc(
        "Portal: log a person in (a session for the portal's cookie)",
        answer=SESSION,
        body=CREDENTIALS,
        errors=frozenset({401, 429}),
        extra={401: "Invalid email or password, or untrusted", 429: _THROTTLED},
        modes=PORTAL,
    ),
)
async def login(request: Request) -> Response:
    body = await read_json(request)
    user, session = await credentials.login(engine_of(request), body, client_of(request))
    return json_response(
        {"user": public(user), "session": {"id": session.token, "expiresAt": session.expires_at}}
    )


@route(
    router,
    "/api/portal/sessions/{session_id}",
    ["GET"],
    Doc(
        "Portal: the user of a live session",
        answer=envelope(user=ref("User")),
        modes=PORTAL,
    ),
)
async def get_session(session_id: str, request: Request) -> Response:
    found = await read(sessions.live_session, engine_of(request), session_id)
    if found is None:
        raise Unauthorized(messages.UNAUTHORIZED)
    session, user = found
    expires_at = sessions.expiry_of(engine_of(request), session)
    assert expires_at is not None  # a live session has an end
    return json_response(
        {"user": public(user), "session": {"expiresAt": format_timestamp(expires_at)}}
    )


@route(
    router,
    "/api/portal/sessions/{session_id}",
    ["DELETE"],
    Doc("Portal: end a session", ok=204, modes=PORTAL),
)
async def end_session(session_id: str, request: Request) -> Response:
    await call(sessions.end_session, engine_of(request), session_id)
    return no_content()


@route(
    router,
    "/api/portal/sessions/{session_id}/password",
    ["POST"],
    Doc(
        "Portal: a signed-in person changes their password (their other sessions end)",
        ok=204,
        body=PASSWORD_CHANGE,
        errors=frozenset({403, 409, 429}),
        extra={
            403: "The current password is wrong",
            409: "Changed by others right now; try again",
            429: _THROTTLED,
        },
        modes=PORTAL,
    ),
)
async def change_password(session_id: str, request: Request) -> Response:
    body = await read_json(request)
    await credentials.change_password(engine_of(request), session_id, body, client_of(request))
    return no_content()


@route(
    router,
    "/api/portal/service-tokens/resolve",
    ["POST"],
    Doc(
        "Portal: the service a bearer service token belongs to",
        answer=SERVICE,
        body=body_schema((Field("token", Kind.TEXT, required=True),), ("token",)),
        modes=PORTAL,
    ),
)
async def resolve_service_token(request: Request) -> Response:
    body = await read_json(request)
    record = await call(service_tokens.resolve, engine_of(request), body)
    return json_response({"service": service_tokens.public(record)})
