"""The audit store's live tables: what the store's repositories read and write.

Private to ``dqaudit.store``: every other module goes through the store's public API
(tests may read these tables to tamper with rows on purpose). The tables are created and
evolved by the frozen migrations in ``dqaudit.store.migrations``, never from here; a
test checks that the migrations build exactly these tables.
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
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from dqaudit.store.migrations import schema_versions

metadata = MetaData()
BigId = BigInteger().with_variant(Integer, "sqlite")

__all__ = ["schema_versions"]

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
    Column("rule_library_version", Text),
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

# No foreign key to runs (migration 7): PostgreSQL's per-row check halved the rate of
# COPY; only the store writes here, for runs it started. (SQLite stores keep theirs.)
failing_records = Table(
    "failing_records",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("run_id", String(32), nullable=False),
    Column("position", Integer, nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("record_key", Text, nullable=False),
    Column("record_values", JSON),
    Column("key_source", String(8), nullable=False, server_default="column"),
    Index("ix_failing_records_run_rule", "run_id", "position", "seq"),
)

# --- bad rows (migration 2) ----------------------------------------------------------------

# Records a file connector left out under on_bad_row skip/report, so they are listed with
# the run (line number and reason; never the record's contents), never dropped silently.
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


# --- governance (migration 4) ------------------------------------------------------------

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
    Column("rule_library_version", Text),
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


# --- findings and action plans (migration 5) ---------------------------------------------

# One finding per failing expectation per system (system, dataset, suite, rule_id): later
# runs update it rather than create another. ``status`` is a FindingStatus; "Overdue" is
# derived: an open status past ``agreed_date`` (or ``due_date``).

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
    Column("rule_library_version", Text),
    Column("status_reason", Text),
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
    Column("status", String(16), nullable=False),  # an ExceptionStatus
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


# --- reference files a run used (migration 3) ----------------------------------------------

# Boundaries, area layers, code-list files and derivation inputs (postcode directories,
# review tables), fingerprinted like extracts: role says which rule or input named it.
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
