"""Helper columns as Spark columns: typed conversions and row conditions, on the cluster.

The meaning is defined in dqaudit.expectations (text_values, conditions) and implemented
for pandas in pandas_eval, the reference; this module builds the same thing as Spark
Column expressions, as sql_eval does for databases, so a Spark dataset gives the same
verdicts as a file:

- text is read as a number or a datetime only through the grammar: a regex guard anchored
  with ``\\z`` (Java's ``$`` also matches before a final newline), then ``try_cast`` /
  ``try_make_timestamp_ntz`` (Spark 4 runs in ANSI mode, where a bad cast is an error);
  a value outside the grammar is unreadable, never silently cast;
- every test of a condition is two-valued (``coalesce(..., false)``; a blank matches only
  ``!=`` and ``not in``), so ``not`` never meets Spark's null (spark-notes, trap 5);
- text comparisons are Spark's binary (byte for byte) string comparisons.

Nothing here runs a Python UDF: every helper is a native expression Spark optimises.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from dqaudit.engine.plan import HELPER_PREFIX, ColumnKind, TypedColumn
from dqaudit.expectations import text_values
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

_NUMBER = text_values.NUMBER_PATTERN.removesuffix("$") + r"\z"
_DATETIME = (
    r"^([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[T ]([0-9]{2}):([0-9]{2})"
    r"(?::([0-9]{2})(?:[.]([0-9]{1,9}))?)?(Z|([+-])([0-9]{2})(?::?([0-9]{2}))?)?)?\z"
)
# The form Spark writes a TIMESTAMP_NTZ without a fraction in.
_SPARK_FORM = r"^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\z"
# The date and time before any offset (the text matches _DATETIME).
_DATETIME_LOCAL = (
    r"^([0-9]{4}-[0-9]{2}-[0-9]{2}(?:[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:[.][0-9]{1,9})?)?)?)"
)
# Spark type names (DataType.simpleString) read as numbers and as datetimes.
_NUMBER_TYPES = ("tinyint", "smallint", "int", "bigint", "float", "double", "decimal")
_DATETIME_TYPES = ("timestamp", "timestamp_ntz", "date")


def functions() -> Any:
    from pyspark.sql import functions as F

    return F


def column(name: str) -> Any:
    """A top-level column by its exact name: dots and backticks are part of the name."""
    return functions().col("`" + name.replace("`", "``") + "`")


def column_kinds(column_types: Mapping[str, str]) -> dict[str, ColumnKind]:
    """Spark's type names as the plan's column kinds."""
    kinds: dict[str, ColumnKind] = {}
    for name, spark_type in column_types.items():
        base = spark_type.split("(", 1)[0]
        if base in _NUMBER_TYPES:
            kinds[name] = "number"
        elif base in _DATETIME_TYPES:
            kinds[name] = "datetime"
        elif base in ("string", "varchar", "char"):
            kinds[name] = "text"
        else:
            kinds[name] = "other"
    return kinds


def _datetime_from_text(text: Any) -> Any:
    """The grammar's datetime as a naive timestamp (UTC where an offset is given), or
    null.

    Most texts are in the one form Spark itself writes a TIMESTAMP_NTZ in
    (``2024-03-01 09:00:05``: digits, the separators in place, no fraction, no offset):
    for those, Spark's cast gives the value, with no offset arithmetic. The form is told
    by one anchored pattern, and the cast succeeding (it refuses an impossible date or
    time); the grammar reads such a text to the same value (tests/test_spark_eval.py).
    The year range is compared on the timestamp itself. Every other text takes the full
    reading. (Per value, the full reading alone cost about four times as much; writing
    the cast back to text to compare, and taking its year, about a third more than this.)
    """
    F = functions()
    cast = text.try_cast("timestamp_ntz")
    first = F.lit(f"{text_values.FIRST_YEAR:04d}-01-01 00:00:00").cast("timestamp_ntz")
    after = F.lit(f"{text_values.LAST_YEAR + 1:04d}-01-01 00:00:00").cast("timestamp_ntz")
    canonical = text.rlike(_SPARK_FORM) & (cast >= first) & (cast < after)
    return F.when(definite(canonical), cast).otherwise(_datetime_from_any_text(text))


def _datetime_from_any_text(text: Any) -> Any:
    """The grammar's datetime as a naive timestamp (UTC where an offset is given), or
    null. One anchored regex decides the shape and gives the parts: Spark's own
    string-to-TIMESTAMP_NTZ cast reads the date and time before any offset (it refuses
    impossible dates and times, and agrees with the grammar on every shape the regex lets
    through; tests/test_spark_eval.py), and a row with a signed offset is shifted to UTC.
    A year outside the range is refused. Kept small: Spark compiles a projection into one
    generated method, and an expression that repeats its parts outgrows it (then Spark
    interprets the whole stage, several times slower)."""
    F = functions()
    local = F.regexp_extract(text, _DATETIME_LOCAL, 1).try_cast("timestamp_ntz")
    sign = F.regexp_extract(text, _DATETIME, 9)
    hours = F.regexp_extract(text, _DATETIME, 10).try_cast("int")
    minutes = hours * 60 + F.coalesce(
        F.regexp_extract(text, _DATETIME, 11).try_cast("int"), F.lit(0)
    )
    signed = F.when(sign == "-", -minutes).otherwise(minutes)
    zero = F.lit(0)
    shifted = F.when(sign == "", local).otherwise(
        local - F.make_dt_interval(zero, zero, signed, zero)
    )
    year = F.substring(text, 1, 4).try_cast("int")
    in_range = (year >= text_values.FIRST_YEAR) & (year <= text_values.LAST_YEAR)
    return F.when(definite(text.rlike(_DATETIME)) & definite(in_range), shifted)


def _number_from_text(text: Any) -> Any:
    """The grammar's number as a double, or null. A whole number written as Spark writes
    a BIGINT (``58``, ``-3``) is read by the integer cast, with no regex (its double is the
    same: both round the same integer to nearest); every other text takes the grammar's
    regex, then Spark's cast to double."""
    F = functions()
    whole = text.try_cast("bigint")
    full = F.when(text.rlike(_NUMBER), text.try_cast("double"))
    return F.when(definite(whole.cast("string") == text), whole.cast("double")).otherwise(full)


def definite(expression: Any) -> Any:
    """The expression as a boolean that is never null (null counts as false)."""
    return functions().coalesce(expression, functions().lit(False))


class SparkHelpers:
    """Builds helper columns for one extract's column kinds and session time zone.

    A text column read as a number or a datetime is parsed once, into an intermediate
    column (``parsed_columns``) that the helpers and conditions then refer to: written
    inline, the datetime parse would be repeated in every expression that reads it, and
    Spark's generated code for an aggregate over them outgrows what Janino compiles.
    """

    def __init__(self, kinds: Mapping[str, ColumnKind], column_types: Mapping[str, str], zone: str):
        self.kinds = kinds
        self.types = column_types
        self.zone = zone  # the session's: a TIMESTAMP (with zone) is read in UTC
        self._parsed: dict[tuple[str, str], tuple[str, Any]] = {}

    def parsed_columns(self) -> list[Any]:
        """The intermediate columns the helpers built so far refer to (add them first)."""
        return [expression.alias(name) for name, expression in self._parsed.values()]

    def parsed_names(self) -> list[str]:
        return [name for name, _ in self._parsed.values()]

    def _parse(self, name: str, kind: str, expression: Any) -> Any:
        key = (name, kind)
        if key not in self._parsed:
            safe = re.sub(r"\W", "_", name)[:40]
            alias = f"{HELPER_PREFIX}parsed{len(self._parsed) + 1}_{kind}_{safe}"
            self._parsed[key] = (alias, expression)
        return column(self._parsed[key][0])

    # --- typed conversions -------------------------------------------------------------

    def number(self, name: str) -> tuple[Any, Any]:
        """(double or null, unreadable) for the column read as a number."""
        F = functions()
        value = column(name)
        kind = self.kinds.get(name, "text")
        if kind == "number":
            return value.cast("double"), F.lit(False)
        if kind != "text":
            return F.lit(None).cast("double"), value.isNotNull()
        parsed = self._parse(name, "number", _number_from_text(F.trim(value)))
        return parsed, value.isNotNull() & parsed.isNull()

    def datetime(self, name: str) -> tuple[Any, Any]:
        """(naive timestamp, in UTC where the text has an offset, or null; unreadable)."""
        F = functions()
        value = column(name)
        kind = self.kinds.get(name, "text")
        if kind == "datetime":
            spark_type = self.types.get(name, "timestamp_ntz")
            if spark_type == "timestamp":  # an instant: compared in UTC, as pandas does
                wall = value.cast("timestamp_ntz")
                return F.convert_timezone(F.lit(self.zone), F.lit("UTC"), wall), F.lit(False)
            return value.cast("timestamp_ntz"), F.lit(False)
        if kind != "text":
            return F.lit(None).cast("timestamp_ntz"), value.isNotNull()
        parsed = self._parse(name, "datetime", _datetime_from_text(F.trim(value)))
        return parsed, value.isNotNull() & parsed.isNull()

    def typed(self, helper: TypedColumn) -> Any:
        """The helper column: the converted value, or the stand-in that fails the rule."""
        F = functions()
        conversion = helper.conversion
        read = self.number if conversion.value_type == "number" else self.datetime
        value, unreadable = read(conversion.column)
        return (
            F.when(column(conversion.column).isNull(), value)
            .when(unreadable, self._stand_in(helper))
            .otherwise(value)
        )

    def unreadable(self, helper: TypedColumn) -> Any:
        read = self.number if helper.conversion.value_type == "number" else self.datetime
        return read(helper.conversion.column)[1]

    def _stand_in(self, helper: TypedColumn) -> Any:
        F = functions()
        conversion = helper.conversion
        low = conversion.unparseable == "low"
        if conversion.unparseable == "in_set":
            return F.lit(float(helper.stand_in)).cast("double")
        if conversion.value_type == "number":
            number = text_values.LOW_NUMBER if low else text_values.HIGH_NUMBER
            return F.lit(number).cast("double")
        text = text_values.LOW_DATETIME_TEXT if low else text_values.HIGH_DATETIME_TEXT
        return F.lit(text).cast("timestamp_ntz")

    # --- row conditions ----------------------------------------------------------------

    def condition(self, condition: Condition) -> tuple[Any, dict[str, Any]]:
        """(a never-null boolean, {"column (numbers)": unreadable boolean, ...})."""
        unreadable: dict[str, Any] = {}
        return self._test(condition, unreadable), unreadable

    def _test(self, condition: Condition, unreadable: dict[str, Any]) -> Any:
        if isinstance(condition, AllOf | AnyOf):
            parts = [self._test(p, unreadable) for p in condition.parts]
            result = parts[0]
            for part in parts[1:]:
                result = (result & part) if isinstance(condition, AllOf) else (result | part)
            return result
        if isinstance(condition, Not):
            return ~self._test(condition.part, unreadable)
        blank = self._blank(condition.column)
        if isinstance(condition, IsNull):
            return ~blank if condition.negated else blank
        text = column(condition.column).cast("string")
        if isinstance(condition, StringTest):
            found = getattr(text, condition.kind)(functions().lit(condition.text))
            return definite(~blank & found)
        if isinstance(condition, Compare):
            return self._compare(condition.column, condition.operator, condition.value, unreadable)
        assert isinstance(condition, InList)
        hits = [self._compare(condition.column, "==", v, unreadable) for v in condition.values]
        found = hits[0]
        for hit in hits[1:]:
            found = found | hit
        if not condition.negated:
            return found
        readable = functions().lit(True)
        for kind in sorted({v.kind for v in condition.values} - {"text"}):
            readable = readable & ~definite(self._read(condition.column, kind)[1])
        return ~found & (readable | blank)

    def _compare(self, name: str, operator: str, value: Value, unreadable: dict[str, Any]) -> Any:
        blank = self._blank(name)
        if value.kind == "text":
            left = column(name).cast("string")
            right = functions().lit(value.value)
            readable = ~blank
        else:
            left, bad = self._read(name, value.kind)
            unreadable[f"{name} ({'numbers' if value.kind == 'number' else 'datetimes'})"] = bad
            readable = ~blank & ~definite(bad)
            right = self._literal(value)
        compared = definite(_OPERATIONS[operator](left, right))
        if operator == "!=":
            return blank | (readable & compared)
        return readable & compared

    def _read(self, name: str, kind: str) -> tuple[Any, Any]:
        return self.number(name) if kind == "number" else self.datetime(name)

    def _literal(self, value: Value) -> Any:
        F = functions()
        if value.kind == "number":
            return F.lit(float(value.value)).cast("double")  # type: ignore[arg-type]
        return F.lit(value.value.isoformat(sep=" ")).cast("timestamp_ntz")  # type: ignore[union-attr]

    def _blank(self, name: str) -> Any:
        value = column(name)
        blank = value.isNull()
        if self.kinds.get(name, "text") == "text":
            blank = blank | definite(value == "")
        return definite(blank)


_OPERATIONS = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}
