"""Dates that identifier rules compare against: a record's own date, or an ``as_of`` date.

Some identifiers carry the date they were issued (a VRM's age identifier, a PNC ID's year),
so a value can be well formed and still impossible: not yet issued on the day it was
recorded. Rules compare day numbers (``YYYYMMDD`` as an integer), which pandas and every SQL
engine compute exactly alike from ISO 8601 text, so no engine's date parsing or timezone
handling can change a verdict.

A record's date is ISO 8601 text (``YYYY-MM-DD``, optionally followed by a time), or a date
or datetime value (a database DATE/TIMESTAMP column reads as such text on every engine).
Any other text is not a date, and a rule that needs the date fails the row.

``as_of`` is the day a rule judges "not yet issued" against when it has no record date:
an ISO date given in the suite (the extract date, say), or by default the day the rule
runs. Tests always pass it, so no verdict in a test depends on the wall clock.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from dqaudit.expectations.rules import sql

ISO_DATE = "[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
# A date, optionally followed by a time and an offset (2024-03-01 10:15:00+00).
ISO_DATE_TEXT = ISO_DATE + "(?:[ T][0-9:.+Z-]*)?"
NEVER = 99_991_231  # the day number of something never issued: later than any date


def day_number(day: dt.date) -> int:
    return day.year * 10_000 + day.month * 100 + day.day


def parse_as_of(value: str | None) -> dt.date | None:
    """The ``as_of`` kwarg as a date; a ValueError names what is wrong with it."""
    if value is None:
        return None
    if not isinstance(value, str) or not re.fullmatch(ISO_DATE, value):
        raise ValueError(f"as_of must be an ISO date YYYY-MM-DD, not {value!r}")
    return dt.date.fromisoformat(value)


def as_of_day(value: str | None) -> int:
    """The day number rules judge against: ``as_of``, or today when it is not given."""
    day = parse_as_of(value)
    return day_number(day if day is not None else dt.date.today())


def day_numbers(values: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(day numbers, missing, not a date) of a column of record dates, without parsing.

    Text is read by its first ten characters once the whole value is proved ISO 8601 by
    the same regex the SQL engines use, so "2024-02-30" is read as written (as SQL reads
    it) and "01/03/2024" is not a date.
    """
    n = len(values)
    numbers = np.zeros(n, dtype=np.int64)
    missing = values.isna().to_numpy()
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        stamps = values.dt
        present = ~missing
        numbers[present] = (
            stamps.year.to_numpy()[present] * 10_000
            + stamps.month.to_numpy()[present] * 100
            + stamps.day.to_numpy()[present]
        ).astype(np.int64)
        return numbers, missing, np.zeros(n, dtype=bool)
    objects = values.to_numpy(dtype=object)
    text = pd.Series(
        [v.isoformat() if isinstance(v, dt.date) else v for v in objects],
        index=values.index,
        dtype="string",
    )
    iso = text.str.fullmatch(ISO_DATE_TEXT).fillna(False).to_numpy(dtype=bool)
    if iso.any():
        digits = text[iso].str.slice(0, 10).str.replace("-", "", regex=False)
        numbers[iso] = digits.astype("int64").to_numpy()
    return numbers, missing, ~missing & ~iso


def day_number_sql(column: Any, engine: str) -> tuple[Any, Any]:
    """(day number, is an ISO date) of a column of record dates, as SQL expressions.

    The number is only meaningful where the second expression is true.
    """
    text = sql.as_text(column)
    i = sql.to_integer
    big = sa.BigInteger()
    number = (
        i(sql.substr(text, 1, 4)) * sa.literal(10_000, big)
        + i(sql.substr(text, 6, 2)) * sa.literal(100, big)
        + i(sql.substr(text, 9, 2))
    )
    return number, sql.full_match(column, ISO_DATE_TEXT, engine)
