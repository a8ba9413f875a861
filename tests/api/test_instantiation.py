"""Instantiation (7.3, 10.3): a bundle from a template gets its tasks with every inherited
field, all or nothing; completing a template task moves the bundle's stage (4.4 step 11) with a
`stage-change` notification, never creating a stub bundle."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from starlette.testclient import TestClient

from dataops.engine import bundles
from dataops.engine.context import Engine
from dataops.model.errors import NotFound
from dataops.store.base import Write
from dataops.store.sqlite import SQLiteStore

PODCAST = {
    "name": "Podcast episode",
    "type": "podcast",
    "emoji": "🎙",
    "tags": ["podcast", "season-3"],
    "defaultAssigneeId": "user-grace",
    "references": [{"name": "Episode SOP", "url": "https://docs.example.org/sop/podcast"}],
    "bundleLinkDefinitions": [{"name": "Episode page"}, {"name": "Spotify"}],
    "taskDefinitions": [
        {
            "refId": "guest-prep",
            "description": "Review the guest prep document",
            "offsetDays": -7,
            "phase": "preparation",
            "instructionsUrl": "https://docs.example.org/sop/podcast#prep",
            "instructionDocId": "sop-podcast",
            "instructionStepId": "step-2",
            "systems": ["google-drive"],
            "validation": {"checklist": ["questions", "bio"]},
            "proofRequirement": {"type": "artifact", "label": "Guest prep doc"},
            "artifactRefs": [{"artifactId": "a-template-ref"}],
            "isMilestone": True,
            "extra": "kept in the template only",
        },
        {
            "refId": "invoice",
            "description": "Upload the studio invoice",
            "offsetDays": 2.9,
            "requiresFile": False,
            "assigneeId": "user-ada",
            "systems": [],
            "comment": "never copied",
        },
        {
            "refId": "publish",
            "description": "Publish the episode page",
            "offsetDays": -1.7,
            "requiredLinkName": "Episode page",
            "stageOnComplete": "announced",
        },
    ],
}


GUEST_PREP_GUIDE = {
    "type": "podcast-doc",
    "title": "Guest prep guide",
    "storageUri": "https://docs.google.com/document/d/guide/edit",
}


def make_template(client: TestClient, **changes: Any) -> dict[str, Any]:
    """The podcast template; its first definition names a real artifact (refs naming none are
    refused), whose snapshot each instantiated task carries."""
    guide = client.post("/api/artifacts", json=GUEST_PREP_GUIDE).json()["artifact"]
    definitions = [dict(each) for each in PODCAST["taskDefinitions"]]  # type: ignore[attr-defined]
    definitions[0]["artifactRefs"] = [{"artifactId": guide["id"], "title": "stale title"}]
    body = {**PODCAST, "taskDefinitions": definitions, **changes}
    response = client.post("/api/templates", json=body)
    assert response.status_code == 201, response.text
    template: dict[str, Any] = response.json()["template"]
    return template


def instantiate(client: TestClient, template_id: str, **fields: Any) -> dict[str, Any]:
    body = {"title": "Episode 42", "anchorDate": "2026-12-10", "templateId": template_id, **fields}
    response = client.post("/api/bundles", json=body)
    assert response.status_code == 201, response.text
    made: dict[str, Any] = response.json()
    return made


def stored_counts(engine: Engine) -> tuple[int, int, int]:
    store = engine.store
    return store.count("bundles"), store.count("tasks"), store.count("notifications")


def test_bundle_inherits_from_the_template(client: TestClient) -> None:
    template = make_template(client)
    made = instantiate(client, template["id"])
    bundle = made["bundle"]
    assert bundle["templateId"] == template["id"]
    assert bundle["emoji"] == "🎙"
    assert bundle["tags"] == ["podcast", "season-3"]
    assert bundle["references"] == PODCAST["references"]
    assert bundle["bundleLinks"] == [
        {"name": "Episode page", "url": ""},
        {"name": "Spotify", "url": ""},
    ]
    assert bundle["stage"] == "preparation"
    assert bundle["status"] == "active"


def test_caller_values_win_over_the_template(client: TestClient) -> None:
    template = make_template(client)
    made = instantiate(
        client,
        template["id"],
        emoji="📻",
        tags=["special"],
        references=[],
        bundleLinks=[{"name": "YouTube", "url": "https://youtube.example.org/watch"}],
        stage="announced",
    )
    bundle = made["bundle"]
    assert bundle["emoji"] == "📻"
    assert bundle["tags"] == ["special"]
    assert bundle["references"] == []
    assert bundle["bundleLinks"] == [
        {"name": "YouTube", "url": "https://youtube.example.org/watch"}
    ]
    assert bundle["stage"] == "announced"
    # Tasks take the template's tags, never the bundle's caller-overridden ones.
    assert all(task["tags"] == ["podcast", "season-3"] for task in made["tasks"])


def test_tasks_follow_the_definitions(client: TestClient) -> None:
    template = make_template(client)
    made = instantiate(client, template["id"])
    bundle_id = made["bundle"]["id"]
    prep, invoice, publish = made["tasks"]
    assert [t["templateTaskRef"] for t in made["tasks"]] == ["guest-prep", "invoice", "publish"]
    common = {
        "bundleId": bundle_id,
        "templateId": template["id"],
        "source": "template",
        "status": "todo",
        "tags": ["podcast", "season-3"],
    }
    for task in made["tasks"]:
        assert {key: task[key] for key in common} == common
        assert "comment" not in task
        assert "isMilestone" not in task
        assert "offsetDays" not in task
        assert task["createdAt"] == task["updatedAt"]
    assert prep["date"] == "2026-12-03"
    assert prep["description"] == "Review the guest prep document"
    assert prep["phase"] == "preparation"
    assert prep["instructionsUrl"] == "https://docs.example.org/sop/podcast#prep"
    assert prep["instructionDocId"] == "sop-podcast"
    assert prep["instructionStepId"] == "step-2"
    assert prep["systems"] == ["google-drive"]
    assert prep["validation"] == {"checklist": ["questions", "bio"]}
    assert prep["proofRequirement"] == {"type": "artifact", "label": "Guest prep doc"}
    guide_ref = template["taskDefinitions"][0]["artifactRefs"][0]
    assert guide_ref == {
        "artifactId": guide_ref["artifactId"],
        "type": "podcast-doc",
        "title": "Guest prep guide",  # the engine's snapshot, not the client's stale title
        "storageUri": "https://docs.google.com/document/d/guide/edit",
        "status": "draft",
    }
    assert prep["artifactRefs"] == [guide_ref]
    assert prep["assigneeId"] == "user-grace"  # the template's default
    assert "extra" not in prep
    # Non-integer offsets truncate toward zero; false requiresFile is kept; empty arrays are not.
    assert invoice["date"] == "2026-12-12"
    assert invoice["requiresFile"] is False
    assert invoice["assigneeId"] == "user-ada"
    assert "systems" not in invoice
    assert publish["date"] == "2026-12-09"
    assert publish["requiredLinkName"] == "Episode page"
    assert publish["stageOnComplete"] == "announced"
    listed = client.get(f"/api/bundles/{bundle_id}/tasks").json()["tasks"]
    assert {task["id"] for task in listed} == {task["id"] for task in made["tasks"]}


def test_a_bundle_without_template_has_no_tasks_key(client: TestClient) -> None:
    response = client.post("/api/bundles", json={"title": "Ad hoc", "anchorDate": "2026-12-10"})
    assert response.status_code == 201
    assert set(response.json()) == {"bundle"}


def test_dates_cross_month_and_year_boundaries(client: TestClient) -> None:
    template = make_template(
        client,
        taskDefinitions=[
            {"refId": "a", "description": "Before", "offsetDays": -10},
            {"refId": "b", "description": "After", "offsetDays": 1},
        ],
    )
    made = instantiate(client, template["id"], anchorDate="2026-12-31")
    assert [t["date"] for t in made["tasks"]] == ["2026-12-21", "2027-01-01"]
    leap = instantiate(client, template["id"], anchorDate="2028-03-01")
    assert [t["date"] for t in leap["tasks"]] == ["2028-02-20", "2028-03-02"]


@pytest.mark.parametrize(
    ("anchor", "message"),
    [
        ("2026-02-30", "Invalid anchorDate format, expected YYYY-MM-DD"),
        ("2026-13-01", "Invalid anchorDate format, expected YYYY-MM-DD"),
        ("10/12/2026", "Invalid anchorDate format, expected YYYY-MM-DD"),
        (None, "Missing required field: anchorDate"),
    ],
)
def test_an_invalid_anchor_date_stores_nothing(
    client: TestClient, engine: Engine, anchor: Any, message: str
) -> None:
    template = make_template(client)
    response = client.post(
        "/api/bundles", json={"title": "Ep", "anchorDate": anchor, "templateId": template["id"]}
    )
    assert (response.status_code, response.json()) == (400, {"error": message})
    assert stored_counts(engine) == (0, 0, 0)


def test_a_task_date_outside_the_calendar_stores_nothing(
    client: TestClient, engine: Engine
) -> None:
    template = make_template(client)
    response = client.post(
        "/api/bundles",
        json={"title": "Ep", "anchorDate": "9999-12-30", "templateId": template["id"]},
    )
    assert response.status_code == 400
    message = "Invalid date: anchorDate plus taskDefinitions[1].offsetDays is not a calendar date"
    assert response.json() == {"error": message}
    assert stored_counts(engine) == (0, 0, 0)


def test_a_missing_template_stores_nothing(client: TestClient, engine: Engine) -> None:
    response = client.post(
        "/api/bundles", json={"title": "Ep", "anchorDate": "2026-12-10", "templateId": "gone"}
    )
    assert (response.status_code, response.json()) == (404, {"error": "Template not found"})
    assert stored_counts(engine) == (0, 0, 0)


class FailingStore(SQLiteStore):
    """Fails the n-th task write of a transaction, as a full disk or a lost connection would."""

    fail_at = 2

    def transact(self, writes: Any) -> Any:
        original = self._apply
        seen = {"tasks": 0}

        def apply(write: Write) -> Any:
            if getattr(write, "table", None) == "tasks":
                seen["tasks"] += 1
                if seen["tasks"] == self.fail_at:
                    raise sqlite3.OperationalError("disk I/O error")
            return original(write)

        self._apply = apply  # type: ignore[method-assign]
        try:
            return super().transact(writes)
        finally:
            del self._apply


def test_instantiation_is_all_or_nothing(engine: Engine, client: TestClient) -> None:
    template = make_template(client)
    failing = FailingStore(":memory:")
    failing.create("templates", dict(engine.store.get("templates", template["id"]) or {}))
    engine.store = failing
    with pytest.raises(sqlite3.OperationalError):
        bundles.create_bundle(
            engine, {"title": "Ep", "anchorDate": "2026-12-10", "templateId": template["id"]}
        )
    assert failing.count("bundles") == 0
    assert failing.count("tasks") == 0
    response = client.post(
        "/api/bundles",
        json={"title": "Ep", "anchorDate": "2026-12-10", "templateId": template["id"]},
    )
    assert (response.status_code, response.json()) == (500, {"error": "Internal server error"})
    assert failing.count("bundles") == 0
    assert failing.count("tasks") == 0


# --- stage transitions ----------------------------------------------------------------------


def complete(client: TestClient, task_id: str, **fields: Any) -> Any:
    return client.put(f"/api/tasks/{task_id}", json={"status": "done", **fields})


def notifications_of(engine: Engine, kind: str) -> list[dict[str, Any]]:
    return [n for n in engine.store.scan("notifications") if n.get("type") == kind]


def test_completing_a_stage_task_moves_the_bundle_and_notifies(
    client: TestClient, engine: Engine
) -> None:
    made = instantiate(client, make_template(client)["id"])
    bundle_id, publish = made["bundle"]["id"], made["tasks"][2]
    response = complete(client, publish["id"], link="https://example.org/episodes/42")
    assert response.status_code == 200
    bundle = client.get(f"/api/bundles/{bundle_id}").json()["bundle"]
    assert bundle["stage"] == "announced"
    assert bundle["updatedAt"] > made["bundle"]["updatedAt"]
    [notice] = notifications_of(engine, "stage-change")
    assert notice["message"] == "Episode 42 moved to stage announced"
    assert notice["bundleId"] == bundle_id
    assert notice["taskId"] == publish["id"]
    assert notice["dismissed"] is False
    # Completing it again changes nothing and says nothing more.
    assert complete(client, publish["id"]).status_code == 200
    assert len(notifications_of(engine, "stage-change")) == 1


def test_a_refused_completion_moves_nothing(client: TestClient, engine: Engine) -> None:
    made = instantiate(client, make_template(client)["id"])
    response = complete(client, made["tasks"][2]["id"])
    assert response.status_code == 400
    assert response.json() == {
        "error": "Cannot mark task as done: required link 'Episode page' is not filled"
    }
    assert (
        client.get(f"/api/bundles/{made['bundle']['id']}").json()["bundle"]["stage"]
        == "preparation"
    )
    assert notifications_of(engine, "stage-change") == []


def test_a_task_without_stage_on_complete_leaves_the_stage(
    client: TestClient, engine: Engine
) -> None:
    made = instantiate(client, make_template(client)["id"])
    assert complete(client, made["tasks"][1]["id"]).status_code == 200
    assert (
        client.get(f"/api/bundles/{made['bundle']['id']}").json()["bundle"]["stage"]
        == "preparation"
    )
    assert notifications_of(engine, "stage-change") == []


def test_a_reopened_and_recompleted_task_moves_the_stage_again(
    client: TestClient, engine: Engine
) -> None:
    made = instantiate(client, make_template(client)["id"])
    bundle_url = f"/api/bundles/{made['bundle']['id']}"
    publish = made["tasks"][2]["id"]
    assert complete(client, publish, link="https://example.org/e/42").status_code == 200
    assert client.put(bundle_url, json={"stage": "after-event"}).status_code == 200
    assert client.put(f"/api/tasks/{publish}", json={"status": "todo"}).status_code == 200
    assert complete(client, publish).status_code == 200
    assert client.get(bundle_url).json()["bundle"]["stage"] == "announced"
    messages = [n["message"] for n in notifications_of(engine, "stage-change")]
    assert sorted(messages) == [
        "Episode 42 moved to stage after-event",
        "Episode 42 moved to stage announced",
        "Episode 42 moved to stage announced",
    ]


def test_a_deleted_bundle_is_never_recreated_as_a_stub(client: TestClient, engine: Engine) -> None:
    made = instantiate(client, make_template(client)["id"])
    bundle_id, publish = made["bundle"]["id"], made["tasks"][2]["id"]
    engine.store.delete("bundles", bundle_id)
    assert complete(client, publish, link="https://example.org/e/42").status_code == 200
    with pytest.raises(NotFound):
        bundles.get_bundle(engine, bundle_id)
    assert notifications_of(engine, "stage-change") == []


def test_an_archived_and_deleted_bundle_detaches_its_tasks(
    client: TestClient, engine: Engine
) -> None:
    made = instantiate(client, make_template(client)["id"])
    bundle_url = f"/api/bundles/{made['bundle']['id']}"
    assert client.put(f"{bundle_url}/archive").status_code == 200
    assert client.delete(bundle_url).status_code == 204
    publish = made["tasks"][2]["id"]
    assert complete(client, publish, link="https://example.org/e/42").status_code == 200
    assert engine.store.count("bundles") == 0


def test_a_manual_stage_change_notifies_too(client: TestClient, engine: Engine) -> None:
    made = instantiate(client, make_template(client)["id"])
    bundle_url = f"/api/bundles/{made['bundle']['id']}"
    assert client.put(bundle_url, json={"stage": "after-event"}).status_code == 200
    assert client.put(bundle_url, json={"title": "Renamed"}).status_code == 200
    assert [n["message"] for n in notifications_of(engine, "stage-change")] == [
        "Episode 42 moved to stage after-event"
    ]
