"""The ``sql`` connector: a table, a view or a query in any supported SQL database.

Two modes:

- ``pull`` reads the rows into pandas (streamed from the server in chunks, so the client
  never holds the driver's whole result beside the frame), with the database's own types;
- ``pushdown`` reads nothing but the table's shape and row count: Great Expectations
  validates inside the database, and only failing keys and the rule's columns of failing
  rows ever leave it (see dqaudit.engine.sql_backend).

Sessions are read-only by the database's own enforcement (see sql_session), and a user's
``query`` is parsed and refused unless it is one SELECT calling only allowed functions,
before any connection is opened (see query_guard); a ``table`` must be one or two plain
identifiers. The URL
normally comes from the environment (``url: ${PNC_DB_URL}``); its password is masked in
every message, fingerprint and stored run.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from dqaudit.connectors.base import (
    DatabaseExtract,
    Extract,
    ExtractHeader,
    Fingerprint,
    FrameExtract,
)
from dqaudit.connectors.query_guard import check_query, check_table
from dqaudit.connectors.sql_session import SqlTarget, database_error, open_engine, sql_target
from dqaudit.digests import sha256_text
from dqaudit.errors import DqauditError, InputError

MODES = ("pull", "pushdown")
DEFAULT_TIMEOUT_S = 1800.0
PULL_CHUNK_ROWS = 50_000


class SqlConnector:
    """The ``sql`` connector: reads (pull) or validates in place (pushdown), read-only."""

    description = "SQL databases (PostgreSQL, MariaDB/MySQL, SQLite): pull or pushdown, read-only"
    options = frozenset({"url", "table", "query", "mode", "timeout"})

    def extract(self, options: dict[str, Any], *, base_dir: Path) -> Extract:
        target, table, query, mode = self._settings(options, base_dir)
        return extract_sql(target, table=table, query=query, mode=mode)

    def header(self, options: dict[str, Any], *, base_dir: Path) -> ExtractHeader:
        """The table's or query's columns (``WHERE 0 = 1``: no row is read), for ``suite lint``."""
        target, table, query, mode = self._settings(options, base_dir)
        return sql_header(target, table=table, query=query, mode=mode)

    def _settings(
        self, options: dict[str, Any], base_dir: Path
    ) -> tuple[SqlTarget, str | None, str | None, str]:
        from dqaudit.connectors.registry import check_options

        where = "sql connector"
        check_options(options, self.options, {"url"}, where)
        table, query = options.get("table"), options.get("query")
        if bool(table) == bool(query):
            raise InputError(f"{where}: give exactly one of the options 'table' and 'query'")
        mode = options.get("mode", "pull")
        if mode not in MODES:
            raise InputError(f"{where}: option 'mode' must be pull or pushdown, not {mode!r}")
        timeout = _timeout(options.get("timeout", DEFAULT_TIMEOUT_S), where)
        return sql_target(str(options["url"]), timeout, base_dir), table, query, mode


def _timeout(value: Any, where: str) -> float | None:
    if value in (None, 0, "0", "none"):
        return None
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = -1.0
    if seconds <= 0:
        raise InputError(f"{where}: option 'timeout' must be a number of seconds, not {value!r}")
    return seconds


def extract_sql(
    target: SqlTarget, *, table: str | None = None, query: str | None = None, mode: str = "pull"
) -> Extract:
    """Read (pull) or describe (pushdown) a table or query through a read-only session.

    The table name or query is checked before the database is touched.
    """
    schema, name = check_table(table) if table else (None, None)
    query_text = _query_text(query, target.dialect) if query is not None else None
    engine = open_engine(target)
    try:
        select_sql = query_text or _table_select(engine, schema, name or "")
        with engine.connect() as connection:
            if mode == "pull":
                frame = _pull(connection, select_sql)
                columns, rows = [str(c) for c in frame.columns], len(frame)
            else:
                frame = None
                columns = list(connection.execute(sql_text(_wrap(select_sql, "0 = 1"))).keys())
                rows = int(
                    connection.execute(
                        sql_text(f"SELECT count(*) FROM ({select_sql}) AS dqaudit_rows")
                    ).scalar()
                )
    except DqauditError:
        raise
    except Exception as exc:
        from sqlalchemy.exc import SQLAlchemyError

        if isinstance(exc, SQLAlchemyError):
            raise _read_error(exc, target, name or "", query) from None
        raise
    finally:
        engine.dispose()
    label = (f"{schema}.{name}" if schema else name) if name else "query"
    fingerprint = Fingerprint(
        source=f"{target.display} {'table ' + label if table else 'query'}",
        sha256=sha256_text(select_sql),
        rows=rows,
        columns=columns,
    )
    if frame is None:
        return DatabaseExtract(target, fingerprint, select_sql, name, schema, query)
    # A database has no lines: its records are known by their key columns only.
    return FrameExtract(frame=frame, fingerprint=fingerprint)


def sql_header(
    target: SqlTarget, *, table: str | None = None, query: str | None = None, mode: str = "pull"
) -> ExtractHeader:
    """The columns of a table or query, read with ``WHERE 0 = 1`` through a read-only
    session: no row leaves the database. Checked as ``extract_sql`` checks them."""
    schema, name = check_table(table) if table else (None, None)
    query_text = _query_text(query, target.dialect) if query is not None else None
    engine = open_engine(target)
    try:
        select_sql = query_text or _table_select(engine, schema, name or "")
        with engine.connect() as connection:
            columns = list(connection.execute(sql_text(_wrap(select_sql, "0 = 1"))).keys())
    except DqauditError:
        raise
    except Exception as exc:
        from sqlalchemy.exc import SQLAlchemyError

        if isinstance(exc, SQLAlchemyError):
            raise _read_error(exc, target, name or "", query) from None
        raise
    finally:
        engine.dispose()
    label = (f"{schema}.{name}" if schema else name) if name else "query"
    return ExtractHeader(
        source=f"{target.display} {'table ' + label if table else 'query'}",
        columns=tuple(str(c) for c in columns),
        has_lines=False,
        dialect=target.dialect if mode == "pushdown" else None,
    )


def _query_text(query: str, dialect: str) -> str:
    """The user's query as it is run (and fingerprinted), once the guard has passed it."""
    text = str(query).strip().rstrip(";").strip()
    if not text:
        raise InputError("sql connector: option 'query' is empty")
    check_query(text, dialect)
    return text


def _table_select(engine: Any, schema: str | None, name: str) -> str:
    """SELECT * FROM the table, quoted by SQLAlchemy for its database."""
    import sqlalchemy as sa

    statement = sa.select(sa.text("*")).select_from(sa.table(name, schema=schema))
    return str(statement.compile(engine))


def sql_text(sql: str) -> Any:
    """The user's SQL as a statement: colons stay colons (not bind parameters) and a
    ``%`` in ``LIKE 'WM%'`` is escaped for drivers whose parameters use ``%``."""
    import sqlalchemy as sa

    return sa.text(sql.replace(":", "\\:"))


def _wrap(select_sql: str, condition: str) -> str:
    return f"SELECT * FROM ({select_sql}) AS dqaudit_source WHERE {condition}"


def _pull(connection: Any, select_sql: str) -> Any:
    """Stream the rows from the server in chunks into one frame, with the database's types."""
    import pandas as pd

    result = connection.execution_options(
        stream_results=True, max_row_buffer=PULL_CHUNK_ROWS
    ).execute(sql_text(select_sql))
    columns = list(result.keys())
    frames, kinds = [], []
    for chunk in result.partitions(PULL_CHUNK_ROWS):
        frame, chunk_kinds = records_frame(chunk, columns)
        frames.append(frame)
        kinds.append(chunk_kinds)
    if not frames:
        return pd.DataFrame({name: pd.Series(dtype="object") for name in columns})
    if len(frames) == 1:
        return frames[0]
    frame = pd.concat(frames, ignore_index=True)
    for position in range(len(columns)):
        seen = {chunk_kinds[position] for chunk_kinds in kinds}
        if "integer" in seen and seen <= {"integer", "empty"}:
            # a chunk of nothing but NULLs beside chunks of integers
            frame.isetitem(position, frame.iloc[:, position].astype("Int64"))
    return frame


def records_frame(rows: Any, columns: list[str]) -> tuple[Any, list[str]]:
    """Rows as a frame with the database's types, and each column's kind of value.

    pandas turns an integer column holding a NULL into float64, so a BIGINT UPRN would
    reach the rules as ``100070000001.0`` and a code ``1`` as ``1.0`` (failing valid
    values that pushdown, which reads the database's own text, passes). Such columns are
    read as nullable integers (Int64) instead, exact for all 64-bit values.
    """
    import pandas as pd

    rows = list(rows)
    frame = pd.DataFrame.from_records(rows, columns=columns, coerce_float=True)
    kinds = []
    for position in range(len(columns)):
        dtype = frame.iloc[:, position].dtype
        if dtype.kind == "i":
            kinds.append("integer")
            continue
        if dtype.kind not in "Of":
            kinds.append(str(dtype))  # text, dates, booleans: as read
            continue
        values = [row[position] for row in rows]
        kind = pd.api.types.infer_dtype(values, skipna=True)
        kinds.append(kind)
        if kind == "integer":
            frame.isetitem(position, pd.array(values, dtype="Int64"))
    return frame, kinds


def _read_error(exc: Any, target: SqlTarget, table: str, query: str | None) -> DqauditError:
    error = database_error(exc, target)
    if table and isinstance(error, InputError) and "write" not in error.message:
        return InputError(
            f"sql connector: {target.display}: cannot read table or view '{table}': "
            + error.message.split("the query failed: ", 1)[-1]
        )
    return error


def preview_rows(source: DatabaseExtract, rows: int) -> Any:
    """The first ``rows`` rows of a pushdown source, read with LIMIT (read-only)."""
    import sqlalchemy as sa

    engine = open_engine(source.target)
    try:
        query = (
            sa.select(sa.text("*"))
            .select_from(sql_text(f"({source.select_sql}) AS dqaudit_preview"))
            .limit(rows)
        )
        with engine.connect() as connection:
            result = connection.execute(query)
            return records_frame(result.fetchall(), list(result.keys()))[0]
    except sa.exc.SQLAlchemyError as exc:
        raise database_error(exc, source.target) from None
    finally:
        engine.dispose()


def stream_frames(source: DatabaseExtract, chunk_rows: int = PULL_CHUNK_ROWS) -> Iterator[Any]:
    """The rows of a pushdown source as frames of at most ``chunk_rows`` rows, streamed
    from the server through a read-only session, so a caller (``extract profile``) never
    holds the whole table."""
    import sqlalchemy as sa

    engine = open_engine(source.target)
    try:
        with engine.connect() as connection:
            result = connection.execution_options(
                stream_results=True, max_row_buffer=chunk_rows
            ).execute(sql_text(source.select_sql))
            columns = list(result.keys())
            for chunk in result.partitions(chunk_rows):
                yield records_frame(chunk, columns)[0]
    except sa.exc.SQLAlchemyError as exc:
        raise database_error(exc, source.target) from None
    finally:
        engine.dispose()
