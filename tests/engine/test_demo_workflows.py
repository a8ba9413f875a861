"""The demo workflows: valid templates with realistic proof, one bundle of each around today,
a weekly recurring task; loading twice changes nothing."""

from __future__ import annotations

from collections import Counter

from starlette.testclient import TestClient

from dataops.engine.context import Engine
from dataops.engine.demo_workflows import demo_id, load_demo_workflows


def snapshot(engine: Engine) -> dict[str, list[dict[str, object]]]:
    return {
        table: [dict(item) for item in engine.store.scan(table)]
        for table in ("templates", "bundles", "tasks", "recurring_configs", "notifications")
    }


def test_loads_the_three_workflows_and_a_weekly_task(engine: Engine, client: TestClient) -> None:
    load_demo_workflows(engine)
    templates = client.get("/api/templates").json()["templates"]
    assert [t["name"] for t in templates] == [
        "Community event",
        "Newsletter issue",
        "Podcast episode",
    ]
    bundles = {b["title"]: b for b in client.get("/api/bundles").json()["bundles"]}
    assert set(bundles) == {
        "Episode 12: Data contracts in practice",
        "Community newsletter #48",
        "Community meetup: shipping data products",
    }
    episode = bundles["Episode 12: Data contracts in practice"]
    assert episode["anchorDate"] == "2026-12-12"  # 14 days after the test clock's today
    assert [link["name"] for link in episode["bundleLinks"]] == [
        "Episode page",
        "Spotify",
        "YouTube",
        "Recording folder",
    ]
    tasks = client.get(f"/api/bundles/{episode['id']}/tasks").json()["tasks"]
    proof = {t["templateTaskRef"]: t.get("proofRequirement", {}).get("type") for t in tasks}
    assert proof["guest-prep-doc"] == "artifact"
    assert proof["studio-invoice"] == "file"
    assert proof["publish-episode"] == "url"
    assert proof["check-platforms"] == "external-status"
    weekly = client.get("/api/recurring").json()["recurringConfigs"]
    assert [c["cronExpression"] for c in weekly] == ["0 9 * * MON"]
    generated = [
        t
        for t in client.get("/api/tasks?status=todo").json()["tasks"]
        if t["source"] == "recurring"
    ]
    assert [t["date"] for t in generated] == [
        "2026-11-30",
        "2026-12-07",
        "2026-12-14",
        "2026-12-21",
    ]


def test_the_podcast_needs_an_approved_prep_doc(engine: Engine, client: TestClient) -> None:
    load_demo_workflows(engine)
    bundle_id = client.get("/api/bundles").json()["bundles"]
    episode = next(b for b in bundle_id if b["templateId"] == demo_id("Podcast episode"))
    tasks = client.get(f"/api/bundles/{episode['id']}/tasks").json()["tasks"]
    prep = next(t for t in tasks if t["templateTaskRef"] == "guest-prep-doc")
    refused = client.put(f"/api/tasks/{prep['id']}", json={"status": "done"})
    assert refused.json() == {
        "error": "Cannot mark task as done: required approved artifact proof 'Approved guest prep doc' is missing"
    }


def test_loading_again_changes_nothing(engine: Engine) -> None:
    load_demo_workflows(engine)
    before = snapshot(engine)
    load_demo_workflows(engine)
    assert snapshot(engine) == before
    counts = Counter(task.get("source") for task in before["tasks"])
    assert counts == {"template": 9 + 5 + 7, "recurring": 4}
