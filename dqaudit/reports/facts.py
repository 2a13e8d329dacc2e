"""What the SIMB summary reads from the audit store: runs, rule counts and findings.

Only aggregate columns are selected. The ``failing_records`` table (record keys and
values) is never read, and neither are findings' free text or run error messages, so no
record content can reach a board paper through this module.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from dqaudit.reports.quality import RuleOutcome, is_warning, rows_checked
from dqaudit.store import schema
from dqaudit.store.database import AuditStore, as_utc

IN_CHUNK = 500  # ids per IN (...) list: well within every engine's parameter limit


@dataclass(frozen=True)
class RunFact:
    run_id: str
    batch_id: str
    suite_name: str
    system: str | None
    dataset: str | None
    status: str
    outcome: str | None
    draft: bool
    started_at: datetime
    band: str | None


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
    status: str
    due_date: date | None
    agreed_date: date | None
    first_seen: datetime

    @property
    def is_open(self) -> bool:
        return self.status not in schema.CLOSED_STATUSES

    @property
    def deadline(self) -> date | None:
        """The date the owner must act by: the agreed date, else the due date."""
        return self.agreed_date or self.due_date

    def overdue(self, today: date) -> bool:
        return self.is_open and self.deadline is not None and self.deadline < today


@contextmanager
def _reading(store: AuditStore) -> Iterator[sa.Connection]:
    """A read connection whose database errors name the store (never its password)."""
    try:
        with store.engine.connect() as connection:
            yield connection
    except SQLAlchemyError as exc:
        raise store.error(exc, "cannot read: ") from None


def _date(value: date | datetime | None) -> date | None:
    return value.date() if isinstance(value, datetime) else value


def load_runs(store: AuditStore) -> list[RunFact]:
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
    with _reading(store) as connection:
        rows = connection.execute(query).all()
    return [
        RunFact(
            run_id=row.run_id,
            batch_id=row.batch_id,
            suite_name=row.suite_name,
            system=row.system,
            dataset=row.dataset,
            status=row.status,
            outcome=row.outcome,
            draft=bool(row.draft),
            started_at=as_utc(row.started_at),
            band=row.band,
        )
        for row in rows
    ]


def load_outcomes(store: AuditStore, run_ids: Iterable[str]) -> dict[str, list[RuleOutcome]]:
    """Each run's rule outcomes: dimension, risk and counts; never keys or values.

    Only ``mostly`` is taken from a rule's settings (kwargs), to tell warnings apart."""
    results = schema.rule_results
    wanted = sorted(set(run_ids))
    found: dict[str, list[RuleOutcome]] = {run_id: [] for run_id in wanted}
    with _reading(store) as connection:
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
                found[row.run_id].append(
                    RuleOutcome(
                        dimension=row.dimension,
                        likelihood=row.likelihood,
                        impact=row.impact,
                        success=row.success,
                        unexpected=row.unexpected_count,
                        checked=rows_checked(
                            row.unexpected_count, row.element_count, row.unexpected_percent
                        ),
                        errored=bool(row.errored),
                        warning=is_warning(row.kwargs),
                    )
                )
    return found


def load_findings(store: AuditStore) -> list[FindingFact]:
    """Findings as the action-plan workflow keeps them (status, dates, owner, risk)."""
    table = schema.findings
    query = sa.select(
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
    with _reading(store) as connection:
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
            status=row.status,
            due_date=_date(row.due_date),
            agreed_date=_date(row.agreed_date),
            first_seen=as_utc(row.first_seen),
        )
        for row in rows
    ]
