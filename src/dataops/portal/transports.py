"""How the broker reaches the engine. A transport makes an engine look like an ASGI application
wherever it runs: in this process (`InProcessTransport`), behind an HTTP address
(`HttpTransport`), or as a Lambda function (the AWS deployment adds that one).

Before it has sent the response's start, a transport raises `EngineUnavailable` when the engine
cannot be reached and `MalformedReply` when what came back is no HTTP answer; the broker turns
them into 503 and 502. Once the answer has started, a failure aborts the connection, so a
client never takes a cut-short body for a whole one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Protocol

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    import httpx


class EngineUnavailable(Exception):
    """The engine could not be reached, or did not answer in time (503)."""


class MalformedReply(Exception):
    """The engine answered something that is no HTTP response (502)."""


class EngineTransport(Protocol):
    """An engine as an ASGI application, plus the resources it holds."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None: ...

    async def aclose(self) -> None: ...


class InProcessTransport:
    """The engine's ASGI application in this process (`dataops serve`): the request and the
    answer stream straight through, with the flow control of the portal's own server."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)

    async def aclose(self) -> None:
        return None


class ClientGone(Exception):
    """The client went away while its body was being sent on: the engine must not take the
    part it got for the whole body."""


# Connecting is quick or the engine is down; an answer may take long (an export, a big upload).
CONNECT_SECONDS, TRANSFER_SECONDS, POOL_SECONDS = 5.0, 300.0, 30.0


class HttpTransport:
    """An engine served elsewhere (`dataops engine` on another port or machine), reached over
    HTTP with a pool of kept-alive connections. Bodies stream both ways. (httpx is imported
    here only: the portal on AWS Lambda never loads it.)"""

    def __init__(self, base_url: str, client: httpx.AsyncClient | None = None) -> None:
        import httpx

        timeout = httpx.Timeout(
            connect=CONNECT_SECONDS,
            read=TRANSFER_SECONDS,
            write=TRANSFER_SECONDS,
            pool=POOL_SECONDS,
        )
        self.base_url = base_url.rstrip("/")
        self.client = client or httpx.AsyncClient(timeout=timeout)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        import httpx

        query = scope.get("query_string", b"")
        path: bytes = scope.get("raw_path") or scope["path"].encode()
        url = self.base_url + path.decode("latin-1")
        if query:
            url += "?" + query.decode("latin-1")
        first = await receive()
        if first["type"] != "http.request":
            return  # the client left before it sent anything
        more = first.get("more_body", False)
        content: bytes | AsyncIterator[bytes] = (
            _body(first, receive) if more else first.get("body", b"")
        )
        forwarded = [
            (key.decode("latin-1"), value.decode("latin-1")) for key, value in scope["headers"]
        ]
        request = self.client.build_request(
            scope["method"],
            url,
            # Bodies pass through as they are: nothing here would undo a compression.
            headers=[*forwarded, ("accept-encoding", "identity")],
            content=content,
        )
        try:
            response = await self.client.send(request, stream=True)
        except ClientGone:
            return
        except (httpx.TimeoutException, httpx.NetworkError) as exc:
            raise EngineUnavailable(str(exc)) from exc
        except httpx.ProtocolError as exc:
            raise MalformedReply(str(exc)) from exc
        try:
            async with anyio.create_task_group() as relay:
                # The server says nothing when the client leaves during the answer; only
                # `receive` does. Without this watch a left download would be read to its end.
                relay.start_soon(_cancel_on_disconnect, receive, relay.cancel_scope)
                await send(
                    {
                        "type": "http.response.start",
                        "status": response.status_code,
                        "headers": response.headers.raw,
                    }
                )
                async for chunk in response.aiter_raw():
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
                await send({"type": "http.response.body", "body": b"", "more_body": False})
                relay.cancel_scope.cancel()
        finally:
            await response.aclose()

    async def aclose(self) -> None:
        await self.client.aclose()


async def _cancel_on_disconnect(receive: Receive, scope: anyio.CancelScope) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass  # the rest of a body the engine did not read
    scope.cancel()


async def _body(first: Message, receive: Receive) -> AsyncIterator[bytes]:
    """The request body as it arrives; ClientGone when the client leaves half-way."""
    yield first.get("body", b"")
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone
        yield message.get("body", b"")
        if not message.get("more_body", False):
            return
