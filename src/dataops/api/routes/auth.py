"""Session routes (docs/api.md#authentication): login, logout, me."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from dataops.api.http import (
    call,
    client_of,
    engine_of,
    identity_of,
    json_response,
    no_content,
    read_json,
)
from dataops.api.openapi import Doc, body_schema, envelope, ref
from dataops.api.routes import route
from dataops.config import AuthMode
from dataops.engine import credentials, sessions
from dataops.model import messages
from dataops.model.errors import Unauthorized
from dataops.model.records import Field, Kind
from dataops.model.users import public

router = APIRouter()

# In portal mode the portal logs people in: `/api/auth/*` answers 404 there.
SESSIONS = frozenset({AuthMode.SESSION, AuthMode.NONE})

CREDENTIALS = body_schema(
    (Field("email", Kind.TEXT, required=True), Field("password", Kind.TEXT, required=True)),
    ("email", "password"),
)


def bearer_token(request: Request) -> str:
    """The token of `Authorization: Bearer <token>` ("Bearer" in any case), or ""."""
    scheme, _, token = request.headers.get("authorization", "").strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


@route(
    router,
    "/api/auth/login",
    ["POST"],
    Doc(
        "Log in: a session token for `Authorization: Bearer <token>`",
        answer=envelope(user=ref("User"), token={"type": "string"}),
        body=CREDENTIALS,
        example={"email": "operator@example.com", "password": "<printed by make run>"},
        public=True,
        modes=SESSIONS,
        errors=frozenset({401, 429}),
        extra={
            401: "Invalid email or password",
            429: "Too many failed attempts for this account or client; try again later",
        },
    ),
    slash=False,
)
async def login(request: Request) -> Response:
    body = await read_json(request)
    user, session = await credentials.login(engine_of(request), body, client_of(request))
    return json_response({"user": public(user), "token": session.token})


@route(
    router,
    "/api/auth/logout",
    ["POST"],
    Doc(
        "Log out: end the session of the bearer token, if any",
        ok=204,
        public=True,
        modes=SESSIONS,
    ),
    slash=False,
)
async def logout(request: Request) -> Response:
    await call(sessions.end_session, engine_of(request), bearer_token(request))
    return no_content()


@route(
    router,
    "/api/me",
    ["GET"],
    Doc("Who the bearer token belongs to", answer=envelope(user=ref("User"))),
    slash=False,
)
async def me(request: Request) -> Response:
    """The caller as the pipeline identified them: a session's user, a service, or (portal
    mode) the user or `portal-admin` the portal named."""
    found = identity_of(request)
    if found is None:
        raise Unauthorized(messages.UNAUTHORIZED)
    return json_response({"user": found.as_json()})
