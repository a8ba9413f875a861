"""Engines for benchmarks: one in this process on a temporary SQLite file (`in_process_engine`),
or real server processes, `dataops engine` or `dataops serve` on a free port with its own store,
blob directory and temporary directory, plus readings of its resident memory from /proc."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from dataops.bootstrap import open_engine
from dataops.config import Settings
from dataops.engine.context import Engine

# The `dataops engine` command itself, as the console script would run it.
_ENGINE_COMMAND = "import sys; from dataops.cli import main; sys.argv[0] = 'dataops'; main()"


@dataclass
class EngineProcess:
    url: str
    pid: int
    workdir: Path

    def status(self, field: str) -> int:
        """A /proc/<pid>/status memory field (VmRSS, VmHWM) in bytes."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) * 1024
        raise KeyError(field)

    def rss(self) -> int:
        return self.status("VmRSS")

    def reset_peak(self) -> bool:
        """Reset the kernel's peak RSS (VmHWM) to the current RSS; False where not allowed."""
        try:
            Path(f"/proc/{self.pid}/clear_refs").write_text("5")
        except OSError:
            return False
        return True

    def peak(self) -> int:
        return self.status("VmHWM")


@contextmanager
def in_process_engine() -> Iterator[tuple[Engine, Settings]]:
    """An engine in this process on a SQLite file in a temporary directory (authentication
    off), and its settings; the store is closed and the directory removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="dataops-bench-") as tmp:
        settings = Settings.from_env(
            {
                "DATAOPS_ENV": "test",
                "DATAOPS_AUTH_MODE": "none",
                "DATAOPS_STORE": f"sqlite:///{Path(tmp) / 'bench.db'}",
                "DATAOPS_BLOBS": f"local-dev:///{Path(tmp) / 'blobs'}",
            }
        )
        engine = open_engine(settings)
        try:
            yield engine, settings
        finally:
            engine.store.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_engine(
    workdir: Path, env: Mapping[str, str] | None = None, args: Sequence[str] = ()
) -> Iterator[EngineProcess]:
    """Start `dataops engine` in test mode with everything under `workdir`; stop it after.
    `args` are more options of the command (`--workers 2`)."""
    with _running("engine", "/api/health", workdir, env, args) as process:
        yield process


@contextmanager
def running_product(
    workdir: Path, env: Mapping[str, str] | None = None, args: Sequence[str] = ()
) -> Iterator[EngineProcess]:
    """Start `dataops serve` (the portal with the engine behind it in each process) in test
    mode with everything under `workdir`; stop it after. The API is under `/work/api`."""
    with _running("serve", "/work/health", workdir, env, args) as process:
        yield process


@contextmanager
def _running(
    command: str,
    health: str,
    workdir: Path,
    env: Mapping[str, str] | None,
    args: Sequence[str] = (),
) -> Iterator[EngineProcess]:
    port = _free_port()
    spool = workdir / "tmp"
    spool.mkdir(parents=True, exist_ok=True)
    full_env = {
        **os.environ,
        "DATAOPS_ENV": "test",
        "DATAOPS_AUTH_MODE": "none",
        "DATAOPS_STORE": f"sqlite:///{workdir / 'dataops.db'}",
        "DATAOPS_BLOBS": f"local-dev:///{workdir / 'blobs'}",
        "TMPDIR": str(spool),
        **(env or {}),
    }
    with open(workdir / "engine.log", "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-c", _ENGINE_COMMAND, command, "--port", str(port), *args],
            env=full_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                if process.poll() is not None:
                    raise RuntimeError((workdir / "engine.log").read_text())
                try:
                    if httpx.get(f"{url}{health}", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"dataops {command} did not start within 30 s")
                time.sleep(0.1)
            yield EngineProcess(url, process.pid, workdir)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
