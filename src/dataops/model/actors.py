"""Who acts: a user (by id), a service (`service:<name>`, an assistant or script holding a
service token), the portal itself (`portal-admin`, its scheduled jobs), or the engine
(`system`). Actors are plain strings in records; this module says what each string means and
what a service may never do."""

from __future__ import annotations

import re
from enum import StrEnum

from dataops.model import messages
from dataops.model.errors import Forbidden, Invalid


class ReviewPolicy(StrEnum):
    """`DATAOPS_REVIEW_POLICY`: `open` lets a creator approve their own artifact (each such
    approval is marked in its audit event); `separate` needs another person to approve, and a
    lead to waive proof or delete a workflow or template (docs/identity.md#review-separation)."""

    OPEN = "open"
    SEPARATE = "separate"


SERVICE_PREFIX = "service:"
PORTAL_ADMIN = "portal-admin"
SYSTEM = "system"
# Lower-case words joined by hyphens: safe in a header, a log line and a record.
_SERVICE_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")


def check_service_name(name: str) -> str:
    if not _SERVICE_NAME.match(name):
        raise Invalid(messages.SERVICE_NAME_INVALID)
    return name


def service_name(actor: str | None) -> str | None:
    """The name of a well-formed service actor, else None."""
    if actor is None or not actor.startswith(SERVICE_PREFIX):
        return None
    name = actor.removeprefix(SERVICE_PREFIX)
    return name if _SERVICE_NAME.match(name) else None


def is_service(actor: str | None) -> bool:
    """Any actor spelled as a service, well-formed or not: never trusted to review."""
    return actor is not None and actor.startswith(SERVICE_PREFIX)


def is_non_user_actor(actor: str) -> bool:
    """An actor that is no user (the portal, the engine, a service): the export validator does
    not look for one among the users."""
    return actor in (PORTAL_ADMIN, SYSTEM) or service_name(actor) is not None


def is_reserved_id(user_id: str) -> bool:
    """Ids no user may have: those of the other actors, and anything spelled as a service."""
    return user_id in (PORTAL_ADMIN, SYSTEM) or is_service(user_id)


def refuse_review_by_service(actor: str | None) -> None:
    """Services register and attach outputs; a person approves or rejects them."""
    if is_service(actor):
        raise Forbidden(messages.SERVICE_CANNOT_REVIEW)


def refuse_completion_by_service(actor: str | None) -> None:
    """A task is done when a person says so: an assistant's own output cannot close it."""
    if is_service(actor):
        raise Forbidden(messages.SERVICE_CANNOT_COMPLETE)


def is_self_review(creator: object, reviewer: str | None) -> bool:
    """The reviewer is the artifact's creator (both known)."""
    return bool(reviewer) and isinstance(creator, str) and creator == reviewer


def refuse_self_approval(policy: ReviewPolicy, creator: object, reviewer: str | None) -> None:
    if policy is ReviewPolicy.SEPARATE and is_self_review(creator, reviewer):
        raise Forbidden(messages.SELF_APPROVAL_REFUSED)
