"""Plain-text views of governance state for the terminal."""

from __future__ import annotations

from datetime import datetime

from dqaudit.governance.approvals import SuiteDiff, SuiteState
from dqaudit.governance.retention import PurgeResult
from dqaudit.governance.schedule import ScheduleEntry
from dqaudit.governance.trail import TrailEntry, Verification
from dqaudit.workspace.risk import RiskConfig


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "-"


def describe_states(states: list[SuiteState], risk: RiskConfig) -> str:
    if not states:
        return "no suites in the workspace"
    lines = [f"{'suite':<28} {'band':<8} {'status':<24} approval"]
    for state in states:
        approval = state.approval
        detail = "-"
        if approval is not None:
            detail = (
                f"{approval.board} {approval.minute} by {approval.approved_by}, "
                f"{approval.approved_at:%Y-%m-%d}"
            )
            if approval.review_by:
                detail += f", review by {approval.review_by.isoformat()}"
            if approval.revoked_at:
                detail += f"; revoked {approval.revoked_at:%Y-%m-%d} ({approval.revoke_reason})"
        band = risk.band_name(state.suite.risk_score) or "-"
        lines.append(f"{state.suite.name:<28} {band:<8} {state.status:<24} {detail}")
        for reference in state.changed_references:
            lines.append(f"{'':<28} reference file changed since approval: {reference}")
        if state.rule_library is not None:
            lines.append(f"{'':<28} {describe_rule_library_change(state.rule_library)}")
    return "\n".join(lines)


def describe_rule_library_change(versions: tuple[str | None, str]) -> str:
    """The built-in rules a suite calls changed since its approval: say from what to what."""
    approved, now = versions
    if approved is None:
        return (
            f"rule library: approved before versions were recorded; now {now[:12]}… "
            "(re-approve to confirm the built-in rules)"
        )
    return (
        f"rule library changed since approval: approved under {approved[:12]}…, "
        f"now {now[:12]}… (re-approve to confirm the built-in rules)"
    )


def describe_diff(change: SuiteDiff) -> str:
    approval = change.approval
    lines = [
        f"suite {change.suite_name} against the version approved {approval.approved_at:%Y-%m-%d} "
        f"({approval.board} {approval.minute}, hash {approval.suite_hash[:16]}…)"
    ]
    if change.identical:
        if approval.revoked_at is not None:
            return lines[0] + "\nno differences, but that approval was revoked: it needs a new one"
        return lines[0] + "\nno differences: the suite is the approved version"
    lines += [f"  + {rule_id}  added" for rule_id in change.added]
    lines += [f"  - {rule_id}  removed" for rule_id in change.removed]
    lines += [
        f"  ~ {rule_id}  changed: {', '.join(fields)}" for rule_id, fields in change.changed.items()
    ]
    lines += [f"  ~ suite {field_name} changed" for field_name in change.suite_fields]
    return "\n".join(lines)


def describe_trail(entries: list[TrailEntry]) -> str:
    if not entries:
        return "the audit trail is empty"
    lines = []
    for entry in entries:
        details = ", ".join(
            f"{key}={value}"
            for key, value in entry.details.items()
            if not isinstance(value, dict | list)
        )
        lines.append(
            f"{entry.seq:>5}  {entry.recorded_at[:19]}  {entry.os_user:<10} {entry.action:<8} "
            f"{entry.subject or '-'}  {details}  [{entry.entry_hash[:12]}]"
        )
    return "\n".join(lines)


def describe_verification(result: Verification) -> str:
    lines = []
    if result.chain_ok:
        lines.append(
            f"trail intact: {result.entries} entries, head hash {result.head_hash} "
            "(record it in the board minutes to anchor the chain)"
        )
    else:
        lines.append(f"trail BROKEN at entry {result.broken_at}: {result.problem}")
    if result.unprotected:
        lines.append(
            "trail NOT PROTECTED: the database no longer refuses edits to it; missing: "
            + "; ".join(result.unprotected)
            + " (restore with 'dqaudit trail protect')"
        )
    return "\n".join(lines)


def describe_schedule(entries: list[ScheduleEntry], now: datetime) -> str:
    if not entries:
        return "no suites in the workspace"
    lines = [f"{'suite':<28} {'band':<8} {'cadence':<26} {'last complete':<17} next due"]
    for entry in entries:
        due = "DUE NOW" if entry.is_due(now) else _when(entry.next_due)
        lines.append(
            f"{entry.suite.name:<28} {entry.band or '-':<8} {entry.cadence.label:<26} "
            f"{_when(entry.last_complete):<17} {due}"
        )
    return "\n".join(lines)


def describe_purge(result: PurgeResult) -> str:
    verb = "would purge" if result.dry_run else "purged"
    if not result.runs:
        return f"nothing to purge: no run before {result.cutoff:%Y-%m-%d} holds record details"
    lines = [
        f"{verb} {result.records} failing-record detail(s) from {len(result.runs)} run(s) "
        f"started before {result.cutoff:%Y-%m-%d} (counts, outcomes and hashes are kept)"
    ]
    for run in result.runs:
        lines.append(
            f"  {run.run_id[:12]}  {run.started_at:%Y-%m-%d}  {run.suite_name}  {run.records}"
        )
    return "\n".join(lines)
