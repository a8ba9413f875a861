"""The engine's ASGI application: the request pipeline (authentication, the trusted actor), the
API's error bodies everywhere (no FastAPI `detail`, no slash redirects, `Allow` on 405), the
routes and their OpenAPI document (docs/api.md)."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request, Response
from starlette.exceptions import HTTPException
from starlette.routing import BaseRoute, Match, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from dataops.api.http import error_response, read
from dataops.api.openapi import document
from dataops.api.routes import (
    DOCS,
    artifact_binaries,
    artifacts,
    audit,
    auth,
    bundles,
    cron,
    export,
    files,
    lanes,
    notifications,
    portal,
    recurring,
    system,
    tasks,
    team,
    templates,
)
from dataops.api.routes import (
    users as user_routes,
)
from dataops.client_address import client_address, normalized_ip
from dataops.config import AuthMode, check_portal_secret
from dataops.engine import identity
from dataops.engine.context import Engine
from dataops.engine.identity import Identity
from dataops.model import errors, messages

log = logging.getLogger("dataops.api")

STATUS: dict[type[errors.DataOpsError], int] = {
    errors.Invalid: 400,
    errors.Unauthorized: 401,
    errors.Forbidden: 403,
    errors.NotFound: 404,
    errors.MethodNotAllowed: 405,
    errors.Conflict: 409,
    errors.PreconditionFailed: 412,
    errors.TooLarge: 413,
    errors.TooManyRequests: 429,
    errors.ServiceUnavailable: 503,
}

# Modules that answer 405 for a known path with another method; all others answer 404.
_METHOD_NOT_ALLOWED_PREFIXES = (
    "/api/bundles",
    "/api/templates",
    "/api/recurring",
    "/api/users",
    "/api/team",
    "/api/cron/run",
    "/api/cron/export",
)
_EXEMPT = ("/", "/api/health", "/api/ready", "/api/auth/login")
# The API's description is no secret: readable without a session, in every mode.
_REFERENCE = ("/api/openapi.json", "/api/docs")


def _is_public(path: str) -> bool:
    return path in _EXEMPT or path in _REFERENCE or path.startswith("/api/docs/")


# The portal's header for the browser's address (trusted like the others: only with the secret).
CLIENT_HEADER = "x-portal-client-ip"
# Headers that say who is calling: each may appear at most once.
IDENTITY_HEADERS = (
    "authorization",
    "x-portal-auth",
    "x-portal-secret",
    "x-user-id",
    CLIENT_HEADER,
)
ROUTE_MODULES = (
    system,
    auth,
    portal,
    tasks,
    bundles,
    files,
    templates,
    recurring,
    user_routes,
    team,
    notifications,
    cron,
    export,
    artifact_binaries,
    artifacts,
    audit,
    lanes,
)


@dataclass(frozen=True)
class Admission:
    """What the pipeline learned about an admitted request: who acts, and from where."""

    identity: Identity | None
    client: str | None


class RequestPipeline:
    """Section 1, steps 1-7: portal trust, session routes, exempt paths, authentication, actor.

    It puts the trusted `identity` (and its `actor`) and the `client` address into the request
    state; routes never read identity headers themselves.
    """

    def __init__(self, app: ASGIApp, engine: Engine, portal_secret: str) -> None:
        self.app = app
        self.engine = engine
        self.mode = engine.settings.auth_mode
        self.portal_secret = portal_secret.encode()
        self.trusted_proxies = engine.settings.trusted_proxies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            admitted = await self._admit(scope)
        except errors.ServiceUnavailable as exc:  # the store, asked who is calling
            admitted = error_for(exc)
        if isinstance(admitted, Response):
            await admitted(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        state["identity"] = admitted.identity
        state["actor"] = admitted.identity.actor if admitted.identity else None
        state["client"] = admitted.client
        await self.app(scope, receive, send)

    async def _admit(self, scope: Scope) -> Admission | Response:
        path: str = scope["path"]
        headers: dict[str, list[str]] = {}
        for key, value in scope["headers"]:
            headers.setdefault(key.decode("latin-1").lower(), []).append(value.decode("latin-1"))
        for name in IDENTITY_HEADERS:
            if len(headers.get(name, ())) > 1:
                # Two values for who is calling: whichever one we picked, a proxy may have
                # judged by the other.
                return error_response(400, messages.DUPLICATE_HEADER.format(header=name))

        def header(name: str) -> str:
            return headers.get(name, [""])[0]

        is_api = path == "/api" or path.startswith("/api/")
        peer = scope["client"][0] if scope.get("client") else None
        if self.mode is AuthMode.PORTAL:
            return await self._admit_portal(path, is_api, header, peer)
        if path == "/api/portal" or path.startswith("/api/portal/"):
            return error_response(404, messages.NOT_FOUND)
        forwarded = ",".join(headers.get("x-forwarded-for", ()))
        client = client_address(peer, forwarded, self.trusted_proxies)
        if not is_api or _is_public(path) or path.startswith("/api/auth"):
            return Admission(None, client)  # session routes check their own tokens
        if self.mode is AuthMode.SESSION or path == "/api/me":
            token = _bearer(header("authorization"))
            bearer = await read(identity.bearer_identity, self.engine, token)
            if bearer is None and path != "/api/me":  # /api/me words its own 401
                return error_response(401, messages.UNAUTHORIZED)
            return Admission(bearer, client)
        # none (tests only): the client's x-user-id is the actor
        actor = header("x-user-id")
        return Admission(Identity(actor) if actor else None, client)

    async def _admit_portal(
        self, path: str, is_api: bool, header: Callable[[str], str], peer: str | None
    ) -> Admission | Response:
        if path.startswith("/api/auth"):
            return error_response(404, messages.NOT_FOUND)
        if not is_api or _is_public(path):
            return Admission(None, None)
        trusted = header("x-portal-auth") == "true" and hmac.compare_digest(
            header("x-portal-secret").encode(), self.portal_secret
        )
        if not trusted:
            return error_response(401, messages.UNAUTHORIZED)
        client = peer
        if header(CLIENT_HEADER).strip():
            client = normalized_ip(header(CLIENT_HEADER))
            if client is None:
                message = messages.CLIENT_ADDRESS_INVALID.format(header=CLIENT_HEADER)
                return error_response(400, message)
        found = await read(identity.portal_identity, self.engine, header("x-user-id") or None)
        if found is None:
            return error_response(401, messages.UNAUTHORIZED)
        return Admission(found, client)


def error_for(exc: errors.DataOpsError) -> Response:
    """The contract's answer to a domain error: its status (a subclass answers as its base: a
    number the store cannot hold is Invalid), and `Retry-After` when waiting helps (429, 503)."""
    status = next((STATUS[kind] for kind in type(exc).__mro__ if kind in STATUS), 400)
    response = error_response(status, exc.message)
    if isinstance(exc, errors.TooManyRequests | errors.ServiceUnavailable):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


def _bearer(header: str) -> str:
    scheme, _, token = header.strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def allowed_methods(app: FastAPI, path: str) -> list[str]:
    """The methods a request to `path` would reach a documented handler with: for each, the
    route the router would pick (the first full match) must be one of ours (DOCS)."""
    allowed = []
    for method in _METHODS:
        scope = {"type": "http", "path": path, "method": method}
        for candidate in app.router.routes:
            match, _ = candidate.matches(scope)
            if match is Match.FULL:
                if getattr(candidate, "endpoint", None) in DOCS:
                    allowed.append(method)
                break
    return allowed


def method_not_allowed(request: Request) -> Response:
    """405 with `Allow` (RFC 9110), only for the resources that answer 405 at all."""
    response = error_response(405, messages.METHOD_NOT_ALLOWED)
    response.headers["Allow"] = ", ".join(allowed_methods(request.app, request.url.path))
    return response


def _not_routed(request: Request, status: int) -> Response:
    if status == 405 and request.url.path.startswith(_METHOD_NOT_ALLOWED_PREFIXES):
        return method_not_allowed(request)
    return error_response(404, messages.NOT_FOUND)


def _skip_other_prefixes(candidate: BaseRoute) -> None:
    """Let a route refuse a path outside its literal prefix (the part of its template before
    the first parameter) with one string comparison. The router asks every route in turn, and
    the full match (a regular expression, then the method) cost more than a small request's
    own work for the routes registered last; a path that does not start with the prefix can
    never match the route's expression, so the answer is the same."""
    if not isinstance(candidate, Route) or "matches" in vars(candidate):
        return  # not a path route, or done already (the route modules' routes are shared)
    prefix = candidate.path.split("{", 1)[0]
    full_match = candidate.matches

    def matches(scope: Scope) -> tuple[Match, Scope]:
        if not scope.get("root_path") and not scope["path"].startswith(prefix):
            return Match.NONE, {}
        return full_match(scope)

    candidate.matches = matches  # type: ignore[method-assign]


def create_app(engine: Engine, portal_secret: str | None = None) -> FastAPI:
    """The engine application around one Engine (store, blobs, clock, settings).

    `portal_secret` is the resolved secret of portal mode (bootstrap reads a Secrets Manager
    one); None takes the literal one of the settings.
    """
    secret = engine.settings.portal_secret if portal_secret is None else portal_secret
    if engine.settings.auth_mode is AuthMode.PORTAL:
        check_portal_secret(secret, "WORK_ENGINE_PORTAL_SECRET")
    app = FastAPI(
        title="DataOps work engine",
        version="1",
        redirect_slashes=False,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,  # served by routes/system.py, built by api/openapi.py
    )
    app.router.redirect_slashes = False
    app.state.engine = engine

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document(app, DOCS, engine.settings.auth_mode)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    @app.exception_handler(errors.DataOpsError)
    async def domain_error(request: Request, exc: errors.DataOpsError) -> Response:
        if isinstance(exc, errors.MethodNotAllowed):
            return method_not_allowed(request)
        return error_for(exc)

    @app.exception_handler(HTTPException)
    async def routing_error(request: Request, exc: HTTPException) -> Response:
        return _not_routed(request, exc.status_code)

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(500, messages.INTERNAL_ERROR)

    for module in ROUTE_MODULES:
        # The routes themselves, in order (not a nested router): the OpenAPI document and
        # `Allow` read them, and every one is matched as registered.
        app.router.routes.extend(module.router.routes)
    for candidate in app.router.routes:
        _skip_other_prefixes(candidate)
    app.add_middleware(RequestPipeline, engine=engine, portal_secret=secret)
    return app
