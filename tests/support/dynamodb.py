"""DynamoDB for tests: the moto server of tests/support/moto_server.py (one per test process,
127.0.0.1, a free port), with tables of the test's own.

Isolation is by table names: a store gets the schema's tables under a prefix of its own
(`t<pid>-<n>-Tasks`, ...). Creating them takes moto about a quarter of a second, so
`dynamodb_store` (the store contract, tests of the backend itself) creates a set per test and
drops it afterwards, while `dynamodb_tables` (engine and API tests, which only need empty
tables) keeps one set per test process and empties it after each test.

Fixtures (registered by tests/conftest.py): `dynamodb_env` (the variables that point boto3 at
the emulator, set for the test), `dynamodb_store` (an empty DynamoDBStore on tables of its
own), `dynamodb_tables` (the settings' variables of a set of empty tables), `dynamodb_engine`
(an engine on them, auth mode `none`). `Requests` records the requests a store sends and
answers chosen ones with an error instead; `dataops_command` runs the command line on them.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from dataops.engine.context import Engine
from dataops.store.dynamodb import DynamoDBStore
from dataops.store.dynamodb_client import make_client
from dataops.store.schema import TABLES, TRANSACTIONS
from tests.conftest import FakeClock, make_engine, make_settings
from tests.support.moto_server import REGION

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_prefixes = itertools.count(1)


def dynamodb_variables(endpoint: str) -> dict[str, str]:
    return {
        "AWS_ENDPOINT_URL_DYNAMODB": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
    }


def table_names(prefix: str) -> dict[str, str]:
    """The schema's DynamoDB tables under `prefix`, by logical table."""
    return {
        table.name: prefix + table.default_table_name for table in (*TABLES.values(), TRANSACTIONS)
    }


def table_variables(names: Mapping[str, str]) -> dict[str, str]:
    """`DATAOPS_<TABLE>_TABLE` for each name (what a deployment sets)."""
    tables = {table.name: table for table in (*TABLES.values(), TRANSACTIONS)}
    return {tables[name].env_var: value for name, value in names.items()}


def new_prefix() -> str:
    return f"t{os.getpid()}-{next(_prefixes)}-"


def client_for(endpoint: str) -> DynamoDBClient:
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    return make_client(endpoint, REGION)


def open_store(endpoint: str, prefix: str | None = None, **options: Any) -> DynamoDBStore:
    """A store on fresh tables (created now) under `prefix`."""
    store = DynamoDBStore(client_for(endpoint), table_names(prefix or new_prefix()), **options)
    store.ensure_tables(create=True)
    return store


def drop_tables(store: DynamoDBStore) -> None:
    for table in store.physical_tables():
        store.client.delete_table(TableName=table.name)


def empty_tables(store: DynamoDBStore) -> None:
    """Delete every item of the store's tables. The emulator runs in this process, so its
    tables are emptied in place: deleting item by item through HTTP would cost a test more
    than most of them take."""
    from moto.dynamodb.models import dynamodb_backends

    backends = [backend for accounts in dynamodb_backends.values() for backend in accounts.values()]
    for table in store.physical_tables():
        for backend in backends:
            if table.name in backend.tables:
                backend.tables[table.name].items.clear()


@pytest.fixture
def dynamodb_env(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    variables = dynamodb_variables(moto_endpoint)
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_SESSION_TOKEN", "DYNAMODB_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    return variables


@pytest.fixture
def dynamodb_store(dynamodb_env: dict[str, str], moto_endpoint: str) -> Iterator[DynamoDBStore]:
    store = open_store(moto_endpoint)
    yield store
    drop_tables(store)
    store.close()


@dataclass
class SharedTables:
    store: DynamoDBStore
    variables: dict[str, str]


@pytest.fixture(scope="session")
def shared_dynamodb_tables(moto_endpoint: str) -> Iterator[SharedTables]:
    store = open_store(moto_endpoint)
    variables = {
        "DATAOPS_STORE": "dynamodb://",
        "AWS_ENDPOINT_URL_DYNAMODB": moto_endpoint,
        "AWS_REGION": REGION,
        **table_variables(
            {name: layout.physical.name for name, layout in store.layouts.items()}
            | {TRANSACTIONS.name: store.commit_table.name}
        ),
    }
    yield SharedTables(store, variables)
    drop_tables(store)
    store.close()


@pytest.fixture
def dynamodb_tables(
    shared_dynamodb_tables: SharedTables, dynamodb_env: dict[str, str]
) -> Iterator[dict[str, str]]:
    """Settings variables for a DynamoDB store on this process's tables, emptied afterwards."""
    yield dict(shared_dynamodb_tables.variables)
    empty_tables(shared_dynamodb_tables.store)


class Requests:
    """Every DynamoDB request a client sends, by operation name, in order; `fail` answers some
    of them with an error instead of sending them (as DynamoDB answers after botocore's own
    retries gave up), `throttle_once` makes DynamoDB throttle the next one (botocore retries)."""

    def __init__(self, client: DynamoDBClient) -> None:
        self.sent: list[str] = []
        self.failing: dict[str, tuple[str, int, int, list[str]]] = {}
        self.throttled: set[str] = set()
        self.unprocessed: dict[str, int] = {}
        self.asked: dict[str, dict[str, Any]] = {}
        client.meta.events.register("before-parameter-build.dynamodb", self._asked)
        client.meta.events.register("before-call.dynamodb", self._before_call)
        client.meta.events.register("before-send.dynamodb", self._before_send)

    def clear(self) -> None:
        self.sent.clear()

    def fail(
        self,
        operation: str,
        code: str,
        *,
        skip: int = 0,
        times: int = 1_000_000,
        reasons: list[str] | None = None,
    ) -> None:
        """Answer `operation` with `code`, after letting `skip` of them through (`reasons`: the
        cancellation reasons of a TransactionCanceledException)."""
        self.failing[operation] = (code, skip, times, reasons or [])

    def throttle_once(self, operation: str) -> None:
        self.throttled.add(operation)

    def leave_unprocessed(self, operation: str, times: int) -> None:
        """Answer the next `times` BatchWriteItem or BatchGetItem requests with everything they
        ask for unprocessed (as DynamoDB does when a partition is busy)."""
        self.unprocessed[operation] = times

    def _asked(self, params: dict[str, Any], model: Any, **kwargs: Any) -> None:
        self.asked[model.name] = params

    def _before_call(self, model: Any, **kwargs: Any) -> Any:
        self.sent.append(model.name)
        if self.unprocessed.get(model.name, 0) > 0:
            self.unprocessed[model.name] -= 1
            key = "UnprocessedItems" if model.name == "BatchWriteItem" else "UnprocessedKeys"
            from botocore.awsrequest import AWSResponse

            asked = self.asked[model.name]["RequestItems"]
            parsed = {key: asked, "ResponseMetadata": {"HTTPStatusCode": 200}}
            return AWSResponse("http://127.0.0.1/", 200, {}, _Raw(b"")), parsed
        if model.name not in self.failing:
            return None
        code, skip, times, reasons = self.failing[model.name]
        if skip > 0 or times <= 0:
            self.failing[model.name] = (code, skip - 1, times, reasons)
            return None
        self.failing[model.name] = (code, skip, times - 1, reasons)
        return _error_response(code, reasons)

    def _before_send(self, request: Any, **kwargs: Any) -> Any:
        operation = request.headers.get("X-Amz-Target", b"")
        name = (
            operation.decode().rpartition(".")[2]
            if isinstance(operation, bytes)
            else str(operation).rpartition(".")[2]
        )
        if name not in self.throttled:
            return None
        self.throttled.discard(name)
        from botocore.awsrequest import AWSResponse

        body = b'{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException","message":"Rate exceeded"}'
        return AWSResponse(
            request.url, 400, {"Content-Type": "application/x-amz-json-1.0"}, _Raw(body)
        )


class _Raw:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **kwargs: Any) -> Iterator[bytes]:
        yield self.body


def _error_response(code: str, reasons: list[str]) -> tuple[Any, dict[str, Any]]:
    from botocore.awsrequest import AWSResponse

    parsed: dict[str, Any] = {
        "Error": {"Code": code, "Message": f"injected {code}"},
        "ResponseMetadata": {"HTTPStatusCode": 400},
    }
    if reasons:
        parsed["CancellationReasons"] = [{"Code": reason} for reason in reasons]
    return AWSResponse("http://127.0.0.1/", 400, {}, _Raw(b"")), parsed


@pytest.fixture
def dynamodb_engine(
    tmp_path: Path, clock: FakeClock, dynamodb_tables: dict[str, str]
) -> Iterator[Engine]:
    """An engine on DynamoDB alone (tests of what only the DynamoDB store does)."""
    engine = make_engine(make_settings(tmp_path, **dynamodb_tables), clock)
    yield engine
    engine.store.close()


def leftovers(store: DynamoDBStore) -> dict[str, int]:
    """Raw items a transaction leaves: commit records, marked items, new images beside records."""
    client = store.client
    counts = {"commit records": 0, "marked": 0, "images": 0}
    for table in store.physical_tables():
        pages = client.get_paginator("scan").paginate(TableName=table.name)
        for item in (item for page in pages for item in page.get("Items", [])):
            if table is store.commit_table:
                counts["commit records"] += 1
            elif "_txn" in item:
                counts["images" if item["SK"] != item["PK"] else "marked"] += 1
    return counts


def dataops_command(
    variables: Mapping[str, str], *args: str, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """`dataops <args>` in a process of its own whose whole environment is `variables`."""
    return subprocess.run(
        [sys.executable, "-m", "dataops", *args],
        env={"PATH": "", **variables},
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        cwd=cwd,
    )
