"""The row-condition tree: what a parsed ``row_condition`` is, whatever its spelling.

Kept apart from the parsers (:mod:`dqaudit.expectations.conditions` for the public API and
the dict form, :mod:`dqaudit.expectations.condition_text` for the text forms) so that each
stays small; backends read only this tree."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

MAX_TEXT = 10_000
MAX_DEPTH = 40
MAX_TESTS = 200

Operator = Literal["==", "!=", "<", "<=", ">", ">="]
OPERATORS: tuple[str, ...] = ("==", "!=", "<=", ">=", "<", ">")
FLIPPED = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
StringTestKind = Literal["startswith", "endswith", "contains"]
ValueKind = Literal["text", "number", "datetime"]


@dataclass(frozen=True)
class Value:
    """A literal: text, a number, or a datetime (``date("...")`` / ``datetime("...")``)."""

    kind: ValueKind
    value: str | float | dt.datetime

    def __str__(self) -> str:
        if self.kind == "text":
            return repr(self.value)
        if self.kind == "datetime":
            assert isinstance(self.value, dt.datetime)
            return f'datetime("{self.value.isoformat(sep=" ")}")'
        return number_text(self.value)


@dataclass(frozen=True)
class Compare:
    column: str
    operator: Operator
    value: Value


@dataclass(frozen=True)
class InList:
    column: str
    values: tuple[Value, ...]
    negated: bool = False


@dataclass(frozen=True)
class IsNull:
    column: str
    negated: bool = False  # True: "is not null"


@dataclass(frozen=True)
class StringTest:
    column: str
    kind: StringTestKind
    text: str


@dataclass(frozen=True)
class AllOf:
    parts: tuple[Condition, ...]


@dataclass(frozen=True)
class AnyOf:
    parts: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    part: Condition


Condition = Compare | InList | IsNull | StringTest | AllOf | AnyOf | Not
Test = Compare | InList | IsNull | StringTest


def number_text(value: Any) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


# inf has no SQL literal on MariaDB, and means nothing a record can hold
FINITE_NUMBER_HINT = "compare with a finite number"
