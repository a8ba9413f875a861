"""Run the engine for a live-server test and exit when the test process that started it dies,
so no server outlives its test run."""

from __future__ import annotations

import os
import sys
import threading
import time

import uvicorn

from dataops.bootstrap import engine_app
from dataops.config import Settings


def _exit_with_parent(parent: int) -> None:
    while True:
        if os.getppid() != parent:
            os._exit(0)
        time.sleep(0.5)


def main() -> None:
    port = int(sys.argv[1])
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    uvicorn.run(engine_app(Settings.from_env()), host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main()
