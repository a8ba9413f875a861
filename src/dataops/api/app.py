"""The engine's ASGI application: the request pipeline (authentication, the trusted actor), the
API's error bodies everywhere (no FastAPI `detail`, no slash redirects, `Allow` on 405), the
routes and their OpenAPI document (docs/api.md)."""

from __future__ import annotations

import hmac
import logging
from typing import Any

from fastapi import FastAPI, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Receive, Scope, Send

from dataops.api.http import error_response, json_response
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
    notifications,
    recurring,
    system,
    tasks,
    templates,
)
from dataops.api.routes import (
    users as user_routes,
)
from dataops.config import AuthMode, Settings
from dataops.engine import users
from dataops.engine.context import Engine
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
    "/api/cron/run",
    "/api/cron/export",
)
_EXEMPT = ("/", "/api/health", "/api/auth/login")
# The API's description is no secret: readable without a session, in every mode.
_REFERENCE = ("/api/openapi.json", "/api/docs")


def _is_public(path: str) -> bool:
    return path in _EXEMPT or path in _REFERENCE or path.startswith("/api/docs/")


ROUTE_MODULES = (
    system,
    auth,
    tasks,
    bundles,
    files,
    templates,
    recurring,
    user_routes,
    notifications,
    cron,
    export,
    artifact_binaries,
    artifacts,
    audit,
)


class RequestPipeline:
    """Section 1, steps 1-7: portal trust, session routes, exempt paths, authentication, actor."""

    def __init__(self, app: ASGIApp, engine: Engine, portal_secret: str) -> None:
        self.app = app
        self.engine = engine
        self.mode = engine.settings.auth_mode
        self.portal_secret = portal_secret

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        headers = {
            key.decode("latin-1").lower(): value.decode("latin-1")
            for key, value in scope["headers"]
        }
        actor: str | None = None
        refusal: Response | None = None

        if self.mode is AuthMode.PORTAL:
            trusted = headers.get("x-portal-auth") == "true" and hmac.compare_digest(
                headers.get("x-portal-secret", "").encode(), self.portal_secret.encode()
            )
            actor = (headers.get("x-user-id") or "portal-admin") if trusted else None
            if path.startswith("/api/auth"):
                refusal = error_response(404, messages.NOT_FOUND)
            elif path == "/api/me":
                refusal = (
                    json_response({"user": {"id": actor, "name": "Portal user"}})
                    if trusted
                    else error_response(401, messages.UNAUTHORIZED)
                )
            elif path.startswith("/api/") and not _is_public(path) and not trusted:
                refusal = error_response(401, messages.UNAUTHORIZED)
        elif path.startswith("/api/auth") or path == "/api/me" or _is_public(path):
            pass  # session routes check their own tokens
        elif path.startswith("/api/") or path == "/api":
            if self.mode is AuthMode.SESSION:
                token = _bearer(headers.get("authorization", ""))
                user = await run_in_threadpool(users.session_user, self.engine, token)
                if user is None:
                    refusal = error_response(401, messages.UNAUTHORIZED)
                else:
                    actor = user["id"]
            else:  # none (tests only): the client's x-user-id is the actor
                actor = headers.get("x-user-id") or None

        if refusal is not None:
            await refusal(scope, receive, send)
            return
        scope.setdefault("state", {})["actor"] = actor
        await self.app(scope, receive, send)


def _bearer(header: str) -> str:
    scheme, _, token = header.strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _resolve_portal_secret(settings: Settings) -> str:
    if settings.portal_secret or not settings.portal_secret_name:
        return settings.portal_secret
    import boto3

    client = boto3.client("secretsmanager")
    secret: str = client.get_secret_value(SecretId=settings.portal_secret_name)["SecretString"]
    return secret


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


def create_app(engine: Engine) -> FastAPI:
    """The engine application around one Engine (store, blobs, clock, settings)."""
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
            app.openapi_schema = document(app, DOCS)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    @app.exception_handler(errors.DataOpsError)
    async def domain_error(request: Request, exc: errors.DataOpsError) -> Response:
        if isinstance(exc, errors.MethodNotAllowed):
            return method_not_allowed(request)
        return error_response(STATUS.get(type(exc), 400), exc.message)

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
    app.add_middleware(
        RequestPipeline, engine=engine, portal_secret=_resolve_portal_secret(engine.settings)
    )
    return app
