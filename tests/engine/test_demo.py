"""The demo episode: loaded through the engine, idempotent, and showing every proof state."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from dataops.cli import app
from dataops.engine import demo, users
from dataops.engine.context import Engine
from dataops.model.actors import ReviewPolicy
from tests.support.moto_server import S3Emulator

STORES = ("bundles", "tasks", "artifacts", "audit_events")


def snapshot(engine: Engine) -> dict[str, list[tuple[str, int]]]:
    return {
        table: [(item["id"], item.version) for item in engine.store.scan(table)] for table in STORES
    }


def test_demo_loads_a_podcast_episode(engine: Engine, client: TestClient) -> None:
    demo.load_demo(engine)
    bundle = client.get(f"/api/bundles/{demo.BUNDLE_ID}").json()["bundle"]
    assert bundle["title"] == "Episode 42: Dr. Lin on community data"
    tasks = client.get(f"/api/bundles/{demo.BUNDLE_ID}/tasks").json()["tasks"]
    kinds = {task.get("proofRequirement", {}).get("type") for task in tasks} | {
        "file" for task in tasks if task.get("requiresFile")
    }
    assert kinds == {"artifact", "url", "comment", "file", None}
    [waiting] = [task for task in tasks if task["status"] == "waiting"]
    assert (waiting["waitingFor"], waiting["followUpAt"]) == ("Dr. Lin", "2026-11-27T09:00:00.000Z")
    assert {task["id"] for task in tasks} == set(demo.TASK_IDS.values())

    found = {
        artifact["id"]: artifact for artifact in client.get("/api/artifacts").json()["artifacts"]
    }
    prep = found[demo.ARTIFACT_IDS["prep-doc"]]
    transcript = found[demo.ARTIFACT_IDS["transcript"]]
    recording = found[demo.ARTIFACT_IDS["recording"]]
    assert (prep["status"], prep["sourceType"], prep["storageProvider"]) == (
        "needs-review",
        "assistant-output",
        "google-drive",
    )
    assert (transcript["status"], transcript["storageProvider"]) == ("draft", "dropbox")
    assert (recording["status"], recording["storageProvider"]) == ("approved", "local-dev")
    assert recording["storageUri"] == "local-dev://demo/episode-42/raw.wav"
    assert recording["checksum"] == demo.RECORDING_CHECKSUM
    assert recording["sizeBytes"] == len(demo.RECORDING)
    # Registered by the demo, approved by its second person: nobody approves their own work.
    reviewer = users.find_by_email(engine, demo.REVIEWER_EMAIL)
    assert reviewer is not None and reviewer["role"] == "member"
    assert (recording["createdBy"], recording["reviewedBy"]) == ("system", reviewer["id"])


def test_the_demo_loads_under_the_separate_review_policy(engine: Engine) -> None:
    engine.policy = dataclasses.replace(engine.policy, review_policy=ReviewPolicy.SEPARATE)
    demo.load_demo(engine)
    recording = engine.store.get("artifacts", demo.ARTIFACT_IDS["recording"])
    assert recording is not None and recording["status"] == "approved"


def test_the_demo_recording_is_an_object_of_the_blob_store(
    engine: Engine, client: TestClient
) -> None:
    """An artifact that points into the blob store names an object that is there: the demo
    stores the recording first, so its download serves the very bytes it registered."""
    demo.load_demo(engine)
    response = client.get(f"/api/artifacts/{demo.ARTIFACT_IDS['recording']}/download")
    assert response.status_code == 200
    assert response.headers["content-type"] == "audio/wav"
    assert response.content == demo.RECORDING
    assert demo.RECORDING[:4] == b"RIFF"


def test_the_demo_stores_its_recording_in_s3_when_blobs_are_there(
    s3_engine: Engine, s3: S3Emulator
) -> None:
    demo.load_demo(s3_engine)
    recording = s3_engine.store.get("artifacts", demo.ARTIFACT_IDS["recording"])
    assert recording is not None
    assert recording["storageUri"] == f"s3://{s3.bucket}/dataops/demo/episode-42/raw.wav"
    assert (
        s3.client.get_object(Bucket=s3.bucket, Key="dataops/demo/episode-42/raw.wav")["Body"].read()
        == demo.RECORDING
    )


def test_demo_shows_every_proof_state(engine: Engine, client: TestClient) -> None:
    demo.load_demo(engine)

    def proof(name: str) -> dict[str, object]:
        response = client.get(f"/api/tasks/{demo.TASK_IDS[name]}/proof")
        result: dict[str, object] = response.json()["proof"]
        return result

    assert proof("recording")["complete"] is True
    prep = proof("prep-doc")
    assert prep["complete"] is False
    assert "1 needs-review" in prep["requirements"][0]["reason"]  # type: ignore[index]
    for name in ("episode-page", "summary", "invoice"):
        assert proof(name)["complete"] is False
    done = client.put(f"/api/tasks/{demo.TASK_IDS['recording']}", json={"status": "done"})
    assert done.status_code == 200
    refused = client.put(f"/api/tasks/{demo.TASK_IDS['prep-doc']}", json={"status": "done"})
    assert refused.json() == {
        "error": "Cannot mark task as done: required approved artifact proof "
        "'guest prep document' is missing"
    }


def test_loading_twice_changes_nothing(engine: Engine) -> None:
    demo.load_demo(engine)
    before = snapshot(engine)
    assert demo.demo_loaded(engine)
    demo.load_demo(engine)
    assert snapshot(engine) == before


def test_an_interrupted_load_completes_on_the_next_run(engine: Engine) -> None:
    demo.load_demo(engine)
    complete = {table: engine.store.count(table) for table in ("bundles", "tasks", "artifacts")}
    recording = demo.ARTIFACT_IDS["recording"]
    engine.store.delete("artifacts", recording)
    assert not demo.demo_loaded(engine)
    demo.load_demo(engine)
    assert {table: engine.store.count(table) for table in complete} == complete
    assert engine.store.get("artifacts", recording)["status"] == "approved"  # type: ignore[index]


def test_demo_ids_are_fixed_uuid4_strings() -> None:
    assert demo.demo_id("x") == demo.demo_id("x")
    assert demo.BUNDLE_ID[14] == "4"
    assert demo.BUNDLE_ID.islower()


@pytest.fixture
def local_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATAOPS_ENV", "local")
    monkeypatch.setenv("DATAOPS_STORE", f"sqlite:///{tmp_path / 'dataops.db'}")
    monkeypatch.setenv("DATAOPS_BLOBS", f"local-dev:///{tmp_path / 'blobs'}")
    monkeypatch.delenv("DATAOPS_AUTH_MODE", raising=False)
    return tmp_path


def test_cli_demo_command_is_idempotent(local_env: Path) -> None:
    runner = CliRunner()
    first = runner.invoke(app, ["demo"])
    assert first.exit_code == 0, first.output
    assert "Demo data loaded" in first.output
    second = runner.invoke(app, ["demo"])
    assert second.exit_code == 0
    assert "Demo data is already loaded." in second.output


def test_setup_local_loads_the_demo_on_first_run(local_env: Path) -> None:
    runner = CliRunner()
    first = runner.invoke(app, ["setup-local"])
    assert first.exit_code == 0, first.output
    assert "Demo data loaded" in first.output
    assert "Login: operator@example.com" in first.output
    assert "notifications from a first cron run" in first.output
    second = runner.invoke(app, ["setup-local"])
    assert "Demo data loaded" not in second.output
    # The printed login works, meets the password rules, and the operator leads the team.
    credentials = first.output.split("Login: ")[1].splitlines()[0]
    email, password = credentials.split(" / ")
    assert len(password) >= 10
    listed = [
        line
        for line in runner.invoke(app, ["users", "list"]).output.splitlines()
        if "@example.com" in line
    ]
    assert listed[0].endswith(f"{email}  Operator  lead")
    # ... and a second person reviews: their login is printed and kept too.
    assert listed[1].endswith("reviewer@example.com  Reviewer  member")
    reviewer = first.output.split("Reviewer login: ")[1].splitlines()[0]
    assert reviewer.startswith("reviewer@example.com / ")
    assert f"Reviewer login: {reviewer}" in second.output
    assert (local_env / "reviewer-login.txt").read_text() == reviewer.replace(" / ", " ") + "\n"


def test_cli_demo_is_refused_in_production(
    local_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATAOPS_ENV", "production")
    result = CliRunner().invoke(app, ["demo"])
    assert result.exit_code == 2
    assert "demo data is for local installations only" in result.output


def test_the_demo_includes_the_workflows(engine: Engine) -> None:
    demo.load_demo(engine)
    names = sorted(template["name"] for template in engine.store.scan("templates"))
    assert names == ["Community event", "Newsletter issue", "Podcast episode"]
    assert engine.store.count("recurring_configs") == 1
    template_ids = {template["id"] for template in engine.store.scan("templates")}
    instantiated = {bundle.get("templateId") for bundle in engine.store.scan("bundles")}
    assert template_ids <= instantiated
