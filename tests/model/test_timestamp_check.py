"""`is_timestamp` answers exactly as `parse_timestamp`, including on its fast path for the
engine's own `YYYY-MM-DDTHH:MM:SS.mmmZ` format."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dataops.model.values import is_timestamp, parse_timestamp


def two_digits(low: int, high: int) -> st.SearchStrategy[str]:
    return st.integers(low, high).map(lambda number: f"{number:02d}")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-28T09:00:00.000Z", True),
        ("2024-02-29T23:59:59.999Z", True),
        ("2026-02-29T00:00:00.000Z", False),
        ("2026-02-30T00:00:00.000Z", False),
        ("2026-11-28T24:00:00.000Z", False),
        ("2026-11-28T09:60:00.000Z", False),
        ("2026-11-28T09:00:60.000Z", False),
        ("2026-11-28T09:00:00.000+01:00", True),
        ("2026-11-28", True),
        ("not-a-date", False),
        (None, False),
    ],
)
def test_timestamps(value: object, expected: bool) -> None:
    assert is_timestamp(value) is expected


TIMESTAMPS = st.tuples(
    st.integers(1, 9999).map(lambda year: f"{year:04d}"),
    two_digits(0, 13),
    two_digits(0, 32),
    two_digits(0, 25),
    two_digits(0, 61),
    two_digits(0, 61),
    st.sampled_from(["Z", "z", "", "+01:00"]),
).map(lambda parts: "{}-{}-{}T{}:{}:{}.123{}".format(*parts))


@given(TIMESTAMPS)
def test_fast_path_agrees_with_the_parser(value: str) -> None:
    assert is_timestamp(value) is (parse_timestamp(value) is not None)
