"""Files with S3 blob storage (6.2-6.4) against moto in server mode: uploads land in the bucket
under engine keys with the record's checksum, downloads are a 302 to a presigned URL fetched
with plain HTTP, deletes remove the object; no presigned URL is ever stored or logged."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from starlette.testclient import TestClient

from dataops.blobs.s3 import S3BlobStore
from dataops.engine.context import Engine
from tests.support.live import live_server
from tests.support.moto_server import S3Emulator
from tests.support.multipart import body, field, file_part, headers

PDF = b"%PDF-1.7 invoice 2026-11 total 120.00 EUR\n"
RECORDING = bytes(range(256)) * 40_000  # ~10 MB: above one 8 MiB part


def new_task(client: TestClient) -> str:
    response = client.post(
        "/api/tasks", json={"description": "File the invoice", "date": "2026-12-01"}
    )
    assert response.status_code == 201, response.text
    task_id: str = response.json()["id"]
    return task_id


def upload(
    client: TestClient, task_id: str, content: bytes, filename: str, kind: str
) -> dict[str, Any]:
    parts = [field("taskId", task_id), file_part(content, filename, kind)]
    response = client.post("/api/files", content=body(parts), headers=headers())
    assert response.status_code == 201, response.text
    record: dict[str, Any] = response.json()["file"]
    return record


def test_an_upload_lands_in_the_bucket_under_an_engine_key(
    s3_client: TestClient, s3_engine: Engine, s3: S3Emulator
) -> None:
    task_id = new_task(s3_client)
    record = upload(s3_client, task_id, PDF, "../../invoice.pdf", "application/pdf")

    assert record == {
        "id": record["id"],
        "taskId": task_id,
        "filename": "invoice.pdf",
        "category": "document",
        "storageProvider": "s3",
        "storageUri": f"s3://{s3.bucket}/dataops/files/{record['id']}",
        "contentType": "application/pdf",
        "checksum": "sha256:" + hashlib.sha256(PDF).hexdigest(),
        "sizeBytes": len(PDF),
        "createdAt": record["createdAt"],
    }
    assert s3.keys() == [f"dataops/files/{record['id']}"]
    assert s3.body(f"dataops/files/{record['id']}") == PDF
    assert isinstance(s3_engine.blobs, S3BlobStore)


def test_a_download_is_a_redirect_to_a_short_lived_presigned_url(
    s3_client: TestClient, s3: S3Emulator
) -> None:
    record = upload(s3_client, new_task(s3_client), PDF, "Rechnung März.pdf", "application/pdf")

    response = s3_client.get(f"/api/files/{record['id']}/download", follow_redirects=False)

    assert response.status_code == 302
    assert response.headers["cache-control"] == "no-store"
    assert response.content == b""
    location = response.headers["location"]
    assert location.startswith(f"{s3.endpoint}/{s3.bucket}/dataops/files/{record['id']}?")
    assert parse_qs(urlsplit(location).query)["X-Amz-Expires"] == ["300"]
    fetched = httpx.get(location)
    assert fetched.status_code == 200
    assert fetched.content == PDF
    assert fetched.headers["content-type"] == "application/pdf"
    assert fetched.headers["content-disposition"] == (
        "attachment; filename=\"Rechnung M_rz.pdf\"; filename*=UTF-8''Rechnung%20M%C3%A4rz.pdf"
    )
    # Generated per request: a second download gets its own URL, nothing was kept.
    again = s3_client.get(f"/api/files/{record['id']}/download", follow_redirects=False)
    assert again.status_code == 302


def test_the_download_type_follows_the_extension_as_for_local_files(
    s3_client: TestClient,
) -> None:
    record = upload(s3_client, new_task(s3_client), b"a,b\n1,2\n", "export.csv", "text/plain")
    location = s3_client.get(f"/api/files/{record['id']}/download", follow_redirects=False).headers[
        "location"
    ]
    fetched = httpx.get(location)
    assert fetched.headers["content-type"] == "text/csv"
    assert fetched.headers["content-disposition"] == 'attachment; filename="export.csv"'


def test_a_file_above_the_part_size_goes_up_in_parts_and_comes_back_whole(
    s3_client: TestClient, s3: S3Emulator
) -> None:
    record = upload(s3_client, new_task(s3_client), RECORDING, "take-1.wav", "audio/wav")

    assert record["sizeBytes"] == len(RECORDING)
    assert record["checksum"] == "sha256:" + hashlib.sha256(RECORDING).hexdigest()
    assert s3.multipart_uploads() == []
    location = s3_client.get(f"/api/files/{record['id']}/download", follow_redirects=False).headers[
        "location"
    ]
    assert httpx.get(location).content == RECORDING


def test_delete_removes_the_record_and_the_object(s3_client: TestClient, s3: S3Emulator) -> None:
    task_id = new_task(s3_client)
    kept = upload(s3_client, task_id, b"keep me", "keep.txt", "text/plain")
    gone = upload(s3_client, task_id, PDF, "invoice.pdf", "application/pdf")

    assert s3_client.delete(f"/api/files/{gone['id']}").status_code == 204

    assert s3.keys() == [f"dataops/files/{kept['id']}"]
    assert s3_client.get(f"/api/files/{gone['id']}").status_code == 404
    response = s3_client.get(f"/api/files/{gone['id']}/download", follow_redirects=False)
    assert response.status_code == 404
    assert response.json() == {"error": "File not found"}


def test_a_record_whose_uri_names_another_bucket_is_not_served(
    s3_client: TestClient, s3_engine: Engine
) -> None:
    task_id = new_task(s3_client)
    record = upload(s3_client, task_id, PDF, "invoice.pdf", "application/pdf")
    stored = s3_engine.store.get("files", record["id"])
    assert stored is not None
    moved = {**stored, "storageUri": "s3://someone-elses-bucket/files/x"}
    s3_engine.store.replace("files", moved, stored.version)

    response = s3_client.get(f"/api/files/{record['id']}/download", follow_redirects=False)
    assert response.status_code == 404
    assert response.json() == {"error": "File not found on disk"}


def test_a_record_that_cannot_be_written_leaves_no_object_behind(
    s3_client: TestClient, s3_engine: Engine, s3: S3Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    task_id = new_task(s3_client)

    def store_down(*args: object, **kwargs: object) -> object:
        raise OSError("disk full")

    monkeypatch.setattr(s3_engine.store, "transact", store_down)
    parts = [field("taskId", task_id), file_part(PDF)]
    response = s3_client.post("/api/files", content=body(parts), headers=headers())

    assert response.status_code == 500
    assert s3.keys() == []


def test_no_presigned_url_is_stored_or_logged(
    s3_client: TestClient, s3_engine: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    task_id = new_task(s3_client)
    record = upload(s3_client, task_id, PDF, "invoice.pdf", "application/pdf")
    for _ in range(2):
        location = s3_client.get(
            f"/api/files/{record['id']}/download", follow_redirects=False
        ).headers["location"]
        assert "X-Amz-Signature=" in location
    s3_engine.store.close()

    stored = b"".join(path.read_bytes() for path in tmp_path.glob("dataops.db*"))
    assert record["id"].encode() in stored
    assert b"X-Amz-Signature" not in stored
    assert b"X-Amz-Credential" not in stored
    logged = "\n".join(rec.getMessage() for rec in caplog.records)
    assert "X-Amz-Signature" not in logged


@pytest.mark.live
def test_a_real_engine_process_stores_in_s3_and_redirects_downloads(
    tmp_path: Path, s3: S3Emulator
) -> None:
    env = {**s3.env, "DATAOPS_BLOBS": f"s3://{s3.bucket}/live"}
    with live_server(tmp_path, env) as server:
        task = httpx.post(
            f"{server.url}/api/tasks", json={"description": "Upload the take", "date": "2026-12-01"}
        ).json()
        parts = [field("taskId", task["id"]), file_part(RECORDING, "take-1.wav", "audio/wav")]
        created = httpx.post(
            f"{server.url}/api/files", content=body(parts), headers=headers(), timeout=60
        )
        assert created.status_code == 201, created.text
        record = created.json()["file"]
        assert record["storageUri"] == f"s3://{s3.bucket}/live/files/{record['id']}"

        redirect = httpx.get(f"{server.url}/api/files/{record['id']}/download")
        assert redirect.status_code == 302
        downloaded = httpx.get(
            f"{server.url}/api/files/{record['id']}/download", follow_redirects=True, timeout=60
        )
        assert downloaded.status_code == 200
        assert downloaded.content == RECORDING

        assert httpx.delete(f"{server.url}/api/files/{record['id']}").status_code == 204
    assert s3.keys() == []
    logs = "".join(path.read_text() for path in tmp_path.glob("server-*.log"))
    assert "X-Amz-Signature" not in logs


def test_an_unreachable_bucket_is_a_503_and_nothing_is_recorded(
    s3_client: TestClient, s3_engine: Engine, s3: S3Emulator
) -> None:
    task = s3_client.post(
        "/api/tasks", json={"description": "Invoice", "date": "2026-12-01"}
    ).json()
    _empty_and_delete(s3)
    parts = [field("taskId", task["id"]), file_part(PDF, "invoice.pdf", "application/pdf")]
    response = s3_client.post("/api/files", content=body(parts), headers=headers())
    assert response.status_code == 503
    assert response.json() == {"error": "Binary storage is unavailable right now; try again later"}
    assert s3_engine.store.count("files") == 0
    s3.client.create_bucket(Bucket=s3.bucket)  # for the fixture's clean-up


def _empty_and_delete(s3: S3Emulator) -> None:
    s3.client.delete_bucket(Bucket=s3.bucket)
