"""Run the engine (`engine`, the default) or the whole product as `dataops serve` runs it
(`portal`: the portal with the engine behind it in one process) for a live-server test, and
exit when the test process that started it dies, so no server outlives its test run.

    python -m tests.support.serve PORT [engine|portal|portal-alone]

`portal-alone` is `dataops portal`: the portal by itself, in front of the engine at
DATAOPS_ENGINE_URL.
"""

from __future__ import annotations

import os
import sys
import threading
import time

import uvicorn

from dataops.bootstrap import engine_app, portal_app, serve_app
from dataops.config import Settings


def _exit_with_parent(parent: int) -> None:
    while True:
        if os.getppid() != parent:
            os._exit(0)
        time.sleep(0.5)


def main() -> None:
    port = int(sys.argv[1])
    kind = sys.argv[2] if len(sys.argv) > 2 else "engine"
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    settings = Settings.from_env()
    if kind == "portal":
        app = serve_app(settings, "127.0.0.1", port)
    elif kind == "portal-alone":
        app = portal_app(settings, "127.0.0.1", port)
    else:
        app = engine_app(settings)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", proxy_headers=False)


if __name__ == "__main__":
    main()
