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

import datetime as dt
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from dqaudit.errors import InputError

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
        return _number_text(self.value)


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
        condition = _parse_text(value, where, verbatim=str(parser).startswith("great_"))
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


def _number_text(value: Any) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


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
        return _parse_text(text, where)
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
            raise InputError(f"{where}: row_condition compares with {value!r}; {_FINITE}")
        return Value("number", float(value))
    if isinstance(value, str):
        return Value("text", value)
    raise InputError(f"{where}: row_condition parameter {value!r} is not text or a number")


# inf has no SQL literal on MariaDB, and means nothing a record can hold
_FINITE = "compare with a finite number"


# --- the text forms ---------------------------------------------------------------------

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<number>[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?(?![A-Za-z_0-9]))
  | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
  | (?P<backtick>`[^`]*`)
  | (?P<op>==|!=|<=|>=|<|>)
  | (?P<punct>[()\[\],.&|~])
  | (?P<name>[^\W0-9]\w*)
    """,
    re.VERBOSE,
)
_KEYWORDS = {"and", "or", "not", "in", "AND", "OR", "NOT", "IN"}
_NULL_METHODS = {"isnull": False, "isna": False, "notnull": True, "notna": True}
_STRING_METHODS = ("startswith", "endswith", "contains")
_NUMBER_CASTS = {"float", "int", "float64", "int64", "float32", "int32", "Float64", "Int64"}
_RESERVED_VALUES = {"True", "False", "None", "true", "false", "null", "NaN", "nan"}


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    at: int  # 1-based character position, for messages


def _tokens(text: str, where: str) -> list[_Token]:
    if len(text) > MAX_TEXT:
        raise InputError(f"{where}: row_condition is longer than {MAX_TEXT} characters")
    tokens, position = [], 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            char = text[position]
            hint = ""
            if char == "@":
                hint = " (references to variables with @ are not allowed)"
            elif char in "=!":
                hint = " (compare with == or !=)"
            raise InputError(
                f"{where}: row_condition {text!r}: cannot read {char!r} at character "
                f"{position + 1}{hint}"
            )
        kind = match.lastgroup or ""
        if kind != "space":
            tokens.append(_Token(kind, match.group(), position + 1))
        position = match.end()
    return tokens


class _Parser:
    """Recursive descent over the tokens; every path ends in a test or an error."""

    def __init__(self, text: str, where: str, verbatim: bool = False) -> None:
        self.text = text
        self.where = where
        self.verbatim = verbatim  # GX's parser: quoted texts have no escapes
        self.tokens = _tokens(text, where)
        self.index = 0
        self.depth = 0

    def fail(self, message: str, token: _Token | None = None) -> InputError:
        token = token if token is not None else self.peek()
        at = f" at character {token.at}" if token is not None else " at the end"
        hint = ""
        position = self.tokens.index(token) if token is not None else len(self.tokens)
        previous = self.tokens[position - 1] if position > 0 else None
        if (
            token is not None
            and token.kind == "name"
            and previous is not None
            and (previous.kind == "name")
        ):
            hint = " (a column name with spaces must be in backticks: `Crime type`)"
        return InputError(f"{self.where}: row_condition {self.text!r}: {message}{at}{hint}")

    def peek(self, offset: int = 0) -> _Token | None:
        position = self.index + offset
        return self.tokens[position] if position < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.peek()
        if token is None:
            raise self.fail("the condition ends too soon")
        self.index += 1
        return token

    def accept(self, *texts: str) -> bool:
        token = self.peek()
        if token is not None and token.text in texts and token.kind in ("punct", "name", "op"):
            self.index += 1
            return True
        return False

    def expect(self, text: str) -> None:
        if not self.accept(text):
            raise self.fail(f"expected {text!r}")

    def parse(self) -> Condition:
        if not self.tokens:
            raise InputError(f"{self.where}: row_condition is empty")
        condition = self.any_of()
        if self.peek() is not None:
            raise self.fail("unexpected text after a complete condition")
        return condition

    def any_of(self) -> Condition:
        parts = [self.all_of()]
        while self.accept("or", "OR", "|"):
            parts.append(self.all_of())
        return parts[0] if len(parts) == 1 else AnyOf(tuple(parts))

    def all_of(self) -> Condition:
        parts = [self.negation()]
        while self.accept("and", "AND", "&"):
            parts.append(self.negation())
        return parts[0] if len(parts) == 1 else AllOf(tuple(parts))

    def negation(self) -> Condition:
        if self.accept("not", "NOT", "~"):
            # a negation nests like a parenthesis: ~~~... must not overflow the stack
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise self.fail(f"nested more than {MAX_DEPTH} deep")
            part = self.negation()
            self.depth -= 1
            return Not(part)
        return self.primary()

    def primary(self) -> Condition:
        token = self.peek()
        if token is not None and token.text == "(":
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise self.fail(f"nested more than {MAX_DEPTH} deep")
            self.take()
            inner = self.any_of()
            self.expect(")")
            self.depth -= 1
            return inner
        return self.test()

    def test(self) -> Condition:
        if self._literal_ahead(0):
            value = self.literal()  # a literal on the left: 4 == s4
            operator = self.operator()
            column = self.column()
            return Compare(column, FLIPPED[operator], value)  # type: ignore[arg-type]
        column = self.column()
        cast = None
        if self._astype_ahead():
            cast = self.astype()
        elif self.accept("."):
            return self.method(column)
        if self.accept("not", "NOT"):
            if not self.accept("in", "IN"):
                raise self.fail("expected 'in' after 'not'")
            return InList(column, self._cast_checked(self.value_list(), cast), negated=True)
        if self.accept("in", "IN"):
            return InList(column, self._cast_checked(self.value_list(), cast))
        operator = self.operator()
        if not self._literal_ahead(0):
            following = self.peek()
            if (
                following is not None
                and following.kind in ("name", "backtick")
                and (following.text not in _RESERVED_VALUES)
            ):
                raise self.fail(
                    "a column can only be compared with a value, not another column", following
                )
        value = self._cast_checked((self.literal(),), cast)[0]
        return Compare(column, operator, value)  # type: ignore[arg-type]

    def _astype_ahead(self) -> bool:
        token, following = self.peek(), self.peek(1)
        return (
            token is not None
            and token.text == "."
            and following is not None
            and following.text == "astype"
        )

    def astype(self) -> str:
        """``.astype(float)`` as pandas suites write it: it only says the column is
        compared as numbers (or text), which the value compared with says anyway."""
        self.expect(".")
        self.take()
        self.expect("(")
        argument = self.take()
        name = (
            _unquote(argument.text, self.verbatim) if argument.kind == "string" else argument.text
        )
        self.expect(")")
        if name in _NUMBER_CASTS:
            return "number"
        if name in ("str", "string", "object"):
            return "text"
        raise self.fail(
            f"astype({argument.text}) is not a cast dqaudit reads (use float, int or str)", argument
        )

    def _cast_checked(self, values: tuple[Value, ...], cast: str | None) -> tuple[Value, ...]:
        if cast is None:
            return values
        if cast == "number" and any(v.kind == "text" for v in values):
            raise self.fail("a column cast to a number is compared with text")
        if cast == "text":
            return tuple(
                Value("text", _number_text(v.value)) if v.kind == "number" else v for v in values
            )
        return values

    def _literal_ahead(self, offset: int) -> bool:
        token = self.peek(offset)
        if token is None:
            return False
        if token.kind in ("number", "string"):
            return True
        following = self.peek(offset + 1)
        return (
            token.kind == "name"
            and token.text in ("date", "datetime")
            and following is not None
            and following.text == "("
        )

    def operator(self) -> str:
        token = self.peek()
        if token is None or token.kind != "op":
            raise self.fail("expected a comparison (==, !=, <, <=, >, >=)")
        self.take()
        return token.text

    def column(self) -> str:
        token = self.take()
        if token.kind == "backtick":
            name = token.text[1:-1]
            if not name:
                raise self.fail("empty column name", token)
            return name
        if token.kind == "name" and token.text == "col" and self.peek() is not None:
            following = self.peek()
            if following is not None and following.text == "(":
                self.take()
                name_token = self.take()
                if name_token.kind != "string":
                    raise self.fail('col(...) takes a quoted column name: col("name")', name_token)
                self.expect(")")
                return _unquote(name_token.text, self.verbatim)
        if token.kind == "name" and token.text not in _KEYWORDS:
            following = self.peek()
            if following is not None and following.text == "(":
                raise self.fail(f"calls are not allowed ({token.text}(...))", token)
            return token.text
        raise self.fail("expected a column name", token)

    def method(self, column: str) -> Condition:
        token = self.take()
        if token.kind != "name":
            raise self.fail("expected a method name after '.'", token)
        lowered = token.text.lower()
        if lowered in _NULL_METHODS:  # GX reads .notnull() in any case
            self.expect("(")
            self.expect(")")
            return IsNull(column, negated=_NULL_METHODS[lowered])
        if token.text == "str":
            self.expect(".")
            kind = self.take()
            if kind.text not in _STRING_METHODS:
                raise self.fail(
                    f"unknown string test {kind.text!r} (use {', '.join(_STRING_METHODS)})", kind
                )
            self.expect("(")
            argument = self.take()
            if argument.kind != "string":
                raise self.fail(f"str.{kind.text} takes one quoted text", argument)
            self.expect(")")
            return StringTest(column, kind.text, _unquote(argument.text, self.verbatim))  # type: ignore[arg-type]
        raise self.fail(
            f"attribute or method {token.text!r} is not allowed (allowed: isnull(), notnull(), "
            "str.startswith/endswith/contains)",
            token,
        )

    def value_list(self) -> tuple[Value, ...]:
        opening = self.take()
        if opening.text not in ("[", "("):
            raise self.fail("expected a list of values in [ ]", opening)
        closing = "]" if opening.text == "[" else ")"
        values = [self.literal()]
        while self.accept(","):
            if self.peek() is not None and self.peek().text == closing:  # type: ignore[union-attr]
                break
            values.append(self.literal())
        self.expect(closing)
        return tuple(values)

    def literal(self) -> Value:
        token = self.take()
        if token.kind == "number":
            if not math.isfinite(float(token.text)):
                raise self.fail(f"{token.text} is too large; {_FINITE}", token)
            return Value("number", float(token.text))
        if token.kind == "string":
            return Value("text", _unquote(token.text, self.verbatim))
        if token.kind == "name" and token.text in ("date", "datetime"):
            self.expect("(")
            argument = self.take()
            if argument.kind != "string":
                raise self.fail(
                    f'{token.text}(...) takes a quoted ISO date: {token.text}("2024-01-31")',
                    argument,
                )
            self.expect(")")
            return Value(
                "datetime",
                _datetime_literal(_unquote(argument.text, self.verbatim), self, argument),
            )
        if token.kind == "name" and token.text in (
            "True",
            "False",
            "None",
            "true",
            "false",
            "null",
        ):
            raise self.fail(
                f"{token.text} is not a value dqaudit compares with; compare with text or a "
                "number, or use .isnull()/.notnull()",
                token,
            )
        raise self.fail('expected a value (a number, quoted text or date("..."))', token)


_ESCAPES = {"\\": "\\", "'": "'", '"': '"', "n": "\n", "t": "\t", "r": "\r"}
_ESCAPES.update({"a": "\a", "b": "\b", "f": "\f", "v": "\v"})
_ESCAPE = re.compile(r"\\(x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|[0-7]{1,3}|.)", re.DOTALL)


def _unquote(text: str, verbatim: bool = False) -> str:
    """A quoted text's content. The pandas parser reads it as Python does (``"a\\tb"``
    holds a tab; an unknown escape such as ``\\d`` keeps its backslash); GX's parser takes
    it verbatim (its values have no escapes)."""
    body = text[1:-1]
    if verbatim:
        return body

    def one(match: re.Match[str]) -> str:
        code = match.group(1)
        if len(code) > 1 and code[0] in "xuU":
            point = int(code[1:], 16)
            return chr(point) if point <= 0x10FFFF else match.group(0)
        if code[0] in "01234567":
            return chr(int(code, 8))
        return _ESCAPES.get(code, match.group(0))

    return _ESCAPE.sub(one, body)


def _datetime_literal(text: str, parser: _Parser, token: _Token) -> dt.datetime:
    try:
        stamp = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise parser.fail(f"{text!r} is not an ISO 8601 date or datetime", token) from None
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(dt.UTC).replace(tzinfo=None)
    return stamp


def _parse_text(text: str, where: str, verbatim: bool = False) -> Condition:
    return _Parser(text, where, verbatim).parse()
