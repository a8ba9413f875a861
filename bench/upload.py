"""Upload and download a large file through a real engine process; peak RSS vs idle RSS.

Target (issue 5): uploading a 200 MB file keeps the engine's peak resident memory within 64 MB
of its idle resident memory. Usage: `python -m bench upload [--size-mb 200] [--limit-mb 64]`.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx

from bench._engine import EngineProcess, running_engine

T = TypeVar("T")
MB = 1_048_576
BOUNDARY = "bench-upload-boundary-5f1c"


class PeakSampler:
    """Samples VmRSS every few milliseconds: a cross-check of the kernel's VmHWM."""

    def __init__(self, engine: EngineProcess) -> None:
        self.engine = engine
        self.peak = engine.rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.engine.rss())
            time.sleep(0.005)

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def multipart(task_id: str, size: int, digest: Any) -> Iterator[bytes]:
    """A multipart body streamed in 1 MB pieces; the client never holds the file either."""
    block = os.urandom(MB)
    yield (
        f"--{BOUNDARY}\r\n"
        f'Content-Disposition: form-data; name="taskId"\r\n\r\n{task_id}\r\n'
        f"--{BOUNDARY}\r\n"
        'Content-Disposition: form-data; name="file"; filename="recording.wav"\r\n'
        "Content-Type: audio/wav\r\n\r\n"
    ).encode()
    sent = 0
    while sent < size:
        piece = block[: min(MB, size - sent)]
        digest.update(piece)
        sent += len(piece)
        yield piece
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


def upload(api: httpx.Client, task_id: str, size: int) -> tuple[dict[str, object], str]:
    """Upload through `api` (a client whose base URL is the API root: `/api` or `/work/api`)."""
    digest = hashlib.sha256()
    response = api.post(
        "files",
        content=multipart(task_id, size, digest),
        headers={"content-type": f"multipart/form-data; boundary={BOUNDARY}"},
        timeout=600,
    )
    if response.status_code != 201:
        raise RuntimeError(f"upload failed: {response.status_code} {response.text}")
    record: dict[str, object] = response.json()["file"]
    return record, f"sha256:{digest.hexdigest()}"


def download(api: httpx.Client, file_id: object) -> str:
    digest = hashlib.sha256()
    with api.stream("GET", f"files/{file_id}/download", timeout=600) as response:
        if response.status_code != 200:
            raise RuntimeError(f"download failed: {response.status_code}")
        for chunk in response.iter_bytes(MB):
            digest.update(chunk)
    return f"sha256:{digest.hexdigest()}"


def measure(engine: EngineProcess, action: Callable[[], T]) -> tuple[int, float, T]:
    """(peak RSS of the engine during the action, seconds, the action's result)."""
    engine.reset_peak()
    with PeakSampler(engine) as sampler:
        started = time.perf_counter()
        result = action()
        elapsed = time.perf_counter() - started
    peak = max(engine.peak(), sampler.peak)
    return peak, elapsed, result


@dataclass
class Transfer:
    """Peak resident memory (bytes) and seconds of one upload and its download."""

    idle: int
    upload_peak: int
    upload_seconds: float
    download_peak: int
    download_seconds: float


def transfer(server: EngineProcess, api: httpx.Client, size: int) -> Transfer:
    """Upload `size` bytes through `api` and download them again, measuring `server`."""
    task = api.post("tasks", json={"description": "Upload the recording", "date": "2026-12-01"})
    task_id = task.json()["id"]
    # Warm-up: every code path of upload and download runs once before "idle".
    warm, _ = upload(api, task_id, MB)
    download(api, warm["id"])
    time.sleep(0.5)
    idle = server.rss()
    up_peak, up_seconds, (record, sent_checksum) = measure(
        server, lambda: upload(api, task_id, size)
    )
    if record["checksum"] != sent_checksum or record["sizeBytes"] != size:
        raise RuntimeError("the stored file does not match what was sent")
    down_peak, down_seconds, got = measure(server, lambda: download(api, record["id"]))
    if got != sent_checksum:
        raise RuntimeError("the downloaded bytes differ from the upload")
    return Transfer(idle, up_peak, up_seconds, down_peak, down_seconds)


def report(result: Transfer, size_mb: int, limit_mb: int, process: str) -> bool:
    """Print the figures; whether both peaks stayed within `limit_mb` of idle."""
    idle = result.idle
    print(f"file size            {size_mb} MB")
    print(f"{process + ' idle RSS':<20} {idle / MB:8.1f} MB")
    print(
        f"upload   peak RSS    {result.upload_peak / MB:8.1f} MB"
        f"  (+{(result.upload_peak - idle) / MB:5.1f} MB)"
        f"  {size_mb / result.upload_seconds:7.1f} MB/s"
    )
    print(
        f"download peak RSS    {result.download_peak / MB:8.1f} MB"
        f"  (+{(result.download_peak - idle) / MB:5.1f} MB)"
        f"  {size_mb / result.download_seconds:7.1f} MB/s"
    )
    limit = limit_mb * MB
    ok = result.upload_peak - idle <= limit and result.download_peak - idle <= limit
    print(f"target: peak within {limit_mb} MB of idle: {'met' if ok else 'MISSED'}")
    return ok


def arguments(prog: str, argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__)
    parser.add_argument("--size-mb", type=int, default=200, help="file size (default 200)")
    parser.add_argument("--limit-mb", type=int, default=64, help="allowed growth (default 64)")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = arguments("python -m bench upload", argv)
    size = args.size_mb * MB
    with tempfile.TemporaryDirectory(prefix="dataops-bench-upload-") as tmp:
        env = {"DATAOPS_MAX_UPLOAD_BYTES": str(size + MB)}
        with (
            running_engine(Path(tmp), env) as engine,
            httpx.Client(base_url=f"{engine.url}/api/", timeout=600) as api,
        ):
            result = transfer(engine, api, size)
    return 0 if report(result, args.size_mb, args.limit_mb, "engine") else 1
