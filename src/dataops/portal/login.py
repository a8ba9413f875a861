"""Login and logout: the login page and its form (or JSON for scripts), the session cookie the
portal sets, and its end. The engine checks the password, throttles guesses and owns the
session; the portal only carries the session id in its cookie."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from dataops.model import messages
from dataops.model.values import parse_timestamp
from dataops.portal.csrf import CSRF_HEADER
from dataops.portal.pages import (
    LOGIN,
    BodyError,
    caller_of,
    clear_session_cookie,
    form_of,
    json_error,
    json_of,
    passes_csrf,
    portal_of,
    refusal,
    render,
    sends_json,
    set_session_cookie,
    visitor_of,
)
from dataops.portal.redirects import safe_next
from dataops.portal.sessions import COOKIE_NAME, Visitor, well_formed_session_id

_CHECKED = ("on", "true", "1", "yes")


async def login_page(request: Request) -> Response:
    target = safe_next(request.query_params.get("next"))
    if await visitor_of(request) is not None:
        return RedirectResponse(target, 303)
    return render(request, "login.html", next=target, email="", remember=False, error=None)


async def log_in(request: Request) -> Response:
    """`POST /login`: the form (303 to `next`) or JSON `{email, password, remember}` (200
    `{"user"}`). A refusal sets no cookie and says what the engine said, with its status."""
    portal = portal_of(request)
    as_json = sends_json(request)
    target = safe_next(None)
    origin = request.headers.get("origin")
    if origin is not None and origin not in portal.csrf.origins:
        # Nobody else's page may log a browser in (into an account of its choosing).
        return refusal(request, 403, messages.CSRF_FAILED)
    try:
        if as_json:
            body = await json_of(request)
            email, password = body.get("email"), body.get("password")
            remember = body.get("remember", False)
            if not isinstance(remember, bool):
                raise BodyError(400, messages.MUST_BE_BOOLEAN.format(field="remember"))
        else:
            form = await form_of(request)
            email, password = form.get("email", ""), form.get("password", "")
            remember = form.get("remember", "").lower() in _CHECKED
            target = safe_next(form.get("next"))
    except BodyError as exc:
        return refusal(request, exc.status, exc.message)

    reply = await portal.broker.call(
        "POST", "/api/portal/login", caller_of(request), {"email": email, "password": password}
    )
    if reply.status != 200:
        if as_json:
            return json_error(reply.status, reply.error, reply.retry_after)
        shown_email = email if isinstance(email, str) else ""
        return render(
            request,
            "login.html",
            reply.status,
            reply.retry_after,
            next=target,
            email=shown_email,
            remember=remember,
            error=reply.error,
        )

    answer = reply.json()
    user, session = answer["user"], answer["session"]
    visitor = Visitor(actor=user["id"], user=user, session_id=session["id"])
    portal.gatekeeper.remember(visitor, session["expiresAt"])
    await _end_previous_session(request, session["id"])
    response: Response = JSONResponse({"user": user}) if as_json else RedirectResponse(target, 303)
    lifetime = _seconds_left(session["expiresAt"]) if remember else None
    set_session_cookie(request, response, session["id"], lifetime)
    # Scripts with a cookie jar send no Origin: this is the token their writes carry.
    response.headers[CSRF_HEADER] = portal.csrf.token(session["id"])
    return response


async def _end_previous_session(request: Request, new_session: str) -> None:
    """A login replaces the browser's earlier session rather than leaving it alive."""
    old = request.cookies.get(COOKIE_NAME)
    if old and old != new_session and well_formed_session_id(old):
        portal = portal_of(request)
        await portal.broker.call("DELETE", f"/api/portal/sessions/{old}", caller_of(request))
        portal.gatekeeper.forget(old)


def _seconds_left(expires_at: str) -> int | None:
    end = parse_timestamp(expires_at)
    if end is None:
        return None
    return max(0, int((end - datetime.now(UTC)).total_seconds()))


async def log_out(request: Request) -> Response:
    """`POST /logout`: ends the session in the engine and drops the cookie; 303 to the login
    page, or 204 for a client that speaks JSON."""
    portal = portal_of(request)
    visitor = await visitor_of(request)
    if visitor is not None and visitor.session_id is not None:
        if not await passes_csrf(request, visitor.session_id):
            return refusal(request, 403, messages.CSRF_FAILED)
        await portal.broker.call(
            "DELETE", f"/api/portal/sessions/{visitor.session_id}", caller_of(request)
        )
        portal.gatekeeper.forget(visitor.session_id)
    accept = request.headers.get("accept", "")
    speaks_json = sends_json(request) or ("json" in accept and "text/html" not in accept)
    response: Response = Response(status_code=204) if speaks_json else RedirectResponse(LOGIN, 303)
    clear_session_cookie(request, response)
    return response
