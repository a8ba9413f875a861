"""Readiness: whether this process can serve requests that need the metadata store, proven by
one point read (a key no record has: the cheapest request every backend answers the same way,
whatever the store's size). Liveness (`/api/health`) never touches the store."""

from __future__ import annotations

import logging

from dataops.engine.context import Engine
from dataops.model import messages
from dataops.model.errors import ServiceUnavailable

log = logging.getLogger("dataops.engine")

PROBE_TABLE = "users"
PROBE_ID = "readiness-probe"
RETRY_AFTER_SECONDS = 5


def check(engine: Engine) -> None:
    """Returns when the store answers a read; ServiceUnavailable (503) when it does not."""
    try:
        engine.store.get(PROBE_TABLE, PROBE_ID)
    except ServiceUnavailable:
        raise
    except Exception as exc:
        log.warning("readiness check: the metadata store did not answer: %s", exc)
        raise ServiceUnavailable(messages.METADATA_STORE_UNAVAILABLE, RETRY_AFTER_SECONDS) from None
