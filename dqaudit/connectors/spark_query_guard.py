"""A Spark SQL ``query`` from a dataset is hostile input: one plain SELECT, or nothing.

Spark SQL can do much more than read a table: ``SELECT * FROM parquet.`/any/path```
reads any file the cluster can, ``reflect``/``java_method`` call Java, ``TRANSFORM ...
USING 'script'`` runs a program, and ``read_files``, ``CACHE``, ``INSERT`` and the rest
change or reach beyond the catalog. So the query is parsed with sqlglot's Spark dialect
and allowed only when it is a single SELECT (set operations of SELECTs included) built
from an allow-listed set of clauses and functions, over tables named by plain
identifiers. Spark then runs the SQL that sqlglot writes back from the checked tree, so
what runs is what was checked, never a text the two parsers might read differently.

Interim: connector hardening (branch ``harden``) is writing a shared
``dqaudit/connectors/query_guard.py``; this module is the Spark connector's own small
guard until then, with the same contract (text in, checked SQL out, InputError else).
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from dqaudit.errors import InputError

MAX_QUERY_CHARS = 100_000
MAX_QUERY_NODES = 20_000
# Table names: plain identifiers; a path or a file-format "database" is refused.
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
FILE_FORMATS = frozenset(
    {"parquet", "csv", "json", "orc", "text", "avro", "delta", "binaryfile", "jdbc", "xml"}
)
# Clauses and operators of a read-only SELECT (sqlglot expression class names).
ALLOWED_NODES = frozenset(
    {
        "Select",
        "Union",
        "Intersect",
        "Except",
        "With",
        "CTE",
        "Subquery",
        "From",
        "Join",
        "Where",
        "Group",
        "Having",
        "Order",
        "Ordered",
        "Limit",
        "Offset",
        "Distinct",
        "Alias",
        "TableAlias",
        "Table",
        "Identifier",
        "Column",
        "Star",
        "Literal",
        "Boolean",
        "Null",
        "Paren",
        "Neg",
        "Not",
        "And",
        "Or",
        "EQ",
        "NEQ",
        "GT",
        "GTE",
        "LT",
        "LTE",
        "NullSafeEQ",
        "NullSafeNEQ",
        "Is",
        "In",
        "Between",
        "Like",
        "ILike",
        "Add",
        "Sub",
        "Mul",
        "Div",
        "Mod",
        "IntDiv",
        "DPipe",
        "Case",
        "If",
        "Cast",
        "TryCast",
        "DataType",
        "DataTypeParam",
        "Tuple",
        "Window",
        "WindowSpec",
        "Bracket",
        "Dot",
        "Interval",
        "Var",
    }
)
# The functions a query may call, written as Spark SQL; sqlglot's class for each is
# found by parsing these once, so the list does not depend on sqlglot's class names.
ALLOWED_FUNCTIONS = (
    "upper(a)",
    "lower(a)",
    "trim(a)",
    "ltrim(a)",
    "rtrim(a)",
    "substring(a, 1, 2)",
    "substr(a, 1, 2)",
    "length(a)",
    "char_length(a)",
    "concat(a, b)",
    "concat_ws('-', a, b)",
    "lpad(a, 2, '0')",
    "rpad(a, 2, '0')",
    "replace(a, 'x', 'y')",
    "coalesce(a, b)",
    "nullif(a, b)",
    "nvl(a, b)",
    "greatest(a, b)",
    "least(a, b)",
    "abs(a)",
    "round(a, 1)",
    "floor(a)",
    "ceil(a)",
    "count(a)",
    "count(DISTINCT a)",
    "sum(a)",
    "min(a)",
    "max(a)",
    "avg(a)",
    "to_date(a)",
    "to_timestamp(a)",
    "date_format(a, 'yyyy')",
    "year(a)",
    "month(a)",
    "dayofmonth(a)",
    "hour(a)",
    "date_add(a, 1)",
    "datediff(a, b)",
    "current_date()",
    "current_timestamp()",
    "row_number() OVER (ORDER BY a)",
    "rank() OVER (ORDER BY a)",
)


@cache
def _allowed_functions() -> tuple[frozenset[str], frozenset[str]]:
    """(sqlglot classes, names of functions sqlglot leaves anonymous) of ALLOWED_FUNCTIONS."""
    import sqlglot
    from sqlglot import exp

    classes: set[str] = set()
    anonymous: set[str] = set()
    for sample in ALLOWED_FUNCTIONS:
        for node in sqlglot.parse_one(f"SELECT {sample}", read="spark").walk():
            if isinstance(node, exp.Anonymous):
                anonymous.add(node.name.lower())
            elif isinstance(node, exp.Func) and type(node).__name__ not in ALLOWED_NODES:
                classes.add(type(node).__name__)
    return frozenset(classes), frozenset(anonymous)


def checked_query(text: Any, where: str = "spark connector") -> str:
    """The Spark SQL to run for a dataset's ``query``: checked, and written back by sqlglot."""
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import ParseError, TokenError

    query = str(text or "").strip().rstrip(";").strip()
    if not query:
        raise InputError(f"{where}: option 'query' is empty")
    if len(query) > MAX_QUERY_CHARS:
        raise InputError(f"{where}: option 'query' is longer than {MAX_QUERY_CHARS} characters")
    try:
        statements = [s for s in sqlglot.parse(query, read="spark") if s is not None]
    except (ParseError, TokenError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "cannot parse"
        raise InputError(f"{where}: option 'query' is not valid Spark SQL: {first}") from None
    if len(statements) != 1:
        raise InputError(f"{where}: option 'query' must be one SELECT statement, not several")
    tree = statements[0]
    if not isinstance(tree, exp.Query):
        raise InputError(
            f"{where}: option 'query' must be a SELECT, not {query.split()[0].upper()!r} "
            "(audits only read)"
        )
    function_classes, anonymous = _allowed_functions()
    for count, node in enumerate(tree.walk(), start=1):
        if count > MAX_QUERY_NODES:
            raise InputError(f"{where}: option 'query' is too large to check")
        _check_node(node, function_classes, anonymous, where)
    return tree.sql(dialect="spark")


def _check_node(
    node: Any, function_classes: frozenset[str], anonymous: frozenset[str], where: str
) -> None:
    from sqlglot import exp

    kind = type(node).__name__
    if isinstance(node, exp.Table):
        _check_table(node, where)
    elif isinstance(node, exp.Anonymous):
        if node.name.lower() not in anonymous:
            raise InputError(f"{where}: option 'query' calls {node.name}(), which is not allowed")
    elif isinstance(node, exp.Func) and kind not in ALLOWED_NODES:
        if kind not in function_classes:
            name = node.sql_name() if hasattr(node, "sql_name") else kind
            raise InputError(f"{where}: option 'query' calls {name}(), which is not allowed")
    elif kind not in ALLOWED_NODES:
        raise InputError(
            f"{where}: option 'query' uses {kind.upper()} ({node.sql(dialect='spark')[:60]}), "
            "which is not allowed in a dataset query"
        )


def _check_table(table: Any, where: str) -> None:
    from sqlglot import exp

    if not isinstance(table.this, exp.Identifier):
        raise InputError(
            f"{where}: option 'query' reads from {table.sql(dialect='spark')[:60]}; "
            "only tables and views named by identifiers may be read"
        )
    parts = [p for p in (table.catalog, table.db, table.name) if p]
    for part in parts:
        if not _IDENTIFIER.fullmatch(part):
            raise InputError(
                f"{where}: option 'query' reads from '{'.'.join(parts)}'; a table name is "
                "letters, digits and underscores (files are read with 'path' and 'format')"
            )
    if len(parts) > 1 and parts[-2].lower() in FILE_FORMATS:
        raise InputError(
            f"{where}: option 'query' reads files directly ({'.'.join(parts)}); "
            "use the options 'path' and 'format' instead"
        )
