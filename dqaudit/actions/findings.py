"""Findings: each failing expectation on a system, kept as ONE finding across runs.

A complete, approved (non-draft) run updates the findings of its suite: a failing rule
creates its finding (status Open, due by its band's default) or updates the latest
counts and trend; a passing rule moves an Agreed or Resolved finding to Verified; a rule
that fails again after being Resolved or Verified reopens. Records under an approved,
unexpired exception are counted separately and not against the owner.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from dqaudit.actions.finding_status import (
    OVERDUE,
    RunFailed,
    RunPassed,
    is_overdue,
    rule_library_changed,
    transition,
)
from dqaudit.expectations.suite import load_workspace_suites
from dqaudit.expectations.suite_model import Suite
from dqaudit.expectations.wording import describe_rule
from dqaudit.store import AuditStore, Finding, FindingStatus, RunStatus, StoredRuleResult
from dqaudit.workspace.config import Workspace

__all__ = [
    "OVERDUE",
    "FindingsUpdate",
    "is_overdue",
    "list_findings",
    "shown_status",
    "update_findings",
]


@dataclass
class FindingsUpdate:
    """What one run did to the findings, by finding id."""

    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    verified: list[int] = field(default_factory=list)
    reopened: list[int] = field(default_factory=list)
    reassessed: list[tuple[int, str]] = field(default_factory=list)  # (id, why not verified)


def shown_status(row: Finding, today: date) -> str:
    """The status as owners see it: "Overdue" replaces an open status past its date."""
    if is_overdue(row.status, row.agreed_date, row.due_date, today):
        return OVERDUE
    return row.status.value


def update_findings(
    store: AuditStore, workspace: Workspace, run_id: str, suite: Suite | None = None
) -> FindingsUpdate:
    """Fold one run's outcomes into the findings; draft or incomplete runs change nothing.

    Every status change goes through ``finding_status.transition``; a run under another
    rule-library version than a finding's last assessment never verifies it."""
    run = store.get_run(run_id, with_keys=False)  # counts and outcomes are all it needs
    update = FindingsUpdate()
    if run.draft or run.status != RunStatus.COMPLETE:
        return update
    if suite is None or suite.hash != run.suite_hash:  # the suite the run ran, for wording
        suite = _suite_for(workspace, run.suite_name, run.suite_hash)
    system = workspace.config.systems.get(run.system or "")
    owner = system.owner if system else None
    risk = workspace.config.risk
    now = run.started_at
    with store.transaction() as tx:
        for rule in run.rules:
            if not rule.rule_id or rule.error:
                continue
            finding = tx.findings.find(
                run.system or "", run.dataset or "", run.suite_name, rule.rule_id
            )
            excepted = (
                0
                if finding is None
                else tx.findings.excepted_count(
                    finding.finding_id, run_id, rule.position, now.date()
                )
            )
            failing = None if rule.unexpected_count is None else rule.unexpected_count - excepted
            passed = bool(rule.success) or (failing is not None and failing == 0)
            changed = finding is not None and rule_library_changed(
                finding.rule_library_version, run.rule_library_version
            )
            event = RunPassed(changed) if passed else RunFailed(changed)
            step = transition(finding.status if finding else None, event)
            if step.status is None:
                continue
            likelihood, impact = rule.likelihood, rule.impact
            score = (likelihood or 0) * (impact or 0) or None
            band = risk.band_name(score)
            description, remediation = _rule_text(suite, rule)
            values: dict[str, Any] = {
                "owner_name": owner.name if owner else None,
                "owner_email": owner.email if owner else None,
                "expectation_type": rule.expectation_type,
                "kwargs": rule.kwargs,
                "description": description,
                "remediation": remediation,
                "dimension": rule.dimension,
                "likelihood": likelihood,
                "impact": impact,
                "risk_score": score,
                "band": band,
                "last_checked_run_id": run_id,
                "last_checked_at": now,
                "updated_at": store.clock(),
                "failing_count": failing,
                "failing_percent": _percent_not_excepted(rule, excepted),
                "excepted_count": excepted,
                "status": step.status,
                "status_reason": step.reason,
            }
            if run.rule_library_version is not None:
                values["rule_library_version"] = run.rule_library_version
            if finding is None:
                due = now.date() + timedelta(days=risk.bands[band].due_days) if band else None
                finding_id = tx.findings.create(
                    {
                        "system": run.system,
                        "dataset": run.dataset,
                        "suite_name": run.suite_name,
                        "rule_id": rule.rule_id,
                        "first_seen": now,
                        "last_seen": now,
                        "first_run_id": run_id,
                        "last_run_id": run_id,
                        "due_date": due,
                        **values,
                    }
                )
                update.created.append(finding_id)
            else:
                finding_id = finding.finding_id
                values["previous_failing_count"] = finding.failing_count
                if not passed:
                    values.update(last_seen=now, last_run_id=run_id)
                if step.status is FindingStatus.VERIFIED and finding.status is not step.status:
                    update.verified.append(finding_id)
                elif (
                    passed
                    and changed
                    and finding.status
                    in (
                        FindingStatus.AGREED,
                        FindingStatus.RESOLVED,
                    )
                ):
                    update.reassessed.append((finding_id, step.reason))
                if step.status is FindingStatus.OPEN and finding.status is not FindingStatus.OPEN:
                    values["agreed_date"] = None  # the old date no longer applies
                    if band:
                        values["due_date"] = now.date() + timedelta(days=risk.bands[band].due_days)
                    update.reopened.append(finding_id)
                update.updated.append(finding_id)
                tx.findings.update(finding_id, values)
            tx.findings.observe(
                finding_id,
                run_id,
                observed_at=now,
                passed=passed,
                failing_count=failing,
                failing_percent=_percent_not_excepted(rule, excepted),
                excepted_count=excepted,
            )
    return update


def _percent_not_excepted(rule: StoredRuleResult, excepted: int) -> float | None:
    """GX's failing % of the rule, less the records under an exception."""
    percent, count = rule.unexpected_percent, rule.unexpected_count
    if percent is None or not count:
        return percent
    return percent * (count - excepted) / count


def _suite_for(workspace: Workspace, name: str, suite_hash: str) -> Suite | None:
    try:
        suites = load_workspace_suites(workspace)
    except Exception:  # a broken suite file elsewhere must not stop findings
        return None
    matches = [s for s in suites if s.name == name]
    exact = [s for s in matches if s.hash == suite_hash]
    candidates = exact or matches
    return candidates[0] if candidates else None


def _rule_text(suite: Suite | None, rule: StoredRuleResult) -> tuple[str, str | None]:
    """The rule in plain English, and the remediation the suite recommends for it."""
    rationale = remediation = None
    if suite is not None:
        for candidate in suite.rules:
            if candidate.rule_id == rule.rule_id:
                rationale, remediation = candidate.rationale, candidate.remediation
    description = describe_rule(rule.expectation_type, rule.kwargs or {})
    if rationale:
        description = f"{description} {rationale}"
    return description, remediation


def list_findings(
    store: AuditStore,
    *,
    owner: str | None = None,
    system: str | None = None,
    overdue_only: bool = False,
    today: date | None = None,
) -> list[Finding]:
    """Findings ranked by risk (highest first), optionally one owner's or system's."""
    today = today or store.clock().date()
    rows = store.findings.ranked(owner=owner, system=system)
    if overdue_only:
        rows = [r for r in rows if is_overdue(r.status, r.agreed_date, r.due_date, today)]
    return rows
