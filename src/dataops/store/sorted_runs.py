"""Sorting more records than memory should hold: sorted runs spilled to temporary files, then
merged lazily. A DynamoDB Scan (parallel or not) returns records in no useful order, and exports
list them by id; this keeps at most one run in memory however large the table grows."""

from __future__ import annotations

import heapq
import tempfile
from collections.abc import Iterator
from typing import BinaryIO

DEFAULT_RUN_RECORDS = 20_000


class SortedRuns:
    """Collect `(key, payload)` pairs with `add`, then iterate the payloads once in key order
    (code-point order of the keys).

    Every `run_records` pairs are sorted and written to an anonymous temporary file; iteration
    merges the files. Fewer pairs than one run never touch the disk."""

    def __init__(self, run_records: int = DEFAULT_RUN_RECORDS) -> None:
        self.run_records = run_records
        self.current: list[tuple[str, bytes]] = []
        self.runs: list[BinaryIO] = []

    def add(self, key: str, payload: bytes) -> None:
        self.current.append((key, payload))
        if len(self.current) >= self.run_records:
            self._spill()

    def _spill(self) -> None:
        self.current.sort(key=_first)
        run = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        try:
            for key, payload in self.current:
                encoded = key.encode()
                # A length prefix, so neither keys nor payloads need escaping.
                run.write(b"%d %d\n" % (len(encoded), len(payload)))
                run.write(encoded)
                run.write(payload)
            run.seek(0)
        except BaseException:
            run.close()
            raise
        self.runs.append(run)
        self.current = []

    def __iter__(self) -> Iterator[bytes]:
        try:
            if not self.runs:
                self.current.sort(key=_first)
                pairs, self.current = self.current, []
                for _, payload in pairs:
                    yield payload
                return
            if self.current:
                self._spill()
            for _, payload in heapq.merge(*(_read(run) for run in self.runs), key=_first):
                yield payload
        finally:
            self.close()

    def close(self) -> None:
        for run in self.runs:
            run.close()
        self.runs = []
        self.current = []

    @property
    def spilled(self) -> int:
        """Runs written to disk so far."""
        return len(self.runs)


def _first(pair: tuple[str, bytes]) -> str:
    return pair[0]


def _read(run: BinaryIO) -> Iterator[tuple[str, bytes]]:
    while True:
        header = run.readline()
        if not header:
            return
        key_size, payload_size = (int(part) for part in header.split())
        yield run.read(key_size).decode(), run.read(payload_size)
