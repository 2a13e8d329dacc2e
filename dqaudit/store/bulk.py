"""The fast path for failing records: millions of keys written at hundreds of thousands a second.

A run may list every record of a large extract, so this path skips SQLAlchemy's per-row
type processing and makes one pass over each batch: values are serialised to JSON here
(compact, as SQLAlchemy's JSON type reads them back), then PostgreSQL (psycopg 3) takes
the rows through ``COPY ... FROM STDIN`` and SQLite through one ``executemany``. Any other
database goes through SQLAlchemy's own multi-row insert. Each batch is the caller's one
transaction. ``bench/store_writes.py`` measures it against the bare drivers.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy.engine import Connection

from dqaudit.store import schema
from dqaudit.store.statuses import KeySource

COLUMNS = ("run_id", "position", "seq", "record_key", "record_values", "key_source")
KEY_SOURCES = frozenset(source.value for source in KeySource)
_INSERT = f"INSERT INTO failing_records ({', '.join(COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?)"
_COPY = f"COPY failing_records ({', '.join(COLUMNS)}) FROM STDIN"
_encode = json.JSONEncoder(default=str, separators=(",", ":")).encode


def insert_failing_records(
    connection: Connection, run_id: str, position: int, first_seq: int, records: Sequence[Any]
) -> None:
    """Insert one batch of (key, values[, key source]) in the caller's transaction.

    A key source other than "column" or "line" is a ValueError and nothing of the batch
    is kept (the caller's transaction rolls back)."""
    if not records:
        return
    dialect = connection.dialect
    if dialect.name == "postgresql" and dialect.driver == "psycopg":
        _copy_postgres(connection, run_id, position, first_seq, records)
        return
    rows = list(_rows(run_id, position, first_seq, records))
    if dialect.name == "sqlite":
        connection.exec_driver_sql(_INSERT, rows)
    else:
        connection.execute(
            schema.failing_records.insert(),
            [
                dict(zip(COLUMNS, (*row[:4], json.loads(row[4]), row[5]), strict=True))
                for row in rows
            ],
        )


def _rows(run_id: str, position: int, first_seq: int, records: Sequence[Any]) -> Any:
    column = KeySource.COLUMN.value
    seq = first_seq
    for record in records:
        source = record[2] if len(record) > 2 else column
        if source not in KEY_SOURCES:
            raise ValueError(f"key source '{source}' is not one of {', '.join(KeySource)}")
        values = record[1]
        yield (
            run_id,
            position,
            seq,
            record[0],
            None if values is None else _encode(values),
            str(source),
        )
        seq += 1


def _copy_postgres(
    connection: Connection, run_id: str, position: int, first_seq: int, records: Sequence[Any]
) -> None:
    raw = connection.connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(_COPY) as copy:  # type: ignore[union-attr]
        write = copy.write_row
        for row in _rows(run_id, position, first_seq, records):
            write(row)
