"""The review queue (`/work/review`): every artifact waiting for review, filterable by type,
storage provider and workflow, approved or rejected (with a note) in place. One engine request
reads the queue (`GET /api/artifacts?status=needs-review&...`); with JavaScript a decision
swaps the queue without reloading the page, without it the form posts and comes back."""

from __future__ import annotations

import asyncio
import urllib.parse
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from dataops.model import messages
from dataops.model.artifacts import ArtifactStatus, ArtifactType
from dataops.model.storage_policy import StorageProvider
from dataops.portal.pages import page
from dataops.portal.ui import kit
from dataops.portal.ui.kit import Failure, path_segment

PATH = "/work/review"
# Decisions are made from the top: a page of the queue at a time, the next one a link away.
PAGE_SIZE = 50
FILTERS = ("type", "storageProvider", "bundleId")
# A decision's form carries the artifact's `updatedAt` as the reviewer saw it.
SEEN_FIELD = "seen"
TYPES: tuple[tuple[str, str], ...] = (
    ("", "Any type"),
    *((kind.value, kind.value.replace("-", " ").capitalize()) for kind in ArtifactType),
)
PROVIDERS: tuple[tuple[str, str], ...] = (
    ("", "Any storage"),
    *((kind.value, kind.value.replace("-", " ").capitalize()) for kind in StorageProvider),
)


def chosen_filters(values: Mapping[str, str]) -> dict[str, str]:
    """The filters a visitor chose (empty ones left out)."""
    return {name: values[name].strip() for name in FILTERS if values.get(name, "").strip()}


def queue_url(filters: Mapping[str, str]) -> str:
    """The queue with these filters (the page a decision comes back to)."""
    return PATH + ("?" + urllib.parse.urlencode(filters) if filters else "")


async def show_queue(
    request: Request,
    filters: Mapping[str, str],
    failure: Failure | None = None,
    cursor: str | None = None,
) -> Response:
    paging = {"limit": str(PAGE_SIZE), **({"cursor": cursor} if cursor else {})}
    query = urllib.parse.urlencode(
        {"status": ArtifactStatus.NEEDS_REVIEW.value, **filters, **paging}
    )
    queue_reply, bundles_reply = await asyncio.gather(
        kit.engine(request, "GET", f"/api/artifacts?{query}"),
        kit.engine(request, "GET", "/api/bundles"),
    )
    if queue_reply.status != 200:
        return kit.engine_error_page(request, queue_reply)
    bundles = kit.records(bundles_reply, "bundles")
    titles = {bundle["id"]: str(bundle.get("title", "")) for bundle in bundles}
    queue = kit.records(queue_reply, "artifacts")
    next_cursor = queue_reply.json().get("nextCursor")
    next_url = (
        PATH + "?" + urllib.parse.urlencode({**filters, "cursor": next_cursor})
        if isinstance(next_cursor, str)
        else None
    )
    active = [
        (bundle["id"], str(bundle.get("title", "")))
        for bundle in bundles
        if bundle.get("status") == "active" or bundle["id"] == filters.get("bundleId")
    ]
    workflows = [("", "Any workflow"), *sorted(active, key=lambda option: option[1])]
    return kit.show(
        request,
        "review.html",
        failure,
        queue=queue,
        next_url=next_url,
        first_url=queue_url(filters) if cursor else None,
        filters=filters,
        here=queue_url(filters),
        workflow_titles=titles,
        types=TYPES,
        providers=PROVIDERS,
        workflows=workflows,
    )


@page
async def review_page(request: Request) -> Response:
    query = request.query_params
    return await show_queue(request, chosen_filters(query), cursor=query.get("cursor") or None)


async def _decide(request: Request, decision: str, body: dict[str, Any]) -> Response:
    """Approve or reject what the reviewer saw: the form carries the artifact's `updatedAt` as
    shown, and a changed artifact (a new link, another reviewer's decision) is refused with 412
    and the queue shown fresh; the decision itself carries the version read as `If-Match`."""
    artifact_id = request.path_params["artifact_id"]
    fields = await kit.form_fields(request)
    filters = chosen_filters(fields)
    form = f"{decision}-{artifact_id}"
    path = f"/api/artifacts/{path_segment(artifact_id)}"
    current = await kit.engine(request, "GET", path)
    if current.status != 200:
        return await show_queue(request, filters, kit.failure_of(current, form))
    seen = fields.get(SEEN_FIELD, "")
    if seen and seen != current.json()["artifact"].get("updatedAt"):
        return await show_queue(request, filters, Failure(form, messages.PRECONDITION_FAILED, 412))
    if decision == "reject" and fields.get("note", "").strip():
        body["note"] = fields["note"].strip()
    reply = await kit.engine(request, "POST", f"{path}/{decision}", body, if_match=current.etag)
    if reply.ok:
        return kit.back_to(queue_url(filters))
    return await show_queue(request, filters, kit.failure_of(reply, form, ("note",), fields))


@page
async def approve(request: Request) -> Response:
    return await _decide(request, "approve", {})


@page
async def reject(request: Request) -> Response:
    return await _decide(request, "reject", {})


routes = [
    Route(PATH, review_page, methods=["GET"]),
    Route(PATH + "/{artifact_id}/approve", approve, methods=["POST"]),
    Route(PATH + "/{artifact_id}/reject", reject, methods=["POST"]),
]
