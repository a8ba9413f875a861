"""Work in forked processes: results come back in order, failures are reported, and work the
caller gives up on is stopped."""

from __future__ import annotations

import os
import time

import pytest

from dataops.portable import workers


def test_forked_work_runs_in_another_process_and_hands_back_its_result() -> None:
    forked = workers.Forked(lambda: (os.getpid(), {"valid": True}))

    pid, result = forked.result()
    forked.close()

    assert pid != os.getpid()
    assert result == {"valid": True}


def test_forked_work_that_raises_is_reported_with_its_error() -> None:
    def failing() -> None:
        raise ValueError("no such export")

    forked = workers.Forked(failing)

    with pytest.raises(workers.WorkerDied) as died:
        forked.result()
    forked.close()

    assert str(died.value) == "ValueError: no such export"


def test_forked_work_that_dies_is_reported_with_its_exit_code() -> None:
    forked = workers.Forked(lambda: os._exit(7))

    with pytest.raises(workers.WorkerDied) as died:
        forked.result()
    forked.close()

    assert str(died.value) == "exit code 7"


def test_closing_stops_forked_work_that_still_runs() -> None:
    forked = workers.Forked(lambda: time.sleep(60))
    started = time.monotonic()

    forked.close()

    assert time.monotonic() - started < 30
    assert not forked._process.is_alive()


def test_the_work_of_run_all_comes_back_in_item_order() -> None:
    assert workers.run_all(_square, [3, 1, 2], jobs=2) == [9, 1, 4]


def _square(number: int) -> int:
    return number * number
