"""The product as `dataops serve` runs it, for the UI's page tests without a browser: Ada signed
in with a client that sends the portal's Origin with its writes like a browser, and the engine
opened beside it for setting up records."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from dataops.engine.context import Engine
from tests.portal.conftest import ADA, Product, start_product


@dataclass
class Site:
    product: Product
    client: httpx.Client

    @property
    def engine(self) -> Engine:
        return self.product.engine

    def page(self, path: str, **headers: str) -> httpx.Response:
        return self.client.get(path, headers=headers, follow_redirects=False)

    def post(self, path: str, data: dict[str, str], **headers: str) -> httpx.Response:
        return self.client.post(path, data=data, headers=headers, follow_redirects=False)

    def api(self, method: str, path: str, body: Any = None, **headers: str) -> httpx.Response:
        return self.client.request(method, "/work/api" + path, json=body, headers=headers)

    def etag(self, path: str) -> str:
        """The version of the record at `path` (`/tasks/<id>`), for a form's If-Match."""
        return self.api("GET", path).headers["etag"]


def start_site(tmp: Path) -> Iterator[Site]:
    products = start_product(tmp)
    product = next(products)
    try:
        with product.sign_in(ADA) as client:
            yield Site(product, client)
    finally:
        products.close()  # the server stops, the store closes


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    yield from start_site(tmp_path_factory.mktemp("ui"))


def text_of(html: str) -> str:
    """A page's visible words, tags dropped and white space collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()
