"""Route modules, one per resource; each exposes `router`. Every route is registered with
`route`, which keeps its `Doc` for the OpenAPI document (api/openapi.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter

from dataops.api.openapi import Doc

Handler = Callable[..., Any]

# The description of every registered handler, read when the OpenAPI document is built.
DOCS: dict[Handler, Doc] = {}


def route(
    router: APIRouter, path: str, methods: list[str], doc: Doc, *, slash: bool = True
) -> Callable[[Handler], Handler]:
    """Register a handler at `path` and, unless `slash=False`, at `path/` too (the same
    operation: only `path` is documented)."""

    def register(handler: Handler) -> Handler:
        known = DOCS.setdefault(handler, doc)
        if known is not doc:
            raise ValueError(f"{handler.__name__} is registered with two descriptions")
        router.add_api_route(path, handler, methods=methods)
        if slash:
            router.add_api_route(path + "/", handler, methods=methods, include_in_schema=False)
        return handler

    return register
