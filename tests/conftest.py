"""Shared fixtures: an engine on in-memory SQLite with a deterministic clock, an HTTP client for
it (auth mode `none`, as the contract's test mode), and helpers for the other auth modes."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from dataops.api.app import create_app
from dataops.config import Settings
from dataops.engine.context import Engine
from dataops.store.sqlite import SQLiteStore
from tests.support.identity import fast_hasher

# S3 fixtures (moto in server mode): `moto_endpoint`, `s3_env`, `s3`.
pytest_plugins = ("tests.support.moto_server",)


class FakeClock:
    """Starts at a fixed instant and advances 1 ms per reading (so order is observable)."""

    def __init__(self, start: datetime = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)) -> None:
        self.current = start
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            self.current += timedelta(milliseconds=1)
            return self.current

    def advance(self, **delta: float) -> None:
        with self._lock:
            self.current += timedelta(**delta)

    def set(self, moment: datetime) -> None:
        with self._lock:
            self.current = moment


def make_settings(tmp: Path | None = None, **env: str) -> Settings:
    values = {
        "DATAOPS_ENV": "test",
        "DATAOPS_AUTH_MODE": "none",
        "DATAOPS_STORE": "sqlite:///:memory:",
        "DATAOPS_BLOBS": f"local-dev:///{tmp / 'blobs'}" if tmp else "local-dev:///var/test-blobs",
    }
    values.update(env)
    return Settings.from_env(values)


def make_engine(settings: Settings, clock: FakeClock | None = None) -> Engine:
    from dataops.bootstrap import open_engine

    engine = open_engine(settings)
    engine.clock = clock or FakeClock()
    engine.hasher = fast_hasher()
    return engine


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
def engine(settings: Settings, clock: FakeClock) -> Iterator[Engine]:
    eng = make_engine(settings, clock)
    yield eng
    eng.store.close()


@pytest.fixture
def store(engine: Engine) -> SQLiteStore:
    assert isinstance(engine.store, SQLiteStore)
    return engine.store


def client_for(engine: Engine, headers: Mapping[str, str] | None = None) -> TestClient:
    return TestClient(
        create_app(engine), raise_server_exceptions=False, headers=dict(headers or {})
    )


@pytest.fixture
def client(engine: Engine) -> TestClient:
    """HTTP client in auth mode `none`; send `x-user-id` to act as someone."""
    return client_for(engine)
