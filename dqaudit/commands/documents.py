"""The ``--json`` documents of the listing commands, built from the library's dataclasses.

Each document is a JSON object with a ``document_version`` and one list, described in
docs/commands.md. A version only ever adds fields: a field is never renamed, retyped or
dropped without a new version, so a script written for version 1 reads a later one.
Times are ISO 8601 in UTC, dates ISO dates, statuses their stored values. No document
holds record content: findings carry counts, never keys or values.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from dqaudit.connectors.registry import ConnectorInfo
    from dqaudit.governance.approvals import SuiteState
    from dqaudit.governance.rule_library import RuleCatalogue
    from dqaudit.governance.schedule import ScheduleEntry
    from dqaudit.store import Finding, RunSummary, TrailEntry
    from dqaudit.workspace.risk import RiskConfig

# The version of each listing document (see docs/commands.md, "JSON documents").
LISTING_VERSION = 1


def echo_json(document: dict[str, Any]) -> None:
    """A document on stdout, as one JSON text (indented, for people and tools alike)."""
    click.echo(json.dumps(document, indent=2, default=plain))


def plain(value: Any) -> Any:
    """A value as the documents show it: times and dates ISO, enums their value."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "value"):
        return value.value
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    return str(value)


def _document(name: str, items: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"document_version": LISTING_VERSION, **extra, name: items}


def runs_document(runs: Sequence[RunSummary]) -> dict[str, Any]:
    """``audit list --json``."""
    return _document(
        "runs",
        [
            {
                "run_id": run.run_id,
                "batch_id": run.batch_id,
                "suite": run.suite_name,
                "suite_hash": run.suite_hash,
                "system": run.system,
                "dataset": run.dataset,
                "status": run.status.value,
                "outcome": run.outcome.value if run.outcome else None,
                "draft": run.draft,
                "started_at": run.started_at,
                "ended_at": run.ended_at,
                "risk_score": run.risk_score,
                "band": run.band,
                "rule_library_version": run.rule_library_version,
            }
            for run in runs
        ],
    )


def findings_document(findings: Sequence[Finding], today: date) -> dict[str, Any]:
    """``actions list --json``: each finding's rule, risk, status and counts (no keys)."""
    from dqaudit.actions.findings import is_overdue, shown_status

    return _document(
        "findings",
        [
            {
                "finding_id": row.finding_id,
                "system": row.system,
                "dataset": row.dataset,
                "suite": row.suite_name,
                "rule_id": row.rule_id,
                "expectation_type": row.expectation_type,
                "description": row.description,
                "dimension": row.dimension,
                "likelihood": row.likelihood,
                "impact": row.impact,
                "risk_score": row.risk_score,
                "band": row.band,
                "owner_name": row.owner_name,
                "owner_email": row.owner_email,
                "status": row.status.value,
                "shown_status": shown_status(row, today),
                "overdue": is_overdue(row.status, row.agreed_date, row.due_date, today),
                "status_reason": row.status_reason,
                "due_date": row.due_date,
                "agreed_date": row.agreed_date,
                "agreed_action": row.agreed_action,
                "owner_comment": row.owner_comment,
                "not_accepted_reason": row.not_accepted_reason,
                "remediation": row.remediation,
                "failing_count": row.failing_count,
                "failing_percent": row.failing_percent,
                "previous_failing_count": row.previous_failing_count,
                "excepted_count": row.excepted_count,
                "first_seen": row.first_seen,
                "last_seen": row.last_seen,
                "last_run_id": row.last_run_id,
                "rule_library_version": row.rule_library_version,
            }
            for row in findings
        ],
        today=today,
    )


def schedule_document(entries: Sequence[ScheduleEntry], now: datetime, timezone: str) -> dict:
    """``schedule --json``: times in UTC; ``timezone`` is the one cron slots are read in."""
    return _document(
        "suites",
        [
            {
                "suite": entry.suite.name,
                "system": entry.suite.system,
                "dataset": entry.suite.dataset,
                "risk_score": entry.score or None,
                "band": entry.band,
                "cadence": entry.cadence.label,
                "cron": entry.cadence.cron,
                "falls_due": entry.cadence.describe(entry.timezone),
                "last_complete": entry.last_complete,
                "next_due": entry.next_due,
                "due": entry.is_due(now),
            }
            for entry in entries
        ],
        now=now,
        timezone=timezone,
    )


def states_document(states: Sequence[SuiteState], risk: RiskConfig) -> dict[str, Any]:
    """``suite status --json``: each suite's approval state and the approval it rests on."""
    suites = []
    for state in states:
        approval = state.approval
        library = state.rule_library
        suites.append(
            {
                "suite": state.suite.name,
                "system": state.suite.system,
                "dataset": state.suite.dataset,
                "suite_hash": state.suite.hash,
                "risk_score": state.suite.risk_score or None,
                "band": risk.band_name(state.suite.risk_score),
                "status": state.status.value,
                "runnable": state.runnable,
                "approval": None
                if approval is None
                else {
                    "suite_hash": approval.suite_hash,
                    "board": approval.board,
                    "minute": approval.minute,
                    "approved_by": approval.approved_by,
                    "approved_at": approval.approved_at,
                    "review_by": approval.review_by,
                    "revoked_at": approval.revoked_at,
                    "revoked_by": approval.revoked_by,
                    "revoke_reason": approval.revoke_reason,
                    "rule_library_version": approval.rule_library_version,
                },
                "changed_references": list(state.changed_references),
                "rule_library_changed": None
                if library is None
                else {"approved_under": library[0], "now": library[1]},
            }
        )
    return _document("suites", suites)


def trail_document(entries: Sequence[TrailEntry]) -> dict[str, Any]:
    """``trail --json``: every entry with its hash chain."""
    return _document(
        "entries",
        [
            {
                "seq": entry.seq,
                "recorded_at": entry.recorded_at,
                "os_user": entry.os_user,
                "host": entry.host,
                "action": entry.action,
                "subject": entry.subject,
                "details": entry.details,
                "prev_hash": entry.prev_hash,
                "entry_hash": entry.entry_hash,
            }
            for entry in entries
        ],
    )


def connectors_document(infos: Sequence[ConnectorInfo]) -> dict[str, Any]:
    """``connectors list --json``."""
    return _document(
        "connectors",
        [
            {
                "type": info.type,
                "package": info.package,
                "version": info.version,
                "description": info.description,
            }
            for info in infos
        ],
    )


def rules_document(catalogue: RuleCatalogue) -> dict[str, Any]:
    """``rules list --json``: the rules, derived datasets and code lists, with sources."""
    return _document(
        "rules",
        [
            {
                "expectation_type": rule.expectation_type,
                "family": rule.family,
                "summary": rule.summary,
                "source": rule.source or None,
                "engines": list(rule.engines),
                "example": {"type": rule.expectation_type, "kwargs": rule.example},
                "valid": list(rule.valid),
                "invalid": list(rule.invalid),
                "reference_kwargs": list(rule.reference_kwargs),
            }
            for rule in catalogue.rules
        ],
        rule_library_version=catalogue.version,
        derivations=[
            {
                "kind": derivation.kind,
                "summary": derivation.summary,
                "source": derivation.source or None,
                "engines": list(derivation.engines),
                "columns": list(derivation.columns),
                "example": {"derivation": derivation.example},
            }
            for derivation in catalogue.derivations
        ],
        code_lists=[
            {
                "name": code_list.name,
                "title": code_list.title,
                "public": code_list.public,
                "publisher": code_list.publisher or None,
                "edition": code_list.edition or None,
                "url": code_list.url or None,
                "codes": list(code_list.codes),
            }
            for code_list in catalogue.code_lists
        ],
    )
