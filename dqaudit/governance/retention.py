"""Retention of failing-record details: personal data about people in police records.

``purge`` removes the keys and values of failing records of runs older than the
retention period, and keeps each run's counts, outcomes and hashes, so trends and the
trail stay whole. The deleted details are digested (SHA-256) before they go, and every
purge is recorded in the trail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from dqaudit.errors import FieldError
from dqaudit.store import AuditStore, PurgeCandidate, StoreTransaction

MAX_DAYS = 36_500  # a century: anything larger is a typo


@dataclass(frozen=True)
class PurgeResult:
    cutoff: datetime
    runs: list[PurgeCandidate]
    dry_run: bool

    @property
    def records(self) -> int:
        return sum(run.records for run in self.runs)


def candidates(store: AuditStore, cutoff: datetime) -> list[PurgeCandidate]:
    """Runs started before ``cutoff`` that still hold failing-record details."""
    return store.purges.candidates(cutoff)


def purge(store: AuditStore, older_than_days: int, *, dry_run: bool = False) -> PurgeResult:
    """Remove record details of runs older than ``older_than_days``; recorded in the trail."""
    if not 1 <= older_than_days <= MAX_DAYS:
        raise FieldError(
            f"{{older_than}} must be from 1 to {MAX_DAYS} days, not {older_than_days}",
            "older_than",
        )
    cutoff = store.clock() - timedelta(days=older_than_days)
    found = candidates(store, cutoff)
    if dry_run or not found:
        return PurgeResult(cutoff, found, dry_run)

    def write(tx: StoreTransaction) -> dict[str, Any]:
        digests = {}
        for run in found:
            digest = tx.purges.purge_run(run.run_id, run.records)
            digests[run.run_id] = {"records": run.records, "sha256": digest}
        return {"older_than_days": older_than_days, "cutoff": cutoff.isoformat(), "runs": digests}

    store.trail.write_with_entry("purge", f"{len(found)} run(s)", write)
    return PurgeResult(cutoff, found, dry_run)
