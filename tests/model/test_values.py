"""JavaScript-compatible value rules, dates and timestamps."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest

from dataops.model.values import (
    add_days,
    format_timestamp,
    is_calendar_date,
    is_nonblank,
    is_number,
    is_string_array,
    is_timestamp,
    parse_digits,
    parse_timestamp,
    truthy,
    utf16_length,
)
from tests.support.dates import NOT_DATES, NOT_TIMESTAMPS


@pytest.mark.parametrize("value", [None, False, 0, 0.0, "", math.nan])
def test_falsy_values(value: object) -> None:
    assert truthy(value) is False


@pytest.mark.parametrize("value", [[], {}, "0", " ", 1, -1, 0.5, True, "false"])
def test_truthy_values_follow_javascript(value: object) -> None:
    assert truthy(value) is True


def test_nonblank_trims_like_javascript() -> None:
    assert is_nonblank("x")
    assert not is_nonblank("   \t\n")
    assert not is_nonblank("\ufeff ")
    assert not is_nonblank(5)


def test_numbers_exclude_booleans_and_non_finite_values() -> None:
    assert is_number(0) and is_number(-2.5)
    assert not is_number(True)
    assert not is_number(math.inf)
    assert not is_number("1")


def test_string_arrays() -> None:
    assert is_string_array([]) and is_string_array(["a"])
    assert not is_string_array(["a", 1])
    assert not is_string_array("a")


@pytest.mark.parametrize("value", ["2026-02-28", "2024-02-29", "2026-12-31"])
def test_calendar_dates(value: str) -> None:
    assert is_calendar_date(value)


@pytest.mark.parametrize(
    "value", ["2026-02-30", "2026-13-01", "2025-02-29", "2026-1-01", "20260101", "", None, 5]
)
def test_impossible_or_malformed_dates(value: object) -> None:
    assert not is_calendar_date(value)


@pytest.mark.parametrize("value", NOT_DATES)
def test_dates_are_four_two_and_two_ascii_digits_and_nothing_else(value: str) -> None:
    assert not is_calendar_date(value)
    assert parse_timestamp(value) is None
    assert not is_timestamp(value)


@pytest.mark.parametrize("value", NOT_TIMESTAMPS)
def test_timestamps_are_ascii_digits_and_nothing_else(value: str) -> None:
    assert parse_timestamp(value) is None
    assert not is_timestamp(value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("0", 0), ("1000", 1000), ("007", 7), ("9" * 18, 10**18 - 1)],
)
def test_digits_parse_as_whole_numbers(text: str, expected: int) -> None:
    assert parse_digits(text) == expected


@pytest.mark.parametrize(
    "text", ["", "9" * 19, "9" * 5000, "-1", "+1", " 1", "1\n", "１", "١", "²", "1e3", "1_000"]
)
def test_anything_but_a_few_ascii_digits_is_no_whole_number(text: str) -> None:
    assert parse_digits(text) is None


def test_timestamps_parse_with_zones_and_milliseconds() -> None:
    assert parse_timestamp("2026-01-02T03:04:05.678Z") == datetime(
        2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC
    )
    assert parse_timestamp("2026-01-02T05:04:05+02:00") == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert parse_timestamp("2026-01-02") == datetime(2026, 1, 2, tzinfo=UTC)


@pytest.mark.parametrize(
    "value", ["not-a-date", "2026-99-99", "2026-02-30T00:00:00Z", "2026-01-01T25:00:00Z", 5]
)
def test_unparseable_timestamps(value: object) -> None:
    assert parse_timestamp(value) is None


def test_timestamps_format_with_milliseconds() -> None:
    moment = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    assert format_timestamp(moment) == "2026-01-02T03:04:05.678Z"


def test_calendar_arithmetic() -> None:
    assert add_days("2026-02-27", 2) == "2026-03-01"
    assert add_days("2026-01-01", -1) == "2025-12-31"


def test_utf16_length_counts_astral_characters_twice() -> None:
    assert utf16_length("a😀") == 3
