"""When each suite is due: its band's frequency, or an explicit cron expression.

The next due time is computed from the last complete, approved (non-draft) run, so a
suite that missed several slots is due once, not once per missed slot.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from croniter import croniter

from dqaudit.errors import InputError
from dqaudit.expectations.suite import Suite, load_workspace_suites
from dqaudit.store import AuditStore
from dqaudit.workspace.config import Workspace
from dqaudit.workspace.risk import FREQUENCIES, RiskConfig, check_cron


@dataclass(frozen=True)
class Cadence:
    cron: str
    label: str


@dataclass(frozen=True)
class ScheduleEntry:
    suite: Suite
    score: int
    band: str | None
    cadence: Cadence
    last_complete: datetime | None
    next_due: datetime

    def is_due(self, now: datetime) -> bool:
        return self.next_due <= now


def cadence(suite: Suite, risk: RiskConfig) -> Cadence:
    """``meta.dqaudit.schedule`` (a frequency name or cron) or else the band's frequency."""
    explicit = suite.meta.get("dqaudit", {}).get("schedule")
    if explicit is not None:
        if not isinstance(explicit, str):
            raise InputError(f"{suite.source}: meta.dqaudit.schedule must be a string")
        if explicit in FREQUENCIES:
            return Cadence(FREQUENCIES[explicit], explicit)
        try:
            return Cadence(check_cron(explicit), f"cron {explicit}")
        except ValueError as exc:
            raise InputError(f"{suite.source}: meta.dqaudit.schedule: {exc}") from None
    band_name = risk.band_name(suite.risk_score)
    if band_name is None:
        raise InputError(
            f"{suite.source}: no likelihood and impact, so no risk band and no cadence; "
            "set meta.dqaudit likelihood/impact or meta.dqaudit.schedule"
        )
    band = risk.bands[band_name]
    return Cadence(band.cron, f"{band.frequency} ({band_name})")


def last_complete_runs(store: AuditStore, include_drafts: bool = False) -> dict[str, datetime]:
    """Start time of each suite's latest complete run (non-draft, unless asked)."""
    return store.runs.last_complete_starts(include_drafts)


def next_due(cron: str, last: datetime | None, now: datetime) -> datetime:
    """Due now if never run; else the first slot after the last complete run."""
    if last is None:
        return now
    return croniter(cron, last).get_next(datetime)


def schedule(
    store: AuditStore, suites: list[Suite], risk: RiskConfig, now: datetime | None = None
) -> list[ScheduleEntry]:
    """Each suite's cadence, last complete run and next due time, highest risk first."""
    now = now or store.clock()
    last = last_complete_runs(store)
    entries = []
    for suite in suites:
        rhythm = cadence(suite, risk)
        previous = last.get(suite.name)
        entries.append(
            ScheduleEntry(
                suite=suite,
                score=suite.risk_score,
                band=risk.band_name(suite.risk_score),
                cadence=rhythm,
                last_complete=previous,
                next_due=next_due(rhythm.cron, previous, now),
            )
        )
    entries.sort(key=lambda e: (-e.score, e.suite.name))
    return entries


def workspace_schedule(
    store: AuditStore, workspace: Workspace, band: str | None = None, now: datetime | None = None
) -> list[ScheduleEntry]:
    """The schedule of every suite in the workspace (optionally only one band)."""
    risk = workspace.config.risk
    if band is not None:
        risk.require_band(band)
    entries = schedule(store, load_workspace_suites(workspace), risk, now)
    return [e for e in entries if band is None or e.band == band]
