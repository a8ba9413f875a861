"""User read routes (docs/api.md#users): `{users}`, `{user}` without password hashes; other
methods 405, deeper paths 404."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from dataops.api.http import engine_of, json_response, listing_response, page_of, read
from dataops.api.openapi import PAGING, Doc, envelope, listing, ref
from dataops.api.routes import route
from dataops.engine import users
from dataops.engine.paging import Listing
from dataops.model.users import public
from dataops.store.base import Item

router = APIRouter()


@route(
    router,
    "/api/users",
    ["GET"],
    Doc("List users (never a password hash)", answer=listing("users", ref("User")), query=PAGING),
)
async def list_users(request: Request) -> Response:
    listing = await read(users.list_users, engine_of(request), page_of(request))
    shown = [Item(public(user), user.version) for user in listing.items]
    return listing_response("users", Listing(shown, listing.next_cursor))


@route(
    router, "/api/users/{user_id}", ["GET"], Doc("Get a user", answer=envelope(user=ref("User")))
)
async def get_user(user_id: str, request: Request) -> Response:
    user = await read(users.get_user, engine_of(request), user_id)
    return json_response({"user": public(user)})
