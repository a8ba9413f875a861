"""Reading entity files (docs/export-format.md, rules 3 and 4): lines in blocks, hashed as they
are read, without ever holding a line longer than a record can be."""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from dataops.model import jsonvalue

# A record's line may not exceed this (a DynamoDB item holds at most 400 KB): longer lines are
# reported, never read into memory whole.
MAX_LINE_BYTES = 16 * 1024 * 1024
_BLOCK_BYTES = 1024 * 1024


class _LineTooLong:
    """Stands for a line over MAX_LINE_BYTES, which is skipped rather than held in memory."""


LINE_TOO_LONG = _LineTooLong()


def read_lines(source: Any, digest: Any | None = None) -> Iterator[bytes | _LineTooLong]:
    """The lines of a binary stream without their `\\n`, read in blocks (each block hashed
    into `digest`); a line over MAX_LINE_BYTES comes out as LINE_TOO_LONG."""
    carry = b""
    skipping = False
    while True:
        block = source.read(_BLOCK_BYTES)
        if not block:
            break
        if digest is not None:
            digest.update(block)
        parts = block.split(b"\n")
        if len(parts) == 1:
            if not skipping:
                carry += block
                if len(carry) > MAX_LINE_BYTES:
                    carry, skipping = b"", True
            continue
        first, *middle, last = parts
        if skipping:
            yield LINE_TOO_LONG
            skipping = False
        elif len(carry) + len(first) > MAX_LINE_BYTES:
            yield LINE_TOO_LONG
        else:
            yield carry + first
        for line in middle:
            yield line if len(line) <= MAX_LINE_BYTES else LINE_TOO_LONG
        carry = last
        if len(carry) > MAX_LINE_BYTES:
            carry, skipping = b"", True
    if skipping:
        yield LINE_TOO_LONG
    elif carry:
        yield carry


def is_blank(line: bytes) -> bool:
    return (not line or line[0] in b" \t\r\n") and not line.strip()


@lru_cache(maxsize=1)
def empty_line_reason() -> str:
    """What the JSON parser says of an empty line (a blank line inside a file)."""
    try:
        jsonvalue.loads(b"")
    except jsonvalue.JsonError as exc:
        return str(exc)
    return "empty line"
