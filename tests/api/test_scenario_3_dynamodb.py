"""product.md scenario 3 on the production stores (DynamoDB and S3, both emulated): a recording
in S3, a transcript in Google Drive and an invoice in Dropbox each get an artifact record through
the API, and the items DynamoDB holds, read raw with `get_item`, carry only the attributes an
artifact has (plus the store's own keys), no binary and no signed URL, although presigned URLs
were handed out for the upload and the downloads. (tests/api/test_scenario_3_s3.py checks the
same on SQLite, with the assistant's local output.)"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from dataops.engine.context import Engine
from dataops.model.artifacts import ARTIFACT
from dataops.store.dynamodb import DynamoDBStore
from dataops.store.dynamodb_items import FIELDS, ORDER, VERSION
from dataops.store.dynamodb_layout import PK, SK
from tests.conftest import FakeClock, client_for, make_engine, make_settings
from tests.support.artifacts import make_bundle, make_task
from tests.support.moto_server import S3Emulator

RECORDING = b"RIFF-episode-43-raw-take-" + bytes(range(256)) * 256
TRANSCRIPT_URL = "https://docs.google.com/document/d/1aBcDeFgHiJkLmNoPqRsTuVwXyZ/edit"
INVOICE_URL = "https://www.dropbox.com/s/k3y9q/studio-invoice-12.pdf"
OPERATOR = {"x-user-id": "ada"}


@pytest.fixture
def production_engine(
    tmp_path: Path, clock: FakeClock, dynamodb_tables: dict[str, str], s3: S3Emulator
) -> Iterator[Engine]:
    settings = make_settings(tmp_path, **dynamodb_tables, DATAOPS_BLOBS=f"s3://{s3.bucket}/engine")
    engine = make_engine(settings, clock)
    yield engine
    engine.store.close()


def raw_item(store: DynamoDBStore, table: str, item_id: str) -> dict[str, Any]:
    layout = store.layouts[table]
    key = {PK: {"S": layout.key(item_id)}, SK: {"S": layout.key(item_id)}}
    answer = store.client.get_item(TableName=layout.physical.name, Key=key, ConsistentRead=True)
    item: dict[str, Any] = answer["Item"]
    return item


def register(api: TestClient, **fields: Any) -> dict[str, Any]:
    response = api.post("/api/artifacts", json=fields, headers=OPERATOR)
    assert response.status_code == 201, response.text
    artifact: dict[str, Any] = response.json()["artifact"]
    return artifact


def test_artifacts_in_s3_dropbox_and_google_drive_are_stored_as_metadata_only(
    production_engine: Engine, s3: S3Emulator
) -> None:
    store = production_engine.store
    assert isinstance(store, DynamoDBStore)
    api = client_for(production_engine)
    bundle = make_bundle(api, title="Episode 43")
    task = make_task(api, bundleId=bundle["id"], description="Publish episode 43")

    digest = hashlib.sha256(RECORDING).hexdigest()
    upload = api.post(
        "/api/artifacts/uploads",
        json={
            "filename": "episode-43-raw.wav",
            "contentType": "audio/wav",
            "sizeBytes": len(RECORDING),
            "checksum": f"sha256:{digest}",
        },
        headers=OPERATOR,
    ).json()["upload"]
    assert httpx.put(upload["url"], content=RECORDING, headers=upload["headers"]).status_code == 200
    recording = register(
        api,
        uploadId=upload["id"],
        type="recording",
        title="Episode 43 raw recording",
        taskId=task["id"],
        bundleId=bundle["id"],
        dataClass="private",
    )
    approved = api.post(f"/api/artifacts/{recording['id']}/approve", json={}, headers=OPERATOR)
    assert approved.status_code == 200, approved.text
    transcript = register(
        api,
        type="transcript",
        title="Episode 43 transcript",
        storageUri=TRANSCRIPT_URL,
        status="needs-review",
        sourceType="assistant-output",
        assistantJobId="run-2026-11-28-3",
        taskId=task["id"],
        sizeBytes=48_213,
    )
    invoice = register(
        api,
        type="invoice",
        title="Studio invoice December",
        storageUri=INVOICE_URL,
        bundleId=bundle["id"],
        sizeBytes=91_004,
        checksum="sha256:" + "ab" * 32,
        dataClass="sensitive",
    )
    handed_out = [
        api.get(f"/api/artifacts/{recording['id']}/download", follow_redirects=False).headers[
            "location"
        ]
        for _ in range(2)
    ]
    assert all("X-Amz-Signature=" in url for url in handed_out)
    assert httpx.get(handed_out[0]).content == RECORDING

    allowed = {spec.name for spec in ARTIFACT.fields} | {PK, SK, VERSION, ORDER, FIELDS}
    allowed |= store.layouts["artifacts"].physical.derived
    items = {
        artifact["id"]: raw_item(store, "artifacts", artifact["id"])
        for artifact in (recording, transcript, invoice)
    }
    for item in items.values():
        assert set(item) <= allowed, set(item) - allowed
        assert "id" in item or item[PK]["S"].startswith("ARTIFACT#")
        text = json.dumps(item)
        for leak in ("X-Amz-Signature", "X-Amz-Credential", "X-Amz-Security-Token", "RIFF-"):
            assert leak not in text, leak
        assert upload["url"] not in text
        assert all(url not in text for url in handed_out)

    stored = items[recording["id"]]
    assert (stored["storageProvider"]["S"], stored["storageUri"]["S"]) == (
        "s3",
        f"s3://{s3.bucket}/engine/uploads/{upload['id']}",
    )
    assert stored["checksum"]["S"] == f"sha256:{digest}"
    assert stored["sizeBytes"]["N"] == str(len(RECORDING))
    assert (stored["status"]["S"], stored["reviewedBy"]["S"]) == ("approved", "ada")
    assert "reviewedAt" in stored
    assert (stored["taskId"]["S"], stored["bundleId"]["S"]) == (task["id"], bundle["id"])
    drive = items[transcript["id"]]
    assert (drive["storageProvider"]["S"], drive["storageUri"]["S"]) == (
        "google-drive",
        TRANSCRIPT_URL,
    )
    assert (drive["status"]["S"], drive["assistantJobId"]["S"]) == (
        "needs-review",
        "run-2026-11-28-3",
    )
    assert "reviewedBy" not in drive and "checksum" not in drive
    dropbox = items[invoice["id"]]
    assert (dropbox["storageProvider"]["S"], dropbox["storageUri"]["S"]) == ("dropbox", INVOICE_URL)
    assert (dropbox["sizeBytes"]["N"], dropbox["checksum"]["S"]) == ("91004", "sha256:" + "ab" * 32)
    assert dropbox["createdBy"]["S"] == "ada"

    # The audit trail and the upload session hold no signed URL either.
    client = store.client
    for table in ("audit_events", "uploads"):
        name = store.layouts[table].physical.name
        scanned = json.dumps(client.scan(TableName=name, ConsistentRead=True)["Items"])
        assert "X-Amz-Signature" not in scanned and "X-Amz-Credential" not in scanned, table


def test_a_signed_url_is_refused_as_a_storage_uri_and_nothing_is_stored(
    production_engine: Engine,
) -> None:
    api = client_for(production_engine)
    signed = (
        "https://dataops.s3.amazonaws.com/recordings/43.wav?X-Amz-Algorithm=AWS4-HMAC-SHA256"
        "&X-Amz-Credential=AKIA%2F20261128&X-Amz-Signature=" + "f" * 64
    )

    response = api.post(
        "/api/artifacts",
        json={"type": "recording", "title": "Signed", "storageUri": signed},
        headers=OPERATOR,
    )

    assert response.status_code == 400
    assert production_engine.store.count("artifacts") == 0
