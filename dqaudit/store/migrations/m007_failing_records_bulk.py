"""Migration 7 (frozen): on PostgreSQL, failing records lose their foreign key to runs.

Why: PostgreSQL checks a foreign key with a trigger per row that also locks the parent
row, which halved the rate at which a run can stream its failing records (COPY of a
million keys). The store is the only writer of the table and only ever writes records
of a run it has started and never deletes runs, so the key guarded nothing the store
does not. SQLite checks the key cheaply and cannot drop a constraint without rebuilding
the table, so there it stays.

Frozen: never edit this file; change the schema with a new migration.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

VERSION = 7


def apply(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(
            "ALTER TABLE failing_records DROP CONSTRAINT IF EXISTS failing_records_run_id_fkey"
        )
