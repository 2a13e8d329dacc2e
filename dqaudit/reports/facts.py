"""What the SIMB summary reads from the audit store: runs, rule counts and findings.

Everything comes through the store's ``facts`` repository, which selects aggregate
columns only: record keys and values, findings' free text and run error messages are
never read, so no record content can reach a board paper through this module.
"""

from __future__ import annotations

from collections.abc import Iterable

from dqaudit.reports.quality import RuleOutcome, is_warning, rows_checked
from dqaudit.store import AuditStore, FindingFact, RunFact

__all__ = ["FindingFact", "RunFact", "load_findings", "load_outcomes", "load_runs"]


def load_runs(store: AuditStore) -> list[RunFact]:
    """Every run's metadata (one row per suite run: small), oldest first."""
    return store.facts.runs()


def load_outcomes(store: AuditStore, run_ids: Iterable[str]) -> dict[str, list[RuleOutcome]]:
    """Each run's rule outcomes: dimension, risk and counts; never keys or values."""
    return {
        run_id: [
            RuleOutcome(
                dimension=fact.dimension,
                likelihood=fact.likelihood,
                impact=fact.impact,
                success=fact.success,
                unexpected=fact.unexpected_count,
                checked=rows_checked(
                    fact.unexpected_count, fact.element_count, fact.unexpected_percent
                ),
                errored=fact.errored,
                warning=is_warning({"mostly": fact.mostly}),
            )
            for fact in facts
        ]
        for run_id, facts in store.facts.outcomes(run_ids).items()
    }


def load_findings(store: AuditStore) -> list[FindingFact]:
    """Findings as the action-plan workflow keeps them (status, dates, owner, risk)."""
    return store.facts.findings()
