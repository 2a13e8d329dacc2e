"""What the SIMB summary reads: runs, rule counts and findings, aggregate columns only.

The ``failing_records`` table (record keys and values) is never read here, and neither
are findings' free text or run error messages, so no record content can reach a board
paper through this module.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from dqaudit.engine.results import Outcome
from dqaudit.store import schema
from dqaudit.store.clock import as_utc
from dqaudit.store.findings import finding_status
from dqaudit.store.repository import Repository
from dqaudit.store.runs import outcome_of, run_status_of
from dqaudit.store.statuses import FindingStatus, RunStatus

IN_CHUNK = 500  # ids per IN (...) list: well within every engine's parameter limit


@dataclass(frozen=True)
class RunFact:
    run_id: str
    batch_id: str
    suite_name: str
    system: str | None
    dataset: str | None
    status: RunStatus
    outcome: Outcome | None
    draft: bool
    started_at: datetime
    band: str | None


@dataclass(frozen=True)
class OutcomeFact:
    """One rule's outcome in one run: dimension, risk, counts and ``mostly``; no keys."""

    run_id: str
    dimension: str | None
    likelihood: int | None
    impact: int | None
    success: bool | None
    unexpected_count: int | None
    element_count: int | None
    unexpected_percent: float | None
    mostly: Any
    errored: bool


@dataclass(frozen=True)
class FindingFact:
    system: str
    suite_name: str
    owner_name: str | None
    owner_email: str | None
    likelihood: int | None
    impact: int | None
    risk_score: int | None
    band: str | None
    status: FindingStatus
    due_date: date | None
    agreed_date: date | None
    first_seen: datetime

    @property
    def is_open(self) -> bool:
        return not self.status.closed

    @property
    def deadline(self) -> date | None:
        """The date the owner must act by: the agreed date, else the due date."""
        return self.agreed_date or self.due_date

    def overdue(self, today: date) -> bool:
        return self.is_open and self.deadline is not None and self.deadline < today


class FactsRepository(Repository):
    def runs(self) -> list[RunFact]:
        """Every run's metadata (one row per suite run: small), oldest first."""
        runs, risk = schema.runs, schema.run_risk
        query = (
            sa.select(
                runs.c.run_id,
                runs.c.batch_id,
                runs.c.suite_name,
                runs.c.system,
                runs.c.dataset,
                runs.c.status,
                runs.c.outcome,
                runs.c.draft,
                runs.c.started_at,
                risk.c.band,
            )
            .outerjoin(risk, risk.c.run_id == runs.c.run_id)
            .order_by(runs.c.started_at, runs.c.run_id)
        )
        with self._read() as connection:
            rows = connection.execute(query).all()
        return [
            RunFact(
                run_id=row.run_id,
                batch_id=row.batch_id,
                suite_name=row.suite_name,
                system=row.system,
                dataset=row.dataset,
                status=run_status_of(row.status),
                outcome=outcome_of(row.outcome),
                draft=bool(row.draft),
                started_at=as_utc(row.started_at),
                band=row.band,
            )
            for row in rows
        ]

    def outcomes(self, run_ids: Iterable[str]) -> dict[str, list[OutcomeFact]]:
        """Each run's rule outcomes, in rule order. Only ``mostly`` is taken from a rule's
        settings (kwargs), to tell warnings apart."""
        results = schema.rule_results
        wanted = sorted(set(run_ids))
        found: dict[str, list[OutcomeFact]] = {run_id: [] for run_id in wanted}
        with self._read() as connection:
            for start in range(0, len(wanted), IN_CHUNK):
                rows = connection.execute(
                    sa.select(
                        results.c.run_id,
                        results.c.dimension,
                        results.c.likelihood,
                        results.c.impact,
                        results.c.success,
                        results.c.unexpected_count,
                        results.c.element_count,
                        results.c.unexpected_percent,
                        results.c.kwargs,
                        results.c.error.is_not(None).label("errored"),
                    )
                    .where(results.c.run_id.in_(wanted[start : start + IN_CHUNK]))
                    .order_by(results.c.run_id, results.c.position)
                )
                for row in rows:
                    kwargs = row.kwargs if isinstance(row.kwargs, dict) else {}
                    found[row.run_id].append(
                        OutcomeFact(
                            run_id=row.run_id,
                            dimension=row.dimension,
                            likelihood=row.likelihood,
                            impact=row.impact,
                            success=row.success,
                            unexpected_count=row.unexpected_count,
                            element_count=row.element_count,
                            unexpected_percent=row.unexpected_percent,
                            mostly=kwargs.get("mostly"),
                            errored=bool(row.errored),
                        )
                    )
        return found

    def findings(self) -> list[FindingFact]:
        """Findings as the action-plan workflow keeps them (status, dates, owner, risk)."""
        table = schema.findings
        query = sa.select(
            table.c.finding_id,
            table.c.system,
            table.c.suite_name,
            table.c.owner_name,
            table.c.owner_email,
            table.c.likelihood,
            table.c.impact,
            table.c.risk_score,
            table.c.band,
            table.c.status,
            table.c.due_date,
            table.c.agreed_date,
            table.c.first_seen,
        ).order_by(table.c.finding_id)
        with self._read() as connection:
            rows = connection.execute(query).all()
        return [
            FindingFact(
                system=row.system,
                suite_name=row.suite_name,
                owner_name=row.owner_name,
                owner_email=row.owner_email,
                likelihood=row.likelihood,
                impact=row.impact,
                risk_score=row.risk_score,
                band=row.band,
                status=finding_status(row.status, row.finding_id),
                due_date=_date(row.due_date),
                agreed_date=_date(row.agreed_date),
                first_seen=as_utc(row.first_seen),
            )
            for row in rows
        ]


def _date(value: date | datetime | None) -> date | None:
    return value.date() if isinstance(value, datetime) else value
