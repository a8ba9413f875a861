"""What every page handler of the portal uses: the portal's parts (`Portal`), who is visiting,
rendering a template with the page's CSRF token, reading a small form or JSON body, and the
`page` decorator that sends visitors without a session to the login page and refuses forged
writes. The operator UI's pages are built on these."""

from __future__ import annotations

import datetime
import functools
import urllib.parse
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from jinja2.utils import missing
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from dataops.client_address import client_address
from dataops.model import jsonvalue, messages
from dataops.model.values import parse_calendar_date
from dataops.portal.broker import Broker, Caller
from dataops.portal.config import PortalConfig
from dataops.portal.csrf import CSRF_FIELD, CsrfGuard
from dataops.portal.navigation import NAVIGATION, NavItem
from dataops.portal.sessions import COOKIE_NAME, Gatekeeper, Visitor
from dataops.portal.static_assets import StaticAssets
from dataops.portal.transports import EngineUnavailable, MalformedReply

TEMPLATES = Path(__file__).parent / "templates"
LOGIN = "/login"
# Forms of the portal are small; a login or password change is a few hundred bytes.
MAX_FORM_BYTES = 65_536
JSON_TYPE = "application/json"
FORM_TYPE = "application/x-www-form-urlencoded"

Handler = Callable[[Request], Awaitable[Response]]


class FieldUndefined(jinja2.StrictUndefined):
    """Strict for names (a misspelt variable fails loudly), lenient for a record's absent
    field: the engine leaves out fields never provided, so `task.comment` may not exist and
    then reads as empty."""

    def __new__(cls, hint: Any = None, obj: Any = missing, *args: Any, **kwargs: Any) -> Any:
        if obj is not missing and isinstance(obj, Mapping):
            return jinja2.Undefined(hint, obj, *args, **kwargs)
        return super().__new__(cls)


def template_environment(assets: StaticAssets) -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,  # every value is escaped unless a template says otherwise
        undefined=FieldUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.globals["static_url"] = assets.url
    environment.globals["csrf_field"] = CSRF_FIELD
    environment.filters["http_url"] = http_url
    environment.filters["when"] = when
    return environment


def http_url(value: Any) -> str:
    """`value` if it is an http(s) URL a page may link to, else "" (shown as text instead):
    `javascript:`, `data:` and every other scheme never become a link."""
    if not isinstance(value, str):
        return ""
    candidate = value.strip()
    scheme = urllib.parse.urlsplit(candidate).scheme.lower() if candidate else ""
    if scheme not in ("http", "https") or any(ord(char) < 33 for char in candidate):
        return ""
    return candidate


def when(value: Any) -> str:
    """An engine timestamp (`2026-05-01T09:30:00.000Z`) for people: `2026-05-01 09:30 UTC`."""
    if not isinstance(value, str) or len(value) < 16 or value[10:11] != "T":
        return str(value) if value is not None else ""
    return f"{value[:10]} {value[11:16]} UTC"


@dataclass
class Portal:
    """The portal's parts, shared by every handler (in `app.state.portal`)."""

    broker: Broker
    gatekeeper: Gatekeeper
    csrf: CsrfGuard
    config: PortalConfig
    assets: StaticAssets = field(default_factory=StaticAssets)
    # The navigation's items whose pages are served (create_portal narrows it).
    navigation: tuple[NavItem, ...] = NAVIGATION
    templates: jinja2.Environment = field(init=False)

    def __post_init__(self) -> None:
        self.templates = template_environment(self.assets)


def portal_of(request: Request) -> Portal:
    portal: Portal = request.app.state.portal
    return portal


def client_of(request: Request) -> str | None:
    """The browser's address: the peer, or what trusted proxies say in `X-Forwarded-For`."""
    peer = request.client.host if request.client else None
    forwarded = ",".join(request.headers.getlist("x-forwarded-for"))
    return client_address(peer, forwarded, portal_of(request).config.trusted_proxies)


def caller_of(request: Request, visitor: Visitor | None = None) -> Caller:
    """Who the engine is told is calling: the visitor (or the portal itself) from this client."""
    return Caller(actor=visitor.actor if visitor else None, client=client_of(request))


async def visitor_of(request: Request) -> Visitor | None:
    """The person of the request's session cookie, or None; looked up once per request."""
    if not hasattr(request.state, "visitor"):
        portal = portal_of(request)
        cookie = request.cookies.get(COOKIE_NAME)
        request.state.visitor = await portal.gatekeeper.by_session(cookie, client_of(request))
    visitor: Visitor | None = request.state.visitor
    return visitor


def render(
    request: Request,
    template: str,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    """A page: the template with the visitor, its CSRF token and the navigation, never cached
    (it is theirs). For htmx (`HX-Request`) only the page's `<main>` is sent, to swap in place."""
    portal = portal_of(request)
    visitor: Visitor | None = getattr(request.state, "visitor", None)
    token = portal.csrf.token(visitor.session_id) if visitor and visitor.session_id else ""
    partial = (
        request.headers.get("hx-request") == "true"
        and request.headers.get("hx-history-restore-request") != "true"
    )
    context.setdefault("failure", None)
    context.setdefault("attention", getattr(request.state, "attention", None))
    context.setdefault("rendered_forms", set())  # filled by the forms macro as it renders
    html = portal.templates.get_template(template).render(
        visitor=visitor,
        csrf_token=token,
        navigation=portal.navigation,
        current_path=request.url.path,
        partial=partial,
        **context,
    )
    answer_headers = {"Cache-Control": "no-store", "Vary": "HX-Request", **dict(headers or {})}
    return HTMLResponse(html, status, headers=answer_headers)


def error_page(request: Request, status: int, message: str, **headers: str) -> HTMLResponse:
    return render(request, "error.html", status, headers, code=status, message=message)


def refusal(
    request: Request, status: int, message: str, headers: Mapping[str, str] | None = None
) -> Response:
    """An error in the words of the request: JSON for a JSON client, else an error page."""
    if sends_json(request):
        return json_error(status, message, headers)
    return error_page(request, status, message, **dict(headers or {}))


def login_redirect(request: Request) -> RedirectResponse:
    """To the login page, coming back here afterwards; a stale session cookie is dropped."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    response = RedirectResponse(f"{LOGIN}?{urllib.parse.urlencode({'next': target})}", 303)
    if COOKIE_NAME in request.cookies:
        clear_session_cookie(request, response)
    return response


def set_session_cookie(
    request: Request, response: Response, session_id: str, max_age: int | None
) -> None:
    """The one session cookie: HttpOnly, SameSite=Lax, Secure over HTTPS; without `max_age`
    it ends with the browser session."""
    response.set_cookie(
        COOKIE_NAME,
        session_id,
        max_age=max_age,
        path="/",
        secure=portal_of(request).config.secure,
        httponly=True,
        samesite="lax",
    )


def clear_session_cookie(request: Request, response: Response) -> None:
    secure = portal_of(request).config.secure
    response.delete_cookie(COOKIE_NAME, path="/", secure=secure, httponly=True, samesite="lax")


class BodyError(Exception):
    """A body the portal cannot read: its status and message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def sends_json(request: Request) -> bool:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return media_type == JSON_TYPE


async def read_small_body(request: Request) -> bytes:
    """The body, refused (413) beyond MAX_FORM_BYTES; read once per request."""
    if not hasattr(request.state, "body"):
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_FORM_BYTES:
                raise BodyError(413, messages.BODY_TOO_LARGE)
            chunks.append(chunk)
        request.state.body = b"".join(chunks)
    body: bytes = request.state.body
    return body


async def form_of(request: Request) -> dict[str, str]:
    """A URL-encoded form's fields (the first value of each); 415 for other bodies."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != FORM_TYPE:
        raise BodyError(415, messages.PORTAL_FORM_TYPE)
    raw = (await read_small_body(request)).decode("utf-8", "replace")
    fields: dict[str, str] = {}
    for key, value in urllib.parse.parse_qsl(raw, keep_blank_values=True, max_num_fields=50):
        fields.setdefault(key, value)
    return fields


async def json_of(request: Request) -> dict[str, Any]:
    """A JSON object body; 400 `Invalid JSON body` for anything else."""
    try:
        value = jsonvalue.loads(await read_small_body(request))
    except jsonvalue.JsonError:
        value = None
    if not isinstance(value, dict):
        raise BodyError(400, messages.INVALID_JSON_BODY)
    return value


def json_error(status: int, message: str, headers: Mapping[str, str] | None = None) -> Response:
    return JSONResponse({"error": message}, status, headers=dict(headers or {}))


def page(handler: Handler) -> Handler:
    """A page for people with a session: others go to the login page. A write must pass the
    CSRF check (its form may carry the token as `csrf_token`)."""

    @functools.wraps(handler)
    async def guarded(request: Request) -> Response:
        visitor = await visitor_of(request)
        if visitor is None or visitor.session_id is None:
            return _signed_out(request)
        if not await passes_csrf(request, visitor.session_id):
            return refusal(request, 403, messages.CSRF_FAILED)
        try:
            request.state.attention = await attention_of(request, visitor)
        except AccountGone:
            # Deactivated since the portal last looked the session up: its session ended.
            portal_of(request).gatekeeper.forget(visitor.session_id)
            return _signed_out(request)
        return await handler(request)

    return guarded


def _signed_out(request: Request) -> Response:
    """A page asked for without a live session: the login page, or 401 for a write."""
    if request.method in ("GET", "HEAD"):
        return login_redirect(request)
    return refusal(request, 401, messages.UNAUTHORIZED)


def team_today(request: Request) -> datetime.date:
    """The team's calendar day (`DATAOPS_TIMEZONE`), as the engine said it in the navigation's
    attention answer; the UTC day when the engine could not say."""
    attention = getattr(request.state, "attention", None)
    day = parse_calendar_date(attention.get("date")) if isinstance(attention, Mapping) else None
    return day or datetime.datetime.now(datetime.UTC).date()


class AccountGone(Exception):
    """The engine no longer accepts the visitor (401): the account was deactivated while the
    portal still remembered the session."""


async def attention_of(request: Request, visitor: Visitor) -> Mapping[str, Any] | None:
    """What waits for the visitor, for the navigation's counts (`GET /api/attention`: the
    review queue, unread notifications); None when the engine cannot say, and the page shows
    its links without numbers. Raises AccountGone when the engine refuses the visitor."""
    try:
        reply = await portal_of(request).broker.call(
            "GET", "/api/attention", caller_of(request, visitor)
        )
    except (EngineUnavailable, MalformedReply):
        return None
    if reply.status == 401:
        raise AccountGone
    if reply.status != 200:
        return None
    try:
        found = reply.json().get("attention")
    except jsonvalue.JsonError:
        return None
    return found if isinstance(found, dict) else None


async def passes_csrf(request: Request, session_id: str) -> bool:
    """The CSRF check of a request that the cookie of `session_id` authenticates; a page's form
    may carry the token as a field."""
    csrf = portal_of(request).csrf
    form_token: str | None = None
    if request.method not in ("GET", "HEAD") and not sends_json(request):
        try:
            form_token = (await form_of(request)).get(CSRF_FIELD)
        except BodyError:
            form_token = None
    return csrf.passes(request.method, request.headers, session_id, form_token)
