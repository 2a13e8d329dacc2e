"""The fast path for failing records: millions of keys written at hundreds of thousands a second.

A run may list every record of a large extract, so this path skips SQLAlchemy's per-row
type processing: values are serialised to JSON once here, then PostgreSQL (psycopg 3)
takes them through ``COPY ... FROM STDIN`` and SQLite through one ``executemany`` per
batch. Any other database goes through SQLAlchemy's own multi-row insert. ``bench/
store_writes.py`` measures it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy.engine import Connection

from dqaudit.store import schema

COLUMNS = ("run_id", "position", "seq", "record_key", "record_values", "key_source")
Row = tuple[str, int, int, str, Any, str]  # values as a dict, or None


def insert_failing_records(connection: Connection, rows: Sequence[Row]) -> None:
    """Insert rows (``COLUMNS`` order) in the caller's transaction."""
    if not rows:
        return
    dialect = connection.dialect
    if dialect.name == "postgresql" and dialect.driver == "psycopg":
        _copy_postgres(connection, rows)
    elif dialect.name == "sqlite":
        connection.exec_driver_sql(
            f"INSERT INTO failing_records ({', '.join(COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?)",
            [(*row[:4], _json(row[4]), row[5]) for row in rows],
        )
    else:
        connection.execute(
            schema.failing_records.insert(), [dict(zip(COLUMNS, row, strict=True)) for row in rows]
        )


def _copy_postgres(connection: Connection, rows: Sequence[Row]) -> None:
    raw = connection.connection.driver_connection
    statement = f"COPY failing_records ({', '.join(COLUMNS)}) FROM STDIN"
    with raw.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
        for run_id, position, seq, key, values, key_source in rows:
            copy.write_row((run_id, position, seq, key, _json(values), key_source))


def _json(values: Any) -> str | None:
    """As SQLAlchemy's JSON type stores it (so reads through it see the same value)."""
    if values is None:
        return None
    return json.dumps(values, default=str)
