"""Completion receipts, proof baselines, waivers and review separation (issue 21) through the
HTTP API, on both store backends: every way a hurried operator completed a gated task without a
trace is refused or recorded, under the `open` and the `separate` review policy."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from starlette.testclient import TestClient

from dataops.engine import users
from dataops.engine.context import Engine
from dataops.model.actors import ReviewPolicy
from dataops.model.users import Role
from tests.support.artifacts import artifact_gated_task, make_artifact, make_bundle, make_task
from tests.support.multipart import body, field, file_part, headers

CHANGED = "Cannot mark task as done: its proof requirement changed; complete it with waiveProof and a reason"
BLOCKED = "Cannot mark task as done: required approved artifact proof 'published page' is missing"
SELF_APPROVAL = (
    "An artifact cannot be approved by the person who created it; another person reviews it"
)
NEEDS_LEAD = "Only a lead can waive proof"
ADA = {"x-user-id": "ada"}  # a member
GRACE = {"x-user-id": "grace"}  # a lead
POLICIES = [ReviewPolicy.OPEN, ReviewPolicy.SEPARATE]


@pytest.fixture
def people(engine: Engine) -> None:
    users.add_user(engine, email="ada@example.com", name="Ada", user_id="ada")
    users.add_user(engine, email="grace@example.com", name="Grace", user_id="grace", role=Role.LEAD)


def under(engine: Engine, policy: ReviewPolicy) -> None:
    engine.policy = dataclasses.replace(engine.policy, review_policy=policy)


def put(client: TestClient, task_id: str, who: dict[str, str] = ADA, **fields: Any) -> Any:
    return client.put(f"/api/tasks/{task_id}", json=fields, headers=who)


def history(client: TestClient, entity_id: str) -> list[dict[str, Any]]:
    response = client.get(f"/api/audit-events?entityId={entity_id}")
    assert response.status_code == 200
    events: list[dict[str, Any]] = response.json()["auditEvents"]
    return events


def approved_page(client: TestClient, task_id: str) -> dict[str, Any]:
    """An artifact registered by ada and approved by grace (another person)."""
    artifact = make_artifact(client, taskId=task_id, checksum="sha256:" + "a" * 64)
    response = client.post(f"/api/artifacts/{artifact['id']}/approve", headers=GRACE)
    assert response.status_code == 200, response.text
    approved: dict[str, Any] = response.json()["artifact"]
    return approved


def upload(client: TestClient, task_id: str) -> dict[str, Any]:
    parts = [field("taskId", task_id), field("category", "invoice"), file_part(b"%PDF invoice")]
    response = client.post("/api/files", content=body(parts), headers=headers())
    assert response.status_code == 201, response.text
    uploaded: dict[str, Any] = response.json()["file"]
    return uploaded


# --- receipts for each requirement kind ---------------------------------------------------------


def test_an_artifact_receipt_names_what_proved_the_task(client: TestClient, people: None) -> None:
    task = artifact_gated_task(client)
    artifact = approved_page(client, task["id"])
    done = put(client, task["id"], status="done")
    assert done.status_code == 200
    receipt = done.json()["completionProof"]
    assert receipt == {
        "completedAt": done.json()["completedAt"],
        "completedBy": "ada",
        "requirements": [
            {
                "kind": "artifact",
                "source": "proofRequirement",
                "label": "published page",
                "satisfied": True,
                "artifacts": [
                    {
                        "artifactId": artifact["id"],
                        "via": "task",
                        "status": "approved",
                        "reviewedBy": "grace",
                        "reviewedAt": artifact["reviewedAt"],
                        "storageUri": "https://lu.ma/episode-12",
                        "checksum": "sha256:" + "a" * 64,
                    }
                ],
                "count": 1,
            }
        ],
    }
    # GET /proof shows it next to the live state; the completion event carries it too.
    proof = client.get(f"/api/tasks/{task['id']}/proof").json()["proof"]
    assert proof["complete"] is True and proof["receipt"] == receipt
    completed = [e for e in history(client, task["id"]) if e["action"] == "task.completed"]
    assert completed[0]["after"]["completionProof"] == receipt


def test_a_bundle_artifact_is_named_with_its_path(client: TestClient, people: None) -> None:
    bundle = make_bundle(client)
    task = artifact_gated_task(client, bundleId=bundle["id"])
    artifact = make_artifact(client, bundleId=bundle["id"])
    assert client.post(f"/api/artifacts/{artifact['id']}/approve", headers=GRACE).status_code == 200
    receipt = put(client, task["id"], status="done").json()["completionProof"]
    assert receipt["requirements"][0]["artifacts"][0]["via"] == "bundle"


def test_field_requirements_record_the_value_that_satisfied_them(
    client: TestClient, people: None
) -> None:
    task = make_task(
        client,
        requiredLinkName="Luma page",
        proofRequirement={"type": "comment", "label": "what was said"},
        link="https://lu.ma/episode-12",
        comment="Guest confirmed by phone",
    )
    receipt = put(client, task["id"], status="done").json()["completionProof"]
    assert receipt["requirements"] == [
        {
            "kind": "link",
            "source": "requiredLinkName",
            "label": "Luma page",
            "satisfied": True,
            "value": "https://lu.ma/episode-12",
        },
        {
            "kind": "comment",
            "source": "proofRequirement",
            "label": "what was said",
            "satisfied": True,
            "value": "Guest confirmed by phone",
        },
    ]
    for kind, name, value in (
        ("url", "link", "https://example.org/post"),
        ("external-status", "externalStatus", "paid"),
    ):
        other = make_task(client, proofRequirement={"type": kind}, **{name: value})
        entry = put(client, other["id"], status="done").json()["completionProof"]["requirements"]
        assert entry == [
            {
                "kind": kind,
                "source": "proofRequirement",
                "label": "link" if kind == "url" else "external status",
                "satisfied": True,
                "value": value,
            }
        ]


def test_file_requirements_record_the_files_and_their_checksums(
    client: TestClient, people: None
) -> None:
    task = make_task(client, requiresFile=True, proofRequirement={"type": "file", "label": "pdf"})
    uploaded = upload(client, task["id"])
    receipt = put(client, task["id"], status="done").json()["completionProof"]
    entry = {"fileId": uploaded["id"], "checksum": uploaded["checksum"]}
    assert uploaded["checksum"].startswith("sha256:")
    assert receipt["requirements"] == [
        {
            "kind": "file",
            "source": "requiresFile",
            "label": "file",
            "satisfied": True,
            "files": [entry],
            "count": 1,
        },
        {
            "kind": "file",
            "source": "proofRequirement",
            "label": "pdf",
            "satisfied": True,
            "files": [entry],
            "count": 1,
        },
    ]


def test_a_task_created_done_has_a_receipt(client: TestClient, people: None) -> None:
    response = client.post(
        "/api/tasks",
        json={
            "description": "Sent",
            "date": "2026-12-01",
            "status": "done",
            "proofRequirement": {"type": "external-status"},
            "externalStatus": "sent",
        },
        headers=ADA,
    )
    assert response.status_code == 201
    task = response.json()
    assert task["completionProof"]["requirements"][0]["value"] == "sent"
    assert task["proofBaseline"] == {"proofRequirement": {"type": "external-status"}}
    event = history(client, task["id"])[0]
    assert event["after"]["completionProof"] == task["completionProof"]


def test_a_task_without_requirements_gets_an_empty_receipt(client: TestClient) -> None:
    task = make_task(client)
    assert "proofBaseline" not in task
    done = put(client, task["id"], {}, status="done").json()
    assert done["completionProof"] == {"completedAt": done["completedAt"], "requirements": []}


# --- reopening and completing again ---------------------------------------------------------------


def test_reopening_keeps_the_old_receipt_in_the_trail(client: TestClient, people: None) -> None:
    task = make_task(client, proofRequirement={"type": "comment"}, comment="first")
    first = put(client, task["id"], status="done").json()["completionProof"]
    # `done` again keeps the receipt of the completion it repeats
    assert put(client, task["id"], status="done").json()["completionProof"] == first
    reopened = put(client, task["id"], status="todo").json()
    assert "completionProof" not in reopened
    assert client.get(f"/api/tasks/{task['id']}/proof").json()["proof"].get("receipt") is None
    put(client, task["id"], comment="second")
    second = put(client, task["id"], GRACE, status="done").json()["completionProof"]
    assert second["requirements"][0]["value"] == "second"
    assert second["completedBy"] == "grace"
    events = history(client, task["id"])
    assert [e["action"] for e in events] == ["task.completed", "task.reopened", "task.completed"]
    assert events[1]["before"]["completionProof"] == first
    assert events[2]["after"]["completionProof"] == second


# --- the bypasses of the issue, under both policies -----------------------------------------------


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize(
    "weakening",
    [
        {"proofRequirement": {"type": "artifact", "required": False}},
        {"proofRequirement": {"type": "comment"}, "comment": "done, trust me"},
        {"proofRequirement": {"type": "artifact", "label": "any page"}},
        {"requiredLinkName": None},
        {"requiresFile": None},
        {"requiresFile": False},
    ],
)
def test_weakening_the_requirement_needs_a_waiver_in_one_request_or_two(
    client: TestClient, engine: Engine, people: None, policy: ReviewPolicy, weakening: Any
) -> None:
    under(engine, policy)
    gated = {
        "proofRequirement": {"type": "artifact", "label": "published page"},
        "requiredLinkName": "Luma page",
        "link": "https://lu.ma/x",
        "requiresFile": True,
    }
    one, two = make_task(client, **gated), make_task(client, **gated)
    for task in (one, two):
        upload(client, task["id"])
        approved_page(client, task["id"])
    assert put(client, one["id"], status="done", **weakening).json() == {"error": CHANGED}
    assert put(client, two["id"], **weakening).status_code == 200
    assert put(client, two["id"], status="done").json() == {"error": CHANGED}
    change = history(client, two["id"])[-1]
    assert change["action"] == "task.proof-requirement-changed"
    assert change["before"] and change.get("after") != change["before"]
    # Nothing changed by the refused request.
    assert client.get(f"/api/tasks/{one['id']}").json()["status"] == "todo"
    # Restoring the requirement makes it completable again.
    assert put(client, two["id"], **gated).status_code == 200
    assert put(client, two["id"], status="done").status_code == 200


def test_adding_a_requirement_is_no_weakening(client: TestClient) -> None:
    task = make_task(client, proofRequirement={"type": "comment"}, comment="ok")
    assert (
        put(client, task["id"], {}, requiredLinkName="Page", link="https://a.b/c").status_code
        == 200
    )
    assert put(client, task["id"], {}, status="done").status_code == 200


def test_a_task_stored_before_baselines_gets_one_at_its_first_change(
    client: TestClient, engine: Engine
) -> None:
    task = artifact_gated_task(client)
    stored = engine.store.get("tasks", task["id"])
    assert stored is not None
    legacy = {key: value for key, value in stored.items() if key != "proofBaseline"}
    from dataops.store.base import Replace

    engine.store.transact([Replace("tasks", legacy, stored.version)])
    changed = put(client, task["id"], {}, proofRequirement={"type": "comment"}, comment="x")
    assert changed.json()["proofBaseline"] == {
        "proofRequirement": {"type": "artifact", "label": "published page"}
    }
    assert put(client, task["id"], {}, status="done").json() == {"error": CHANGED}


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("archived", [False, True])
def test_moving_into_a_bundle_with_an_approved_artifact_while_completing(
    client: TestClient, engine: Engine, people: None, policy: ReviewPolicy, archived: bool
) -> None:
    under(engine, policy)
    bundle = make_bundle(client)
    artifact = make_artifact(client, bundleId=bundle["id"])
    client.post(f"/api/artifacts/{artifact['id']}/approve", headers=GRACE)
    if archived:
        assert client.put(f"/api/bundles/{bundle['id']}/archive").status_code == 200
    task = artifact_gated_task(client)
    response = put(client, task["id"], status="done", bundleId=bundle["id"])
    assert (response.status_code, response.json()) == (400, {"error": CHANGED})
    assert client.get(f"/api/tasks/{task['id']}").json().get("bundleId") is None


@pytest.mark.parametrize("policy", POLICIES)
def test_waiving_proof_is_recorded_and_needs_a_lead_under_separate(
    client: TestClient, engine: Engine, people: None, policy: ReviewPolicy
) -> None:
    under(engine, policy)
    task = artifact_gated_task(client)
    assert put(client, task["id"], status="done").json() == {"error": BLOCKED}
    waive = {"status": "done", "waiveProof": {"reason": "Page went live; registered later"}}
    by_member = put(client, task["id"], **waive)
    if policy is ReviewPolicy.SEPARATE:
        assert (by_member.status_code, by_member.json()) == (403, {"error": NEEDS_LEAD})
        assert client.get(f"/api/tasks/{task['id']}").json()["status"] == "todo"
        done = put(client, task["id"], GRACE, **waive)
        waiver_by = "grace"
    else:
        done = by_member
        waiver_by = "ada"
    assert done.status_code == 200, done.text
    receipt = done.json()["completionProof"]
    assert receipt["waiver"] == {
        "reason": "Page went live; registered later",
        "waivedAt": receipt["completedAt"],
        "because": ["proof-missing"],
        "waivedBy": waiver_by,
    }
    assert receipt["requirements"][0]["satisfied"] is False
    actions = [event["action"] for event in history(client, task["id"])]
    assert actions == ["task.completed", "proof-waived"]
    waived = history(client, task["id"])[1]
    assert waived["summary"] == "Proof waived: Page went live; registered later"
    assert waived["actorId"] == waiver_by


def test_a_waiver_after_a_weakened_requirement_says_why(client: TestClient) -> None:
    task = artifact_gated_task(client)
    response = put(
        client,
        task["id"],
        {},
        status="done",
        proofRequirement={"type": "artifact", "required": False},
        waiveProof={"reason": "Client cancelled the page"},
    )
    assert response.status_code == 200
    assert response.json()["completionProof"]["waiver"]["because"] == ["requirement-changed"]


def test_waive_proof_bad_input_changes_nothing(client: TestClient) -> None:
    task = artifact_gated_task(client)
    for bad in ({}, {"reason": ""}, {"reason": "  "}, {"reason": 3}, "because", [1]):
        response = put(client, task["id"], {}, status="done", waiveProof=bad)
        assert (response.status_code, response.json()) == (
            400,
            {"error": "waiveProof must be an object with a non-empty reason"},
        )
    response = put(client, task["id"], {}, comment="x", waiveProof={"reason": "r"})
    assert response.json() == {"error": "waiveProof is accepted only with status done"}
    response = put(client, task["id"], {}, status="done", waiveProof={"reason": "r" * 2001})
    assert response.json() == {"error": "waiveProof.reason is too long (max 2000)"}
    easy = make_task(client, proofRequirement={"type": "comment"}, comment="fine")
    response = put(client, easy["id"], {}, status="done", waiveProof={"reason": "why not"})
    assert response.json() == {
        "error": "Nothing to waive: the task's proof is complete; mark it done without waiveProof"
    }
    assert client.get(f"/api/tasks/{task['id']}").json()["status"] == "todo"
    assert [e["action"] for e in history(client, task["id"])] == []


def test_a_task_created_done_may_be_waived(client: TestClient) -> None:
    response = client.post(
        "/api/tasks",
        json={
            "description": "Old work",
            "date": "2026-11-01",
            "status": "done",
            "proofRequirement": {"type": "artifact"},
            "waiveProof": {"reason": "Done before DataOps"},
        },
    )
    assert response.status_code == 201
    assert response.json()["completionProof"]["waiver"]["reason"] == "Done before DataOps"
    actions = [event["action"] for event in history(client, response.json()["id"])]
    assert actions == ["task.completed", "proof-waived"]


# --- review separation ----------------------------------------------------------------------------


@pytest.mark.parametrize("policy", POLICIES)
def test_approving_at_birth_by_the_creator(
    client: TestClient, engine: Engine, people: None, policy: ReviewPolicy
) -> None:
    under(engine, policy)
    task = artifact_gated_task(client)
    response = client.post(
        "/api/artifacts",
        json={
            "type": "event-page",
            "title": "Mine",
            "storageUri": "https://lu.ma/mine",
            "status": "approved",
            "taskId": task["id"],
        },
        headers=ADA,
    )
    if policy is ReviewPolicy.SEPARATE:
        assert (response.status_code, response.json()) == (403, {"error": SELF_APPROVAL})
        assert put(client, task["id"], status="done").json() == {"error": BLOCKED}
        return
    assert response.status_code == 201
    artifact = response.json()["artifact"]
    assert artifact["reviewedBy"] == artifact["createdBy"] == "ada"
    registered = history(client, artifact["id"])[0]
    assert registered["selfApproval"] is True
    assert registered["summary"].endswith("(approved by its creator)")
    # The receipt shows the reviewer was the creator: an auditor can tell.
    receipt = put(client, task["id"], status="done").json()["completionProof"]
    assert receipt["requirements"][0]["artifacts"][0]["reviewedBy"] == "ada"


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("how", ["approve", "put"])
def test_approving_ones_own_artifact_later(
    client: TestClient, engine: Engine, people: None, policy: ReviewPolicy, how: str
) -> None:
    under(engine, policy)
    created = client.post(
        "/api/artifacts",
        json={"type": "podcast-doc", "title": "Prep", "storageUri": "https://x.org/p"},
        headers=ADA,
    ).json()["artifact"]
    if how == "approve":
        response = client.post(f"/api/artifacts/{created['id']}/approve", headers=ADA)
    else:
        response = client.put(
            f"/api/artifacts/{created['id']}", json={"status": "approved"}, headers=ADA
        )
    if policy is ReviewPolicy.SEPARATE:
        assert (response.status_code, response.json()) == (403, {"error": SELF_APPROVAL})
        assert client.get(f"/api/artifacts/{created['id']}").json()["artifact"]["status"] == "draft"
        other = client.post(f"/api/artifacts/{created['id']}/approve", headers=GRACE)
        assert other.status_code == 200
        assert "selfApproval" not in history(client, created["id"])[-1]
    else:
        assert response.status_code == 200
        event = history(client, created["id"])[-1]
        assert event["selfApproval"] is True
        assert event["summary"] == "Status changed from draft to approved (approved by its creator)"


@pytest.mark.parametrize("policy", POLICIES)
def test_services_never_approve(client: TestClient, engine: Engine, policy: ReviewPolicy) -> None:
    under(engine, policy)
    artifact = make_artifact(client)
    response = client.post(
        f"/api/artifacts/{artifact['id']}/approve", headers={"x-user-id": "service:bot"}
    )
    assert (response.status_code, response.json()) == (
        403,
        {"error": "Service actors cannot approve or reject artifacts; a person reviews them"},
    )


@pytest.mark.parametrize("policy", POLICIES)
def test_deleting_a_workflow_or_template_needs_a_lead_under_separate(
    client: TestClient, engine: Engine, people: None, policy: ReviewPolicy
) -> None:
    under(engine, policy)
    bundle = make_bundle(client)
    client.put(f"/api/bundles/{bundle['id']}/archive")
    template = client.post(
        "/api/templates",
        json={
            "name": "Episode",
            "type": "podcast",
            "taskDefinitions": [{"refId": "a", "description": "A", "offsetDays": 0}],
        },
    ).json()["template"]
    bundle_by_member = client.delete(f"/api/bundles/{bundle['id']}", headers=ADA)
    template_by_member = client.delete(f"/api/templates/{template['id']}", headers=ADA)
    if policy is ReviewPolicy.SEPARATE:
        assert (bundle_by_member.status_code, bundle_by_member.json()) == (
            403,
            {"error": "Only a lead can delete a workflow"},
        )
        assert (template_by_member.status_code, template_by_member.json()) == (
            403,
            {"error": "Only a lead can delete a template"},
        )
        assert client.get(f"/api/bundles/{bundle['id']}").status_code == 200
        assert client.delete(f"/api/bundles/{bundle['id']}", headers=GRACE).status_code == 204
        assert client.delete(f"/api/templates/{template['id']}", headers=GRACE).status_code == 204
    else:
        assert bundle_by_member.status_code == template_by_member.status_code == 204


def test_template_tasks_remember_the_requirement_they_were_instantiated_with(
    client: TestClient,
) -> None:
    template = client.post(
        "/api/templates",
        json={
            "name": "Episode",
            "type": "podcast",
            "taskDefinitions": [
                {
                    "refId": "publish",
                    "description": "Publish",
                    "offsetDays": 0,
                    "proofRequirement": {"type": "artifact", "label": "page"},
                }
            ],
        },
    ).json()["template"]
    created = client.post(
        "/api/bundles",
        json={"title": "Episode 12", "anchorDate": "2026-12-10", "templateId": template["id"]},
    )
    assert created.status_code == 201, created.text
    task = created.json()["tasks"][0]
    assert task["proofBaseline"] == {"proofRequirement": {"type": "artifact", "label": "page"}}
    response = put(
        client, task["id"], {}, status="done", proofRequirement={"type": "comment"}, comment="x"
    )
    assert response.json() == {"error": CHANGED}
