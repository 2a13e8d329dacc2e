"""Portable SQLAlchemy building blocks for rule conditions on PostgreSQL, SQLite and MariaDB.

The same rule must fail the same rows on every engine, so the differences that would
silently change an answer are handled here: MariaDB compares text case-insensitively and
ignores trailing spaces (so values are compared as bytes there), and SQLite's and
MariaDB's ``$`` also matches before a trailing newline (so such values are refused).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

# SQLAlchemy dialect name -> the engine name rules declare.
ENGINE_OF_DIALECT = {
    "postgresql": "postgresql",
    "sqlite": "sqlite",
    "mysql": "mariadb",
    "mariadb": "mariadb",
}


def engine_name(dialect: Any) -> str:
    """The rule-engine name of a dialect given as a name, a Dialect, or a dialect module."""
    if isinstance(dialect, str):
        name = dialect
    else:
        inner = getattr(dialect, "dialect", dialect)
        named = getattr(inner, "name", None) or getattr(dialect, "__name__", str(dialect))
        name = str(named).rsplit(".", 1)[-1]
    return ENGINE_OF_DIALECT.get(name.lower(), name.lower())


def as_text(column: Any) -> Any:
    """The column as text, so a rule also reads numeric database columns (UPRNs)."""
    return sa.cast(column, sa.String())


def exact(text: Any, engine: str) -> Any:
    """Text compared byte for byte: MariaDB's default collations ignore case and padding."""
    if engine == "mariadb":
        # CAST AS BINARY in SQL, while parameters stay strings on the Python side.
        return sa.type_coerce(sa.cast(text, sa.LargeBinary()), sa.String())
    return text


def length(text: Any, engine: str) -> Any:
    """Length in characters (MariaDB's LENGTH counts bytes)."""
    if engine == "sqlite":
        return sa.func.length(text)
    return sa.func.char_length(text)


def substr(text: Any, start: Any, count: Any) -> Any:
    return sa.func.substr(text, start, count)


def to_integer(text: Any) -> Any:
    """Digits as a 64-bit integer; only ever applied to text a regex has proved is digits."""
    return sa.cast(text, sa.BigInteger())


def full_match(column: Any, pattern: str, engine: str) -> Any:
    """Whether the whole value matches ``pattern`` (written without anchors).

    Only the regex subset shared by PostgreSQL (ARE), MariaDB (PCRE2) and Python ``re``
    is used by the rules: classes, counted repeats, groups and alternation.
    """
    text = as_text(column)
    matched = exact(text, engine).regexp_match(f"^(?:{pattern})$")
    if engine == "postgresql":
        return matched
    return sa.and_(matched, sa.not_(text.contains("\n")))


def in_values(column: Any, values: list[str], engine: str) -> Any:
    """Whether the value is one of ``values``, compared exactly."""
    return exact(as_text(column), engine).in_(values)
