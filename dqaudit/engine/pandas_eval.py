"""Helper columns computed with pandas: typed conversions and row conditions.

The meaning of both is defined in dqaudit.expectations (text_values, conditions); this
module is their in-memory implementation, the reference the SQL and Spark versions are
tested against.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from dqaudit.engine.backend import key_text
from dqaudit.engine.plan import TypedColumn
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

LOW_DATETIME = pd.Timestamp(text_values.LOW_DATETIME_TEXT).as_unit("ns")
HIGH_DATETIME = pd.Timestamp(text_values.HIGH_DATETIME_TEXT).as_unit("ns")


@dataclass
class ConditionCounts:
    """What a condition did: rows it selected, and values it could not read per column."""

    selected: int = 0
    unreadable: dict[str, int] = field(default_factory=dict)


def typed_values(series: pd.Series, helper: TypedColumn) -> tuple[pd.Series, int]:
    """The column read as the rule needs, with unreadable values replaced by the stand-in
    that fails the rule; and how many values were unreadable."""
    conversion = helper.conversion
    if conversion.value_type == "number":
        values, unreadable = text_values.read_numbers(series)
        low, high = text_values.LOW_NUMBER, text_values.HIGH_NUMBER
    else:
        values, unreadable = text_values.read_datetimes(series, conversion.datetime_format)
        low, high = LOW_DATETIME, HIGH_DATETIME
    count = int(unreadable.sum())
    if count:
        if conversion.unparseable == "in_set":
            stand_in: Any = helper.stand_in
            values = values.astype(object)
        else:
            stand_in = low if conversion.unparseable == "low" else high
        values = values.mask(unreadable, stand_in)
    return values, count


class ConditionEvaluator:
    """Evaluates conditions over one frame, reading each column as a type at most once."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        self._numbers: dict[str, tuple[pd.Series, np.ndarray]] = {}
        self._datetimes: dict[str, tuple[pd.Series, np.ndarray]] = {}
        self._texts: dict[str, pd.Series] = {}

    def evaluate(self, condition: Condition) -> tuple[np.ndarray, ConditionCounts]:
        counts = ConditionCounts()
        mask = self._mask(condition, counts)
        counts.selected = int(mask.sum())
        return mask, counts

    def _mask(self, condition: Condition, counts: ConditionCounts) -> np.ndarray:
        if isinstance(condition, AllOf):
            return np.logical_and.reduce([self._mask(p, counts) for p in condition.parts])
        if isinstance(condition, AnyOf):
            return np.logical_or.reduce([self._mask(p, counts) for p in condition.parts])
        if isinstance(condition, Not):
            return ~self._mask(condition.part, counts)
        column = self.frame[condition.column]
        present = column.notna().to_numpy() & ~self._empty(condition.column)
        if isinstance(condition, IsNull):
            return present if condition.negated else ~present
        if isinstance(condition, StringTest):
            text = self._text(condition.column)
            if condition.kind == "startswith":
                found = text.str.startswith(condition.text)
            elif condition.kind == "endswith":
                found = text.str.endswith(condition.text)
            else:
                found = text.str.contains(condition.text, regex=False)
            return found.fillna(False).to_numpy(bool) & present
        if isinstance(condition, Compare):
            return self._compare(condition.column, condition.operator, condition.value, counts)
        assert isinstance(condition, InList)
        hits = np.logical_or.reduce(
            [self._compare(condition.column, "==", v, counts) for v in condition.values]
        )
        if not condition.negated:
            return hits
        readable = self._readable(condition.column, condition.values)
        return ~hits & (readable | ~present)

    def _compare(
        self, column: str, operator: str, value: Value, counts: ConditionCounts
    ) -> np.ndarray:
        present = self.frame[column].notna().to_numpy() & ~self._empty(column)
        if value.kind == "text":
            values: Any = self._text(column)
            target: Any = value.value
            readable = present
        else:
            values, unreadable = self._typed(column, value.kind)
            key = f"{column} ({'numbers' if value.kind == 'number' else 'datetimes'})"
            if unreadable.any():
                counts.unreadable[key] = int(unreadable.sum())
            readable = present & ~unreadable
            target = value.value if value.kind == "number" else pd.Timestamp(value.value)
        result = _OPERATIONS[operator](values, target)
        result = np.asarray(pd.Series(result).fillna(False).to_numpy(), dtype=bool)
        if operator == "!=":
            return (result & readable) | ~present  # a blank is not equal to anything
        return result & readable

    def _readable(self, column: str, values: tuple[Value, ...]) -> np.ndarray:
        readable = np.ones(len(self.frame), dtype=bool)
        for kind in {v.kind for v in values} - {"text"}:
            readable &= ~self._typed(column, kind)[1]
        return readable

    def _typed(self, column: str, kind: str) -> tuple[pd.Series, np.ndarray]:
        cache = self._numbers if kind == "number" else self._datetimes
        if column not in cache:
            series = self.frame[column]
            if kind == "number":
                cache[column] = text_values.read_numbers(series)
            else:
                cache[column] = text_values.read_datetimes(series)
        return cache[column]

    def _text(self, column: str) -> pd.Series:
        if column not in self._texts:
            self._texts[column] = as_text(self.frame[column])
        return self._texts[column]

    def _empty(self, column: str) -> np.ndarray:
        """An empty string is blank too (a database may hold '' where a file has nothing)."""
        series = self.frame[column]
        if pd.api.types.is_string_dtype(series.dtype):
            return (series == "").fillna(False).to_numpy(bool)
        return np.zeros(len(series), dtype=bool)


def as_text(series: pd.Series) -> pd.Series:
    """Values as the text a comparison with a string sees (a typed value as its key text)."""
    if pd.api.types.is_string_dtype(series.dtype) and not pd.api.types.is_object_dtype(
        series.dtype
    ):
        return series
    return series.map(key_text, na_action="ignore").astype("string")


_OPERATIONS = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}
