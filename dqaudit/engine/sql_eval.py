"""Helper columns as SQL: typed conversions and row conditions, evaluated in the database.

The meaning is defined in dqaudit.expectations (text_values, conditions) and implemented
for pandas in pandas_eval; this module builds the same thing as SQLAlchemy expressions
for PostgreSQL, MariaDB and SQLite, so pushdown gives the same verdicts as a file:

- text is read as a number or a datetime only through the grammar (a regex guard, then a
  cast the guard has made safe; SQLite, which has no such casts, runs the grammar as a
  registered function), and a value outside it is unreadable, never silently cast;
- every test of a condition is two-valued (a blank matches only ``!=`` and ``not in``), so
  ``not`` never meets SQL's unknown;
- text comparisons are byte for byte on MariaDB (its default collations ignore case).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from dqaudit.engine.plan import ColumnKind, RegexColumn, TypedColumn
from dqaudit.expectations import regexes, text_values
from dqaudit.expectations.conditions import (
    AllOf,
    AnyOf,
    Compare,
    Condition,
    InList,
    IsNull,
    Not,
    StringTest,
    Value,
)
from dqaudit.expectations.rules import sql as sql_rules

SQLITE_NUMBER = "dqaudit_number"
SQLITE_DATETIME = "dqaudit_datetime"
SQLITE_RE2 = "dqaudit_re2_search"
_OFFSET_PATTERN = "(Z|[+-][0-9]{2}(:?[0-9]{2})?)$"


def register_sqlite_functions(connection: Any) -> Any:
    """Give an SQLite connection the grammar as functions (the engine's connections only)."""
    connection.create_function(SQLITE_NUMBER, 1, text_values.number_from, deterministic=True)
    connection.create_function(
        SQLITE_DATETIME, 1, text_values.datetime_text_from, deterministic=True
    )
    connection.create_function(SQLITE_RE2, 2, regexes.search, deterministic=True)
    return connection


class SqlHelpers:
    """Builds helper expressions for one database engine and one extract's column kinds."""

    def __init__(self, engine: str, kinds: Mapping[str, ColumnKind]) -> None:
        self.engine = engine
        self.kinds = kinds

    # --- typed conversions -------------------------------------------------------------

    def number(self, name: str) -> tuple[Any, Any]:
        """(value or NULL, unreadable) for the column read as a number."""
        column: Any = sa.column(name)
        kind = self.kinds.get(name, "text")
        value: Any
        if self.engine == "sqlite":
            value = sa.func.dqaudit_number(column)
            return value, sa.and_(column.is_not(None), value.is_(None))
        if kind == "number":
            return sa.cast(column, sa.Float()), sa.false()
        if kind == "datetime":
            return sa.null(), column.is_not(None)
        text = sa.func.trim(sa_text(column, self.engine))
        readable = sql_rules.exact(text, self.engine).regexp_match(text_values.NUMBER_PATTERN)
        value = sa.case((readable, sa.cast(text, self._double())), else_=sa.null())
        return value, sa.and_(column.is_not(None), sa.not_(readable))

    def datetime(self, name: str) -> tuple[Any, Any]:
        """(naive UTC-or-wall-clock timestamp or NULL, unreadable) for the column read as
        a datetime."""
        column: Any = sa.column(name)
        kind = self.kinds.get(name, "text")
        value: Any
        if self.engine == "sqlite":
            value = sa.func.dqaudit_datetime(column)
            return value, sa.and_(column.is_not(None), value.is_(None))
        if kind == "datetime":
            return column, sa.false()
        if kind == "number":
            return sa.null(), column.is_not(None)
        text = sa.func.trim(sa_text(column, self.engine))
        shaped = sql_rules.exact(text, self.engine).regexp_match(text_values.DATETIME_PATTERN)
        valid = sa.case((shaped, _valid_fields(text)), else_=sa.false())
        value = sa.case((valid, self._parse_datetime(text)), else_=sa.null())
        return value, sa.and_(column.is_not(None), sa.not_(valid))

    def typed(self, helper: TypedColumn) -> Any:
        """The helper column: the converted value, or the stand-in that fails the rule."""
        conversion = helper.conversion
        read = self.number if conversion.value_type == "number" else self.datetime
        value, unreadable = read(conversion.column)
        return sa.case(
            (sa.column(conversion.column).is_(None), sa.null()),
            (unreadable, self._stand_in(helper)),
            else_=value,
        )

    def regex(self, helper: RegexColumn) -> Any:
        """The RE2 verdict column on SQLite: 1 passes, 0 fails, NULL for a null (as on
        pandas); a pattern is found anywhere in the value's text."""
        column: Any = sa.column(helper.column)
        found = [sa.func.dqaudit_re2_search(pattern, column) == 1 for pattern in helper.patterns]
        if not found:
            passed: Any = sa.true()
        elif not helper.must_match:
            passed = sa.not_(sa.or_(*found))
        elif helper.match_on == "all":
            passed = sa.and_(*found)
        else:
            passed = sa.or_(*found)
        return sa.case((column.is_(None), sa.null()), (passed, 1), else_=0)

    def unreadable(self, helper: TypedColumn) -> Any:
        read = self.number if helper.conversion.value_type == "number" else self.datetime
        return read(helper.conversion.column)[1]

    def _stand_in(self, helper: TypedColumn) -> Any:
        conversion = helper.conversion
        if conversion.unparseable == "in_set":
            return sa.literal(float(helper.stand_in), sa.Float())
        if conversion.value_type == "number":
            low = conversion.unparseable == "low"
            number = text_values.LOW_NUMBER if low else text_values.HIGH_NUMBER
            return sa.literal(number, sa.Float())
        text = (
            text_values.LOW_DATETIME_TEXT
            if conversion.unparseable == "low"
            else text_values.HIGH_DATETIME_TEXT
        )
        if self.engine == "sqlite":
            return sa.literal(f"{text}.000000")
        return sa.cast(sa.literal(text), self._datetime_type())

    def _datetime_type(self) -> Any:
        """Timestamps to the microsecond, as pandas reads them: MariaDB's plain DATETIME
        drops fractions of a second (09:00:00.5 would not be after 09:00)."""
        if self.engine == "mariadb":
            from sqlalchemy.dialects.mysql import DATETIME

            return DATETIME(fsp=6)
        return sa.DateTime()

    def _double(self) -> Any:
        if self.engine == "mariadb":
            from sqlalchemy.dialects.mysql import DOUBLE

            return DOUBLE()
        return sa.Float()

    def _parse_datetime(self, text: Any) -> Any:
        has_offset = sa.and_(
            sa.func.length(text) > 10,
            sql_rules.exact(text, self.engine).regexp_match(_OFFSET_PATTERN),
        )
        if self.engine == "postgresql":
            local = sa.cast(text, sa.DateTime())
            utc = sa.func.timezone("UTC", sa.cast(text, sa.DateTime(timezone=True)))
            return sa.case((has_offset, utc), else_=local)
        # MariaDB: cut the offset off, read the local time, and subtract the offset.
        offset = sa.func.regexp_substr(text, _OFFSET_PATTERN)
        base = sa.case(
            (
                has_offset,
                sa.func.left(text, sa.func.char_length(text) - sa.func.char_length(offset)),
            ),
            else_=text,
        )
        local = sa.cast(sa.func.replace(base, "T", " "), self._datetime_type())
        digits = sa.func.replace(sa.func.substr(offset, 2), ":", "")
        minutes = sa.cast(sa.func.substr(digits, 1, 2), sa.Integer()) * 60 + sa.func.coalesce(
            sa.cast(sa.func.nullif(sa.func.substr(digits, 3, 2), ""), sa.Integer()), 0
        )
        signed = sa.case((sa.func.substr(offset, 1, 1) == "-", -minutes), else_=minutes)
        shifted = sa.func.timestampadd(sa.literal_column("MINUTE"), -signed, local)
        return sa.case((sa.and_(has_offset, offset != "Z"), shifted), else_=local)

    # --- row conditions ----------------------------------------------------------------

    def condition(self, condition: Condition) -> tuple[Any, dict[str, Any]]:
        """(a never-null boolean, {"column (numbers)": unreadable expression, ...})."""
        unreadable: dict[str, Any] = {}
        return self._test(condition, unreadable), unreadable

    def _test(self, condition: Condition, unreadable: dict[str, Any]) -> Any:
        if isinstance(condition, AllOf):
            return sa.and_(*[self._test(p, unreadable) for p in condition.parts])
        if isinstance(condition, AnyOf):
            return sa.or_(*[self._test(p, unreadable) for p in condition.parts])
        if isinstance(condition, Not):
            return sa.not_(self._test(condition.part, unreadable))
        blank = self._blank(condition.column)
        if isinstance(condition, IsNull):
            return definite(sa.not_(blank) if condition.negated else blank)
        text = bytewise(sa_text(sa.column(condition.column), self.engine), self.engine)
        if isinstance(condition, StringTest):
            return definite(sa.and_(sa.not_(blank), _string_test(text, condition, self.engine)))
        if isinstance(condition, Compare):
            return self._compare(condition.column, condition.operator, condition.value, unreadable)
        assert isinstance(condition, InList)
        hits = sa.or_(
            *[self._compare(condition.column, "==", v, unreadable) for v in condition.values]
        )
        if not condition.negated:
            return hits
        kinds = sorted({v.kind for v in condition.values} - {"text"})
        if not kinds:
            return sa.not_(hits)
        readable = sa.and_(
            *[sa.not_(definite(self._read(condition.column, kind)[1])) for kind in kinds]
        )
        return sa.and_(sa.not_(hits), sa.or_(readable, blank))

    def _compare(self, column: str, operator: str, value: Value, unreadable: dict[str, Any]) -> Any:
        blank = self._blank(column)
        if value.kind == "text":
            left = bytewise(sa_text(sa.column(column), self.engine), self.engine)
            right: Any = value.value
            readable: Any = sa.not_(blank)
        else:
            left, bad = self._read(column, value.kind)
            unreadable[f"{column} ({'numbers' if value.kind == 'number' else 'datetimes'})"] = bad
            readable = sa.and_(sa.not_(blank), sa.not_(definite(bad)))
            right = self._literal(value)
        compared = _OPERATIONS[operator](left, right)
        if operator == "!=":
            return definite(sa.or_(blank, sa.and_(readable, compared)))
        return definite(sa.and_(readable, compared))

    def _read(self, column: str, kind: str) -> tuple[Any, Any]:
        return self.number(column) if kind == "number" else self.datetime(column)

    def _literal(self, value: Value) -> Any:
        if value.kind == "number":
            return sa.literal(value.value, sa.Float())
        assert isinstance(value.value, dt.datetime)
        if self.engine == "sqlite":
            return sa.literal(value.value.strftime("%Y-%m-%d %H:%M:%S.%f"))
        return sa.cast(sa.literal(value.value.isoformat(sep=" ")), self._datetime_type())

    def _blank(self, column: str) -> Any:
        reference: Any = sa.column(column)
        return sa.or_(reference.is_(None), sa_text(reference, self.engine) == "")


def bytewise(text: Any, engine: str) -> Any:
    """Text compared by code point, as pandas compares it, whatever the column's collation
    (a linguistic one on PostgreSQL sorts "a" before "B"; NOCASE on SQLite ignores case)."""
    if engine == "postgresql":
        return text.collate("C")
    if engine == "sqlite":
        return text.collate("BINARY")
    return sql_rules.exact(text, engine)


def _string_test(text: Any, condition: StringTest, engine: str) -> Any:
    """startswith/endswith/contains of plain text, case counting, as pandas tests them."""
    if engine != "sqlite":
        return getattr(text, condition.kind)(condition.text, autoescape=True)
    # SQLite's LIKE ignores ASCII case: compare the substring itself instead
    needle = sa.literal(condition.text, sa.Text())
    if condition.kind == "contains":
        return sa.func.instr(text, needle) > 0
    if condition.kind == "startswith":
        return sa.func.substr(text, 1, sa.func.length(needle)).collate("BINARY") == needle
    start = sa.func.length(text) - sa.func.length(needle) + 1
    return sa.and_(start >= 1, sa.func.substr(text, start).collate("BINARY") == needle)


def sa_text(column: Any, engine: str) -> Any:
    """A column as text, whatever its type (numbers and timestamps as the database
    writes them)."""
    if engine == "sqlite":
        return sa.cast(column, sa.Text())
    if engine == "mariadb":
        return sa.cast(column, sa.CHAR())
    return sa.cast(column, sa.Text())


def definite(expression: Any) -> Any:
    """The expression as a boolean that is never SQL's unknown (NULL counts as false)."""
    return sa.case((expression, 1), else_=0) == 1


def _valid_fields(text: Any) -> Any:
    """Year in range, a real calendar day, and a real time of day (guarded by the shape
    regex, so every substring cast here is digits)."""

    def field(start: int, length: int) -> Any:
        return sa.cast(sa.func.substr(text, start, length), sa.Integer())

    year, month, day = field(1, 4), field(6, 2), field(9, 2)
    leap = sa.or_(
        sa.and_(sa.func.mod(year, 4) == 0, sa.func.mod(year, 100) != 0),
        sa.func.mod(year, 400) == 0,
    )
    days = sa.case(
        (month == 2, sa.case((leap, 29), else_=28)),
        (month.in_([4, 6, 9, 11]), 30),
        else_=31,
    )
    has_time = sa.func.length(text) > 10
    has_seconds = sa.func.substr(text, 17, 1) == ":"
    time_ok = sa.case(
        (
            has_time,
            sa.and_(
                field(12, 2) <= 23,
                field(15, 2) <= 59,
                sa.case((has_seconds, field(18, 2) <= 59), else_=sa.true()),
            ),
        ),
        else_=sa.true(),
    )
    return sa.and_(
        year >= text_values.FIRST_YEAR,
        year <= text_values.LAST_YEAR,
        month >= 1,
        month <= 12,
        day >= 1,
        day <= days,
        time_ok,
    )


_OPERATIONS = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}
