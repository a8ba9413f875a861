"""A 200 MB file goes up and comes back down through the portal (`dataops serve`: the portal
and the engine in one process), streamed both ways: the process's peak resident memory grows by
at most 64 MB over what it holds at rest. The kernel's own peak (VmHWM, reset before each step)
is the measure, so no sample can miss a spike; the speed is the benchmark's business
(`python -m bench portal`)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.portal.conftest import Product, start_product
from tests.support import memory

SIZE = 200 * memory.MB
LIMIT = 64 * memory.MB
BOUNDARY = "portal-large-transfer-7d1e"


@pytest.fixture
def product(tmp_path: Path) -> Iterator[Product]:
    spool = tmp_path / "tmp"
    spool.mkdir()
    env = {"DATAOPS_MAX_UPLOAD_BYTES": str(SIZE + memory.MB), "TMPDIR": str(spool)}
    yield from start_product(tmp_path, env)


def multipart(task_id: str, size: int, digest: Any) -> Iterator[bytes]:
    """The upload body in 1 MB pieces: the client never holds the file either."""
    block = os.urandom(memory.MB)
    yield (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="taskId"\r\n\r\n{task_id}\r\n'
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
        'filename="recording.wav"\r\nContent-Type: audio/wav\r\n\r\n'
    ).encode()
    for offset in range(0, size, memory.MB):
        piece = block[: min(memory.MB, size - offset)]
        digest.update(piece)
        yield piece
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


def upload(client: httpx.Client, task_id: str, size: int) -> tuple[dict[str, Any], str]:
    digest = hashlib.sha256()
    response = client.post(
        "/work/api/files",
        content=multipart(task_id, size, digest),
        headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
    )
    assert response.status_code == 201, response.text
    return response.json()["file"], f"sha256:{digest.hexdigest()}"


def download(client: httpx.Client, file_id: str) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    with client.stream("GET", f"/work/api/files/{file_id}/download") as response:
        assert response.status_code == 200
        for chunk in response.iter_bytes(memory.MB):
            digest.update(chunk)
            size += len(chunk)
    return size, f"sha256:{digest.hexdigest()}"


def test_200_mb_up_and_down_through_the_portal_in_bounded_memory(product: Product) -> None:
    pid = product.server.process.pid
    with product.sign_in() as ada:
        ada.timeout = httpx.Timeout(600)
        task = ada.post("/work/api/tasks", json={"description": "Upload", "date": "2026-12-01"})
        task_id = task.json()["id"]
        # Warm-up: every path of an upload and a download runs once before "at rest".
        warm, _ = upload(ada, task_id, memory.MB)
        download(ada, warm["id"])
        at_rest = memory.resident(pid)

        memory.reset_peak(pid)
        record, sent = upload(ada, task_id, SIZE)
        upload_peak = memory.peak(pid)
        assert (record["sizeBytes"], record["checksum"]) == (SIZE, sent)

        memory.reset_peak(pid)
        size, received = download(ada, record["id"])
        download_peak = memory.peak(pid)
        assert (size, received) == (SIZE, sent)

    assert upload_peak - at_rest <= LIMIT, (
        f"upload grew {(upload_peak - at_rest) / memory.MB:.1f} MB"
    )
    assert download_peak - at_rest <= LIMIT, (
        f"download grew {(download_peak - at_rest) / memory.MB:.1f} MB"
    )
