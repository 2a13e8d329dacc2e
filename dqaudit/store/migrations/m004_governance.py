"""Migration 4 (frozen): approvals, the audit trail (append-only by trigger), run locks,
each run's risk and the record of purges.

Frozen: never edit this file; change the schema with a new migration.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.engine import Connection

VERSION = 4
metadata = MetaData()
BigId = BigInteger().with_variant(Integer, "sqlite")
APPEND_ONLY_MESSAGE = "the audit trail is append-only"

Table("runs", metadata, Column("run_id", String(32), primary_key=True))

approvals = Table(
    "approvals",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("suite_name", Text, nullable=False, index=True),
    Column("suite_hash", String(64), nullable=False),
    Column("canonical", JSON, nullable=False),
    Column("document", Text, nullable=False),
    Column("approved_by", Text, nullable=False),
    Column("board", Text, nullable=False),
    Column("minute", Text, nullable=False),
    Column("review_by", Date),
    Column("approved_at", DateTime(timezone=True), nullable=False),
    Column("os_user", Text),
    Column("reference_files", JSON),
    Column("revoked_at", DateTime(timezone=True)),
    Column("revoked_by", Text),
    Column("revoke_reason", Text),
)

trail = Table(
    "trail",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("recorded_at", Text, nullable=False),
    Column("os_user", Text, nullable=False),
    Column("host", Text),
    Column("action", String(32), nullable=False),
    Column("subject", Text),
    Column("details", JSON),
    Column("prev_hash", String(64), nullable=False),
    Column("entry_hash", String(64), nullable=False),
)

locks = Table(
    "locks",
    metadata,
    Column("name", String(255), primary_key=True),
    Column("holder", String(64), nullable=False),
    Column("host", Text),
    Column("pid", Integer),
    Column("acquired_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)

run_risk = Table(
    "run_risk",
    metadata,
    Column("run_id", String(32), ForeignKey("runs.run_id"), primary_key=True),
    Column("risk_score", Integer),
    Column("band", Text),
)

record_purges = Table(
    "record_purges",
    metadata,
    Column("run_id", String(32), ForeignKey("runs.run_id"), primary_key=True),
    Column("purged_at", DateTime(timezone=True), nullable=False),
    Column("records_deleted", BigInteger, nullable=False),
    Column("records_sha256", String(64), nullable=False),
)


def apply(connection: Connection) -> None:
    metadata.create_all(connection, tables=[approvals, trail, locks, run_risk, record_purges])
    # The database itself refuses edits to the trail, so no code path (ours or a
    # hand-run UPDATE) can quietly rewrite history; verify still catches what gets past.
    if connection.dialect.name == "sqlite":
        for event in ("UPDATE", "DELETE"):
            connection.exec_driver_sql(
                f"CREATE TRIGGER trail_no_{event.lower()} BEFORE {event} ON trail "
                f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END"
            )
    elif connection.dialect.name == "postgresql":
        connection.exec_driver_sql(
            "CREATE OR REPLACE FUNCTION dqaudit_trail_append_only() RETURNS trigger AS $$ "
            f"BEGIN RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}'; END; $$ LANGUAGE plpgsql"
        )
        connection.exec_driver_sql(
            "CREATE TRIGGER trail_append_only BEFORE UPDATE OR DELETE ON trail "
            "FOR EACH ROW EXECUTE FUNCTION dqaudit_trail_append_only()"
        )
        connection.exec_driver_sql(
            "CREATE TRIGGER trail_no_truncate BEFORE TRUNCATE ON trail "
            "FOR EACH STATEMENT EXECUTE FUNCTION dqaudit_trail_append_only()"
        )
