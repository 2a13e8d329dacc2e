"""Reading stored runs: listings, one run whole, and a rule's failing records streamed."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from dqaudit.engine.results import Outcome
from dqaudit.errors import EngineError, InputError
from dqaudit.store import schema
from dqaudit.store.clock import as_utc, maybe_utc
from dqaudit.store.repository import Repository
from dqaudit.store.statuses import KeySource, RunStatus

READ_BATCH = 5_000


@dataclass(frozen=True)
class RunSummary:
    """One line of ``audit list``: a run's identity, status, outcome and risk."""

    run_id: str
    batch_id: str
    suite_name: str
    suite_hash: str
    system: str | None
    dataset: str | None
    status: RunStatus
    outcome: Outcome | None
    draft: bool
    started_at: datetime
    ended_at: datetime | None
    risk_score: int | None
    band: str | None
    rule_library_version: str | None


@dataclass(frozen=True)
class StoredRuleResult:
    """One expectation's stored outcome: counts and percent, never its failing keys."""

    position: int
    rule_id: str | None
    expectation_type: str
    kwargs: dict[str, Any]
    dimension: str | None
    likelihood: int | None
    impact: int | None
    success: bool | None
    unexpected_count: int | None
    element_count: int | None
    unexpected_percent: float | None
    observed_value: Any
    error: str | None


@dataclass(frozen=True)
class StoredBadRow:
    """A record the extract left out: its line and why (never its contents)."""

    line: int
    reason: str
    action: str


@dataclass(frozen=True)
class FailingRecord:
    """A failing record: its key, the values the rule read, and how the key identifies it."""

    key: str
    values: dict[str, Any]
    key_source: KeySource = KeySource.COLUMN


@dataclass(frozen=True)
class StoredRun:
    """A run with its metadata, rule results and (unless asked not to) failing keys."""

    run_id: str
    batch_id: str
    suite_name: str
    suite_hash: str
    suite_path: str | None
    system: str | None
    dataset: str | None
    status: RunStatus
    outcome: Outcome | None
    draft: bool
    started_at: datetime
    ended_at: datetime | None
    os_user: str | None
    host: str | None
    pid: int | None
    dqaudit_version: str | None
    gx_version: str | None
    source: str | None
    source_sha256: str | None
    row_count: int | None
    columns: list[str] | None
    extracted_at: str | None
    key_columns: list[str] | None
    key_source: str | None
    warnings: list[str] | None
    error: str | None
    rule_library_version: str | None
    risk_score: int | None
    band: str | None
    details_purged_at: datetime | None
    rules: tuple[StoredRuleResult, ...] = ()
    failing_keys: dict[int, list[str]] = field(default_factory=dict)
    bad_rows: tuple[StoredBadRow, ...] = ()

    def rule_at(self, position: int) -> StoredRuleResult | None:
        return next((rule for rule in self.rules if rule.position == position), None)


class RunRepository(Repository):
    """Stored runs, as dataclasses."""

    def recent(self, limit: int = 50, suite: str | None = None) -> list[RunSummary]:
        """Runs newest first (optionally one suite's)."""
        runs, risk = schema.runs, schema.run_risk
        query = (
            sa.select(runs, risk.c.risk_score, risk.c.band)
            .outerjoin(risk, risk.c.run_id == runs.c.run_id)
            .order_by(runs.c.started_at.desc())
            .limit(limit)
        )
        if suite:
            query = query.where(runs.c.suite_name == suite)
        with self._read() as connection:
            return [_summary(row) for row in connection.execute(query)]

    def get(self, run_id: str, with_keys: bool = True) -> StoredRun:
        """A run with its rule results and (unless ``with_keys`` is false: they may be
        millions) its failing keys; a unique prefix of the id works."""
        if len(run_id) < 4:
            raise InputError(f"run id '{run_id}' is too short: give at least 4 characters")
        runs = schema.runs
        with self._read() as connection:
            matches = connection.execute(
                sa.select(runs).where(runs.c.run_id.like(f"{_escape_like(run_id)}%", escape="\\"))
            ).all()
            if not matches:
                raise InputError(
                    f"no run with id '{run_id}' in the store {self._store.display_url}"
                )
            if len(matches) > 1:
                raise InputError(
                    f"run id '{run_id}' is ambiguous: {len(matches)} runs start with it"
                )
            row = matches[0]
            full_id = row.run_id
            risk = connection.execute(
                sa.select(schema.run_risk).where(schema.run_risk.c.run_id == full_id)
            ).first()
            purge = connection.execute(
                sa.select(schema.record_purges.c.purged_at).where(
                    schema.record_purges.c.run_id == full_id
                )
            ).scalar()
            rules = tuple(
                _rule_result(rule)
                for rule in connection.execute(
                    sa.select(schema.rule_results)
                    .where(schema.rule_results.c.run_id == full_id)
                    .order_by(schema.rule_results.c.position)
                )
            )
            keys: dict[int, list[str]] = {}
            if with_keys:
                records = schema.failing_records
                for position, record_key in connection.execute(
                    sa.select(records.c.position, records.c.record_key)
                    .where(records.c.run_id == full_id)
                    .order_by(records.c.position, records.c.seq)
                ):
                    keys.setdefault(position, []).append(record_key)
            bad = schema.bad_rows
            bad_rows = tuple(
                StoredBadRow(int(line), reason, action)
                for line, reason, action in connection.execute(
                    sa.select(bad.c.line, bad.c.reason, bad.c.action)
                    .where(bad.c.run_id == full_id)
                    .order_by(bad.c.seq)
                )
            )
        return StoredRun(
            run_id=full_id,
            batch_id=row.batch_id,
            suite_name=row.suite_name,
            suite_hash=row.suite_hash,
            suite_path=row.suite_path,
            system=row.system,
            dataset=row.dataset,
            status=run_status_of(row.status),
            outcome=outcome_of(row.outcome),
            draft=bool(row.draft),
            started_at=as_utc(row.started_at),
            ended_at=maybe_utc(row.ended_at),
            os_user=row.os_user,
            host=row.host,
            pid=row.pid,
            dqaudit_version=row.dqaudit_version,
            gx_version=row.gx_version,
            source=row.source,
            source_sha256=row.source_sha256,
            row_count=row.row_count,
            columns=row.columns,
            extracted_at=row.extracted_at,
            key_columns=row.key_columns,
            key_source=row.key_source,
            warnings=row.warnings,
            error=row.error,
            rule_library_version=row.rule_library_version,
            risk_score=risk.risk_score if risk else None,
            band=risk.band if risk else None,
            details_purged_at=maybe_utc(purge),
            rules=rules,
            failing_keys=keys,
            bad_rows=bad_rows,
        )

    def failing_records(self, run_id: str, position: int) -> Iterator[FailingRecord]:
        """Stream one rule's failing records (key, values read, key source), in order."""
        records = schema.failing_records
        with self._read() as connection:
            rows = connection.execution_options(yield_per=READ_BATCH).execute(
                sa.select(records.c.record_key, records.c.record_values, records.c.key_source)
                .where(records.c.run_id == run_id, records.c.position == position)
                .order_by(records.c.seq)
            )
            for record_key, values, key_source in rows:
                yield FailingRecord(record_key, values or {}, KeySource(key_source))

    def failing_keys(self, run_id: str, position: int, limit: int | None = None) -> list[str]:
        """One rule's failing keys in order (the first ``limit`` of them)."""
        records = schema.failing_records
        query = (
            sa.select(records.c.record_key)
            .where(records.c.run_id == run_id, records.c.position == position)
            .order_by(records.c.seq)
        )
        if limit is not None:
            query = query.limit(limit)
        with self._read() as connection:
            return list(connection.execute(query).scalars())

    def failing_count(self, run_id: str, position: int) -> int:
        """How many failing records a rule of a run has stored (0 once purged)."""
        records = schema.failing_records
        with self._read() as connection:
            return int(
                connection.execute(
                    sa.select(sa.func.count())
                    .select_from(records)
                    .where(records.c.run_id == run_id, records.c.position == position)
                ).scalar()
                or 0
            )

    def has_failing_key(self, run_id: str, position: int, key: str) -> bool:
        records = schema.failing_records
        with self._read() as connection:
            found = connection.execute(
                sa.select(records.c.id)
                .where(
                    records.c.run_id == run_id,
                    records.c.position == position,
                    records.c.record_key == key,
                )
                .limit(1)
            ).first()
        return found is not None

    def rule_position(self, run_id: str, rule_id: str) -> int | None:
        """Where the rule with ``rule_id`` stood in a run's suite (None if it did not run)."""
        results = schema.rule_results
        with self._read() as connection:
            position = connection.execute(
                sa.select(results.c.position).where(
                    results.c.run_id == run_id, results.c.rule_id == rule_id
                )
            ).scalar()
        return None if position is None else int(position)

    def last_complete_starts(self, include_drafts: bool = False) -> dict[str, datetime]:
        """Start time of each suite's latest complete run (non-draft, unless asked)."""
        runs = schema.runs
        query = sa.select(runs.c.suite_name, sa.func.max(runs.c.started_at)).where(
            runs.c.status == RunStatus.COMPLETE
        )
        if not include_drafts:
            query = query.where(runs.c.draft.is_(False))
        with self._read() as connection:
            rows = connection.execute(query.group_by(runs.c.suite_name)).all()
        return {name: as_utc(started) for name, started in rows}


def _summary(row: Any) -> RunSummary:
    return RunSummary(
        run_id=row.run_id,
        batch_id=row.batch_id,
        suite_name=row.suite_name,
        suite_hash=row.suite_hash,
        system=row.system,
        dataset=row.dataset,
        status=run_status_of(row.status),
        outcome=outcome_of(row.outcome),
        draft=bool(row.draft),
        started_at=as_utc(row.started_at),
        ended_at=maybe_utc(row.ended_at),
        risk_score=row.risk_score,
        band=row.band,
        rule_library_version=row.rule_library_version,
    )


def _rule_result(row: Any) -> StoredRuleResult:
    return StoredRuleResult(
        position=int(row.position),
        rule_id=row.rule_id,
        expectation_type=row.expectation_type,
        kwargs=row.kwargs or {},
        dimension=row.dimension,
        likelihood=row.likelihood,
        impact=row.impact,
        success=row.success,
        unexpected_count=row.unexpected_count,
        element_count=row.element_count,
        unexpected_percent=row.unexpected_percent,
        observed_value=row.observed_value,
        error=row.error,
    )


def run_status_of(value: str) -> RunStatus:
    try:
        return RunStatus(value)
    except ValueError:
        raise EngineError(
            f"a stored run has status '{value}', which dqaudit does not know"
        ) from None


def outcome_of(value: str | None) -> Outcome | None:
    """A stored outcome; anything unknown reads as an error, never as a pass."""
    if value is None:
        return None
    try:
        return Outcome(value)
    except ValueError:
        return Outcome.ERROR


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
