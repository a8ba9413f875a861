"""product.md scenario 3 with S3: a recording uploaded directly to S3, an assistant's transcript
registered from its local folder and a Dropbox link each get an artifact record with provider,
stable URI, relationship ids, size, checksum and review metadata; no binary and no presigned URL
is in any stored record, audit event or log line, although presigned URLs were handed out."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient

from dataops.engine import artifact_binaries
from dataops.engine.context import Engine
from tests.support.artifacts import make_bundle, make_task
from tests.support.moto_server import S3Emulator

# Distinctive bytes, so that finding them anywhere in the database would be unmistakable.
RECORDING = b"RIFF-episode-42-raw-take-" + bytes(range(256)) * 512
TRANSCRIPT = b"WEBVTT\n\n00:00.000 --> 00:04.000\nWelcome to episode 42, transcript-marker-7Q\n"


def test_s3_artifacts_carry_metadata_and_nothing_else(
    s3_client: TestClient,
    s3_engine: Engine,
    s3: S3Emulator,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    bundle = make_bundle(s3_client, title="Episode 42")
    task = make_task(s3_client, bundleId=bundle["id"], description="Publish the episode")
    operator = {"x-user-id": "ada"}

    # A recording: asked for, PUT straight to S3, registered, approved.
    digest = hashlib.sha256(RECORDING).hexdigest()
    upload = s3_client.post(
        "/api/artifacts/uploads",
        json={
            "filename": "episode-42-raw.wav",
            "contentType": "audio/wav",
            "sizeBytes": len(RECORDING),
            "checksum": f"sha256:{digest}",
        },
        headers=operator,
    ).json()["upload"]
    assert "X-Amz-Signature=" in upload["url"]
    assert httpx.put(upload["url"], content=RECORDING, headers=upload["headers"]).status_code == 200
    recording = s3_client.post(
        "/api/artifacts",
        json={
            "uploadId": upload["id"],
            "type": "recording",
            "title": "Episode 42 raw recording",
            "taskId": task["id"],
            "bundleId": bundle["id"],
            "dataClass": "private",
        },
        headers=operator,
    ).json()["artifact"]
    approved = s3_client.post(
        f"/api/artifacts/{recording['id']}/approve", json={"note": "Levels fine"}, headers=operator
    )
    assert approved.status_code == 200, approved.text
    recording = approved.json()["artifact"]

    # A transcript the assistant wrote to its local folder.
    transcript_path = tmp_path / "assistant" / "documents" / "episode-42.vtt"
    transcript_path.parent.mkdir(parents=True)
    transcript_path.write_bytes(TRANSCRIPT)
    transcript = artifact_binaries.register_output(
        s3_engine,
        transcript_path,
        artifact_binaries.AssistantOutput(
            "transcript", "Episode 42 transcript", task_id=task["id"], bundle_id=bundle["id"]
        ),
        actor="podcast-assistant",
    )

    # An invoice that lives in Dropbox: a stable link, no binary of ours.
    invoice = s3_client.post(
        "/api/artifacts",
        json={
            "type": "invoice",
            "title": "Studio invoice November",
            "storageUri": "https://www.dropbox.com/s/abc123/studio-invoice-11.pdf",
            "bundleId": bundle["id"],
        },
        headers=operator,
    ).json()["artifact"]

    assert recording == {
        **recording,
        "storageProvider": "s3",
        "storageUri": f"s3://{s3.bucket}/dataops/uploads/{upload['id']}",
        "checksum": f"sha256:{digest}",
        "sizeBytes": len(RECORDING),
        "taskId": task["id"],
        "bundleId": bundle["id"],
        "status": "approved",
        "reviewedBy": "ada",
        "reviewNote": "Levels fine",
        "createdBy": "ada",
    }
    assert "reviewedAt" in recording
    assert transcript["storageUri"].startswith(f"s3://{s3.bucket}/dataops/outputs/")
    assert (transcript["status"], transcript["createdBy"], transcript["contentType"]) == (
        "needs-review",
        "podcast-assistant",
        "text/vtt",
    )
    assert transcript["checksum"] == "sha256:" + hashlib.sha256(TRANSCRIPT).hexdigest()
    assert (invoice["storageProvider"], invoice["bundleId"]) == ("dropbox", bundle["id"])
    assert "checksum" not in invoice

    # Downloads hand out presigned URLs, generated per request.
    handed_out = []
    for artifact in (recording, transcript, recording):
        response = s3_client.get(
            f"/api/artifacts/{artifact['id']}/download", follow_redirects=False
        )
        assert response.status_code == 302
        handed_out.append(response.headers["location"])
    assert httpx.get(handed_out[0]).content == RECORDING
    assert httpx.get(handed_out[1]).content == TRANSCRIPT
    assert all("X-Amz-Signature=" in url for url in handed_out)
    listed = s3_client.get("/api/artifacts", params={"bundleId": bundle["id"]}).text
    history = s3_client.get("/api/audit-events", params={"entityId": recording["id"]})
    assert history.status_code == 200
    assert [event["action"] for event in history.json()["auditEvents"]] == [
        "artifact.registered",
        "artifact.status-changed",
    ]
    s3_engine.store.close()

    # Nothing of it reached the records, the audit trail or the logs.
    stored = b"".join(path.read_bytes() for path in tmp_path.glob("dataops.db*"))
    assert recording["id"].encode() in stored
    for leak in (
        b"X-Amz-Signature",
        b"X-Amz-Credential",
        b"RIFF-episode-42",
        b"transcript-marker-7Q",
    ):
        assert leak not in stored, leak
    assert "X-Amz-Signature" not in listed
    assert "X-Amz-Signature" not in history.text
    # Every log line of the engine's side (its own loggers, boto3/botocore, urllib3, the ASGI
    # stack) at DEBUG; only the stand-in browser (httpx, httpcore) that fetched the presigned
    # URLs above logs them, as a browser's history would.
    engine_side = [
        record for record in caplog.records if not record.name.startswith(("httpx", "httpcore"))
    ]
    assert any(record.name.startswith("botocore") for record in engine_side)
    logged = "\n".join(record.getMessage() for record in engine_side)
    assert "X-Amz-Signature" not in logged
    assert upload["url"] not in logged
