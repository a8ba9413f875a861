"""Standard five-field cron expressions, for the dates they match (docs/api.md#recurring-tasks).

Fields: minute, hour, day-of-month, month, day-of-week. Each is `*` or a comma list of values,
ranges (`1-5`) and steps (`*/2`, `1-10/3`, `5/15` = from 5 to the end); months and weekdays also
take names (`JAN`, `MON`, case-insensitive), and Sunday is 0 or 7. Minute and hour are validated
but never used: the engine works in the team's calendar days (`DATAOPS_TIMEZONE`). As in Vixie
cron, when both day fields are restricted a day matches either; a field that starts with `*`
(`*`, `*/2`) is unrestricted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from dataops.model import messages
from dataops.model.errors import Invalid
from dataops.model.values import parse_digits

_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_WEEKDAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")


@dataclass(frozen=True)
class _FieldSpec:
    name: str
    low: int
    high: int
    names: dict[str, int]


_FIELDS = (
    _FieldSpec("minute", 0, 59, {}),
    _FieldSpec("hour", 0, 23, {}),
    _FieldSpec("day-of-month", 1, 31, {}),
    _FieldSpec("month", 1, 12, {name: number for number, name in enumerate(_MONTHS, 1)}),
    _FieldSpec("day-of-week", 0, 7, {name: number for number, name in enumerate(_WEEKDAYS)}),
)


@dataclass(frozen=True)
class CronSchedule:
    """A parsed expression: the allowed values of each field."""

    expression: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days_of_month: frozenset[int]
    months: frozenset[int]
    days_of_week: frozenset[int]  # 0 = Sunday; a 7 in the expression is stored as 0
    day_of_month_restricted: bool
    day_of_week_restricted: bool

    def matches(self, day: date) -> bool:
        """True when the schedule fires on this calendar day (at any minute and hour)."""
        if day.month not in self.months:
            return False
        in_month = day.day in self.days_of_month
        in_week = day.isoweekday() % 7 in self.days_of_week
        if self.day_of_month_restricted and self.day_of_week_restricted:
            return in_month or in_week
        return in_month and in_week


class _Parser:
    def __init__(self, spec: _FieldSpec, label: str) -> None:
        self.spec = spec
        self.label = label

    def fail(self, template: str, **values: object) -> Invalid:
        return Invalid(template.format(name=self.label, field=self.spec.name, **values))

    def number(self, text: str, part: str) -> int:
        upper = text.upper()
        if upper in self.spec.names:
            return self.spec.names[upper]
        value = parse_digits(text)
        if value is None:
            raise self.fail(messages.CRON_VALUE_INVALID, part=part)
        if not self.spec.low <= value <= self.spec.high:
            raise self.fail(
                messages.CRON_VALUE_OUT_OF_RANGE,
                value=value,
                low=self.spec.low,
                high=self.spec.high,
            )
        return value

    def step(self, text: str, part: str) -> int:
        step = parse_digits(text)
        if step is None or not 1 <= step <= self.spec.high:
            raise self.fail(messages.CRON_STEP_INVALID, part=part, high=self.spec.high)
        return step

    def part(self, part: str) -> range:
        body, slash, step_text = part.partition("/")
        step = self.step(step_text, part) if slash else 1
        if body == "*":
            return range(self.spec.low, self.spec.high + 1, step)
        first_text, dash, last_text = body.partition("-")
        if not first_text or (dash and not last_text):
            raise self.fail(messages.CRON_VALUE_INVALID, part=part)
        first = self.number(first_text, part)
        # `5/15` runs from 5 to the end of the field, as in Vixie cron.
        last = self.number(last_text, part) if dash else self.spec.high if slash else first
        if first > last:
            raise self.fail(messages.CRON_RANGE_REVERSED, part=part)
        return range(first, last + 1, step)

    def field(self, text: str) -> frozenset[int]:
        values: set[int] = set()
        for part in text.split(","):
            if not part:
                raise self.fail(messages.CRON_VALUE_INVALID, part=text)
            values.update(self.part(part))
        return frozenset(values)


def parse(expression: object, label: str = "cron expression") -> CronSchedule:
    """Parse or raise Invalid with a message naming the field and what is wrong with it.

    `label` names the expression in messages ("cron expression", "triggerSchedule").
    """
    if not isinstance(expression, str):
        raise Invalid(messages.CRON_FIELD_COUNT.format(name=label))
    texts = expression.split()
    if len(texts) != len(_FIELDS):
        raise Invalid(messages.CRON_FIELD_COUNT.format(name=label))
    minutes, hours, days, months, weekdays = (
        _Parser(spec, label).field(text) for spec, text in zip(_FIELDS, texts, strict=True)
    )
    return CronSchedule(
        expression=expression,
        minutes=minutes,
        hours=hours,
        days_of_month=days,
        months=months,
        days_of_week=frozenset(day % 7 for day in weekdays),
        day_of_month_restricted=not texts[2].startswith("*"),
        day_of_week_restricted=not texts[4].startswith("*"),
    )


def try_parse(expression: object) -> CronSchedule | None:
    """The schedule, or None for an expression that is not valid (stored before validation)."""
    try:
        return parse(expression)
    except Invalid:
        return None
