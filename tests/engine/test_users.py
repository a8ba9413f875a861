"""User accounts at the use-case level: roles (member by default, also for users stored or
imported without one) and accounts named by email or id."""

from __future__ import annotations

import pytest

from dataops.engine import users
from dataops.engine.context import Engine
from dataops.model.errors import Invalid, NotFound
from dataops.model.users import Role, public, role_of


def test_users_are_members_unless_made_leads(engine: Engine) -> None:
    ada = users.add_user(engine, email="ada@example.com", name="Ada", user_id="ada")
    assert ada["role"] == "member"
    grace = users.add_user(engine, email="grace@example.com", name="Grace", role=Role.LEAD)
    assert grace["role"] == "lead"
    assert users.set_role(engine, "ada@example.com", "lead")["role"] == "lead"
    assert users.set_role(engine, "ada", "lead").version == 2  # unchanged: not rewritten


def test_a_user_stored_without_a_role_is_a_member(engine: Engine) -> None:
    engine.store.create(
        "users",
        {
            "id": "old",
            "name": "Old",
            "email": "old@example.com",
            "createdAt": "2024-01-01T00:00:00.000Z",
        },
    )
    old = users.get_user(engine, "old")
    assert role_of(old) is Role.MEMBER
    assert public(old) == {
        "id": "old",
        "name": "Old",
        "email": "old@example.com",
        "role": "member",
        "createdAt": "2024-01-01T00:00:00.000Z",
    }
    assert users.set_role(engine, "old", "lead")["role"] == "lead"


@pytest.mark.parametrize("role", ["admin", "", "Lead", None, 1])
def test_unknown_roles_are_refused(engine: Engine, role: object) -> None:
    users.add_user(engine, email="ada@example.com", name="Ada", user_id="ada")
    with pytest.raises(Invalid, match=r"^role must be one of: member, lead$"):
        users.set_role(engine, "ada", role)  # type: ignore[arg-type]
    with pytest.raises(Invalid, match=r"^role must be one of: member, lead$"):
        users.add_user(engine, email="x@example.com", name="X", role=role)  # type: ignore[arg-type]
    assert engine.store.count("users") == 1
    assert users.get_user(engine, "ada")["role"] == "member"


def test_accounts_are_named_by_email_or_id(engine: Engine) -> None:
    users.add_user(engine, email="ada@example.com", name="Ada", user_id="ada")
    assert users.find_user(engine, "ada@example.com")["id"] == "ada"
    assert users.find_user(engine, " ada ")["id"] == "ada"
    for unknown in ("ADA@example.com", "nobody", "", "   "):
        with pytest.raises(NotFound, match=r"^User not found$"):
            users.find_user(engine, unknown)


@pytest.mark.parametrize(
    ("name", "email", "message"),
    [
        ("n" * 501, "ada@example.com", "name is too long (max 500)"),
        (
            "Ada AKIAIOSFODNN7EXAMPLE",
            "ada@example.com",
            "name must not contain signed URLs or tokens",
        ),
        (
            "Ada",
            "ada+ghp_" + "a1B2" * 9 + "@example.com",
            "email must not contain signed URLs or tokens",
        ),
    ],
)
def test_a_user_record_follows_its_declared_rules(
    engine: Engine, name: str, email: str, message: str
) -> None:
    """Accounts added from the command line export cleanly too: their names pass the limits
    and the secret detector like every other record's free text."""
    with pytest.raises(Invalid) as caught:
        users.add_user(engine, email=email, name=name)
    assert caught.value.message == message
    assert engine.store.count("users") == 0
