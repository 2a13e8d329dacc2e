"""The audit trail: an append-only, hash-chained record of everything that matters.

Approvals, revocations, runs, action-plan exports and imports, purges and configuration
changes are each recorded with who (the OS user), when, what and the hashes involved.
Each entry carries the hash of the one before it, so editing or deleting an entry breaks
the chain, and ``verify`` names the first entry where it breaks. The database refuses
UPDATE and DELETE on the table as well (triggers; see ``dqaudit.store.trail``), and
``verify`` checks that those protections are still in place.
This module only ever appends and reads: the tool offers no way to alter the trail.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from dqaudit.digests import sha256_file
from dqaudit.store import GENESIS, AuditStore, Protection, TrailEntry, entry_hash

__all__ = [
    "GENESIS",
    "TrailEntry",
    "Verification",
    "append",
    "entries",
    "entries_for",
    "entry_hash",
    "missing_protections",
    "record_config",
    "restore_protections",
    "verify",
]


@dataclass(frozen=True)
class Verification:
    """The result of checking the chain and the table's protections.

    ``broken_at`` is the first bad entry's seq; ``unprotected`` names each database
    protection (trigger) of the trail that is missing.
    """

    entries: int
    head_hash: str
    broken_at: int | None = None
    problem: str | None = None
    unprotected: list[str] = field(default_factory=list)

    @property
    def chain_ok(self) -> bool:
        return self.broken_at is None

    @property
    def ok(self) -> bool:
        return self.chain_ok and not self.unprotected


def append(
    store: AuditStore, action: str, subject: str | None, details: dict[str, Any] | None = None
) -> TrailEntry:
    """Append one entry to the trail."""
    return store.trail.append(action, subject, details)


def entries(store: AuditStore, since: datetime | None = None) -> list[TrailEntry]:
    """Trail entries in order, optionally only those recorded at or after ``since``."""
    return store.trail.entries(since)


def entries_for(store: AuditStore, subject: str, actions: tuple[str, ...]) -> list[TrailEntry]:
    """One subject's entries of the given actions, in order."""
    return store.trail.entries_for(subject, actions)


def describe_protection(protection: Protection) -> str:
    return f"trigger {protection.name} (refuses {protection.refuses} on the trail)"


def missing_protections(store: AuditStore) -> list[str]:
    """The trail's database protections that are missing, described for a person."""
    return [describe_protection(p) for p in store.trail.missing_protections()]


def restore_protections(store: AuditStore) -> list[str]:
    """Recreate missing protections; the restoration is itself recorded in the trail."""
    return [describe_protection(p) for p in store.trail.restore_protections()]


def verify(store: AuditStore) -> Verification:
    """Recompute every hash and link, naming the first entry that does not check out,
    and check that the database still refuses edits to the trail."""
    unprotected = missing_protections(store)
    previous = GENESIS
    found = entries(store)
    for expected_seq, entry in enumerate(found, start=1):
        problem = None
        if entry.seq != expected_seq:
            problem = f"entry {expected_seq} is missing"
        elif entry.prev_hash != previous:
            problem = "its link to the previous entry is broken (an entry was changed or removed)"
        elif (
            entry_hash(
                entry.seq,
                entry.recorded_at,
                entry.os_user,
                entry.host,
                entry.action,
                entry.subject,
                entry.details,
                entry.prev_hash,
            )
            != entry.entry_hash
        ):
            problem = "its content does not match its hash (edited)"
        if problem is not None:
            return Verification(len(found), previous, entry.seq, problem, unprotected)
        previous = entry.entry_hash
    return Verification(len(found), previous, unprotected=unprotected)


def record_config(store: AuditStore, config_path: Path) -> TrailEntry | None:
    """Record a configuration change when dqaudit.yml differs from the last one recorded."""
    digest = sha256_file(config_path)
    previous = (store.trail.latest_details("config") or {}).get("sha256")
    if previous == digest:
        return None
    return append(
        store,
        "config",
        str(config_path),
        {"sha256": digest, "previous_sha256": previous},
    )
