"""`make run`'s two commands, as a newcomer meets them: `dataops setup-local`, then
`dataops serve`, which prints where the product runs and a login whose address opens the
portal's login page, and that login signs in."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.support.live import free_port

pytestmark = pytest.mark.live
DATAOPS = Path(sys.executable).parent / "dataops"


def test_serve_prints_a_login_that_opens_the_login_page(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("DATAOPS_")}
    setup = subprocess.run(
        [str(DATAOPS), "setup-local"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert setup.returncode == 0, setup.stderr
    port = free_port()
    server = subprocess.Popen(
        [str(DATAOPS), "serve", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        lines = [server.stdout.readline().rstrip("\n") for _ in range(2)]
        assert lines[0] == f"DataOps is running on http://127.0.0.1:{port}  (Ctrl-C stops it)"
        credentials, _, url = lines[1].removeprefix("Login: ").partition("  at ")
        assert url == f"http://127.0.0.1:{port}/login"
        email, password = credentials.split(" / ")
        deadline = time.monotonic() + 30
        while True:
            try:
                page = httpx.get(url)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the product did not answer"
                time.sleep(0.1)
        assert page.status_code == 200
        assert 'name="password"' in page.text
        with httpx.Client(base_url=url.removesuffix("/login"), timeout=60) as browser:
            signed_in = browser.post("/login", json={"email": email, "password": password})
            assert signed_in.status_code == 200, signed_in.text
            assert signed_in.json()["user"]["email"] == email
            # After login, /work shows the demo workflow one click from its tasks.
            work = browser.get("/work")
            assert work.status_code == 200
            workflow = re.search(r'<a href="(/work/workflows/[^"]+)">Episode 42', work.text)
            assert workflow is not None, work.text
            tasks = browser.get(workflow.group(1))
            assert tasks.status_code == 200
            assert len(re.findall(r'href="/work/tasks/[^"]+"', tasks.text)) >= 5
    finally:
        server.terminate()
        server.wait(timeout=20)
