"""Files through the HTTP API (6.1-6.4, 10.8, 10.11): upload, list, get, download, delete, the
file proof, and legacy records."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from dataops.blobs.local import LocalBlobStore
from dataops.engine.context import Engine
from tests.conftest import client_for, make_engine, make_settings
from tests.support.identity import PORTAL_SECRET, portal_headers
from tests.support.multipart import body, field, file_part, headers, stored_blobs

PDF = b"%PDF-1.7 invoice 2026-11 total 120.00 EUR\n"
UPLOAD_REFUSED = "Production file upload requires configured durable storage; local filesystem storage is disabled"


def blob_root(engine: Engine) -> Path:
    assert isinstance(engine.blobs, LocalBlobStore)
    return engine.blobs.root


def new_task(client: TestClient, **fields: Any) -> dict[str, Any]:
    response = client.post(
        "/api/tasks", json={"description": "Pay the venue", "date": "2026-12-01", **fields}
    )
    assert response.status_code == 201, response.text
    task: dict[str, Any] = response.json()
    return task


def upload(
    client: TestClient,
    task_id: str,
    content: bytes = PDF,
    filename: str = "invoice.pdf",
    content_type: str | None = "application/pdf",
    **fields: str,
) -> Any:
    parts = [field("taskId", task_id), *(field(k, v) for k, v in fields.items())]
    parts.append(file_part(content, filename, content_type))
    return client.post("/api/files", content=body(parts), headers=headers())


# --- upload ---------------------------------------------------------------------------------


def test_upload_records_checksum_size_and_an_engine_generated_key(
    client: TestClient, engine: Engine
) -> None:
    task = new_task(client)
    response = upload(client, task["id"], category="invoice", tags='["venue", "2026"]')

    assert response.status_code == 201
    assert response.headers["content-type"] == "application/json"
    record = response.json()["file"]
    assert record == {
        "id": record["id"],
        "taskId": task["id"],
        "filename": "invoice.pdf",
        "category": "invoice",
        "tags": ["venue", "2026"],
        "storageProvider": "local-dev",
        "storageUri": f"local-dev://files/{record['id']}",
        "contentType": "application/pdf",
        "checksum": "sha256:" + hashlib.sha256(PDF).hexdigest(),
        "sizeBytes": len(PDF),
        "createdAt": record["createdAt"],
    }
    assert "bundleId" not in record
    assert stored_blobs(blob_root(engine)) == [f"files/{record['id']}"]
    assert (blob_root(engine) / "files" / record["id"]).read_bytes() == PDF


def test_upload_defaults_category_and_content_type(client: TestClient) -> None:
    task = new_task(client)
    record = upload(client, task["id"], b"notes", "notes.txt", content_type=None).json()["file"]
    assert record["category"] == "document"
    assert record["contentType"] == "application/octet-stream"
    assert "tags" not in record


def test_upload_to_a_bundled_task_records_the_bundle(client: TestClient) -> None:
    bundle = client.post("/api/bundles", json={"title": "Episode 12", "anchorDate": "2026-12-10"})
    bundle_id = bundle.json()["bundle"]["id"]
    task = new_task(client, bundleId=bundle_id)
    record = upload(client, task["id"]).json()["file"]
    assert record["bundleId"] == bundle_id

    listed = client.get("/api/files", params={"bundleId": bundle_id}).json()["files"]
    assert [item["id"] for item in listed] == [record["id"]]


def test_the_same_filename_twice_gives_two_independent_binaries(
    client: TestClient, engine: Engine
) -> None:
    task = new_task(client)
    first = upload(client, task["id"], b"first version").json()["file"]
    second = upload(client, task["id"], b"second version").json()["file"]

    assert first["filename"] == second["filename"] == "invoice.pdf"
    assert first["storageUri"] != second["storageUri"]
    assert client.get(f"/api/files/{first['id']}/download").content == b"first version"
    assert client.get(f"/api/files/{second['id']}/download").content == b"second version"
    assert len(stored_blobs(blob_root(engine))) == 2


@pytest.mark.parametrize(
    ("sent", "shown"),
    [
        (b"../../etc/passwd", "passwd"),
        (b"C:\\x\\y.pdf", "y.pdf"),
        (b"/var/tmp/report.csv", "report.csv"),
        (b"in\x00voice\x07\x1b.pdf", "invoice.pdf"),
        (b"receipt\xe2\x80\xaefdp.exe", "receiptfdp.exe"),  # right-to-left override removed
        ("Rechnung März.pdf".encode(), "Rechnung März.pdf"),
    ],
)
def test_hostile_filenames_are_shown_sanitised_and_never_used_as_paths(
    client: TestClient, engine: Engine, tmp_path: Path, sent: bytes, shown: str
) -> None:
    task = new_task(client)
    parts = [field("taskId", task["id"]), file_part(b"content", sent)]
    response = client.post("/api/files", content=body(parts), headers=headers())

    assert response.status_code == 201, response.text
    record = response.json()["file"]
    assert record["filename"] == shown
    assert stored_blobs(blob_root(engine)) == [f"files/{record['id']}"]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["blobs"]


def test_the_last_file_part_wins_whatever_its_field_name(
    client: TestClient, engine: Engine
) -> None:
    task = new_task(client)
    parts = [
        file_part(b"draft", "draft.pdf"),
        field("taskId", task["id"]),
        file_part(b"final", "final.pdf", name="attachment"),
    ]
    record = client.post("/api/files", content=body(parts), headers=headers()).json()["file"]
    assert record["filename"] == "final.pdf"
    assert client.get(f"/api/files/{record['id']}/download").content == b"final"
    assert stored_blobs(blob_root(engine)) == [f"files/{record['id']}"]


def test_a_quoted_boundary_and_a_preamble_of_blank_lines_are_accepted(client: TestClient) -> None:
    task = new_task(client)
    raw = b"\r\n" + body([field("taskId", task["id"]), file_part(b"x")], boundary="a b:c")
    response = client.post(
        "/api/files",
        content=raw,
        headers={"content-type": 'multipart/form-data; boundary="a b:c"'},
    )
    assert response.status_code == 201, response.text


def test_uploading_never_creates_an_artifact(client: TestClient, engine: Engine) -> None:
    task = new_task(client)
    upload(client, task["id"])
    assert engine.store.count("artifacts") == 0


def test_upload_and_delete_are_audited_with_the_actor(client: TestClient, engine: Engine) -> None:
    task = new_task(client)
    parts = [field("taskId", task["id"]), file_part(PDF)]
    response = client.post(
        "/api/files", content=body(parts), headers={**headers(), "x-user-id": "grace"}
    )
    file_id = response.json()["file"]["id"]
    assert client.delete(f"/api/files/{file_id}", headers={"x-user-id": "ada"}).status_code == 204

    events = engine.store.query("audit_events", "GSI-Entity", file_id).items
    assert [(e["action"], e.get("actorId"), e["entityType"]) for e in events] == [
        ("file.uploaded", "grace", "file"),
        ("file.deleted", "ada", "file"),
    ]
    assert events[0]["after"]["checksum"] == "sha256:" + hashlib.sha256(PDF).hexdigest()
    assert events[1]["before"]["filename"] == "invoice.pdf"


def test_an_upload_changes_the_task_version(client: TestClient) -> None:
    """The task's ETag moves with its proof: a client holding the old version must re-read."""
    task = new_task(client)
    etag = client.get(f"/api/tasks/{task['id']}").headers["etag"]
    upload(client, task["id"])
    assert client.get(f"/api/tasks/{task['id']}").headers["etag"] != etag


# --- list and get ---------------------------------------------------------------------------


def test_list_by_task_returns_only_that_tasks_files_oldest_first(client: TestClient) -> None:
    task, other = new_task(client), new_task(client)
    first = upload(client, task["id"]).json()["file"]
    upload(client, other["id"])
    second = upload(client, task["id"], filename="receipt.png").json()["file"]

    response = client.get("/api/files", params={"taskId": task["id"]})
    assert response.status_code == 200
    assert [item["id"] for item in response.json()["files"]] == [first["id"], second["id"]]
    assert client.get("/api/files", params={"taskId": "no-such-task"}).json() == {"files": []}


def test_list_by_category_and_tag(client: TestClient) -> None:
    task = new_task(client)
    venue = upload(client, task["id"], category="invoice", tags='["venue"]').json()["file"]
    catering = upload(client, task["id"], category="invoice", tags='["catering"]').json()["file"]
    photo = upload(client, task["id"], category="image", tags='["venue"]').json()["file"]

    def ids(**params: str) -> list[str]:
        response = client.get("/api/files", params=params)
        assert response.status_code == 200
        return [item["id"] for item in response.json()["files"]]

    assert ids(category="invoice") == [venue["id"], catering["id"]]
    assert ids(category="invoice", tag="venue") == [venue["id"]]
    assert ids(tag="venue") == [venue["id"], photo["id"]]
    assert ids() == [venue["id"], catering["id"], photo["id"]]
    assert ids(taskId=task["id"], category="image") == [photo["id"]]
    assert ids(category="spreadsheet") == []


def test_lists_are_never_truncated_and_page_with_limit_and_cursor(client: TestClient) -> None:
    task = new_task(client)
    uploaded = [upload(client, task["id"], f"{n}".encode()).json()["file"]["id"] for n in range(5)]

    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params = {"taskId": task["id"], "limit": "2", **({"cursor": cursor} if cursor else {})}
        payload = client.get("/api/files", params=params).json()
        seen += [item["id"] for item in payload["files"]]
        pages += 1
        cursor = payload.get("nextCursor")
        if cursor is None:
            break
    assert seen == uploaded
    assert pages == 3
    assert [
        f["id"] for f in client.get("/api/files", params={"taskId": task["id"]}).json()["files"]
    ] == uploaded

    bad = client.get("/api/files", params={"limit": "0"})
    assert (bad.status_code, bad.json()) == (
        400,
        {"error": "limit must be an integer from 1 to 1000"},
    )


def test_get_one_file(client: TestClient) -> None:
    task = new_task(client)
    record = upload(client, task["id"]).json()["file"]
    response = client.get(f"/api/files/{record['id']}")
    assert (response.status_code, response.json()) == (200, {"file": record})
    assert client.get(f"/api/files/{record['id']}/").json() == {"file": record}

    missing = client.get("/api/files/0b0e6a1c-5f9b-4c8e-9d55-2a1f8f0e0000")
    assert (missing.status_code, missing.json()) == (404, {"error": "File not found"})


# --- download -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "content_type"),
    [
        ("notes.txt", "text/plain"),
        ("page.html", "text/html"),
        ("style.css", "text/css"),
        ("app.js", "application/javascript"),
        ("data.json", "application/json"),
        ("cover.png", "image/png"),
        ("photo.JPG", "image/jpeg"),
        ("photo.jpeg", "image/jpeg"),
        ("anim.gif", "image/gif"),
        ("logo.svg", "image/svg+xml"),
        ("invoice.pdf", "application/pdf"),
        ("bundle.zip", "application/zip"),
        ("sheet.csv", "text/csv"),
        ("feed.xml", "application/xml"),
        ("letter.doc", "application/msword"),
        (
            "letter.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("budget.xls", "application/vnd.ms-excel"),
        ("budget.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("recording.wav", "application/octet-stream"),
        ("README", "application/octet-stream"),
    ],
)
def test_download_has_the_exact_content_type_by_extension(
    client: TestClient, filename: str, content_type: str
) -> None:
    task = new_task(client)
    record = upload(client, task["id"], b"bytes", filename, content_type="text/plain").json()[
        "file"
    ]
    response = client.get(f"/api/files/{record['id']}/download")
    assert response.status_code == 200
    assert response.headers["content-type"] == content_type
    assert response.headers["content-disposition"] == f'attachment; filename="{filename}"'
    assert response.content == b"bytes"


def test_download_streams_the_exact_bytes(client: TestClient) -> None:
    task = new_task(client)
    content = bytes(range(256)) * 20_000  # 5 MB, every byte value
    record = upload(client, task["id"], content, "recording.bin").json()["file"]
    response = client.get(f"/api/files/{record['id']}/download")
    assert response.status_code == 200
    assert response.headers["content-length"] == str(len(content))
    assert hashlib.sha256(response.content).hexdigest() == record["checksum"].removeprefix(
        "sha256:"
    )


def test_download_of_a_name_outside_ascii_adds_an_encoded_filename(client: TestClient) -> None:
    task = new_task(client)
    record = upload(client, task["id"], b"x", 'Rechnung "März".pdf').json()["file"]
    response = client.get(f"/api/files/{record['id']}/download")
    assert response.status_code == 200
    assert response.headers["content-disposition"] == (
        'attachment; filename="Rechnung \\"M_rz\\".pdf"; '
        "filename*=UTF-8''Rechnung%20%22M%C3%A4rz%22.pdf"
    )


def test_download_errors(client: TestClient, engine: Engine) -> None:
    missing = client.get("/api/files/no-such-file/download")
    assert (missing.status_code, missing.json()) == (404, {"error": "File not found"})

    task = new_task(client)
    record = upload(client, task["id"]).json()["file"]
    (blob_root(engine) / "files" / record["id"]).unlink()
    gone = client.get(f"/api/files/{record['id']}/download")
    assert (gone.status_code, gone.json()) == (404, {"error": "File not found on disk"})


# --- delete ---------------------------------------------------------------------------------


def test_delete_removes_record_and_binary(client: TestClient, engine: Engine) -> None:
    task = new_task(client)
    record = upload(client, task["id"]).json()["file"]

    response = client.delete(f"/api/files/{record['id']}")
    assert (response.status_code, response.content) == (204, b"")
    assert client.get(f"/api/files/{record['id']}").status_code == 404
    assert stored_blobs(blob_root(engine)) == []

    again = client.delete(f"/api/files/{record['id']}")
    assert (again.status_code, again.json()) == (404, {"error": "File not found"})


def test_delete_ignores_a_missing_binary(client: TestClient, engine: Engine) -> None:
    task = new_task(client)
    record = upload(client, task["id"]).json()["file"]
    (blob_root(engine) / "files" / record["id"]).unlink()
    assert client.delete(f"/api/files/{record['id']}").status_code == 204
    assert engine.store.get("files", record["id"]) is None


def test_delete_clears_the_file_id_of_artifacts_in_the_same_operation(
    client: TestClient, engine: Engine
) -> None:
    task = new_task(client)
    record = upload(client, task["id"]).json()["file"]
    other = upload(client, task["id"]).json()["file"]
    for artifact_id, file_id in (("a-invoice", record["id"]), ("a-other", other["id"])):
        engine.store.create(
            "artifacts",
            {
                "id": artifact_id,
                "type": "invoice",
                "title": "Venue invoice",
                "status": "approved",
                "storageProvider": "local-dev",
                "storageUri": f"local-dev://files/{file_id}",
                "checksum": "sha256:00",
                "fileId": file_id,
                "taskId": task["id"],
                "createdAt": "2026-11-28T09:00:00.000Z",
                "updatedAt": "2026-11-28T09:00:00.000Z",
            },
        )

    assert (
        client.delete(f"/api/files/{record['id']}", headers={"x-user-id": "ada"}).status_code == 204
    )

    detached = engine.store.get("artifacts", "a-invoice")
    assert detached is not None
    assert "fileId" not in detached
    assert detached["updatedAt"] > "2026-11-28T09:00:00.000Z"
    untouched = engine.store.get("artifacts", "a-other")
    assert untouched is not None and untouched["fileId"] == other["id"]
    events = engine.store.query("audit_events", "GSI-Entity", "a-invoice").items
    assert [(e["action"], e["actorId"], e["before"]) for e in events] == [
        ("artifact.detached", "ada", {"fileId": record["id"]})
    ]


# --- routing --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PATCH", "/api/files"),
        ("PUT", "/api/files"),
        ("DELETE", "/api/files"),
        ("PUT", "/api/files/some-id"),
        ("POST", "/api/files/some-id"),
        ("POST", "/api/files/some-id/download"),
        ("DELETE", "/api/files/some-id/download"),
        ("GET", "/api/files/some-id/versions"),
        ("GET", "/api/files/a/b/download"),
    ],
)
def test_files_never_answer_405(client: TestClient, method: str, path: str) -> None:
    response = client.request(method, path)
    assert (response.status_code, response.json()) == (404, {"error": "Not found"})


# --- legacy records -------------------------------------------------------------------------


def legacy_record(
    engine: Engine, task_id: str, storage_path: str, filename: str = "notes.txt"
) -> str:
    engine.store.create(
        "files",
        {
            "id": f"legacy-{len(storage_path)}",
            "taskId": task_id,
            "filename": filename,
            "category": "document",
            "storagePath": storage_path,
            "createdAt": "2025-03-01T10:00:00.000Z",
        },
    )
    return f"legacy-{len(storage_path)}"


def test_a_legacy_record_with_only_storage_path_downloads_and_shows_a_local_dev_uri(
    client: TestClient, engine: Engine
) -> None:
    task = new_task(client)
    (blob_root(engine) / task["id"]).mkdir(parents=True)
    (blob_root(engine) / task["id"] / "notes.txt").write_bytes(b"legacy notes")
    file_id = legacy_record(engine, task["id"], f"{task['id']}\\notes.txt")

    shown = client.get(f"/api/files/{file_id}").json()["file"]
    assert shown["storageUri"] == f"local-dev://{task['id']}/notes.txt"
    assert shown["storageProvider"] == "local-dev"
    listed = client.get("/api/files", params={"taskId": task["id"]}).json()["files"]
    assert listed[0]["storageUri"] == f"local-dev://{task['id']}/notes.txt"

    response = client.get(f"/api/files/{file_id}/download")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain"
    assert response.content == b"legacy notes"


@pytest.mark.parametrize(
    "storage_path",
    [
        "../outside.txt",
        "../../outside.txt",
        "/etc/passwd",
        "C:\\outside.txt",
        "t/../../outside.txt",
        "escape/outside.txt",
    ],
)
def test_a_legacy_path_never_escapes_the_blob_directory(
    client: TestClient, engine: Engine, tmp_path: Path, storage_path: str
) -> None:
    (tmp_path / "outside.txt").write_bytes(b"not yours")
    blob_root(engine).mkdir(parents=True, exist_ok=True)
    (blob_root(engine) / "escape").symlink_to(tmp_path)
    task = new_task(client)
    file_id = legacy_record(engine, task["id"], storage_path)

    response = client.get(f"/api/files/{file_id}/download")
    assert (response.status_code, response.json()) == (404, {"error": "File not found on disk"})
    assert client.delete(f"/api/files/{file_id}").status_code == 204
    assert (tmp_path / "outside.txt").read_bytes() == b"not yours"


def test_a_record_without_any_location_is_not_on_disk(client: TestClient, engine: Engine) -> None:
    task = new_task(client)
    engine.store.create("files", {"id": "nowhere", "taskId": task["id"], "filename": "a.pdf"})
    response = client.get("/api/files/nowhere/download")
    assert (response.status_code, response.json()) == (404, {"error": "File not found on disk"})


# --- the production guard, in process -------------------------------------------------------


def test_in_production_uploads_and_downloads_of_local_binaries_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    local = make_engine(make_settings(tmp_path))
    local_client = client_for(local)
    task = new_task(local_client)
    record = upload(local_client, task["id"]).json()["file"]
    local.store.close()

    production = make_engine(
        make_settings(
            tmp_path,
            DATAOPS_ENV="production",
            DATAOPS_AUTH_MODE="portal",
            WORK_ENGINE_PORTAL_SECRET=PORTAL_SECRET,
        )
    )
    client = client_for(production, portal_headers())
    task = new_task(client)
    production.store.create("files", {**record, "taskId": task["id"]})

    def no_spooling() -> None:
        raise AssertionError("an upload that will be refused must not be spooled to disk")

    monkeypatch.setattr("dataops.api.multipart.tempfile.TemporaryFile", no_spooling)
    before = stored_blobs(tmp_path / "blobs")

    refused = upload(client, task["id"])
    assert refused.status_code == 409
    assert refused.json() == {"error": UPLOAD_REFUSED}
    download = client.get(f"/api/files/{record['id']}/download")
    assert (download.status_code, download.json()) == (
        409,
        {"error": "Local filesystem downloads are disabled outside local/test mode"},
    )
    assert stored_blobs(tmp_path / "blobs") == before
    assert [
        f["id"] for f in client.get("/api/files", params={"taskId": task["id"]}).json()["files"]
    ] == [record["id"]]

    # Validation still comes first (the upload order): the guard is step 9.
    missing = upload(client, "no-such-task")
    assert (missing.status_code, missing.json()) == (404, {"error": "Task not found"})
