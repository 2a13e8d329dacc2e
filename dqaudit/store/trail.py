"""The audit trail table: append-only, hash-chained, and protected by the database.

Each entry carries the hash of the one before it (see ``entry_hash``), so editing or
deleting an entry breaks the chain. The database refuses UPDATE, DELETE (and on
PostgreSQL TRUNCATE) on the table through triggers; ``missing_protections`` checks they
are still there, because a trigger dropped by hand is otherwise silent.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

import sqlalchemy as sa

from dqaudit.digests import sha256_text
from dqaudit.errors import EngineError
from dqaudit.store import schema
from dqaudit.store.provenance import host_name, os_user
from dqaudit.store.repository import Repository, Session

_Tx = TypeVar("_Tx", bound=Session)  # the open transaction a write is given

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

GENESIS = "0" * 64
APPEND_ATTEMPTS = 20
APPEND_ONLY_MESSAGE = "the audit trail is append-only"


@dataclass(frozen=True)
class TrailEntry:
    seq: int
    recorded_at: str
    os_user: str
    host: str | None
    action: str
    subject: str | None
    details: dict[str, Any]
    prev_hash: str
    entry_hash: str


@dataclass(frozen=True)
class Protection:
    """One database trigger that keeps the trail append-only."""

    name: str
    refuses: str  # what it refuses: "UPDATE", "DELETE", "UPDATE and DELETE", "TRUNCATE"
    create: tuple[str, ...]  # the DDL that (re)creates it (a disabled one is replaced)


_PG_FUNCTION = (
    "CREATE OR REPLACE FUNCTION dqaudit_trail_append_only() RETURNS trigger AS $$ "
    f"BEGIN RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}'; END; $$ LANGUAGE plpgsql"
)
PROTECTIONS: dict[str, tuple[Protection, ...]] = {
    "sqlite": tuple(
        Protection(
            f"trail_no_{event.lower()}",
            event,
            (
                f"DROP TRIGGER IF EXISTS trail_no_{event.lower()}",
                f"CREATE TRIGGER trail_no_{event.lower()} BEFORE {event} ON trail "
                f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END",
            ),
        )
        for event in ("UPDATE", "DELETE")
    ),
    "postgresql": (
        Protection(
            "trail_append_only",
            "UPDATE and DELETE",
            (
                _PG_FUNCTION,
                "DROP TRIGGER IF EXISTS trail_append_only ON trail",
                "CREATE TRIGGER trail_append_only BEFORE UPDATE OR DELETE ON trail "
                "FOR EACH ROW EXECUTE FUNCTION dqaudit_trail_append_only()",
            ),
        ),
        Protection(
            "trail_no_truncate",
            "TRUNCATE",
            (
                _PG_FUNCTION,
                "DROP TRIGGER IF EXISTS trail_no_truncate ON trail",
                "CREATE TRIGGER trail_no_truncate BEFORE TRUNCATE ON trail "
                "FOR EACH STATEMENT EXECUTE FUNCTION dqaudit_trail_append_only()",
            ),
        ),
    ),
}


def entry_hash(
    seq: int,
    recorded_at: str,
    os_user: str,
    host: str | None,
    action: str,
    subject: str | None,
    details: dict[str, Any],
    prev_hash: str,
) -> str:
    """SHA-256 over the entry's canonical JSON, which includes the previous entry's hash."""
    canonical = json.dumps(
        {
            "seq": seq,
            "recorded_at": recorded_at,
            "os_user": os_user,
            "host": host,
            "action": action,
            "subject": subject,
            "details": details,
            "prev_hash": prev_hash,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    return sha256_text(canonical)


class TrailRepository(Repository):
    """Append to the trail and read it; nothing here updates or deletes an entry."""

    def append(
        self, action: str, subject: str | None, details: dict[str, Any] | None = None
    ) -> TrailEntry:
        """Append one entry (joining the session's transaction, if it is one)."""
        if self._session is self._store:
            return self.write_with_entry(action, subject, lambda _tx: details or {})
        with self._write() as connection:
            return self._append_once(connection, action, subject, _plain(details or {}))

    def write_with_entry(
        self,
        action: str,
        subject: str | None,
        write: Callable[[_Tx], dict[str, Any]],
    ) -> TrailEntry:
        """Run ``write`` and append its trail entry in ONE transaction: both or neither.

        ``write`` gets the transaction (its repositories join it) and returns the entry's
        details. Concurrent writers race for the next ``seq`` (the trail's primary key);
        the loser's transaction rolls back whole and is retried.
        """
        from dqaudit.store.repository import StoreConflict

        for _attempt in range(APPEND_ATTEMPTS):
            try:
                with self._store.transaction() as tx:
                    details = _plain(write(tx))
                    with tx.writing() as connection:
                        return self._append_once(connection, action, subject, details)
            except StoreConflict:
                continue  # another process took this seq: read the new head and retry
        raise EngineError("could not append to the audit trail: too many concurrent writers")

    def _append_once(
        self, connection: Connection, action: str, subject: str | None, details: dict[str, Any]
    ) -> TrailEntry:
        trail = schema.trail
        head = connection.execute(
            sa.select(trail.c.seq, trail.c.entry_hash).order_by(trail.c.seq.desc()).limit(1)
        ).first()
        seq = (head.seq + 1) if head else 1
        prev_hash = head.entry_hash if head else GENESIS
        recorded_at = self._now().isoformat()
        user = os_user()
        host = host_name()
        digest = entry_hash(seq, recorded_at, user, host, action, subject, details, prev_hash)
        connection.execute(
            trail.insert().values(
                seq=seq,
                recorded_at=recorded_at,
                os_user=user,
                host=host,
                action=action,
                subject=subject,
                details=details,
                prev_hash=prev_hash,
                entry_hash=digest,
            )
        )
        return TrailEntry(seq, recorded_at, user, host, action, subject, details, prev_hash, digest)

    def entries(self, since: datetime | None = None) -> list[TrailEntry]:
        """Trail entries in order, optionally only those recorded at or after ``since``."""
        from dqaudit.store.clock import as_utc

        with self._read() as connection:
            rows = connection.execute(sa.select(schema.trail).order_by(schema.trail.c.seq)).all()
        found = [_entry(row) for row in rows]
        if since is not None:
            cutoff = as_utc(since)
            found = [e for e in found if datetime.fromisoformat(e.recorded_at) >= cutoff]
        return found

    def entries_for(self, subject: str, actions: tuple[str, ...]) -> list[TrailEntry]:
        """One subject's entries of the given actions, in order."""
        trail = schema.trail
        query = (
            sa.select(trail)
            .where(trail.c.subject == subject, trail.c.action.in_(actions))
            .order_by(trail.c.seq)
        )
        with self._read() as connection:
            return [_entry(row) for row in connection.execute(query)]

    def latest_details(self, action: str) -> dict[str, Any] | None:
        """The details of the newest entry of ``action`` (None if there is none)."""
        trail = schema.trail
        with self._read() as connection:
            details = connection.execute(
                sa.select(trail.c.details)
                .where(trail.c.action == action)
                .order_by(trail.c.seq.desc())
                .limit(1)
            ).first()
        return None if details is None else (details[0] or {})

    # --- the database's own protection of the table ----------------------------------------

    def expected_protections(self) -> tuple[Protection, ...]:
        return PROTECTIONS.get(self._store.dialect, ())

    def missing_protections(self) -> list[Protection]:
        """The triggers that keep the trail append-only and are not (or no longer) there."""
        expected = self.expected_protections()
        if not expected:
            return []
        with self._read() as connection:
            present = _trail_triggers(connection)
        return [p for p in expected if p.name not in present]

    def restore_protections(self) -> list[Protection]:
        """Recreate missing triggers, and record which in the trail (same transaction)."""
        missing = self.missing_protections()
        if not missing:
            return []

        def write(tx: Session) -> dict[str, Any]:
            with tx.writing() as connection:
                for protection in missing:
                    for statement in protection.create:
                        connection.exec_driver_sql(statement)
            return {"restored": [p.name for p in missing]}

        self.write_with_entry("protect", "trail", write)
        return missing


def _trail_triggers(connection: Connection) -> set[str]:
    """Names of the enabled triggers on the trail table of the store's schema."""
    if connection.dialect.name == "sqlite":
        rows = connection.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'trail'"
        )
        return {row[0] for row in rows}
    if connection.dialect.name == "postgresql":
        rows = connection.exec_driver_sql(
            "SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE c.oid = 'trail'::regclass AND NOT t.tgisinternal AND t.tgenabled <> 'D'"
        )
        return {row[0] for row in rows}
    return set()


def _plain(details: dict[str, Any]) -> dict[str, Any]:
    """Details exactly as they will read back from JSON (so the hash checks out later)."""
    plain: dict[str, Any] = json.loads(json.dumps(details, default=str))
    return plain


def _entry(row: Any) -> TrailEntry:
    return TrailEntry(
        seq=int(row.seq),
        recorded_at=row.recorded_at,
        os_user=row.os_user,
        host=row.host,
        action=row.action,
        subject=row.subject,
        details=row.details or {},
        prev_hash=row.prev_hash,
        entry_hash=row.entry_hash,
    )
