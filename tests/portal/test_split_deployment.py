"""The portal and the engine as two processes (`dataops engine` in portal mode, `dataops
portal` in front of it over HTTP with the shared secret), as a deployment that splits them runs
them: the same product through the portal, and an engine that answers nobody without the
secret."""

from __future__ import annotations

from pathlib import Path

import httpx
from typer.testing import CliRunner

from dataops.cli import app as cli
from dataops.config import Settings
from dataops.engine import users
from tests.conftest import make_engine
from tests.portal.conftest import ADA
from tests.support.live import live_portal_alone, live_server

SECRET = "a-shared-portal-secret-of-at-least-32-bytes"


def test_a_portal_in_front_of_an_engine_served_apart(tmp_path: Path) -> None:
    store = {
        "DATAOPS_ENV": "test",
        "DATAOPS_STORE": f"sqlite:///{tmp_path / 'dataops.db'}",
        "DATAOPS_BLOBS": f"local-dev:///{tmp_path / 'blobs'}",
    }
    engine = make_engine(Settings.from_env(store))
    users.add_user(engine, email=ADA["email"], name="Ada", user_id="ada", password=ADA["password"])
    engine.store.close()
    engine_env = {**store, "DATAOPS_AUTH_MODE": "portal", "WORK_ENGINE_PORTAL_SECRET": SECRET}
    with live_server(tmp_path, engine_env) as engine_server:
        portal_env = {
            "DATAOPS_ENGINE_URL": engine_server.url,
            "WORK_ENGINE_PORTAL_SECRET": SECRET,
            "DATAOPS_STORE": "sqlite:///nowhere/the-portal-opens-no-store.db",
        }
        with (
            live_portal_alone(tmp_path, portal_env) as portal,
            httpx.Client(base_url=portal.url, headers={"Origin": portal.url}, timeout=60) as ada,
        ):
            assert ada.post("/login", json=ADA).status_code == 200
            task = ada.post("/work/api/tasks", json={"description": "Split", "date": "2026-12-01"})
            assert task.status_code == 201, task.text
            assert task.json()["description"] == "Split"
            assert ada.get("/work").status_code == 200
            assert ada.get("/work/health").json() == {"status": "ok"}
            # Straight to the engine, without the secret, nothing answers.
            direct = httpx.get(f"{engine_server.url}/api/tasks?status=todo")
            spoofed = httpx.get(
                f"{engine_server.url}/api/tasks?status=todo",
                headers={"x-portal-auth": "true", "x-portal-secret": "guess", "x-user-id": "ada"},
            )
            assert direct.status_code == spoofed.status_code == 401


def test_dataops_portal_needs_the_engines_address_and_the_secret() -> None:
    runner = CliRunner()
    no_engine = runner.invoke(cli, ["portal"], env={"WORK_ENGINE_PORTAL_SECRET": SECRET})
    assert no_engine.exit_code == 2
    assert "dataops portal needs DATAOPS_ENGINE_URL" in no_engine.output
    short = runner.invoke(
        cli,
        ["portal"],
        env={"DATAOPS_ENGINE_URL": "http://127.0.0.1:9", "WORK_ENGINE_PORTAL_SECRET": "short"},
    )
    assert short.exit_code == 2
    assert "WORK_ENGINE_PORTAL_SECRET must be at least 32 bytes" in short.output
    wildcard = runner.invoke(cli, ["serve", "--host", "0.0.0.0"], env={"DATAOPS_PUBLIC_URL": ""})
    assert wildcard.exit_code == 2
    assert "needs DATAOPS_PUBLIC_URL" in wildcard.output
