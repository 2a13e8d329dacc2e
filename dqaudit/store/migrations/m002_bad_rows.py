"""Migration 2 (frozen): the records a file connector left out (line and reason only).

Frozen: never edit this file; change the schema with a new migration.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.engine import Connection

VERSION = 2
metadata = MetaData()
BigId = BigInteger().with_variant(Integer, "sqlite")

# The table it references, as version 1 left it (only what the foreign key needs).
Table("runs", metadata, Column("run_id", String(32), primary_key=True))

bad_rows = Table(
    "bad_rows",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("run_id", String(32), ForeignKey("runs.run_id"), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("line", BigInteger, nullable=False),
    Column("reason", Text, nullable=False),
    Column("action", String(16), nullable=False),
    Index("ix_bad_rows_run", "run_id", "seq"),
)


def apply(connection: Connection) -> None:
    metadata.create_all(connection, tables=[bad_rows])
