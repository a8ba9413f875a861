"""The cron parser: every syntax of standard cron for the date fields, validated minute and
hour fields, and a clear message for every malformed or out-of-range expression."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from dataops.model import cron
from dataops.model.errors import Invalid


def matching_days(expression: str, start: date, days: int) -> list[str]:
    schedule = cron.parse(expression)
    return [
        (start + timedelta(days=offset)).isoformat()
        for offset in range(days)
        if schedule.matches(start + timedelta(days=offset))
    ]


def refusal(expression: object, label: str = "cron expression") -> str:
    with pytest.raises(Invalid) as caught:
        cron.parse(expression, label)
    return caught.value.message


# --- matching -------------------------------------------------------------------------------

# December 2026 starts on a Tuesday.
DEC = date(2026, 12, 1)


def test_every_day() -> None:
    assert len(matching_days("* * * * *", DEC, 31)) == 31


def test_weekday_by_number_and_by_name_case_insensitive() -> None:
    mondays = ["2026-12-07", "2026-12-14", "2026-12-21", "2026-12-28"]
    assert matching_days("0 9 * * 1", DEC, 31) == mondays
    assert matching_days("0 9 * * MON", DEC, 31) == mondays
    assert matching_days("0 9 * * mon", DEC, 31) == mondays


def test_sunday_is_zero_or_seven() -> None:
    sundays = ["2026-12-06", "2026-12-13", "2026-12-20", "2026-12-27"]
    assert matching_days("* * * * 0", DEC, 31) == sundays
    assert matching_days("* * * * 7", DEC, 31) == sundays
    assert matching_days("* * * * SUN", DEC, 31) == sundays


def test_weekday_ranges_including_seven() -> None:
    assert matching_days("* * * * 1-5", DEC, 7) == [
        "2026-12-01",
        "2026-12-02",
        "2026-12-03",
        "2026-12-04",
        "2026-12-07",
    ]
    assert matching_days("* * * * MON-FRI", DEC, 7) == matching_days("* * * * 1-5", DEC, 7)
    # Friday to Sunday, Sunday written as 7.
    assert matching_days("* * * * 5-7", DEC, 7) == ["2026-12-04", "2026-12-05", "2026-12-06"]
    assert len(matching_days("* * * * 0-7", DEC, 14)) == 14


def test_lists_of_values_and_ranges() -> None:
    assert matching_days("* * 1,15,31 * *", DEC, 31) == ["2026-12-01", "2026-12-15", "2026-12-31"]
    assert matching_days("* * 1-3,30 * *", DEC, 31) == [
        "2026-12-01",
        "2026-12-02",
        "2026-12-03",
        "2026-12-30",
    ]
    assert matching_days("* * * * TUE,THU", DEC, 7) == ["2026-12-01", "2026-12-03"]


def test_steps_over_star_and_ranges() -> None:
    assert matching_days("* * */10 * *", DEC, 31) == [
        "2026-12-01",
        "2026-12-11",
        "2026-12-21",
        "2026-12-31",
    ]
    assert matching_days("* * 1-10/3 * *", DEC, 31) == [
        "2026-12-01",
        "2026-12-04",
        "2026-12-07",
        "2026-12-10",
    ]
    # `N/step` runs from N to the end of the field.
    assert matching_days("* * 25/3 * *", DEC, 31) == ["2026-12-25", "2026-12-28", "2026-12-31"]


def test_months_by_number_name_range_and_step() -> None:
    year = date(2026, 1, 1)
    firsts = lambda expr: [d for d in matching_days(expr, year, 365) if d.endswith("-01")]  # noqa: E731
    assert firsts("0 0 1 JAN,jul *") == ["2026-01-01", "2026-07-01"]
    assert firsts("0 0 1 3-5 *") == ["2026-03-01", "2026-04-01", "2026-05-01"]
    assert firsts("0 0 1 */4 *") == ["2026-01-01", "2026-05-01", "2026-09-01"]
    assert firsts("0 0 1 JAN-MAR *") == ["2026-01-01", "2026-02-01", "2026-03-01"]


def test_day_of_month_or_day_of_week_when_both_are_restricted() -> None:
    # The 1st of the month OR any Friday (standard cron), not "Fridays that are the 1st".
    assert matching_days("0 0 1 * FRI", DEC, 31) == [
        "2026-12-01",
        "2026-12-04",
        "2026-12-11",
        "2026-12-18",
        "2026-12-25",
    ]


def test_a_star_day_field_means_and() -> None:
    assert matching_days("0 0 * * FRI", DEC, 31) == [
        "2026-12-04",
        "2026-12-11",
        "2026-12-18",
        "2026-12-25",
    ]
    assert matching_days("0 0 13 * *", DEC, 31) == ["2026-12-13"]
    # A field that starts with `*` is unrestricted even with a step (as in Vixie cron), so
    # `*/2` in day-of-month and Friday in day-of-week are both required.
    assert matching_days("0 0 */2 * FRI", DEC, 31) == ["2026-12-11", "2026-12-25"]


def test_month_restricts_both_day_fields() -> None:
    assert matching_days("0 0 1 JAN FRI", DEC, 31) == []


def test_leap_day_and_impossible_days() -> None:
    assert matching_days("0 0 29 2 *", date(2028, 1, 1), 366) == ["2028-02-29"]
    assert matching_days("0 0 29 2 *", date(2026, 1, 1), 365) == []
    assert matching_days("0 0 31 4 *", date(2026, 1, 1), 365) == []


def test_minute_and_hour_do_not_change_the_days() -> None:
    assert matching_days("59 23 * * MON", DEC, 31) == matching_days("0 0 * * MON", DEC, 31)
    assert matching_days("*/5 1-3,7 * * MON", DEC, 31) == matching_days("* * * * MON", DEC, 31)


def test_whitespace_between_fields_is_flexible() -> None:
    assert cron.parse("  0\t9  *  * MON ").matches(date(2026, 12, 7))


def test_parsed_values() -> None:
    schedule = cron.parse("0,30 */6 1 1 7")
    assert schedule.minutes == {0, 30}
    assert schedule.hours == {0, 6, 12, 18}
    assert schedule.days_of_week == {0}
    assert schedule.day_of_month_restricted and schedule.day_of_week_restricted


# --- refusals -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "expression",
    ["every wednesday", "", "   ", "* * * *", "* * * * * *", "@weekly", "0 9 * * MON extra"],
)
def test_not_five_fields(expression: str) -> None:
    assert (
        refusal(expression)
        == "Invalid cron expression format: must have exactly 5 space-separated fields"
    )


def test_not_a_string() -> None:
    assert (
        refusal(5) == "Invalid cron expression format: must have exactly 5 space-separated fields"
    )


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("61 * * * *", "Invalid cron expression: minute value 61 is out of range 0-59"),
        ("60 * * * *", "Invalid cron expression: minute value 60 is out of range 0-59"),
        ("* 24 * * *", "Invalid cron expression: hour value 24 is out of range 0-23"),
        ("* * 32 * *", "Invalid cron expression: day-of-month value 32 is out of range 1-31"),
        ("* * 0 * *", "Invalid cron expression: day-of-month value 0 is out of range 1-31"),
        ("* * * 13 *", "Invalid cron expression: month value 13 is out of range 1-12"),
        ("* * * 0 *", "Invalid cron expression: month value 0 is out of range 1-12"),
        ("* * * * 8", "Invalid cron expression: day-of-week value 8 is out of range 0-7"),
        ("* * 1-40 * *", "Invalid cron expression: day-of-month value 40 is out of range 1-31"),
        ("* * * * 1,9", "Invalid cron expression: day-of-week value 9 is out of range 0-7"),
    ],
)
def test_out_of_range(expression: str, message: str) -> None:
    assert refusal(expression) == message


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("* * * * FOO", "Invalid cron expression: day-of-week field has an invalid value 'FOO'"),
        (
            "* * * * MONDAY",
            "Invalid cron expression: day-of-week field has an invalid value 'MONDAY'",
        ),
        ("* * * FOO *", "Invalid cron expression: month field has an invalid value 'FOO'"),
        ("MON * * * *", "Invalid cron expression: minute field has an invalid value 'MON'"),
        ("* * JAN * *", "Invalid cron expression: day-of-month field has an invalid value 'JAN'"),
        ("* * ? * *", "Invalid cron expression: day-of-month field has an invalid value '?'"),
        ("* * L * *", "Invalid cron expression: day-of-month field has an invalid value 'L'"),
        ("* * -1 * *", "Invalid cron expression: day-of-month field has an invalid value '-1'"),
        ("* * 1- * *", "Invalid cron expression: day-of-month field has an invalid value '1-'"),
        (
            "* * 1-2-3 * *",
            "Invalid cron expression: day-of-month field has an invalid value '1-2-3'",
        ),
        ("* * 1,,2 * *", "Invalid cron expression: day-of-month field has an invalid value '1,,2'"),
        ("* * 1, * *", "Invalid cron expression: day-of-month field has an invalid value '1,'"),
        ("* * *-5 * *", "Invalid cron expression: day-of-month field has an invalid value '*-5'"),
        ("* * 1.5 * *", "Invalid cron expression: day-of-month field has an invalid value '1.5'"),
        ("* * ١ * *", "Invalid cron expression: day-of-month field has an invalid value '١'"),
        ("* * １ * *", "Invalid cron expression: day-of-month field has an invalid value '１'"),
        ("* * ² * *", "Invalid cron expression: day-of-month field has an invalid value '²'"),
        (
            "* * " + "9" * 5000 + " * *",
            "Invalid cron expression: day-of-month field has an invalid value '" + "9" * 5000 + "'",
        ),
        ("* * /5 * *", "Invalid cron expression: day-of-month field has an invalid value '/5'"),
    ],
)
def test_invalid_values(expression: str, message: str) -> None:
    assert refusal(expression) == message


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        (
            "*/0 * * * *",
            "Invalid cron expression: minute step in '*/0' must be an integer from 1 to 59",
        ),
        (
            "* * */ * *",
            "Invalid cron expression: day-of-month step in '*/' must be an integer from 1 to 31",
        ),
        (
            "* * */x * *",
            "Invalid cron expression: day-of-month step in '*/x' must be an integer from 1 to 31",
        ),
        (
            "* * */" + "9" * 5000 + " * *",
            "Invalid cron expression: day-of-month step in '*/"
            + "9" * 5000
            + "' must be an integer from 1 to 31",
        ),
        (
            "* * */32 * *",
            "Invalid cron expression: day-of-month step in '*/32' must be an integer from 1 to 31",
        ),
        (
            "* * 1/2/3 * *",
            "Invalid cron expression: day-of-month step in '1/2/3' must be an integer from 1 to 31",
        ),
        (
            "* * * * */-1",
            "Invalid cron expression: day-of-week step in '*/-1' must be an integer from 1 to 7",
        ),
    ],
)
def test_invalid_steps(expression: str, message: str) -> None:
    assert refusal(expression) == message


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("* * 10-5 * *", "Invalid cron expression: day-of-month range '10-5' starts after it ends"),
        (
            "* * * * SAT-SUN",
            "Invalid cron expression: day-of-week range 'SAT-SUN' starts after it ends",
        ),
        ("* * * DEC-JAN *", "Invalid cron expression: month range 'DEC-JAN' starts after it ends"),
    ],
)
def test_reversed_ranges(expression: str, message: str) -> None:
    assert refusal(expression) == message


def test_the_label_names_the_field_being_validated() -> None:
    assert refusal("every day", "triggerSchedule") == (
        "Invalid triggerSchedule format: must have exactly 5 space-separated fields"
    )
    assert refusal("0 25 * * *", "triggerSchedule") == (
        "Invalid triggerSchedule: hour value 25 is out of range 0-23"
    )


def test_try_parse_returns_none_for_stored_invalid_expressions() -> None:
    assert cron.try_parse("every wednesday") is None
    assert cron.try_parse(None) is None
    assert cron.try_parse("0 9 * * 3") is not None


# --- every single value, over four years (a leap year included) -----------------------------

FOUR_YEARS = [date(2026, 1, 1) + timedelta(days=offset) for offset in range(4 * 365 + 1)]


@pytest.mark.parametrize("day", range(1, 32))
def test_every_day_of_month_value(day: int) -> None:
    schedule = cron.parse(f"0 0 {day} * *")
    assert [d for d in FOUR_YEARS if schedule.matches(d)] == [d for d in FOUR_YEARS if d.day == day]


@pytest.mark.parametrize("month", range(1, 13))
def test_every_month_value_and_name(month: int) -> None:
    by_number = cron.parse(f"0 0 * {month} *")
    by_name = cron.parse(f"0 0 * {date(2026, month, 1).strftime('%b').upper()} *")
    expected = [d for d in FOUR_YEARS if d.month == month]
    assert [d for d in FOUR_YEARS if by_number.matches(d)] == expected
    assert [d for d in FOUR_YEARS if by_name.matches(d)] == expected


@pytest.mark.parametrize("weekday", range(8))
def test_every_day_of_week_value_and_name(weekday: int) -> None:
    names = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"]
    expected = [d for d in FOUR_YEARS if d.isoweekday() % 7 == weekday % 7]
    for text in (str(weekday), names[weekday], names[weekday].capitalize()):
        schedule = cron.parse(f"0 0 * * {text}")
        assert [d for d in FOUR_YEARS if schedule.matches(d)] == expected


@pytest.mark.parametrize("minute", [0, 1, 30, 59])
@pytest.mark.parametrize("hour", [0, 12, 23])
def test_every_valid_minute_and_hour_parses(minute: int, hour: int) -> None:
    assert cron.parse(f"{minute} {hour} * * *").minutes == {minute}


def test_both_day_fields_restricted_over_four_years() -> None:
    schedule = cron.parse("0 0 13 * FRI")
    expected = [d for d in FOUR_YEARS if d.day == 13 or d.isoweekday() == 5]
    assert [d for d in FOUR_YEARS if schedule.matches(d)] == expected
    step = cron.parse("0 0 1-7 */3 MON")
    expected = [
        d for d in FOUR_YEARS if d.month in (1, 4, 7, 10) and (d.day <= 7 or d.isoweekday() == 1)
    ]
    assert [d for d in FOUR_YEARS if step.matches(d)] == expected
