"""Upload and download a large file through the portal's broker (`dataops serve`).

Target (issue 14): a 200 MB upload and its download through `/work/api` keep the process's
peak resident memory within 64 MB of its idle resident memory: the portal streams both ways.
The process is the portal with the engine behind it, so the figures compare directly with
`python -m bench upload` (the engine alone). Usage: `python -m bench portal [--size-mb 200]
[--limit-mb 64]`.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import httpx

from bench._engine import running_product
from bench.upload import MB, arguments, report, transfer
from dataops.bootstrap import open_engine
from dataops.config import Settings
from dataops.engine import users

EMAIL, PASSWORD = "bench@example.com", "a benchmark passphrase"


def main(argv: list[str]) -> int:
    args = arguments("python -m bench portal", argv)
    size = args.size_mb * MB
    with tempfile.TemporaryDirectory(prefix="dataops-bench-portal-") as tmp:
        workdir = Path(tmp)
        store = Settings.from_env({"DATAOPS_STORE": f"sqlite:///{workdir / 'dataops.db'}"})
        engine = open_engine(store)
        try:
            users.add_user(engine, email=EMAIL, name="Bench", password=PASSWORD)
        finally:
            engine.store.close()
        env = {"DATAOPS_MAX_UPLOAD_BYTES": str(size + MB)}
        with running_product(workdir, env) as product:
            client = httpx.Client(
                base_url=f"{product.url}/work/api/", headers={"Origin": product.url}, timeout=600
            )
            with client as api:
                login = api.post(
                    f"{product.url}/login", json={"email": EMAIL, "password": PASSWORD}
                )
                login.raise_for_status()
                result = transfer(product, api, size)
    return 0 if report(result, args.size_mb, args.limit_mb, "portal") else 1
