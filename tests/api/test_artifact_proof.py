"""The proof gate with artifacts (docs/api.md#proof) and the product scenarios 1-4
(product.md) through the HTTP API, with the exact refusal messages."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from dataops.engine.context import Engine
from tests.support.artifacts import (
    LUMA_PAGE,
    artifact_gated_task,
    make_artifact,
    make_bundle,
    make_task,
    set_status,
)
from tests.support.multipart import body, field, file_part, headers

BLOCKED = "Cannot mark task as done: required approved artifact proof 'published page' is missing"


def complete(client: TestClient, task_id: str, **fields: Any) -> Any:
    return client.put(
        f"/api/tasks/{task_id}",
        json={"status": "done", **fields},
        headers={"x-user-id": "operator"},
    )


def proof_of(client: TestClient, task_id: str) -> dict[str, Any]:
    response = client.get(f"/api/tasks/{task_id}/proof")
    assert response.status_code == 200
    proof: dict[str, Any] = response.json()["proof"]
    return proof


# --- scenario 1 -------------------------------------------------------------------------------


@pytest.mark.parametrize("target", ["taskId", "bundleId"])
def test_scenario_1_register_attach_approve_complete(client: TestClient, target: str) -> None:
    bundle = make_bundle(client)
    task = artifact_gated_task(client, bundleId=bundle["id"])

    response = complete(client, task["id"])
    assert (response.status_code, response.json()) == (400, {"error": BLOCKED})

    artifact = make_artifact(client)
    owner = task["id"] if target == "taskId" else bundle["id"]
    attached = client.post(f"/api/artifacts/{artifact['id']}/attach", json={target: owner})
    assert attached.status_code == 200
    assert complete(client, task["id"]).json() == {"error": BLOCKED}

    approved = client.post(f"/api/artifacts/{artifact['id']}/approve", headers={"x-user-id": "op"})
    assert approved.json()["artifact"]["status"] == "approved"

    # it appears in the task and bundle context with its review status
    if target == "taskId":
        refs = client.get(f"/api/tasks/{task['id']}").json()["artifactRefs"]
    else:
        refs = client.get(f"/api/bundles/{bundle['id']}").json()["bundle"]["artifactRefs"]
    assert [(ref["artifactId"], ref["status"]) for ref in refs] == [(artifact["id"], "approved")]
    listed = client.get(f"/api/artifacts?{target}={owner}").json()["artifacts"]
    assert [item["id"] for item in listed] == [artifact["id"]]

    done = complete(client, task["id"], comment="Published")
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["completedBy"]) == ("done", "operator")


# --- scenario 2 -------------------------------------------------------------------------------


def test_scenario_2_assistant_draft_needs_review_before_completion(client: TestClient) -> None:
    bundle = make_bundle(client)
    task = make_task(
        client,
        description="Guest prep document reviewed",
        bundleId=bundle["id"],
        proofRequirement={"type": "artifact", "label": "guest prep document"},
    )
    draft = client.post(
        "/api/artifacts",
        json={
            "type": "podcast-doc",
            "title": "Guest prep: Dr. Lin",
            "status": "needs-review",
            "sourceType": "assistant-output",
            "storageUri": "https://docs.google.com/document/d/1AbC/edit",
            "assistantJobId": "podcast-assistant/run-2026-11-27-1",
            "taskId": task["id"],
            "metadata": {"model": "assistant-v3", "promptTokens": 5400, "tokenCount": 8100},
        },
        headers={"x-user-id": "podcast-assistant"},
    )
    assert draft.status_code == 201
    artifact = draft.json()["artifact"]
    assert artifact["storageProvider"] == "google-drive"

    # the operator sees it with its review status on the task ...
    on_task = client.get(f"/api/artifacts?taskId={task['id']}").json()["artifacts"]
    assert [(a["id"], a["status"]) for a in on_task] == [(artifact["id"], "needs-review")]
    queue = client.get("/api/artifacts?status=needs-review").json()["artifacts"]
    assert [a["id"] for a in queue] == [artifact["id"]]
    proof = proof_of(client, task["id"])
    assert proof == {
        "complete": False,
        "requirements": [
            {
                "kind": "artifact",
                "label": "guest prep document",
                "satisfied": False,
                "reason": "No approved artifact yet: the artifacts attached to this task or its "
                "bundle are not approved (1 needs-review). Only an approved artifact counts as "
                "proof.",
                "evidence": [],
            }
        ],
    }
    # ... but the task cannot be completed
    response = complete(client, task["id"])
    assert response.status_code == 400
    assert response.json() == {
        "error": "Cannot mark task as done: required approved artifact proof "
        "'guest prep document' is missing"
    }
    # after approval it can
    client.post(f"/api/artifacts/{artifact['id']}/approve", headers={"x-user-id": "operator"})
    assert proof_of(client, task["id"])["complete"] is True
    done = complete(client, task["id"], comment="Reviewed")
    assert done.status_code == 200
    assert done.json()["completedBy"] == "operator"


# --- scenario 3 -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "provider"),
    [
        (
            {
                "type": "recording",
                "title": "Episode 12 raw recording",
                "storageUri": "s3://dataops-media/episodes/12/raw.wav",
                "checksum": "sha256:2c26b46b68ffc68ff99b453c1d30413413422d70"
                "6483bfa0f98a5e886266e7ae",
                "sizeBytes": 734003200,
                "contentType": "audio/wav",
                "dataClass": "private",
            },
            "s3",
        ),
        (
            {
                "type": "transcript",
                "title": "Episode 12 transcript",
                "storageUri": "https://www.dropbox.com/scl/fi/x1y2/ep12-transcript.txt?rlkey=k9&dl=0",
                "sizeBytes": 48213,
            },
            "dropbox",
        ),
        (
            {
                "type": "invoice",
                "title": "Studio invoice November",
                "storageUri": "https://drive.google.com/file/d/1Zx/view",
                "dataClass": "sensitive",
            },
            "google-drive",
        ),
        (
            {
                "type": "report",
                "title": "Listener survey report",
                "storageUri": "https://github.com/community/reports/blob/main/2026-11.md",
            },
            "github",
        ),
    ],
)
def test_scenario_3_stored_outputs_get_records_without_binaries(
    client: TestClient, body: dict[str, Any], provider: str
) -> None:
    bundle = make_bundle(client)
    task = make_task(client, bundleId=bundle["id"])
    response = client.post(
        "/api/artifacts",
        json={**body, "taskId": task["id"], "bundleId": bundle["id"], "status": "approved"},
        headers={"x-user-id": "operator"},
    )
    assert response.status_code == 201
    artifact = response.json()["artifact"]
    assert artifact["storageProvider"] == provider
    assert artifact["storageUri"] == body["storageUri"]
    assert (artifact["taskId"], artifact["bundleId"]) == (task["id"], bundle["id"])
    assert (artifact["reviewedBy"], artifact["reviewedAt"]) == ("operator", artifact["createdAt"])
    for name in ("checksum", "sizeBytes"):
        assert artifact.get(name) == body.get(name)


@pytest.mark.parametrize(
    "uri",
    [
        "https://dl.dropboxusercontent.com/s/x1y2/ep12.wav",
        "https://dataops-media.s3.amazonaws.com/ep12.wav?X-Amz-Expires=900&X-Amz-Signature=ff",
        "https://doc-08-2c-docs.googleusercontent.com/docs/securesc/ha0ro/ep12.wav",
    ],
)
def test_scenario_3_signed_temporary_urls_are_refused(
    client: TestClient, engine: Engine, uri: str
) -> None:
    response = client.post(
        "/api/artifacts", json={"type": "recording", "title": "Ep 12", "storageUri": uri}
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": "storageUri must be stable and must not be a signed URL or tokenized URL"
    }
    assert engine.store.count("artifacts") == 0


def test_scenario_3_owned_binaries_need_a_checksum(client: TestClient) -> None:
    response = client.post(
        "/api/artifacts",
        json={"type": "recording", "title": "Ep 12", "storageUri": "s3://media/ep12.wav"},
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": "checksum is required for DataOps-owned s3 or local-dev artifacts"
    }


# --- scenario 4, artifact half ----------------------------------------------------------------


def upload_invoice(client: TestClient, task_id: str) -> str:
    parts = [field("taskId", task_id), field("category", "invoice"), file_part(b"%PDF invoice")]
    response = client.post("/api/files", content=body(parts), headers=headers())
    assert response.status_code == 201, response.text
    return str(response.json()["file"]["id"])


def test_scenario_4_a_file_never_satisfies_artifact_proof(client: TestClient) -> None:
    file_task = make_task(client, description="Upload invoice", requiresFile=True)
    gated = artifact_gated_task(client)
    response = complete(client, file_task["id"])
    assert response.json() == {
        "error": "Cannot mark task as done: required file has not been uploaded"
    }
    upload_invoice(client, file_task["id"])
    file_id = upload_invoice(client, gated["id"])
    assert complete(client, file_task["id"]).status_code == 200
    # the artifact-gated task stays blocked: a file is not an artifact
    response = complete(client, gated["id"])
    assert (response.status_code, response.json()) == (400, {"error": BLOCKED})
    # even an artifact record for that very file counts only once approved
    artifact = make_artifact(
        client,
        type="invoice",
        title="Studio invoice",
        storageUri=f"https://files.example.com/{file_id}",
        fileId=file_id,
        taskId=gated["id"],
    )
    assert complete(client, gated["id"]).json() == {"error": BLOCKED}
    client.post(f"/api/artifacts/{artifact['id']}/approve")
    assert complete(client, gated["id"]).status_code == 200
    assert [
        a["id"] for a in client.get(f"/api/artifacts?fileId={file_id}").json()["artifacts"]
    ] == [artifact["id"]]


# --- what counts (4.5) --------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["draft", "needs-review", "rejected", "archived", "superseded"])
def test_only_approved_counts(client: TestClient, status: str) -> None:
    task = artifact_gated_task(client)
    artifact = make_artifact(client, taskId=task["id"])
    if status == "superseded":
        client.post(f"/api/artifacts/{artifact['id']}/supersede", json=LUMA_PAGE)
    elif status != "draft":
        set_status(client, artifact["id"], status)
    assert complete(client, task["id"]).json() == {"error": BLOCKED}
    assert proof_of(client, task["id"])["complete"] is False


def test_approved_then_archived_blocks_again(client: TestClient) -> None:
    task = artifact_gated_task(client)
    artifact = make_artifact(client, taskId=task["id"], status="approved")
    assert proof_of(client, task["id"])["complete"] is True
    client.put(f"/api/artifacts/{artifact['id']}/archive")
    assert complete(client, task["id"]).json() == {"error": BLOCKED}


def test_registered_with_the_bundle_counts_for_its_tasks(client: TestClient) -> None:
    bundle = make_bundle(client)
    task = artifact_gated_task(client, bundleId=bundle["id"])
    make_artifact(client, bundleId=bundle["id"], status="approved")
    assert complete(client, task["id"]).status_code == 200


def test_refs_count_only_when_the_named_record_is_approved(client: TestClient) -> None:
    approved = make_artifact(client, status="approved")
    draft = make_artifact(client)
    # A ref naming no artifact is refused, and nothing is stored.
    dangling = {"artifactId": "no-such-artifact", "status": "approved", "title": "fake"}
    body = {
        "description": "Publish show notes",
        "date": "2026-12-10",
        "proofRequirement": {"type": "artifact", "label": "published page"},
        "artifactRefs": [dangling],
    }
    refused = client.post("/api/tasks", json=body)
    assert (refused.status_code, refused.json()) == (404, {"error": "Artifact not found"})
    # A ref claiming "approved" is rewritten from the record, which decides.
    claimed = {"artifactId": draft["id"], "status": "approved", "title": "fake", "x": 1}
    task = artifact_gated_task(client, artifactRefs=[claimed])
    assert task["artifactRefs"] == [
        {
            "artifactId": draft["id"],
            "type": "event-page",
            "title": "Episode 12 on Luma",
            "storageUri": "https://lu.ma/episode-12",
            "status": "draft",
        }
    ]
    assert complete(client, task["id"]).json() == {"error": BLOCKED}
    missing = complete(client, task["id"], artifactRefs=[dangling])
    assert (missing.status_code, missing.json()) == (404, {"error": "Artifact not found"})
    # refs supplied in the same PUT count; nothing is persisted when the check fails
    assert complete(client, task["id"], artifactRefs=[claimed]).json() == {"error": BLOCKED}
    assert client.get(f"/api/tasks/{task['id']}").json()["artifactRefs"] == task["artifactRefs"]
    response = complete(client, task["id"], artifactRefs=[{"artifactId": approved["id"]}])
    assert response.status_code == 200


def test_bundle_refs_count(client: TestClient) -> None:
    approved = make_artifact(client, status="approved")
    bundle = make_bundle(client, artifactRefs=[{"artifactId": approved["id"]}])
    task = artifact_gated_task(client, bundleId=bundle["id"])
    proof = proof_of(client, task["id"])
    assert proof["complete"] is True
    assert proof["requirements"][0]["evidence"] == [approved["id"]]
    assert proof["requirements"][0]["reason"] == "1 approved artifact counts as proof."


def test_moving_into_a_bundle_in_the_completing_put_needs_a_waiver(client: TestClient) -> None:
    """A bundle's approved artifact counts for its tasks, but moving a task into such a bundle
    in the request that completes it is a bypass: refused unless waived with a reason."""
    bundle = make_bundle(client)
    make_artifact(client, bundleId=bundle["id"], status="approved")
    task = artifact_gated_task(client)
    response = complete(client, task["id"], bundleId=bundle["id"])
    assert (response.status_code, response.json()) == (
        400,
        {
            "error": "Cannot mark task as done: its proof requirement changed; complete it with "
            "waiveProof and a reason"
        },
    )
    waived = complete(
        client, task["id"], bundleId=bundle["id"], waiveProof={"reason": "Moved by the producer"}
    )
    assert waived.status_code == 200
    assert waived.json()["completionProof"]["waiver"]["because"] == ["moved-bundle"]
    # In two requests, the bundle's approved artifact counts as it always did.
    other = artifact_gated_task(client)
    assert (
        client.put(f"/api/tasks/{other['id']}", json={"bundleId": bundle["id"]}).status_code == 200
    )
    assert complete(client, other["id"]).status_code == 200


def test_create_as_done_looks_up_the_bundle_and_refs(client: TestClient) -> None:
    bundle = make_bundle(client)
    body = {
        "description": "Already published",
        "date": "2026-12-10",
        "status": "done",
        "proofRequirement": {"type": "artifact", "label": "published page"},
    }
    response = client.post("/api/tasks", json=body)
    assert (response.status_code, response.json()) == (400, {"error": BLOCKED})
    make_artifact(client, bundleId=bundle["id"], status="approved")
    response = client.post("/api/tasks", json={**body, "bundleId": bundle["id"]})
    assert response.status_code == 201


def test_not_required_proof_is_skipped(client: TestClient) -> None:
    task = make_task(client, proofRequirement={"type": "artifact", "required": False})
    done = complete(client, task["id"])
    assert done.status_code == 200
    assert proof_of(client, task["id"]) == {
        "complete": True,
        "requirements": [],
        "receipt": {
            "completedAt": done.json()["completedAt"],
            "completedBy": "operator",
            "requirements": [],
        },
    }


def test_unlabelled_requirement_message(client: TestClient) -> None:
    task = make_task(client, proofRequirement={"type": "artifact"})
    response = complete(client, task["id"])
    assert response.json() == {
        "error": "Cannot mark task as done: required approved artifact proof is missing"
    }


# --- GET /api/tasks/:id/proof ---------------------------------------------------------------


def test_proof_lists_every_requirement_with_reasons_and_evidence(client: TestClient) -> None:
    bundle = make_bundle(client)
    task = make_task(
        client,
        bundleId=bundle["id"],
        requiredLinkName="Luma page",
        requiresFile=True,
        proofRequirement={"type": "artifact", "label": "published page"},
    )
    first = make_artifact(client, taskId=task["id"], status="approved")
    second = make_artifact(client, bundleId=bundle["id"], status="approved")
    make_artifact(client, taskId=task["id"])  # a draft is not evidence
    rejected = make_artifact(client, taskId=task["id"])
    client.post(f"/api/artifacts/{rejected['id']}/reject")
    proof = proof_of(client, task["id"])
    assert proof == {
        "complete": False,
        "requirements": [
            {
                "kind": "link",
                "label": "Luma page",
                "satisfied": False,
                "reason": "The link 'Luma page' is not filled in yet.",
                "evidence": [],
            },
            {
                "kind": "file",
                "label": "file",
                "satisfied": False,
                "reason": "No file has been uploaded for this task yet.",
                "evidence": [],
            },
            {
                "kind": "artifact",
                "label": "published page",
                "satisfied": True,
                "reason": "2 approved artifacts count as proof.",
                "evidence": sorted([first["id"], second["id"]]),
            },
        ],
    }
    # the gate refuses with the first missing requirement, as the proof route says
    response = complete(client, task["id"])
    assert response.json() == {
        "error": "Cannot mark task as done: required link 'Luma page' is not filled"
    }


def test_proof_reason_without_any_artifact(client: TestClient) -> None:
    task = artifact_gated_task(client)
    requirement = proof_of(client, task["id"])["requirements"][0]
    assert requirement["reason"] == "No approved artifact is attached to this task or its bundle."


def test_proof_of_a_missing_task(client: TestClient) -> None:
    response = client.get("/api/tasks/missing/proof")
    assert (response.status_code, response.json()) == (404, {"error": "Task not found"})
