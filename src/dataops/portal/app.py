"""The portal's ASGI application: its routes, its error pages, and the headers every answer
carries. `create_portal` takes the transport to the engine, so the same application runs with
the engine in this process, across HTTP, or in AWS Lambda."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from dataops.model import messages
from dataops.portal import account, login, ui, work
from dataops.portal.broker import PORTAL_API, Broker
from dataops.portal.config import PortalConfig
from dataops.portal.csrf import CsrfGuard
from dataops.portal.gateway import Gateway
from dataops.portal.navigation import NAVIGATION, served
from dataops.portal.pages import Portal, error_page, login_redirect, refusal, visitor_of
from dataops.portal.security import SecurityHeaders
from dataops.portal.sessions import Gatekeeper
from dataops.portal.static_assets import STATIC_PREFIX, StaticAssets
from dataops.portal.transports import EngineTransport, EngineUnavailable, MalformedReply

log = logging.getLogger("dataops.portal")


async def _start(request: Request) -> Response:
    return RedirectResponse("/work", 303)


async def _not_found(request: Request, exc: Exception) -> Response:
    # Under /work, a stranger learns nothing, not even which pages exist.
    if request.url.path.startswith("/work/") and await visitor_of(request) is None:
        return login_redirect(request)
    return error_page(request, 404, messages.PAGE_NOT_FOUND)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return await _not_found(request, exc)
    headers = dict(exc.headers or {})
    message = messages.METHOD_NOT_ALLOWED if exc.status_code == 405 else str(exc.detail)
    return error_page(request, exc.status_code, message, **headers)


async def _engine_unavailable(request: Request, exc: Exception) -> Response:
    log.warning("engine unavailable: %s", exc)
    return refusal(request, 503, messages.ENGINE_UNAVAILABLE)


async def _malformed_reply(request: Request, exc: Exception) -> Response:
    log.error("malformed reply from the engine: %s", exc)
    return refusal(request, 502, messages.ENGINE_REPLY_MALFORMED)


async def _internal_error(request: Request, exc: Exception) -> Response:
    return refusal(request, 500, messages.INTERNAL_ERROR)


def create_portal(transport: EngineTransport, config: PortalConfig, secret: str) -> Starlette:
    """The portal in front of the engine that `transport` reaches, trusted by `secret`."""
    broker = Broker(transport, secret)
    portal = Portal(
        broker=broker,
        gatekeeper=Gatekeeper(broker, cache_seconds=config.cache_seconds),
        csrf=CsrfGuard(config.origins, secret),
        config=config,
    )
    assets: StaticAssets = portal.assets
    gateway = Gateway()
    routes = [
        Route("/", _start, methods=["GET"]),
        Route("/login", login.login_page, methods=["GET"]),
        Route("/login", login.log_in, methods=["POST"]),
        Route("/logout", login.log_out, methods=["POST"]),
        Route("/work", work.home, methods=["GET"]),
        Route("/work/health", work.health, methods=["GET"]),
        Route(account.PASSWORD_PAGE, account.password_page, methods=["GET"]),
        Route(account.PASSWORD_PAGE, account.change_password, methods=["POST"]),
        *ui.routes(),
        Route(PORTAL_API, gateway),
        Route(PORTAL_API + "/{rest:path}", gateway),
        Route(STATIC_PREFIX + "{name:path}", assets),
    ]

    portal.navigation = served(
        NAVIGATION, (route.path for route in routes if "GET" in (route.methods or ()))
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await transport.aclose()

    app = Starlette(
        routes=routes,
        middleware=[Middleware(SecurityHeaders, secure=config.secure)],
        exception_handlers={
            HTTPException: _http_error,
            EngineUnavailable: _engine_unavailable,
            MalformedReply: _malformed_reply,
            Exception: _internal_error,
        },
        lifespan=lifespan,
    )
    app.state.portal = portal
    return app
