"""Spreading export and validation work over processes: each entity file is independent work,
and one Python process is bound to one core. Used by the data-safety commands; the HTTP route
and library callers stay in one process (forking a threaded server is unsafe)."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from typing import Any, Generic, TypeVar, cast

T = TypeVar("T")
R = TypeVar("R")
# Beyond a few processes the largest entity file alone sets the pace.
MAX_JOBS = 4
_POLL_SECONDS = 0.2


def default_jobs() -> int:
    return max(1, min(os.cpu_count() or 1, MAX_JOBS))


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def shared_counters(size: int, jobs: int) -> Any:
    """Integers that worker processes update and the parent reads (progress), or a plain list
    when the work runs in this process."""
    if jobs <= 1 or not can_fork():
        return [0] * size
    return multiprocessing.get_context("fork").Array("q", size, lock=False)


def run_all(
    work: Callable[[T], R],
    items: Sequence[T],
    jobs: int,
    poll: Callable[[], None] | None = None,
) -> list[R]:
    """`work(item)` for every item, results in item order; with `jobs > 1`, in that many forked
    processes (items are handed out in order, so callers list the largest first). `work` must
    be a module-level function: it reaches its state through what the fork inherited."""
    if jobs <= 1 or len(items) <= 1 or not can_fork():
        results = []
        for item in items:
            results.append(work(item))
            if poll is not None:
                poll()
        return results
    context = multiprocessing.get_context("fork")
    with context.Pool(min(jobs, len(items))) as pool:
        pending = pool.map_async(work, items, chunksize=1)
        while not pending.ready():
            pending.wait(_POLL_SECONDS)
            if poll is not None:
                poll()
        results = pending.get()
    if poll is not None:
        poll()
    return results


class WorkerDied(Exception):
    """A forked process ended without handing back its result."""


class Forked(Generic[R]):
    """`work()` running in a forked process, alongside the caller; `result()` waits for its
    return value (or re-raises, as WorkerDied, what it failed with)."""

    def __init__(self, work: Callable[[], R]) -> None:
        context = multiprocessing.get_context("fork")
        self._results, sender = context.Pipe(duplex=False)
        # Not a daemon: the work may fork workers of its own (validation with --jobs).
        self._process = context.Process(target=_send_result, args=(work, sender), daemon=False)
        self._process.start()
        sender.close()
        self._outcome: tuple[bool, Any] | None = None

    def result(self) -> R:
        if self._outcome is None:
            try:
                self._outcome = self._results.recv()
            except EOFError:
                self._process.join()
                self._outcome = (False, f"exit code {self._process.exitcode}")
            self._process.join()
        done, value = self._outcome
        if not done:
            raise WorkerDied(value)
        return cast(R, value)

    def close(self) -> None:
        """Stop the work if it still runs (the caller gave up on it) and reap the process."""
        if self._process.is_alive():
            self._process.terminate()
        self._process.join()
        self._results.close()


def _send_result(work: Callable[[], Any], sender: Connection) -> None:
    try:
        outcome: tuple[bool, Any] = (True, work())
    except BaseException as exc:  # handed to the parent, which decides
        outcome = (False, f"{type(exc).__name__}: {exc}")
    sender.send(outcome)
    sender.close()
