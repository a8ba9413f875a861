"""Artifacts registered by hand that point into the DataOps blob store (issue 12, item 2): they
must name an object that exists there, outside the temporary and upload areas, that no file
record owns (unless `fileId` names that file), with the size and SHA-256 they claim. Otherwise
400 and nothing is written. URIs of other buckets and providers keep the model's rules.

Today's hole, closed: `local-dev://files/<another upload's id>` with an invented checksum, size
and contentType served the other upload's bytes under the claimed type."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from dataops.engine import artifact_binaries
from dataops.engine.context import Engine
from tests.conftest import FakeClock, client_for, make_engine, make_settings
from tests.support.moto_server import S3Emulator
from tests.support.multipart import body, field, file_part, headers

INVOICE = b"%PDF-1.7 studio invoice, 120.00 EUR\n"
NOTES = b"# Show notes\n\nEpisode 12 with Ada.\n"
INVENTED = "sha256:" + "ab" * 32
RECORDING_FIELDS: dict[str, Any] = {"type": "recording", "title": "Episode 12 raw recording"}


def sha(content: bytes) -> str:
    return "sha256:" + hashlib.sha256(content).hexdigest()


def new_task(client: TestClient) -> str:
    response = client.post("/api/tasks", json={"description": "Invoice", "date": "2026-12-01"})
    assert response.status_code == 201, response.text
    task_id: str = response.json()["id"]
    return task_id


def upload_file(client: TestClient, content: bytes = INVOICE) -> dict[str, Any]:
    parts = [
        field("taskId", new_task(client)),
        file_part(content, "invoice.pdf", "application/pdf"),
    ]
    response = client.post("/api/files", content=body(parts), headers=headers())
    assert response.status_code == 201, response.text
    record: dict[str, Any] = response.json()["file"]
    return record


def refused(client: TestClient, message: str, **fields: Any) -> None:
    """POST refused with exactly `message`, and no artifact written."""
    before = client.get("/api/artifacts").json()["artifacts"]
    response = client.post("/api/artifacts", json={**RECORDING_FIELDS, **fields})
    assert response.status_code == 400, response.text
    assert response.json() == {"error": message}
    assert client.get("/api/artifacts").json()["artifacts"] == before


def registered(client: TestClient, **fields: Any) -> dict[str, Any]:
    response = client.post("/api/artifacts", json={**RECORDING_FIELDS, **fields})
    assert response.status_code == 201, response.text
    artifact: dict[str, Any] = response.json()["artifact"]
    return artifact


def place(blobs: Path, key: str, content: bytes) -> None:
    """An object put into the local blob directory by other means than the engine."""
    path = blobs / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)


@pytest.fixture
def blob_dir(tmp_path: Path) -> Path:
    return tmp_path / "blobs"


# --- local-dev: another upload's binary ---------------------------------------------------------


def test_another_uploads_binary_with_an_invented_claim_is_refused(client: TestClient) -> None:
    file = upload_file(client)
    refused(
        client,
        f"storageUri is the binary of file {file['id']}; register it with fileId {file['id']}",
        storageUri=f"local-dev://files/{file['id']}",
        checksum=INVENTED,
        sizeBytes=734_003_200,
        contentType="text/html",
        filename="page.html",
    )


def test_another_uploads_binary_with_its_real_checksum_is_still_refused(
    client: TestClient,
) -> None:
    """The file's checksum and size are public (GET /api/files/:id): matching them proves
    nothing about who may claim the object."""
    file = upload_file(client)
    other = upload_file(client, b"another invoice")
    for file_id in (None, other["id"]):
        refused(
            client,
            f"storageUri is the binary of file {file['id']}; register it with fileId {file['id']}",
            storageUri=f"local-dev://files/{file['id']}",
            checksum=file["checksum"],
            sizeBytes=file["sizeBytes"],
            **({"fileId": file_id} if file_id else {}),
        )


def test_a_files_binary_is_registered_for_that_file(client: TestClient) -> None:
    file = upload_file(client)
    artifact = registered(
        client,
        type="invoice",
        storageUri=file["storageUri"],
        checksum=file["checksum"],
        fileId=file["id"],
    )
    assert artifact["sizeBytes"] == len(INVOICE)  # taken from the object
    download = client.get(f"/api/artifacts/{artifact['id']}/download")
    assert download.content == INVOICE


def test_a_files_binary_with_a_claim_that_does_not_hold(client: TestClient) -> None:
    file = upload_file(client)
    uri = file["storageUri"]
    refused(
        client,
        "checksum does not match the SHA-256 of the object at storageUri",
        storageUri=uri,
        checksum=INVENTED,
        fileId=file["id"],
    )
    refused(
        client,
        "sizeBytes does not match the size of the object at storageUri",
        storageUri=uri,
        checksum=file["checksum"],
        sizeBytes=len(INVOICE) + 1,
        fileId=file["id"],
    )


def test_a_legacy_files_binary_belongs_to_that_file(
    client: TestClient, engine: Engine, blob_dir: Path
) -> None:
    """Records of the reference service keep `<taskId>/<filename>` in `storagePath`."""
    task_id = new_task(client)
    place(blob_dir, f"{task_id}/invoice.pdf", INVOICE)
    engine.store.create(
        "files",
        {
            "id": "legacy-invoice",
            "taskId": task_id,
            "filename": "invoice.pdf",
            "category": "invoice",
            "storagePath": f"{task_id}\\invoice.pdf",
            "createdAt": "2025-01-01T00:00:00.000Z",
        },
    )
    refused(
        client,
        "storageUri is the binary of file legacy-invoice; register it with fileId legacy-invoice",
        storageUri=f"local-dev://{task_id}/invoice.pdf",
        checksum=sha(INVOICE),
    )
    artifact = registered(
        client,
        storageUri=f"local-dev://{task_id}/invoice.pdf",
        checksum=sha(INVOICE),
        fileId="legacy-invoice",
    )
    assert artifact["fileId"] == "legacy-invoice"


# --- local-dev: temporaries, uploads, outputs, missing objects, bad keys ---------------------


def test_a_partial_file_of_an_unfinished_upload_is_refused(
    client: TestClient, blob_dir: Path
) -> None:
    place(blob_dir, "files/.partial-k2j4h5", INVOICE)
    for uri in ("local-dev://files/.partial-k2j4h5", "local-dev://.partial-x"):
        refused(
            client,
            "storageUri names a temporary file of an unfinished upload, not a stored object",
            storageUri=uri,
            checksum=sha(INVOICE),
        )


def test_a_direct_upload_key_is_refused(client: TestClient) -> None:
    refused(
        client,
        "storageUri names a direct upload; register it with its uploadId",
        storageUri="local-dev://uploads/0b1c9a6e-1f59-4a61-9d16-0b5f3a7e2c11",
        checksum=INVENTED,
    )


def test_an_assistant_output_is_not_claimed_again(
    client: TestClient, engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "prep.md"
    path.write_bytes(NOTES)
    output = artifact_binaries.register_output(
        engine, path, artifact_binaries.AssistantOutput("podcast-doc", "Guest prep")
    )
    refused(
        client,
        "storageUri names an assistant output; update the artifact registered for it",
        storageUri=output["storageUri"],
        checksum=output["checksum"],
    )


def test_a_missing_object_is_refused(client: TestClient) -> None:
    for uri in ("local-dev://notes/episode-12.md", "local-dev://files/4b0c7c9e-55b1-4a43"):
        refused(
            client,
            "storageUri names no object in the DataOps blob store",
            storageUri=uri,
            checksum=sha(NOTES),
        )


@pytest.mark.parametrize(
    "uri",
    [
        "local-dev://../outside.md",
        "local-dev://notes/../../outside.md",
        "local-dev://notes//episode-12.md",
        "local-dev://notes/./episode-12.md",
        "local-dev://C:/notes.md",
    ],
)
def test_a_uri_into_the_store_that_is_no_key_is_refused(client: TestClient, uri: str) -> None:
    refused(
        client,
        "storageUri points into the DataOps blob store but names no object key there",
        storageUri=uri,
        checksum=sha(NOTES),
    )


def test_an_owned_object_needs_a_sha256_checksum(client: TestClient, blob_dir: Path) -> None:
    place(blob_dir, "notes/episode-12.md", NOTES)
    for checksum in ("md5:" + "a" * 32, "sha256:xyz", hashlib.sha256(NOTES).hexdigest()):
        refused(
            client,
            "checksum must be sha256:<64 hex digits>",
            storageUri="local-dev://notes/episode-12.md",
            checksum=checksum,
        )


# --- local-dev: objects that may be claimed -----------------------------------------------------


def test_an_object_placed_in_the_store_is_registered_when_its_claim_holds(
    client: TestClient, blob_dir: Path
) -> None:
    place(blob_dir, "notes/episode-12.md", NOTES)
    artifact = registered(
        client,
        type="report",
        storageUri="local-dev://notes/episode-12.md",
        checksum=sha(NOTES).upper().replace("SHA256:", "sha256:"),
        sizeBytes=len(NOTES),
        contentType="text/markdown",
    )
    assert artifact["sizeBytes"] == len(NOTES)
    download = client.get(f"/api/artifacts/{artifact['id']}/download")
    assert (download.status_code, download.content) == (200, NOTES)
    refused(
        client,
        "checksum does not match the SHA-256 of the object at storageUri",
        storageUri="local-dev://notes/episode-12.md",
        checksum=INVENTED,
    )


# --- update and supersede ----------------------------------------------------------------------


def put(client: TestClient, artifact_id: str, **fields: Any) -> Any:
    return client.put(f"/api/artifacts/{artifact_id}", json=fields)


def test_an_update_cannot_point_a_link_at_another_uploads_binary(client: TestClient) -> None:
    file = upload_file(client)
    artifact = registered(client, storageUri="https://lu.ma/episode-12")
    response = put(client, artifact["id"], storageUri=file["storageUri"], checksum=file["checksum"])
    assert response.status_code == 400
    assert response.json() == {
        "error": f"storageUri is the binary of file {file['id']}; "
        f"register it with fileId {file['id']}"
    }
    assert client.get(f"/api/artifacts/{artifact['id']}").json()["artifact"] == artifact


def test_an_update_of_the_claim_is_checked_against_the_object(
    client: TestClient, blob_dir: Path
) -> None:
    place(blob_dir, "notes/episode-12.md", NOTES)
    artifact = registered(client, storageUri="local-dev://notes/episode-12.md", checksum=sha(NOTES))
    for fields, message in (
        ({"checksum": INVENTED}, "checksum does not match the SHA-256 of the object at storageUri"),
        ({"sizeBytes": 3}, "sizeBytes does not match the size of the object at storageUri"),
        (
            {"storageUri": "local-dev://notes/missing.md"},
            "storageUri names no object in the DataOps blob store",
        ),
        (
            {"storageUri": "local-dev://files/.partial-x"},
            "storageUri names a temporary file of an unfinished upload, not a stored object",
        ),
    ):
        response = put(client, artifact["id"], **fields)
        assert (response.status_code, response.json()) == (400, {"error": message})
    assert client.get(f"/api/artifacts/{artifact['id']}").json()["artifact"] == artifact
    # Other fields change without touching the object; a claim that holds is accepted.
    assert put(client, artifact["id"], title="Show notes").status_code == 200
    (blob_dir / "notes" / "episode-12.md").unlink()
    assert put(client, artifact["id"], status="needs-review").status_code == 200


def test_an_update_cannot_let_go_of_the_file_that_owns_the_binary(client: TestClient) -> None:
    file = upload_file(client)
    artifact = registered(
        client, storageUri=file["storageUri"], checksum=file["checksum"], fileId=file["id"]
    )
    response = put(client, artifact["id"], fileId=None)
    assert response.status_code == 400
    assert response.json() == {
        "error": f"storageUri is the binary of file {file['id']}; "
        f"register it with fileId {file['id']}"
    }
    # Deleting the file detaches the artifact (10.11): that is not a claim, and it holds.
    assert client.delete(f"/api/files/{file['id']}").status_code == 204
    assert "fileId" not in client.get(f"/api/artifacts/{artifact['id']}").json()["artifact"]


def test_a_claim_stored_before_these_checks_is_checked_when_it_changes(
    client: TestClient, engine: Engine
) -> None:
    """An artifact written before this rule that points at another upload's binary keeps its
    other fields editable, but its claim cannot change without naming that file."""
    file = upload_file(client)
    engine.store.create(
        "artifacts",
        {
            **RECORDING_FIELDS,
            "id": "hijack",
            "status": "draft",
            "storageProvider": "local-dev",
            "storageUri": file["storageUri"],
            "checksum": INVENTED,
            "sourceType": "manual-link",
            "dataClass": "internal",
            "createdAt": "2026-11-01T00:00:00.000Z",
            "updatedAt": "2026-11-01T00:00:00.000Z",
        },
    )
    assert put(client, "hijack", title="Renamed").status_code == 200
    response = put(client, "hijack", checksum=file["checksum"])
    assert response.status_code == 400
    assert response.json() == {
        "error": f"storageUri is the binary of file {file['id']}; "
        f"register it with fileId {file['id']}"
    }
    fixed = put(client, "hijack", checksum=file["checksum"], fileId=file["id"])
    assert fixed.status_code == 200, fixed.text
    assert fixed.json()["artifact"]["sizeBytes"] == len(INVOICE)


def test_a_supersede_is_checked_like_a_create(client: TestClient) -> None:
    file = upload_file(client)
    old = registered(client, storageUri="https://lu.ma/episode-12")
    response = client.post(
        f"/api/artifacts/{old['id']}/supersede",
        json={**RECORDING_FIELDS, "storageUri": file["storageUri"], "checksum": INVENTED},
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": f"storageUri is the binary of file {file['id']}; "
        f"register it with fileId {file['id']}"
    }
    assert client.get(f"/api/artifacts/{old['id']}").json()["artifact"]["status"] == "draft"
    assert len(client.get("/api/artifacts").json()["artifacts"]) == 1


# --- outside the store: today's rules -----------------------------------------------------------


def test_uris_outside_the_store_keep_the_model_rules(client: TestClient) -> None:
    refused(
        client,
        "checksum is required for DataOps-owned s3 or local-dev artifacts",
        storageUri="s3://someone-elses-bucket/raw.wav",
    )
    artifact = registered(client, storageUri="s3://someone-elses-bucket/raw.wav", checksum=INVENTED)
    assert artifact["checksum"] == INVENTED and "sizeBytes" not in artifact


# --- S3 -----------------------------------------------------------------------------------------


def put_object(s3: S3Emulator, key: str, content: bytes, *, with_sha256: bool = True) -> None:
    """An object put into the bucket by other means than the engine; with its SHA-256 stored
    by S3, or (the default of today's clients) with a CRC only."""
    extra: dict[str, Any] = {"ChecksumAlgorithm": "SHA256"} if with_sha256 else {}
    s3.client.put_object(Bucket=s3.bucket, Key=key, Body=content, **extra)
    head = s3.client.head_object(Bucket=s3.bucket, Key=key, ChecksumMode="ENABLED")
    assert ("ChecksumSHA256" in head) is with_sha256


def test_s3_another_uploads_object_is_refused(s3_client: TestClient, s3: S3Emulator) -> None:
    file = upload_file(s3_client)
    assert file["storageUri"] == f"s3://{s3.bucket}/dataops/files/{file['id']}"
    refused(
        s3_client,
        f"storageUri is the binary of file {file['id']}; register it with fileId {file['id']}",
        storageUri=file["storageUri"],
        checksum=INVENTED,
        contentType="text/html",
    )


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("uploads/0b1c9a6e", "storageUri names a direct upload; register it with its uploadId"),
        (
            "notes//x.md",
            "storageUri points into the DataOps blob store but names no object key there",
        ),
        (
            "notes/a+b.md",
            "storageUri points into the DataOps blob store but names no object key there",
        ),
        (
            "notes/.hidden",
            "storageUri points into the DataOps blob store but names no object key there",
        ),
        ("notes/missing.md", "storageUri names no object in the DataOps blob store"),
    ],
)
def test_s3_any_key_under_the_prefix_is_checked(
    s3_client: TestClient, s3: S3Emulator, key: str, message: str
) -> None:
    if key != "notes/missing.md":
        put_object(s3, f"dataops/{key}", NOTES)
    refused(s3_client, message, storageUri=f"s3://{s3.bucket}/dataops/{key}", checksum=sha(NOTES))


def test_s3_an_object_with_a_stored_sha256_is_checked_against_it(
    s3_client: TestClient, s3: S3Emulator
) -> None:
    put_object(s3, "dataops/recordings/ep12.wav", NOTES)
    uri = f"s3://{s3.bucket}/dataops/recordings/ep12.wav"
    refused(
        s3_client,
        "checksum does not match the SHA-256 of the object at storageUri",
        storageUri=uri,
        checksum=INVENTED,
    )
    refused(
        s3_client,
        "sizeBytes does not match the size of the object at storageUri",
        storageUri=uri,
        checksum=sha(NOTES),
        sizeBytes=len(NOTES) - 1,
    )
    artifact = registered(s3_client, storageUri=uri, checksum=sha(NOTES))
    assert artifact["sizeBytes"] == len(NOTES)
    download = s3_client.get(f"/api/artifacts/{artifact['id']}/download", follow_redirects=False)
    assert download.status_code == 302


def test_s3_an_object_without_a_stored_sha256_is_hashed(
    s3_client: TestClient, s3: S3Emulator
) -> None:
    put_object(s3, "dataops/recordings/ep13.wav", NOTES, with_sha256=False)
    uri = f"s3://{s3.bucket}/dataops/recordings/ep13.wav"
    refused(
        s3_client,
        "checksum does not match the SHA-256 of the object at storageUri",
        storageUri=uri,
        checksum=INVENTED,
    )
    assert registered(s3_client, storageUri=uri, checksum=sha(NOTES))["sizeBytes"] == len(NOTES)


def test_s3_a_large_object_without_a_stored_sha256_is_refused(
    tmp_path: Path, s3: S3Emulator, clock: FakeClock
) -> None:
    settings = make_settings(
        tmp_path,
        DATAOPS_BLOBS=f"s3://{s3.bucket}/dataops",
        DATAOPS_MAX_UPLOAD_BYTES="16",
    )
    engine = make_engine(settings, clock)
    client = client_for(engine)
    put_object(s3, "dataops/recordings/long.wav", NOTES, with_sha256=False)
    put_object(s3, "dataops/recordings/long-with-sha.wav", NOTES)
    refused(
        client,
        "checksum cannot be verified: the object has no SHA-256 in S3 and is over 16 bytes",
        storageUri=f"s3://{s3.bucket}/dataops/recordings/long.wav",
        checksum=sha(NOTES),
    )
    registered(
        client,
        storageUri=f"s3://{s3.bucket}/dataops/recordings/long-with-sha.wav",
        checksum=sha(NOTES),
    )
    engine.store.close()


def test_s3_uris_outside_the_bucket_and_prefix_keep_the_model_rules(
    s3_client: TestClient, s3: S3Emulator
) -> None:
    for uri in (
        "s3://someone-elses-bucket/dataops/files/x",
        f"s3://{s3.bucket}/other-prefix/x.wav",
        f"s3://{s3.bucket}/dataops-archive/x.wav",
        "local-dev://files/x",
    ):
        artifact = registered(s3_client, storageUri=uri, checksum=INVENTED)
        download = s3_client.get(f"/api/artifacts/{artifact['id']}/download")
        assert download.status_code == 409
