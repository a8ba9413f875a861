"""The README's commands, pasted in order into a shell, work: every `sh` block from "Try it from
a shell" on runs in one bash session (as `set -euo pipefail`, so any failing command fails the
test) against the product set up and served as `make run` does it (the portal with the engine
behind it), from a scratch folder laid out like a checkout (`.venv/` and `examples/` linked in).
The blocks before it (`make run`, `make test`) are what this test does itself."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.support.live import LiveServer, live_portal

pytestmark = pytest.mark.live
ROOT = Path(__file__).resolve().parents[2]
START = "### Try it from a shell"


def readme_commands(readme: str) -> list[str]:
    """The `sh` blocks from START on, in order."""
    assert START in readme
    return re.findall(r"^```sh\n(.*?)^```", readme[readme.index(START) :], re.S | re.M)


def clean_env(**extra: str) -> dict[str, str]:
    """The environment of a new terminal: no DATAOPS_* settings (the defaults apply)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("DATAOPS_")}
    return {**env, **extra}


@contextmanager
def serve_like_make_run(checkout: Path) -> Iterator[LiveServer]:
    """`make run` in `checkout`: `dataops setup-local`, then `dataops serve` on var/dataops.db."""
    setup = subprocess.run(
        [str(checkout / ".venv" / "bin" / "dataops"), "setup-local"],
        cwd=checkout,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert setup.returncode == 0, setup.stderr
    assert "Login: operator@example.com / " in setup.stdout
    env = {
        "DATAOPS_ENV": "local",
        "DATAOPS_AUTH_MODE": "session",  # what make run's environment has: the default
        "DATAOPS_STORE": f"sqlite:///{checkout / 'var' / 'dataops.db'}",
        "DATAOPS_BLOBS": f"local-dev:///{checkout / 'var' / 'blobs'}",
    }
    with live_portal(checkout, env) as server:
        yield server


@contextmanager
def signed_in(server: LiveServer, checkout: Path) -> Iterator[httpx.Client]:
    """A client signed in through the portal with the login `make run` printed."""
    email, password = (checkout / "var" / "operator-login.txt").read_text().split()
    with httpx.Client(base_url=server.url, timeout=60) as client:  # full-cost scrypt, busy CPU
        response = client.post("/login", json={"email": email, "password": password})
        assert response.status_code == 200, response.text
        yield client


def test_the_readme_commands_work_pasted_in_order(tmp_path: Path) -> None:
    checkout = tmp_path / "dataops"
    checkout.mkdir()
    for name in (".venv", "examples"):
        (checkout / name).symlink_to(ROOT / name)
    commands = readme_commands((ROOT / "README.md").read_text())
    assert len(commands) >= 5
    script = "set -euo pipefail\n" + "\n".join(commands)

    with serve_like_make_run(checkout) as server:
        result = subprocess.run(
            ["bash", "-c", script],
            cwd=checkout,
            env=clean_env(DATAOPS_URL=server.url),
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        output = result.stdout + result.stderr
        assert result.returncode == 0, output[-10_000:]

    assert "logged in" in result.stdout
    assert '{"bundles":[' in result.stdout
    assert '{"error":"Unauthorized"}' not in output
    assert "scenario 1 passed" in result.stdout  # examples/artifact-proof.sh
    assert '"link":"https://podcast.example.com/episodes/42"' in result.stdout  # tasks.sh
    assert '"sourceType":"assistant-output"' in result.stdout  # the review queue
    assert "# Guest prep: Grace Hopper" in result.stdout  # the download
    approved = [line for line in result.stdout.splitlines() if '"reviewNote":"Good to go"' in line]
    assert len(approved) == 1 and '"status":"approved"' in approved[0]
    assert re.search(r"Export exports/dataops-\d{8}T\d{6}Z: valid \(0 errors, 0 warnings\)", output)
    assert re.search(r"^Imported \d+ records", result.stdout, re.M)
    assert result.stdout.rstrip().endswith("Restore drill passed: 10 checks")
    # Every command named the store it used, the restored one included.
    assert f"Store: {checkout / 'var' / 'dataops.db'}" in result.stderr
    assert re.search(rf"Store: {re.escape(str(checkout))}/exports/dataops-\S+\.db", output)


def test_the_examples_leave_no_demo_bundles_behind(tmp_path: Path) -> None:
    checkout = tmp_path / "dataops"
    checkout.mkdir()
    (checkout / ".venv").symlink_to(ROOT / ".venv")
    with serve_like_make_run(checkout) as server, signed_in(server, checkout) as client:
        before = client.get("/work/api/bundles").json()["bundles"]
        for script in ("tasks.sh", "artifact-proof.sh"):
            for _ in range(2):
                run = subprocess.run(
                    ["bash", str(ROOT / "examples" / script), server.url],
                    cwd=checkout,  # where `make run` keeps the printed login
                    env=clean_env(),
                    capture_output=True,
                    text=True,
                    timeout=120,
                    check=False,
                )
                assert run.returncode == 0, run.stdout + run.stderr
        after = client.get("/work/api/bundles").json()["bundles"]
    assert after == before


def test_the_examples_fail_loudly_without_a_login(tmp_path: Path) -> None:
    checkout = tmp_path / "dataops"
    checkout.mkdir()
    (checkout / ".venv").symlink_to(ROOT / ".venv")
    elsewhere = tmp_path / "elsewhere"  # no var/operator-login.txt here
    elsewhere.mkdir()
    with serve_like_make_run(checkout) as server:
        for script in ("tasks.sh", "artifact-proof.sh"):
            run = subprocess.run(
                ["bash", str(ROOT / "examples" / script), server.url],
                cwd=elsewhere,
                env=clean_env(),
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            assert run.returncode == 2, script
            assert "set DATAOPS_EMAIL and DATAOPS_PASSWORD, or DATAOPS_SERVICE_TOKEN" in run.stderr


def test_a_wrong_password_is_reported_not_kept_as_the_token(tmp_path: Path) -> None:
    checkout = tmp_path / "dataops"
    checkout.mkdir()
    (checkout / ".venv").symlink_to(ROOT / ".venv")
    login_block = readme_commands((ROOT / "README.md").read_text())[0]
    with serve_like_make_run(checkout) as server:
        (checkout / "var" / "operator-login.txt").write_text("operator@example.com wrong\n")
        result = subprocess.run(
            ["bash", "-c", f'set -euo pipefail\n{login_block}\necho "csrf=[$CSRF]"'],
            cwd=checkout,
            env=clean_env(DATAOPS_URL=server.url),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-2:] == ["login failed: check the password", "csrf=[]"]
