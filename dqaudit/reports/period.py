"""The reporting period of a board paper: a quarter, a month, a year or explicit dates.

A period is a span of whole calendar days in the report's timezone (Europe/London by
default), so a run at 00:30 BST on 1 July belongs to the third quarter even though it is
still 30 June in UTC, where the store keeps its times.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dqaudit.errors import FieldError
from dqaudit.timezones import DEFAULT_TIMEZONE

PERIOD_FORMS = "a quarter (2026-Q3), a month (2026-07) or a year (2026)"


@dataclass(frozen=True)
class Period:
    """First and last day (inclusive), a label for the board, and the report timezone."""

    first_day: date
    last_day: date
    label: str
    timezone: str = DEFAULT_TIMEZONE

    @property
    def start(self) -> datetime:
        """The first instant of the period, in UTC."""
        return _local_midnight(self.first_day, self.timezone)

    @property
    def end(self) -> datetime:
        """The first instant after the period, in UTC (the period is [start, end))."""
        return _local_midnight(self.last_day + timedelta(days=1), self.timezone)

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    def describe(self) -> str:
        span = f"{_long_date(self.first_day)} to {_long_date(self.last_day)}"
        return span if self.label == span else f"{self.label} ({span})"


def _local_midnight(day: date, timezone: str) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def _long_date(day: date) -> str:
    return f"{day.day} {calendar.month_name[day.month]} {day.year}"


def parse_period(text: str, timezone: str = DEFAULT_TIMEZONE) -> Period:
    """``2026-Q3``, ``2026-07`` or ``2026``; anything else is an error saying what is accepted."""
    value = text.strip()
    quarter = re.fullmatch(r"(\d{4})-?[Qq]([1-4])", value)
    month = re.fullmatch(r"(\d{4})-(\d{2})", value)
    year = re.fullmatch(r"\d{4}", value)
    if quarter:
        number, which = int(quarter.group(1)), int(quarter.group(2))
        first = date(number, 3 * which - 2, 1)
        last_month = 3 * which
        last = date(number, last_month, calendar.monthrange(number, last_month)[1])
        return Period(first, last, f"{number}-Q{which}", timezone)
    if month and 1 <= int(month.group(2)) <= 12:
        number, which = int(month.group(1)), int(month.group(2))
        last = date(number, which, calendar.monthrange(number, which)[1])
        return Period(
            date(number, which, 1), last, f"{calendar.month_name[which]} {number}", timezone
        )
    if year:
        number = int(value)
        return Period(date(number, 1, 1), date(number, 12, 31), str(number), timezone)
    raise FieldError(f"{{period}} '{text}' is not a period: use {PERIOD_FORMS}", "period")


def resolve_period(
    period: str | None = None,
    first_day: date | None = None,
    last_day: date | None = None,
    *,
    today: date,
    timezone: str = DEFAULT_TIMEZONE,
) -> Period:
    """The period a report covers: ``period``, or ``first_day``/``last_day``, or else this
    quarter to date.

    A period that has not started yet is refused: a board paper about it would show no
    audits and no findings, which reads as "nothing wrong" rather than "not yet"."""
    chosen = _chosen_period(period, first_day, last_day, today=today, timezone=timezone)
    if chosen.first_day > today:
        field, value = ("period", period) if period is not None else ("first_day", chosen.first_day)
        raise FieldError(
            f"{{{field}}} {value} starts on {_long_date(chosen.first_day)}, after today "
            f"({_long_date(today)}): a period that has not started cannot be reported",
            field,
        )
    return chosen


def _chosen_period(
    period: str | None,
    first_day: date | None,
    last_day: date | None,
    *,
    today: date,
    timezone: str,
) -> Period:
    if period is not None and (first_day is not None or last_day is not None):
        raise FieldError(
            "give either {period} or {first_day}/{last_day}, not both",
            "period",
            "first_day",
            "last_day",
        )
    if period is not None:
        return parse_period(period, timezone)
    if last_day is not None and first_day is None:
        raise FieldError(
            "{last_day} needs {first_day} (the first day of the period)", "last_day", "first_day"
        )
    if first_day is not None:
        last = last_day or today
        if first_day > last:
            which = "{last_day}" if last_day is not None else "today"
            raise FieldError(
                f"{{first_day}} {first_day.isoformat()} is after {which} ({last.isoformat()}): "
                "the period would be empty",
                "first_day",
                "last_day",
            )
        return Period(first_day, last, f"{_long_date(first_day)} to {_long_date(last)}", timezone)
    return parse_period(f"{today.year}-Q{(today.month - 1) // 3 + 1}", timezone)
