"""Accepted exceptions: failing records that are in fact correct (a genuine historic
address, say). An owner asks for one in the plan, or the records team adds one by CLI;
the records team approves each with an expiry date. Until it expires, later runs count
the record separately and not against the owner. Every step goes to the trail."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa

from dqaudit.digests import sha256_text
from dqaudit.errors import InputError
from dqaudit.governance import trail
from dqaudit.store import schema
from dqaudit.store.database import AuditStore


def _check_expiry(expires: date) -> None:
    if expires <= datetime.now(UTC).date():
        raise InputError(f"--expires {expires.isoformat()} is not in the future")


def add_exception(
    store: AuditStore, finding_id: int, key: str, *, reason: str, by: str, expires: date
) -> int:
    """The records team records (and so approves) an exception for one failing record."""
    _check_expiry(expires)
    if not reason.strip() or not by.strip():
        raise InputError("--reason and --by must not be empty")
    _require_finding(store, finding_id)
    _require_failing_key(store, finding_id, key)
    exceptions = schema.record_exceptions
    now = datetime.now(UTC)

    def write(connection: sa.Connection) -> dict[str, Any]:
        existing = connection.execute(
            sa.select(exceptions.c.exception_id).where(
                exceptions.c.finding_id == finding_id, exceptions.c.record_key == key
            )
        ).scalar()
        values = {
            "reason": reason,
            "status": "approved",
            "decided_by": by,
            "decided_at": now,
            "expires_on": expires,
        }
        if existing is None:
            connection.execute(
                exceptions.insert().values(
                    finding_id=finding_id,
                    record_key=key,
                    requested_by=by,
                    requested_at=now,
                    **values,
                )
            )
        else:
            connection.execute(
                exceptions.update().where(exceptions.c.exception_id == existing).values(**values)
            )
        return {
            "finding_id": finding_id,
            "record_key_sha256": _digest(key),
            "reason": reason,
            "by": by,
            "expires_on": expires.isoformat(),
        }

    trail.write_with_entry(store, "exception", f"finding {finding_id}", write)
    return _exception_id(store, finding_id, key)


def decide_exception(
    store: AuditStore, exception_id: int, *, approve: bool, by: str, expires: date | None = None
) -> None:
    """Approve (with an expiry) or reject an exception an owner asked for."""
    if not by.strip():
        raise InputError("--by must not be empty")
    if approve:
        if expires is None:
            raise InputError("approving an exception needs --expires DATE")
        _check_expiry(expires)
    exceptions = schema.record_exceptions
    with store.engine.connect() as connection:
        row = connection.execute(
            sa.select(exceptions).where(exceptions.c.exception_id == exception_id)
        ).first()
    if row is None:
        raise InputError(f"no exception with id {exception_id}")
    status = "approved" if approve else "rejected"

    def write(connection: sa.Connection) -> dict[str, Any]:
        connection.execute(
            exceptions.update()
            .where(exceptions.c.exception_id == exception_id)
            .values(status=status, decided_by=by, decided_at=datetime.now(UTC), expires_on=expires)
        )
        return {
            "exception_id": exception_id,
            "finding_id": int(row.finding_id),
            "record_key_sha256": _digest(row.record_key),
            "status": status,
            "by": by,
            "expires_on": expires.isoformat() if expires else None,
        }

    trail.write_with_entry(store, "exception", f"finding {row.finding_id}", write)


def list_exceptions(store: AuditStore, finding_id: int | None = None) -> list[Any]:
    exceptions = schema.record_exceptions
    query = sa.select(exceptions).order_by(exceptions.c.exception_id)
    if finding_id is not None:
        query = query.where(exceptions.c.finding_id == finding_id)
    with store.engine.connect() as connection:
        return connection.execute(query).all()


def _digest(key: str) -> str:
    """Keys are personal data and the trail is never purged: it holds their digest."""
    return sha256_text(key)


def _require_failing_key(store: AuditStore, finding_id: int, key: str) -> None:
    """An exception is for a record the finding's latest failing run actually listed."""
    findings, results, records = schema.findings, schema.rule_results, schema.failing_records
    with store.engine.connect() as connection:
        finding = connection.execute(
            sa.select(findings.c.last_run_id, findings.c.rule_id).where(
                findings.c.finding_id == finding_id
            )
        ).first()
        position = connection.execute(
            sa.select(results.c.position).where(
                results.c.run_id == finding.last_run_id, results.c.rule_id == finding.rule_id
            )
        ).scalar()
        in_run = (records.c.run_id == finding.last_run_id) & (records.c.position == position)
        listed = connection.execute(
            sa.select(sa.func.count()).select_from(records).where(in_run)
        ).scalar()
        found = connection.execute(
            sa.select(records.c.id).where(in_run, records.c.record_key == key)
        ).first()
    if listed and found is None:
        raise InputError(
            f"record '{key}' is not among the failing records of finding {finding_id}'s latest run"
        )


def _require_finding(store: AuditStore, finding_id: int) -> None:
    with store.engine.connect() as connection:
        found = connection.execute(
            sa.select(schema.findings.c.finding_id).where(
                schema.findings.c.finding_id == finding_id
            )
        ).first()
    if found is None:
        raise InputError(f"no finding with id {finding_id}; see 'dqaudit actions list'")


def _exception_id(store: AuditStore, finding_id: int, key: str) -> int:
    exceptions = schema.record_exceptions
    with store.engine.connect() as connection:
        return int(
            connection.execute(
                sa.select(exceptions.c.exception_id).where(
                    exceptions.c.finding_id == finding_id, exceptions.c.record_key == key
                )
            ).scalar()
        )
