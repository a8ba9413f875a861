"""Route modules, one per resource; each exposes `router`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter

Handler = Callable[..., Any]


def route(
    router: APIRouter, path: str, methods: list[str], *, slash: bool = True
) -> Callable[[Handler], Handler]:
    """Register a handler at `path` and, unless `slash=False`, at `path/` too (section 3)."""

    def register(handler: Handler) -> Handler:
        router.add_api_route(path, handler, methods=methods)
        if slash:
            router.add_api_route(path + "/", handler, methods=methods, include_in_schema=False)
        return handler

    return register
