"""Files against a real engine process: streamed uploads and downloads over real HTTP, and the
production guard of product.md scenario 7 (DATAOPS_ENV=production with a local-dev blob store)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from dataops.bootstrap import open_engine
from dataops.config import Settings
from dataops.engine import tasks, users
from tests.support.live import live_server
from tests.support.multipart import stored_blobs

pytestmark = pytest.mark.live

UPLOAD_REFUSED = "Production file upload requires configured durable storage; local filesystem storage is disabled"
DOWNLOAD_REFUSED = "Local filesystem downloads are disabled outside local/test mode"


def test_a_streamed_upload_round_trips_through_a_real_server(tmp_path: Path) -> None:
    chunk = bytes(range(256)) * 256  # 64 KiB
    digest = hashlib.sha256()

    def content() -> Iterator[bytes]:
        for _ in range(128):  # 8 MiB
            digest.update(chunk)
            yield chunk

    with live_server(tmp_path) as server:
        task = httpx.post(
            f"{server.url}/api/tasks",
            json={"description": "Upload the recording", "date": "2026-12-01"},
        ).json()
        boundary = "live-boundary-1234"

        def multipart() -> Iterator[bytes]:
            yield (
                f"--{boundary}\r\n"
                f'Content-Disposition: form-data; name="taskId"\r\n\r\n{task["id"]}\r\n'
                f"--{boundary}\r\n"
                'Content-Disposition: form-data; name="file"; filename="take-1.wav"\r\n'
                "Content-Type: audio/wav\r\n\r\n"
            ).encode()
            yield from content()
            yield f"\r\n--{boundary}--\r\n".encode()

        response = httpx.post(
            f"{server.url}/api/files",
            content=multipart(),
            headers={"content-type": f"multipart/form-data; boundary={boundary}"},
            timeout=60,
        )
        assert response.status_code == 201, response.text
        record = response.json()["file"]
        assert record["sizeBytes"] == 128 * len(chunk)
        assert record["checksum"] == f"sha256:{digest.hexdigest()}"

        received = hashlib.sha256()
        with httpx.stream(
            "GET", f"{server.url}/api/files/{record['id']}/download", timeout=60
        ) as download:
            assert download.status_code == 200
            assert download.headers["content-type"] == "application/octet-stream"
            assert download.headers["content-disposition"] == 'attachment; filename="take-1.wav"'
            for part in download.iter_bytes():
                received.update(part)
        assert received.hexdigest() == digest.hexdigest()
    assert stored_blobs(tmp_path / "blobs") == [f"files/{record['id']}"]


def test_scenario_7_production_refuses_local_file_storage(tmp_path: Path) -> None:
    spool = tmp_path / "spool"
    spool.mkdir()
    env = {
        "DATAOPS_ENV": "production",
        "DATAOPS_AUTH_MODE": "session",
        "DATAOPS_STORE": f"sqlite:///{tmp_path / 'dataops.db'}",
        "DATAOPS_BLOBS": f"local-dev:///{tmp_path / 'blobs'}",
        "TMPDIR": str(spool),
    }
    # The operator account and existing records, written through the engine in-process.
    engine = open_engine(Settings.from_env(env))
    users.add_user(engine, email="ops@example.com", name="Ops", password="correct horse")
    task = tasks.create_task(
        engine, {"description": "Pay the venue", "date": "2026-12-01", "requiresFile": True}, None
    )
    engine.store.create(
        "files",
        {
            "id": "legacy-invoice",
            "taskId": task["id"],
            "filename": "invoice.pdf",
            "category": "invoice",
            "storagePath": f"{task['id']}/invoice.pdf",
            "createdAt": "2025-06-01T10:00:00.000Z",
        },
    )
    engine.store.close()

    with live_server(tmp_path, env) as server:
        login = httpx.post(
            f"{server.url}/api/auth/login",
            json={"email": "ops@example.com", "password": "correct horse"},
        )
        assert login.status_code == 200
        auth = {"authorization": f"Bearer {login.json()['token']}"}

        upload = httpx.post(
            f"{server.url}/api/files",
            data={"taskId": task["id"], "category": "invoice"},
            files={"file": ("invoice.pdf", b"%PDF " + b"x" * 2_000_000, "application/pdf")},
            headers=auth,
            timeout=60,
        )
        assert (upload.status_code, upload.json()) == (409, {"error": UPLOAD_REFUSED})

        download = httpx.get(f"{server.url}/api/files/legacy-invoice/download", headers=auth)
        assert (download.status_code, download.json()) == (409, {"error": DOWNLOAD_REFUSED})

        # The record is still listed (with its migration-safe URI), and proof still counts it.
        listed = httpx.get(
            f"{server.url}/api/files", params={"taskId": task["id"]}, headers=auth
        ).json()
        assert [(f["id"], f["storageUri"]) for f in listed["files"]] == [
            ("legacy-invoice", f"local-dev://{task['id']}/invoice.pdf")
        ]
        assert (
            httpx.get(
                f"{server.url}/api/files", headers={"authorization": "Bearer nope"}
            ).status_code
            == 401
        )

    assert not (tmp_path / "blobs").exists()
    assert list(spool.iterdir()) == []
    log = "".join(path.read_text() for path in tmp_path.glob("server-*.log"))
    assert "local filesystem storage is disabled, so file uploads and downloads are refused" in log
    assert "DATAOPS_ENV=production" in log
