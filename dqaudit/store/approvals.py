"""Stored SIMB approvals of suites (the rules for them live in ``dqaudit.governance``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from dqaudit.store import schema
from dqaudit.store.clock import as_utc, maybe_utc
from dqaudit.store.provenance import os_user
from dqaudit.store.repository import Repository, inserted_id


@dataclass(frozen=True)
class ApprovalRecord:
    """Who approved which exact version of a suite, under which minute, until when."""

    id: int
    suite_name: str
    suite_hash: str
    canonical: dict[str, Any]
    approved_by: str
    board: str
    minute: str
    review_by: date | None
    approved_at: datetime
    reference_files: list[dict[str, str]]
    revoked_at: datetime | None = None
    revoked_by: str | None = None
    revoke_reason: str | None = None
    rule_library_version: str | None = None
    document: str | None = None


class ApprovalRepository(Repository):
    def record(
        self,
        *,
        suite_name: str,
        suite_hash: str,
        canonical: dict[str, Any],
        document: str,
        approved_by: str,
        board: str,
        minute: str,
        review_by: date | None,
        approved_at: datetime,
        reference_files: list[dict[str, str]],
        rule_library_version: str | None,
    ) -> int:
        """Insert an approval; returns its id."""
        with self._write() as connection:
            inserted = connection.execute(
                schema.approvals.insert().values(
                    suite_name=suite_name,
                    suite_hash=suite_hash,
                    canonical=canonical,
                    document=document,
                    approved_by=approved_by,
                    board=board,
                    minute=minute,
                    review_by=review_by,
                    approved_at=approved_at,
                    os_user=os_user(),
                    reference_files=reference_files,
                    rule_library_version=rule_library_version,
                )
            )
            return inserted_id(inserted)

    def revoke(self, approval_id: int, *, by: str, reason: str, at: datetime) -> None:
        with self._write() as connection:
            connection.execute(
                schema.approvals.update()
                .where(schema.approvals.c.id == approval_id)
                .values(revoked_at=at, revoked_by=by, revoke_reason=reason)
            )

    def latest(self, suite_name: str) -> ApprovalRecord | None:
        """The suite's most recent approval (revoked or not)."""
        approvals = schema.approvals
        with self._read() as connection:
            row = connection.execute(
                sa.select(approvals)
                .where(approvals.c.suite_name == suite_name)
                .order_by(approvals.c.approved_at.desc(), approvals.c.id.desc())
                .limit(1)
            ).first()
        return _approval(row) if row else None


def _approval(row: Any) -> ApprovalRecord:
    return ApprovalRecord(
        id=int(row.id),
        suite_name=row.suite_name,
        suite_hash=row.suite_hash,
        canonical=row.canonical,
        approved_by=row.approved_by,
        board=row.board,
        minute=row.minute,
        review_by=row.review_by,
        approved_at=as_utc(row.approved_at),
        reference_files=row.reference_files or [],
        revoked_at=maybe_utc(row.revoked_at),
        revoked_by=row.revoked_by,
        revoke_reason=row.revoke_reason,
        rule_library_version=row.rule_library_version,
        document=row.document,
    )
