"""Tables the reference service wrote (api-contract.md section 8): its items read correctly as
they are (legacy `storagePath`, Decimal numbers, missing optional fields, unknown attributes,
unsalted password hashes), and `dataops migrate` adds the index keys this project introduced,
with a dry run, resumably."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from dataops.engine.context import Engine
from dataops.model import jsonvalue
from dataops.store.dynamodb import DynamoDBStore
from tests.conftest import client_for
from tests.support.dynamodb import Requests, dataops_command

T0 = "2026-11-20T09:00:00.000Z"


def s(value: str) -> dict[str, str]:
    return {"S": value}


def n(value: str) -> dict[str, str]:
    return {"N": value}


def keyed(key: str, **attributes: Any) -> dict[str, Any]:
    return {"PK": s(key), "SK": s(key), **attributes}


# As the reference service's DocumentClient wrote them: flat, numbers as DynamoDB numbers, no
# version, none of this project's derived keys, attributes this project does not know.
REFERENCE_ITEMS: dict[str, list[dict[str, Any]]] = {
    "users": [
        keyed(
            "USER#user-ada",
            id=s("user-ada"),
            name=s("Ada"),
            email=s("ada@example.com"),
            createdAt=s(T0),
            passwordHash=s(hashlib.sha256(b"old secret").hexdigest()),
            lastSeenBy=s("reference-ui"),
        )
    ],
    "templates": [
        keyed(
            "TEMPLATE#tpl-1",
            id=s("tpl-1"),
            name=s("Episode"),
            type=s("podcast"),
            triggerLeadDays=n("14"),
            taskDefinitions={
                "L": [
                    {
                        "M": {
                            "refId": s("record"),
                            "description": s("Record"),
                            "offsetDays": n("-7"),
                        }
                    }
                ]
            },
            createdAt=s(T0),
            updatedAt=s(T0),
        )
    ],
    "bundles": [
        keyed(
            "BUNDLE#bundle-1",
            id=s("bundle-1"),
            title=s("Episode 1"),
            anchorDate=s("2026-11-28"),
            templateId=s("tpl-1"),
            stage=s("preparation"),
            status=s("active"),
            createdAt=s(T0),
            updatedAt=s(T0),
        )
    ],
    "tasks": [
        keyed(
            "TASK#task-1",
            id=s("task-1"),
            description=s("Record the episode"),
            date=s("2026-11-28"),
            status=s("todo"),
            bundleId=s("bundle-1"),
            createdAt=s(T0),
            updatedAt=s(T0),
            trelloCardId=s("abc123"),
        )
    ],
    "files": [
        keyed(
            "FILE#file-1",
            id=s("file-1"),
            taskId=s("task-1"),
            filename=s("invoice.pdf"),
            storagePath=s("task-1\\invoice.pdf"),
            category=s("invoice"),
            sizeBytes=n("2048"),
            createdAt=s(T0),
        )
    ],
    "notifications": [
        keyed(
            "NOTIFICATION#note-1",
            id=s("note-1"),
            message=s("Record the episode is due"),
            taskId=s("task-1"),
            createdAt=s(T0),
        )
    ],
}


@pytest.fixture
def legacy_engine(dynamodb_engine: Engine) -> Engine:
    engine = dynamodb_engine
    store = engine.store
    assert isinstance(store, DynamoDBStore)
    for table, items in REFERENCE_ITEMS.items():
        for item in items:
            store.client.put_item(TableName=store.layouts[table].physical.name, Item=item)
    return engine


@pytest.fixture
def api(legacy_engine: Engine) -> TestClient:
    return client_for(legacy_engine)


def test_reference_items_read_as_records(api: TestClient) -> None:
    task = api.get("/api/tasks/task-1")
    assert task.status_code == 200
    assert task.json()["bundleId"] == "bundle-1"
    assert task.headers["etag"] == '"1"'
    template = api.get("/api/templates/tpl-1").json()["template"]
    assert template["triggerLeadDays"] == 14
    assert template["taskDefinitions"][0]["offsetDays"] == -7
    file = api.get("/api/files/file-1").json()["file"]
    assert file["sizeBytes"] == 2048
    assert file["storageUri"] == "local-dev://task-1/invoice.pdf"


def test_reference_items_are_found_through_the_reference_indexes_at_once(api: TestClient) -> None:
    assert [
        t["id"] for t in api.get("/api/tasks", params={"date": "2026-11-28"}).json()["tasks"]
    ] == ["task-1"]
    assert [t["id"] for t in api.get("/api/bundles/bundle-1/tasks").json()["tasks"]] == ["task-1"]
    files = api.get("/api/files", params={"taskId": "task-1"}).json()["files"]
    assert [f["id"] for f in files] == ["file-1"]


def test_an_unsalted_reference_password_logs_in_once_and_is_replaced(
    api: TestClient, legacy_engine: Engine
) -> None:
    login = api.post("/api/auth/login", json={"email": "ada@example.com", "password": "old secret"})

    assert login.status_code == 200
    user = legacy_engine.store.get("users", "user-ada")
    assert user is not None
    assert user["passwordHash"].startswith("scrypt$")
    assert user["lastSeenBy"] == "reference-ui"  # unknown attributes survive the update
    assert user.version == 2


def test_an_update_of_a_reference_item_keeps_what_this_project_does_not_know(
    api: TestClient, legacy_engine: Engine
) -> None:
    updated = api.put("/api/tasks/task-1", json={"comment": "Booked"}, headers={"if-match": '"1"'})

    assert updated.status_code == 200
    assert updated.headers["etag"] == '"2"'
    stored = legacy_engine.store.get("tasks", "task-1")
    assert stored is not None and stored["trelloCardId"] == "abc123"


def lists(api: TestClient) -> dict[str, list[str]]:
    return {
        "users": [u["id"] for u in api.get("/api/users").json()["users"]],
        "bundles": [b["id"] for b in api.get("/api/bundles").json()["bundles"]],
        "templates": [t["id"] for t in api.get("/api/templates").json()["templates"]],
        "notifications": [
            note["id"]
            for note in api.get("/api/notifications", params={"all": "true"}).json()[
                "notifications"
            ]
        ],
    }


def test_migrate_adds_the_index_keys_this_project_introduced(
    api: TestClient, legacy_engine: Engine
) -> None:
    store = legacy_engine.store
    assert isinstance(store, DynamoDBStore)
    # Lists over whole tables and open notifications need keys the reference never wrote.
    assert lists(api) == {"users": [], "bundles": [], "templates": [], "notifications": []}

    planned = store.migrate(dry_run=True)
    assert {
        table: counts["changed"] for table, counts in planned.tables.items() if counts["scanned"]
    } == {
        "users": 1,
        "templates": 1,
        "bundles": 1,
        "tasks": 1,
        "files": 1,
        "notifications": 1,
    }
    assert lists(api)["users"] == []  # a dry run writes nothing

    assert store.migrate().changed == 6
    assert lists(api) == {
        "users": ["user-ada"],
        "bundles": ["bundle-1"],
        "templates": ["tpl-1"],
        "notifications": ["note-1"],
    }
    assert store.migrate().changed == 0


def test_an_interrupted_migrate_finishes_on_the_next_run(legacy_engine: Engine) -> None:
    store = legacy_engine.store
    assert isinstance(store, DynamoDBStore)
    requests = Requests(store.client)
    requests.fail("PutItem", "ServiceUnavailable", skip=3)

    with pytest.raises(Exception) as interrupted:
        store.migrate()

    assert "unavailable" in str(interrupted.value)
    assert store.migrate(dry_run=True).changed == 3
    requests.failing.clear()
    assert store.migrate().changed == 3
    assert store.migrate(dry_run=True).changed == 0


def test_the_migrate_command_reports_per_table(
    legacy_engine: Engine,
    dynamodb_tables: dict[str, str],
    dynamodb_env: dict[str, str],
    tmp_path: Path,
) -> None:
    variables = {
        "HOME": str(tmp_path),
        "DATAOPS_ENV": "production",
        **dynamodb_env,
        **dynamodb_tables,
    }

    def migrate(*flags: str) -> subprocess.CompletedProcess[str]:
        return dataops_command(variables, "migrate", *flags)

    dry = migrate("--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "users                      1 items read,         1 would change" in dry.stdout
    assert dry.stdout.rstrip().endswith(
        "transactions to finish: 0 rolled forward, 0 rolled back; 0 in progress"
    )

    done = jsonvalue.loads(migrate("--json").stdout)
    assert done["changed"] == 6
    assert done["tables"]["notifications"] == {"scanned": 1, "changed": 1}
    again = jsonvalue.loads(migrate("--json").stdout)
    assert again["changed"] == 0
