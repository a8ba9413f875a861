"""A walk through the API's read and write paths on a small, complete data set: one request per
access pattern (each filter of each list, the proof view, login, instantiation, recurring
generation, the cron run). tests/api/test_dynamodb_requests.py checks that none of them scans a
DynamoDB table; `python -m bench dynamodb` counts the DynamoDB requests each one sends."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.testclient import TestClient

from dataops.engine import users
from dataops.engine.context import Engine
from tests.support.multipart import body, file_part, headers
from tests.support.multipart import field as form_field

DAY = "2026-11-28"
PASSWORD = "correct horse battery staple"
EMAIL = "ada@example.com"


@dataclass(frozen=True)
class Step:
    """One request of the walk: what it exercises, and the request."""

    name: str
    method: str
    path: str
    params: dict[str, str] = field(default_factory=dict)
    json: Any = None
    status: int = 200


@dataclass
class Seeded:
    task: str
    bundle: str
    template: str
    artifact: str
    file: str
    config: str


def _created(response: Any, key: str | None = None) -> str:
    assert response.status_code == 201, response.text
    payload = response.json()
    record = payload[key] if key else payload
    return str(record["id"])


def seed(engine: Engine, client: TestClient) -> Seeded:
    """A user with a password, an automatic template, a bundle made from it with its tasks, a
    task gated on an approved artifact with a file and an artifact, and a recurring config."""
    users.add_user(engine, email=EMAIL, name="Ada", password=PASSWORD)
    template = _created(
        client.post(
            "/api/templates",
            json={
                "name": "Episode",
                "type": "podcast",
                "triggerType": "automatic",
                "triggerSchedule": "0 6 * * *",
                "triggerLeadDays": 14,
                "taskDefinitions": [
                    {"refId": "book", "description": "Book the guest", "offsetDays": -14},
                    {"refId": "record", "description": "Record", "offsetDays": 0},
                    {"refId": "publish", "description": "Publish", "offsetDays": 3},
                ],
            },
        ),
        "template",
    )
    bundle = _created(
        client.post(
            "/api/bundles",
            json={"title": "Episode 12", "anchorDate": DAY, "templateId": template},
        ),
        "bundle",
    )
    task = _created(
        client.post(
            "/api/tasks",
            json={
                "description": "Publish the show notes",
                "date": DAY,
                "bundleId": bundle,
                "proofRequirement": {"type": "artifact", "label": "Show notes"},
            },
        )
    )
    upload = client.post(
        "/api/files",
        content=body(
            [form_field("taskId", task), form_field("category", "invoice"), file_part(b"%PDF")]
        ),
        headers=headers(),
    )
    file = _created(upload, "file")
    artifact = _created(
        client.post(
            "/api/artifacts",
            json={
                "title": "Show notes",
                "type": "report",
                "storageUri": "https://docs.google.com/document/d/notes",
                "taskId": task,
                "bundleId": bundle,
                "assistantJobId": "job-7",
                "status": "needs-review",
            },
        ),
        "artifact",
    )
    config = _created(
        client.post(
            "/api/recurring",
            json={"description": "Weekly digest", "cronExpression": "0 9 * * *"},
        ),
        "recurringConfig",
    )
    return Seeded(task, bundle, template, artifact, file, config)


LANES = ("today", "overdue", "waiting", "blocked")


def steps(seeded: Seeded) -> list[Step]:
    s = seeded
    return [
        Step(
            "login (user by email)",
            "POST",
            "/api/auth/login",
            json={"email": EMAIL, "password": PASSWORD},
        ),
        Step("task by id", "GET", f"/api/tasks/{s.task}"),
        Step("tasks of a date", "GET", "/api/tasks", {"date": DAY}),
        Step("tasks of a week", "GET", "/api/tasks", {"startDate": DAY, "endDate": "2026-12-04"}),
        Step("tasks of a bundle", "GET", "/api/tasks", {"bundleId": s.bundle}),
        Step("tasks by status", "GET", "/api/tasks", {"status": "todo"}),
        Step("bundle with its tasks", "GET", f"/api/bundles/{s.bundle}/tasks"),
        Step("bundles", "GET", "/api/bundles"),
        Step("templates", "GET", "/api/templates"),
        Step("artifacts of a task", "GET", "/api/artifacts", {"taskId": s.task}),
        Step("artifacts of a bundle", "GET", "/api/artifacts", {"bundleId": s.bundle}),
        Step("review queue (status)", "GET", "/api/artifacts", {"status": "needs-review"}),
        Step("artifacts by type", "GET", "/api/artifacts", {"type": "report"}),
        Step("artifacts by provider", "GET", "/api/artifacts", {"storageProvider": "s3"}),
        Step(
            "review queue of a workflow",
            "GET",
            "/api/artifacts",
            {"status": "needs-review", "type": "report", "bundleId": s.bundle},
        ),
        Step("artifacts of a job", "GET", "/api/artifacts", {"assistantJobId": "job-7"}),
        Step("artifacts of a file", "GET", "/api/artifacts", {"fileId": s.file}),
        Step("files of a task", "GET", "/api/files", {"taskId": s.task}),
        Step("files of a bundle", "GET", "/api/files", {"bundleId": s.bundle}),
        Step("files by category", "GET", "/api/files", {"category": "invoice"}),
        Step("proof of a task", "GET", f"/api/tasks/{s.task}/proof"),
        *(Step(f"home lane {lane}", "GET", f"/api/lanes/{lane}") for lane in LANES),
        Step("attention (review queue, unread)", "GET", "/api/attention"),
        Step("approve artifact", "POST", f"/api/artifacts/{s.artifact}/approve", json={}),
        Step("complete task (gate)", "PUT", f"/api/tasks/{s.task}", json={"status": "done"}),
        Step("history of a task", "GET", "/api/audit-events", {"entityId": s.task}),
        Step("users", "GET", "/api/users"),
        Step("recurring configs", "GET", "/api/recurring"),
        Step(
            "recurring generate (config)",
            "POST",
            "/api/recurring/generate",
            json={"startDate": DAY, "endDate": "2026-12-04"},
        ),
        Step("cron run (template + anchor)", "POST", "/api/cron/run"),
        Step("notifications", "GET", "/api/notifications", {"all": "true"}),
        Step(
            "create bundle from template",
            "POST",
            "/api/bundles",
            json={"title": "Episode 13", "anchorDate": "2026-12-05", "templateId": s.template},
            status=201,
        ),
    ]


def run(client: TestClient, step: Step) -> Any:
    response = client.request(step.method, step.path, params=step.params, json=step.json)
    assert response.status_code == step.status, (step.name, response.text)
    return response
