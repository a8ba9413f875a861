"""A person's own account: changing their password (the engine checks the current one, counts
wrong ones like failed logins, and ends the person's other sessions)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from dataops.model import messages
from dataops.portal.pages import (
    BodyError,
    caller_of,
    form_of,
    json_error,
    json_of,
    page,
    portal_of,
    refusal,
    render,
    sends_json,
)
from dataops.portal.sessions import Visitor

PASSWORD_PAGE = "/work/account/password"


@page
async def password_page(request: Request) -> Response:
    return render(request, "password.html", error=None, notice=None)


@page
async def change_password(request: Request) -> Response:
    """The form (current, new, confirmation) or JSON `{currentPassword, newPassword}` (204)."""
    visitor: Visitor = request.state.visitor
    as_json = sends_json(request)
    try:
        if as_json:
            body = await json_of(request)
            current, new = body.get("currentPassword"), body.get("newPassword")
        else:
            form = await form_of(request)
            current, new = form.get("current_password", ""), form.get("new_password", "")
            if new != form.get("confirm_password", ""):
                differ = messages.PASSWORDS_DIFFER
                return render(request, "password.html", 400, error=differ, notice=None)
    except BodyError as exc:
        return refusal(request, exc.status, exc.message)

    reply = await portal_of(request).broker.call(
        "POST",
        f"/api/portal/sessions/{visitor.session_id}/password",
        caller_of(request),
        {"currentPassword": current, "newPassword": new},
    )
    if reply.status == 204:
        if as_json:
            return Response(status_code=204)
        return render(request, "password.html", error=None, notice=messages.PASSWORD_CHANGED)
    if as_json:
        return json_error(reply.status, reply.error, reply.retry_after)
    return render(
        request, "password.html", reply.status, reply.retry_after, error=reply.error, notice=None
    )
