"""Wiring: settings -> stores -> engine -> application. The one place that opens backends."""

from __future__ import annotations

import dataclasses
import logging
import secrets
from typing import TYPE_CHECKING

from fastapi import FastAPI
from starlette.applications import Starlette

from dataops.blobs.base import BlobStore
from dataops.blobs.local import LocalBlobStore, disabled_warning
from dataops.config import (
    AuthMode,
    ConfigError,
    Environment,
    Settings,
    StoreLocation,
    check_portal_secret,
)
from dataops.engine.binaries import remove_stale_temporaries
from dataops.engine.context import Engine, Policy
from dataops.model.users import MIN_PASSWORD_LENGTH
from dataops.store.base import Store

if TYPE_CHECKING:
    from dataops.store.dynamodb import DynamoDBStore

log = logging.getLogger("dataops")


class StoreUnavailable(ConfigError):
    """The configured store does not exist (and may not be created here) or cannot be opened."""


def open_store(settings: Settings, *, create: bool = True) -> Store:
    """The metadata store of `DATAOPS_STORE`. With `create=False` a store that does not exist
    yet is refused instead of made empty (commands that only read or change data); a path that
    cannot hold a database is refused in one line either way."""
    location = settings.store
    if location.kind == "dynamodb":
        return open_dynamodb(settings)
    if location.kind != "sqlite":
        raise ValueError(f"unsupported store kind {location.kind!r}")
    import sqlite3

    from dataops.store.sqlite import SQLiteStore

    if location.is_file and not create and not location.file().is_file():
        raise StoreUnavailable(
            f"no store at {location.describe()}: set DATAOPS_STORE to an existing store, or "
            "create one with `dataops setup-local`"
        )
    try:
        return SQLiteStore(location.path)
    except (OSError, sqlite3.Error) as exc:
        raise StoreUnavailable(
            f"cannot open the store at {location.describe()}: {_why(location, exc)}"
        ) from None


def _why(location: StoreLocation, exc: Exception) -> str:
    """What keeps a database file from being opened, in words."""
    if location.is_file:
        for folder in location.file().parents:
            if folder.exists():
                if not folder.is_dir():
                    return f"{folder} is a file, not a folder"
                break
    if isinstance(exc, OSError) and exc.strerror:
        where = str(exc.filename or "")
        shown = location.describe() if location.is_file else ""
        return f"{exc.strerror} ({where})" if where and where != shown else exc.strerror
    return str(exc)


def open_dynamodb(settings: Settings) -> DynamoDBStore:
    """The DynamoDB store, its tables and indexes checked (created where that is allowed); a
    missing table or index stops start-up with a line that names it."""
    try:
        from botocore.exceptions import BotoCoreError, ClientError

        from dataops.store.dynamodb import DynamoDBStore
        from dataops.store.dynamodb_client import make_client
        from dataops.store.dynamodb_layout import TablesNotReady
    except ImportError:
        raise ConfigError("DATAOPS_STORE=dynamodb:// needs boto3: install dataops[aws]") from None
    client = make_client(settings.dynamodb_endpoint or None, settings.region or None)
    try:
        store = DynamoDBStore(client, settings.table_names)
        created = store.ensure_tables(create=settings.may_create_tables)
    except TablesNotReady as exc:
        client.close()
        raise ConfigError(str(exc)) from None
    except (BotoCoreError, ClientError) as exc:
        client.close()
        where = settings.dynamodb_endpoint or f"region {settings.region}"
        reason = type(exc).__name__
        if isinstance(exc, ClientError):
            reason = str(exc.response.get("Error", {}).get("Code", "")) or reason
        raise ConfigError(f"DynamoDB ({where}) cannot check its tables: {reason}") from None
    if any(what.startswith("index") for what in created):
        log.warning("new DynamoDB indexes: run dataops migrate to index existing items")
    return store


def open_blobs(settings: Settings) -> BlobStore:
    """The binary store of `DATAOPS_BLOBS`. Local-dev outside local/test is opened refusing
    every read and write (409) and writing nothing to disk; start-up warns about it. S3 takes
    region, credentials and endpoint (`AWS_ENDPOINT_URL_S3` for emulators) from boto3."""
    if settings.blobs.kind == "local-dev":
        if not settings.local_storage_allowed:
            log.warning(disabled_warning(settings.blobs.path))
        return LocalBlobStore(settings.blobs.path, enabled=settings.local_storage_allowed)
    if settings.blobs.kind == "s3":
        try:
            import boto3  # noqa: F401

            from dataops.blobs.s3 import S3BlobStore
        except ImportError:
            raise ConfigError(
                f"DATAOPS_BLOBS=s3://{settings.blobs.bucket} needs boto3: install dataops[aws]"
            ) from None
        return S3BlobStore(settings.blobs.bucket, settings.blobs.prefix, region=settings.region)
    raise ConfigError(f"DATAOPS_BLOBS: unsupported blob store kind {settings.blobs.kind!r}")


def policy_for(settings: Settings) -> Policy:
    return Policy(
        body_actors_trusted=settings.auth_mode is AuthMode.NONE,
        # Test fixtures log in with short passwords; everyone else meets the real rule.
        min_password_length=1 if settings.env is Environment.TEST else MIN_PASSWORD_LENGTH,
    )


def open_engine(settings: Settings, *, create: bool = True) -> Engine:
    blobs = open_blobs(settings)
    return Engine(
        settings=settings,
        store=open_store(settings, create=create),
        blobs=blobs,
        policy=policy_for(settings),
    )


def portal_secret(settings: Settings) -> str:
    """The shared portal secret: given literally, or read once from Secrets Manager."""
    if settings.portal_secret or not settings.portal_secret_name:
        return settings.portal_secret
    from dataops.secret_store import read_portal_secret

    return read_portal_secret(settings.portal_secret_name, settings.region)


def engine_app(settings: Settings) -> FastAPI:
    """The served application. Start-up also removes what writes killed with the previous
    process left in the blob store (local `.partial-*` files)."""
    from dataops.api.app import create_app

    secret = portal_secret(settings) if settings.auth_mode is AuthMode.PORTAL else ""
    engine = open_engine(settings)
    remove_stale_temporaries(engine)
    return create_app(engine, portal_secret=secret)


def serve_secret() -> str:
    """A portal secret for one `dataops serve`: made at start, never stored or sent."""
    return secrets.token_urlsafe(48)  # 64 characters, 384 bits


def serve_app(settings: Settings, host: str, port: int, secret: str | None = None) -> Starlette:
    """`dataops serve`: the portal at `host:port` with the engine behind it in this process.
    The engine runs in portal mode with a secret made for this server alone (`secret`: the one
    its worker processes share; None makes one): nothing but this portal can ever present it."""
    from dataops.portal.app import create_portal
    from dataops.portal.config import PortalConfig
    from dataops.portal.transports import InProcessTransport

    if secret is None:
        secret = serve_secret()
    engine_settings = dataclasses.replace(
        settings, auth_mode=AuthMode.PORTAL, portal_secret=secret, portal_secret_name=""
    )
    config = PortalConfig.serving(settings, host, port)
    return create_portal(InProcessTransport(engine_app(engine_settings)), config, secret)


def portal_app(settings: Settings, host: str, port: int) -> Starlette:
    """`dataops portal`: the portal alone, reaching an engine served elsewhere
    (`DATAOPS_ENGINE_URL`) over HTTP with the shared portal secret."""
    from dataops.portal.app import create_portal
    from dataops.portal.config import PortalConfig
    from dataops.portal.transports import HttpTransport

    if not settings.engine_url:
        raise ConfigError("dataops portal needs DATAOPS_ENGINE_URL: where the engine is served")
    secret = portal_secret(settings)
    check_portal_secret(secret, "WORK_ENGINE_PORTAL_SECRET")
    config = PortalConfig.serving(settings, host, port)
    return create_portal(HttpTransport(settings.engine_url), config, secret)
