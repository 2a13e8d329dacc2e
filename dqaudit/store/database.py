"""The audit store: every run, every rule outcome and every failing record key.

A run is written under status ``running`` in batches (so a long key stream never holds
the write lock for long) and marked ``complete`` only at the end, so a reader never sees
half a run as if it were whole. A run whose process died is found by the next command
and marked ``interrupted``.
"""

from __future__ import annotations

import getpass
import os
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, NoSuchModuleError, SQLAlchemyError

import dqaudit
from dqaudit.credentials import safe_url, scrub, url_password
from dqaudit.errors import EngineError, InputError
from dqaudit.store import schema

if TYPE_CHECKING:
    from dqaudit.connectors.base import Extract
    from dqaudit.engine.results import SuiteResult
    from dqaudit.expectations.suite import Suite


class RunStatus(StrEnum):
    """Where a stored run is: written under RUNNING, then exactly one of the others."""

    RUNNING = "running"
    COMPLETE = "complete"
    INTERRUPTED = "interrupted"
    ERROR = "error"


RUNNING, COMPLETE, INTERRUPTED, ERROR = (
    RunStatus.RUNNING,
    RunStatus.COMPLETE,
    RunStatus.INTERRUPTED,
    RunStatus.ERROR,
)
RECORD_BATCH = 5_000
STALE_AFTER = timedelta(hours=12)


@dataclass(frozen=True)
class StaleRun:
    """A run that never finished: its process died, or it has run implausibly long."""

    run_id: str
    suite_name: str
    started_at: datetime
    status: str


class AuditStore:
    """Read and write audit runs; created and migrated on first use."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.display_url = safe_url(url)
        self.engine = self._connect(url)
        self._migrate()

    def _connect(self, url: str) -> Engine:
        try:
            parsed = make_url(url)
        except (ArgumentError, ValueError):
            raise InputError(f"store: '{self.display_url}' is not a database URL") from None
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            folder = Path(parsed.database).parent
            if not folder.is_dir():
                raise InputError(f"store: folder {folder} does not exist ({self.display_url})")
        try:
            engine = sa.create_engine(parsed)
        except NoSuchModuleError:
            raise InputError(f"store: unsupported database URL {self.display_url}") from None
        except ImportError as exc:
            raise EngineError(
                f"store: the database driver for {self.display_url} is not installed ({exc.name})"
            ) from None
        if engine.dialect.name == "sqlite":
            sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine

    def _migrate(self) -> None:
        """Apply missing migrations; a process racing another one retries after it."""
        for attempt in range(5):
            try:
                self._apply_migrations()
                return
            except SQLAlchemyError as exc:
                text = str(exc).lower()
                racing = (
                    isinstance(exc, IntegrityError) or "already exists" in text or "locked" in text
                )
                if attempt == 4 or not racing:
                    raise self.error(exc, "cannot open: ") from None
                time.sleep(0.2 * (attempt + 1))

    def _apply_migrations(self) -> None:
        with self.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(sa.text("SELECT pg_advisory_xact_lock(4242001)"))
            schema.metadata.create_all(connection, tables=[schema.schema_versions])
            applied = set(connection.execute(sa.select(schema.schema_versions.c.version)).scalars())
            newest = max(applied, default=0)
            if newest > schema.LATEST_VERSION:
                raise EngineError(
                    f"store {self.display_url} has schema version {newest}, newer than "
                    f"this dqaudit ({schema.LATEST_VERSION}); upgrade dqaudit"
                )
            for version, migrate in sorted(schema.MIGRATIONS, key=lambda m: m[0]):
                if version not in applied:
                    migrate(connection)
                    connection.execute(
                        schema.schema_versions.insert().values(version=version, applied_at=_now())
                    )

    def schema_version(self) -> int:
        with self.engine.connect() as connection:
            return int(
                connection.execute(
                    sa.select(sa.func.max(schema.schema_versions.c.version))
                ).scalar()
            )

    # --- writing a run -------------------------------------------------------------------

    def start_run(
        self,
        suite: Suite,
        batch_id: str,
        *,
        system: str | None = None,
        dataset: str | None = None,
        draft: bool = False,
    ) -> str:
        """Record a run as ``running`` and return its id."""
        from uuid import uuid4

        from dqaudit.expectations.gx_adapter import gx_version

        run_id = uuid4().hex
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
                    status=RUNNING,
                    draft=draft,
                    started_at=_now(),
                    os_user=os_user(),
                    host=socket.gethostname(),
                    pid=os.getpid(),
                    dqaudit_version=dqaudit.__version__,
                    gx_version=gx_version(),
                )
            )
        return run_id

    def record_results(self, run_id: str, extract: Extract, result: SuiteResult) -> None:
        """Store the extract's fingerprint and each rule's outcome (failing records were
        streamed in by ``add_failing_records`` while the rules ran)."""
        fingerprint = extract.fingerprint
        with self._write() as connection:
            connection.execute(
                schema.runs.update()
                .where(schema.runs.c.run_id == run_id)
                .values(
                    source=fingerprint.source,
                    source_sha256=fingerprint.sha256,
                    row_count=fingerprint.rows,
                    columns=fingerprint.columns,
                    extracted_at=fingerprint.extracted_at,
                    key_columns=result.key_columns,
                    key_source=result.key_source,
                    warnings=result.warnings,
                )
            )
            for rule_result in result.results:
                rule = rule_result.rule
                likelihood, impact = (
                    result.suite.effective_risk(rule) if result.suite else (None, None)
                )
                connection.execute(
                    schema.rule_results.insert().values(
                        run_id=run_id,
                        position=rule.position,
                        rule_id=rule.rule_id,
                        expectation_type=rule.expectation_type,
                        kwargs=rule.kwargs,
                        dimension=rule.dimension,
                        likelihood=likelihood,
                        impact=impact,
                        success=rule_result.success,
                        unexpected_count=rule_result.unexpected_count,
                        element_count=rule_result.element_count,
                        unexpected_percent=rule_result.unexpected_percent,
                        observed_value=_jsonable(rule_result.observed_value),
                        error=rule_result.error,
                    )
                )
        self._record_bad_rows(run_id, result)

    def add_failing_records(
        self, run_id: str, position: int, first_seq: int, records: list[tuple[str, Any]]
    ) -> None:
        """One batch of a rule's failing records (key, values read), streamed by pushdown."""
        if not records:
            return
        rows = [
            {
                "run_id": run_id,
                "position": position,
                "seq": first_seq + offset,
                "record_key": record_key,
                "record_values": values,
            }
            for offset, (record_key, values) in enumerate(records)
        ]
        with self._write() as connection:
            connection.execute(schema.failing_records.insert(), rows)

    def _record_bad_rows(self, run_id: str, result: SuiteResult) -> None:
        rows = getattr(result, "bad_rows", None) or []
        action = getattr(result, "bad_row_action", "skipped")
        for start in range(0, len(rows), RECORD_BATCH):
            batch = [
                {
                    "run_id": run_id,
                    "seq": start + offset,
                    "line": row.line,
                    "reason": row.reason,
                    "action": action,
                }
                for offset, row in enumerate(rows[start : start + RECORD_BATCH])
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
        self, run_id: str, status: str, outcome: str | None, error: str | None = None
    ) -> None:
        with self._write() as connection:
            connection.execute(
                schema.runs.update()
                .where(schema.runs.c.run_id == run_id)
                .values(status=status, outcome=outcome, error=error, ended_at=_now())
            )

    # --- reading -------------------------------------------------------------------------

    def list_runs(self, limit: int = 50, suite: str | None = None) -> list[dict[str, Any]]:
        query = (
            sa.select(schema.runs, schema.run_risk.c.risk_score, schema.run_risk.c.band)
            .outerjoin(schema.run_risk, schema.run_risk.c.run_id == schema.runs.c.run_id)
            .order_by(schema.runs.c.started_at.desc())
            .limit(limit)
        )
        if suite:
            query = query.where(schema.runs.c.suite_name == suite)
        with self._read() as connection:
            return [dict(row._mapping) for row in connection.execute(query)]

    def get_run(self, run_id: str, with_keys: bool = True) -> dict[str, Any]:
        """A run with its rule results and (unless ``with_keys`` is false: they may be
        millions) its failing keys; a unique prefix of the id works."""
        if len(run_id) < 4:
            raise InputError(f"run id '{run_id}' is too short: give at least 4 characters")
        with self._read() as connection:
            matches = connection.execute(
                sa.select(schema.runs).where(
                    schema.runs.c.run_id.like(f"{_escape_like(run_id)}%", escape="\\")
                )
            ).all()
            if not matches:
                raise InputError(f"no run with id '{run_id}' in the store {self.display_url}")
            if len(matches) > 1:
                raise InputError(
                    f"run id '{run_id}' is ambiguous: {len(matches)} runs start with it"
                )
            run = dict(matches[0]._mapping)
            risk = connection.execute(
                sa.select(schema.run_risk).where(schema.run_risk.c.run_id == run["run_id"])
            ).first()
            run["risk_score"], run["band"] = (risk.risk_score, risk.band) if risk else (None, None)
            purge = connection.execute(
                sa.select(schema.record_purges).where(
                    schema.record_purges.c.run_id == run["run_id"]
                )
            ).first()
            run["details_purged_at"] = purge.purged_at if purge else None
            rules = [
                dict(row._mapping)
                for row in connection.execute(
                    sa.select(schema.rule_results)
                    .where(schema.rule_results.c.run_id == run["run_id"])
                    .order_by(schema.rule_results.c.position)
                )
            ]
            keys: dict[int, list[str]] = {}
            if with_keys:
                records = connection.execute(
                    sa.select(
                        schema.failing_records.c.position, schema.failing_records.c.record_key
                    )
                    .where(schema.failing_records.c.run_id == run["run_id"])
                    .order_by(schema.failing_records.c.position, schema.failing_records.c.seq)
                )
                for position, record_key in records:
                    keys.setdefault(position, []).append(record_key)
        run["rules"] = rules
        run["failing_keys"] = keys
        run["bad_rows"] = self._bad_rows(run["run_id"])
        return run

    def _bad_rows(self, run_id: str) -> list[dict[str, Any]]:
        with self._read() as connection:
            rows = connection.execute(
                sa.select(
                    schema.bad_rows.c.line, schema.bad_rows.c.reason, schema.bad_rows.c.action
                )
                .where(schema.bad_rows.c.run_id == run_id)
                .order_by(schema.bad_rows.c.seq)
            )
            return [dict(row._mapping) for row in rows]

    def failing_records(self, run_id: str, position: int) -> Iterator[tuple[str, dict[str, Any]]]:
        """Stream one rule's failing records (key and the values the rule read), in order."""
        with self._read() as connection:
            rows = connection.execution_options(yield_per=RECORD_BATCH).execute(
                sa.select(
                    schema.failing_records.c.record_key, schema.failing_records.c.record_values
                )
                .where(
                    schema.failing_records.c.run_id == run_id,
                    schema.failing_records.c.position == position,
                )
                .order_by(schema.failing_records.c.seq)
            )
            for record_key, values in rows:
                yield record_key, values or {}

    def find_stale_runs(self) -> list[StaleRun]:
        """Runs left ``running``: mark those whose process is gone as ``interrupted``."""
        host = socket.gethostname()
        stale: list[StaleRun] = []
        with self._read() as connection:
            rows = connection.execute(
                sa.select(schema.runs).where(schema.runs.c.status == RUNNING)
            ).all()
        for row in rows:
            started = as_utc(row.started_at)
            dead = row.host == host and row.pid is not None and not process_alive(row.pid)
            if dead:
                with self._write() as connection:
                    connection.execute(
                        schema.runs.update()
                        .where(schema.runs.c.run_id == row.run_id, schema.runs.c.status == RUNNING)
                        .values(status=INTERRUPTED, error="the process running it stopped")
                    )
                stale.append(StaleRun(row.run_id, row.suite_name, started, INTERRUPTED))
            elif _now() - started > STALE_AFTER:
                stale.append(StaleRun(row.run_id, row.suite_name, started, RUNNING))
        return stale

    # --- connections ---------------------------------------------------------------------

    def _write(self) -> Any:
        return _guarded(self.engine.begin(), self)

    def _read(self) -> Any:
        return _guarded(self.engine.connect(), self)

    def error(self, exc: SQLAlchemyError, doing: str = "") -> EngineError:
        """An EngineError naming the store; the password is scrubbed from the driver's text."""
        reason = scrub(_reason(exc), url_password(self.url))
        return EngineError(f"audit store {self.display_url}: {doing}{reason}")

    def close(self) -> None:
        self.engine.dispose()


class _guarded:
    """Turn database errors into EngineErrors that name the store but not its password."""

    def __init__(self, context: Any, store: AuditStore) -> None:
        self._context = context
        self._store = store

    def __enter__(self) -> Connection:
        try:
            return self._context.__enter__()
        except SQLAlchemyError as exc:
            raise self._store.error(exc) from None

    def __exit__(self, *exc_info: Any) -> Any:
        try:
            return self._context.__exit__(*exc_info)
        except SQLAlchemyError as exc:
            raise self._store.error(exc) from None


def _json_value(value: Any) -> Any:
    """A failing record's value as JSON stores it: typed extracts hold timestamps too."""
    if value is None or type(value) in (str, int, float, bool):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return _jsonable(value)


def _jsonable(value: Any) -> Any:
    import json

    try:
        json.dumps(value)
        return value
    except (TypeError, ValueError):
        return json.loads(json.dumps(value, default=str))


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def process_alive(pid: int) -> bool:
    """Whether a process of this host still runs (a run or lock holder that crashed does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def os_user() -> str:
    """Who is running dqaudit, as recorded with runs, approvals and trail entries."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid()) if hasattr(os, "getuid") else "unknown"


def _now() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """A stored datetime as aware UTC (SQLite hands them back naive)."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _reason(exc: SQLAlchemyError) -> str:
    original = getattr(exc, "orig", None) or exc
    return str(original).strip().splitlines()[0]
