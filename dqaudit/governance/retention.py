"""Retention of failing-record details: personal data about people in police records.

``purge`` removes the keys and values of failing records of runs older than the
retention period, and keeps each run's counts, outcomes and hashes, so trends and the
trail stay whole. The deleted details are digested (SHA-256) before they go, and every
purge is recorded in the trail.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from dqaudit.errors import InputError
from dqaudit.governance import trail
from dqaudit.store import schema
from dqaudit.store.database import AuditStore, as_utc

MAX_DAYS = 36_500  # a century: anything larger is a typo


@dataclass(frozen=True)
class PurgeCandidate:
    run_id: str
    suite_name: str
    started_at: datetime
    records: int


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
    runs, records = schema.runs, schema.failing_records
    query = (
        sa.select(runs.c.run_id, runs.c.suite_name, runs.c.started_at, sa.func.count())
        .join(records, records.c.run_id == runs.c.run_id)
        .where(runs.c.started_at < cutoff)
        .group_by(runs.c.run_id, runs.c.suite_name, runs.c.started_at)
        .order_by(runs.c.started_at)
    )
    with store.engine.connect() as connection:
        rows = connection.execute(query).all()
    return [PurgeCandidate(r[0], r[1], as_utc(r[2]), int(r[3])) for r in rows]


def purge(store: AuditStore, older_than_days: int, *, dry_run: bool = False) -> PurgeResult:
    """Remove record details of runs older than ``older_than_days``; recorded in the trail."""
    if not 1 <= older_than_days <= MAX_DAYS:
        raise InputError(f"--older-than must be from 1 to {MAX_DAYS} days, not {older_than_days}")
    cutoff = datetime.now(UTC) - timedelta(days=older_than_days)
    found = candidates(store, cutoff)
    if dry_run or not found:
        return PurgeResult(cutoff, found, dry_run)

    def write(connection: sa.Connection) -> dict[str, Any]:
        digests = {}
        for run in found:
            digest = _digest(connection, run.run_id)
            connection.execute(
                schema.failing_records.delete().where(schema.failing_records.c.run_id == run.run_id)
            )
            connection.execute(
                schema.record_purges.insert().values(
                    run_id=run.run_id,
                    purged_at=datetime.now(UTC),
                    records_deleted=run.records,
                    records_sha256=digest,
                )
            )
            digests[run.run_id] = {"records": run.records, "sha256": digest}
        return {"older_than_days": older_than_days, "cutoff": cutoff.isoformat(), "runs": digests}

    trail.write_with_entry(store, "purge", f"{len(found)} run(s)", write)
    return PurgeResult(cutoff, found, dry_run)


def _digest(connection: sa.Connection, run_id: str) -> str:
    records = schema.failing_records
    digest = hashlib.sha256()
    rows = connection.execution_options(yield_per=5_000).execute(
        sa.select(records.c.position, records.c.seq, records.c.record_key, records.c.record_values)
        .where(records.c.run_id == run_id)
        .order_by(records.c.position, records.c.seq)
    )
    for position, seq, key, values in rows:
        line = json.dumps([position, seq, key, values], sort_keys=True, default=str)
        digest.update(line.encode("utf-8") + b"\n")
    return digest.hexdigest()
