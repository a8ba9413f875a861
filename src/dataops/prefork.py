"""Several server processes on one listening socket (`dataops serve|engine|portal --workers N`).

The parent binds the sockets (one per worker, on the same port: `cli.listen`), then forks the
workers; worker `slot` builds its own application (its own store connection: an open SQLite
connection must never cross a fork) and serves socket `slot` with uvicorn, and the kernel
spreads new connections among the sockets. The parent only
supervises: a worker that dies (a crash, an out-of-memory kill) is replaced, a worker that
could not start because of the configuration (exit code 2) stops them all with that code, and
SIGTERM or SIGINT (Ctrl-C) to the parent stops every worker gracefully (SIGKILL after
`grace` seconds). Workers sit in their own process group, so a terminal's Ctrl-C reaches the
parent alone and each worker is asked to stop once; a worker whose parent is gone stops too.

Several processes on one SQLite file are safe by the store's design: WAL mode (readers never
wait for the writer), every write in `BEGIN IMMEDIATE` with a busy timeout, and every change
checked against the version it read (docs/benchmarks.md, "Serving under load").
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from types import FrameType

log = logging.getLogger("dataops.workers")

# A worker that exits with this code could not start (the configuration): no other would.
STARTUP_FAILED = 2
GRACE_SECONDS = 30.0
# A worker that dies this soon after its start is replaced only after a pause (no tight loop).
QUICK_DEATH_SECONDS = 1.0
RESTART_PAUSE_SECONDS = 1.0


def default_workers() -> int:
    """The cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover (not Linux)
        return max(1, os.cpu_count() or 1)


def worker_pids(parent: int) -> list[int]:
    """The live worker processes of a supervisor (Linux /proc), for tests and tools."""
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{parent}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            with open(f"/proc/{parent}/task/{task}/children") as children:
                found += [int(pid) for pid in children.read().split()]
        except OSError:
            continue
    return found


@dataclass
class Supervisor:
    """Forks `workers` processes that each run `serve(slot)` (slots 0 to workers - 1; it
    returns when its server stopped) and keeps that many running until it is told to stop: a
    replacement takes the slot of the worker it replaces."""

    workers: int
    serve: Callable[[int], None]
    grace: float = GRACE_SECONDS
    _children: dict[int, tuple[float, int]] = field(default_factory=dict)  # pid -> start, slot
    _stop: int | None = None

    def run(self) -> int:
        """Serve until SIGTERM or SIGINT; the exit code for the command."""
        previous = {
            signum: signal.signal(signum, self._on_signal)
            for signum in (signal.SIGTERM, signal.SIGINT)
        }
        try:
            for slot in range(self.workers):
                self._spawn(slot)
            code = self._supervise()
        finally:
            self._stop_all()
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        return code

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self._stop = signum

    def _spawn(self, slot: int) -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:  # pragma: no cover (runs in the worker; the tests see it from outside)
            os._exit(self._worker(parent, slot))
        self._children[pid] = (time.monotonic(), slot)

    def _worker(self, parent: int, slot: int) -> int:  # pragma: no cover (runs in the worker)
        code = 0
        try:
            os.setpgid(0, 0)
            for signum in (signal.SIGTERM, signal.SIGINT):
                signal.signal(signum, signal.SIG_DFL)
            threading.Thread(target=_stop_with_parent, args=(parent,), daemon=True).start()
            self.serve(slot)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException:
            traceback.print_exc()
            code = 1
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
        return code

    def _supervise(self) -> int:
        while self._stop is None:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return 1
            except InterruptedError:  # pragma: no cover (PEP 475 retries)
                continue
            if pid == 0:
                time.sleep(0.1)
                continue
            child = self._children.pop(pid, None)
            if child is None:
                continue
            started, slot = child
            code = os.waitstatus_to_exitcode(status)
            if code == STARTUP_FAILED:
                return STARTUP_FAILED
            how = f"signal {-code}" if code < 0 else f"exit code {code}"
            log.warning("worker %d ended (%s); starting another", pid, how)
            print(f"dataops: worker {pid} ended ({how}); starting another", file=sys.stderr)
            if time.monotonic() - started < QUICK_DEATH_SECONDS:
                time.sleep(RESTART_PAUSE_SECONDS)
            if self._stop is None:
                self._spawn(slot)
        return 0

    def _stop_all(self) -> None:
        for pid in list(self._children):
            _signal(pid, signal.SIGTERM)
        deadline = time.monotonic() + self.grace
        while self._children and time.monotonic() < deadline:
            for pid in list(self._children):
                try:
                    done, _ = os.waitpid(pid, os.WNOHANG)
                except ChildProcessError:
                    done = pid
                if done:
                    self._children.pop(pid, None)
            time.sleep(0.05)
        for pid in list(self._children):
            _signal(pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
            self._children.pop(pid, None)


def _signal(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signum)


def _stop_with_parent(parent: int) -> None:  # pragma: no cover (runs in the worker)
    while os.getppid() == parent:
        time.sleep(0.5)
    os.kill(os.getpid(), signal.SIGTERM)
