"""Temporary files of killed writes (issue 12, item 4): the local blob store writes each binary
to a `.partial-*` file and renames it into place, so a process killed mid-write leaves that file
behind. Start-up and every cron run remove those older than an hour."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dataops.bootstrap import engine_app, open_store
from dataops.cli import app as cli_app
from dataops.config import Settings
from dataops.engine import cron
from dataops.engine.context import Engine
from tests.support.multipart import stored_blobs

HOUR = 3_600

# A write that never ends: the bytes arrive until the process is killed.
_ENDLESS_WRITE = """
import sys, time
from dataops.blobs.local import LocalBlobStore

class Endless:
    def read(self, size=-1):
        time.sleep(0.05)
        return b"x" * 1024

LocalBlobStore(sys.argv[1], enabled=True).put("files/killed", Endless(), content_type="audio/wav")
"""


def leave_partial(blobs: Path, relative: str, age_seconds: float) -> Path:
    path = blobs / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"half a recording")
    moment = time.time() - age_seconds
    os.utime(path, (moment, moment))
    return path


def env_for(tmp_path: Path) -> dict[str, str]:
    return {
        "DATAOPS_ENV": "test",
        "DATAOPS_AUTH_MODE": "none",
        "DATAOPS_STORE": f"sqlite:///{tmp_path / 'dataops.db'}",
        "DATAOPS_BLOBS": f"local-dev:///{tmp_path / 'blobs'}",
    }


def test_a_killed_upload_leaves_a_partial_file_that_cron_run_removes(tmp_path: Path) -> None:
    blobs = tmp_path / "blobs"
    writer = subprocess.Popen([sys.executable, "-c", _ENDLESS_WRITE, str(blobs)])
    try:
        deadline = time.monotonic() + 60
        while not list(blobs.glob("files/.partial-*")):
            assert writer.poll() is None, "the writer ended before it started writing"
            assert time.monotonic() < deadline, "the writer never started"
            time.sleep(0.05)
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait()
    (partial,) = blobs.glob("files/.partial-*")
    assert not (blobs / "files" / "killed").exists()

    open_store(Settings.from_env(env_for(tmp_path))).close()  # set up, as serving would
    runner = CliRunner()
    fresh = runner.invoke(cli_app, ["cron", "run", "--json"], env=env_for(tmp_path))
    assert fresh.exit_code == 0, fresh.output
    assert '"temporariesRemoved":0' in fresh.output
    assert partial.exists()  # less than an hour old: perhaps a write still in progress

    moment = time.time() - HOUR - 60
    os.utime(partial, (moment, moment))
    stale = runner.invoke(cli_app, ["cron", "run", "--json"], env=env_for(tmp_path))
    assert stale.exit_code == 0, stale.output
    assert '"temporariesRemoved":1' in stale.output
    assert stored_blobs(blobs) == []


def test_start_up_removes_stale_partial_files(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blobs = tmp_path / "blobs"
    stale = leave_partial(blobs, "files/.partial-a1", 2 * HOUR)
    older = leave_partial(blobs, "outputs/.partial-b2", 30 * HOUR)
    recent = leave_partial(blobs, "files/.partial-c3", 60)
    stored = leave_partial(blobs, "files/3f0c", 30 * HOUR)

    with caplog.at_level("INFO", logger="dataops.binaries"):
        engine_app(Settings.from_env(env_for(tmp_path))).state.engine.store.close()

    assert not stale.exists() and not older.exists()
    assert recent.exists() and stored.exists()
    assert "removed 2 temporary file(s) left by interrupted writes" in caplog.text


def test_the_cron_runner_reports_what_it_removed(engine: Engine, tmp_path: Path) -> None:
    leave_partial(tmp_path / "blobs", "files/.partial-a1", 2 * HOUR)
    assert cron.run(engine).temporaries_removed == 1
    assert cron.run(engine).temporaries_removed == 0
