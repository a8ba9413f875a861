"""JavaScript-compatible value rules, calendar dates and timestamps.

The contract is written with JavaScript semantics (truthiness, `trim`, `typeof`); porting them
to Python has pitfalls (`[]` is falsy here, `True` is an `int`), so every such rule lives here,
once, and is tested on its own.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any, TypeGuard

# What JavaScript's String.prototype.trim removes beyond Python's str.isspace.
_EXTRA_TRIM = "\ufeff"
# Dates and times are ASCII digits only and are matched whole (`fullmatch`): `\d` would take
# full-width and Arabic-Indic digits (which `int` reads), and `$` matches before a trailing
# newline, so either would let a date in that no index range or string comparison finds.
_DATE_RE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_DATETIME_RE = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[T ]([0-9]{2}):([0-9]{2})"
    r"(?::([0-9]{2})(?:[.,]([0-9]{1,9}))?)?"
    r"(Z|z|[+-][0-9]{2}(?::?[0-9]{2})?)?"
)
# Counts, sizes, limits and versions read from text (headers, query strings, settings, cron
# fields): far below 10**18, and Python refuses to convert more than 4,300 digits at all.
_DIGITS_RE = re.compile(r"[0-9]{1,18}")


def truthy(value: Any) -> bool:
    """JavaScript truthiness: `[]` and `{}` are truthy, `NaN` is not."""
    if value is None or value is False:
        return False
    if isinstance(value, bool):
        return True
    if isinstance(value, int | float):
        return value != 0 and not (isinstance(value, float) and math.isnan(value))
    if isinstance(value, str):
        return value != ""
    return True


def js_trim(value: str) -> str:
    return value.strip().strip(_EXTRA_TRIM).strip()


def is_nonblank(value: Any) -> TypeGuard[str]:
    """A string that is non-empty after trimming whitespace."""
    return isinstance(value, str) and js_trim(value) != ""


def is_number(value: Any) -> TypeGuard[int | float]:
    """A finite JSON number; booleans are not numbers."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value)


def is_object(value: Any) -> TypeGuard[dict[str, Any]]:
    """A non-null, non-array JSON object."""
    return isinstance(value, dict)


def is_string_array(value: Any) -> TypeGuard[list[str]]:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def parse_digits(text: str) -> int | None:
    """A whole number written as 1 to 18 ASCII digits and nothing else (no sign, no spaces, no
    other script's digits, which `str.isdigit` and `int` accept); None for anything else."""
    return int(text) if _DIGITS_RE.fullmatch(text) else None


def has_date_shape(value: Any) -> TypeGuard[str]:
    """`YYYY-MM-DD` in ASCII digits, whether or not it names a real day (`2026-02-30` has it)."""
    return isinstance(value, str) and _DATE_RE.fullmatch(value) is not None


def parse_calendar_date(value: Any) -> date | None:
    """`YYYY-MM-DD` naming a real calendar day, else None (`2026-02-30` is None)."""
    if not isinstance(value, str):
        return None
    match = _DATE_RE.fullmatch(value)
    if match is None:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def is_calendar_date(value: Any) -> TypeGuard[str]:
    # Only a 10-character string can be one, and only such strings reach the cache.
    return isinstance(value, str) and len(value) == 10 and _is_real_day(value)


def parse_timestamp(value: Any) -> datetime | None:
    """A calendar date or an ISO 8601 date-time with a real date and time, as aware UTC.

    Values without a zone are read as UTC, like the rest of the engine's clock.
    """
    if not isinstance(value, str):
        return None
    day = parse_calendar_date(value)
    if day is not None:
        return datetime(day.year, day.month, day.day, tzinfo=UTC)
    match = _DATETIME_RE.fullmatch(value)
    if match is None:
        return None
    year, month, mday, hour, minute = (int(match[i]) for i in range(1, 6))
    second = int(match[6] or 0)
    micro = int((match[7] or "0")[:6].ljust(6, "0"))
    try:
        moment = datetime(year, month, mday, hour, minute, second, micro, tzinfo=UTC)
    except ValueError:
        return None
    zone = match[8]
    if zone and zone not in ("Z", "z"):
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:] or 0)
        if hours > 23 or minutes > 59:
            return None
        moment -= sign * timedelta(hours=hours, minutes=minutes)
    return moment


# The engine's own format (format_timestamp), by far the most common in stored records and
# exports: checked without building a datetime, its calendar day remembered (few distinct days).
_CANONICAL_RE = re.compile(
    r"([0-9]{4}-[0-9]{2}-[0-9]{2})T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]\.[0-9]{3}Z"
)


@lru_cache(maxsize=4096)
def _is_real_day(day: str) -> bool:
    return parse_calendar_date(day) is not None


def is_timestamp(value: Any) -> TypeGuard[str]:
    if isinstance(value, str):
        canonical = _CANONICAL_RE.fullmatch(value)
        if canonical is not None:
            return _is_real_day(canonical[1])
    return parse_timestamp(value) is not None


def format_timestamp(moment: datetime) -> str:
    """UTC ISO 8601 with milliseconds: `YYYY-MM-DDTHH:MM:SS.mmmZ`."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def add_days(day: str, days: int) -> str:
    """Calendar arithmetic on a valid `YYYY-MM-DD` string."""
    parsed = parse_calendar_date(day)
    if parsed is None:
        raise ValueError(f"not a calendar date: {day!r}")
    return (parsed + timedelta(days=days)).isoformat()


def utf16_length(text: str) -> int:
    """JavaScript's `String.length`: UTF-16 code units."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2
