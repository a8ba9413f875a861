"""Session routes (2.1): login, logout, me."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from dataops.api.http import call, engine_of, json_response, no_content, read_json
from dataops.engine import users
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
    user, token = await call(users.login, engine_of(request), body)
    return json_response({"user": public(user), "token": token})


@router.post("/api/auth/logout")
async def logout(request: Request) -> Response:
    await call(users.logout, engine_of(request), bearer_token(request))
    return no_content()


@router.get("/api/me")
async def me(request: Request) -> Response:
    user = await call(users.session_user, engine_of(request), bearer_token(request))
    if user is None:
        raise Unauthorized(messages.UNAUTHORIZED)
    return json_response({"user": public(user)})
