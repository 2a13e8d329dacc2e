"""Plain-text views of findings, plans and exceptions for the terminal."""

from __future__ import annotations

from datetime import UTC, datetime

from dqaudit.actions.delivery import Delivery
from dqaudit.actions.export import PlanFile
from dqaudit.actions.finding_status import LIBRARY_CHANGED
from dqaudit.actions.findings import shown_status
from dqaudit.actions.plan_import import ImportResult
from dqaudit.store import Finding, RecordException


def describe_findings(rows: list[Finding]) -> str:
    if not rows:
        return "no findings"
    today = datetime.now(UTC).date()
    lines = [
        f"{'id':>5}  {'band':<7} {'status':<12} {'due':<10} {'failing':>8}  {'owner':<32} rule"
    ]
    for row in rows:
        due = row.agreed_date or row.due_date
        lines.append(
            f"{row.finding_id:>5}  {row.band or '-':<7} {shown_status(row, today):<12} "
            f"{due.isoformat() if due else '-':<10} {row.failing_count if row.failing_count is not None else '-':>8}  "
            f"{row.owner_email or '-':<32} {row.system}/{row.suite_name} {row.rule_id}"
        )
        if row.status_reason == LIBRARY_CHANGED:
            lines.append(f"{'':>7}note: not verified: {row.status_reason}")
    return "\n".join(lines)


def describe_exports(plans: list[PlanFile]) -> str:
    if not plans:
        return "no findings to export"
    lines = []
    for plan in plans:
        lines.append(
            f"{plan.owner_email}: {plan.findings} finding(s) -> {plan.path} (plan {plan.plan_id})"
        )
        for overflow in plan.overflow_files:
            lines.append(f"  full list of a capped sheet: {overflow}")
    return "\n".join(lines)


def describe_import(result: ImportResult) -> str:
    if result.already_imported:
        return f"plan {result.plan_id}: this file was already imported; nothing changed"
    conflicts = [f"  {conflict}" for conflict in result.conflicts]
    if not result.changed and conflicts:
        return "\n".join([f"plan {result.plan_id}: nothing applied", *conflicts])
    if not result.changed:
        return f"plan {result.plan_id}: no changes (already imported, or nothing edited)"
    lines = [f"plan {result.plan_id} from {result.owner_email}:"]
    for finding_id, fields in sorted(result.changes.items()):
        changes = ", ".join(f"{name}: {old!r} -> {new!r}" for name, (old, new) in fields.items())
        lines.append(f"  finding {finding_id}: {changes}")
    for finding_id, key in result.exceptions_requested:
        lines.append(f"  finding {finding_id}: exception requested for record {key}")
    return "\n".join(lines + conflicts)


def describe_deliveries(deliveries: list[Delivery], dry_run: bool) -> str:
    if not deliveries:
        return "no findings: nothing to send"
    verb = "would send" if dry_run else "sent"
    return "\n".join(
        f"{verb} {d.owner_email} ({d.owner_name or '-'}): {d.findings} finding(s)"
        + (f", {d.attachment.name}" if d.attachment else "")
        for d in deliveries
    )


def describe_exceptions(rows: list[RecordException]) -> str:
    if not rows:
        return "no exceptions"
    lines = [f"{'id':>4}  {'finding':>7}  {'status':<9} {'expires':<10} {'key':<20} reason"]
    for row in rows:
        expires = row.expires_on.isoformat() if row.expires_on else "-"
        lines.append(
            f"{row.exception_id:>4}  {row.finding_id:>7}  {row.status:<9} {expires:<10} "
            f"{row.record_key:<20} {row.reason}"
        )
    return "\n".join(lines)
