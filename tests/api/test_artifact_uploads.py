"""Direct uploads (docs/api.md#artifacts) against moto in server mode: the client asks for an upload,
PUTs the bytes to the presigned URL with plain HTTP, then registers the artifact with `uploadId`.
The engine verifies size and SHA-256 itself (moto, unlike S3, neither checks nor reports
checksums); anything that does not match is deleted and nothing is recorded."""

from __future__ import annotations

import base64
import hashlib
import threading
from datetime import timedelta
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from dataops.blobs.base import BlobInfo
from dataops.blobs.s3 import S3BlobStore
from dataops.engine import artifact_binaries
from dataops.engine.context import Engine
from dataops.model.errors import Conflict
from dataops.model.values import parse_timestamp
from tests.conftest import FakeClock
from tests.support.artifacts import make_bundle, make_task
from tests.support.hostile import FIELD_NAMES, WEIRD_VALUES, assert_handled, hostile_bodies
from tests.support.moto_server import S3Emulator

TAKE = b"RIFF....WAVEfmt " + bytes(range(256)) * 64
TAKE_SHA = hashlib.sha256(TAKE).hexdigest()
RECORDING: dict[str, Any] = {"type": "recording", "title": "Episode 12 raw take"}


def ask(client: TestClient, content: bytes = TAKE, **fields: Any) -> dict[str, Any]:
    body = {
        "filename": "take-1.wav",
        "contentType": "audio/wav",
        "sizeBytes": len(content),
        "checksum": "sha256:" + hashlib.sha256(content).hexdigest(),
        **fields,
    }
    response = client.post("/api/artifacts/uploads", json=body, headers={"x-user-id": "grace"})
    assert response.status_code == 201, response.text
    upload: dict[str, Any] = response.json()["upload"]
    return upload


def put(upload: dict[str, Any], content: bytes = TAKE) -> None:
    response = httpx.put(upload["url"], content=content, headers=upload["headers"])
    assert response.status_code == 200, response.text


def register(client: TestClient, upload_id: Any, **fields: Any) -> httpx.Response:
    return client.post(
        "/api/artifacts",
        json={**RECORDING, "uploadId": upload_id, **fields},
        headers={"x-user-id": "grace"},
    )


def nothing_recorded(engine: Engine) -> None:
    assert engine.store.count("artifacts") == 0
    assert engine.store.count("audit_events") == 0


# --- the flow -------------------------------------------------------------------------------


def test_ask_put_register(s3_client: TestClient, s3_engine: Engine, s3: S3Emulator) -> None:
    task = make_task(s3_client)
    upload = ask(s3_client)

    assert set(upload) == {"id", "url", "headers", "expiresAt"}
    assert upload["url"].startswith(f"{s3.endpoint}/{s3.bucket}/dataops/uploads/{upload['id']}?")
    assert upload["headers"] == {
        "Content-Type": "audio/wav",
        "x-amz-checksum-sha256": base64.b64encode(bytes.fromhex(TAKE_SHA)).decode(),
        "x-amz-tagging": "dataops-upload=pending",
    }
    session = s3_engine.store.get("uploads", upload["id"])
    assert session == {
        "id": upload["id"],
        "key": f"uploads/{upload['id']}",
        "storageProvider": "s3",
        "storageUri": f"s3://{s3.bucket}/dataops/uploads/{upload['id']}",
        "filename": "take-1.wav",
        "contentType": "audio/wav",
        "sizeBytes": len(TAKE),
        "checksum": f"sha256:{TAKE_SHA}",
        "status": "pending",
        "createdBy": "grace",
        "createdAt": session["createdAt"],
        "expiresAt": upload["expiresAt"],
        "registerBefore": session["registerBefore"],
    }
    created = parse_timestamp(session["createdAt"])
    assert parse_timestamp(upload["expiresAt"]) - created == timedelta(hours=1)
    assert parse_timestamp(session["registerBefore"]) - created == timedelta(hours=24)

    put(upload)
    key = f"dataops/uploads/{upload['id']}"
    assert s3.tags(key) == {"dataops-upload": "pending"}
    response = register(s3_client, upload["id"], taskId=task["id"], status="needs-review")

    assert response.status_code == 201, response.text
    artifact = response.json()["artifact"]
    assert artifact == {
        "id": artifact["id"],
        "type": "recording",
        "title": "Episode 12 raw take",
        "status": "needs-review",
        "storageProvider": "s3",
        "storageUri": f"s3://{s3.bucket}/{key}",
        "filename": "take-1.wav",
        "contentType": "audio/wav",
        "checksum": f"sha256:{TAKE_SHA}",
        "sizeBytes": len(TAKE),
        "dataClass": "internal",
        "visibility": "internal",
        "sourceType": "manual-upload",
        "taskId": task["id"],
        "createdBy": "grace",
        "createdAt": artifact["createdAt"],
        "updatedAt": artifact["updatedAt"],
    }
    # The object stays where it was put, no longer marked for the abandoned-upload sweep.
    assert s3.keys() == [key]
    assert s3.tags(key) == {}
    used = s3_engine.store.get("uploads", upload["id"])
    assert used is not None
    assert (used["status"], used["artifactId"]) == ("registered", artifact["id"])
    # The binary comes back through the artifact's download route.
    location = s3_client.get(
        f"/api/artifacts/{artifact['id']}/download", follow_redirects=False
    ).headers["location"]
    assert httpx.get(location).content == TAKE


def test_the_body_may_repeat_what_the_upload_decides_and_name_the_file_otherwise(
    s3_client: TestClient, s3: S3Emulator
) -> None:
    upload = ask(s3_client)
    put(upload)
    response = register(
        s3_client,
        upload["id"],
        storageProvider="s3",
        checksum=f"sha256:{TAKE_SHA}",
        sizeBytes=len(TAKE),
        contentType="audio/wav",
        filename="Episode 12 (raw).wav",
        sourceType="import",
    )
    assert response.status_code == 201, response.text
    artifact = response.json()["artifact"]
    assert (artifact["filename"], artifact["sourceType"]) == ("Episode 12 (raw).wav", "import")


def test_an_empty_file_can_be_uploaded(s3_client: TestClient, s3: S3Emulator) -> None:
    upload = ask(s3_client, b"", filename="empty.txt", contentType="text/plain")
    put(upload, b"")
    response = register(s3_client, upload["id"])
    assert response.status_code == 201, response.text
    assert response.json()["artifact"]["sizeBytes"] == 0


# --- verification ---------------------------------------------------------------------------


def test_a_tampered_upload_is_refused_deleted_and_not_recorded(
    s3_client: TestClient, s3_engine: Engine, s3: S3Emulator
) -> None:
    upload = ask(s3_client)
    tampered = TAKE[:-4] + b"EVIL"
    put(upload, tampered)
    assert s3.keys() == [f"dataops/uploads/{upload['id']}"]

    response = register(s3_client, upload["id"])

    assert response.status_code == 400
    assert response.json() == {"error": "Uploaded object does not match the declared checksum"}
    nothing_recorded(s3_engine)
    assert s3.keys() == []
    # The session stays open: the right bytes can still be put and registered.
    put(upload)
    assert register(s3_client, upload["id"]).status_code == 201


def test_an_object_of_another_size_is_refused_and_deleted(
    s3_client: TestClient, s3_engine: Engine, s3: S3Emulator
) -> None:
    upload = ask(s3_client)
    put(upload, TAKE + b"extra")

    response = register(s3_client, upload["id"])

    assert response.status_code == 400
    assert response.json() == {"error": "Uploaded object does not match the declared size"}
    nothing_recorded(s3_engine)
    assert s3.keys() == []


def test_registering_before_the_put_is_a_conflict(
    s3_client: TestClient, s3_engine: Engine, s3: S3Emulator
) -> None:
    upload = ask(s3_client)
    response = register(s3_client, upload["id"])
    assert response.status_code == 409
    assert response.json() == {
        "error": "Uploaded object not found: PUT the file to the upload URL before registering it"
    }
    nothing_recorded(s3_engine)


def test_a_checksum_reported_by_s3_is_used_instead_of_reading_the_object_back(
    s3_client: TestClient, s3_engine: Engine, s3: S3Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Real S3 verifies the signed checksum header and reports it back: no need to re-read
    gigabytes. moto does not, so its answer is stood in for here."""
    blobs = s3_engine.blobs
    assert isinstance(blobs, S3BlobStore)
    good, bad = ask(s3_client), ask(s3_client)
    put(good)
    put(bad)
    reported = {good["id"]: TAKE_SHA, bad["id"]: hashlib.sha256(b"other").hexdigest()}

    def head_as_s3(key: str) -> BlobInfo:
        return BlobInfo(key, len(TAKE), sha256=reported[key.rsplit("/", 1)[-1]])

    def no_reading(key: str) -> object:
        raise AssertionError("the object should not be read back")

    monkeypatch.setattr(blobs, "head", head_as_s3)
    monkeypatch.setattr(blobs, "open", no_reading)

    assert register(s3_client, good["id"]).status_code == 201
    response = register(s3_client, bad["id"])
    assert response.status_code == 400
    assert response.json() == {"error": "Uploaded object does not match the declared checksum"}
    assert s3.keys() == [f"dataops/uploads/{good['id']}"]


# --- sessions: unknown, expired, used, raced ------------------------------------------------


@pytest.mark.parametrize("upload_id", ["", "   ", None, 42, ["x"]])
def test_an_upload_id_must_be_a_non_empty_string(
    s3_client: TestClient, s3_engine: Engine, upload_id: Any
) -> None:
    response = register(s3_client, upload_id)
    assert response.status_code == 400
    assert response.json() == {"error": "uploadId must be a non-empty string"}
    nothing_recorded(s3_engine)


def test_an_unknown_upload_id(s3_client: TestClient, s3_engine: Engine) -> None:
    response = register(s3_client, "4b0c7c9e-55b1-4a43-9a43-7c1b8d5c2f10")
    assert response.status_code == 404
    assert response.json() == {"error": "Upload not found"}
    nothing_recorded(s3_engine)


def test_an_upload_registers_once(s3_client: TestClient, s3_engine: Engine, s3: S3Emulator) -> None:
    upload = ask(s3_client)
    put(upload)
    assert register(s3_client, upload["id"]).status_code == 201

    again = register(s3_client, upload["id"], title="The same take again")

    assert again.status_code == 409
    assert again.json() == {"error": "Upload was already registered as an artifact"}
    assert s3_engine.store.count("artifacts") == 1
    assert s3.keys() == [f"dataops/uploads/{upload['id']}"]


def test_an_expired_upload_is_refused_and_its_object_removed(
    s3_client: TestClient, s3_engine: Engine, s3: S3Emulator, clock: FakeClock
) -> None:
    upload = ask(s3_client)
    put(upload)
    clock.advance(hours=24)

    response = register(s3_client, upload["id"])

    assert response.status_code == 409
    assert response.json() == {"error": "Upload has expired; request a new one"}
    nothing_recorded(s3_engine)
    assert s3.keys() == []


def test_an_upload_can_still_be_registered_after_its_url_expired(
    s3_client: TestClient, clock: FakeClock
) -> None:
    """The URL lives an hour (S3 checks it when the PUT starts); registering may come later."""
    upload = ask(s3_client)
    put(upload)
    clock.advance(hours=23)
    assert register(s3_client, upload["id"]).status_code == 201


def test_two_registrations_racing_for_one_upload_one_wins(
    s3_client: TestClient, s3_engine: Engine, s3: S3Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    upload = ask(s3_client)
    put(upload)
    blobs = s3_engine.blobs
    assert isinstance(blobs, S3BlobStore)
    both_verified = threading.Barrier(2, timeout=30)
    real_mark = blobs.mark_registered

    def mark_after_both_verified(key: str) -> None:
        both_verified.wait()
        real_mark(key)

    monkeypatch.setattr(blobs, "mark_registered", mark_after_both_verified)
    outcomes: list[str] = []

    def registration(title: str) -> None:
        body = {**RECORDING, "title": title, "uploadId": upload["id"]}
        try:
            artifact_binaries.register_upload(s3_engine, body, "grace")
            outcomes.append("registered")
        except Conflict as refused:
            outcomes.append(refused.message)

    racers = [threading.Thread(target=registration, args=(f"take {n}",)) for n in (1, 2)]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join()

    assert sorted(outcomes) == ["Upload was already registered as an artifact", "registered"]
    assert s3_engine.store.count("artifacts") == 1
    assert s3.keys() == [f"dataops/uploads/{upload['id']}"]


# --- the artifact's own rules still apply ---------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("storageUri", "s3://elsewhere/recordings/take-1.wav"),
        ("storageProvider", "dropbox"),
        ("checksum", "sha256:" + "0" * 64),
        ("sizeBytes", 1),
        ("contentType", "video/mp4"),
    ],
)
def test_what_the_upload_decides_cannot_be_changed(
    s3_client: TestClient, s3_engine: Engine, s3: S3Emulator, field: str, value: Any
) -> None:
    upload = ask(s3_client)
    put(upload)
    response = register(s3_client, upload["id"], **{field: value})
    assert response.status_code == 400
    assert response.json() == {
        "error": f"{field} is set by the upload; leave it out or send the upload's value"
    }
    nothing_recorded(s3_engine)
    assert s3.keys() == [f"dataops/uploads/{upload['id']}"]


def test_an_invalid_artifact_body_records_nothing_and_keeps_the_upload_open(
    s3_client: TestClient, s3_engine: Engine, s3: S3Emulator
) -> None:
    upload = ask(s3_client)
    put(upload)

    missing_title = register(s3_client, upload["id"], title="")
    unknown_task = register(s3_client, upload["id"], taskId="no-such-task")

    assert missing_title.status_code == 400
    assert missing_title.json() == {"error": "Missing required field: title"}
    assert unknown_task.status_code == 404
    assert unknown_task.json() == {"error": "Task not found"}
    nothing_recorded(s3_engine)
    bundle = make_bundle(s3_client)
    assert register(s3_client, upload["id"], bundleId=bundle["id"]).status_code == 201


# --- asking for an upload -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (None, "Request body is required"),
        ([], "Request body is required"),
        ({}, "Missing required field: filename"),
        (
            {"filename": "a.wav", "sizeBytes": "12", "checksum": f"sha256:{TAKE_SHA}"},
            "sizeBytes must be a non-negative integer",
        ),
        (
            {"filename": "a.wav", "sizeBytes": 6 * 1024**4, "checksum": f"sha256:{TAKE_SHA}"},
            "sizeBytes must be at most 5368709120 bytes (the largest single upload S3 accepts)",
        ),
        (
            {"filename": "a.wav", "sizeBytes": 12, "checksum": TAKE_SHA},
            "checksum must be sha256:<64 hex digits>",
        ),
    ],
)
def test_bad_upload_requests_are_refused_and_store_nothing(
    s3_client: TestClient, s3_engine: Engine, body: Any, message: str
) -> None:
    response = s3_client.post("/api/artifacts/uploads", json=body)
    assert response.status_code == 400
    assert response.json() == {"error": message}
    assert s3_engine.store.count("uploads") == 0


def test_a_body_that_is_not_json(s3_client: TestClient) -> None:
    response = s3_client.post(
        "/api/artifacts/uploads", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json() == {"error": "Request body is required"}


def test_local_blob_storage_cannot_take_direct_uploads(client: TestClient, engine: Engine) -> None:
    body = {"filename": "a.wav", "sizeBytes": 12, "checksum": f"sha256:{TAKE_SHA}"}
    response = client.post("/api/artifacts/uploads", json=body)
    assert response.status_code == 409
    assert response.json() == {
        "error": "Direct uploads need S3 blob storage; this engine stores binaries on local disk (configure DATAOPS_BLOBS=s3://<bucket>[/<prefix>])"
    }
    assert engine.store.count("uploads") == 0
    # Bad input is still a 400 there: the request is judged before the storage.
    assert client.post("/api/artifacts/uploads", json={}).status_code == 400


def test_the_upload_route_takes_only_post(s3_client: TestClient) -> None:
    response = s3_client.get("/api/artifacts/uploads")
    assert response.status_code == 404


def test_the_session_keeps_everything_but_the_url(s3_engine: Engine) -> None:
    upload = artifact_binaries.create_upload(
        s3_engine,
        {"filename": "a.txt", "sizeBytes": 1, "checksum": "sha256:" + "a" * 64},
        None,
    )
    session = s3_engine.store.get("uploads", upload["id"])
    assert session is not None
    assert "createdBy" not in session
    assert "X-Amz-Signature" in upload["url"]
    assert "X-Amz-Signature" not in str(dict(session))


def test_hostile_bodies_never_break_the_upload_routes(
    s3_client: TestClient, s3_engine: Engine, s3: S3Emulator
) -> None:
    upload = ask(s3_client)
    put(upload)
    for raw in hostile_bodies():
        for path in ("/api/artifacts/uploads", "/api/artifacts"):
            response = s3_client.post(
                path, content=raw, headers={"content-type": "application/json"}
            )
            assert_handled(response, f"POST {path} {raw[:60]!r}")
    # Every field hostile but the upload id: the upload's own fields win or refuse.
    for value in WEIRD_VALUES:
        body = {**dict.fromkeys(FIELD_NAMES, value), "uploadId": upload["id"]}
        response = s3_client.post("/api/artifacts", json=body)
        assert_handled(response, f"POST /api/artifacts with uploadId and {value!r}")
        assert response.status_code == 400, response.text
    assert s3_engine.store.count("uploads") == 1
    assert s3_engine.store.count("artifacts") == 0
    assert s3.keys() == [f"dataops/uploads/{upload['id']}"]


def test_the_uploads_sub_route_is_not_an_artifact_id(client: TestClient) -> None:
    response = client.get("/api/artifacts/uploads")
    assert response.status_code == 404
    assert response.json() == {"error": "Not found"}
