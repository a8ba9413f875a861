"""The portal's static files (`portal/static/`: its stylesheet, icon, and the vendored scripts
of the pages), read once at start-up and served under `/static/`. Pages link each file with its
content digest (`/static/portal.css?v=3f2a...`), so browsers may keep it for a year: a changed
file gets a new address. A request without the current digest is answered with `no-cache`, so it
is checked (ETag) every time."""

from __future__ import annotations

import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs

from starlette.datastructures import Headers
from starlette.types import Receive, Scope, Send

STATIC_DIRECTORY = Path(__file__).parent / "static"
STATIC_PREFIX = "/static/"
IMMUTABLE = b"public, max-age=31536000, immutable"
REVALIDATE = b"no-cache"
_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}


@dataclass(frozen=True)
class Asset:
    body: bytes
    content_type: str
    digest: str

    @property
    def etag(self) -> str:
        return f'"{self.digest}"'


def _content_type(path: Path) -> str:
    if path.suffix in _TYPES:
        return _TYPES[path.suffix]
    guessed, _ = mimetypes.guess_type(path.name)
    if guessed is None:
        return "application/octet-stream"
    return f"{guessed}; charset=utf-8" if guessed.startswith("text/") else guessed


class StaticAssets:
    """Every file under `directory`, by its path relative to it."""

    def __init__(self, directory: Path = STATIC_DIRECTORY) -> None:
        self.assets: dict[str, Asset] = {}
        for path in sorted(directory.rglob("*")):
            if path.is_file():
                body = path.read_bytes()
                digest = hashlib.sha256(body).hexdigest()[:16]
                name = path.relative_to(directory).as_posix()
                self.assets[name] = Asset(body, _content_type(path), digest)

    def url(self, name: str) -> str:
        """The address a page links: with the digest, so it may be cached for good."""
        return f"{STATIC_PREFIX}{name}?v={self.assets[name].digest}"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        name = scope["path"].removeprefix(STATIC_PREFIX)
        asset = self.assets.get(name)
        if asset is None or scope["method"] not in ("GET", "HEAD"):
            status = 404 if asset is None else 405
            body = b"Not found" if asset is None else b"Method not allowed"
            headers = [(b"content-type", b"text/plain; charset=utf-8")]
            if asset is not None:
                headers.append((b"allow", b"GET, HEAD"))
            await _answer(send, status, headers, body)
            return
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        cache = IMMUTABLE if query.get("v") == [asset.digest] else REVALIDATE
        headers = [
            (b"content-type", asset.content_type.encode()),
            (b"etag", asset.etag.encode()),
            (b"cache-control", cache),
        ]
        if_none_match = Headers(scope=scope).get("if-none-match", "")
        if asset.etag in (tag.strip() for tag in if_none_match.split(",")):
            await _answer(send, 304, headers, b"")
            return
        body = b"" if scope["method"] == "HEAD" else asset.body
        await _answer(send, 200, headers, body, length=len(asset.body))


async def _answer(
    send: Send,
    status: int,
    headers: list[tuple[bytes, bytes]],
    body: bytes,
    length: int | None = None,
) -> None:
    if status != 304:
        size = len(body) if length is None else length
        headers = [*headers, (b"content-length", str(size).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})
