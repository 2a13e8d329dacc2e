"""Migration 6 (frozen): the rule-library version each run and approval was made under,
the version and reason of each finding's latest assessment, and each failing record's
key source (its key column(s), or its line where the key is blank).

Frozen: never edit this file; change the schema with a new migration.
"""

from __future__ import annotations

from sqlalchemy import Column, String, Text
from sqlalchemy.engine import Connection
from sqlalchemy.schema import CreateColumn

VERSION = 6

ADDED = (
    ("runs", Column("rule_library_version", Text)),
    ("approvals", Column("rule_library_version", Text)),
    ("findings", Column("rule_library_version", Text)),
    ("findings", Column("status_reason", Text)),
    (
        "failing_records",
        Column("key_source", String(8), nullable=False, server_default="column"),
    ),
)


def apply(connection: Connection) -> None:
    for table, column in ADDED:
        definition = CreateColumn(column).compile(dialect=connection.dialect)
        connection.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN {definition}")
