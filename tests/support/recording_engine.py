"""A stand-in engine that records every request the portal's broker sends it and answers the
portal-support routes with one known person, one known service token, and a few deliberately
broken answers. It shows what crosses the boundary, which a real engine would not tell."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from starlette.types import Message, Receive, Scope, Send

from dataops.model import jsonvalue

SESSION = "session-of-ada-0123456789abcdefghijklmnopq"
PASSWORD = "right password"
SERVICE_TOKEN = "dataops_svc_the-assistant-token"
ADA = {
    "id": "ada",
    "name": "Ada",
    "email": "ada@example.com",
    "role": "lead",
    "createdAt": "2026-11-28T09:00:00.000Z",
}
FAR_FUTURE = "2099-01-01T00:00:00.000Z"
# What /api/echo answers with besides its body: some for clients, some never for them.
ECHO_HEADERS = [
    (b"content-type", b"application/json"),
    (b"etag", b'"7"'),
    (b"location", b"/api/tasks/1"),
    (b"content-disposition", b'attachment; filename="notes.txt"'),
    (b"cache-control", b"private, max-age=60"),
    (b"retry-after", b"3"),
    (b"allow", b"GET, PUT"),
    (b"set-cookie", b"engine=internal; Path=/"),
    (b"x-engine-internal", b"shard-7"),
    (b"server-timing", b"db;dur=3"),
    (b"access-control-allow-origin", b"*"),
]


@dataclass
class Recorded:
    method: str
    path: str
    query: bytes
    headers: list[tuple[bytes, bytes]]
    size: int
    sha256: str
    body: bytes

    def header(self, name: str) -> list[str]:
        return [value.decode() for key, value in self.headers if key == name.encode()]


@dataclass
class RecordingEngine:
    requests: list[Recorded] = field(default_factory=list)

    def paths(self) -> list[str]:
        return [request.path for request in self.requests]

    def last(self, path: str) -> Recorded:
        return [request for request in self.requests if request.path == path][-1]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        digest, size, kept = hashlib.sha256(), 0, bytearray()
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return
            chunk = message.get("body", b"")
            digest.update(chunk)
            size += len(chunk)
            if len(kept) < 65_536:
                kept += chunk[: 65_536 - len(kept)]
            if not message.get("more_body", False):
                break
        method, path = scope["method"], scope["path"]
        recorded = Recorded(
            method, path, scope["query_string"], list(scope["headers"]), size,
            digest.hexdigest(), bytes(kept),
        )  # fmt: skip
        self.requests.append(recorded)
        await self.answer(recorded, send)

    async def answer(self, request: Recorded, send: Send) -> None:
        method, path = request.method, request.path
        if path == f"/api/portal/sessions/{SESSION}" and method == "GET":
            await _json(send, 200, {"user": ADA, "session": {"expiresAt": FAR_FUTURE}})
        elif path.startswith("/api/portal/sessions/") and method == "DELETE":
            await _raw(send, 204, [], b"")
        elif path.startswith("/api/portal/sessions/"):
            await _json(send, 401, {"error": "Unauthorized"})
        elif path == "/api/portal/login":
            body = jsonvalue.loads(request.body)
            if body.get("password") == PASSWORD:
                await _json(
                    send, 200, {"user": ADA, "session": {"id": SESSION, "expiresAt": FAR_FUTURE}}
                )
            elif body.get("password") == "throttled":
                await _json(
                    send,
                    429,
                    {"error": "Too many attempts; try again later"},
                    [(b"retry-after", b"42")],
                )
            else:
                await _json(send, 401, {"error": "Invalid email or password"})
        elif path == "/api/portal/service-tokens/resolve":
            if jsonvalue.loads(request.body).get("token") == SERVICE_TOKEN:
                service = {
                    "name": "assistant",
                    "actor": "service:assistant",
                    "createdAt": ADA["createdAt"],
                }
                await _json(send, 200, {"service": service})
            else:
                await _json(send, 401, {"error": "Unauthorized"})
        elif path == "/api/health":
            await _json(send, 200, {"status": "ok"})
        elif path == "/api/echo":
            body = jsonvalue.dumps({"method": method, "size": request.size})
            await _raw(send, 200, ECHO_HEADERS, body)
        elif path == "/api/upload":
            await _json(send, 201, {"size": request.size, "sha256": request.sha256})
        elif path == "/api/no-answer":
            return
        elif path == "/api/bad-status":
            await send({"type": "http.response.start", "status": "200 OK", "headers": []})
        elif path == "/api/crash":
            raise RuntimeError("the engine broke before it answered")
        elif path == "/api/half":
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"part of it", "more_body": True})
        else:
            await _json(send, 404, {"error": "Not found"})


async def _json(
    send: Send, status: int, payload: Any, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    await _raw(
        send,
        status,
        [(b"content-type", b"application/json"), *(headers or [])],
        jsonvalue.dumps(payload),
    )


async def _raw(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    start: Message = {
        "type": "http.response.start",
        "status": status,
        "headers": [*headers, (b"content-length", str(len(body)).encode())],
    }
    await send(start)
    await send({"type": "http.response.body", "body": body, "more_body": False})
