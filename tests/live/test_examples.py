"""The README's examples run against a live server, so they never go stale."""

from __future__ import annotations

import re
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


def readme_excerpt(script: str) -> list[re.Pattern[str]]:
    """The README's excerpt of a script's output, as patterns (`<id>` and `...` are wildcards)."""
    readme = (EXAMPLES.parent / "README.md").read_text()
    marker = f"<!-- output of examples/{script},"
    block = readme[readme.index(marker) :].split("```console\n", 1)[1].split("```", 1)[0]
    patterns = []
    for line in block.splitlines():
        if line.startswith("$") or line == "...":
            continue
        pattern = re.escape(line).replace(re.escape("..."), ".*")
        pattern = re.sub(r"<(task|artifact)>", "[0-9a-f-]{36}", pattern)
        patterns.append(re.compile(pattern))
    return patterns


def test_the_readme_shows_real_output_of_the_artifact_example(tmp_path: Path) -> None:
    with live_server(tmp_path) as server:
        result = subprocess.run(
            ["bash", str(EXAMPLES / "artifact-proof.sh"), server.url],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert result.returncode == 0, result.stderr
    patterns = readme_excerpt("artifact-proof.sh")
    assert len(patterns) == 5
    for pattern in patterns:
        assert pattern.search(result.stderr), pattern.pattern
