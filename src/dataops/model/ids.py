"""Deterministic ids: the same key gives the same id on every machine and in every run.

Generated records (a recurring task for a config and day, a follow-up notification for a task
and due time, a cron-created bundle, demo records) use them, so "create if absent" finds an
earlier run's record by id instead of by a scan, however many runs race. They have the shape of
the engine's random ids: lower-case UUID version 4 strings.
"""

from __future__ import annotations

import hashlib
import uuid


def derived_id(*parts: str) -> str:
    """A stable id for a key such as ("follow-up-due", task id, due at)."""
    digest = hashlib.sha256("\x1f".join(("dataops", *parts)).encode()).digest()[:16]
    return str(uuid.UUID(bytes=digest, version=4))
