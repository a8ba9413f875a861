"""Wiring: settings -> stores -> engine -> application. The one place that opens backends."""

from __future__ import annotations

import logging

from fastapi import FastAPI

from dataops.blobs.base import BlobStore
from dataops.blobs.local import LocalBlobStore, disabled_warning
from dataops.config import ConfigError, Settings
from dataops.engine.context import Engine
from dataops.store.base import Store

log = logging.getLogger("dataops")


def open_store(settings: Settings) -> Store:
    if settings.store.kind == "sqlite":
        from dataops.store.sqlite import SQLiteStore

        return SQLiteStore(settings.store.path)
    raise ValueError(f"unsupported store kind {settings.store.kind!r}")


def open_blobs(settings: Settings) -> BlobStore:
    """The binary store of `DATAOPS_BLOBS`. Local-dev outside local/test is opened refusing
    every read and write (409) and writing nothing to disk; start-up warns about it."""
    if settings.blobs.kind == "local-dev":
        if not settings.local_storage_allowed:
            log.warning(disabled_warning(settings.blobs.path))
        return LocalBlobStore(settings.blobs.path, enabled=settings.local_storage_allowed)
    raise ConfigError(
        f"DATAOPS_BLOBS={settings.blobs.kind}://{settings.blobs.bucket}: this build has no "
        "S3 blob store yet; use local-dev:///<dir>"
    )


def open_engine(settings: Settings) -> Engine:
    blobs = open_blobs(settings)
    return Engine(settings=settings, store=open_store(settings), blobs=blobs)


def engine_app(settings: Settings) -> FastAPI:
    from dataops.api.app import create_app

    return create_app(open_engine(settings))
