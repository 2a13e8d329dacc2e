"""Findings as the board sees them: open risks on the matrix, by status, by band, and
overdue actions by owner. Counts and dates only: no finding's text or record keys.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date

from dqaudit.reports.facts import FindingFact
from dqaudit.store import FindingStatus
from dqaudit.workspace.risk import RiskConfig

OVERDUE = "Overdue"
UNBANDED = "Unbanded"


@dataclass(frozen=True)
class Heatmap:
    """Open findings counted by likelihood × impact on the force's matrix."""

    matrix: int
    counts: dict[tuple[int, int], int]
    unscored: int

    def count(self, likelihood: int, impact: int) -> int:
        return self.counts.get((likelihood, impact), 0)


@dataclass(frozen=True)
class BandFindings:
    band: str
    colour: str | None
    open: int
    overdue: int
    resolved: int
    not_accepted: int

    @property
    def total(self) -> int:
        return self.open + self.resolved + self.not_accepted


@dataclass(frozen=True)
class OwnerOverdue:
    owner_name: str
    owner_email: str
    overdue: int
    open: int
    oldest_deadline: date
    days_overdue: int
    systems: list[str]


def count_heatmap(findings: list[FindingFact], matrix: int) -> Heatmap:
    """Open findings per (likelihood, impact); those off the matrix are counted apart."""
    counts: Counter[tuple[int, int]] = Counter()
    unscored = 0
    for finding in findings:
        if not finding.is_open:
            continue
        l_, i_ = finding.likelihood, finding.impact
        if l_ is None or i_ is None or not (1 <= l_ <= matrix and 1 <= i_ <= matrix):
            unscored += 1
            continue
        counts[(l_, i_)] += 1
    return Heatmap(matrix, dict(counts), unscored)


def count_by_status(findings: list[FindingFact], as_of: date) -> list[tuple[str, int]]:
    """Every workflow status in order (zeros included), then the derived Overdue count."""
    counts = Counter(f.status for f in findings)
    rows: list[tuple[str, int]] = [
        (status.value, counts.get(status, 0)) for status in FindingStatus
    ]
    rows.append((OVERDUE, sum(1 for f in findings if f.overdue(as_of))))
    return rows


def band_of(finding: FindingFact, risk: RiskConfig) -> str:
    """The band the finding was given, else the one its score falls in today."""
    return finding.band or risk.band_name(finding.risk_score) or UNBANDED


def count_by_band(findings: list[FindingFact], risk: RiskConfig, as_of: date) -> list[BandFindings]:
    """Open, overdue and closed findings per band, highest band first."""
    order = sorted(risk.bands, key=lambda name: -risk.bands[name].min_score)
    order += sorted({band_of(f, risk) for f in findings} - set(order))
    rows = []
    for band in order:
        group = [f for f in findings if band_of(f, risk) == band]
        if not group and band not in risk.bands:
            continue
        rows.append(
            BandFindings(
                band=band,
                colour=risk.bands[band].colour if band in risk.bands else None,
                open=sum(1 for f in group if f.is_open),
                overdue=sum(1 for f in group if f.overdue(as_of)),
                resolved=sum(
                    1 for f in group if f.status in (FindingStatus.RESOLVED, FindingStatus.VERIFIED)
                ),
                not_accepted=sum(1 for f in group if f.status is FindingStatus.NOT_ACCEPTED),
            )
        )
    return rows


def overdue_owners(findings: list[FindingFact], as_of: date) -> list[OwnerOverdue]:
    """Owners with overdue actions, most overdue first: who is not acting on their plan."""
    by_owner: dict[tuple[str, str], list[FindingFact]] = defaultdict(list)
    for finding in findings:
        if finding.is_open:
            owner = (finding.owner_name or "(no owner)", finding.owner_email or "")
            by_owner[owner].append(finding)
    rows = []
    for (name, email), group in by_owner.items():
        late = [f for f in group if f.overdue(as_of)]
        if not late:
            continue
        oldest = min(f.deadline for f in late if f.deadline is not None)
        rows.append(
            OwnerOverdue(
                owner_name=name,
                owner_email=email,
                overdue=len(late),
                open=len(group),
                oldest_deadline=oldest,
                days_overdue=(as_of - oldest).days,
                systems=sorted({f.system for f in late}),
            )
        )
    rows.sort(key=lambda r: (-r.overdue, -r.days_overdue, r.owner_name))
    return rows
