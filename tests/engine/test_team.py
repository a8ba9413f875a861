"""Team administration at the use-case level: only active leads act; users added (with a
temporary password shown once), given a role, deactivated (their sessions end, they can no
longer log in or act) and reactivated; passwords reset; the team keeps an active lead; every
change is an audit event of the lead who made it; service tokens with their last use."""

from __future__ import annotations

import pytest

from dataops.engine import audit, identity, service_tokens, sessions, team, users
from dataops.engine.context import Engine
from dataops.engine.identity import Identity
from dataops.engine.paging import PageRequest
from dataops.model.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from dataops.store.base import Item
from tests.conftest import FakeClock
from tests.support.identity import login_token

LEAD_ONLY = "Only a lead can manage the team"
LAST_LEAD = "The team needs at least one lead; make someone else a lead first"


@pytest.fixture
def lead(engine: Engine) -> Identity:
    user = users.add_user(
        engine, email="lee@example.com", name="Lee", user_id="lee", password="pw-lee", role="lead"
    )
    return Identity(user["id"], user)


@pytest.fixture
def ada(engine: Engine) -> Item:
    return users.add_user(
        engine, email="ada@example.com", name="Ada", user_id="ada", password="pw-ada"
    )


def history(engine: Engine, entity_id: str) -> list[tuple[str, str | None, str]]:
    events = audit.history(engine, entity_id, PageRequest()).items
    return [(e["action"], e.get("actorId"), e["summary"]) for e in events]


def test_only_active_leads_manage_the_team(engine: Engine, lead: Identity, ada: Item) -> None:
    member = Identity("ada", ada)
    outsiders = [None, member, Identity("service:bot"), Identity("portal-admin"), Identity("x")]
    for caller in outsiders:
        with pytest.raises(Forbidden) as refused:
            team.add_user(engine, caller, {"email": "x@example.com", "name": "X"})
        assert refused.value.message == LEAD_ONLY
        with pytest.raises(Forbidden):
            team.list_tokens(engine, caller)
        with pytest.raises(Forbidden):
            team.set_role(engine, caller, "ada", {"role": "lead"})
    assert users.find_by_email(engine, "x@example.com") is None
    # The `none` test mode names a lead without loading the account: it is looked up.
    assert team.list_tokens(engine, Identity("lee")) == []


def test_a_lead_adds_a_user_with_a_temporary_password_shown_once(
    engine: Engine, lead: Identity
) -> None:
    added = team.add_user(engine, lead, {"email": " grace@example.com ", "name": "Grace"})
    assert added.user["email"] == "grace@example.com"
    assert added.user["role"] == "member"
    assert added.temporary_password is not None and len(added.temporary_password) >= 16
    assert added.temporary_password not in str(dict(added.user))
    token = login_token(engine, "grace@example.com", added.temporary_password)
    assert sessions.session_user(engine, token) is not None
    assert history(engine, added.user["id"]) == [
        ("user.added", "lee", "grace@example.com added as member")
    ]
    chosen = team.add_user(
        engine, lead, {"email": "hop@example.com", "name": "Hop", "role": "lead", "password": "p"}
    )
    assert chosen.temporary_password is None and chosen.user["role"] == "lead"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ([], "Invalid JSON body"),
        ({"name": "X"}, "Missing required field: email"),
        ({"email": "", "name": "X"}, "Missing required field: email"),
        ({"email": "x@example.com"}, "Missing required field: name"),
        ({"email": 5, "name": "X"}, "email must be a string"),
        ({"email": "nope", "name": "X"}, "email must be an email address"),
        (
            {"email": "x@example.com", "name": "X", "role": "boss"},
            "role must be one of: member, lead",
        ),
        ({"email": "x@example.com", "name": "X", "password": 7}, "password must be a string"),
    ],
)
def test_bad_additions_change_nothing(
    engine: Engine, lead: Identity, body: object, message: str
) -> None:
    with pytest.raises(Invalid) as refused:
        team.add_user(engine, lead, body)
    assert refused.value.message == message
    assert [u["id"] for u in engine.store.scan("users")] == ["lee"]


def test_a_duplicate_email_is_refused(engine: Engine, lead: Identity, ada: Item) -> None:
    with pytest.raises(Conflict) as refused:
        team.add_user(engine, lead, {"email": "ada@example.com", "name": "Ada 2"})
    assert refused.value.message == "A user with this email already exists"


def test_roles_change_and_the_team_keeps_a_lead(engine: Engine, lead: Identity, ada: Item) -> None:
    with pytest.raises(Conflict) as refused:
        team.set_role(engine, lead, "lee", {"role": "member"})
    assert refused.value.message == LAST_LEAD
    assert team.set_role(engine, lead, "ada", {"role": "lead"})["role"] == "lead"
    assert history(engine, "ada") == [("user.role-changed", "lee", "ada@example.com is now a lead")]
    # Now there are two leads: one may step down.
    assert team.set_role(engine, lead, "lee", {"role": "member"})["role"] == "member"
    with pytest.raises(Forbidden):  # no longer a lead
        team.set_role(
            engine, Identity("lee", users.get_user(engine, "lee")), "ada", {"role": "member"}
        )
    with pytest.raises(Invalid) as missing:
        team.set_role(engine, Identity("ada"), "lee", {})
    assert missing.value.message == "Missing required field: role"
    with pytest.raises(NotFound) as unknown:
        team.set_role(engine, Identity("ada"), "nobody", {"role": "lead"})
    assert unknown.value.message == "User not found"


def test_a_deactivated_user_is_signed_out_and_cannot_come_back(
    engine: Engine, lead: Identity, ada: Item
) -> None:
    token = login_token(engine, "ada@example.com", "pw-ada")
    done = team.deactivate(engine, lead, "ada")
    assert done.sessions_ended == 1
    assert done.user["deactivatedAt"] and done.user["deactivatedBy"] == "lee"
    assert sessions.session_user(engine, token) is None
    assert identity.portal_identity(engine, "ada") is None
    with pytest.raises(Unauthorized) as refused:
        login_token(engine, "ada@example.com", "pw-ada")
    assert refused.value.message == "Invalid email or password"
    again = team.deactivate(engine, lead, "ada")  # idempotent
    assert again.user.version == done.user.version and again.sessions_ended == 0
    assert [a for a, _, _ in history(engine, "ada")] == ["user.deactivated"]

    back = team.reactivate(engine, lead, "ada")
    assert "deactivatedAt" not in back and "deactivatedBy" not in back
    assert login_token(engine, "ada@example.com", "pw-ada")
    assert [a for a, _, _ in history(engine, "ada")] == ["user.deactivated", "user.reactivated"]


def test_a_lead_cannot_deactivate_themselves_nor_the_last_other_lead(
    engine: Engine, lead: Identity, ada: Item
) -> None:
    with pytest.raises(Invalid) as refused:
        team.deactivate(engine, lead, "lee")
    assert refused.value.message == "You cannot deactivate your own account; another lead can"
    team.set_role(engine, lead, "ada", {"role": "lead"})
    ada_lead = Identity("ada", users.get_user(engine, "ada"))
    team.deactivate(engine, ada_lead, "lee")
    # Ada is the only active lead left: she can neither step down nor be left without a lead.
    with pytest.raises(Conflict) as last:
        team.set_role(engine, ada_lead, "ada", {"role": "member"})
    assert last.value.message == LAST_LEAD
    # A deactivated lead counts for nothing: Lee cannot act.
    with pytest.raises(Forbidden):
        team.reactivate(engine, Identity("lee"), "lee")


def test_a_password_reset_signs_out_and_lifts_a_lock(
    engine: Engine, lead: Identity, ada: Item
) -> None:
    token = login_token(engine, "ada@example.com", "pw-ada")
    for _ in range(5):
        with pytest.raises(Unauthorized):
            login_token(engine, "ada@example.com", "wrong")
    reset = team.reset_password(engine, lead, "ada")
    assert reset.sessions_ended == 1
    assert sessions.session_user(engine, token) is None
    with pytest.raises(Unauthorized):
        login_token(engine, "ada@example.com", "pw-ada")
    assert login_token(engine, "ada@example.com", reset.temporary_password)
    assert history(engine, "ada") == [
        ("user.password-reset", "lee", "Password of ada@example.com reset")
    ]
    assert "passwordHash" not in str(audit.history(engine, "ada", PageRequest()).items)


def test_service_tokens_are_created_listed_with_last_use_and_revoked(
    engine: Engine, lead: Identity, clock: FakeClock
) -> None:
    issued = team.create_token(engine, lead, {"name": "podcast-assistant", "expiresInDays": 30})
    assert issued.token.startswith("dataops_svc_")
    (listed,) = team.list_tokens(engine, lead)
    assert listed["name"] == "podcast-assistant" and listed["createdBy"] == "lee"
    assert "lastUsedAt" not in listed and "tokenDigest" not in listed
    assert identity.bearer_identity(engine, issued.token) == Identity("service:podcast-assistant")
    first = team.list_tokens(engine, lead)[0]["lastUsedAt"]
    # Within the minute a use is not written again; after it, it is.
    assert identity.portal_identity(engine, "service:podcast-assistant") is not None
    assert team.list_tokens(engine, lead)[0]["lastUsedAt"] == first
    clock.advance(minutes=2)
    assert identity.portal_identity(engine, "service:podcast-assistant") is not None
    assert team.list_tokens(engine, lead)[0]["lastUsedAt"] > first

    team.revoke_token(engine, lead, "podcast-assistant")
    assert identity.bearer_identity(engine, issued.token) is None
    assert team.list_tokens(engine, lead) == []
    assert history(engine, "service:podcast-assistant") == [
        ("service-token.created", "lee", "Service token of service:podcast-assistant created"),
        ("service-token.revoked", "lee", "Service token of service:podcast-assistant revoked"),
    ]
    with pytest.raises(NotFound) as gone:
        team.revoke_token(engine, lead, "podcast-assistant")
    assert gone.value.message == "Service token not found"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "Missing required field: name"),
        ({"name": "Bad Name"}, service_tokens.messages.SERVICE_NAME_INVALID),
        (
            {"name": "bot", "expiresInDays": 0},
            "expiresInDays must be a whole number of days from 1 to 3650",
        ),
        (
            {"name": "bot", "expiresInDays": "30"},
            "expiresInDays must be a whole number of days from 1 to 3650",
        ),
        (
            {"name": "bot", "expiresInDays": True},
            "expiresInDays must be a whole number of days from 1 to 3650",
        ),
        (
            {"name": "bot", "expiresInDays": 1.5},
            "expiresInDays must be a whole number of days from 1 to 3650",
        ),
    ],
)
def test_bad_token_requests_change_nothing(
    engine: Engine, lead: Identity, body: dict[str, object], message: str
) -> None:
    with pytest.raises(Invalid) as refused:
        team.create_token(engine, lead, body)
    assert refused.value.message == message
    assert team.list_tokens(engine, lead) == []


def test_a_live_name_is_not_given_twice(engine: Engine, lead: Identity, clock: FakeClock) -> None:
    team.create_token(engine, lead, {"name": "bot", "expiresInDays": 1})
    with pytest.raises(Conflict) as taken:
        team.create_token(engine, lead, {"name": "bot"})
    assert taken.value.message == "A service token with this name already exists"
    clock.advance(days=2)
    assert team.create_token(engine, lead, {"name": "bot"}).record["name"] == "bot"
