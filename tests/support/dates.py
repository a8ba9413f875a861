"""Dates and timestamps that Python's `re` (`\\d` takes every script's digits, `$` matches
before a trailing newline) or `int` would take, and that are no date at all: shared by the
model, API and export-validator tests, which must all refuse the same ones; and today's day in
a time zone, for the tests of the team's day."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest


def day_in(zone: str) -> str:
    """Today's calendar day in the IANA time zone `zone` (`YYYY-MM-DD`)."""
    return datetime.now(UTC).astimezone(ZoneInfo(zone)).date().isoformat()


NOT_DATES = [
    pytest.param("2026-12-01\n", id="trailing-newline"),
    pytest.param("２０２６-１２-０１", id="full-width-digits"),
    pytest.param("٢٠٢٦-١٢-٠١", id="arabic-indic-digits"),
    pytest.param("۲۰۲۶-۱۲-۰۱", id="extended-arabic-indic-digits"),
    pytest.param("२०२६-१२-०१", id="devanagari-digits"),
    pytest.param("2026-12-0１", id="one-full-width-digit"),
    pytest.param(" 2026-12-01", id="leading-space"),
    pytest.param("2026-12-01 ", id="trailing-space"),
    pytest.param("2026-12-01\x00", id="trailing-nul"),
]
NOT_TIMESTAMPS = [
    pytest.param("2026-12-01T09:00:00.000Z\n", id="trailing-newline"),
    pytest.param("2026-12-01T0٩:00:00.000Z", id="arabic-indic-hour"),
    pytest.param("2026-12-01T09:00:00.00０Z", id="full-width-millisecond"),
    pytest.param("２０２６-１２-０１T09:00:00.000Z", id="full-width-date"),
    pytest.param("2026-12-01T09:00:00+0١:00", id="arabic-indic-zone"),
    pytest.param("2026-12-01T09:00:00.000Z ", id="trailing-space"),
    pytest.param("2026-12-01\n", id="date-with-newline"),
]
