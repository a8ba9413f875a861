"""`GET /`, the health check, and the API reference: `/api/openapi.json` and the browsable
page at `/api/docs` (Swagger UI, vendored under api/static/, served from this origin only)."""

from __future__ import annotations

from importlib import resources

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from dataops import __version__
from dataops.api.http import engine_of, json_response, read
from dataops.api.openapi import Doc, envelope
from dataops.api.routes import route
from dataops.engine import readiness
from dataops.model import messages
from dataops.model.errors import NotFound

router = APIRouter()

_HOME = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>DataOps work engine</title>
<link rel="icon" href="data:,"></head>
<body><h1>DataOps work engine</h1>
<p>Version {__version__}. The HTTP API lives under <code>/api</code>:
<a href="/api/docs">its reference</a> (<a href="/api/openapi.json">OpenAPI</a>);
<a href="/api/health">/api/health</a> reports its health.</p></body></html>
"""

# The page runs only what this origin serves: no inline script or style, no other host.
DOCS_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)
_STATIC = resources.files("dataops.api") / "static"
# name -> (file under static/, content type); nothing else is served.
ASSETS: dict[str, tuple[str, str]] = {
    "swagger-ui-bundle.js": ("swagger-ui/swagger-ui-bundle.js", "text/javascript"),
    "swagger-ui.css": ("swagger-ui/swagger-ui.css", "text/css"),
    "docs.js": ("docs.js", "text/javascript"),
    "docs.css": ("docs.css", "text/css"),
}


@route(
    router,
    "/",
    ["GET"],
    Doc("The home page", answer={"type": "string"}, answer_type="text/html", public=True),
    slash=False,
)
async def home() -> HTMLResponse:
    return HTMLResponse(_HOME)


@route(
    router,
    "/api/health",
    ["GET"],
    Doc("Health check", answer=envelope(status={"type": "string", "const": "ok"}), public=True),
    slash=False,
)
async def health() -> Response:
    return json_response({"status": "ok"})


@route(
    router,
    "/api/ready",
    ["GET"],
    Doc(
        "Readiness check: the metadata store answers",
        answer=envelope(status={"type": "string", "const": "ready"}),
        public=True,
        errors=frozenset({503}),
        extra={503: "The metadata store did not answer (with `Retry-After`)"},
        description="One point read of the store, whatever its size. `/api/health` says only "
        "that the process answers and never touches the store.",
    ),
    slash=False,
)
async def ready(request: Request) -> Response:
    await read(readiness.check, engine_of(request))
    return json_response({"status": "ready"}, headers={"Cache-Control": "no-store"})


def _headers(content_type: str) -> dict[str, str]:
    return {
        # Set as a header: Starlette would append `; charset=utf-8` to a text media type.
        "Content-Type": f"{content_type}; charset=utf-8",
        "Content-Security-Policy": DOCS_POLICY,
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "public, max-age=3600",
    }


@router.get("/api/openapi.json", include_in_schema=False)
async def openapi(request: Request) -> Response:
    return json_response(request.app.openapi(), headers={"Cache-Control": "no-cache"})


@router.get("/api/docs", include_in_schema=False)
async def docs_page() -> Response:
    page = (_STATIC / "docs.html").read_bytes()
    return Response(page, headers={**_headers("text/html"), "Cache-Control": "no-cache"})


@router.get("/api/docs/{asset}", include_in_schema=False)
async def docs_asset(asset: str) -> Response:
    known = ASSETS.get(asset)
    if known is None:
        raise NotFound(messages.NOT_FOUND)
    name, content_type = known
    return Response((_STATIC / name).read_bytes(), headers=_headers(content_type))
