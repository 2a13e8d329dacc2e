"""Purging failing-record details: which runs hold them, and deleting them with a digest."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from dqaudit.store import schema
from dqaudit.store.clock import as_utc
from dqaudit.store.repository import Repository

DIGEST_BATCH = 5_000


@dataclass(frozen=True)
class PurgeCandidate:
    run_id: str
    suite_name: str
    started_at: datetime
    records: int


class PurgeRepository(Repository):
    def candidates(self, cutoff: datetime) -> list[PurgeCandidate]:
        """Runs started before ``cutoff`` that still hold failing-record details."""
        runs, records = schema.runs, schema.failing_records
        query = (
            sa.select(runs.c.run_id, runs.c.suite_name, runs.c.started_at, sa.func.count())
            .join(records, records.c.run_id == runs.c.run_id)
            .where(runs.c.started_at < cutoff)
            .group_by(runs.c.run_id, runs.c.suite_name, runs.c.started_at)
            .order_by(runs.c.started_at)
        )
        with self._read() as connection:
            rows = connection.execute(query).all()
        return [PurgeCandidate(r[0], r[1], as_utc(r[2]), int(r[3])) for r in rows]

    def purge_run(self, run_id: str, records: int) -> str:
        """Digest a run's failing records, delete them, record the purge; the digest.

        Call it on a transaction that also writes the trail entry (see governance)."""
        digest = self.digest(run_id)
        with self._write() as connection:
            connection.execute(
                schema.failing_records.delete().where(schema.failing_records.c.run_id == run_id)
            )
            connection.execute(
                schema.record_purges.insert().values(
                    run_id=run_id,
                    purged_at=self._now(),
                    records_deleted=records,
                    records_sha256=digest,
                )
            )
        return digest

    def digest(self, run_id: str) -> str:
        """SHA-256 over a run's failing records in order (what a purge deletes)."""
        records = schema.failing_records
        digest = hashlib.sha256()
        with self._read() as connection:
            rows = connection.execution_options(yield_per=DIGEST_BATCH).execute(
                sa.select(
                    records.c.position, records.c.seq, records.c.record_key, records.c.record_values
                )
                .where(records.c.run_id == run_id)
                .order_by(records.c.position, records.c.seq)
            )
            for position, seq, key, values in rows:
                line = json.dumps([position, seq, key, values], sort_keys=True, default=str)
                digest.update(line.encode("utf-8") + b"\n")
        return digest.hexdigest()
