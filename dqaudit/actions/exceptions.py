"""Accepted exceptions: failing records that are in fact correct (a genuine historic
address, say). An owner asks for one in the plan, or the records team adds one by CLI;
the records team approves each with an expiry date. Until it expires, later runs count
the record separately and not against the owner. Every step goes to the trail."""

from __future__ import annotations

from datetime import date
from typing import Any

from dqaudit.digests import sha256_text
from dqaudit.errors import FieldError, InputError
from dqaudit.store import AuditStore, ExceptionStatus, RecordException, StoreTransaction


def _check_expiry(store: AuditStore, expires: date) -> None:
    if expires <= store.clock().date():
        raise FieldError(f"{{expires}} {expires.isoformat()} is not in the future", "expires")


def _require_text(**fields: str) -> None:
    for name, value in fields.items():
        if not value or not value.strip():
            raise FieldError(f"{{{name}}} must not be empty", name)


def add_exception(
    store: AuditStore, finding_id: int, key: str, *, reason: str, by: str, expires: date
) -> int:
    """The records team records (and so approves) an exception for one failing record."""
    _check_expiry(store, expires)
    _require_text(reason=reason, by=by)
    _require_finding(store, finding_id)
    _require_failing_key(store, finding_id, key)
    now = store.clock()
    exception_id = 0

    def write(tx: StoreTransaction) -> dict[str, Any]:
        nonlocal exception_id
        exception_id = tx.exceptions.approve_directly(
            finding_id, key, reason=reason, by=by, at=now, expires_on=expires
        )
        return {
            "finding_id": finding_id,
            "record_key_sha256": _digest(key),
            "reason": reason,
            "by": by,
            "expires_on": expires.isoformat(),
        }

    store.trail.write_with_entry("exception", f"finding {finding_id}", write)
    return exception_id


def decide_exception(
    store: AuditStore, exception_id: int, *, approve: bool, by: str, expires: date | None = None
) -> None:
    """Approve (with an expiry) or reject an exception an owner asked for."""
    _require_text(by=by)
    if approve:
        if expires is None:
            raise FieldError("approving an exception needs {expires}", "expires")
        _check_expiry(store, expires)
    row = store.exceptions.get(exception_id)
    if row is None:
        raise InputError(f"no exception with id {exception_id}")
    status = ExceptionStatus.APPROVED if approve else ExceptionStatus.REJECTED

    def write(tx: StoreTransaction) -> dict[str, Any]:
        tx.exceptions.decide(
            exception_id, status=status, by=by, at=store.clock(), expires_on=expires
        )
        return {
            "exception_id": exception_id,
            "finding_id": row.finding_id,
            "record_key_sha256": _digest(row.record_key),
            "status": status.value,
            "by": by,
            "expires_on": expires.isoformat() if expires else None,
        }

    store.trail.write_with_entry("exception", f"finding {row.finding_id}", write)


def list_exceptions(store: AuditStore, finding_id: int | None = None) -> list[RecordException]:
    return store.exceptions.listed(finding_id)


def _digest(key: str) -> str:
    """Keys are personal data and the trail is never purged: it holds their digest."""
    return sha256_text(key)


def _require_failing_key(store: AuditStore, finding_id: int, key: str) -> None:
    """An exception is for a record the finding's latest failing run actually listed."""
    finding = store.findings.get(finding_id)
    if finding is None or finding.last_run_id is None:
        return
    position = store.runs.rule_position(finding.last_run_id, finding.rule_id)
    if position is None:
        return
    listed = store.runs.failing_count(finding.last_run_id, position)
    if listed and not store.runs.has_failing_key(finding.last_run_id, position, key):
        raise InputError(
            f"record '{key}' is not among the failing records of finding {finding_id}'s latest run"
        )


def _require_finding(store: AuditStore, finding_id: int) -> None:
    if store.findings.get(finding_id) is None:
        raise InputError(f"no finding with id {finding_id}; see 'dqaudit actions list'")
