"""The README's examples run against a live server, so they never go stale."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.support.live import live_server

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def run_example(name: str, url: str) -> list[str]:
    result = subprocess.run(
        ["bash", str(EXAMPLES / name), url],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_tasks_example_refuses_then_completes(tmp_path: Path) -> None:
    with live_server(tmp_path) as server:
        lines = run_example("tasks.sh", server.url)
    output = "\n".join(lines)
    assert (
        '{"error":"Cannot mark task as done: required link \'Episode page\' is not filled"}'
        in output
    )
    assert '"reason":"The link \'Episode page\' is not filled in yet."' in output
    assert '"status":"done"' in output
    assert '"link":"https://podcast.example.com/episodes/42"' in output
