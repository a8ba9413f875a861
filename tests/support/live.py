"""Real server processes on free 127.0.0.1 ports, for tests that need real HTTP: the engine
alone (`live_server`), or the product as `dataops serve` runs it (`live_portal`: the portal
with the engine behind it)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    process: subprocess.Popen[bytes]
    env: dict[str, str]


@contextmanager
def live_server(
    tmp: Path, env: Mapping[str, str] | None = None, workers: int | None = None
) -> Iterator[LiveServer]:
    """Start the engine (`tests/support/serve.py`) with a SQLite file under `tmp`; stop it
    afterwards. With `workers`, the command itself: `dataops engine --workers N` (a supervisor
    and N worker processes on one port and one SQLite file)."""
    kind = "engine" if workers is None else f"engine-workers-{workers}"
    with _serving(kind, "/api/health", tmp, env) as server:
        yield server


@contextmanager
def live_portal(tmp: Path, env: Mapping[str, str] | None = None) -> Iterator[LiveServer]:
    """Start the portal with the engine behind it, as `dataops serve` does, with a SQLite file
    under `tmp`; stop it afterwards. The engine is reached only through `/work/api`."""
    with _serving("portal", "/work/health", tmp, env) as server:
        yield server


@contextmanager
def live_product(
    tmp: Path, workers: int, env: Mapping[str, str] | None = None
) -> Iterator[LiveServer]:
    """`dataops serve --workers N` itself (a supervisor and N processes, each the portal with
    the engine behind it) on a SQLite file under `tmp`; stopped afterwards."""
    with _serving(f"serve-workers-{workers}", "/work/health", tmp, env) as server:
        yield server


@contextmanager
def live_portal_alone(tmp: Path, env: Mapping[str, str]) -> Iterator[LiveServer]:
    """Start the portal by itself, as `dataops portal` does, in front of the engine at
    `DATAOPS_ENGINE_URL`; stop it afterwards."""
    with _serving("portal-alone", "/login", tmp, env) as server:
        yield server


@contextmanager
def _serving(
    kind: str, health: str, tmp: Path, env: Mapping[str, str] | None
) -> Iterator[LiveServer]:
    port = free_port()
    full_env = {
        **os.environ,
        "DATAOPS_ENV": "test",
        "DATAOPS_AUTH_MODE": "none",
        "DATAOPS_STORE": f"sqlite:///{tmp / 'dataops.db'}",
        "DATAOPS_BLOBS": f"local-dev:///{tmp / 'blobs'}",
        **(env or {}),
    }
    log = open(tmp / f"server-{port}.log", "wb")  # noqa: SIM115
    command = [sys.executable, "-m", "tests.support.serve", str(port), kind]
    if "-workers-" in kind:  # the command itself: engine-workers-2, serve-workers-2
        name, _, workers = kind.partition("-workers-")
        command = [sys.executable, "-m", "dataops", name, "--port", str(port)]
        command += ["--workers", workers]
    process = subprocess.Popen(
        command,
        env=full_env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=Path(__file__).resolve().parents[2],
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError((tmp / f"server-{port}.log").read_text())
            try:
                if httpx.get(f"{url}{health}", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the {kind} did not start within 30 s")
            time.sleep(0.1)
        yield LiveServer(url, process, full_env)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
