"""When each suite is due: its band's frequency, or an explicit cron expression.

The next due time is computed from the last complete, approved (non-draft) run, so a
suite that missed several slots is due once, not once per missed slot. Cron slots are
read in ``schedule.timezone`` of dqaudit.yml (UTC when it is not set, so workspaces
made before the setting keep their due times): "monthly" at 06:00 on the 1st is 06:00
in that timezone, summer or winter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from croniter import croniter

from dqaudit.errors import InputError
from dqaudit.expectations.suite import load_workspace_suites
from dqaudit.expectations.suite_model import Suite
from dqaudit.store import AuditStore
from dqaudit.workspace.config import SCHEDULE_TIMEZONE, Workspace
from dqaudit.workspace.risk import FREQUENCIES, RiskConfig, check_cron


@dataclass(frozen=True)
class Cadence:
    """How often a suite is audited: a cron expression and the name it has."""

    cron: str
    label: str

    def describe(self, timezone: str = SCHEDULE_TIMEZONE) -> str:
        """Exactly when its slots fall, in words: ``at 06:00, on day 1 of the month,
        Europe/London``."""
        return f"{describe_cron(self.cron)}, {timezone}"


@dataclass(frozen=True)
class ScheduleEntry:
    """One suite's place in the schedule; times are UTC (``timezone`` is the one its
    cron slots are read in, for showing them)."""

    suite: Suite
    score: int
    band: str | None
    cadence: Cadence
    last_complete: datetime | None
    next_due: datetime
    timezone: str = SCHEDULE_TIMEZONE

    def is_due(self, now: datetime) -> bool:
        return self.next_due <= now


def describe_cron(cron: str) -> str:
    """A cron expression in words, 24-hour clock (``at 06:00, on day 1 of the month``)."""
    from cron_descriptor import ExpressionDescriptor, Options

    options = Options()
    options.use_24hour_time_format = True
    options.verbose = False
    text = ExpressionDescriptor(cron, options).get_description()
    return text[:1].lower() + text[1:]


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


def next_due(
    cron: str, last: datetime | None, now: datetime, timezone: str = SCHEDULE_TIMEZONE
) -> datetime:
    """Due now if never run; else the first slot after the last complete run, the cron
    read in ``timezone`` (the result is in UTC)."""
    if last is None:
        return now
    if last.tzinfo is None:
        last = last.replace(tzinfo=UTC)
    local = last.astimezone(ZoneInfo(timezone))
    slot: datetime = croniter(cron, local).get_next(datetime)
    return slot.astimezone(UTC)


def schedule(
    store: AuditStore,
    suites: list[Suite],
    risk: RiskConfig,
    now: datetime | None = None,
    timezone: str = SCHEDULE_TIMEZONE,
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
                next_due=next_due(rhythm.cron, previous, now, timezone),
                timezone=timezone,
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
    timezone = workspace.config.schedule.timezone
    entries = schedule(store, load_workspace_suites(workspace), risk, now, timezone)
    return [e for e in entries if band is None or e.band == band]
