"""`--workers N` on `dataops serve`, `engine` and `portal`: several processes on one port and
one SQLite file. The product's session works whichever process answers (one portal secret for
all), a store only one process can open is refused or served by one, a configuration that no
worker can start with ends the command with its line and exit code 2, and stopping the
supervisor stops every worker."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from dataops.prefork import default_workers, worker_pids
from tests.support.live import free_port, live_product, live_server

EMAIL = "ada@example.com"
PASSWORD = "a long enough password"


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dataops", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _env(tmp: Path, **more: str) -> dict[str, str]:
    return {
        **{key: value for key, value in os.environ.items() if not key.startswith("DATAOPS_")},
        "DATAOPS_ENV": "test",
        "DATAOPS_STORE": f"sqlite:///{tmp / 'dataops.db'}",
        "DATAOPS_BLOBS": f"local-dev:///{tmp / 'blobs'}",
        **more,
    }


def test_a_session_works_whichever_worker_answers(tmp_path: Path) -> None:
    env = _env(tmp_path)
    added = _cli("users", "add", "--email", EMAIL, "--name", "Ada", "--password", PASSWORD, env=env)
    assert added.returncode == 0, added.stderr
    with live_product(tmp_path, workers=2) as server:
        supervisor = server.process.pid
        assert len(worker_pids(supervisor)) == 2
        login = httpx.post(f"{server.url}/login", data={"email": EMAIL, "password": PASSWORD})
        assert login.status_code == 303
        cookies = dict(login.cookies)
        headers = {"x-csrf-token": login.headers["x-csrf-token"]}
        # A new connection per request: the kernel hands them to either process.
        for n in range(30):
            created = httpx.post(
                f"{server.url}/work/api/tasks",
                json={"description": f"task {n}", "date": "2026-12-01"},
                cookies=cookies,
                headers=headers,
            )
            assert created.status_code == 201, created.text
        listed = httpx.get(f"{server.url}/work/api/tasks?date=2026-12-01", cookies=cookies)
        assert len(listed.json()["tasks"]) == 30
        log = next(tmp_path.glob("server-*.log")).read_text()
    assert "Workers: 2 processes\n" in log
    assert log.count("Application startup complete") == 2


def test_an_in_memory_store_is_served_by_one_process(tmp_path: Path) -> None:
    env = _env(tmp_path, DATAOPS_STORE="sqlite:///:memory:", DATAOPS_AUTH_MODE="none")
    refused = _cli("engine", "--port", str(free_port()), "--workers", "2", env=env)
    assert refused.returncode == 2
    assert refused.stderr == (
        "dataops: --workers 2 needs a store every process can open (a SQLite file or "
        "DynamoDB); an in-memory store is served by one process\n"
    )
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "dataops", "engine", "--port", str(port), "--no-access-log"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        _wait_for_health(f"http://127.0.0.1:{port}/api/health", process)
        assert worker_pids(process.pid) == []  # the server runs in the command's own process
    finally:
        process.terminate()
        output = process.communicate(timeout=30)[0]
    assert "Workers:" not in output
    assert "Application startup complete" in output
    assert "GET /api/health" not in output  # --no-access-log


def test_a_configuration_no_worker_can_start_with_ends_the_command(tmp_path: Path) -> None:
    # `dataops portal` without the engine's address: every worker would fail the same way.
    result = _cli("portal", "--port", str(free_port()), "--workers", "2", env=_env(tmp_path))
    assert result.returncode == 2
    assert (
        "dataops: dataops portal needs DATAOPS_ENGINE_URL: where the engine is served"
        in result.stderr
    )


def test_stopping_the_supervisor_stops_every_worker(tmp_path: Path) -> None:
    env = _env(tmp_path, DATAOPS_AUTH_MODE="none")
    port = free_port()
    log = tmp_path / "server.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "dataops", "engine", "--port", str(port), "--workers", "3"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
    try:
        workers = _wait_for_workers(process.pid, 3)
        deadline = time.monotonic() + 60
        while log.read_text().count("Application startup complete") < 3:
            assert time.monotonic() < deadline, log.read_text()
            assert process.poll() is None, log.read_text()
            time.sleep(0.05)
        assert httpx.get(f"http://127.0.0.1:{port}/api/ready").status_code == 200
        process.send_signal(signal.SIGINT)  # Ctrl-C
        assert process.wait(timeout=60) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    output = log.read_text()
    for pid in workers:
        assert not Path(f"/proc/{pid}").exists() or _is_zombie(pid)
    assert output.count("Finished server process") == 3
    assert '"GET /api/ready HTTP/1.1" 200' in output  # the access log is on by default


def _holders(server_port: int, client_ports: set[int], workers: list[int]) -> dict[int, int]:
    """Which worker holds the server's end of each client connection (client port -> pid), read
    from /proc: the connection's socket inode in /proc/net/tcp, the inode among a worker's fds."""
    inodes: dict[str, int] = {}
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote, inode = fields[1], fields[2], fields[9]
        if int(local.split(":")[1], 16) == server_port:
            client = int(remote.split(":")[1], 16)
            if client in client_ports:
                inodes[f"socket:[{inode}]"] = client
    held: dict[int, int] = {}
    for pid in workers:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                target = os.readlink(fd)
                if target in inodes:
                    held[inodes[target]] = pid
    return held


def test_a_burst_of_connections_is_spread_over_the_workers(tmp_path: Path) -> None:
    # A proxy's pool of kept-alive connections opens at once. On one shared socket whichever
    # worker was awake accepted all of them and the others idled; with a socket per worker the
    # kernel assigns each connection to a worker as it arrives. One worker is paused while the
    # burst arrives: its share waits for it instead of going to the other.
    with live_server(tmp_path, {"DATAOPS_AUTH_MODE": "none"}, workers=2) as server:
        port = int(server.url.rsplit(":", 1)[1])
        workers = worker_pids(server.process.pid)
        os.kill(workers[0], signal.SIGSTOP)
        try:
            burst = [socket.create_connection(("127.0.0.1", port)) for _ in range(16)]
            for connection in burst:
                connection.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n")
            time.sleep(0.5)
        finally:
            os.kill(workers[0], signal.SIGCONT)
        try:
            for connection in burst:
                connection.settimeout(30)
                assert connection.recv(64).startswith(b"HTTP/1.1 200")
            held = _holders(port, {c.getsockname()[1] for c in burst}, workers)
        finally:
            for connection in burst:
                connection.close()
    assert len(held) == 16  # every connection is served by one of the workers
    # The kernel hashes each connection to a worker's socket: all 16 on one has odds 1 in 32,768.
    assert set(held.values()) == set(workers), held


def test_a_port_held_by_workers_is_refused_to_another_server(tmp_path: Path) -> None:
    with live_server(tmp_path, {"DATAOPS_AUTH_MODE": "none"}, workers=2) as server:
        port = server.url.rsplit(":", 1)[1]
        (tmp_path / "other").mkdir()
        env = _env(tmp_path / "other", DATAOPS_AUTH_MODE="none")
        for workers in ("1", "2"):
            refused = _cli("engine", "--port", port, "--workers", workers, env=env)
            assert refused.returncode == 2, refused.stderr
            assert f"port {port} on 127.0.0.1 is already in use" in refused.stderr


def test_the_default_is_one_worker_per_core() -> None:
    assert default_workers() == len(os.sched_getaffinity(0))


def _wait_for_health(url: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            raise AssertionError(process.communicate()[0])
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            pytest.fail("the server did not start")
        time.sleep(0.1)


def _wait_for_workers(supervisor: int, count: int) -> list[int]:
    deadline = time.monotonic() + 60
    while len(found := worker_pids(supervisor)) != count:
        if time.monotonic() > deadline:
            pytest.fail(f"workers: {found}")
        time.sleep(0.05)
    return found


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    except OSError:
        return False
