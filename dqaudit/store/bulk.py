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
import re
from collections.abc import Callable, Sequence
from itertools import repeat
from typing import Any

from sqlalchemy.engine import Connection

from dqaudit.store import schema
from dqaudit.store.statuses import KeySource

COLUMNS = ("run_id", "position", "seq", "record_key", "record_values", "key_source")
KEY_SOURCES = frozenset(source.value for source in KeySource)
_INSERT = f"INSERT INTO failing_records ({', '.join(COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?)"
_COPY = f"COPY failing_records ({', '.join(COLUMNS)}) FROM STDIN"


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
    rows = _rows(run_id, position, first_seq, records)
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


def _make_encoder() -> Callable[[Any], str]:
    """``json.dumps(value, default=str, separators=(",", ":"))``, built once.

    Why: ``JSONEncoder.encode`` builds CPython's C encoder anew for every call, which was
    half the cost of serialising a small dict of values; the C encoder is built once here
    and given the same settings (ASCII output, NaN allowed, ``default=str``). It checks
    no circular reference: record values are cells, never containers of themselves.
    Without the C encoder (another Python implementation), the standard encoder is used.
    """
    standard = json.JSONEncoder(default=str, separators=(",", ":")).encode
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return standard
    try:
        chunks = make(None, str, json.encoder.encode_basestring_ascii, None, ":", ",",
                      False, False, True)  # fmt: skip
        probe = {"a": ["é", 1, 2.5, None, True, float("nan")], "b": {"c": object}}
        if "".join(chunks(probe, 0)) != standard(probe):
            return standard
    except (TypeError, ValueError):  # a different C signature
        return standard
    join = "".join
    return lambda value: join(chunks(value, 0))


_encode = _make_encoder()


def _rows(
    run_id: str, position: int, first_seq: int, records: Sequence[Any]
) -> list[tuple[Any, ...]]:
    """The batch as the table's rows, one column at a time (list comprehensions, not a
    Python loop per row: this is most of the store's own cost per key)."""
    column = KeySource.COLUMN.value
    sources = [record[2] if len(record) > 2 else column for record in records]
    for source in sources:
        if source not in KEY_SOURCES:
            raise ValueError(f"key source '{source}' is not one of {', '.join(KeySource)}")
    if set(map(type, sources)) - {str}:
        sources = [str(source) for source in sources]  # e.g. KeySource members
    encode = _encode
    values = [None if record[1] is None else encode(record[1]) for record in records]
    count = len(records)
    return list(
        zip(
            repeat(run_id, count),
            repeat(position, count),
            range(first_seq, first_seq + count),
            [record[0] for record in records],
            values,
            sources,
            strict=True,
        )
    )


def _copy_postgres(
    connection: Connection, run_id: str, position: int, first_seq: int, records: Sequence[Any]
) -> None:
    """COPY in text form, a chunk at a time: the server inserts one chunk while the next
    is formatted (two cores, one of them the server's), and one ``write`` per chunk costs
    less than psycopg's ``write_row`` per row."""
    raw = connection.connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(_COPY) as copy:  # type: ignore[union-attr]
        for start in range(0, len(records), COPY_CHUNK):
            chunk = records[start : start + COPY_CHUNK]
            copy.write(_copy_text(_rows(run_id, position, first_seq + start, chunk)))


COPY_CHUNK = 1_000
_COPY_NULL = "\\N"
# COPY's text format: a backslash, tab, newline or carriage return in a value is escaped.
_COPY_SPECIAL = re.compile(r"[\\\t\n\r]")
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(rows: list[tuple[Any, ...]]) -> str:
    """Rows as COPY text: tab-separated, ``\\N`` for null, specials escaped. Keys and values
    are searched once per chunk, so the common case (nothing to escape) costs no
    per-value call."""
    run_id, position = rows[0][0], rows[0][1]
    keys = [row[3] for row in rows]
    if set(map(type, keys)) - {str}:
        keys = [str(key) for key in keys]
    if _COPY_SPECIAL.search("".join(keys)):
        keys = [key.translate(_COPY_ESCAPES) for key in keys]
    values = [row[4] for row in rows]
    if _COPY_SPECIAL.search("".join(value for value in values if value is not None)):
        values = [None if value is None else value.translate(_COPY_ESCAPES) for value in values]
    prefix = f"{run_id}\t{position}\t"
    return "".join(
        [
            f"{prefix}{row[2]}\t{key}\t{_COPY_NULL if value is None else value}\t{row[5]}\n"
            for row, key, value in zip(rows, keys, values, strict=True)
        ]
    )
