"""Findings: each failing expectation on a system, kept as ONE finding across runs.

A complete, approved (non-draft) run updates the findings of its suite: a failing rule
creates its finding (status Open, due by its band's default) or updates the latest
counts and trend; a passing rule moves an Agreed or Resolved finding to Verified; a rule
that fails again after being Resolved or Verified reopens. Records under an approved,
unexpired exception are counted separately and not against the owner.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from dqaudit.expectations.suite import Suite, load_workspace_suites
from dqaudit.expectations.wording import describe_rule
from dqaudit.store import schema
from dqaudit.store.database import COMPLETE, AuditStore, as_utc
from dqaudit.workspace.config import Workspace

OPEN, AGREED, IN_PROGRESS, RESOLVED, VERIFIED, NOT_ACCEPTED = schema.FINDING_STATUSES
OVERDUE = "Overdue"
REOPENED_FROM = (RESOLVED, VERIFIED)
VERIFIED_FROM = (AGREED, RESOLVED)


@dataclass
class FindingsUpdate:
    """What one run did to the findings, by finding id."""

    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    verified: list[int] = field(default_factory=list)
    reopened: list[int] = field(default_factory=list)


def is_overdue(status: str, agreed_date: date | None, due_date: date | None, today: date) -> bool:
    """Past the agreed date (or the default due date) and not closed."""
    if status in schema.CLOSED_STATUSES:
        return False
    deadline = agreed_date or due_date
    return deadline is not None and deadline < today


def shown_status(row: Any, today: date | None = None) -> str:
    """The status as owners see it: "Overdue" replaces an open status past its date."""
    today = today or datetime.now(UTC).date()
    if is_overdue(row.status, row.agreed_date, row.due_date, today):
        return OVERDUE
    return row.status


def update_findings(
    store: AuditStore, workspace: Workspace, run_id: str, suite: Suite | None = None
) -> FindingsUpdate:
    """Fold one run's outcomes into the findings; draft or incomplete runs change nothing."""
    run = store.get_run(run_id, with_keys=False)  # counts and outcomes are all it needs
    update = FindingsUpdate()
    if run["draft"] or run["status"] != COMPLETE:
        return update
    if suite is None or suite.hash != run["suite_hash"]:  # the suite the run ran, for wording
        suite = _suite_for(workspace, run["suite_name"], run["suite_hash"])
    system = workspace.config.systems.get(run["system"])
    owner = system.owner if system else None
    risk = workspace.config.risk
    now = as_utc(run["started_at"])
    with store.engine.begin() as connection:
        for rule in run["rules"]:
            if not rule["rule_id"] or rule["error"]:
                continue
            finding = _finding(connection, run, rule["rule_id"])
            excepted = _excepted_count(connection, finding, run_id, rule["position"], now.date())
            failing = (
                None if rule["unexpected_count"] is None else rule["unexpected_count"] - excepted
            )
            passed = bool(rule["success"]) or (failing is not None and failing == 0)
            if finding is None and passed:
                continue
            likelihood, impact = rule["likelihood"], rule["impact"]
            score = (likelihood or 0) * (impact or 0) or None
            band = risk.band_name(score)
            details = _rule_text(suite, rule)
            values: dict[str, Any] = {
                "owner_name": owner.name if owner else None,
                "owner_email": owner.email if owner else None,
                "expectation_type": rule["expectation_type"],
                "kwargs": rule["kwargs"],
                "description": details[0],
                "remediation": details[1],
                "dimension": rule["dimension"],
                "likelihood": likelihood,
                "impact": impact,
                "risk_score": score,
                "band": band,
                "last_checked_run_id": run_id,
                "last_checked_at": now,
                "updated_at": datetime.now(UTC),
            }
            if finding is None:
                due = now.date() + timedelta(days=risk.bands[band].due_days) if band else None
                finding_id = connection.execute(
                    schema.findings.insert().values(
                        system=run["system"],
                        dataset=run["dataset"],
                        suite_name=run["suite_name"],
                        rule_id=rule["rule_id"],
                        first_seen=now,
                        last_seen=now,
                        first_run_id=run_id,
                        last_run_id=run_id,
                        failing_count=failing,
                        failing_percent=_percent_not_excepted(rule, excepted),
                        excepted_count=excepted,
                        status=OPEN,
                        due_date=due,
                        **values,
                    )
                ).inserted_primary_key[0]
                update.created.append(int(finding_id))
            else:
                finding_id = finding.finding_id
                values.update(
                    previous_failing_count=finding.failing_count,
                    failing_count=failing,
                    failing_percent=_percent_not_excepted(rule, excepted),
                    excepted_count=excepted,
                )
                if passed:
                    if finding.status in VERIFIED_FROM:
                        values["status"] = VERIFIED
                        update.verified.append(int(finding_id))
                else:
                    values.update(last_seen=now, last_run_id=run_id)
                    if finding.status in REOPENED_FROM:
                        values["status"] = OPEN
                        values["agreed_date"] = None  # the old date no longer applies
                        if band:
                            values["due_date"] = now.date() + timedelta(
                                days=risk.bands[band].due_days
                            )
                        update.reopened.append(int(finding_id))
                update.updated.append(int(finding_id))
                connection.execute(
                    schema.findings.update()
                    .where(schema.findings.c.finding_id == finding_id)
                    .values(**values)
                )
            connection.execute(
                schema.finding_observations.insert().values(
                    finding_id=finding_id,
                    run_id=run_id,
                    observed_at=now,
                    passed=passed,
                    failing_count=failing,
                    failing_percent=_percent_not_excepted(rule, excepted),
                    excepted_count=excepted,
                )
            )
    return update


def _percent_not_excepted(rule: dict[str, Any], excepted: int) -> float | None:
    """GX's failing % of the rule, less the records under an exception."""
    percent, count = rule["unexpected_percent"], rule["unexpected_count"]
    if percent is None or not count:
        return percent
    return percent * (count - excepted) / count


def _finding(connection: sa.Connection, run: dict[str, Any], rule_id: str) -> Any:
    findings = schema.findings
    return connection.execute(
        sa.select(findings).where(
            findings.c.system == run["system"],
            findings.c.dataset == run["dataset"],
            findings.c.suite_name == run["suite_name"],
            findings.c.rule_id == rule_id,
        )
    ).first()


def _excepted_count(
    connection: sa.Connection, finding: Any, run_id: str, position: int, today: date
) -> int:
    """Failing records of this run covered by an approved exception still in force."""
    if finding is None:
        return 0
    exceptions, records = schema.record_exceptions, schema.failing_records
    keys = (
        sa.select(exceptions.c.record_key)
        .where(
            exceptions.c.finding_id == finding.finding_id,
            exceptions.c.status == "approved",
            sa.or_(exceptions.c.expires_on.is_(None), exceptions.c.expires_on >= today),
        )
        .scalar_subquery()
    )
    return int(
        connection.execute(
            sa.select(sa.func.count())
            .select_from(records)
            .where(
                records.c.run_id == run_id,
                records.c.position == position,
                records.c.record_key.in_(keys),
            )
        ).scalar()
        or 0
    )


def _suite_for(workspace: Workspace, name: str, suite_hash: str) -> Suite | None:
    try:
        suites = load_workspace_suites(workspace)
    except Exception:  # a broken suite file elsewhere must not stop findings
        return None
    matches = [s for s in suites if s.name == name]
    exact = [s for s in matches if s.hash == suite_hash]
    return (exact or matches or [None])[0]


def _rule_text(suite: Suite | None, rule: dict[str, Any]) -> tuple[str, str | None]:
    """The rule in plain English, and the remediation the suite recommends for it."""
    rationale = remediation = None
    if suite is not None:
        for candidate in suite.rules:
            if candidate.rule_id == rule["rule_id"]:
                rationale, remediation = candidate.rationale, candidate.remediation
    description = describe_rule(rule["expectation_type"], rule["kwargs"] or {})
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
) -> list[Any]:
    """Findings ranked by risk (highest first), optionally one owner's or system's."""
    today = today or datetime.now(UTC).date()
    findings = schema.findings
    query = sa.select(findings).order_by(
        sa.func.coalesce(findings.c.risk_score, 0).desc(), findings.c.finding_id
    )
    if owner:
        query = query.where(sa.func.lower(findings.c.owner_email) == owner.lower())
    if system:
        query = query.where(findings.c.system == system)
    with store.engine.connect() as connection:
        rows = connection.execute(query).all()
    if overdue_only:
        rows = [r for r in rows if is_overdue(r.status, r.agreed_date, r.due_date, today)]
    return rows
