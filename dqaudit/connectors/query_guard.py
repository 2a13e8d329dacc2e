"""What an audit query may call: one SELECT, nothing that writes, only listed functions.

The ``sql`` connector's sessions are read-only (see sql_session), but a read-only
transaction does not stop everything: PostgreSQL's ``dblink_exec`` opens a second,
writable connection; MariaDB's ``SELECT ... INTO OUTFILE`` writes a file on the server;
SQLite's ``ATTACH`` and ``VACUUM INTO`` create files. So a user's ``query`` is parsed with
sqlglot in the database's own dialect (MariaDB through sqlglot's MySQL dialect) and the
whole tree is walked. It is refused unless:

- it is exactly one statement, and that statement is a SELECT, or a set operation
  (UNION/INTERSECT/EXCEPT) of SELECTs, optionally with CTEs;
- no node anywhere is a statement that writes or changes state (DML, DDL, commands,
  ATTACH, PRAGMA, SET, COPY, transaction control...): a data-modifying CTE
  ``WITH gone AS (DELETE ... RETURNING *) SELECT ...`` parses as a Select holding a Delete;
- it has no ``INTO`` (``SELECT ... INTO OUTFILE/DUMPFILE``, ``SELECT ... INTO table``)
  and takes no row locks (``FOR UPDATE``/``FOR SHARE``);
- every function it calls, typed or not, is on the dialect's allow-list: sqlglot parses
  ``SELECT dblink_exec(...)``, ``lo_export(...)`` or ``load_extension(...)`` as a plain
  Select, so the statement type alone proves nothing;
- on MariaDB/MySQL it has no executable comment (``/*! ... */``, ``/*M! ... */``), whose
  text the server runs but a parser reads as a comment.

What does not parse is refused. The allow-list is deliberately small: functions that
compute a value from their arguments, with no access to files, other sessions,
sequences, locks, settings or the network. A ``table`` option is checked too: one or two
plain identifiers (``table`` or ``schema.table``), which SQLAlchemy then quotes.
"""

from __future__ import annotations

import functools
import logging
import re
from typing import Any

from dqaudit.errors import InputError

# sqlglot's name for each database dqaudit reads (MariaDB through the MySQL dialect).
SQLGLOT_DIALECTS = {
    "postgresql": "postgres",
    "mysql": "mysql",
    "mariadb": "mysql",
    "sqlite": "sqlite",
}

# Functions that only compute a value from their arguments, in every dialect. Names are
# as written in SQL; sqlglot's typed nodes are matched by any of their SQL names.
COMMON_FUNCTIONS = frozenset(
    {
        # aggregates and window functions
        "count", "sum", "avg", "min", "max", "stddev", "stddev_pop", "stddev_samp",
        "variance", "var_pop", "var_samp", "row_number", "rank", "dense_rank", "ntile",
        "lag", "lead", "first_value", "last_value", "nth_value", "cume_dist",
        "percent_rank",
        # conditionals and conversions
        "coalesce", "ifnull", "nullif", "nvl", "case", "if", "iif", "greatest", "least",
        "cast", "try_cast", "exists",
        # text
        "lower", "upper", "lcase", "ucase", "trim", "ltrim", "rtrim", "length",
        "char_length", "character_length", "octet_length", "substring", "substr",
        "replace", "concat", "concat_ws", "left", "right", "lpad", "rpad", "reverse",
        "position", "str_position", "instr", "ascii", "char", "chr", "translate",
        "regexp_like", "regexp_ilike", "regexp_replace", "regexp_substr", "regexp_extract", "md5",
        "group_concat", "string_agg", "array_agg",
        # numbers
        "abs", "round", "floor", "ceil", "ceiling", "mod", "power", "pow", "sqrt",
        "sign", "trunc", "truncate", "ln", "log", "exp",
        # dates and times
        "date", "time", "datetime", "extract", "current_date", "current_time",
        "current_timestamp", "year", "month", "day", "hour", "minute", "second",
    }
)  # fmt: skip

DIALECT_FUNCTIONS = {
    "postgres": frozenset(
        {
            "btrim",
            "strpos",
            "split_part",
            "initcap",
            "format",
            "to_char",
            "to_date",
            "to_timestamp",
            "to_number",
            "date_part",
            "date_trunc",
            "age",
            "make_date",
            "now",
            "localtimestamp",
            "justify_days",
            "regexp_match",
            "regexp_matches",
            "starts_with",
            "bool_and",
            "bool_or",
            "every",
            "array_length",
            "cardinality",
            "unnest",
            "jsonb_extract_path_text",
            "json_extract_path_text",
        }
    ),
    "mysql": frozenset(
        {
            "locate",
            "date_format",
            "str_to_date",
            "datediff",
            "date_add",
            "date_sub",
            "timestampdiff",
            "dayofmonth",
            "dayofweek",
            "dayofyear",
            "weekday",
            "last_day",
            "now",
            "curdate",
            "from_unixtime",
            "unix_timestamp",
            "convert",
            "char_length",
            "field",
            "elt",
            "hex",
            "unhex",
            "bit_length",
            "json_extract",
            "json_unquote",
            "regexp_instr",
        }
    ),
    "sqlite": frozenset(
        {
            "strftime",
            "julianday",
            "unixepoch",
            "typeof",
            "hex",
            "unicode",
            "printf",
            "glob",
            "like",
            "likely",
            "unlikely",
            "total",
            "quote",
            "json_extract",
        }
    ),
}

_IDENTIFIER = r"[^\W\d]\w*"
PLAIN_TABLE = re.compile(rf"{_IDENTIFIER}(?:\.{_IDENTIFIER})?")
SHOWN_FUNCTIONS = 12


def sqlglot_dialect(database: str) -> str:
    """sqlglot's dialect name for a database backend (``postgresql`` -> ``postgres``)."""
    if database not in SQLGLOT_DIALECTS:
        raise InputError(f"sql connector: no query rules for database '{database}'")
    return SQLGLOT_DIALECTS[database]


def allowed_functions(dialect: str) -> frozenset[str]:
    """Every function an audit query may call on ``dialect`` (a sqlglot dialect name)."""
    return COMMON_FUNCTIONS | DIALECT_FUNCTIONS.get(dialect, frozenset())


def check_table(table: str) -> tuple[str | None, str]:
    """``table`` or ``schema.table`` as plain identifiers; returns (schema, table)."""
    text = str(table).strip()
    if not PLAIN_TABLE.fullmatch(text):
        raise InputError(
            f"sql connector: option 'table' must be a table or view name, optionally with "
            f"its schema (schema.table), each of letters, digits and underscores; not "
            f"{str(table)[:80]!r} (give anything else as a 'query')"
        )
    schema, _, name = text.rpartition(".")
    return (schema or None), name


def check_query(query: str, database: str) -> None:
    """Refuse ``query`` unless it is one SELECT that only reads (see the module docstring).

    ``database`` is the SQLAlchemy backend name (postgresql, mysql, mariadb, sqlite).
    """
    dialect = sqlglot_dialect(database)
    where = f"sql connector: option 'query' ({_label(dialect)})"
    statements = _parse(query, dialect, where)
    if len(statements) != 1:
        raise InputError(
            f"{where}: holds {len(statements)} statements; an audit query is exactly one SELECT"
        )
    tree = statements[0]
    _check_root(tree, where)
    allowed = allowed_functions(dialect)
    for node in tree.walk():
        _check_node(node, where, dialect, allowed)


def _label(dialect: str) -> str:
    return {"postgres": "PostgreSQL", "mysql": "MariaDB/MySQL", "sqlite": "SQLite"}[dialect]


def _parse(query: str, dialect: str, where: str) -> list[Any]:
    import sqlglot

    # sqlglot logs a warning when it falls back to an opaque Command; that is refused below
    logging.getLogger("sqlglot").setLevel(logging.ERROR)
    try:
        tokens = sqlglot.Dialect.get_or_raise(dialect).tokenize(query)
    except Exception as exc:  # TokenError, or whatever odd input provokes
        raise InputError(f"{where}: does not parse ({_first_line(exc)})") from None
    if dialect == "mysql":
        _refuse_executable_comments(tokens, where)
    try:
        statements = [s for s in sqlglot.parse(query, read=dialect) if s is not None]
    except Exception as exc:  # ParseError, and others on odd input
        into = any(token.text.upper() == "INTO" for token in tokens)
        hint = "; SELECT ... INTO is not allowed in an audit query" if into else ""
        raise InputError(f"{where}: does not parse ({_first_line(exc)}){hint}") from None
    if not statements:
        raise InputError(f"{where}: is empty")
    return statements


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


def _refuse_executable_comments(tokens: list[Any], where: str) -> None:
    """MariaDB/MySQL run the text of ``/*! ... */`` and ``/*M! ... */`` as SQL."""
    for token in tokens:
        for comment in token.comments or ():
            if comment.lstrip().startswith(("!", "M!")):
                raise InputError(
                    f"{where}: executable comment /*{comment.strip()[:40]}... */ is not "
                    "allowed (the server runs its text as SQL)"
                )


def _check_root(tree: Any, where: str) -> None:
    from sqlglot import exp

    if isinstance(tree, exp.Select | exp.SetOperation):
        return
    statement = isinstance(tree, (*_denied_nodes(), exp.Values))
    what = f"{_construct(tree)} is not allowed" if statement else "is not a SELECT statement"
    raise InputError(
        f"{where}: {what}; an audit query is one SELECT "
        "(or a UNION/INTERSECT/EXCEPT of SELECTs, optionally WITH ...)"
    )


def _denied_nodes() -> tuple[type, ...]:
    """Statements that write or change state, wherever they appear in the tree."""
    from sqlglot import exp

    names = (
        "DML", "DDL", "Command", "Insert", "Update", "Delete", "Merge", "Create",
        "Drop", "Alter", "TruncateTable", "Attach", "Detach", "Pragma", "Set", "Use",
        "Transaction", "Commit", "Rollback", "Copy", "Grant", "Revoke", "LoadData",
        "Analyze", "Cache", "Uncache", "Refresh", "Kill", "Declare", "Execute",
        "Describe", "Show", "Summarize",
    )  # fmt: skip
    return tuple(getattr(exp, name) for name in names if hasattr(exp, name))


def _check_node(node: Any, where: str, dialect: str, allowed: frozenset[str]) -> None:
    from sqlglot import exp

    if isinstance(node, _denied_nodes()):
        inside = "" if getattr(node, "parent", None) is None else " inside the SELECT"
        raise InputError(
            f"{where}: {_construct(node)}{inside} is not allowed; audits only read records systems"
        )
    if isinstance(node, exp.Into):
        raise InputError(
            f"{where}: SELECT ... INTO is not allowed (it writes a table or a server file); "
            "audits only read records systems"
        )
    if isinstance(node, exp.Lock):
        raise InputError(
            f"{where}: FOR UPDATE/FOR SHARE is not allowed (it locks the records system's "
            "rows); audits only read"
        )
    # sqlglot models some operators as functions (AND, OR, ~, ~*, ->>, COLLATE): binary
    # operators compute a value from their two operands, and are not function calls
    operator = isinstance(node, exp.Binary)
    if (
        isinstance(node, exp.Func)
        and not operator
        and not _function_allowed(node, dialect, allowed)
    ):
        shown = sorted(allowed)
        listing = ", ".join(shown[:SHOWN_FUNCTIONS])
        more = len(shown) - SHOWN_FUNCTIONS
        listing += f" and {more} more (see the connectors documentation)" if more > 0 else ""
        raise InputError(
            f"{where}: function {_function_name(node)} is not allowed in an audit query "
            f"(allowed: {listing})"
        )


def _function_allowed(node: Any, dialect: str, allowed: frozenset[str]) -> bool:
    from sqlglot import exp

    if isinstance(node, exp.Anonymous):
        return str(node.name).lower() in allowed
    names = {name.lower() for name in type(node).sql_names()}
    return bool(names & allowed) or type(node) in _allowed_nodes(dialect)


@functools.cache
def _allowed_nodes(dialect: str) -> frozenset[type]:
    """The typed nodes sqlglot builds for the allowed functions, including the ones it
    adds itself (``date_trunc`` becomes TimestampTrunc; SQLite's ``strftime`` a TimeToStr
    over a TsOrDsToTimestamp): found by parsing each allowed name once."""
    import sqlglot
    from sqlglot import exp

    nodes: set[type] = set()
    for name in allowed_functions(dialect):
        for arguments in ("a", "'day', a", "a, 'x'", "a, 1, 2"):
            try:
                tree = sqlglot.parse_one(f"SELECT {name}({arguments}) FROM t", read=dialect)
            except Exception:  # sqlglot fails in many ways on odd arities
                continue
            found = [n for n in tree.walk() if isinstance(n, exp.Func)]
            if not any(isinstance(n, exp.Anonymous) for n in found):
                nodes.update(type(n) for n in found)
    return frozenset(nodes)


def _function_name(node: Any) -> str:
    from sqlglot import exp

    if isinstance(node, exp.Anonymous):
        return str(node.name)
    names = type(node).sql_names()
    return str(names[0]).lower() if names else type(node).__name__


def _construct(node: Any) -> str:
    """A statement's kind as the user would name it (DELETE, ATTACH, a command...)."""
    from sqlglot import exp

    if isinstance(node, exp.Command):
        return f"the statement {str(node.this).upper()}"
    key = {
        "truncatetable": "TRUNCATE",
        "loaddata": "LOAD DATA",
        "setoperation": "a set operation",
    }.get(node.key, node.key.upper())
    return f"{key} statement" if node.key not in ("values",) else "VALUES"
