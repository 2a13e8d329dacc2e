"""Writing a run: started as ``running``, filled in as the audit goes, finished once.

A run is written under status ``running`` (failing records in batches, so a long key
stream never holds the write lock for long) and marked ``complete`` only at the end, so a
reader never sees half a run as if it were whole. A run whose process died is found by
the next command, marked ``interrupted``, and the interruption is written to the trail.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from dqaudit.engine.results import Outcome
from dqaudit.store import schema
from dqaudit.store.bulk import insert_failing_records
from dqaudit.store.clock import as_utc
from dqaudit.store.provenance import host_name, os_user, process_alive
from dqaudit.store.repository import Repository
from dqaudit.store.statuses import RunStatus
from dqaudit.version import __version__

if TYPE_CHECKING:
    from dqaudit.connectors.base import BadRow, Extract, Fingerprint
    from dqaudit.engine.results import RuleResult, SuiteResult
    from dqaudit.expectations.suite_model import Suite

# One failing record as the engine hands it over: (key, values read) or, where keys are
# identified per record, (key, values read, key source: "column" or "line").
FailingRecordInput = tuple[str, dict[str, Any]] | tuple[str, dict[str, Any], str]

RECORD_BATCH = 50_000
STALE_AFTER = timedelta(hours=12)
INTERRUPTED_BY_CRASH = "the process running it stopped"


@dataclass(frozen=True)
class StaleRun:
    """A run that never finished: its process died, or it has run implausibly long."""

    run_id: str
    suite_name: str
    started_at: datetime
    status: RunStatus


class RunWriter(Repository):
    """The write side of runs; the store exposes each method under the same name."""

    def start_run(
        self,
        suite: Suite,
        batch_id: str,
        *,
        system: str | None = None,
        dataset: str | None = None,
        draft: bool = False,
        rule_library_version: str | None = None,
    ) -> str:
        from dqaudit.expectations.gx_adapter import gx_version

        run_id = uuid.uuid4().hex
        with self._write() as connection:
            connection.execute(
                schema.runs.insert().values(
                    run_id=run_id,
                    batch_id=batch_id,
                    suite_name=suite.name,
                    suite_hash=suite.hash,
                    suite_path=str(suite.path) if suite.path else None,
                    system=system or suite.system,
                    dataset=dataset or suite.dataset,
                    status=RunStatus.RUNNING,
                    draft=draft,
                    started_at=self._now(),
                    os_user=os_user(),
                    host=host_name(),
                    pid=os.getpid(),
                    dqaudit_version=__version__,
                    gx_version=gx_version(),
                    rule_library_version=rule_library_version,
                )
            )
        return run_id

    def record_extract(
        self,
        run_id: str,
        fingerprint: Fingerprint,
        key_columns: Sequence[str],
        key_source: str | None,
        warnings: Sequence[str],
    ) -> None:
        """What was audited: the extract's fingerprint, its key and the run's warnings."""
        with self._write() as connection:
            connection.execute(
                schema.runs.update()
                .where(schema.runs.c.run_id == run_id)
                .values(
                    source=fingerprint.source,
                    source_sha256=fingerprint.sha256,
                    row_count=fingerprint.rows,
                    columns=list(fingerprint.columns),
                    extracted_at=fingerprint.extracted_at,
                    key_columns=list(key_columns),
                    key_source=key_source,
                    warnings=list(warnings),
                )
            )

    def record_rule_outcomes(
        self, run_id: str, suite: Suite | None, results: Sequence[RuleResult]
    ) -> None:
        """Each rule's outcome, counts, percent, observed value and error (no keys)."""
        rows = []
        for result in results:
            rule = result.rule
            likelihood, impact = suite.effective_risk(rule) if suite else (None, None)
            rows.append(
                {
                    "run_id": run_id,
                    "position": rule.position,
                    "rule_id": rule.rule_id,
                    "expectation_type": rule.expectation_type,
                    "kwargs": rule.kwargs,
                    "dimension": rule.dimension,
                    "likelihood": likelihood,
                    "impact": impact,
                    "success": result.success,
                    "unexpected_count": result.unexpected_count,
                    "element_count": result.element_count,
                    "unexpected_percent": result.unexpected_percent,
                    "observed_value": _jsonable(result.observed_value),
                    "error": result.error,
                }
            )
        if rows:
            with self._write() as connection:
                connection.execute(schema.rule_results.insert(), rows)

    def add_failing_records(
        self, run_id: str, position: int, first_seq: int, records: Sequence[FailingRecordInput]
    ) -> None:
        """One batch of a rule's failing records, in one transaction (streamed by the engine)."""
        if not records:
            return
        with self._write() as connection:
            insert_failing_records(connection, run_id, position, first_seq, records)

    def record_bad_rows(self, run_id: str, bad_rows: Sequence[BadRow], action: str) -> None:
        """Records the extract left out: line and reason, never their contents."""
        for start in range(0, len(bad_rows), RECORD_BATCH):
            batch = [
                {
                    "run_id": run_id,
                    "seq": start + offset,
                    "line": row.line,
                    "reason": row.reason,
                    "action": action,
                }
                for offset, row in enumerate(bad_rows[start : start + RECORD_BATCH])
            ]
            with self._write() as connection:
                connection.execute(schema.bad_rows.insert(), batch)

    def record_risk(self, run_id: str, score: int | None, band: str | None) -> None:
        """The suite's risk score and band when it ran, for listings and reports."""
        with self._write() as connection:
            connection.execute(
                schema.run_risk.insert().values(run_id=run_id, risk_score=score, band=band)
            )

    def finish_run(
        self,
        run_id: str,
        status: RunStatus | str,
        outcome: Outcome | str | None,
        error: str | None = None,
    ) -> None:
        status = RunStatus(status)
        outcome = None if outcome is None else Outcome(outcome)
        with self._write() as connection:
            connection.execute(
                schema.runs.update()
                .where(schema.runs.c.run_id == run_id)
                .values(status=status, outcome=outcome, error=error, ended_at=self._now())
            )

    def record_results(self, run_id: str, extract: Extract, result: SuiteResult) -> None:
        """A finished engine result: what was audited, each rule's outcome and the bad rows.
        The failing records were streamed in by ``add_failing_records`` as the rules ran."""
        self.record_extract(
            run_id, extract.fingerprint, result.key_columns, result.key_source, result.warnings
        )
        self.record_rule_outcomes(run_id, result.suite, result.results)
        bad_rows = list(getattr(result, "bad_rows", None) or [])
        self.record_bad_rows(run_id, bad_rows, result.bad_row_action)

    def find_stale_runs(self) -> list[StaleRun]:
        """Runs left ``running``: mark those whose process is gone as ``interrupted``, and
        record that in the trail (in the same transaction), as a SIGTERM'd run records it."""
        host = host_name()
        stale: list[StaleRun] = []
        runs = schema.runs
        with self._read() as connection:
            rows = connection.execute(
                sa.select(runs).where(runs.c.status == RunStatus.RUNNING)
            ).all()
        for row in rows:
            started = as_utc(row.started_at)
            dead = row.host == host and row.pid is not None and not process_alive(row.pid)
            if dead:
                if self._mark_interrupted(row):
                    stale.append(
                        StaleRun(row.run_id, row.suite_name, started, RunStatus.INTERRUPTED)
                    )
            elif self._now() - started > STALE_AFTER:
                stale.append(StaleRun(row.run_id, row.suite_name, started, RunStatus.RUNNING))
        return stale

    def _mark_interrupted(self, row: Any) -> bool:
        """One transaction: the run becomes interrupted and the trail says so (both or
        neither); False when another command marked it first."""
        runs = schema.runs
        marked = False

        def write(tx: Any) -> dict[str, Any]:
            nonlocal marked
            with tx.writing() as connection:
                marked = (
                    connection.execute(
                        runs.update()
                        .where(runs.c.run_id == row.run_id, runs.c.status == RunStatus.RUNNING)
                        .values(
                            status=RunStatus.INTERRUPTED,
                            error=INTERRUPTED_BY_CRASH,
                            ended_at=self._now(),
                        )
                    ).rowcount
                    == 1
                )
            if not marked:
                raise _AlreadyMarked
            return {
                "run_id": row.run_id,
                "suite_hash": row.suite_hash,
                "status": RunStatus.INTERRUPTED.value,
                "outcome": None,
                "draft": bool(row.draft),
                "found_after_crash": True,
                "pid": row.pid,
                "host": row.host,
            }

        try:
            self._store.trail.write_with_entry("run", row.suite_name, write)
        except _AlreadyMarked:
            return False
        return marked


class _AlreadyMarked(Exception):
    """Another command marked the run first: nothing to write (rolls the transaction back)."""


def _jsonable(value: Any) -> Any:
    try:
        json.dumps(value)
        return value
    except (TypeError, ValueError):
        return json.loads(json.dumps(value, default=str))
