"""The SIMB audit summary as plain data, computed from the audit store and the workspace.

The board asks four questions: which systems were audited (against what was due), how
good their data is, which risks are open, and whether owners act on their action plans.
``build_summary`` answers them for one period with aggregates only: counts, scores, dates
and owners. Rendering (HTML, Excel) is separate, so both show exactly the same figures.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from dqaudit.errors import InputError
from dqaudit.expectations.suite import load_workspace_suites
from dqaudit.expectations.suite_model import DIMENSIONS, Suite
from dqaudit.governance import approvals
from dqaudit.governance.rule_library import current_version
from dqaudit.governance.schedule import cadence, next_due
from dqaudit.reports.facts import RunFact, load_findings, load_outcomes, load_runs
from dqaudit.reports.findings_view import (
    BandFindings,
    Heatmap,
    OwnerOverdue,
    count_by_band,
    count_by_status,
    count_heatmap,
    overdue_owners,
)
from dqaudit.reports.period import Period
from dqaudit.reports.quality import RuleOutcome, Score, score
from dqaudit.reports.register import RegisterEntry, risk_register, top_band
from dqaudit.store import AuditStore, RunStatus
from dqaudit.workspace.config import Workspace
from dqaudit.workspace.report_settings import ReportConfig
from dqaudit.workspace.risk import RiskConfig

COMPLETE = RunStatus.COMPLETE
PENDING_STATUSES = (approvals.NEVER_APPROVED, approvals.CHANGED)


@dataclass(frozen=True)
class Headline:
    audits_due: int
    audits_done: int
    runs_complete: int
    runs_draft: int
    runs_incomplete: int
    suites_approved: int
    suites_pending: int
    suites_review_overdue: int
    suites_revoked: int
    suites_unconfirmed: int  # the approval fails the trail cross-check: investigate
    findings_open: int
    findings_overdue: int

    @property
    def audits_outstanding(self) -> int:
        return self.audits_due - self.audits_done


@dataclass(frozen=True)
class SystemAudit:
    """A records system: who owns it and whether it was audited in the period."""

    system: str
    description: str
    owner_name: str | None
    owner_email: str | None
    suites: int
    suites_audited: int
    runs: int
    last_run: datetime | None


@dataclass(frozen=True)
class SuiteApproval:
    suite: str
    system: str | None
    band: str | None
    status: str
    board: str | None
    minute: str | None
    approved_on: date | None
    review_by: date | None


@dataclass(frozen=True)
class DueAudit:
    """One approved suite's schedule in the period: audits due, done, and runs made."""

    suite: str
    system: str | None
    band: str | None
    cadence: str
    due: int
    done: int
    runs: int
    last_complete: datetime | None

    @property
    def outstanding(self) -> int:
        return self.due - self.done


@dataclass(frozen=True)
class QualityRow:
    """A system's scores per DAMA dimension, from each suite's latest run in the period."""

    system: str
    dimensions: dict[str, Score]
    overall: Score
    runs: int
    draft: bool
    latest_run: datetime | None


@dataclass(frozen=True)
class TrendPoint:
    at: datetime
    score: Score


@dataclass(frozen=True)
class SystemTrend:
    system: str
    points: list[TrendPoint]


@dataclass(frozen=True)
class DraftRun:
    suite: str
    system: str | None
    dataset: str | None
    started_at: datetime
    status: str
    outcome: str | None
    rules_failed: int
    approval_status: str


@dataclass(frozen=True)
class SimbSummary:
    """Everything the SIMB summary shows; aggregates only, no record content."""

    title: str
    marking: str
    period: Period
    generated_at: datetime
    as_of: date
    settings: ReportConfig
    risk: RiskConfig
    headline: Headline
    systems: list[SystemAudit]
    approvals: list[SuiteApproval]
    schedule: list[DueAudit]
    dimensions: tuple[str, ...]
    quality: list[QualityRow]
    fleet: QualityRow
    trends: list[SystemTrend]
    heatmap: Heatmap
    findings_by_status: list[tuple[str, int]]
    findings_by_band: list[BandFindings]
    overdue_by_owner: list[OwnerOverdue]
    draft_runs: list[DraftRun]
    notes: list[str] = field(default_factory=list)
    register: list[RegisterEntry] = field(default_factory=list)

    @property
    def top_band(self) -> str | None:
        return top_band(self.risk)

    def local(self, moment: datetime) -> datetime:
        """A stored (UTC) time in the report's timezone, as the board reads it."""
        return moment.astimezone(ZoneInfo(self.period.timezone))


def build_summary(
    workspace: Workspace, store: AuditStore, period: Period, *, now: datetime | None = None
) -> SimbSummary:
    """Compute the summary of ``period`` from the store (read only) and the workspace."""
    settings = workspace.config.report
    risk = workspace.config.risk
    now = now or store.clock()
    as_of = now.astimezone(ZoneInfo(period.timezone)).date()
    suites = load_workspace_suites(workspace)
    version = current_version()
    states = {
        s.name: approvals.suite_state(
            store, workspace, s, today=as_of, rule_library_version=version
        )
        for s in suites
    }
    runs = [r for r in load_runs(store) if r.started_at < now]
    in_period = [r for r in runs if period.contains(r.started_at)]
    notes: list[str] = []

    schedule = _schedule(
        suites, states, runs, risk, period, now, notes, workspace.config.schedule.timezone
    )
    chosen = _quality_runs(in_period)
    trend_runs = _trend_runs(runs, period, settings.trend_points)
    needed = {r.run_id for r in chosen} | {r.run_id for r in in_period if r.draft}
    needed |= {
        run.run_id for points in trend_runs.values() for _at, group in points for run in group
    }
    outcomes = load_outcomes(store, needed)
    quality, fleet = _quality(workspace, chosen, outcomes, settings)
    trends = [
        SystemTrend(
            system,
            [
                TrendPoint(at, score(_combined(group, outcomes), settings.weighting))
                for at, group in points
            ],
        )
        for system, points in sorted(trend_runs.items())
    ]
    findings = [f for f in load_findings(store) if f.first_seen < period.end]
    if not findings:
        notes.append("No findings were recorded by the end of the period.")
    headline = Headline(
        audits_due=sum(d.due for d in schedule),
        audits_done=sum(d.done for d in schedule),
        runs_complete=sum(1 for r in in_period if r.status == COMPLETE and not r.draft),
        runs_draft=sum(1 for r in in_period if r.draft),
        runs_incomplete=sum(1 for r in in_period if r.status != COMPLETE and not r.draft),
        suites_approved=sum(1 for s in states.values() if s.status == approvals.APPROVED),
        suites_pending=sum(1 for s in states.values() if s.status in PENDING_STATUSES),
        suites_review_overdue=sum(
            1 for s in states.values() if s.status == approvals.REVIEW_OVERDUE
        ),
        suites_revoked=sum(1 for s in states.values() if s.status == approvals.REVOKED),
        suites_unconfirmed=sum(1 for s in states.values() if s.status == approvals.UNCONFIRMED),
        findings_open=sum(1 for f in findings if f.is_open),
        findings_overdue=sum(1 for f in findings if f.overdue(as_of)),
    )
    return SimbSummary(
        title=settings.title,
        marking=settings.marking,
        period=period,
        generated_at=now,
        as_of=as_of,
        settings=settings,
        risk=risk,
        headline=headline,
        systems=_systems(workspace, suites, in_period),
        approvals=_approvals(suites, states, risk),
        schedule=schedule,
        dimensions=DIMENSIONS,
        quality=quality,
        fleet=fleet,
        trends=trends,
        heatmap=count_heatmap(findings, risk.matrix),
        findings_by_status=count_by_status(findings, as_of),
        findings_by_band=count_by_band(findings, risk, as_of),
        overdue_by_owner=overdue_owners(findings, as_of),
        draft_runs=_draft_runs(in_period, outcomes, states),
        notes=notes,
        register=risk_register(findings, suites, risk, as_of, settings.register_top),
    )


# --- audits due and approvals ----------------------------------------------------------------


def _schedule(
    suites: list[Suite],
    states: dict[str, approvals.SuiteState],
    runs: list[RunFact],
    risk: RiskConfig,
    period: Period,
    now: datetime,
    notes: list[str],
    timezone: str,
) -> list[DueAudit]:
    """Audits due in the period for each approved suite, by the scheduler's own rules.

    The first audit due is the first cadence slot after the suite's last complete run
    before the period (or, for a suite never run, the start of the period or its approval,
    whichever is later). A run at or after a due time meets it; the next one is due at the
    first slot after that run, so missed slots count once, as ``audit run --due`` treats
    them. Only time up to now counts, so a period still running shows what is due to date.
    """
    cap = min(period.end, now)
    complete = defaultdict(list)
    for run in runs:
        if run.status == COMPLETE and not run.draft:
            complete[run.suite_name].append(run.started_at)
    entries = []
    for suite in suites:
        state = states[suite.name]
        if not state.runnable:
            continue
        try:
            rhythm = cadence(suite, risk)
        except InputError:
            notes.append(f"Suite {suite.name} has no risk score or schedule, so nothing is due.")
            continue
        before = [t for t in complete[suite.name] if t < period.start]
        during = [t for t in complete[suite.name] if period.start <= t < cap]
        anchor = period.start
        if not before and state.approval is not None:
            anchor = max(anchor, state.approval.approved_at)
        last = before[-1] if before else None
        due_at = max(next_due(rhythm.cron, last, anchor, timezone), anchor)
        due = done = 0
        for started in during:
            if started >= due_at:
                due += 1
                done += 1
            due_at = next_due(rhythm.cron, started, started, timezone)
        if due_at < cap:
            due += 1
        entries.append(
            DueAudit(
                suite=suite.name,
                system=suite.system,
                band=risk.band_name(suite.risk_score),
                cadence=rhythm.label,
                due=due,
                done=done,
                runs=len(during),
                last_complete=(during or before)[-1] if (during or before) else None,
            )
        )
    return entries


def _approvals(
    suites: list[Suite], states: dict[str, approvals.SuiteState], risk: RiskConfig
) -> list[SuiteApproval]:
    rows = []
    for suite in sorted(suites, key=lambda s: (-s.risk_score, s.name)):
        state = states[suite.name]
        approval = state.approval
        rows.append(
            SuiteApproval(
                suite=suite.name,
                system=suite.system,
                band=risk.band_name(suite.risk_score),
                status=state.status,
                board=approval.board if approval else None,
                minute=approval.minute if approval else None,
                approved_on=approval.approved_at.date() if approval else None,
                review_by=approval.review_by if approval else None,
            )
        )
    return rows


def _systems(
    workspace: Workspace, suites: list[Suite], in_period: list[RunFact]
) -> list[SystemAudit]:
    configured = workspace.config.systems
    names = list(configured) + sorted(
        {r.system for r in in_period if r.system and r.system not in configured}
    )
    rows = []
    for name in names:
        system = configured.get(name)
        done = [r for r in in_period if r.system == name and r.status == COMPLETE]
        rows.append(
            SystemAudit(
                system=name,
                description=system.description if system else "(not in dqaudit.yml)",
                owner_name=system.owner.name if system else None,
                owner_email=system.owner.email if system else None,
                suites=sum(1 for s in suites if s.system == name),
                suites_audited=len({r.suite_name for r in done}),
                runs=len(done),
                last_run=max((r.started_at for r in done), default=None),
            )
        )
    return rows


# --- quality and trends ----------------------------------------------------------------------


def _quality_runs(in_period: list[RunFact]) -> list[RunFact]:
    """Each suite's latest complete approved run in the period, else its latest draft run."""
    latest: dict[str, RunFact] = {}
    for run in in_period:  # oldest first, so later runs replace earlier ones
        if run.status != COMPLETE:
            continue
        current = latest.get(run.suite_name)
        if current is None or current.draft or not run.draft:
            latest[run.suite_name] = run
    return list(latest.values())


def _combined(group: list[RunFact], outcomes: dict[str, list[RuleOutcome]]) -> list[RuleOutcome]:
    return [outcome for run in group for outcome in outcomes.get(run.run_id, [])]


def _quality(
    workspace: Workspace,
    chosen: list[RunFact],
    outcomes: dict[str, list[RuleOutcome]],
    settings: ReportConfig,
) -> tuple[list[QualityRow], QualityRow]:
    by_system: dict[str, list[RunFact]] = defaultdict(list)
    for run in chosen:
        by_system[run.system or "(no system)"].append(run)
    names = [n for n in workspace.config.systems if n in by_system]
    names += sorted(n for n in by_system if n not in names)
    rows = []
    for name in names:
        group = by_system[name]
        rules = _combined(group, outcomes)
        rows.append(
            QualityRow(
                system=name,
                dimensions={
                    d: score([o for o in rules if o.dimension == d], settings.weighting)
                    for d in DIMENSIONS
                },
                overall=score(rules, settings.weighting),
                runs=len(group),
                draft=any(r.draft for r in group),
                latest_run=max(r.started_at for r in group),
            )
        )
    everything = _combined(chosen, outcomes)
    fleet = QualityRow(
        system="All systems",
        dimensions={
            d: score([o for o in everything if o.dimension == d], settings.weighting)
            for d in DIMENSIONS
        },
        overall=score(everything, settings.weighting),
        runs=len(chosen),
        draft=any(r.draft for r in chosen),
        latest_run=max((r.started_at for r in chosen), default=None),
    )
    return rows, fleet


def _trend_runs(
    runs: list[RunFact], period: Period, points: int
) -> dict[str, list[tuple[datetime, list[RunFact]]]]:
    """Each system's state after each of its last ``points`` audit batches to the period end.

    A point combines the latest complete, approved run of every suite of the system as it
    stood then (a system audited by several suites is scored on all of them), and the runs
    one command made together count as one point.
    """
    by_system: dict[str, list[RunFact]] = defaultdict(list)
    for run in runs:
        if run.status == COMPLETE and not run.draft and run.started_at < period.end:
            by_system[run.system or "(no system)"].append(run)
    trends = {}
    for system, system_runs in by_system.items():
        latest: dict[str, RunFact] = {}
        history: list[tuple[datetime, list[RunFact]]] = []
        for index, run in enumerate(system_runs):
            latest[run.suite_name] = run
            following = system_runs[index + 1] if index + 1 < len(system_runs) else None
            if following is None or following.batch_id != run.batch_id:
                history.append((run.started_at, list(latest.values())))
        trends[system] = history[-points:]
    return trends


# --- draft runs ------------------------------------------------------------------------------


def _draft_runs(
    in_period: list[RunFact],
    outcomes: dict[str, list[RuleOutcome]],
    states: dict[str, approvals.SuiteState],
) -> list[DraftRun]:
    rows = []
    for run in in_period:
        if not run.draft:
            continue
        state = states.get(run.suite_name)
        rows.append(
            DraftRun(
                suite=run.suite_name,
                system=run.system,
                dataset=run.dataset,
                started_at=run.started_at,
                status=run.status,
                outcome=run.outcome,
                rules_failed=sum(1 for o in outcomes.get(run.run_id, []) if o.success is False),
                approval_status=state.status if state else "suite no longer in the workspace",
            )
        )
    return rows
