"""S3 for tests: moto in server mode, a real HTTP endpoint on 127.0.0.1 and a free port, started
once per test process and stopped at its end; boto3 is pointed at it through the standard
endpoint variables with dummy credentials, and every test gets a bucket of its own.

Fixtures (registered by tests/conftest.py): `moto_endpoint` (the server's URL), `s3_env` (the
variables that point boto3 at it, set for the test), `s3` (an `S3Emulator` with a fresh
versioned bucket, the way the deployment creates it), `s3_engine` (an engine storing binaries
there under the prefix `dataops`, metadata in a SQLite file `dataops.db` of the test's
directory) and `s3_client` (an HTTP client for it, auth mode `none`).
"""

from __future__ import annotations

import copy
import itertools
import logging
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from starlette.testclient import TestClient

from dataops.engine.context import Engine

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

    from tests.conftest import FakeClock

REGION = "us-east-1"
_buckets = itertools.count(1)


def s3_variables(endpoint: str) -> dict[str, str]:
    """What a process needs to talk to the emulator, and never to AWS."""
    return {
        "AWS_ENDPOINT_URL_S3": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
    }


@dataclass
class S3Emulator:
    """The emulator, a client for inspecting it, and this test's bucket."""

    endpoint: str
    client: S3Client
    bucket: str
    env: dict[str, str]

    def keys(self, prefix: str = "") -> list[str]:
        """Every object in the bucket (under `prefix`), listed from S3 itself."""
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix
        )
        return sorted(obj["Key"] for page in pages for obj in page.get("Contents", []))

    def multipart_uploads(self) -> list[str]:
        """Keys of multipart uploads started and neither completed nor aborted."""
        answer = self.client.list_multipart_uploads(Bucket=self.bucket)
        return [upload["Key"] for upload in answer.get("Uploads", [])]

    def body(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()

    def tags(self, key: str) -> dict[str, str]:
        tag_set = self.client.get_object_tagging(Bucket=self.bucket, Key=key)["TagSet"]
        return {tag["Key"]: tag["Value"] for tag in tag_set}


class _CopyOncePerTransaction:
    """Stands in for the `copy` module inside moto's DynamoDB backend, which backs up a table
    once per item of a transaction (a deep copy of the whole table each time: a transaction of
    100 items on a table of thousands took seconds). Within one transaction each table is
    copied once, which restores the same state on a rollback."""

    def __init__(self) -> None:
        self.copies: dict[int, Any] | None = None

    def deepcopy(self, value: Any, memo: Any = None) -> Any:
        if self.copies is None:
            return copy.deepcopy(value, memo)
        if id(value) not in self.copies:
            self.copies[id(value)] = copy.deepcopy(value, memo)
        return self.copies[id(value)]

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)


def _copy_tables_once_per_transaction() -> None:
    from moto.dynamodb import models

    if isinstance(models.copy, _CopyOncePerTransaction):
        return
    once = _CopyOncePerTransaction()
    models.copy = once  # type: ignore[assignment]
    original = models.DynamoDBBackend.transact_write_items

    def transact_write_items(self: Any, transact_items: Any) -> Any:
        once.copies = {}  # requests are served one at a time (start_server)
        try:
            return original(self, transact_items)
        finally:
            once.copies = None

    models.DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


def start_server() -> Any:
    """moto's threaded server, answering one request at a time: moto's backends are not safe
    for concurrent requests (a DynamoDB transaction copies tables that other requests change),
    and the code under test sends concurrent ones (parallel scans, loads, racing clients)."""
    from moto.moto_server.threaded_moto_server import ThreadedMotoServer

    class SerialMotoServer(ThreadedMotoServer):
        def _server_entry(self) -> None:
            from moto.server import DomainDispatcherApplication, create_backend_app
            from werkzeug.serving import make_server

            app = DomainDispatcherApplication(create_backend_app)
            lock = threading.Lock()

            def serial(environ: Any, start_response: Any) -> Any:
                with lock:
                    return list(app(environ, start_response))

            self._server = make_server(self._ip_address, self._port, serial, True)
            self._server_ready_event.set()
            self._server.serve_forever()

    _copy_tables_once_per_transaction()
    server = SerialMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    return server


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    # The emulator's request log prints every URL it serves, presigned ones included: that
    # log belongs to the emulator, not to DataOps, and would only drown the tests' output.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = start_server()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_env(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    variables = s3_variables(moto_endpoint)
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    return variables


@pytest.fixture
def s3(s3_env: dict[str, str], moto_endpoint: str) -> Iterator[S3Emulator]:
    import boto3

    client = boto3.client("s3", endpoint_url=moto_endpoint, region_name=REGION)
    bucket = f"dataops-test-{os.getpid()}-{next(_buckets)}"
    client.create_bucket(Bucket=bucket)
    client.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    yield S3Emulator(moto_endpoint, client, bucket, dict(s3_env))
    _empty(client, bucket)
    client.close()


@pytest.fixture
def s3_engine(tmp_path: Path, s3: S3Emulator, clock: FakeClock) -> Iterator[Engine]:
    from tests.conftest import make_engine, make_settings

    settings = make_settings(
        tmp_path,
        DATAOPS_STORE=f"sqlite:///{tmp_path / 'dataops.db'}",
        DATAOPS_BLOBS=f"s3://{s3.bucket}/dataops",
    )
    engine = make_engine(settings, clock)
    yield engine
    engine.store.close()


@pytest.fixture
def s3_client(s3_engine: Engine) -> TestClient:
    from tests.conftest import client_for

    return client_for(s3_engine)


def _empty(client: Any, bucket: str) -> None:
    """Remove the bucket with every version, so the emulator's memory stays small."""
    for upload in client.list_multipart_uploads(Bucket=bucket).get("Uploads", []):
        client.abort_multipart_upload(Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"])
    for page in client.get_paginator("list_object_versions").paginate(Bucket=bucket):
        for entry in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]:
            client.delete_object(Bucket=bucket, Key=entry["Key"], VersionId=entry["VersionId"])
    client.delete_bucket(Bucket=bucket)
