"""Tables and indexes at start-up: created locally, in tests or when asked; in production a
missing or different table or index stops start-up with one line that names it."""

from __future__ import annotations

from pathlib import Path

import pytest

from dataops.bootstrap import open_store
from dataops.config import ConfigError, Settings
from dataops.store.dynamodb import DynamoDBStore
from dataops.store.schema import NOTIFICATIONS, TABLES, Table
from tests.support.dynamodb import (
    client_for,
    dataops_command,
    drop_tables,
    new_prefix,
    table_names,
    table_variables,
)
from tests.support.moto_server import REGION


def settings_env(prefix: str, endpoint: str) -> dict[str, str]:
    return {
        "DATAOPS_STORE": "dynamodb://",
        "AWS_REGION": REGION,
        "AWS_ENDPOINT_URL_DYNAMODB": endpoint,
        **table_variables(table_names(prefix)),
    }


def settings_for(prefix: str, endpoint: str, **env: str) -> Settings:
    return Settings.from_env({**settings_env(prefix, endpoint), **env})


def without_index(name: str) -> dict[str, Table]:
    """The schema as an older version declared it, before the notifications' `name` index."""
    notifications = Table(
        NOTIFICATIONS.name,
        NOTIFICATIONS.env_var,
        NOTIFICATIONS.default_table_name,
        NOTIFICATIONS.key_prefix,
        tuple(index for index in NOTIFICATIONS.indexes if index.name != name),
    )
    return {**TABLES, NOTIFICATIONS.name: notifications}


def test_production_refuses_to_start_without_its_tables(
    dynamodb_env: dict[str, str], moto_endpoint: str
) -> None:
    prefix = new_prefix()

    with pytest.raises(ConfigError) as refused:
        open_store(settings_for(prefix, moto_endpoint, DATAOPS_ENV="production"))

    assert str(refused.value) == (
        f"DynamoDB table {prefix}Tasks does not exist (create it with the deployment template, "
        "or set DATAOPS_AUTO_CREATE_TABLES=true)"
    )
    names = client_for(moto_endpoint).list_tables()["TableNames"]
    assert not [name for name in names if name.startswith(prefix)]  # nothing created


def test_production_refuses_to_start_without_an_index_and_names_it(
    dynamodb_env: dict[str, str], moto_endpoint: str
) -> None:
    prefix = new_prefix()
    older = DynamoDBStore(client_for(moto_endpoint), table_names(prefix), without_index("GSI-Open"))
    older.ensure_tables(create=True)

    with pytest.raises(ConfigError) as refused:
        open_store(settings_for(prefix, moto_endpoint, DATAOPS_ENV="production"))

    assert str(refused.value) == (
        f"DynamoDB index GSI-Open (openKey, createdAt) of table {prefix}Notifications does not "
        "exist (add it with the deployment template, then run dataops migrate)"
    )
    drop_tables(older)


def test_production_creates_its_tables_when_told_to(
    dynamodb_env: dict[str, str], moto_endpoint: str
) -> None:
    prefix = new_prefix()
    settings = settings_for(
        prefix, moto_endpoint, DATAOPS_ENV="production", DATAOPS_AUTO_CREATE_TABLES="true"
    )

    store = open_store(settings)

    assert isinstance(store, DynamoDBStore)
    client = store.client
    tasks = client.describe_table(TableName=f"{prefix}Tasks")["Table"]
    assert sorted(index["IndexName"] for index in tasks["GlobalSecondaryIndexes"]) == [
        "GSI-Bundle",
        "GSI-Created",
        "GSI-Date",
        "GSI-FollowUp",
        "GSI-Recurring",
        "GSI-Status",
    ]
    for name in (f"{prefix}Sessions", f"{prefix}Uploads"):
        ttl = client.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", "ttl")
    tasks_ttl = client.describe_time_to_live(TableName=f"{prefix}Tasks")["TimeToLiveDescription"]
    assert tasks_ttl.get("TimeToLiveStatus", "DISABLED") == "DISABLED"
    drop_tables(store)
    store.close()


def test_locally_a_new_index_is_added_and_migrate_indexes_the_items_before_it(
    dynamodb_env: dict[str, str], moto_endpoint: str
) -> None:
    prefix = new_prefix()
    older = DynamoDBStore(client_for(moto_endpoint), table_names(prefix), without_index("GSI-Open"))
    older.ensure_tables(create=True)
    older.create(
        "notifications", {"id": "n1", "message": "Due", "createdAt": "2026-11-28T09:00:00.000Z"}
    )

    store = open_store(settings_for(prefix, moto_endpoint, DATAOPS_ENV="local"))
    assert isinstance(store, DynamoDBStore)

    assert store.query("notifications", "GSI-Open", "open").items == []  # not keyed yet
    assert store.migrate(dry_run=True).tables["notifications"] == {"scanned": 1, "changed": 1}
    assert store.query("notifications", "GSI-Open", "open").items == []
    assert store.migrate().tables["notifications"] == {"scanned": 1, "changed": 1}
    assert [item["id"] for item in store.query("notifications", "GSI-Open", "open").items] == ["n1"]
    assert store.migrate().changed == 0
    drop_tables(store)
    store.close()


def test_a_table_keyed_otherwise_is_refused(
    dynamodb_env: dict[str, str], moto_endpoint: str
) -> None:
    prefix = new_prefix()
    client = client_for(moto_endpoint)
    client.create_table(
        TableName=f"{prefix}Tasks",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
    )

    with pytest.raises(ConfigError) as refused:
        open_store(settings_for(prefix, moto_endpoint, DATAOPS_ENV="local"))

    assert str(refused.value) == (
        f"DynamoDB table {prefix}Tasks must be keyed by PK (HASH) and SK (RANGE), "
        "not {'HASH': 'id'}"
    )
    client.delete_table(TableName=f"{prefix}Tasks")


def test_the_command_line_stops_with_one_line_naming_the_missing_table(
    moto_endpoint: str, tmp_path: Path
) -> None:
    prefix = new_prefix()
    variables = {
        "HOME": str(tmp_path),
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "DATAOPS_ENV": "production",
        "DATAOPS_BLOBS": "s3://bucket",
        **settings_env(prefix, moto_endpoint),
    }

    result = dataops_command(variables, "users", "list")

    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"dataops: DynamoDB table {prefix}Tasks does not exist (create it "
        "with the deployment template, or set DATAOPS_AUTO_CREATE_TABLES=true)"
    )
