"""Bad uploads (6.3): each gets its 4xx message in the contract's order, nothing is recorded, and
no binary is left behind in the blob directory."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from starlette.testclient import TestClient

from dataops.api.app import create_app
from dataops.blobs.local import LocalBlobStore
from dataops.engine.context import Engine
from tests.conftest import client_for, make_engine, make_settings
from tests.support.multipart import (
    BOUNDARY,
    Part,
    body,
    field,
    file_part,
    headers,
    stored_blobs,
)


@pytest.fixture
def task_id(client: TestClient) -> str:
    response = client.post(
        "/api/tasks", json={"description": "File the receipt", "date": "2026-12-01"}
    )
    task: dict[str, Any] = response.json()
    return str(task["id"])


def assert_refused(response: httpx.Response, engine: Engine, status: int, message: str) -> None:
    """The exact refusal, no file record, no binary (not even a partial one)."""
    assert (response.status_code, response.json()) == (status, {"error": message})
    assert response.headers["content-type"] == "application/json"
    assert engine.store.count("files") == 0
    assert isinstance(engine.blobs, LocalBlobStore)
    assert stored_blobs(engine.blobs.root) == []


def post(client: TestClient, parts: list[Part], **kwargs: Any) -> httpx.Response:
    return client.post("/api/files", content=body(parts, **kwargs), headers=headers())


# --- step 1: content type --------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "application/json",
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/mixed; boundary=x",
    ],
)
def test_a_body_that_is_not_multipart_form_data_is_refused(
    client: TestClient, engine: Engine, task_id: str, content_type: str | None
) -> None:
    raw = body([field("taskId", task_id), file_part(b"x")])
    sent = {"content-type": content_type} if content_type else {}
    response = client.post("/api/files", content=raw, headers=sent)
    assert_refused(response, engine, 400, "Content-Type must be multipart/form-data")


def test_a_json_upload_is_refused(client: TestClient, engine: Engine, task_id: str) -> None:
    response = client.post("/api/files", json={"taskId": task_id, "file": "aGVsbG8="})
    assert_refused(response, engine, 400, "Content-Type must be multipart/form-data")


# --- step 2: empty body ----------------------------------------------------------------------


def test_an_empty_body_is_refused(client: TestClient, engine: Engine) -> None:
    response = client.post("/api/files", content=b"", headers=headers())
    assert_refused(response, engine, 400, "Request body is required")


# --- step 3: parsing -------------------------------------------------------------------------


def test_without_a_boundary_there_are_no_fields(
    client: TestClient, engine: Engine, task_id: str
) -> None:
    raw = body([field("taskId", task_id), file_part(b"x")])
    for content_type in (
        "multipart/form-data",
        "multipart/form-data; boundary=",
        "multipart/form-data; charset=utf-8",
    ):
        response = client.post("/api/files", content=raw, headers={"content-type": content_type})
        assert_refused(response, engine, 400, "Missing required field: taskId")


@pytest.mark.parametrize(
    "boundary",
    ["another-boundary", BOUNDARY[:-1], "x" * 300],
)
def test_a_boundary_that_does_not_match_the_body_is_malformed(
    client: TestClient, engine: Engine, task_id: str, boundary: str
) -> None:
    raw = body([field("taskId", task_id), file_part(b"x")])
    response = client.post("/api/files", content=raw, headers=headers(boundary))
    assert_refused(response, engine, 400, "Malformed multipart/form-data body")


@pytest.mark.parametrize(
    "raw",
    [
        b"just some text, no parts at all",
        b"--"
        + BOUNDARY.encode()
        + b"\r\nContent-Disposition form-data\r\n\r\nx\r\n--"
        + BOUNDARY.encode()
        + b"--\r\n",
        b"--"
        + BOUNDARY.encode()
        + b"\r\n"
        + b"X-Filler: y\r\n" * 40
        + b"\r\nx\r\n--"
        + BOUNDARY.encode()
        + b"--\r\n",
    ],
    ids=["no-parts", "header-without-colon", "too-many-headers"],
)
def test_a_body_that_is_not_multipart_is_malformed(
    client: TestClient, engine: Engine, raw: bytes
) -> None:
    response = client.post("/api/files", content=raw, headers=headers())
    assert_refused(response, engine, 400, "Malformed multipart/form-data body")


def test_a_truncated_upload_stores_nothing(
    client: TestClient, engine: Engine, task_id: str
) -> None:
    """The client stopped before the closing boundary: the file part may be incomplete."""
    raw = body([field("taskId", task_id), file_part(b"%PDF half of an invoice")], closed=False)
    response = client.post("/api/files", content=raw, headers=headers())
    assert_refused(response, engine, 400, "Malformed multipart/form-data body")


# --- steps 4-5: required fields --------------------------------------------------------------


def test_missing_task_id(client: TestClient, engine: Engine) -> None:
    assert_refused(post(client, [file_part(b"x")]), engine, 400, "Missing required field: taskId")
    assert_refused(
        post(client, [field("taskId", ""), file_part(b"x")]),
        engine,
        400,
        "Missing required field: taskId",
    )


def test_missing_task_id_is_reported_before_a_missing_file(
    client: TestClient, engine: Engine
) -> None:
    assert_refused(
        post(client, [field("category", "invoice")]), engine, 400, "Missing required field: taskId"
    )


def test_missing_file_part(client: TestClient, engine: Engine, task_id: str) -> None:
    response = post(client, [field("taskId", task_id), field("file", "not a file part")])
    assert_refused(response, engine, 400, "Missing required field: file")


@pytest.mark.parametrize(
    "filename",
    [b"", b"../", b"..", b"C:\\", b"\x00\x01\x02", b"folder/", b"   "],
    ids=["empty", "parent-dir", "dot-dot", "drive-root", "controls-only", "directory", "blank"],
)
def test_a_filename_that_is_empty_after_sanitising_means_no_file(
    client: TestClient, engine: Engine, task_id: str, filename: bytes
) -> None:
    response = post(client, [field("taskId", task_id), file_part(b"content", filename)])
    assert_refused(response, engine, 400, "Missing required field: file")


def test_a_filename_over_255_characters(client: TestClient, engine: Engine, task_id: str) -> None:
    response = post(client, [field("taskId", task_id), file_part(b"x", "a" * 252 + ".pdf")])
    assert_refused(response, engine, 400, "filename is too long (max 255)")


def test_an_empty_file_is_refused(client: TestClient, engine: Engine, task_id: str) -> None:
    response = post(client, [field("taskId", task_id), file_part(b"")])
    assert_refused(response, engine, 400, "Uploaded file is empty")


def test_an_overlong_part_content_type(client: TestClient, engine: Engine, task_id: str) -> None:
    part = file_part(b"x", content_type="application/" + "x" * 300)
    response = post(client, [field("taskId", task_id), part])
    assert_refused(response, engine, 400, "contentType is too long (max 255)")


# --- step 6: task ----------------------------------------------------------------------------


def test_a_missing_task(client: TestClient, engine: Engine) -> None:
    response = post(
        client, [field("taskId", "no-such-task"), field("category", "poster"), file_part(b"x")]
    )
    assert_refused(response, engine, 404, "Task not found")


# --- steps 7-8: category and tags ------------------------------------------------------------


@pytest.mark.parametrize("category", ["poster", "Invoice", "IMAGE", " document"])
def test_an_unknown_category(
    client: TestClient, engine: Engine, task_id: str, category: str
) -> None:
    parts = [
        field("taskId", task_id),
        field("category", category),
        field("tags", "nope"),
        file_part(b"x"),
    ]
    assert_refused(
        post(client, parts),
        engine,
        400,
        "Invalid category. Must be one of: image, invoice, document",
    )


@pytest.mark.parametrize(
    "tags",
    [
        "",
        "venue",
        '{"tag": "venue"}',
        "[1, 2]",
        '["venue", null]',
        '"venue"',
        "[",
        "NaN",
        '[["nested"]]',
    ],
)
def test_tags_that_are_not_a_json_array_of_strings(
    client: TestClient, engine: Engine, task_id: str, tags: str
) -> None:
    parts = [field("taskId", task_id), field("tags", tags), file_part(b"x")]
    assert_refused(post(client, parts), engine, 400, "Invalid tags format. Must be a JSON array.")


def test_tags_over_the_limits(client: TestClient, engine: Engine, task_id: str) -> None:
    many = "[" + ",".join(f'"t{n}"' for n in range(51)) + "]"
    parts = [field("taskId", task_id), field("tags", many), file_part(b"x")]
    assert_refused(post(client, parts), engine, 400, "tags is too long (max 50)")
    long = '["' + "t" * 101 + '"]'
    parts = [field("taskId", task_id), field("tags", long), file_part(b"x")]
    assert_refused(post(client, parts), engine, 400, "tags is too long (max 100)")


# --- sizes -----------------------------------------------------------------------------------


@pytest.fixture
def small_limit(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(make_settings(tmp_path, DATAOPS_MAX_UPLOAD_BYTES="1000"))
    yield engine
    engine.store.close()


def test_a_file_over_the_limit_is_refused(small_limit: Engine) -> None:
    client = client_for(small_limit)
    task = client.post("/api/tasks", json={"description": "x", "date": "2026-12-01"}).json()

    at_limit = post(client, [field("taskId", task["id"]), file_part(b"x" * 1000)])
    assert at_limit.status_code == 201
    assert client.delete(f"/api/files/{at_limit.json()['file']['id']}").status_code == 204

    over = post(client, [field("taskId", task["id"]), file_part(b"x" * 1001)])
    assert_refused(
        over, small_limit, 413, "File too large: the limit is 1000 bytes; use a direct upload"
    )


def test_a_declared_length_far_over_the_limit_is_refused_before_reading(
    small_limit: Engine,
) -> None:
    received: list[bytes] = []

    async def run() -> list[Any]:
        messages: list[Any] = []

        async def receive() -> dict[str, Any]:
            received.append(b"")
            return {"type": "http.request", "body": b"x" * 65_536, "more_body": True}

        async def send(message: Any) -> None:
            messages.append(message)

        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": "/api/files",
            "raw_path": b"/api/files",
            "query_string": b"",
            "root_path": "",
            "headers": [
                (b"content-type", headers()["content-type"].encode()),
                (b"content-length", b"5000000000"),
            ],
            "client": ("127.0.0.1", 1),
            "server": ("127.0.0.1", 80),
        }
        await create_app(small_limit)(scope, receive, send)
        return messages

    messages = anyio.run(run)
    assert messages[0]["status"] == 413
    assert b"File too large: the limit is 1000 bytes; use a direct upload" in messages[1]["body"]
    assert received == []


def test_reading_stops_at_the_first_chunk_over_the_limit(tmp_path: Path) -> None:
    """A client streaming 20 MB against a 100 kB limit is cut off after a few chunks."""
    engine = make_engine(make_settings(tmp_path, DATAOPS_MAX_UPLOAD_BYTES="100000"))
    client = client_for(engine)
    task = client.post("/api/tasks", json={"description": "x", "date": "2026-12-01"}).json()
    head = (
        body([field("taskId", task["id"])], closed=False)
        + (
            f"--{BOUNDARY}\r\n"
            'Content-Disposition: form-data; name="file"; filename="big.wav"\r\n\r\n'
        ).encode()
    )
    sent: list[int] = []

    async def chunks() -> AsyncIterator[bytes]:
        yield head
        for _ in range(320):
            sent.append(65_536)
            yield b"\x00" * 65_536
        yield f"\r\n--{BOUNDARY}--\r\n".encode()

    async def run() -> httpx.Response:
        transport = httpx.ASGITransport(app=create_app(engine))
        async with httpx.AsyncClient(transport=transport, base_url="http://engine") as http:
            return await http.post("/api/files", content=chunks(), headers=headers())

    response = anyio.run(run)
    assert_refused(
        response, engine, 413, "File too large: the limit is 100000 bytes; use a direct upload"
    )
    assert len(sent) < 10


def test_text_fields_over_a_megabyte_are_refused(
    client: TestClient, engine: Engine, task_id: str
) -> None:
    parts = [field("taskId", task_id), field("notes", "x" * 1_100_000), file_part(b"x")]
    assert_refused(post(client, parts), engine, 413, "Request body too large")


# --- nothing left behind when the record cannot be written -----------------------------------


def test_a_failed_record_write_deletes_the_binary(
    client: TestClient, engine: Engine, task_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = engine.store.transact

    def failing(writes: Any) -> Any:
        if any(getattr(write, "table", "") == "files" for write in writes):
            raise OSError("disk full")
        return real(writes)

    monkeypatch.setattr(engine.store, "transact", failing)
    response = post(client, [field("taskId", task_id), file_part(b"%PDF")])
    assert_refused(response, engine, 500, "Internal server error")
