"""Migration 3 (frozen): the reference files (boundaries, code lists, derivation inputs)
each run used, fingerprinted like extracts.

Frozen: never edit this file; change the schema with a new migration.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Integer, MetaData, String, Table, Text
from sqlalchemy.engine import Connection

VERSION = 3
metadata = MetaData()
BigId = BigInteger().with_variant(Integer, "sqlite")

Table("runs", metadata, Column("run_id", String(32), primary_key=True))

run_references = Table(
    "run_references",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("run_id", String(32), ForeignKey("runs.run_id"), nullable=False, index=True),
    Column("role", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("row_count", BigInteger),
)


def apply(connection: Connection) -> None:
    metadata.create_all(connection, tables=[run_references])
