"""Wiring: settings -> stores -> engine -> application. The one place that opens backends."""

from __future__ import annotations

import logging

from fastapi import FastAPI

from dataops.config import Settings
from dataops.engine.context import Engine
from dataops.store.base import Store

log = logging.getLogger("dataops")


def open_store(settings: Settings) -> Store:
    if settings.store.kind == "sqlite":
        from dataops.store.sqlite import SQLiteStore

        return SQLiteStore(settings.store.path)
    raise ValueError(f"unsupported store kind {settings.store.kind!r}")


def open_engine(settings: Settings) -> Engine:
    return Engine(settings=settings, store=open_store(settings))


def engine_app(settings: Settings) -> FastAPI:
    from dataops.api.app import create_app

    return create_app(open_engine(settings))
