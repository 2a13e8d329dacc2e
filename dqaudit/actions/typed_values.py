"""Which of a rule's columns it compared as numbers or datetimes, and those values typed.

Extracts are read as text, so ``007`` stays ``007``. A plan shows an owner the values a
rule read; a value the rule compared as a number (a coordinate, a count) or a datetime
(an arrest time) is shown as a number or a date, so it sorts and filters as one; every
other value stays text exactly as extracted. The columns a rule compares as typed values
come from the same planning the engine uses (``value_types.typed_rule`` for GX's rules,
``conditions.typed_columns`` for a row condition) and, for the police rule library, from
``LIBRARY_TYPES`` below. A value that does not read as its type (the reason it failed,
often) stays text.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from dqaudit.errors import InputError
from dqaudit.expectations.conditions import parse_condition, typed_columns
from dqaudit.expectations.suite_model import Rule
from dqaudit.expectations.text_values import (
    DATETIME_PATTERN,
    FIRST_YEAR,
    LAST_YEAR,
    number_from,
)
from dqaudit.expectations.value_types import typed_rule

NUMBER, DATETIME = "number", "datetime"
EXCEL_FIRST_YEAR = 1900  # Excel's dates start on 1 January 1900
EXCEL_DIGITS = 15  # Excel shows 15 significant digits; longer whole numbers stay text

# The police rule library's comparisons: (kwarg, type) pairs; "column_list" means every
# column of the list, "column_list[:2]" its first two, "column_list[3:]" from the fourth.
LIBRARY_TYPES: dict[str, tuple[tuple[str, str], ...]] = {
    "expect_column_pair_values_to_be_within_boundary": (("column_A", NUMBER), ("column_B", NUMBER)),
    "expect_multicolumn_values_to_match_boundary_area": (("column_list[:2]", NUMBER),),
    "expect_multicolumn_datetimes_to_be_in_order": (("column_list", DATETIME),),
    "expect_column_pair_values_to_be_within_hours": (
        ("column_A", DATETIME),
        ("column_B", DATETIME),
    ),
    "expect_multicolumn_datetimes_to_be_within_hours": (("column_list", DATETIME),),
    "expect_column_pair_values_to_be_valid_uk_vrm_on_date": (("column_B", DATETIME),),
    "expect_column_pair_values_to_be_area_code_in_force": (("column_B", DATETIME),),
    "expect_multicolumn_values_to_match_boundary_version": (
        ("column_list[:2]", NUMBER),
        ("column_list[3:]", DATETIME),
    ),
    "expect_column_pair_values_to_be_shared_by_at_most": (
        ("column_A", NUMBER),
        ("column_B", NUMBER),
    ),
}


@dataclass(frozen=True)
class Comparison:
    """How a rule compared one column: as a number, or as a datetime (with its format)."""

    kind: str
    datetime_format: str | None = None


def compared_columns(
    expectation_type: str,
    kwargs: dict[str, Any],
    value_type: str | None = None,
    datetime_format: str | None = None,
) -> dict[str, Comparison]:
    """The columns the rule compared as numbers or datetimes; text columns are left out."""
    kwargs = kwargs if isinstance(kwargs, dict) else {}
    found: dict[str, Comparison] = {}
    rule = Rule(
        0,
        expectation_type,
        kwargs,
        {},
        value_type=value_type,
        datetime_format=datetime_format,
    )
    try:
        typed = typed_rule(rule)
    except (InputError, KeyError, TypeError, ValueError):
        typed = None
    if typed is not None:
        for conversion in typed.conversions:
            found[conversion.column] = Comparison(conversion.value_type, datetime_format)
    for kwarg, kind in LIBRARY_TYPES.get(expectation_type, ()):
        for column in _kwarg_columns(kwargs, kwarg):
            found.setdefault(column, Comparison(kind))
    condition = kwargs.get("row_condition")
    if condition not in (None, ""):
        try:
            parsed = parse_condition(condition, kwargs.get("condition_parser"), "row_condition")
        except InputError:
            parsed = None
        if parsed is not None:
            for column, kinds in typed_columns(parsed).items():
                if len(kinds) == 1 and next(iter(kinds)) in (NUMBER, DATETIME):
                    found.setdefault(column, Comparison(next(iter(kinds))))
    return found


def _kwarg_columns(kwargs: dict[str, Any], kwarg: str) -> list[str]:
    name, _, part = kwarg.partition("[")
    value = kwargs.get(name)
    columns = [value] if isinstance(value, str) else list(value or [])
    if part:  # "[:2]" (the first two) or "[3:]" (from the fourth)
        start, _, stop = part.rstrip("]").partition(":")
        columns = columns[int(start or 0) : int(stop) if stop else None]
    return [c for c in columns if isinstance(c, str)]


def typed_value(value: Any, comparison: Comparison | None) -> tuple[Any, str | None]:
    """``(value, number format)`` as a plan cell shows it: a number or a datetime where the
    rule compared it as one and it reads as one, else the value unchanged (text stays text)."""
    if comparison is None or not isinstance(value, str):
        return value, None
    if comparison.kind == NUMBER:
        return _number(value)
    return _datetime(value, comparison.datetime_format)


def _number(text: str) -> tuple[Any, str | None]:
    """A number cell. Workbooks hold doubles to 16 significant digits (Excel shows 15), so
    ``-1.4516639999999998`` is stored as -1.451664; a whole number longer than Excel can
    show exactly (a 16-digit reference compared as a number) stays text instead."""
    number = number_from(text)
    if number is None:
        return text, None
    if number.is_integer():
        digits = len(re.sub(r"[^0-9]", "", f"{abs(number):.0f}").lstrip("0"))
        if digits > EXCEL_DIGITS:
            return text, None
        return int(number), "General"
    return number, "General"


def _datetime(text: str, datetime_format: str | None) -> tuple[Any, str | None]:
    stripped = text.strip(" ")
    try:
        if datetime_format:
            stamp = dt.datetime.strptime(stripped, datetime_format)
        elif re.fullmatch(DATETIME_PATTERN, stripped):
            stamp = dt.datetime.fromisoformat(stripped)
        else:
            return text, None
    except ValueError:
        return text, None
    if not (max(FIRST_YEAR, EXCEL_FIRST_YEAR) <= stamp.year <= LAST_YEAR):
        return text, None
    if stamp.tzinfo is not None:  # Excel has no offsets: show the instant in UTC, saying so
        utc = stamp.astimezone(dt.UTC).replace(tzinfo=None)
        return utc, 'yyyy-mm-dd hh:mm:ss "UTC"'
    if len(stripped) == 10 and not datetime_format:
        return stamp.date(), "yyyy-mm-dd"
    fraction = stamp.microsecond != 0
    return stamp, "yyyy-mm-dd hh:mm:ss.000" if fraction else "yyyy-mm-dd hh:mm:ss"
