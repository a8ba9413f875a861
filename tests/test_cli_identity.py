"""`dataops users` and `dataops tokens`: accounts named by email or id, roles, password rules
outside test mode, revocation, and service tokens shown once and stored hashed. Every refusal
exits non-zero with one clear line and writes nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from dataops.bootstrap import open_store
from dataops.cli import app
from dataops.config import Settings
from dataops.engine import identity, service_tokens, team, users
from dataops.engine.context import Engine
from dataops.model import passwords
from tests.conftest import FakeClock, make_engine
from tests.support.identity import TEST_COST, login_token

runner = CliRunner()
NAME_RULE = "name must be 1-64 lower-case letters, digits or hyphens, starting and ending with a letter or digit"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A local installation (not test mode: the real password rules apply), hashing at a cost
    that keeps the tests fast."""
    monkeypatch.setattr(passwords, "CURRENT_COST", TEST_COST)
    values = {
        "DATAOPS_ENV": "local",
        "DATAOPS_STORE": f"sqlite:///{tmp_path / 'dataops.db'}",
        "DATAOPS_BLOBS": f"local-dev:///{tmp_path / 'blobs'}",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    open_store(Settings.from_env(values)).close()  # set up, as `dataops setup-local` would
    return values


@pytest.fixture
def engine(env: dict[str, str], clock: FakeClock) -> Iterator[Engine]:
    """The same store, as a running engine would see it."""
    eng = make_engine(Settings.from_env(env), clock)
    yield eng
    eng.store.close()


def dataops(*args: str) -> Result:
    return runner.invoke(app, list(args))


def ok(*args: str) -> str:
    result = dataops(*args)
    assert result.exit_code == 0, result.output
    return result.stdout


def refused(message: str, *args: str) -> None:
    result = dataops(*args)
    assert result.exit_code == 1, result.output
    # After the line that names the store the command opened.
    assert result.stderr.strip().splitlines()[-1] == f"dataops: {message}"


# --- users -----------------------------------------------------------------------------------


def test_users_have_roles(env: dict[str, str]) -> None:
    ok(
        "users",
        "add",
        "--email",
        "ada@example.com",
        "--name",
        "Ada",
        "--id",
        "ada",
        "--no-password",
    )
    added = ok(
        "users", "add", "--email", "grace@example.com", "--name", "Grace", "--id", "grace",
        "--role", "lead", "--no-password",
    )  # fmt: skip
    assert added.strip() == "grace  grace@example.com  Grace  lead"
    assert ok("users", "list").splitlines() == [
        "ada  ada@example.com  Ada  member",
        "grace  grace@example.com  Grace  lead",
    ]
    assert ok("users", "set-role", "ada@example.com", "lead").strip().endswith("Ada  lead")
    assert ok("users", "set-role", "grace", "member").strip().endswith("Grace  member")
    refused("User not found", "users", "set-role", "nobody@example.com", "lead")
    assert dataops("users", "set-role", "ada", "admin").exit_code == 2  # not a choice
    assert (
        dataops(
            "users", "add", "--email", "x@example.com", "--name", "X", "--role", "owner"
        ).exit_code
        == 2
    )


def test_passwords_need_ten_characters_outside_test_mode(engine: Engine) -> None:
    refused(
        "password must be at least 10 characters",
        "users", "add", "--email", "ada@example.com", "--name", "Ada", "--password", "short",
    )  # fmt: skip
    assert engine.store.count("users") == 0
    ok("users", "add", "--email", "ada@example.com", "--name", "Ada", "--password", "ten chars!")
    refused(
        "password must be at least 10 characters",
        "users",
        "set-password",
        "ada@example.com",
        "--password",
        "123456789",
    )
    refused(
        "password is too long (max 1024)",
        "users",
        "set-password",
        "ada@example.com",
        "--password",
        "x" * 1025,
    )
    login_token(engine, "ada@example.com", "ten chars!")


def test_reserved_ids_and_bad_users_are_refused(engine: Engine) -> None:
    for reserved in ("portal-admin", "system", "service:podcast-assistant"):
        refused(
            f"id {reserved} is reserved for an actor that is not a user",
            "users", "add", "--email", "x@example.com", "--name", "X", "--id", reserved,
            "--no-password",
        )  # fmt: skip
    refused(
        "email must be an email address",
        "users", "add", "--email", "nope", "--name", "X", "--no-password",
    )  # fmt: skip
    assert engine.store.count("users") == 0


def test_set_password_by_email_or_id_ends_every_session(engine: Engine) -> None:
    ok(
        "users",
        "add",
        "--email",
        "ada@example.com",
        "--name",
        "Ada",
        "--id",
        "ada",
        "--password",
        "first password",
    )
    tokens = [login_token(engine, "ada@example.com", "first password") for _ in range(2)]
    assert ok(
        "users", "set-password", "ada@example.com", "--password", "second password"
    ).strip() == ("Password updated; 2 session(s) ended.")
    assert all(identity.bearer_identity(engine, token) is None for token in tokens)
    assert ok("users", "set-password", "ada", "--password", "third password").strip() == (
        "Password updated; 0 session(s) ended."
    )
    login_token(engine, "ada@example.com", "third password")
    refused("User not found", "users", "set-password", "nobody", "--password", "whatever12")


def test_revoke_sessions(engine: Engine) -> None:
    ok(
        "users",
        "add",
        "--email",
        "ada@example.com",
        "--name",
        "Ada",
        "--id",
        "ada",
        "--password",
        "first password",
    )
    token = login_token(engine, "ada@example.com", "first password")
    assert ok("users", "revoke-sessions", "ada@example.com").strip() == (
        "1 session(s) of ada@example.com ended."
    )
    assert identity.bearer_identity(engine, token) is None
    assert ok("users", "revoke-sessions", "ada").strip() == "0 session(s) of ada@example.com ended."
    refused("User not found", "users", "revoke-sessions", "")
    assert dataops("users", "revoke-sessions").exit_code == 2


# --- service tokens ----------------------------------------------------------------------------


def test_a_token_is_printed_once_and_stored_hashed(engine: Engine) -> None:
    result = dataops("tokens", "create", "--name", "podcast-assistant", "--expires-in", "30")
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert token.startswith("dataops_svc_") and len(token) > 50
    assert re.search(r"service:podcast-assistant, expires \d{4}-\d\d-\d\dT", result.stderr)
    assert "shown only now" in result.stderr
    assert token not in repr(list(engine.store.scan("service_tokens")))
    found = identity.bearer_identity(engine, token)
    assert found is not None and found.actor == "service:podcast-assistant"

    listed = ok("tokens", "list").splitlines()
    assert len(listed) == 1
    assert listed[0].startswith("podcast-assistant  service:podcast-assistant  created ")
    assert " expires " in listed[0] and token not in listed[0]

    assert ok("tokens", "revoke", "--name", "podcast-assistant").strip() == (
        "Token of service:podcast-assistant revoked."
    )
    assert identity.bearer_identity(engine, token) is None
    assert ok("tokens", "list") == ""
    refused("Service token not found", "tokens", "revoke", "--name", "podcast-assistant")


def test_one_live_token_per_name(engine: Engine) -> None:
    ok("tokens", "create", "--name", "nightly")
    refused(
        "A service token with this name already exists", "tokens", "create", "--name", "nightly"
    )
    assert engine.store.count("service_tokens") == 1


def test_an_expired_name_can_be_given_out_again(engine: Engine, clock: FakeClock) -> None:
    clock.set(datetime(2020, 1, 1, tzinfo=UTC))
    old = service_tokens.create_token(engine, "nightly", expires_in_days=1)
    listed = ok("tokens", "list").strip()
    assert listed.endswith("EXPIRED 2020-01-02T00:00:00.001Z"), listed
    renewed = dataops("tokens", "create", "--name", "nightly").stdout.strip()
    assert identity.bearer_identity(engine, old.token) is None
    assert identity.bearer_identity(engine, renewed) is not None
    # (the check above was a use of the new token: the list says so after its expiry)
    assert "  never expires  last used " in ok("tokens", "list")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--name", "Podcast Assistant"],
            NAME_RULE,
        ),
        (
            ["--name", "-leading"],
            NAME_RULE,
        ),
        (
            ["--name", "x" * 65],
            NAME_RULE,
        ),
        (
            ["--name", "ok", "--expires-in", "0"],
            "expires-in must be a whole number of days from 1 to 3650",
        ),
        (
            ["--name", "ok", "--expires-in", "3651"],
            "expires-in must be a whole number of days from 1 to 3650",
        ),
    ],
)
def test_bad_tokens_are_refused(engine: Engine, args: list[str], message: str) -> None:
    refused(message, "tokens", "create", *args)
    assert engine.store.count("service_tokens") == 0


def test_token_commands_need_their_options(engine: Engine) -> None:
    assert dataops("tokens", "create").exit_code == 2
    assert dataops("tokens", "revoke").exit_code == 2
    assert dataops("tokens", "create", "--name", "x", "--expires-in", "soon").exit_code == 2
    refused(
        NAME_RULE,
        "tokens", "revoke", "--name", "../x",
    )  # fmt: skip


def test_lists_show_deactivated_accounts_and_a_tokens_last_use(
    engine: Engine, clock: FakeClock
) -> None:
    lead = users.add_user(engine, email="lee@example.com", name="Lee", user_id="lee", role="lead")
    users.add_user(engine, email="ada@example.com", name="Ada", user_id="ada")
    done = team.deactivate(engine, identity.Identity("lee", lead), "ada")
    assert ok("users", "list").splitlines()[-1] == (
        f"ada  ada@example.com  Ada  member  deactivated {done.user['deactivatedAt']}"
    )
    issued = service_tokens.create_token(engine, "nightly")
    assert not ok("tokens", "list").strip().endswith("Z")  # never used: no last use
    assert identity.bearer_identity(engine, issued.token) is not None
    used = service_tokens.list_tokens(engine)[0]["lastUsedAt"]
    assert ok("tokens", "list").strip().endswith(f"never expires  last used {used}")
