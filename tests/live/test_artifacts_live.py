"""Artifacts against a real server process: the curl walk-through of scenario 1
(examples/artifact-proof.sh), concurrent attaches that must lose no ref, and reviewers racing
with If-Match."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from dataops.engine import users
from tests.conftest import make_engine, make_settings
from tests.support.identity import login_token
from tests.support.live import LiveServer, live_server

pytestmark = pytest.mark.live
SCRIPT = Path(__file__).resolve().parents[2] / "examples" / "artifact-proof.sh"
LUMA = {"type": "event-page", "title": "Episode page", "storageUri": "https://lu.ma/ep"}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    with live_server(tmp_path) as running:
        yield running


def run_script(url: str, token: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "DATAOPS_TOKEN"}
    if token:
        env["DATAOPS_TOKEN"] = token
    return subprocess.run(
        ["bash", str(SCRIPT), url],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


@pytest.mark.skipif(shutil.which("curl") is None, reason="the example needs curl")
def test_example_script_walks_scenario_1(server: LiveServer) -> None:
    result = run_script(server.url)
    assert result.returncode == 0, result.stderr
    assert "scenario 1 passed" in result.stdout
    assert (
        "Cannot mark task as done: required approved artifact proof 'published page' is missing"
        in result.stderr
    )


@pytest.mark.skipif(shutil.which("curl") is None, reason="the example needs curl")
def test_example_script_works_with_a_bearer_token(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path, DATAOPS_AUTH_MODE="session", DATAOPS_STORE=f"sqlite:///{tmp_path / 'dataops.db'}"
    )
    engine = make_engine(settings)
    users.add_user(engine, email="op@example.com", name="Operator", password="pw-123456789")
    token = login_token(engine, "op@example.com", "pw-123456789")
    engine.store.close()
    with live_server(tmp_path, {"DATAOPS_AUTH_MODE": "session"}) as running:
        assert httpx.get(f"{running.url}/api/artifacts").status_code == 401
        result = run_script(running.url, token)
    assert result.returncode == 0, result.stderr
    assert "scenario 1 passed" in result.stdout


def test_the_script_fails_loudly_when_the_server_disagrees(server: LiveServer) -> None:
    result = run_script(server.url + "/nothing-here")
    assert result.returncode != 0
    assert "expected 201" in result.stderr


def _post(url: str, body: dict[str, Any]) -> dict[str, Any]:
    response = httpx.post(url, json=body, timeout=30)
    assert response.status_code == 201, response.text
    payload: dict[str, Any] = response.json()
    return payload


def test_50_concurrent_attaches_lose_no_ref(server: LiveServer) -> None:
    url = server.url
    bundle = _post(f"{url}/api/bundles", {"title": "Episode", "anchorDate": "2026-12-10"})["bundle"]
    task = _post(
        f"{url}/api/tasks",
        {"description": "Collect outputs", "date": "2026-12-10", "bundleId": bundle["id"]},
    )
    artifact_ids = [
        _post(f"{url}/api/artifacts", {**LUMA, "title": f"Output {n}"})["artifact"]["id"]
        for n in range(50)
    ]
    start = threading.Barrier(50)
    statuses: list[int] = []
    lock = threading.Lock()

    def attach(artifact_id: str) -> None:
        with httpx.Client(timeout=60) as client:
            start.wait()
            response = client.post(
                f"{url}/api/artifacts/{artifact_id}/attach",
                json={"taskId": task["id"], "bundleId": bundle["id"]},
            )
        with lock:
            statuses.append(response.status_code)

    threads = [threading.Thread(target=attach, args=(aid,)) for aid in artifact_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert statuses == [200] * 50
    task_refs = httpx.get(f"{url}/api/tasks/{task['id']}").json()["artifactRefs"]
    bundle_refs = httpx.get(f"{url}/api/bundles/{bundle['id']}").json()["bundle"]["artifactRefs"]
    assert sorted(ref["artifactId"] for ref in task_refs) == sorted(artifact_ids)
    assert sorted(ref["artifactId"] for ref in bundle_refs) == sorted(artifact_ids)
    listed = httpx.get(f"{url}/api/artifacts?taskId={task['id']}&bundleId={bundle['id']}").json()
    assert len(listed["artifacts"]) == 50


def test_two_reviewers_racing_with_if_match_get_one_200_and_one_412(server: LiveServer) -> None:
    url = server.url
    artifact = _post(f"{url}/api/artifacts", {**LUMA, "status": "needs-review"})["artifact"]
    etag = httpx.get(f"{url}/api/artifacts/{artifact['id']}").headers["etag"]
    start = threading.Barrier(2)
    results: dict[str, httpx.Response] = {}

    def review(reviewer: str, verdict: str) -> None:
        with httpx.Client(timeout=30) as client:
            start.wait()
            results[reviewer] = client.post(
                f"{url}/api/artifacts/{artifact['id']}/{verdict}",
                headers={"if-match": etag, "x-user-id": reviewer},
                json={"note": f"{reviewer} says {verdict}"},
            )

    threads = [
        threading.Thread(target=review, args=("ada", "approve")),
        threading.Thread(target=review, args=("grace", "reject")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(response.status_code for response in results.values()) == [200, 412]
    winner = next(name for name, response in results.items() if response.status_code == 200)
    loser = next(name for name, response in results.items() if response.status_code == 412)
    assert results[loser].json() == {
        "error": "Precondition failed: the record was changed by someone else"
    }
    stored = httpx.get(f"{url}/api/artifacts/{artifact['id']}").json()["artifact"]
    assert stored["reviewedBy"] == winner
    assert stored["reviewNote"].startswith(winner)
    events = httpx.get(f"{url}/api/audit-events?entityId={artifact['id']}").json()["auditEvents"]
    assert [event["action"] for event in events] == [
        "artifact.registered",
        "artifact.status-changed",
    ]
