"""The broker: the one way from the portal to the engine (api-contract.md 2.3).

A request reaches the engine with only the headers the engine may read from a client
(content-type, content-length, accept, if-match) plus the trusted identity headers the portal
writes itself; cookies, `Authorization` and every client `x-*` header stay behind. An answer
comes back with only the headers clients may see from the engine. Bodies stream both ways.
The same rules hold for every transport, so the boundary is as real in one process as across
two machines.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import Headers
from starlette.types import Message, Receive, Scope, Send

from dataops.model import jsonvalue, messages
from dataops.portal.transports import EngineTransport, EngineUnavailable, MalformedReply

log = logging.getLogger("dataops.portal")

FORWARDED_REQUEST_HEADERS = frozenset({b"content-type", b"content-length", b"accept", b"if-match"})
RETURNED_RESPONSE_HEADERS = frozenset(
    {
        b"content-type",
        b"content-length",
        b"content-disposition",
        b"cache-control",
        b"etag",
        b"location",
        b"retry-after",
        b"allow",
    }
)
# A brokered answer is data, never a page of the portal: whatever its type, a browser that
# opens it runs no script in the portal's origin and does not guess another type.
BROKERED_RESPONSE_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'; sandbox"),
    (b"x-content-type-options", b"nosniff"),
)
# Engine answers are private to the caller; the engine names its own caching where it has one.
DEFAULT_CACHE_CONTROL = (b"cache-control", b"no-store")
JSON_TYPE = b"application/json"
ENGINE_API = "/api"
PORTAL_API = "/work/api"


@dataclass(frozen=True)
class Caller:
    """Who the engine is told is calling: `actor` is a user id or `service:<name>`, None for the
    portal itself (`portal-admin`); `client` is the browser's address, for login throttling."""

    actor: str | None = None
    client: str | None = None


@dataclass(frozen=True)
class Reply:
    """A whole answer of the engine, for the portal's own calls (login, sessions, page data)."""

    status: int
    headers: Headers
    body: bytes

    def json(self) -> Any:
        return jsonvalue.loads(self.body)

    @property
    def retry_after(self) -> dict[str, str]:
        """The engine's `Retry-After` (a throttled login), to pass on with its refusal."""
        value = self.headers.get("retry-after")
        return {} if value is None else {"Retry-After": value}

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def etag(self) -> str:
        """The record's version (`ETag`), for the `If-Match` of a page's next write."""
        return self.headers.get("etag", "")

    @property
    def error(self) -> str:
        """The engine's `{"error": ...}` text."""
        try:
            payload = self.json()
        except jsonvalue.JsonError:
            payload = None
        if isinstance(payload, dict) and isinstance(payload.get("error"), str):
            return str(payload["error"])
        return messages.ENGINE_REPLY_MALFORMED


def error_body(message: str) -> bytes:
    return jsonvalue.dumps({"error": message})


class Broker:
    """Calls the engine through one transport with the portal's secret."""

    def __init__(self, transport: EngineTransport, secret: str) -> None:
        self.transport = transport
        self._secret = secret.encode()

    def engine_scope(
        self,
        method: str,
        path: str,
        caller: Caller,
        *,
        query_string: bytes = b"",
        client_headers: Iterable[tuple[bytes, bytes]] = (),
        raw_path: bytes | None = None,
    ) -> Scope:
        """A request for the engine, built afresh: nothing of the client's scope but what is
        named here reaches it."""
        headers = [
            (key.lower(), value)
            for key, value in client_headers
            if key.lower() in FORWARDED_REQUEST_HEADERS
        ]
        headers += [(b"x-portal-auth", b"true"), (b"x-portal-secret", self._secret)]
        if caller.actor:
            headers.append((b"x-user-id", caller.actor.encode()))
        if caller.client:
            headers.append((b"x-portal-client-ip", caller.client.encode()))
        return {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": raw_path if raw_path is not None else path.encode(),
            "query_string": query_string,
            "root_path": "",
            "headers": headers,
            "client": (caller.client, 0) if caller.client else None,
            "server": ("engine", 80),
        }

    async def forward(
        self, scope: Scope, receive: Receive, send: Send, engine_path: str, caller: Caller
    ) -> None:
        """Stream the client's request to the engine at `engine_path` and its answer back."""
        raw_path = ENGINE_API.encode() + _raw_rest(scope)
        engine_scope = self.engine_scope(
            scope["method"],
            engine_path,
            caller,
            query_string=scope.get("query_string", b""),
            client_headers=scope["headers"],
            raw_path=raw_path,
        )
        answer = _Answer(send)
        try:
            await self.transport(engine_scope, receive, answer.send)
        except Exception as exc:
            if answer.started:
                raise  # the client must see a broken answer, not a short one
            await send_error(send, *_failure(exc))
            return
        if not answer.started:
            log.error("no answer from the engine to %s %s", scope["method"], engine_path)
            await send_error(send, 502, messages.ENGINE_REPLY_MALFORMED)
        elif not answer.finished:
            raise MalformedReply("the engine's answer ended before its body did")

    async def call(
        self,
        method: str,
        path: str,
        caller: Caller | None = None,
        body: Any = None,
        *,
        if_match: str | None = None,
    ) -> Reply:
        """One whole exchange with the engine (JSON in, bytes out); `if_match` is sent as
        `If-Match`. Raises EngineUnavailable or MalformedReply like a transport."""
        payload = b"" if body is None else jsonvalue.dumps(body)
        headers = [(b"accept", JSON_TYPE)]
        if body is not None:
            length = str(len(payload)).encode()
            headers += [(b"content-type", JSON_TYPE), (b"content-length", length)]
        if if_match:
            headers.append((b"if-match", if_match.encode("latin-1", "replace")))
        sent = False

        async def receive() -> Message:
            nonlocal sent
            if sent:
                # Like a client that stays connected: the engine stops listening once it has
                # answered.
                await asyncio.Event().wait()
            sent = True
            return {"type": "http.request", "body": payload, "more_body": False}

        return await self.exchange(method, path, caller, headers, receive)

    async def exchange(
        self,
        method: str,
        path: str,
        caller: Caller | None,
        headers: Iterable[tuple[bytes, bytes]],
        receive: Receive,
    ) -> Reply:
        """One exchange whose request body comes from `receive` (a page's upload, streamed to
        the engine as it arrives) and whose whole answer is returned; only the headers the
        broker forwards reach the engine."""
        path, _, query = path.partition("?")
        scope = self.engine_scope(
            method, path, caller or Caller(), query_string=query.encode(), client_headers=headers
        )
        done = False
        start: Message | None = None
        chunks: list[bytes] = []

        async def send(message: Message) -> None:
            nonlocal start, done
            if start is None:
                start = _checked_start(message)
            else:
                chunks.append(_checked_body(message))
                done = not message.get("more_body", False)

        await self.transport(scope, receive, send)
        if start is None or not done:
            raise MalformedReply(f"no whole answer to {method} {path}")
        return Reply(start["status"], Headers(raw=start["headers"]), b"".join(chunks))


class _Answer:
    """The engine's side of the client's `send`: checks each message and keeps only the headers
    clients may see."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self.started = False
        self.finished = False

    async def send(self, message: Message) -> None:
        if not self.started:
            start = _checked_start(message)
            self.started = True
            await self._send(
                {
                    "type": "http.response.start",
                    "status": start["status"],
                    "headers": returned_headers(start["headers"]),
                }
            )
            return
        if self.finished:
            raise MalformedReply("the engine sent more after its answer was complete")
        body = _checked_body(message)
        self.finished = not message.get("more_body", False)
        await self._send(
            {"type": "http.response.body", "body": body, "more_body": not self.finished}
        )


def returned_headers(raw: Iterable[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The engine's headers a client may see, a `/api/...` Location rewritten to the portal's
    `/work/api/...`, and the headers that keep a brokered answer inert in a browser. The one
    exception: an answer the engine gives a policy of its own is one of its own pages (the API
    reference, scripts from this origin only), and keeps that policy."""
    kept: list[tuple[bytes, bytes]] = []
    own_policy: tuple[bytes, bytes] | None = None
    for key, value in raw:
        name = key.lower()
        if name == b"content-security-policy":
            own_policy = (name, value)
        if name not in RETURNED_RESPONSE_HEADERS:
            continue
        if name == b"location" and (value == b"/api" or value.startswith(b"/api/")):
            kept.append((name, PORTAL_API.encode() + value[len(ENGINE_API) :]))
        else:
            kept.append((name, value))
    if not any(name == b"cache-control" for name, _ in kept):
        kept.append(DEFAULT_CACHE_CONTROL)
    if own_policy is not None:
        return [*kept, own_policy, BROKERED_RESPONSE_HEADERS[1]]
    return kept + list(BROKERED_RESPONSE_HEADERS)


def _checked_start(message: Message) -> Message:
    status = message.get("status")
    headers = message.get("headers", [])
    if (
        message.get("type") != "http.response.start"
        or not isinstance(status, int)
        or isinstance(status, bool)
        or not 200 <= status <= 599
    ):
        raise MalformedReply(f"not a response start: {message.get('type')!r} {status!r}")
    try:
        checked = [(bytes(key), bytes(value)) for key, value in headers]
    except (TypeError, ValueError):
        raise MalformedReply("response headers are not pairs of bytes") from None
    return {**message, "headers": checked}


def _checked_body(message: Message) -> bytes:
    body = message.get("body", b"")
    is_bytes = isinstance(body, bytes | bytearray | memoryview)
    if message.get("type") != "http.response.body" or not is_bytes:
        raise MalformedReply(f"not a response body: {message.get('type')!r}")
    return bytes(body)


def _failure(exc: Exception) -> tuple[int, str]:
    if isinstance(exc, EngineUnavailable):
        log.warning("engine unavailable: %s", exc)
        return 503, messages.ENGINE_UNAVAILABLE
    if isinstance(exc, MalformedReply):
        log.error("malformed reply from the engine: %s", exc)
    else:
        log.exception("the engine failed before it answered")
    return 502, messages.ENGINE_REPLY_MALFORMED


def _raw_rest(scope: Scope) -> bytes:
    """The client's path after `/work/api`, as it was sent (still percent-encoded)."""
    raw: bytes = scope.get("raw_path") or scope["path"].encode()
    prefix = PORTAL_API.encode()
    return raw[len(prefix) :] if raw.startswith(prefix) else raw


async def send_error(
    send: Send, status: int, message: str, headers: Mapping[str, str] | None = None
) -> None:
    """An answer of the portal itself, in the engine's error shape."""
    body = error_body(message)
    raw = [
        (b"content-type", JSON_TYPE),
        (b"content-length", str(len(body)).encode()),
        DEFAULT_CACHE_CONTROL,
        *BROKERED_RESPONSE_HEADERS,
    ]
    raw += [(key.lower().encode(), value.encode()) for key, value in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body, "more_body": False})
