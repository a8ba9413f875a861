"""The home lanes above the workflows on `/work` (Today, Overdue, Waiting, Blocked by proof), and
a page per lane with all of its tasks (`/work/lanes/<lane>`). Each lane is one engine request
(`GET /api/lanes/<lane>`): the engine puts the visitor's work first and names missing proof."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from dataops.model import messages
from dataops.model.lanes import Lane
from dataops.portal.pages import error_page, page
from dataops.portal.ui import kit

# How many tasks each lane shows on the home page; the lane's own page shows all.
HOME_LIMIT = 10
TITLES = {
    Lane.TODAY: "Today",
    Lane.OVERDUE: "Overdue",
    Lane.WAITING: "Waiting",
    Lane.BLOCKED: "Blocked by proof",
}
EMPTY = {
    Lane.TODAY: "Nothing is due today.",
    Lane.OVERDUE: "Nothing is overdue.",
    Lane.WAITING: "Nothing waits on anyone.",
    Lane.BLOCKED: "No task due this week is missing proof.",
}
HINTS = {
    Lane.TODAY: "Open tasks dated today.",
    Lane.OVERDUE: "Open tasks dated before today.",
    Lane.WAITING: "Waiting on someone else, by follow-up time.",
    Lane.BLOCKED: "Due within a week, proof incomplete.",
}


@dataclass(frozen=True)
class LaneBox:
    """One lane as a page shows it: the engine's lane, or its refusal in its own words."""

    name: str
    title: str
    empty: str
    hint: str
    lane: dict[str, Any] | None
    error: str = ""
    status: int = 200
    more: bool = False

    @property
    def url(self) -> str:
        return f"/work/lanes/{self.name}"


async def read_lane(request: Request, lane: Lane, limit: int | None) -> LaneBox:
    query = f"?limit={limit}" if limit is not None else ""
    reply = await kit.engine(request, "GET", f"/api/lanes/{lane.value}{query}")
    box = LaneBox(lane.value, TITLES[lane], EMPTY[lane], HINTS[lane], None)
    if reply.status != 200:
        return LaneBox(**{**box.__dict__, "error": reply.error, "status": reply.status})
    answer = reply.json()
    return LaneBox(**{**box.__dict__, "lane": answer["lane"], "more": "nextCursor" in answer})


async def lanes(request: Request) -> list[LaneBox]:
    """The four lanes of the home page, read at once (one request each)."""
    return list(await asyncio.gather(*(read_lane(request, lane, HOME_LIMIT) for lane in Lane)))


@page
async def lane_page(request: Request) -> Response:
    try:
        lane = Lane(request.path_params["lane"])
    except ValueError:
        return error_page(request, 404, messages.PAGE_NOT_FOUND)
    box = await read_lane(request, lane, None)
    if box.lane is None:
        return error_page(request, box.status, box.error)
    return kit.show(request, "home/lane.html", box=box)


routes = [Route("/work/lanes/{lane}", lane_page, methods=["GET"])]
