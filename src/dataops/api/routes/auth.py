"""Session routes (2.1): login, logout, me."""

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
from dataops.engine import credentials, sessions
from dataops.model import messages
from dataops.model.errors import Unauthorized
from dataops.model.users import public

router = APIRouter()


def bearer_token(request: Request) -> str:
    """The token of `Authorization: Bearer <token>` ("Bearer" in any case), or ""."""
    scheme, _, token = request.headers.get("authorization", "").strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


@router.post("/api/auth/login")
async def login(request: Request) -> Response:
    body = await read_json(request)
    user, session = await credentials.login(engine_of(request), body, client_of(request))
    return json_response({"user": public(user), "token": session.token})


@router.post("/api/auth/logout")
async def logout(request: Request) -> Response:
    await call(sessions.end_session, engine_of(request), bearer_token(request))
    return no_content()


@router.get("/api/me")
async def me(request: Request) -> Response:
    """The caller as the pipeline identified them: a session's user, a service, or (portal
    mode) the user or `portal-admin` the portal named."""
    found = identity_of(request)
    if found is None:
        raise Unauthorized(messages.UNAUTHORIZED)
    return json_response({"user": found.as_json()})
