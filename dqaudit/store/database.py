"""The audit store: the one door to every run, approval, finding, plan and trail entry.

``AuditStore`` opens the database, applies the frozen migrations, and hands out
repositories (``store.runs``, ``store.trail``, ``store.approvals``, ``store.findings``,
``store.exceptions``, ``store.plans``, ``store.locks``, ``store.purges``,
``store.facts``) that return frozen dataclasses. Nothing outside ``dqaudit.store``
touches SQLAlchemy or the tables: every database error is translated here into an
EngineError that names the store and never its password.

The methods the audit engine calls to write a run (``start_run``, ``record_extract``,
``record_rule_outcomes``, ``add_failing_records``, ``record_bad_rows``,
``record_references``, ``finish_run``) are on the store itself; see ``run_writer``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, NoSuchModuleError, SQLAlchemyError

from dqaudit.credentials import safe_url, scrub, url_password
from dqaudit.errors import EngineError, InputError
from dqaudit.store import migrations
from dqaudit.store.approvals import ApprovalRepository
from dqaudit.store.clock import Clock, as_utc, utc_now
from dqaudit.store.exceptions import ExceptionRepository
from dqaudit.store.facts import FactsRepository
from dqaudit.store.findings import FindingRepository
from dqaudit.store.locks import LockRepository
from dqaudit.store.plans import PlanRepository
from dqaudit.store.provenance import os_user, process_alive
from dqaudit.store.purges import PurgeRepository
from dqaudit.store.repository import StoreConflict
from dqaudit.store.run_references import ReferenceRepository, StoredReference
from dqaudit.store.run_writer import RECORD_BATCH, RunWriter, StaleRun
from dqaudit.store.runs import FailingRecord, RunRepository, RunSummary, StoredRun
from dqaudit.store.statuses import RunStatus
from dqaudit.store.trail import TrailRepository

if TYPE_CHECKING:
    from dqaudit.connectors.base import BadRow, Extract, Fingerprint
    from dqaudit.engine.results import Outcome, RuleResult, SuiteResult
    from dqaudit.expectations.rules.references import ReferenceFile
    from dqaudit.expectations.suite_model import Suite
    from dqaudit.store.run_writer import FailingRecordInput

__all__ = [
    "COMPLETE",
    "ERROR",
    "INTERRUPTED",
    "RECORD_BATCH",
    "RUNNING",
    "AuditStore",
    "RunStatus",
    "StaleRun",
    "StoreConflict",
    "StoreTransaction",
    "as_utc",
    "os_user",
    "process_alive",
    "safe_url",
]

RUNNING, COMPLETE, INTERRUPTED, ERROR = (
    RunStatus.RUNNING,
    RunStatus.COMPLETE,
    RunStatus.INTERRUPTED,
    RunStatus.ERROR,
)


class _Repositories:
    """The repositories, bound to a session: the store, or one open transaction."""

    @property
    def store(self) -> AuditStore:
        raise NotImplementedError

    def reading(self) -> AbstractContextManager[Connection]:
        raise NotImplementedError

    def writing(self) -> AbstractContextManager[Connection]:
        raise NotImplementedError

    @cached_property
    def runs(self) -> RunRepository:
        return RunRepository(self)

    @cached_property
    def trail(self) -> TrailRepository:
        return TrailRepository(self)

    @cached_property
    def approvals(self) -> ApprovalRepository:
        return ApprovalRepository(self)

    @cached_property
    def findings(self) -> FindingRepository:
        return FindingRepository(self)

    @cached_property
    def exceptions(self) -> ExceptionRepository:
        return ExceptionRepository(self)

    @cached_property
    def plans(self) -> PlanRepository:
        return PlanRepository(self)

    @cached_property
    def locks(self) -> LockRepository:
        return LockRepository(self)

    @cached_property
    def purges(self) -> PurgeRepository:
        return PurgeRepository(self)

    @cached_property
    def facts(self) -> FactsRepository:
        return FactsRepository(self)

    @cached_property
    def references(self) -> ReferenceRepository:
        return ReferenceRepository(self)

    @cached_property
    def writer(self) -> RunWriter:
        return RunWriter(self)


class StoreTransaction(_Repositories):
    """One open transaction: every repository call on it joins it (see ``store.transaction``)."""

    def __init__(self, store: AuditStore, connection: Connection) -> None:
        self._owner = store
        self._connection = connection

    @property
    def store(self) -> AuditStore:
        return self._owner

    def reading(self) -> AbstractContextManager[Connection]:
        return nullcontext(self._connection)

    def writing(self) -> AbstractContextManager[Connection]:
        return nullcontext(self._connection)


class AuditStore(_Repositories):
    """Read and write audit runs and their governance; created and migrated on first use.

    ``clock`` gives every time the store records (tests pass their own).
    """

    def __init__(self, url: str, *, clock: Clock = utc_now) -> None:
        self.url = url
        self.display_url = safe_url(url)
        self.clock = clock
        self.engine = self._connect(url)
        self._migrate()

    @property
    def store(self) -> AuditStore:
        return self

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    # --- connections ---------------------------------------------------------------------

    def reading(self) -> AbstractContextManager[Connection]:
        """A connection for reads; database errors become EngineErrors naming the store."""
        return self._guarded(self.engine.connect)

    def writing(self) -> AbstractContextManager[Connection]:
        """A transaction, committed on leaving; errors roll it back and are translated.

        On SQLite it starts ``BEGIN IMMEDIATE`` (see ``_sqlite_begin``), so that writers
        in several processes (``audit run --jobs``) queue on the busy timeout instead of
        failing when one read the database before another committed.
        """
        return self._guarded(self._writer.begin)

    @cached_property
    def _writer(self) -> Engine:
        return self.engine.execution_options(**{_WRITE_OPTION: True})

    @contextmanager
    def transaction(self) -> Iterator[StoreTransaction]:
        """``with store.transaction() as tx:`` — repository calls on ``tx`` commit together."""
        with self.writing() as connection:
            yield StoreTransaction(self, connection)

    @contextmanager
    def _guarded(self, opener: Any, doing: str = "") -> Iterator[Connection]:
        try:
            with opener() as connection:
                yield connection
        except IntegrityError as exc:
            raise StoreConflict(str(self.error(exc, doing))) from None
        except SQLAlchemyError as exc:
            raise self.error(exc, doing) from None

    def error(self, exc: SQLAlchemyError, doing: str = "") -> EngineError:
        """An EngineError naming the store; the password is scrubbed from the driver's text."""
        reason = scrub(_reason(exc), url_password(self.url))
        return EngineError(f"audit store {self.display_url}: {doing}{reason}")

    def close(self) -> None:
        self.engine.dispose()

    # --- opening and migrating -----------------------------------------------------------

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
            sa.event.listen(engine, "begin", _sqlite_begin)
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
        versions = migrations.schema_versions
        with self._writer.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(sa.text("SELECT pg_advisory_xact_lock(4242001)"))
            migrations.create_bookkeeping(connection)
            applied = set(connection.execute(sa.select(versions.c.version)).scalars())
            newest = max(applied, default=0)
            if newest > migrations.LATEST_VERSION:
                raise EngineError(
                    f"store {self.display_url} has schema version {newest}, newer than "
                    f"this dqaudit ({migrations.LATEST_VERSION}); upgrade dqaudit"
                )
            for migration in migrations.MIGRATIONS:
                if migration.version not in applied:
                    migration.apply(connection)
                    connection.execute(
                        versions.insert().values(version=migration.version, applied_at=utc_now())
                    )

    def schema_version(self) -> int:
        versions = migrations.schema_versions
        with self.reading() as connection:
            newest = connection.execute(sa.select(sa.func.max(versions.c.version))).scalar()
        return int(newest or 0)

    def applied_versions(self) -> list[int]:
        versions = migrations.schema_versions
        with self.reading() as connection:
            query = sa.select(versions.c.version).order_by(versions.c.version)
            return [int(v) for v in connection.execute(query).scalars()]

    # --- writing a run: the API the audit engine calls -------------------------------------

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
        """Record a run as ``running`` and return its id."""
        return self.writer.start_run(
            suite,
            batch_id,
            system=system,
            dataset=dataset,
            draft=draft,
            rule_library_version=rule_library_version,
        )

    def record_extract(
        self,
        run_id: str,
        fingerprint: Fingerprint,
        key_columns: Sequence[str],
        key_source: str | None,
        warnings: Sequence[str],
    ) -> None:
        self.writer.record_extract(run_id, fingerprint, key_columns, key_source, warnings)

    def record_rule_outcomes(
        self, run_id: str, suite: Suite | None, results: Sequence[RuleResult]
    ) -> None:
        self.writer.record_rule_outcomes(run_id, suite, results)

    def add_failing_records(
        self,
        run_id: str,
        position: int,
        first_seq: int,
        records: Sequence[FailingRecordInput],
    ) -> None:
        self.writer.add_failing_records(run_id, position, first_seq, records)

    def record_bad_rows(self, run_id: str, bad_rows: Sequence[BadRow], action: str) -> None:
        self.writer.record_bad_rows(run_id, bad_rows, action)

    def record_references(self, run_id: str, references: Sequence[ReferenceFile]) -> None:
        self.references.record(run_id, references)

    def record_risk(self, run_id: str, score: int | None, band: str | None) -> None:
        self.writer.record_risk(run_id, score, band)

    def finish_run(
        self,
        run_id: str,
        status: RunStatus | str,
        outcome: Outcome | str | None,
        error: str | None = None,
    ) -> None:
        self.writer.finish_run(run_id, status, outcome, error)

    def record_results(self, run_id: str, extract: Extract, result: SuiteResult) -> None:
        """Everything a finished engine result holds (until the engine streams it itself)."""
        self.writer.record_results(run_id, extract, result)

    def find_stale_runs(self) -> list[StaleRun]:
        """Runs left ``running``: those whose process is gone are marked ``interrupted``
        and the interruption is recorded in the trail."""
        return self.writer.find_stale_runs()

    # --- reading runs (shortcuts to ``store.runs``) ----------------------------------------

    def list_runs(self, limit: int = 50, suite: str | None = None) -> list[RunSummary]:
        return self.runs.recent(limit=limit, suite=suite)

    def get_run(self, run_id: str, with_keys: bool = True) -> StoredRun:
        return self.runs.get(run_id, with_keys=with_keys)

    def failing_records(self, run_id: str, position: int) -> Iterator[FailingRecord]:
        return self.runs.failing_records(run_id, position)

    def run_references(self, run_id: str) -> list[StoredReference]:
        return self.references.for_run(run_id)


_WRITE_OPTION = "dqaudit_write"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
    # Transactions are begun by _sqlite_begin, not by the driver (SQLAlchemy's recipe).
    dbapi_connection.isolation_level = None


def _sqlite_begin(connection: Connection) -> None:
    """Why IMMEDIATE for writes: a deferred transaction that read before another process
    committed cannot then write (SQLITE_BUSY at once, the busy timeout does not apply);
    an immediate one takes the write lock first, waiting up to the busy timeout."""
    immediate = connection.get_execution_options().get(_WRITE_OPTION)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _reason(exc: SQLAlchemyError) -> str:
    original = getattr(exc, "orig", None) or exc
    lines = str(original).strip().splitlines()
    return lines[0] if lines else type(original).__name__
