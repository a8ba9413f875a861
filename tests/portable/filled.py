"""A store filled through the HTTP API with every exported entity, as people and assistants
produce them: users, templates and the bundles made from them, tasks in every status with their
proof, recurring configs and the tasks they generate, a real file upload, artifacts registered,
attached, approved, rejected and superseded, notifications (stage changes, follow-ups, dismissed
ones) and the audit events all of that records."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from dataops.engine import users
from dataops.engine.context import Engine
from tests.conftest import FakeClock
from tests.support.multipart import body, field, file_part, headers

INVOICE = b"%PDF-1.7\n" + bytes(range(256)) * 8


def fill_through_api(engine: Engine, client: TestClient, clock: FakeClock) -> dict[str, Any]:
    """Fill the store; returns the ids the tests look at."""
    ada = users.add_user(engine, email="ada@example.com", name="Ada", password="correct horse")
    grace = users.add_user(engine, email="grace@example.com", name="Grace Hopper")
    as_ada = {"x-user-id": ada["id"]}

    def ok(response: Any, status: int = 200) -> Any:
        assert response.status_code == status, response.text
        return response.json() if response.content else None

    template = ok(
        client.post(
            "/api/templates",
            json={
                "name": "Podcast episode",
                "type": "podcast",
                "emoji": "🎙️",
                "tags": ["podcast"],
                "defaultAssigneeId": ada["id"],
                "phases": [{"id": "prep", "name": "Preparation", "stage": "preparation"}],
                "references": [{"name": "Runbook", "url": "https://example.com/runbook"}],
                "bundleLinkDefinitions": [{"name": "Luma page"}],
                "taskDefinitions": [
                    {
                        "refId": "prep",
                        "description": "Prepare the guest document",
                        "offsetDays": -3,
                        "phase": "prep",
                        "proofRequirement": {"type": "artifact", "label": "Prep doc"},
                        "stageOnComplete": "announced",
                    },
                    {"refId": "book", "description": "Book the guest", "offsetDays": -9},
                    {
                        "refId": "invoice",
                        "description": "Pay the studio",
                        "offsetDays": 1,
                        "requiresFile": True,
                    },
                ],
                "triggerType": "automatic",
                "triggerSchedule": "0 9 * * 1",
                "triggerLeadDays": 7,
            },
        ),
        201,
    )["template"]
    made = ok(
        client.post(
            "/api/bundles",
            json={
                "title": "Episode 12 — Grace",
                "anchorDate": "2026-12-10",
                "templateId": template["id"],
                "description": "Ünïcode and emoji 🎧 survive",
            },
        ),
        201,
    )
    bundle, template_tasks = made["bundle"], made["tasks"]
    prep, book, invoice_task = template_tasks
    plain_bundle = ok(
        client.post("/api/bundles", json={"title": "Meetup — June", "anchorDate": "2026-06-01"}),
        201,
    )["bundle"]
    waiting = ok(
        client.post(
            "/api/tasks",
            json={
                "description": "Chase the sponsor",
                "date": "2026-11-28",
                "status": "waiting",
                "waitingFor": "Grace",
                "followUpAt": "2026-11-28T10:00:00.000Z",
                "assigneeId": "user-grace",
                "tags": ["sponsor"],
                "systems": ["crm"],
                "validation": {"rule": "signed contract"},
            },
            headers=as_ada,
        ),
        201,
    )
    commented = ok(
        client.post(
            "/api/tasks",
            json={
                "description": "Write the show notes",
                "date": "2026-11-29",
                "bundleId": plain_bundle["id"],
                "proofRequirement": {"type": "comment"},
            },
        ),
        201,
    )
    ok(
        client.put(
            f"/api/tasks/{commented['id']}",
            json={"status": "done", "comment": "Notes are in the doc"},
            headers=as_ada,
        )
    )
    # Artifacts: registered, attached, approved, rejected, superseded.
    prep_doc = ok(
        client.post(
            "/api/artifacts",
            json={
                "type": "podcast-doc",
                "title": "Guest prep",
                "storageUri": "https://docs.google.com/document/d/1AbC",
                "sourceType": "assistant-output",
                "assistantJobId": "heru-run-7",
                "status": "needs-review",
                "metadata": {"model": "podcast-assistant", "promptTokens": 5120},
            },
            headers={"x-user-id": "service:podcast-assistant"},
        ),
        201,
    )["artifact"]
    ok(
        client.post(
            f"/api/artifacts/{prep_doc['id']}/attach",
            json={"taskId": prep["id"], "bundleId": bundle["id"]},
            headers=as_ada,
        )
    )
    ok(
        client.post(
            f"/api/artifacts/{prep_doc['id']}/approve", json={"note": "Good"}, headers=as_ada
        )
    )
    ok(client.put(f"/api/tasks/{prep['id']}", json={"status": "done"}, headers=as_ada))
    draft = ok(
        client.post(
            "/api/artifacts",
            json={
                "type": "recording",
                "title": "Raw recording",
                "storageUri": "s3://dataops-binaries/recordings/12.wav",
                "checksum": "sha256:" + "a" * 64,
                "sizeBytes": 48_213,
                "taskId": book["id"],
            },
            headers=as_ada,
        ),
        201,
    )["artifact"]
    newer = ok(
        client.post(
            f"/api/artifacts/{draft['id']}/supersede",
            json={
                "type": "recording",
                "title": "Recording, cleaned",
                "storageUri": "s3://dataops-binaries/recordings/12-clean.wav",
                "checksum": "sha256:" + "b" * 64,
            },
            headers=as_ada,
        ),
        201,
    )["artifact"]
    rejected = ok(
        client.post(
            "/api/artifacts",
            json={
                "type": "event-page",
                "title": "Luma page",
                "storageUri": "https://lu.ma/episode-12",
                "bundleId": bundle["id"],
            },
        ),
        201,
    )["artifact"]
    ok(
        client.post(
            f"/api/artifacts/{rejected['id']}/reject", json={"note": "Wrong date"}, headers=as_ada
        )
    )
    # A real upload, and the task it proves completed.
    parts = [
        field("taskId", invoice_task["id"]),
        file_part(INVOICE, "invoice.pdf", "application/pdf"),
    ]
    upload = ok(client.post("/api/files", content=body(parts), headers=headers()), 201)["file"]
    ok(client.put(f"/api/tasks/{invoice_task['id']}", json={"status": "done"}, headers=as_ada))
    # Recurring work and the tasks it generates.
    recurring = ok(
        client.post(
            "/api/recurring",
            json={
                "description": "Weekly newsletter",
                "cronExpression": "0 9 * * 1",
                "assigneeId": grace["id"],
            },
        ),
        201,
    )["recurringConfig"]
    generated = ok(
        client.post(
            "/api/recurring/generate", json={"startDate": "2026-11-30", "endDate": "2026-12-14"}
        )
    )["generated"]
    # Notifications: the follow-up comes due, the cron runner raises its own, one is dismissed.
    clock.advance(hours=2)
    listed = ok(client.get("/api/notifications"))["notifications"]
    ok(client.post("/api/cron/run"))
    if listed:
        ok(client.put(f"/api/notifications/{listed[0]['id']}/dismiss"))
    return {
        "users": [ada["id"], grace["id"]],
        "template": template["id"],
        "bundles": [bundle["id"], plain_bundle["id"]],
        "tasks": [task["id"] for task in template_tasks] + [waiting["id"], commented["id"]],
        "generated": [task["id"] for task in generated],
        "artifacts": [prep_doc["id"], draft["id"], newer["id"], rejected["id"]],
        "file": upload["id"],
        "recurring": recurring["id"],
    }
