"""Stored record exceptions: failing records accepted as correct, until an expiry date."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from dqaudit.store import schema
from dqaudit.store.clock import as_utc, maybe_utc
from dqaudit.store.repository import Repository, inserted_id
from dqaudit.store.statuses import ExceptionStatus

IN_CHUNK = 500


@dataclass(frozen=True)
class RecordException:
    exception_id: int
    finding_id: int
    record_key: str
    reason: str
    requested_by: str
    requested_at: datetime
    status: ExceptionStatus
    decided_by: str | None
    decided_at: datetime | None
    expires_on: date | None


class ExceptionRepository(Repository):
    def get(self, exception_id: int) -> RecordException | None:
        exceptions = schema.record_exceptions
        with self._read() as connection:
            row = connection.execute(
                sa.select(exceptions).where(exceptions.c.exception_id == exception_id)
            ).first()
        return _exception(row) if row else None

    def find(self, finding_id: int, record_key: str) -> RecordException | None:
        exceptions = schema.record_exceptions
        with self._read() as connection:
            row = connection.execute(
                sa.select(exceptions).where(
                    exceptions.c.finding_id == finding_id, exceptions.c.record_key == record_key
                )
            ).first()
        return _exception(row) if row else None

    def listed(self, finding_id: int | None = None) -> list[RecordException]:
        """Every exception (optionally one finding's), oldest first."""
        exceptions = schema.record_exceptions
        query = sa.select(exceptions).order_by(exceptions.c.exception_id)
        if finding_id is not None:
            query = query.where(exceptions.c.finding_id == finding_id)
        with self._read() as connection:
            return [_exception(row) for row in connection.execute(query)]

    def keys_of(self, finding_ids: Iterable[int]) -> set[tuple[int, str]]:
        """(finding id, record key) of every exception of these findings, in any status."""
        wanted = sorted(set(finding_ids))
        exceptions = schema.record_exceptions
        found: set[tuple[int, str]] = set()
        with self._read() as connection:
            for start in range(0, len(wanted), IN_CHUNK):
                rows = connection.execute(
                    sa.select(exceptions.c.finding_id, exceptions.c.record_key).where(
                        exceptions.c.finding_id.in_(wanted[start : start + IN_CHUNK])
                    )
                )
                found |= {(int(f), k) for f, k in rows}
        return found

    def request(
        self, finding_id: int, record_key: str, *, reason: str, by: str, at: datetime
    ) -> int:
        """An owner asks for an exception (from their plan): status requested."""
        with self._write() as connection:
            inserted = connection.execute(
                schema.record_exceptions.insert().values(
                    finding_id=finding_id,
                    record_key=record_key,
                    reason=reason,
                    requested_by=by,
                    requested_at=at,
                    status=ExceptionStatus.REQUESTED,
                )
            )
            return inserted_id(inserted)

    def approve_directly(
        self,
        finding_id: int,
        record_key: str,
        *,
        reason: str,
        by: str,
        at: datetime,
        expires_on: date,
    ) -> int:
        """The records team records (and so approves) one; an existing one is replaced."""
        existing = self.find(finding_id, record_key)
        values = {
            "reason": reason,
            "status": ExceptionStatus.APPROVED,
            "decided_by": by,
            "decided_at": at,
            "expires_on": expires_on,
        }
        exceptions = schema.record_exceptions
        with self._write() as connection:
            if existing is None:
                inserted = connection.execute(
                    exceptions.insert().values(
                        finding_id=finding_id,
                        record_key=record_key,
                        requested_by=by,
                        requested_at=at,
                        **values,
                    )
                )
                return inserted_id(inserted)
            connection.execute(
                exceptions.update()
                .where(exceptions.c.exception_id == existing.exception_id)
                .values(**values)
            )
            return existing.exception_id

    def decide(
        self,
        exception_id: int,
        *,
        status: ExceptionStatus,
        by: str,
        at: datetime,
        expires_on: date | None,
    ) -> None:
        exceptions = schema.record_exceptions
        with self._write() as connection:
            connection.execute(
                exceptions.update()
                .where(exceptions.c.exception_id == exception_id)
                .values(status=status, decided_by=by, decided_at=at, expires_on=expires_on)
            )


def _exception(row: Any) -> RecordException:
    return RecordException(
        exception_id=int(row.exception_id),
        finding_id=int(row.finding_id),
        record_key=row.record_key,
        reason=row.reason,
        requested_by=row.requested_by,
        requested_at=as_utc(row.requested_at),
        status=ExceptionStatus(row.status),
        decided_by=row.decided_by,
        decided_at=maybe_utc(row.decided_at),
        expires_on=row.expires_on,
    )
