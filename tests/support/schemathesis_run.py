"""Schemathesis against a live engine on 127.0.0.1: the OpenAPI document it serves is the
specification, every operation is called with generated valid and invalid data (examples,
coverage, fuzzing, and stateful sequences that follow the document's links), and every answer
must honour the document. `make test` runs a quick profile, `make fuzz` a long one.

The engine runs as deployed on a laptop: session authentication with a real operator's token,
SQLite and local binary storage.

Checks (all of them but these two):
* `unsupported_method` is left out: tasks, artifacts, files and notifications answer an
  unsupported method with `404 Not found` by design (docs/api.md, "Errors"); the resources that
  answer 405 send `Allow`, which tests/api/test_openapi.py asserts.
* `positive_data_acceptance` is left out: a body can match the schema and still be refused,
  because some rules span fields or records (a waiting task needs `waitingFor`, a `bundleId`
  must name a bundle, a storage provider must agree with the URI, no value may look like a
  secret); those answers are documented 400s, checked by the other checks.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx

from dataops.config import Settings
from dataops.engine import users
from tests.conftest import make_engine
from tests.support.live import live_server

CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "missing_required_header",
    "use_after_free",
    "ensure_resource_availability",
    "ignored_auth",
)
OPERATOR = {"email": "operator@example.com", "password": "correct horse battery"}


@dataclass(frozen=True)
class Profile:
    """How hard to try: examples per operation, and a time budget that fuzzing and stateful
    testing spend in full (None: stop after the examples)."""

    max_examples: int
    max_seconds: int | None = None
    seed: int | None = None


QUICK = Profile(max_examples=25, seed=20)
LONG = Profile(max_examples=300, max_seconds=1800)


def operations_tested(report: str) -> tuple[int, int]:
    """(operations tested, operations in the document) from the run's summary."""
    selected = re.search(r"Selected: (\d+)/(\d+)", report)
    tested = re.search(r"Tested: (\d+)", report)
    assert selected and tested, report[-5000:]
    return int(tested[1]), int(selected[2])


def run(tmp: Path, profile: Profile) -> subprocess.CompletedProcess[str]:
    """Start an engine with one operator under `tmp`, log in, and run schemathesis on it."""
    env = {
        "DATAOPS_ENV": "local",
        "DATAOPS_AUTH_MODE": "session",
        "DATAOPS_STORE": f"sqlite:///{tmp / 'dataops.db'}",
        "DATAOPS_BLOBS": f"local-dev:///{tmp / 'blobs'}",
    }
    engine = make_engine(Settings.from_env(env))
    users.add_user(engine, email=OPERATOR["email"], name="Operator", password=OPERATOR["password"])
    engine.store.close()
    with live_server(tmp, env) as server:
        # A login runs full-cost scrypt: on a busy machine it takes longer than httpx's 5 s.
        login = httpx.post(f"{server.url}/api/auth/login", json=OPERATOR, timeout=60)
        token = login.json()["token"]
        command = [
            sys.executable,
            "-m",
            "schemathesis.cli",
            "run",
            f"{server.url}/api/openapi.json",
            "--checks",
            ",".join(CHECKS),
            "--header",
            f"Authorization: Bearer {token}",
            "--max-examples",
            str(profile.max_examples),
            "--workers",
            "2",
            "--request-timeout",
            "30",
            "--generation-database",
            "none",
            "--no-color",
            "--warnings",
            "off",
        ]
        if profile.max_seconds is not None:
            command += ["--max-time", str(profile.max_seconds)]
        if profile.seed is not None:
            command += ["--seed", str(profile.seed)]
        return subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=(profile.max_seconds or 0) + 600,
            check=False,
            cwd=tmp,
        )


def assert_honoured(tmp: Path, profile: Profile) -> None:
    """Run `profile` and fail with the run's report unless every operation was tested and
    nothing failed."""
    result = run(tmp, profile)
    report = result.stdout + result.stderr
    assert result.returncode == 0, report[-20_000:]
    tested, documented = operations_tested(report)
    assert tested == documented >= 50
