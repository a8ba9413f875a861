"""An ASGI application served by uvicorn in a thread of the test process, on a free
127.0.0.1 port: real HTTP, while the test can still look inside the application (a recording
engine, the portal's caches). The server stops when the block ends."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from starlette.types import ASGIApp

from tests.support.live import free_port


@contextmanager
def serving(app: ASGIApp, port: int | None = None) -> Iterator[str]:
    """Serve `app` (on `port`, or a free one) at the URL this yields."""
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port or free_port(), log_level="warning", proxy_headers=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{config.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
