"""Migration 1 (frozen): runs, their rule results and their failing records.

Frozen: these Table objects are this migration's own, on its own MetaData, exactly as
version 1 created them. Never edit this file; change the schema with a new migration.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Connection

VERSION = 1
metadata = MetaData()
BigId = BigInteger().with_variant(Integer, "sqlite")

runs = Table(
    "runs",
    metadata,
    Column("run_id", String(32), primary_key=True),
    Column("batch_id", String(32), nullable=False, index=True),
    Column("suite_name", Text, nullable=False),
    Column("suite_hash", String(64), nullable=False),
    Column("suite_path", Text),
    Column("system", Text),
    Column("dataset", Text),
    Column("status", String(16), nullable=False),
    Column("outcome", String(16)),
    Column("draft", Boolean, nullable=False, default=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("ended_at", DateTime(timezone=True)),
    Column("os_user", Text),
    Column("host", Text),
    Column("pid", Integer),
    Column("dqaudit_version", String(32)),
    Column("gx_version", String(32)),
    Column("source", Text),
    Column("source_sha256", String(64)),
    Column("row_count", BigInteger),
    Column("columns", JSON),
    Column("extracted_at", Text),
    Column("key_columns", JSON),
    Column("key_source", String(16)),
    Column("warnings", JSON),
    Column("error", Text),
)

rule_results = Table(
    "rule_results",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("run_id", String(32), ForeignKey("runs.run_id"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("rule_id", Text),
    Column("expectation_type", Text, nullable=False),
    Column("kwargs", JSON, nullable=False),
    Column("dimension", String(16)),
    Column("likelihood", Integer),
    Column("impact", Integer),
    Column("success", Boolean),
    Column("unexpected_count", BigInteger),
    Column("element_count", BigInteger),
    Column("unexpected_percent", Float),
    Column("observed_value", JSON),
    Column("error", Text),
    UniqueConstraint("run_id", "position"),
)

failing_records = Table(
    "failing_records",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("run_id", String(32), ForeignKey("runs.run_id"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("record_key", Text, nullable=False),
    Column("record_values", JSON),
    Index("ix_failing_records_run_rule", "run_id", "position", "seq"),
)


def apply(connection: Connection) -> None:
    metadata.create_all(connection)
