"""`/work/api/*`: who may reach the engine's API through the portal, and as whom.

Order: a valid session cookie wins (any `Authorization` header is then ignored, and never
forwarded anyway), and its writes must pass the CSRF check; without one, a bearer service token;
otherwise 401. The engine's portal-support routes (`/api/portal/*`) are the portal's own and
are not reachable from outside; neither is any path with empty, `.` or `..` segments.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import Receive, Scope, Send

from dataops.model import messages
from dataops.portal.broker import ENGINE_API, PORTAL_API, send_error
from dataops.portal.pages import caller_of, portal_of
from dataops.portal.sessions import COOKIE_NAME
from dataops.portal.transports import EngineUnavailable, MalformedReply

_PORTAL_ONLY = "/portal"


def engine_path(path: str) -> str | None:
    """`/work/api/<rest>` -> `/api/<rest>`; None for what no client may ask the engine."""
    rest = path[len(PORTAL_API) :]
    if rest and not rest.startswith("/"):
        return None
    *inner, last = rest.split("/")[1:] or [""]
    # A trailing slash is the engine's business (collections accept one); `//`, `.`, `..` never.
    if any(segment in ("", ".", "..") for segment in inner) or last in (".", ".."):
        return None
    if rest == _PORTAL_ONLY or rest.startswith(_PORTAL_ONLY + "/"):
        return None
    return ENGINE_API + rest


def _bearer(value: str) -> str:
    scheme, _, token = value.strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


class Gateway:
    """The ASGI endpoint of `/work/api` and everything under it."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        target = engine_path(scope["path"])
        if target is None:
            await send_error(send, 404, messages.NOT_FOUND)
            return
        authorization = request.headers.getlist("authorization")
        if len(authorization) > 1:
            await send_error(send, 400, messages.DUPLICATE_HEADER.format(header="authorization"))
            return
        portal = portal_of(request)
        client = caller_of(request).client
        try:
            visitor = await portal.gatekeeper.by_session(request.cookies.get(COOKIE_NAME), client)
            if visitor is not None:
                assert visitor.session_id is not None
                if not portal.csrf.passes(request.method, request.headers, visitor.session_id):
                    await send_error(send, 403, messages.CSRF_FAILED)
                    return
            elif authorization:
                visitor = await portal.gatekeeper.by_service_token(
                    _bearer(authorization[0]), client
                )
        except EngineUnavailable:
            await send_error(send, 503, messages.ENGINE_UNAVAILABLE)
            return
        except MalformedReply:
            await send_error(send, 502, messages.ENGINE_REPLY_MALFORMED)
            return
        if visitor is None:
            await send_error(
                send, 401, messages.UNAUTHORIZED, {"WWW-Authenticate": 'Bearer realm="dataops"'}
            )
            return
        await portal.broker.forward(scope, receive, send, target, caller_of(request, visitor))
