"""A newcomer's first hour with the command line (issue 20): which commands may create a store,
the store every command names, one line for an unusable store or a busy port, private files,
`users add` without a terminal, cron in words, plain help, and `make run` as documented."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dataops.cli import app

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()
ADD_A = ["users", "add", "--email", "a@example.com", "--name", "A"]


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with no store, and no DATAOPS_* setting: the defaults apply."""
    for name in list(os.environ):
        if name.startswith("DATAOPS_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def no_store_line(folder: Path) -> str:
    return (
        f"dataops: no store at {folder / 'var' / 'dataops.db'}: set DATAOPS_STORE to an existing "
        "store, or create one with `dataops setup-local`\n"
    )


@pytest.mark.parametrize(
    "command",
    [
        ["users", "list"],
        ["users", "set-password", "x@example.com", "--password", "long enough secret"],
        ["users", "revoke-sessions", "x@example.com"],
        ["tokens", "list"],
        ["cron", "run"],
        ["export", "backup"],
        ["restore-drill"],
        ["artifacts", "register-output", "notes.md", "--type", "report", "--title", "T"],
    ],
)
def test_commands_that_only_use_a_store_refuse_one_that_does_not_exist(
    elsewhere: Path, command: list[str]
) -> None:
    (elsewhere / "notes.md").write_text("# notes\n")
    result = runner.invoke(app, command)
    assert result.exit_code == 2, result.output
    assert result.stderr == no_store_line(elsewhere)
    assert not (elsewhere / "var").exists()
    assert not (elsewhere / "backup").exists()


def test_setup_creates_a_private_store_and_login_and_every_command_names_it(
    elsewhere: Path,
) -> None:
    store = elsewhere / "var" / "dataops.db"
    first = runner.invoke(app, ["setup-local"])
    assert first.exit_code == 0, first.output
    assert first.stderr == f"Store: {store}\n"
    login = elsewhere / "var" / "operator-login.txt"
    password = login.read_text().split()[1]
    assert f"Login: operator@example.com / {password}" in first.stdout
    assert f"(kept in {login}, readable by you only)" in first.stdout
    for path, mode in ((store, 0o600), (login, 0o600), (store.parent, 0o700)):
        assert stat.S_IMODE(path.stat().st_mode) == mode, path
    listed = runner.invoke(app, ["users", "list"])
    assert listed.exit_code == 0
    assert listed.stderr == f"Store: {store}\n"
    assert "operator@example.com  Operator  lead" in listed.stdout


def test_the_demo_exports_without_warnings(elsewhere: Path) -> None:
    assert runner.invoke(app, ["setup-local"]).exit_code == 0
    exported = runner.invoke(app, ["export", "backup"])
    assert exported.exit_code == 0, exported.output
    checked = runner.invoke(app, ["validate-export", "backup"])
    assert checked.stdout.splitlines()[0] == "Export backup: valid (0 errors, 0 warnings)"


@pytest.mark.parametrize(
    ("store", "reason"),
    [
        ("sqlite:///blocker/x.db", "{root}/blocker is a file, not a folder"),
        ("sqlite:///blocker/deeper/x.db", "{root}/blocker is a file, not a folder"),
        ("sqlite:////proc/dataops-test/x.db", "No such file or directory (/proc/dataops-test)"),
        ("sqlite:////proc/x.db", "No such file or directory"),
    ],
)
def test_an_unusable_store_path_is_one_line(
    elsewhere: Path, monkeypatch: pytest.MonkeyPatch, store: str, reason: str
) -> None:
    (elsewhere / "blocker").write_text("a file where a folder should be")
    monkeypatch.setenv("DATAOPS_STORE", store)
    result = runner.invoke(
        app, ["users", "add", "--email", "a@example.com", "--name", "A", "--no-password"]
    )
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    path = Path(store.removeprefix("sqlite:///")).absolute()
    assert line.startswith(f"dataops: cannot open the store at {path}: ")
    assert reason.format(root=elsewhere) in line
    assert "Traceback" not in result.output


def test_users_add_without_a_terminal_needs_a_password(elsewhere: Path) -> None:
    result = runner.invoke(app, ADD_A)
    assert result.exit_code == 2
    assert result.stderr == (
        "dataops: --password is required when not on a terminal "
        "(or --no-password for an account that cannot log in)\n"
    )
    assert not (elsewhere / "var").exists()
    both = runner.invoke(
        app,
        [*ADD_A, "--password", "long enough secret", "--no-password"],
    )
    assert both.stderr == "dataops: give --password or --no-password, not both\n"


def test_help_shows_options_without_type_noise() -> None:
    for command in ([], ["cron", "run"], ["users", "add"], ["export"]):
        result = runner.invoke(app, [*command, "--help"], terminal_width=100)
        assert result.exit_code == 0
        assert "<bool>" not in result.stdout, command
    cron_help = runner.invoke(app, ["cron", "run", "--help"], terminal_width=200).stdout
    assert "--json" in cron_help and "POST /api/cron/run" in cron_help


def test_a_busy_port_is_reported_before_any_url(elsewhere: Path) -> None:
    assert runner.invoke(app, ["setup-local"]).exit_code == 0
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "dataops", "serve", "--port", str(port)],
            cwd=elsewhere,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        f"dataops: port {port} on 127.0.0.1 is already in use (is another server running?); "
        f"stop it or choose another port: --port {port + 1} (make run PORT={port + 1})\n"
    )


def test_make_run_honours_port_and_installs_only_the_runtime() -> None:
    plan = subprocess.run(
        ["make", "-n", "-B", "run", "PORT=8123", "HOST=127.0.0.2"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert "dataops serve --host 127.0.0.2 --port 8123" in plan
    assert "install -e ." in plan
    assert "[dev]" not in plan
    assert 'echo "make: installing DataOps and its runtime dependencies' in plan


def test_a_runtime_install_pulls_only_what_serving_needs() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "Apache-2.0"  # an SPDX expression: no deprecated table
    runtime = {requirement.split(">")[0].split("[")[0] for requirement in project["dependencies"]}
    assert runtime == {
        "fastapi",
        "starlette",
        "uvicorn",
        "orjson",
        "python-multipart",
        "typer",
        "rich",
        "jinja2",  # the portal's pages
        "httpx",  # the portal in front of an engine elsewhere (dataops portal)
        "httptools",  # uvicorn's HTTP parser in C
        "uvloop",  # uvicorn's event loop in C
    }
    tools = {"pytest", "moto", "mypy", "ruff", "hypothesis", "schemathesis", "boto3-stubs"}
    assert not runtime & tools
    assert project["optional-dependencies"]["aws"] == ["boto3>=1.34", "tzdata>=2024.1"]
