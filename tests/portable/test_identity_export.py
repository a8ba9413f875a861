"""Identity in exports: roles travel and come back, users imported without a role are members,
work done by services and the portal validates without warnings, and nothing secret (sessions,
service tokens, login counters, password hashes) is ever written."""

from __future__ import annotations

from pathlib import Path

import pytest

from dataops.engine import service_tokens, users
from dataops.engine.context import Engine
from dataops.model.errors import Unauthorized
from dataops.model.users import role_of
from dataops.portable.export import ExportOptions, write_export
from dataops.portable.restore import import_export
from dataops.portable.validate import validate_export
from tests.conftest import FakeClock, client_for, make_engine, make_settings
from tests.portable.builder import read_jsonl
from tests.support.artifacts import LUMA_PAGE
from tests.support.identity import login_token

T0 = "2026-11-28T09:00:00.000Z"


def test_roles_and_non_user_actors_round_trip_without_secrets(
    engine: Engine, tmp_path: Path
) -> None:
    users.add_user(
        engine, email="ada@example.com", name="Ada", user_id="ada", password="pw-ada-123"
    )
    users.add_user(engine, email="grace@example.com", name="Grace", user_id="grace", role="lead")
    engine.store.create(
        "users",
        {"id": "old", "name": "Old", "email": "old@example.com", "createdAt": T0},
    )
    token = login_token(engine, "ada@example.com", "pw-ada-123")
    with pytest.raises(Unauthorized):  # a failed login leaves counters behind
        login_token(engine, "nobody@example.com", "guess", client="203.0.113.9")
    assert engine.store.count("login_attempts") == 2
    issued = service_tokens.create_token(engine, "podcast-assistant")
    client = client_for(engine)
    for actor in ("service:podcast-assistant", "portal-admin"):
        created = client.post("/api/artifacts", json=LUMA_PAGE, headers={"x-user-id": actor})
        assert created.status_code == 201

    write_export(engine, tmp_path / "export", ExportOptions(generated_at=T0))

    report = validate_export(tmp_path / "export")
    assert (report.errors, report.warnings) == ([], [])
    exported = {user["user_id"]: user for user in read_jsonl(tmp_path / "export" / "users.jsonl")}
    assert {user_id: user.get("role") for user_id, user in exported.items()} == {
        "ada": "member",
        "grace": "lead",
        "old": None,
    }
    everything = b"".join(path.read_bytes() for path in (tmp_path / "export").iterdir())
    for secret in (token.encode(), issued.token.encode(), b"scrypt$", b"Digest", b"nobody@"):
        assert secret not in everything
    assert not any(
        "token" in path.name or "attempt" in path.name for path in (tmp_path / "export").iterdir()
    )

    restored = make_engine(
        make_settings(tmp_path, DATAOPS_STORE=f"sqlite:///{tmp_path / 'restored.db'}"),
        FakeClock(),
    )
    try:
        import_export(restored.store, tmp_path / "export")
        assert {user["id"]: role_of(user).value for user in restored.store.scan("users")} == {
            "ada": "member",
            "grace": "lead",
            "old": "member",
        }
        for table in ("sessions", "service_tokens", "login_attempts"):
            assert restored.store.count(table) == 0
    finally:
        restored.store.close()
