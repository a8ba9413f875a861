"""Notifications (`/work/notifications`, the bell in the header): the visitor's unread
notifications (all of them with `?all=1`), each opening its task or workflow; dismiss one,
dismiss all. Reads and writes go through the broker like any client's."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from dataops.portal.pages import page
from dataops.portal.ui import kit
from dataops.portal.ui.kit import Failure, path_segment

PATH = "/work/notifications"


def _back(show_all: bool) -> str:
    return PATH + ("?all=1" if show_all else "")


async def show_notifications(
    request: Request, show_all: bool, failure: Failure | None = None
) -> Response:
    reply = await kit.engine(
        request, "GET", "/api/notifications" + ("?all=true" if show_all else "")
    )
    if reply.status != 200:
        return kit.engine_error_page(request, reply)
    return kit.show(
        request,
        "notifications.html",
        failure,
        notifications=kit.records(reply, "notifications"),
        show_all=show_all,
        here=_back(show_all),
    )


@page
async def notifications_page(request: Request) -> Response:
    return await show_notifications(request, request.query_params.get("all") in ("1", "true"))


@page
async def dismiss(request: Request) -> Response:
    notification_id = request.path_params["notification_id"]
    fields = await kit.form_fields(request)
    show_all = fields.get("all") == "1"
    reply = await kit.engine(
        request, "PUT", f"/api/notifications/{path_segment(notification_id)}/dismiss"
    )
    if reply.ok:
        return kit.back_to(_back(show_all))
    return await show_notifications(
        request, show_all, kit.failure_of(reply, f"dismiss-{notification_id}")
    )


@page
async def dismiss_all(request: Request) -> Response:
    fields = await kit.form_fields(request)
    show_all = fields.get("all") == "1"
    reply = await kit.engine(request, "PUT", "/api/notifications/dismiss-all")
    if reply.ok:
        return kit.back_to(_back(show_all))
    return await show_notifications(request, show_all, kit.failure_of(reply, "dismiss-all"))


routes = [
    Route(PATH, notifications_page, methods=["GET"]),
    Route(PATH + "/dismiss-all", dismiss_all, methods=["POST"]),
    Route(PATH + "/{notification_id}/dismiss", dismiss, methods=["POST"]),
]
