"""`GET /` and the health check."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from dataops import __version__
from dataops.api.http import json_response

router = APIRouter()

_HOME = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>DataOps work engine</title>
<link rel="icon" href="data:,"></head>
<body><h1>DataOps work engine</h1>
<p>Version {__version__}. The HTTP API lives under <code>/api</code>;
<a href="/api/health">/api/health</a> reports its health.</p></body></html>
"""


@router.get("/", include_in_schema=False)
async def home() -> HTMLResponse:
    return HTMLResponse(_HOME)


@router.get("/api/health")
async def health() -> Response:
    return json_response({"status": "ok"})
