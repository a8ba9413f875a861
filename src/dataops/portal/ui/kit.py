"""What the operator UI's page handlers share: calling the engine through the broker as the
visitor, a failed write turned into a message next to the control that caused it, the record's
ETag carried as `If-Match`, and answers that work with and without JavaScript.

A write is a plain HTML form (`POST`, then `303 See Other` back to the page: Post/Redirect/Get).
With JavaScript, htmx sends the same form with `HX-Request: true`; the redirect is followed and
the page answers with its `<main>` only (`render` sees the header), which htmx swaps in place.
A refused write shows the page again with the engine's words next to the control: with the
engine's status for a plain form, with 200 for htmx (the fragment is the answer it asked for; a
4xx would make htmx drop it).
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from dataops.portal.broker import Reply
from dataops.portal.pages import (
    BodyError,
    caller_of,
    error_page,
    form_of,
    portal_of,
    render,
)
from dataops.portal.redirects import safe_next
from dataops.portal.sessions import Visitor

ETAG_FIELD = "etag"
_MISSING_FIELD = re.compile(r"^Missing required field: (\w+)")
_INVALID_FIELD = re.compile(r"^Invalid (\w+)")
_LEADING_FIELD = re.compile(r"^(?:metadata\.)?(\w+)(?:\.\w+)*\b")


def is_htmx(request: Request) -> bool:
    """A request htmx sent (not a history restore, which wants the whole page)."""
    return (
        request.headers.get("hx-request") == "true"
        and request.headers.get("hx-history-restore-request") != "true"
    )


def path_segment(value: str) -> str:
    """An id as one segment of a page's or the engine's path."""
    return urllib.parse.quote(value, safe="")


async def engine(
    request: Request,
    method: str,
    path: str,
    body: Any = None,
    *,
    if_match: str | None = None,
) -> Reply:
    """One call to the engine's API as the visitor of the request."""
    visitor: Visitor | None = getattr(request.state, "visitor", None)
    broker = portal_of(request).broker
    return await broker.call(method, path, caller_of(request, visitor), body, if_match=if_match)


async def form_fields(request: Request) -> dict[str, str]:
    """The fields of a page's URL-encoded form (the `page` decorator has read the body)."""
    try:
        return await form_of(request)
    except BodyError:
        return {}


@dataclass(frozen=True)
class Failure:
    """A write the engine refused: which form, which of its controls (None: the form as a
    whole), the engine's words and status, and what the person had typed."""

    form: str
    message: str
    status: int
    control: str | None = None
    values: Mapping[str, str] = field(default_factory=dict)

    def at(self, form: str, control: str | None = None) -> str | None:
        """The message, if it belongs next to `control` of `form`."""
        if form == self.form and control == self.control:
            return self.message
        return None

    def value(self, form: str, name: str, default: Any = "") -> Any:
        """What the person typed in `form`'s control `name`, else `default` (the record's)."""
        if form == self.form and name in self.values:
            return self.values[name]
        return default

    @property
    def stale(self) -> bool:
        """Someone else changed the record (412): the page shows the fresh one."""
        return self.status == 412


def control_of(message: str, controls: Iterable[str]) -> str | None:
    """The control an engine message is about: the field it names first, if the form has one."""
    known = set(controls)
    for pattern in (_MISSING_FIELD, _INVALID_FIELD, _LEADING_FIELD):
        match = pattern.match(message)
        if match and match.group(1) in known:
            return match.group(1)
    return None


def failure_of(
    reply: Reply,
    form: str,
    controls: Iterable[str] = (),
    values: Mapping[str, str] | None = None,
) -> Failure:
    """The engine's refusal of a form's write, placed at the control it names."""
    message = reply.error
    control = None if reply.status == 412 else control_of(message, controls)
    return Failure(form, message, reply.status, control, dict(values or {}))


def show(
    request: Request,
    template: str,
    failure: Failure | None = None,
    **context: Any,
) -> HTMLResponse:
    """A page of the UI, with the failure of the write that led here, if any."""
    status = 200 if failure is None or is_htmx(request) else failure.status
    return render(request, template, status, failure=failure, **context)


def back_to(location: str) -> RedirectResponse:
    """After a successful write: to the page again (Post/Redirect/Get)."""
    return RedirectResponse(location, 303)


def engine_error_page(request: Request, reply: Reply) -> Response:
    """A page's data could not be read: the engine's status and words (404 `Task not found`)."""
    return error_page(request, reply.status, reply.error)


def records(reply: Reply, key: str) -> list[dict[str, Any]]:
    """The list under `key` of a 200 answer (`{"artifacts": [...]}`), else an empty list."""
    if reply.status != 200:
        return []
    value = reply.json().get(key)
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


# Pages that can be shown again with a refused write's message: a path prefix and the function
# that shows the page of the id after it. Each module registers its own pages.
Redisplay = Callable[[Request, str, Failure | None], Awaitable[Response]]
REDISPLAY: dict[str, Redisplay] = {}


ShowPage = TypeVar("ShowPage", bound=Redisplay)


def redisplays(prefix: str) -> Callable[[ShowPage], ShowPage]:
    """Register a page (`/work/tasks/<id>`) that a form elsewhere may lead back to."""

    def register(show_page: ShowPage) -> ShowPage:
        REDISPLAY[prefix] = show_page
        return show_page

    return register


async def answer_write(
    request: Request,
    reply: Reply,
    back: str,
    form: str,
    *,
    controls: Iterable[str] = (),
    values: Mapping[str, str] | None = None,
) -> Response:
    """After a form's write: back to the page `back` when the engine took it, else that page
    again with the engine's words next to the control."""
    if reply.ok:
        return back_to(back)
    failure = failure_of(reply, form, controls, values)
    for prefix, show_page in REDISPLAY.items():
        if back.startswith(prefix):
            rest = back[len(prefix) :].partition("?")[0].partition("#")[0]
            record_id = urllib.parse.unquote(rest)
            if record_id and "/" not in record_id:
                return await show_page(request, record_id, failure)
    return error_page(request, reply.status, reply.error)


def next_page(fields: Mapping[str, str], default: str) -> str:
    """The page a form came from (its `next` field), if it is one of the portal's own."""
    raw = fields.get("next", "")
    return safe_next(raw) if raw else default
