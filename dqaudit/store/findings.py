"""Stored findings: one per failing expectation per system, kept across runs.

The workflow (what a run or an owner's edit does to a finding) lives in
``dqaudit.actions``; this module only reads and writes the rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from dqaudit.errors import EngineError
from dqaudit.store import schema
from dqaudit.store.clock import as_utc, maybe_utc
from dqaudit.store.repository import Repository, inserted_id
from dqaudit.store.statuses import ExceptionStatus, FindingStatus

# Columns a caller may set; the id is the store's to give.
WRITABLE = frozenset(c.name for c in schema.findings.columns) - {"finding_id"}
IN_CHUNK = 500


@dataclass(frozen=True)
class Finding:
    finding_id: int
    system: str
    dataset: str
    suite_name: str
    rule_id: str
    owner_name: str | None
    owner_email: str | None
    expectation_type: str
    kwargs: dict[str, Any] | None
    description: str
    dimension: str | None
    likelihood: int | None
    impact: int | None
    risk_score: int | None
    band: str | None
    remediation: str | None
    first_seen: datetime
    last_seen: datetime
    first_run_id: str | None
    last_run_id: str | None
    last_checked_run_id: str | None
    last_checked_at: datetime | None
    failing_count: int | None
    failing_percent: float | None
    previous_failing_count: int | None
    excepted_count: int | None
    status: FindingStatus
    due_date: date | None
    agreed_action: str | None
    agreed_date: date | None
    owner_comment: str | None
    not_accepted_reason: str | None
    updated_at: datetime
    rule_library_version: str | None
    status_reason: str | None


class FindingRepository(Repository):
    def find(self, system: str, dataset: str, suite_name: str, rule_id: str) -> Finding | None:
        """The finding of one rule of one suite on one dataset, if there is one."""
        findings = schema.findings
        with self._read() as connection:
            row = connection.execute(
                sa.select(findings).where(
                    findings.c.system == system,
                    findings.c.dataset == dataset,
                    findings.c.suite_name == suite_name,
                    findings.c.rule_id == rule_id,
                )
            ).first()
        return _finding(row) if row else None

    def get(self, finding_id: int) -> Finding | None:
        return self.get_many([finding_id]).get(finding_id)

    def get_many(self, ids: Iterable[int]) -> dict[int, Finding]:
        wanted = sorted(set(ids))
        found: dict[int, Finding] = {}
        findings = schema.findings
        with self._read() as connection:
            for start in range(0, len(wanted), IN_CHUNK):
                chunk = wanted[start : start + IN_CHUNK]
                for row in connection.execute(
                    sa.select(findings).where(findings.c.finding_id.in_(chunk))
                ):
                    found[int(row.finding_id)] = _finding(row)
        return found

    def ranked(self, *, owner: str | None = None, system: str | None = None) -> list[Finding]:
        """Findings by risk, highest first (optionally one owner's or one system's)."""
        findings = schema.findings
        query = sa.select(findings).order_by(
            sa.func.coalesce(findings.c.risk_score, 0).desc(), findings.c.finding_id
        )
        if owner:
            query = query.where(sa.func.lower(findings.c.owner_email) == owner.lower())
        if system:
            query = query.where(findings.c.system == system)
        with self._read() as connection:
            return [_finding(row) for row in connection.execute(query)]

    def create(self, values: Mapping[str, Any]) -> int:
        """Insert a finding; returns its id."""
        _check_columns(values)
        with self._write() as connection:
            inserted = connection.execute(schema.findings.insert().values(**values))
            return inserted_id(inserted)

    def update(self, finding_id: int, changes: Mapping[str, Any]) -> None:
        _check_columns(changes)
        if not changes:
            return
        with self._write() as connection:
            connection.execute(
                schema.findings.update()
                .where(schema.findings.c.finding_id == finding_id)
                .values(**changes)
            )

    def observe(
        self,
        finding_id: int,
        run_id: str,
        *,
        observed_at: datetime,
        passed: bool,
        failing_count: int | None,
        failing_percent: float | None,
        excepted_count: int | None,
    ) -> None:
        """What one run saw of a finding (its trend)."""
        with self._write() as connection:
            connection.execute(
                schema.finding_observations.insert().values(
                    finding_id=finding_id,
                    run_id=run_id,
                    observed_at=observed_at,
                    passed=passed,
                    failing_count=failing_count,
                    failing_percent=failing_percent,
                    excepted_count=excepted_count,
                )
            )

    def observation_count(self, finding_id: int | None = None) -> int:
        observations = schema.finding_observations
        query = sa.select(sa.func.count()).select_from(observations)
        if finding_id is not None:
            query = query.where(observations.c.finding_id == finding_id)
        with self._read() as connection:
            return int(connection.execute(query).scalar() or 0)

    def excepted_count(self, finding_id: int, run_id: str, position: int, today: date) -> int:
        """Failing records of this run covered by an approved exception still in force."""
        exceptions, records = schema.record_exceptions, schema.failing_records
        keys = (
            sa.select(exceptions.c.record_key)
            .where(
                exceptions.c.finding_id == finding_id,
                exceptions.c.status == ExceptionStatus.APPROVED,
                sa.or_(exceptions.c.expires_on.is_(None), exceptions.c.expires_on >= today),
            )
            .scalar_subquery()
        )
        with self._read() as connection:
            return int(
                connection.execute(
                    sa.select(sa.func.count())
                    .select_from(records)
                    .where(
                        records.c.run_id == run_id,
                        records.c.position == position,
                        records.c.record_key.in_(keys),
                    )
                ).scalar()
                or 0
            )


def _check_columns(values: Mapping[str, Any]) -> None:
    unknown = sorted(set(values) - WRITABLE)
    if unknown:
        raise ValueError(f"findings have no field(s) {', '.join(unknown)}")


def finding_status(value: str, finding_id: Any = None) -> FindingStatus:
    try:
        return FindingStatus(value)
    except ValueError:
        raise EngineError(
            f"finding {finding_id} has status '{value}' in the store, which is not one of "
            f"{', '.join(FindingStatus)}"
        ) from None


def _finding(row: Any) -> Finding:
    return Finding(
        finding_id=int(row.finding_id),
        system=row.system,
        dataset=row.dataset,
        suite_name=row.suite_name,
        rule_id=row.rule_id,
        owner_name=row.owner_name,
        owner_email=row.owner_email,
        expectation_type=row.expectation_type,
        kwargs=row.kwargs,
        description=row.description,
        dimension=row.dimension,
        likelihood=row.likelihood,
        impact=row.impact,
        risk_score=row.risk_score,
        band=row.band,
        remediation=row.remediation,
        first_seen=as_utc(row.first_seen),
        last_seen=as_utc(row.last_seen),
        first_run_id=row.first_run_id,
        last_run_id=row.last_run_id,
        last_checked_run_id=row.last_checked_run_id,
        last_checked_at=maybe_utc(row.last_checked_at),
        failing_count=row.failing_count,
        failing_percent=row.failing_percent,
        previous_failing_count=row.previous_failing_count,
        excepted_count=row.excepted_count,
        status=finding_status(row.status, row.finding_id),
        due_date=_date(row.due_date),
        agreed_action=row.agreed_action,
        agreed_date=_date(row.agreed_date),
        owner_comment=row.owner_comment,
        not_accepted_reason=row.not_accepted_reason,
        updated_at=as_utc(row.updated_at),
        rule_library_version=row.rule_library_version,
        status_reason=row.status_reason,
    )


def _date(value: date | datetime | None) -> date | None:
    return value.date() if isinstance(value, datetime) else value
