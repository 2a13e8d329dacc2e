"""Migration 5 (frozen): findings, their observations per run, record exceptions, and
the action plans exported and imported.

Frozen: never edit this file; change the schema with a new migration.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Connection

VERSION = 5
metadata = MetaData()
BigId = BigInteger().with_variant(Integer, "sqlite")

Table("runs", metadata, Column("run_id", String(32), primary_key=True))

findings = Table(
    "findings",
    metadata,
    Column("finding_id", BigId, primary_key=True, autoincrement=True),
    Column("system", Text, nullable=False),
    Column("dataset", Text, nullable=False),
    Column("suite_name", Text, nullable=False),
    Column("rule_id", Text, nullable=False),
    Column("owner_name", Text),
    Column("owner_email", Text, index=True),
    Column("expectation_type", Text, nullable=False),
    Column("kwargs", JSON),
    Column("description", Text, nullable=False),
    Column("dimension", String(16)),
    Column("likelihood", Integer),
    Column("impact", Integer),
    Column("risk_score", Integer),
    Column("band", Text),
    Column("remediation", Text),
    Column("first_seen", DateTime(timezone=True), nullable=False),
    Column("last_seen", DateTime(timezone=True), nullable=False),
    Column("first_run_id", String(32)),
    Column("last_run_id", String(32)),
    Column("last_checked_run_id", String(32)),
    Column("last_checked_at", DateTime(timezone=True)),
    Column("failing_count", BigInteger),
    Column("failing_percent", Float),
    Column("previous_failing_count", BigInteger),
    Column("excepted_count", BigInteger),
    Column("status", String(16), nullable=False),
    Column("due_date", Date),
    Column("agreed_action", Text),
    Column("agreed_date", Date),
    Column("owner_comment", Text),
    Column("not_accepted_reason", Text),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("system", "dataset", "suite_name", "rule_id"),
)

finding_observations = Table(
    "finding_observations",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("finding_id", BigInteger, ForeignKey("findings.finding_id"), nullable=False),
    Column("run_id", String(32), ForeignKey("runs.run_id"), nullable=False),
    Column("observed_at", DateTime(timezone=True), nullable=False),
    Column("passed", Boolean, nullable=False),
    Column("failing_count", BigInteger),
    Column("failing_percent", Float),
    Column("excepted_count", BigInteger),
    UniqueConstraint("finding_id", "run_id"),
)

record_exceptions = Table(
    "record_exceptions",
    metadata,
    Column("exception_id", BigId, primary_key=True, autoincrement=True),
    Column("finding_id", BigInteger, ForeignKey("findings.finding_id"), nullable=False),
    Column("record_key", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("requested_by", Text, nullable=False),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("status", String(16), nullable=False),
    Column("decided_by", Text),
    Column("decided_at", DateTime(timezone=True)),
    Column("expires_on", Date),
    UniqueConstraint("finding_id", "record_key"),
)

action_plans = Table(
    "action_plans",
    metadata,
    Column("plan_id", String(32), primary_key=True),
    Column("owner_email", Text, nullable=False, index=True),
    Column("owner_name", Text),
    Column("systems", JSON, nullable=False),
    Column("exported_at", DateTime(timezone=True), nullable=False),
    Column("file_name", Text, nullable=False),
    Column("findings", JSON, nullable=False),
    Column("os_user", Text),
)

plan_imports = Table(
    "plan_imports",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("plan_id", String(32), ForeignKey("action_plans.plan_id"), nullable=False),
    Column("imported_at", DateTime(timezone=True), nullable=False),
    Column("file_sha256", String(64), nullable=False),
    Column("changes", JSON, nullable=False),
    Column("os_user", Text),
)


def apply(connection: Connection) -> None:
    metadata.create_all(
        connection,
        tables=[findings, finding_observations, record_exceptions, action_plans, plan_imports],
    )
