"""Home routes (docs/api.md#home-lanes): one lane per request (`GET /api/lanes/:lane`), and what
waits for the caller (`GET /api/attention`: the review queue's and the unread notifications'
counts) for the portal's navigation."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from dataops.api.http import actor_of, call, engine_of, json_response, page_of
from dataops.api.openapi import PAGING, Doc, array, envelope, ref
from dataops.api.routes import route
from dataops.api.routes.tasks import PROOF
from dataops.engine import lanes
from dataops.model.lanes import DUE_SOON_DAYS, Lane, Owner

router = APIRouter()

_COUNT = {"type": "integer", "minimum": 0}
_ITEM = {
    "type": "object",
    "properties": {
        "task": ref("Task"),
        "owner": {"type": "string", "enum": [owner.value for owner in Owner]},
        "proof": PROOF["properties"]["proof"],
        "followUpDue": {"type": "boolean", "description": "Waiting lane: the follow-up is due."},
    },
    "required": ["task", "owner", "proof"],
}
LANE = {
    "type": "object",
    "properties": {
        "lane": envelope(
            name={"type": "string", "enum": [lane.value for lane in Lane]},
            date={"type": "string", "format": "date"},
            timezone={"type": "string"},
            counts=envelope(total=_COUNT, mine=_COUNT, unassigned=_COUNT, others=_COUNT),
            items=array(_ITEM),
        ),
        "nextCursor": {"type": "string", "description": "Pass as `cursor` for the next page."},
    },
    "required": ["lane"],
}
ATTENTION = envelope(
    attention=envelope(
        date={"type": "string", "format": "date"},
        timezone={"type": "string"},
        reviewQueue=_COUNT,
        notifications=_COUNT,
    )
)


@route(
    router,
    "/api/lanes/{lane}",
    ["GET"],
    Doc(
        "One home lane: today, overdue, waiting or blocked",
        answer=LANE,
        query=PAGING,
        description="`today`: open tasks dated today; `overdue`: open tasks dated before "
        "today; `waiting`: waiting tasks by follow-up time; `blocked`: open tasks due from "
        f"today through {DUE_SOON_DAYS} days ahead whose proof is incomplete. Today is the "
        "team's day (`DATAOPS_TIMEZONE`). The caller's tasks (assigned to their id or email) "
        "come first, then unassigned ones, then the others'; each with its proof. Counts "
        "cover the whole lane, also when a page is asked for.",
    ),
)
async def read_lane(lane: str, request: Request) -> Response:
    view = await call(
        lanes.read_lane,
        engine_of(request),
        lanes.parse_lane(lane),
        actor_of(request),
        page_of(request),
    )
    return json_response(view.as_json())


@route(
    router,
    "/api/attention",
    ["GET"],
    Doc(
        "What waits for the caller: the review queue and unread notifications",
        answer=ATTENTION,
        description="`reviewQueue` counts every `needs-review` artifact; `notifications` the "
        "caller's undismissed notifications (reading them first creates the follow-ups that "
        "fell due, as `GET /api/notifications` does).",
    ),
)
async def attention(request: Request) -> Response:
    found = await call(lanes.attention, engine_of(request), actor_of(request))
    return json_response({"attention": found})
