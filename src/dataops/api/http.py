"""HTTP helpers shared by every route: bodies, JSON responses, pages, versions and the actor."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from fastapi import Request, Response
from starlette.concurrency import run_in_threadpool

from dataops.engine.context import Engine
from dataops.engine.identity import Identity
from dataops.engine.paging import Listing, PageRequest
from dataops.model import jsonvalue, messages
from dataops.model.errors import Invalid, TooLarge
from dataops.model.values import parse_digits
from dataops.store.base import IN_PLACE, Item, WouldWait

MAX_JSON_BODY = 1_048_576
JSON_TYPE = "application/json"
T = TypeVar("T")


def engine_of(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def actor_of(request: Request) -> str | None:
    """The trusted actor set by the auth pipeline (never a client header, except in none mode)."""
    actor: str | None = getattr(request.state, "actor", None)
    return actor


def identity_of(request: Request) -> Identity | None:
    """The trusted identity set by the auth pipeline."""
    found: Identity | None = getattr(request.state, "identity", None)
    return found


def client_of(request: Request) -> str | None:
    """The client's address as the auth pipeline established it (for login throttling)."""
    client: str | None = getattr(request.state, "client", None)
    return client


async def call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run an engine use case off the event loop."""
    return await run_in_threadpool(fn, *args, **kwargs)


def reads_in_place(engine: Engine) -> bool:
    """Whether the metadata store answers reads without waiting (SQLite: microseconds from a
    local file, never a lock in WAL mode); a network store (DynamoDB) does not."""
    return bool(getattr(engine.store, "reads_in_place", False))


async def read(fn: Callable[..., T], engine: Engine, *args: Any, **kwargs: Any) -> T:
    """Run a use case that reads the metadata store (never binaries, never a network call): in
    place where the store answers reads without waiting, which spares the hop to a thread and
    back (a fifth of a small request's CPU); off the event loop otherwise. A read that would
    write and wait (an expired session it removes, while another process writes) runs again on
    a thread, as `write` does."""
    return await _in_place(fn, engine, *args, **kwargs)


async def write(fn: Callable[..., T], engine: Engine, *args: Any, **kwargs: Any) -> T:
    """Run a use case that writes only the metadata store, in one transaction (never binaries,
    never a network call): in place where the store answers at once, as `read` does, as long
    as it need not wait. A write lock taken by another thread or process, or a lost race that
    calls for a pause, stops it before anything is written (WouldWait), and the whole use case
    runs again on a thread, where it may wait."""
    return await _in_place(fn, engine, *args, **kwargs)


async def _in_place(fn: Callable[..., T], engine: Engine, *args: Any, **kwargs: Any) -> T:
    if reads_in_place(engine):
        entered = IN_PLACE.set(True)
        try:
            return fn(engine, *args, **kwargs)
        except WouldWait:
            pass
        finally:
            IN_PLACE.reset(entered)
    return await run_in_threadpool(fn, engine, *args, **kwargs)


def declares_more_than(request: Request, limit: int) -> bool:
    """True when `Content-Length` announces more than `limit` bytes. A value that is not plain
    ASCII digits announces nothing (the bytes counted while reading still hold the limit); one
    too long to convert is more than any limit."""
    declared = request.headers.get("content-length", "").strip()
    if not declared.isascii() or not declared.isdigit():
        return False
    length = parse_digits(declared)
    return length is None or length > limit


async def read_body(request: Request, limit: int = MAX_JSON_BODY) -> bytes:
    if declares_more_than(request, limit):
        raise TooLarge(messages.BODY_TOO_LARGE)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge(messages.BODY_TOO_LARGE)
        chunks.append(chunk)
    return b"".join(chunks)


async def read_json(request: Request) -> Any:
    """The parsed body; `INVALID_BODY` when missing or not JSON (each route words that itself)."""
    raw = await read_body(request)
    if not raw.strip():
        return jsonvalue.INVALID_BODY
    try:
        return jsonvalue.loads(raw)
    except jsonvalue.JsonError as exc:
        if exc.too_deep:
            raise Invalid(messages.JSON_TOO_DEEP) from None
        return jsonvalue.INVALID_BODY


def json_response(
    payload: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    return Response(
        jsonvalue.dumps(payload), status, headers=dict(headers or {}), media_type=JSON_TYPE
    )


def error_response(status: int, message: str) -> Response:
    return json_response({"error": message}, status)


def no_content() -> Response:
    return Response(status_code=204)


def versioned(item: Item, payload: Any, status: int = 200) -> Response:
    """A single-record response with its `ETag`."""
    return json_response(payload, status, {"ETag": f'"{item.version}"'})


_ETAG = re.compile(r'\s*(?:W/)?"([0-9]+)"\s*')


def if_match(request: Request) -> int | None:
    """The version named by `If-Match`; None without the header or for `*`.

    Anything that names no version of ours can never match, so it yields -1 (412): another
    shape, other digits than ASCII, or a number longer than any version counter gets.
    """
    raw = request.headers.get("if-match")
    if raw is None or raw.strip() == "*":
        return None
    match = _ETAG.fullmatch(raw)
    version = parse_digits(match[1]) if match else None
    return -1 if version is None else version


def page_of(request: Request) -> PageRequest:
    return PageRequest.parse(request.query_params.get("limit"), request.query_params.get("cursor"))


def listing_response(
    key: str, listing: Listing, extra: Mapping[str, Any] | None = None
) -> Response:
    payload: dict[str, Any] = {key: listing.items, **(extra or {})}
    if listing.next_cursor is not None:
        payload["nextCursor"] = listing.next_cursor
    return json_response(payload)
