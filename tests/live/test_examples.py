"""The README's examples run against the product as `dataops serve` runs it, signed in through
the portal like a person, so they never go stale."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from dataops.engine import users
from tests.portal.conftest import ADA, Product, start_product

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
# A password that needs encoding in a form, to show the examples send any password intact.
PASSWORD = 'a pass&word=with "quotes" + more'


@pytest.fixture
def product(tmp_path: Path) -> Iterator[Product]:
    yield from start_product(tmp_path)


def example(
    name: str, product: Product, url: str | None = None, cwd: Path | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    users.set_password(product.engine, ADA["email"], PASSWORD)
    signed_in = {"DATAOPS_EMAIL": ADA["email"], "DATAOPS_PASSWORD": PASSWORD}
    return subprocess.run(
        ["bash", str(EXAMPLES / name), url or product.url],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=cwd,
        env={**os.environ, **signed_in, **env},
    )


def run_example(name: str, product: Product) -> list[str]:
    result = example(name, product)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_tasks_example_refuses_then_completes(product: Product) -> None:
    lines = run_example("tasks.sh", product)
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


def test_the_readme_shows_real_output_of_the_artifact_example(product: Product) -> None:
    result = example("artifact-proof.sh", product)
    assert result.returncode == 0, result.stderr
    assert "scenario 1 passed" in result.stdout
    patterns = readme_excerpt("artifact-proof.sh")
    assert len(patterns) == 5
    for pattern in patterns:
        assert pattern.search(result.stderr), pattern.pattern


def test_the_examples_say_when_the_login_is_refused(product: Product) -> None:
    result = example("tasks.sh", product, DATAOPS_PASSWORD="not the password")
    assert result.returncode == 1
    assert result.stderr.strip() == "login as ada@example.com refused (401)"
    assert "Cannot mark task" not in result.stdout


def test_with_make_runs_printed_login_the_examples_need_no_settings(
    product: Product, tmp_path: Path
) -> None:
    checkout = tmp_path / "checkout"
    (checkout / "var").mkdir(parents=True)
    (checkout / "var" / "operator-login.txt").write_text(f"{ADA['email']} {ADA['password']}\n")
    users.set_password(product.engine, ADA["email"], ADA["password"])
    result = subprocess.run(
        ["bash", str(EXAMPLES / "artifact-proof.sh"), product.url],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=checkout,
        env={key: value for key, value in os.environ.items() if not key.startswith("DATAOPS_")},
    )
    assert result.returncode == 0, result.stderr
    assert "scenario 1 passed" in result.stdout


def test_an_example_fails_loudly_when_the_server_is_not_the_portal(product: Product) -> None:
    result = example("artifact-proof.sh", product, url=product.url + "/nothing-here")
    assert result.returncode == 1
    assert result.stderr.strip() == "login as ada@example.com refused (404)"


def test_team_example_sets_up_and_takes_down_a_team(product: Product) -> None:
    output = "\n".join(run_example("team.sh", product))
    assert '"temporaryPassword":"' in output
    assert '"role":"lead"' in output
    assert '"token":"dataops_svc_' in output
    assert "DELETE /work/api/team/service-tokens/example-assistant-" in output
    assert '"sessionsEnded":0' in output
    grace = next(u for u in product.engine.store.scan("users") if u["name"] == "Grace")
    assert grace["deactivatedBy"] == "ada"
    assert product.engine.store.count("service_tokens") == 0
