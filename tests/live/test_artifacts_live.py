"""Artifacts against a real server process: concurrent attaches that must lose no ref, and
reviewers racing with If-Match (the curl walk-through of scenario 1, examples/artifact-proof.sh,
runs in tests/live/test_examples.py)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.live import LiveServer, live_server

pytestmark = pytest.mark.live
LUMA = {"type": "event-page", "title": "Episode page", "storageUri": "https://lu.ma/ep"}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    with live_server(tmp_path) as running:
        yield running


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
