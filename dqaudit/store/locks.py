"""Stored run locks: one row per lock name (the rules for taking them are in governance)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from dqaudit.store import schema
from dqaudit.store.clock import as_utc
from dqaudit.store.repository import Repository


@dataclass(frozen=True)
class LockRecord:
    name: str
    holder: str
    host: str | None
    pid: int | None
    acquired_at: datetime
    expires_at: datetime


class LockRepository(Repository):
    def insert(self, lock: LockRecord) -> bool:
        """Take a free lock: False if any row of that name exists (someone holds it)."""
        from dqaudit.store.repository import StoreConflict

        try:
            with self._write() as connection:
                connection.execute(schema.locks.insert().values(**_values(lock)))
        except StoreConflict:
            return False
        return True

    def get(self, name: str) -> LockRecord | None:
        locks = schema.locks
        with self._read() as connection:
            row = connection.execute(sa.select(locks).where(locks.c.name == name)).first()
        return _lock(row) if row else None

    def take_over(self, previous_holder: str, lock: LockRecord) -> bool:
        """Replace a dead or expired holder; only one taker can match its token."""
        locks = schema.locks
        with self._write() as connection:
            taken = connection.execute(
                locks.update()
                .where(locks.c.name == lock.name, locks.c.holder == previous_holder)
                .values(**_values(lock))
            ).rowcount
        return bool(taken == 1)

    def extend(self, name: str, holder: str, expires_at: datetime) -> bool:
        """Renew a held lock's lease; False if it is no longer this holder's."""
        locks = schema.locks
        with self._write() as connection:
            renewed = connection.execute(
                locks.update()
                .where(locks.c.name == name, locks.c.holder == holder)
                .values(expires_at=expires_at)
            ).rowcount
        return bool(renewed == 1)

    def release(self, name: str, holder: str) -> None:
        locks = schema.locks
        with self._write() as connection:
            connection.execute(locks.delete().where(locks.c.name == name, locks.c.holder == holder))

    def held(self) -> list[LockRecord]:
        with self._read() as connection:
            return [_lock(row) for row in connection.execute(sa.select(schema.locks))]


def _values(lock: LockRecord) -> dict[str, Any]:
    return {
        "name": lock.name,
        "holder": lock.holder,
        "host": lock.host,
        "pid": lock.pid,
        "acquired_at": lock.acquired_at,
        "expires_at": lock.expires_at,
    }


def _lock(row: Any) -> LockRecord:
    return LockRecord(
        name=row.name,
        holder=row.holder,
        host=row.host,
        pid=row.pid,
        acquired_at=as_utc(row.acquired_at),
        expires_at=as_utc(row.expires_at),
    )
