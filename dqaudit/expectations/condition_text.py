"""The text spellings of a row condition (pandas-parser and GX-parser text), parsed by
recursive descent into the tree of :mod:`dqaudit.expectations.condition_model`.

Nothing here evaluates text: every token is matched by one regular expression and every
path through the parser ends in a column test or an InputError naming the rule."""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

from dqaudit.errors import InputError
from dqaudit.expectations.condition_model import (
    FINITE_NUMBER_HINT,
    FLIPPED,
    MAX_DEPTH,
    MAX_TEXT,
    AllOf,
    AnyOf,
    Compare,
    Condition,
    InList,
    IsNull,
    Not,
    StringTest,
    Value,
    number_text,
)

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
                Value("text", number_text(v.value)) if v.kind == "number" else v for v in values
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
                raise self.fail(f"{token.text} is too large; {FINITE_NUMBER_HINT}", token)
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


def parse_text(text: str, where: str, verbatim: bool = False) -> Condition:
    return _Parser(text, where, verbatim).parse()
