"""The risk register: the open findings a board member asks about first.

"Which are the High risks?" The register lists every open finding of the highest risk
band and the top N open findings by score (``report.register_top``), each with its
system, the rule in plain English (built from the stored expectation type and kwargs, and
the suite's rationale), DAMA dimension, likelihood × impact, failing count and trend,
owner, status and due date. Like the rest of the summary it holds no record keys or
values: a rule's settings name columns, codes and reference files, never records.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from dqaudit.expectations.suite_model import Suite
from dqaudit.expectations.wording import describe_rule
from dqaudit.reports.facts import FindingFact
from dqaudit.reports.findings_view import OVERDUE, band_of
from dqaudit.workspace.risk import RiskConfig


@dataclass(frozen=True)
class RegisterEntry:
    finding_id: int
    system: str
    dataset: str
    suite: str
    rule_id: str
    rule: str
    dimension: str | None
    likelihood: int | None
    impact: int | None
    score: int | None
    band: str
    failing: int | None
    previous: int | None
    owner: str | None
    status: str
    due: date | None

    @property
    def trend(self) -> str:
        if self.previous is None:
            return "new"
        if self.failing is None or self.failing == self.previous:
            return "no change"
        return "worse" if self.failing > self.previous else "better"


def top_band(risk: RiskConfig) -> str | None:
    """The highest band of the force's risk model (High, by default)."""
    return max(risk.bands, key=lambda name: risk.bands[name].min_score, default=None)


def risk_register(
    findings: list[FindingFact],
    suites: list[Suite],
    risk: RiskConfig,
    as_of: date,
    top: int,
) -> list[RegisterEntry]:
    """Open findings of the top band, plus the ``top`` highest scored, highest first."""
    highest = top_band(risk)
    open_findings = sorted(
        (f for f in findings if f.is_open),
        key=lambda f: (-(f.risk_score or 0), f.finding_id),
    )
    chosen = [f for f in open_findings if band_of(f, risk) == highest]
    chosen += [f for f in open_findings[:top] if f not in chosen]
    chosen.sort(key=lambda f: (-(f.risk_score or 0), f.finding_id))
    rationale = {
        (suite.name, rule.rule_id): rule.rationale
        for suite in suites
        for rule in suite.rules
        if rule.rule_id
    }
    return [
        RegisterEntry(
            finding_id=f.finding_id,
            system=f.system,
            dataset=f.dataset,
            suite=f.suite_name,
            rule_id=f.rule_id,
            rule=describe_rule(
                f.expectation_type, f.kwargs or {}, rationale.get((f.suite_name, f.rule_id))
            ),
            dimension=f.dimension,
            likelihood=f.likelihood,
            impact=f.impact,
            score=f.risk_score,
            band=band_of(f, risk),
            failing=f.failing_count,
            previous=f.previous_failing_count,
            owner=f.owner_name or f.owner_email,
            status=OVERDUE if f.overdue(as_of) else f.status.value,
            due=f.deadline,
        )
        for f in chosen
    ]
