"""The audit trail: an append-only, hash-chained record of everything that matters.

Approvals, revocations, runs, action-plan exports and imports, purges and configuration
changes are each recorded with who (the OS user), when, what and the hashes involved.
Each entry carries the hash of the one before it, so editing or deleting an entry breaks
the chain, and ``verify`` names the first entry where it breaks. The database refuses
UPDATE and DELETE on the table as well (see ``schema._create_governance_tables``).
This module only ever appends and reads: the tool offers no way to alter the trail.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from dqaudit.digests import sha256_file, sha256_text
from dqaudit.errors import EngineError
from dqaudit.store import schema
from dqaudit.store.database import AuditStore, as_utc, os_user

GENESIS = "0" * 64
APPEND_ATTEMPTS = 20


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
class Verification:
    """The result of checking the chain; ``broken_at`` is the first bad entry's seq."""

    entries: int
    head_hash: str
    broken_at: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.broken_at is None


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


def append(
    store: AuditStore, action: str, subject: str | None, details: dict[str, Any] | None = None
) -> TrailEntry:
    """Append one entry to the trail."""
    return write_with_entry(store, action, subject, lambda _connection: details or {})


def write_with_entry(
    store: AuditStore,
    action: str,
    subject: str | None,
    write: Callable[[sa.Connection], dict[str, Any]],
) -> TrailEntry:
    """Run ``write`` and append its trail entry in ONE transaction: both or neither.

    ``write`` returns the entry's details. Concurrent writers race for the next ``seq``
    (its primary key); the loser's transaction rolls back whole and is retried.
    """
    for _attempt in range(APPEND_ATTEMPTS):
        try:
            with store.engine.begin() as connection:
                details = json.loads(json.dumps(write(connection), default=str))
                return _append_once(connection, action, subject, details)
        except IntegrityError:
            continue  # another process took this seq: read the new head and retry
    raise EngineError("could not append to the audit trail: too many concurrent writers")


def _append_once(
    connection: sa.Connection, action: str, subject: str | None, details: dict[str, Any]
) -> TrailEntry:
    head = connection.execute(
        sa.select(schema.trail.c.seq, schema.trail.c.entry_hash)
        .order_by(schema.trail.c.seq.desc())
        .limit(1)
    ).first()
    seq = (head.seq + 1) if head else 1
    prev_hash = head.entry_hash if head else GENESIS
    recorded_at = datetime.now(UTC).isoformat()
    user = os_user()
    host = socket.gethostname()
    digest = entry_hash(seq, recorded_at, user, host, action, subject, details, prev_hash)
    connection.execute(
        schema.trail.insert().values(
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


def entries(store: AuditStore, since: datetime | None = None) -> list[TrailEntry]:
    """Trail entries in order, optionally only those recorded at or after ``since``."""
    query = sa.select(schema.trail).order_by(schema.trail.c.seq)
    with store.engine.connect() as connection:
        rows = connection.execute(query).all()
    found = [_entry(row) for row in rows]
    if since is not None:
        cutoff = as_utc(since)
        found = [e for e in found if datetime.fromisoformat(e.recorded_at) >= cutoff]
    return found


def entries_for(store: AuditStore, subject: str, actions: tuple[str, ...]) -> list[TrailEntry]:
    """One subject's entries of the given actions, in order."""
    query = (
        sa.select(schema.trail)
        .where(schema.trail.c.subject == subject, schema.trail.c.action.in_(actions))
        .order_by(schema.trail.c.seq)
    )
    with store.engine.connect() as connection:
        return [_entry(row) for row in connection.execute(query)]


def verify(store: AuditStore) -> Verification:
    """Recompute every hash and link; name the first entry that does not check out."""
    previous = GENESIS
    found = entries(store)
    for expected_seq, entry in enumerate(found, start=1):
        if entry.seq != expected_seq:
            return Verification(len(found), previous, entry.seq, f"entry {expected_seq} is missing")
        if entry.prev_hash != previous:
            return Verification(
                len(found),
                previous,
                entry.seq,
                "its link to the previous entry is broken (an entry was changed or removed)",
            )
        recomputed = entry_hash(
            entry.seq,
            entry.recorded_at,
            entry.os_user,
            entry.host,
            entry.action,
            entry.subject,
            entry.details,
            entry.prev_hash,
        )
        if recomputed != entry.entry_hash:
            return Verification(
                len(found), previous, entry.seq, "its content does not match its hash (edited)"
            )
        previous = entry.entry_hash
    return Verification(len(found), previous)


def record_config(store: AuditStore, config_path: Path) -> TrailEntry | None:
    """Record a configuration change when dqaudit.yml differs from the last one recorded."""
    digest = sha256_file(config_path)
    with store.engine.connect() as connection:
        last = connection.execute(
            sa.select(schema.trail.c.details)
            .where(schema.trail.c.action == "config")
            .order_by(schema.trail.c.seq.desc())
            .limit(1)
        ).scalar()
    previous = (last or {}).get("sha256")
    if previous == digest:
        return None
    return append(
        store,
        "config",
        str(config_path),
        {"sha256": digest, "previous_sha256": previous},
    )


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
