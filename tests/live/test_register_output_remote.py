"""`dataops artifacts register-output --remote` against a live engine process (session mode,
S3 on moto): an assistant on another machine registers its output through the HTTP API as
`service:<name>`, with nothing but the URL and its token; it cannot approve what it registered,
and every refusal says clearly what went wrong."""

from __future__ import annotations

import hashlib
import http.server
import io
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner, Result

from dataops import remote
from dataops.cli import app
from dataops.config import Settings
from dataops.engine import bundles, tasks, users
from dataops.engine.context import Engine
from dataops.model.errors import DataOpsError
from tests.conftest import make_engine
from tests.support.live import LiveServer, free_port, live_server
from tests.support.moto_server import S3Emulator

PREP = b"# Guest prep: Grace Hopper\n\n1. COBOL\n2. the first bug\n"
runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, s3: S3Emulator) -> dict[str, str]:
    """Where the engine runs: its store and bucket, session mode."""
    return {
        **s3.env,
        "DATAOPS_ENV": "test",
        "DATAOPS_AUTH_MODE": "session",
        "DATAOPS_STORE": f"sqlite:///{tmp_path / 'dataops.db'}",
        "DATAOPS_BLOBS": f"s3://{s3.bucket}/dataops",
    }


@pytest.fixture
def engine(env: dict[str, str]) -> Iterator[Engine]:
    eng = make_engine(Settings.from_env(env))
    users.add_user(eng, email="op@example.com", name="Op", user_id="op", password="pw-operator")
    yield eng
    eng.store.close()


@pytest.fixture
def server(tmp_path: Path, env: dict[str, str], engine: Engine) -> Iterator[LiveServer]:
    with live_server(tmp_path, env) as running:
        yield running


@pytest.fixture
def token(env: dict[str, str], engine: Engine) -> str:
    created = runner.invoke(app, ["tokens", "create", "--name", "podcast-assistant"], env=env)
    assert created.exit_code == 0, created.output
    return created.stdout.strip()


@pytest.fixture
def output(tmp_path: Path) -> Path:
    path = tmp_path / "assistant" / "documents" / "guest-prep-hopper.md"
    path.parent.mkdir(parents=True)
    path.write_bytes(PREP)
    return path


def register(path: Path, *options: str, token: str | None) -> Result:
    """On the assistant's machine: no store, no bucket, only the token (a broken local store
    setting proves none is opened)."""
    env = {"DATAOPS_SERVICE_TOKEN": token or "", "DATAOPS_STORE": "postgres://not-here"}
    args = ["artifacts", "register-output", str(path), "--type", "podcast-doc", *options]
    return runner.invoke(app, args, env=env)


def test_an_output_is_registered_and_uploaded_as_the_service(
    server: LiveServer, engine: Engine, token: str, output: Path, s3: S3Emulator
) -> None:
    bundle, _ = bundles.create_bundle(engine, {"title": "Episode 42", "anchorDate": "2026-12-10"})
    task = tasks.create_task(
        engine,
        {"description": "Prepare the guest", "date": "2026-12-09", "bundleId": bundle["id"]},
        "op",
    )

    result = register(
        output,
        "--title", "Guest prep: Grace Hopper",
        "--task", task["id"],
        "--bundle", bundle["id"],
        "--assistant-job", "run-2026-12-01-7",
        "--remote", server.url,
        token=token,
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    (artifact,) = engine.store.scan("artifacts")
    assert result.stdout.split() == [
        artifact["id"],
        "needs-review",
        artifact["storageUri"],
        "sha256:" + hashlib.sha256(PREP).hexdigest(),
    ]
    assert {name: artifact[name] for name in (
        "title", "status", "sourceType", "createdBy", "assistantJobId", "taskId", "bundleId",
        "filename", "contentType", "sizeBytes",
    )} == {
        "title": "Guest prep: Grace Hopper",
        "status": "needs-review",
        "sourceType": "assistant-output",
        "createdBy": "service:podcast-assistant",
        "assistantJobId": "run-2026-12-01-7",
        "taskId": task["id"],
        "bundleId": bundle["id"],
        "filename": "guest-prep-hopper.md",
        "contentType": "text/markdown",
        "sizeBytes": len(PREP),
    }  # fmt: skip
    key = artifact["storageUri"].removeprefix(f"s3://{s3.bucket}/")
    assert s3.body(key) == PREP

    # The service cannot approve its own output; the operator can.
    as_service = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=server.url, timeout=60) as api:  # full-cost scrypt, busy CPU
        refused = api.post(f"/api/artifacts/{artifact['id']}/approve", headers=as_service)
        assert refused.status_code == 403
        assert refused.json() == {
            "error": "Service actors cannot approve or reject artifacts; a person reviews them"
        }
        login = api.post(
            "/api/auth/login", json={"email": "op@example.com", "password": "pw-operator"}
        )
        as_operator = {"Authorization": f"Bearer {login.json()['token']}"}
        approved = api.post(f"/api/artifacts/{artifact['id']}/approve", headers=as_operator)
    assert approved.json()["artifact"]["reviewedBy"] == "op"


def refused(result: Result, message: str) -> None:
    assert result.exit_code == 1, result.output
    assert result.stderr.strip() == f"dataops: {message}"


def test_refusals_of_the_engine_are_shown_and_nothing_is_registered(
    server: LiveServer, engine: Engine, token: str, output: Path
) -> None:
    refused(
        register(output, "--title", "Prep", "--task", "nope", "--remote", server.url, token=token),
        f"The engine at {server.url} answered 404: Task not found",
    )
    refused(
        register(output, "--title", "Prep", "--remote", server.url, token="dataops_svc_forged"),
        f"The engine at {server.url} answered 401: Unauthorized",
    )
    refused(
        register(output, "--title", " ", "--remote", server.url + "/", token=token),
        f"The engine at {server.url} answered 400: Missing required field: title",
    )
    assert engine.store.count("artifacts") == 0


def test_usage_errors_are_refused_before_anything_is_sent(output: Path, tmp_path: Path) -> None:
    refused(
        register(output, "--title", "Prep", "--remote", "http://127.0.0.1:9", token=None),
        "DATAOPS_SERVICE_TOKEN is not set: create a token with `dataops tokens create --name <name>` where the engine runs, and export it here",
    )
    for url in ("ftp://engine.example", "engine.example", "http://"):
        refused(
            register(output, "--title", "Prep", "--remote", url, token="dataops_svc_x"),
            f"--remote must be an http(s) URL: {url}",
        )
    refused(
        register(
            output, "--title", "Prep", "--actor", "me", "--remote", "http://127.0.0.1:9", token="t"
        ),
        "--actor cannot be used with --remote: the service token says who acts",
    )
    refused(
        register(
            tmp_path / "missing.md", "--title", "Prep", "--remote", "http://127.0.0.1:9", token="t"
        ),
        f"Output not found: {tmp_path / 'missing.md'}",
    )


def test_an_engine_that_is_not_there(output: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = register(output, "--title", "Prep", "--remote", url, token="dataops_svc_x")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"dataops: The engine at {url} cannot be reached: ")


def test_an_engine_without_s3_says_so(tmp_path: Path, output: Path) -> None:
    env = {"DATAOPS_AUTH_MODE": "session"}
    with live_server(tmp_path, env) as local:
        created = runner.invoke(
            app, ["tokens", "create", "--name", "assistant"], env={**local.env, **env}
        )
        result = register(
            output, "--title", "Prep", "--remote", local.url, token=created.stdout.strip()
        )
    refused(
        result,
        f"The engine at {local.url} answered 409: Direct uploads need S3 blob storage; this "
        "engine stores binaries on local disk (configure DATAOPS_BLOBS=s3://<bucket>[/<prefix>])",
    )


class _Refusing(http.server.BaseHTTPRequestHandler):
    def do_PUT(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(403)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_a_refused_or_failed_binary_upload() -> None:
    store = http.server.HTTPServer(("127.0.0.1", 0), _Refusing)
    threading.Thread(target=store.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{store.server_address[1]}/bucket/key"
        with pytest.raises(DataOpsError) as refusal:
            remote._put_binary(url, {}, io.BytesIO(PREP), len(PREP))
        assert refusal.value.message == (
            "The upload of the binary was refused (403); nothing was registered"
        )
    finally:
        store.shutdown()
        store.server_close()
    with pytest.raises(DataOpsError) as failure:
        remote._put_binary(f"http://127.0.0.1:{free_port()}/x", {}, io.BytesIO(PREP), len(PREP))
    assert failure.value.message.startswith("The upload of the binary was refused (")
