"""Portal support (api-contract.md 11; portal mode only, behind the trusted headers): the portal
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
    read_json,
)
from dataops.api.routes import route
from dataops.engine import credentials, service_tokens, sessions
from dataops.model import messages
from dataops.model.errors import Unauthorized
from dataops.model.users import public

router = APIRouter()


@route(router, "/api/portal/login", ["POST"])
async def login(request: Request) -> Response:
    body = await read_json(request)
    user, session = await credentials.login(engine_of(request), body, client_of(request))
    return json_response(
        {"user": public(user), "session": {"id": session.token, "expiresAt": session.expires_at}}
    )


@route(router, "/api/portal/sessions/{session_id}", ["GET"])
async def get_session(session_id: str, request: Request) -> Response:
    user = await call(sessions.session_user, engine_of(request), session_id)
    if user is None:
        raise Unauthorized(messages.UNAUTHORIZED)
    return json_response({"user": public(user)})


@route(router, "/api/portal/sessions/{session_id}", ["DELETE"])
async def end_session(session_id: str, request: Request) -> Response:
    await call(sessions.end_session, engine_of(request), session_id)
    return no_content()


@route(router, "/api/portal/sessions/{session_id}/password", ["POST"])
async def change_password(session_id: str, request: Request) -> Response:
    body = await read_json(request)
    await credentials.change_password(engine_of(request), session_id, body, client_of(request))
    return no_content()


@route(router, "/api/portal/service-tokens/resolve", ["POST"])
async def resolve_service_token(request: Request) -> Response:
    body = await read_json(request)
    record = await call(service_tokens.resolve, engine_of(request), body)
    return json_response({"service": service_tokens.public(record)})
