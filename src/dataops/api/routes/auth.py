"""Session routes (2.1): login, logout, me."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from dataops.api.http import call, engine_of, json_response, no_content, read_json
from dataops.api.openapi import Doc, body_schema, envelope, ref
from dataops.api.routes import route
from dataops.engine import users
from dataops.model import messages
from dataops.model.errors import Unauthorized
from dataops.model.records import Field, Kind
from dataops.model.users import public

router = APIRouter()

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
        errors=frozenset({401}),
        extra={401: "Invalid email or password"},
    ),
    slash=False,
)
async def login(request: Request) -> Response:
    body = await read_json(request)
    user, token = await call(users.login, engine_of(request), body)
    return json_response({"user": public(user), "token": token})


@route(
    router,
    "/api/auth/logout",
    ["POST"],
    Doc("Log out: end the session of the bearer token, if any", ok=204, public=True),
    slash=False,
)
async def logout(request: Request) -> Response:
    await call(users.logout, engine_of(request), bearer_token(request))
    return no_content()


@route(
    router,
    "/api/me",
    ["GET"],
    Doc("Who the bearer token belongs to", answer=envelope(user=ref("User"))),
    slash=False,
)
async def me(request: Request) -> Response:
    user = await call(users.session_user, engine_of(request), bearer_token(request))
    if user is None:
        raise Unauthorized(messages.UNAUTHORIZED)
    return json_response({"user": public(user)})
