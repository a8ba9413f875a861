"""The product as `dataops serve` runs it (the portal with the engine behind it, one process)
on a free 127.0.0.1 port, its store opened beside it for setting up people and checking
records, and clients signed in through the login, as a browser or a script would be."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from dataops.config import Settings
from dataops.engine import users
from dataops.engine.context import Engine
from tests.conftest import make_engine
from tests.support.live import LiveServer, live_portal

ADA = {"email": "ada@example.com", "password": "ada's passphrase"}
BOB = {"email": "bob@example.com", "password": "bob's passphrase"}


@dataclass
class Product:
    server: LiveServer
    engine: Engine  # the same store, opened by the test

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def origin(self) -> str:
        return self.server.url

    def client(self, **options: object) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=60, **options)  # type: ignore[arg-type]

    @contextmanager
    def sign_in(self, person: Mapping[str, str] = ADA) -> Iterator[httpx.Client]:
        """A client holding a session cookie after `POST /login`, sending the portal's Origin
        with its writes like a browser."""
        with self.client(headers={"Origin": self.origin}) as client:
            response = client.post("/login", json=dict(person))
            assert response.status_code == 200, response.text
            yield client


def start_product(tmp: Path, env: Mapping[str, str] | None = None) -> Iterator[Product]:
    """Ada (a lead) and Bob (a member) exist; then the product starts on their store."""
    variables = {
        "DATAOPS_ENV": "test",
        "DATAOPS_STORE": f"sqlite:///{tmp / 'dataops.db'}",
        "DATAOPS_BLOBS": f"local-dev:///{tmp / 'blobs'}",
        **(env or {}),
    }
    engine = make_engine(Settings.from_env(variables))
    users.add_user(
        engine, email=ADA["email"], name="Ada", user_id="ada", password=ADA["password"], role="lead"
    )
    users.add_user(engine, email=BOB["email"], name="Bob", user_id="bob", password=BOB["password"])
    try:
        with live_portal(tmp, variables) as server:
            yield Product(server, engine)
    finally:
        engine.store.close()


@pytest.fixture(scope="module")
def product(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Product]:
    """One product for the tests of a module (tests that lock or change accounts make their
    own people)."""
    yield from start_product(tmp_path_factory.mktemp("product"))
