"""A 200 MB file goes up and comes back down through the portal (`dataops serve`: the portal
and the engine in one process), streamed both ways: the process's peak resident memory grows by
at most 64 MB over what it holds at rest. The kernel's own peak (VmHWM, reset before each step)
is the measure, so no sample can miss a spike; the speed is the benchmark's business
(`python -m bench portal`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bench.upload import download, upload
from tests.portal.conftest import Product, start_product
from tests.support import memory

SIZE = 200 * memory.MB
LIMIT = 64 * memory.MB


@pytest.fixture
def product(tmp_path: Path) -> Iterator[Product]:
    spool = tmp_path / "tmp"
    spool.mkdir()
    env = {"DATAOPS_MAX_UPLOAD_BYTES": str(SIZE + memory.MB), "TMPDIR": str(spool)}
    yield from start_product(tmp_path, env)


def test_200_mb_up_and_down_through_the_portal_in_bounded_memory(product: Product) -> None:
    pid = product.server.process.pid
    with product.sign_in() as ada:
        # The benchmark's own steps (bench/upload.py), relative to the API's root.
        ada.base_url = httpx.URL(f"{product.url}/work/api/")
        ada.timeout = httpx.Timeout(600)
        task = ada.post("tasks", json={"description": "Upload", "date": "2026-12-01"})
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
        received = download(ada, record["id"])  # streamed and hashed as it arrives
        download_peak = memory.peak(pid)
        assert received == sent

    assert upload_peak - at_rest <= LIMIT, (
        f"upload grew {(upload_peak - at_rest) / memory.MB:.1f} MB"
    )
    assert download_peak - at_rest <= LIMIT, (
        f"download grew {(download_peak - at_rest) / memory.MB:.1f} MB"
    )
