"""Row conditions in one closed grammar, owned by dqaudit.

A suite's ``row_condition`` is text (or a dict) written by whoever drafted the suite; it
is hostile input. Great Expectations would hand a pandas-parser condition to
``DataFrame.query`` (which can call functions and read attributes) and parse a
GX-parser condition with trailing text ignored. dqaudit never does either: every
condition is parsed here, whole, into a small tree of column tests, or it is an error
naming what is wrong. Backends then evaluate the tree natively (a pandas mask, an SQL
expression, a Spark column) and GX only ever sees a condition dqaudit generated.

Three spellings are accepted unchanged, so no approved suite changes its hash:

- ``condition_parser: pandas``: ``disposal == "CHG" and age >= 18``, with ``&``/``|``/``~``
  or ``and``/``or``/``not``, ``in``/``not in`` lists, `` `Crime type` `` for names with
  spaces, ``col.isnull()``/``col.notnull()`` (also ``isna``/``notna``) and the string tests
  ``col.str.startswith("x")``, ``col.str.endswith("x")``, ``col.str.contains("x")``;
- ``condition_parser: great_expectations``: ``col("disposal")=="CHG"``,
  ``col("x").notnull()``, ``date("2024-01-01")`` literals, joined with ``and``/``or``;
- GX 1.x's dict form: ``{"type": "comparison", "column": {"name": ...}, "operator": ...,
  "parameter": ...}``, ``nullity``, ``and``/``or`` (and ``pass_through`` holding a
  pandas-parser string).

Meaning, the same on every backend: a comparison with a number (or a ``date(...)``/
``datetime(...)`` literal) compares the column's values as numbers (datetimes), read as
typed rules read them; a value that cannot be read that way never matches, and is counted
and reported. A comparison with a string compares text. A blank (null) value matches no
comparison except ``!=`` and ``not in`` (a blank is not equal to "CHG").
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from typing import Any

from dqaudit.errors import InputError
from dqaudit.expectations.condition_model import (  # the tree, re-exported for backends
    FINITE_NUMBER_HINT,
    FLIPPED,
    MAX_DEPTH,
    MAX_TESTS,
    MAX_TEXT,
    OPERATORS,
    AllOf,
    AnyOf,
    Compare,
    Condition,
    InList,
    IsNull,
    Not,
    Operator,
    StringTest,
    StringTestKind,
    Test,
    Value,
    ValueKind,
    number_text,
)
from dqaudit.expectations.condition_text import parse_text


def parse_condition(value: Any, parser: str | None, where: str) -> Condition:
    """Parse a rule's ``row_condition`` whole; anything else is an InputError naming
    ``where`` (the rule) and what could not be read."""
    if isinstance(value, Mapping):
        condition = _from_dict(value, where)
    elif isinstance(value, str):
        if parser not in (
            None,
            "pandas",
            "great_expectations",
            "great_expectations__experimental__",
        ):
            raise InputError(
                f"{where}: condition_parser {parser!r} is not one dqaudit reads "
                "(use pandas or great_expectations)"
            )
        condition = parse_text(value, where, verbatim=str(parser).startswith("great_"))
    else:
        raise InputError(f"{where}: row_condition must be text or a condition object")
    _check_size(condition, where)
    return condition


def columns_of(condition: Condition) -> tuple[str, ...]:
    """The columns a condition reads, in order of first mention, without repeats."""
    return tuple(dict.fromkeys(test.column for test in tests_of(condition)))


def tests_of(condition: Condition) -> Iterator[Test]:
    """Every column test in the condition, depth first."""
    if isinstance(condition, AllOf | AnyOf):
        for part in condition.parts:
            yield from tests_of(part)
    elif isinstance(condition, Not):
        yield from tests_of(condition.part)
    else:
        yield condition


def typed_columns(condition: Condition) -> dict[str, set[ValueKind]]:
    """For each column, the kinds of value it is compared with (text, number, datetime)."""
    kinds: dict[str, set[ValueKind]] = {}
    for test in tests_of(condition):
        if isinstance(test, Compare):
            kinds.setdefault(test.column, set()).add(test.value.kind)
        elif isinstance(test, InList):
            kinds.setdefault(test.column, set()).update(v.kind for v in test.values)
        elif isinstance(test, StringTest):
            kinds.setdefault(test.column, set()).add("text")
    return kinds


def describe(condition: Condition) -> str:
    """The condition in dqaudit's canonical spelling, for messages and plain-English rules."""
    if isinstance(condition, Compare):
        return f"{_name(condition.column)} {condition.operator} {condition.value}"
    if isinstance(condition, InList):
        values = ", ".join(str(v) for v in condition.values)
        return f"{_name(condition.column)} {'not in' if condition.negated else 'in'} [{values}]"
    if isinstance(condition, IsNull):
        return f"{_name(condition.column)} is {'not ' if condition.negated else ''}blank"
    if isinstance(condition, StringTest):
        return f"{_name(condition.column)}.str.{condition.kind}({condition.text!r})"
    if isinstance(condition, Not):
        return f"not ({describe(condition.part)})"
    joiner = " and " if isinstance(condition, AllOf) else " or "
    return "(" + joiner.join(describe(p) for p in condition.parts) + ")"


def _name(column: str) -> str:
    return column if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", column) else f"`{column}`"


def _check_size(condition: Condition, where: str) -> None:
    count = sum(1 for _ in tests_of(condition))
    if count > MAX_TESTS:
        raise InputError(f"{where}: row_condition has {count} tests; at most {MAX_TESTS}")


# --- the dict form (GX 1.x Condition objects serialised) --------------------------------


def _from_dict(value: Mapping[str, Any], where: str, depth: int = 0) -> Condition:
    if depth > MAX_DEPTH:
        raise InputError(f"{where}: row_condition is nested more than {MAX_DEPTH} deep")
    kind = value.get("type")
    if kind in ("and", "or"):
        parts = value.get("conditions")
        if not isinstance(parts, list) or not parts:
            raise InputError(f"{where}: row_condition '{kind}' needs a non-empty 'conditions' list")
        children = tuple(_from_dict(_mapping(p, where), where, depth + 1) for p in parts)
        return AllOf(children) if kind == "and" else AnyOf(children)
    if kind == "pass_through":
        text = value.get("pass_through_filter")
        if not isinstance(text, str):
            raise InputError(
                f"{where}: row_condition pass_through needs 'pass_through_filter' text"
            )
        return parse_text(text, where)
    if kind not in ("nullity", "comparison"):
        raise InputError(
            f"{where}: row_condition type {kind!r} is not one of comparison, nullity, and, or, "
            "pass_through"
        )
    column = _dict_column(value, where)
    if kind == "nullity":
        is_null = value.get("is_null")
        if not isinstance(is_null, bool):
            raise InputError(f"{where}: row_condition nullity needs 'is_null': true or false")
        return IsNull(column, negated=not is_null)
    operator = str(value.get("operator", ""))  # a comparison
    parameter = value.get("parameter")
    if operator in ("IN", "NOT_IN"):
        if not isinstance(parameter, list) or not parameter:
            raise InputError(f"{where}: row_condition {operator} needs a non-empty list")
        values = tuple(_json_value(p, where) for p in parameter)
        return InList(column, values, negated=operator == "NOT_IN")
    if operator not in OPERATORS:
        raise InputError(
            f"{where}: row_condition operator {operator!r} is not one of "
            f"{', '.join(OPERATORS)}, IN, NOT_IN"
        )
    return Compare(column, operator, _json_value(parameter, where))  # type: ignore[arg-type]


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InputError(f"{where}: each row_condition in 'conditions' must be an object")
    return value


def _dict_column(value: Mapping[str, Any], where: str) -> str:
    column = value.get("column")
    name = column.get("name") if isinstance(column, Mapping) else column
    if not isinstance(name, str) or not name:
        raise InputError(f"{where}: row_condition needs 'column': {{\"name\": ...}}")
    return name


def _json_value(value: Any, where: str) -> Value:
    if isinstance(value, bool) or value is None:
        raise InputError(
            f"{where}: row_condition compares with {value!r}; compare with text or a number "
            "(use a nullity condition for blanks)"
        )
    if isinstance(value, int | float):
        if not math.isfinite(float(value)):
            raise InputError(
                f"{where}: row_condition compares with {value!r}; {FINITE_NUMBER_HINT}"
            )
        return Value("number", float(value))
    if isinstance(value, str):
        return Value("text", value)
    raise InputError(f"{where}: row_condition parameter {value!r} is not text or a number")


__all__ = [
    "FINITE_NUMBER_HINT",
    "FLIPPED",
    "MAX_DEPTH",
    "MAX_TESTS",
    "MAX_TEXT",
    "OPERATORS",
    "AllOf",
    "AnyOf",
    "Compare",
    "Condition",
    "InList",
    "IsNull",
    "Not",
    "Operator",
    "StringTest",
    "StringTestKind",
    "Test",
    "Value",
    "ValueKind",
    "columns_of",
    "describe",
    "number_text",
    "parse_condition",
    "tests_of",
    "typed_columns",
]
