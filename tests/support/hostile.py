"""Hostile requests against every route of the engine: the routes come from the app's OpenAPI
document, so a new route is covered as soon as it exists, and every answer must be one of the
statuses the document lists for it. Used by tests/api (a fixed set) and by fuzz/ (random
bodies, `make fuzz`)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from starlette.testclient import TestClient

from dataops.api.app import create_app
from dataops.engine.context import Engine
from dataops.model import artifacts as artifacts_model
from dataops.model import bundles as bundles_model
from dataops.model import tasks as tasks_model

# Field names the engine reads somewhere: hostile bodies set them to wrong types.
FIELD_NAMES: tuple[str, ...] = tuple(
    dict.fromkeys(
        [
            *tasks_model.ALLOWED_FIELDS,
            *bundles_model.UPDATABLE_FIELDS,
            *artifacts_model.UPDATABLE_FIELDS,
            "storageProvider",
            "note",
            "name",
            "taskDefinitions",
            "phases",
            "sourceDocIds",
            "bundleLinkDefinitions",
            "triggerType",
            "triggerSchedule",
            "triggerLeadDays",
            "defaultAssigneeId",
            "cronExpression",
            "enabled",
            "startDate",
            "endDate",
            "email",
            "password",
            "uploadId",
            "token",
            "currentPassword",
            "newPassword",
        ]
    )
)

WEIRD_VALUES: tuple[Any, ...] = (
    None,
    True,
    0,
    -1,
    1.5,
    1e300,
    "",
    " ",
    "x" * 3000,
    "javascript:alert(1)",
    "2026-02-30",
    [],
    [None],
    [1, "a"],
    {},
    {"type": None},
    {"artifactId": 5},
    [{"artifactId": "", "name": 1, "url": []}],
)

RAW_BODIES: tuple[bytes, ...] = (
    b"",
    b"null",
    b"[]",
    b'"text"',
    b"0",
    b"{}",
    b"{bad",
    b'{"a": NaN}',
    b'{"a": 1e999}',
    b'{"sizeBytes": 123456789012345678901234567890, "offsetDays": 1e308}',
    b"[" * 40 + b"]" * 40,
    b'{"description": "\\ud800"}',
    b"\xff\xfe\x00",
)


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    # The statuses the OpenAPI document lists for it.
    statuses: frozenset[int] = frozenset()

    def expand(self, ids: dict[str, str]) -> list[str]:
        """The path with real ids, and with ids that name nothing or try to escape."""
        params = re.findall(r"\{(\w+)\}", self.path)
        if not params:
            return [self.path]
        real = self.path
        for param in params:
            real = real.replace(f"{{{param}}}", ids.get(param, "missing"))
        odd = [
            re.sub(r"\{\w+\}", value, self.path) for value in ("missing", "..", "%2e%2e", "a" * 300)
        ]
        return [real, *odd]


def operations(engine: Engine) -> list[Operation]:
    document = create_app(engine).openapi()
    return [
        Operation(method.upper(), path, frozenset(int(status) for status in op["responses"]))
        for path, ops in document["paths"].items()
        for method, op in ops.items()
    ]


def hostile_bodies() -> Iterator[bytes]:
    from dataops.model import jsonvalue

    yield from RAW_BODIES
    for value in WEIRD_VALUES:
        yield jsonvalue.dumps(dict.fromkeys(FIELD_NAMES, value))


def assert_handled(response: Any, where: str, operation: Operation | None = None) -> None:
    """Never a 500; every error answers the API's JSON error body, with a status the OpenAPI
    document lists for the operation (when given)."""
    assert response.status_code < 500, f"{where}: {response.status_code} {response.text[:300]}"
    if response.status_code >= 400:
        assert response.headers["content-type"] == "application/json", where
        assert set(response.json()) == {"error"}, where
    if operation is not None:
        assert response.status_code in operation.statuses, (
            f"{where}: {response.status_code} {response.text[:200]} is not documented "
            f"(documented: {sorted(operation.statuses)})"
        )


def seed(client: TestClient) -> dict[str, str]:
    """One record of each kind, so paths with real ids reach past the existence checks."""
    bundle = client.post("/api/bundles", json={"title": "B", "anchorDate": "2026-12-01"}).json()
    task = client.post(
        "/api/tasks",
        json={"description": "T", "date": "2026-12-01", "bundleId": bundle["bundle"]["id"]},
    ).json()
    artifact = client.post(
        "/api/artifacts",
        json={"type": "report", "title": "R", "storageUri": "https://example.com/r"},
    ).json()
    template = client.post(
        "/api/templates",
        json={
            "name": "N",
            "type": "podcast",
            "taskDefinitions": [{"refId": "a", "description": "A", "offsetDays": 0}],
        },
    ).json()
    config = client.post(
        "/api/recurring", json={"description": "Weekly", "cronExpression": "0 9 * * MON"}
    ).json()
    return {
        "task_id": task["id"],
        "bundle_id": bundle["bundle"]["id"],
        "artifact_id": artifact["artifact"]["id"],
        "template_id": template["template"]["id"],
        "config_id": config["recurringConfig"]["id"],
    }
