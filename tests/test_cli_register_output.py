"""`dataops artifacts register-output` through Typer's runner against moto in server mode: an
assistant's local output becomes an artifact awaiting review, its binary in S3, and shows up in
the review queue; bad paths and bad fields record nothing and leave no object behind."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from dataops.cli import app
from dataops.config import Settings
from dataops.engine.context import Engine
from tests.conftest import FakeClock, client_for, make_engine
from tests.support.artifacts import make_bundle, make_task
from tests.support.moto_server import S3Emulator

PREP = b"# Guest prep: Grace Hopper\n\n1. COBOL\n2. the first bug\n"


@pytest.fixture
def env(tmp_path: Path, s3: S3Emulator) -> dict[str, str]:
    """The assistant's environment: the team's metadata store and S3 bucket."""
    return {
        **s3.env,
        "DATAOPS_ENV": "test",
        "DATAOPS_AUTH_MODE": "none",
        "DATAOPS_STORE": f"sqlite:///{tmp_path / 'dataops.db'}",
        "DATAOPS_BLOBS": f"s3://{s3.bucket}/dataops",
    }


@pytest.fixture
def engine(env: dict[str, str]) -> Engine:
    """The engine the operator's API runs, on the same store and bucket."""
    return make_engine(Settings.from_env(env), FakeClock())


@pytest.fixture
def documents(tmp_path: Path) -> Path:
    folder = tmp_path / "assistant" / "documents"
    folder.mkdir(parents=True)
    (folder / "guest-prep-hopper.md").write_bytes(PREP)
    return folder


def register_output(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(app, ["artifacts", "register-output", *args], env=env)


def test_an_output_becomes_an_artifact_in_the_review_queue(
    env: dict[str, str], engine: Engine, documents: Path, s3: S3Emulator
) -> None:
    client = client_for(engine)
    bundle = make_bundle(client, title="Episode 42")
    task = make_task(client, bundleId=bundle["id"], description="Prepare the guest")

    result = register_output(
        env,
        str(documents / "guest-prep-hopper.md"),
        "--type",
        "podcast-doc",
        "--title",
        "Guest prep: Grace Hopper",
        "--task",
        task["id"],
        "--bundle",
        bundle["id"],
        "--description",
        "Drafted from the guest's talks",
    )

    assert result.exit_code == 0, result.output
    queue = client.get("/api/artifacts", params={"status": "needs-review"}).json()["artifacts"]
    assert len(queue) == 1
    artifact = queue[0]
    key = s3.keys()[0]
    assert artifact == {
        "id": artifact["id"],
        "type": "podcast-doc",
        "title": "Guest prep: Grace Hopper",
        "description": "Drafted from the guest's talks",
        "status": "needs-review",
        "storageProvider": "s3",
        "storageUri": f"s3://{s3.bucket}/{key}",
        "filename": "guest-prep-hopper.md",
        "contentType": "text/markdown",
        "checksum": "sha256:" + hashlib.sha256(PREP).hexdigest(),
        "sizeBytes": len(PREP),
        "dataClass": "internal",
        "visibility": "internal",
        "sourceType": "assistant-output",
        "taskId": task["id"],
        "bundleId": bundle["id"],
        "createdBy": "service:assistant",
        "createdAt": artifact["createdAt"],
        "updatedAt": artifact["updatedAt"],
    }
    assert key.startswith("dataops/outputs/")
    assert s3.body(key) == PREP
    assert result.stdout.split() == [
        artifact["id"],
        "needs-review",
        artifact["storageUri"],
        artifact["checksum"],
    ]
    # A draft is not proof: the operator approves it, and it leaves the queue.
    approved = client.post(f"/api/artifacts/{artifact['id']}/approve", headers={"x-user-id": "ada"})
    assert approved.status_code == 200
    assert approved.json()["artifact"]["reviewedBy"] == "ada"
    assert client.get("/api/artifacts", params={"status": "needs-review"}).json() == {
        "artifacts": []
    }


def test_the_actor_is_recorded_as_its_creator(
    env: dict[str, str], engine: Engine, documents: Path
) -> None:
    result = register_output(
        env,
        str(documents / "guest-prep-hopper.md"),
        "--type",
        "assistant-output",
        "--title",
        "Prep",
        "--actor",
        "podcast-assistant",
    )
    assert result.exit_code == 0, result.output
    (artifact,) = engine.store.scan("artifacts")
    assert artifact["createdBy"] == "podcast-assistant"
    events = engine.store.query("audit_events", "GSI-Entity", artifact["id"]).items
    assert [(event["action"], event["actorId"]) for event in events] == [
        ("artifact.registered", "podcast-assistant")
    ]


def nothing_recorded(engine: Engine, s3: S3Emulator) -> None:
    assert engine.store.count("artifacts") == 0
    assert engine.store.count("audit_events") == 0
    assert s3.keys() == []
    assert s3.multipart_uploads() == []


def test_a_path_that_does_not_exist(
    env: dict[str, str], engine: Engine, documents: Path, s3: S3Emulator
) -> None:
    missing = documents / "guest-prep-lovelace.md"
    result = register_output(env, str(missing), "--type", "podcast-doc", "--title", "Prep")
    assert result.exit_code == 1
    assert f"dataops: Output not found: {missing}" in result.output
    nothing_recorded(engine, s3)


def test_a_directory(env: dict[str, str], engine: Engine, documents: Path, s3: S3Emulator) -> None:
    result = register_output(env, str(documents), "--type", "podcast-doc", "--title", "Prep")
    assert result.exit_code == 1
    assert f"dataops: Output is a directory, not a file: {documents}" in result.output
    nothing_recorded(engine, s3)


def test_something_that_is_not_a_regular_file(
    env: dict[str, str], engine: Engine, documents: Path, s3: S3Emulator
) -> None:
    pipe = documents / "live.pipe"
    os.mkfifo(pipe)
    result = register_output(env, str(pipe), "--type", "podcast-doc", "--title", "Prep")
    assert result.exit_code == 1
    assert f"dataops: Output is not a regular file: {pipe}" in result.output
    nothing_recorded(engine, s3)


@pytest.mark.parametrize(
    "case",
    [
        (["--type", "memo", "--title", "Prep"], "type must be one of: podcast-doc"),
        (["--type", "podcast-doc", "--title", "  "], "Missing required field: title"),
        (["--type", "podcast-doc", "--title", "Prep", "--task", "nope"], "Task not found"),
        (["--type", "podcast-doc", "--title", "Prep", "--bundle", "nope"], "Bundle not found"),
    ],
)
def test_bad_fields_store_no_binary(
    env: dict[str, str],
    engine: Engine,
    documents: Path,
    s3: S3Emulator,
    case: tuple[list[str], str],
) -> None:
    options, message = case
    result = register_output(env, str(documents / "guest-prep-hopper.md"), *options)
    assert result.exit_code == 1
    assert f"dataops: {message}" in result.output
    nothing_recorded(engine, s3)


def test_a_missing_required_option_is_a_usage_error(
    env: dict[str, str], engine: Engine, documents: Path, s3: S3Emulator
) -> None:
    result = register_output(env, str(documents / "guest-prep-hopper.md"), "--title", "Prep")
    assert result.exit_code == 2
    nothing_recorded(engine, s3)


def test_a_configuration_error_is_one_line(documents: Path) -> None:
    result = register_output(
        {"DATAOPS_BLOBS": "ftp://nowhere"},
        str(documents / "guest-prep-hopper.md"),
        "--type",
        "podcast-doc",
        "--title",
        "Prep",
    )
    assert result.exit_code == 2
    assert "dataops: configuration error: DATAOPS_BLOBS='ftp://nowhere'" in result.output
