"""A finding's workflow as ONE pure function: current status + event -> new status + reason.

Events are what can happen to a finding: an audit run found its rule failing again
(``RunFailed``) or passing (``RunPassed``), or the owner set a status in their action
plan (``OwnerSet``). A run carries whether the built-in rule library changed since the
finding was last assessed: a pass under changed rules is not evidence that the records
were fixed, so it never verifies; the finding is re-assessed under the new rules, and
the reason says so.

The transitions (``None`` is "no finding yet"):

- no finding: a failing run opens one (Open); a passing run creates none.
- a passing run verifies an Agreed or Resolved finding (Verified), unless the rule
  library changed: then it stays as it is, re-assessed under the new version.
- a failing run reopens a Resolved or Verified finding (Open).
- any other run leaves the status as it is.
- an owner may set any status but Verified (only a passing audit verifies) and cannot
  act on a finding that does not exist.

"Overdue" is not a status: ``is_overdue`` derives it from the dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from dqaudit.store import FindingStatus

OVERDUE = "Overdue"
VERIFIED_FROM = frozenset({FindingStatus.AGREED, FindingStatus.RESOLVED})
REOPENED_FROM = frozenset({FindingStatus.RESOLVED, FindingStatus.VERIFIED})


@dataclass(frozen=True)
class RunFailed:
    """An audit run found the finding's rule failing (on records not under exception)."""

    rule_library_changed: bool = False


@dataclass(frozen=True)
class RunPassed:
    """An audit run found the finding's rule passing."""

    rule_library_changed: bool = False


@dataclass(frozen=True)
class OwnerSet:
    """The owner set a status in their action plan."""

    status: FindingStatus


Event = RunFailed | RunPassed | OwnerSet


@dataclass(frozen=True)
class Transition:
    """The status after an event (None: still no finding) and why; ``refused`` when the
    event is not allowed (the status is then unchanged)."""

    status: FindingStatus | None
    reason: str
    refused: bool = False

    def changed_from(self, before: FindingStatus | None) -> bool:
        return self.status != before


LIBRARY_CHANGED = (
    "the rule library changed since this finding was last assessed, so a pass under the "
    "new rules does not show the records were fixed: re-assessed under the new version"
)


def transition(current: FindingStatus | None, event: Event) -> Transition:
    """The one place a finding's status changes (see the module docstring for the rules)."""
    if isinstance(event, OwnerSet):
        return _owner_set(current, event.status)
    if current is None:
        if isinstance(event, RunFailed):
            return Transition(FindingStatus.OPEN, "the rule failed: a new finding")
        return Transition(None, "the rule passed: nothing to record")
    if isinstance(event, RunPassed):
        if event.rule_library_changed:
            return Transition(current, LIBRARY_CHANGED)
        if current in VERIFIED_FROM:
            return Transition(FindingStatus.VERIFIED, "the rule passed after the agreed fix")
        return Transition(current, "the rule passed")
    if current in REOPENED_FROM:
        reason = f"the rule failed again after the finding was {current.value}: reopened"
        if event.rule_library_changed:
            reason += " (under a changed rule library)"
        return Transition(FindingStatus.OPEN, reason)
    return Transition(current, "the rule still fails")


def _owner_set(current: FindingStatus | None, wanted: FindingStatus) -> Transition:
    if current is None:
        return Transition(None, "there is no such finding", refused=True)
    if wanted is FindingStatus.VERIFIED and current is not FindingStatus.VERIFIED:
        return Transition(current, "only a passing audit can set Verified", refused=True)
    return Transition(wanted, f"the owner set {wanted.value}")


def is_overdue(
    status: FindingStatus, agreed_date: date | None, due_date: date | None, today: date
) -> bool:
    """Past the agreed date (or the default due date) and not closed."""
    if status.closed:
        return False
    deadline = agreed_date or due_date
    return deadline is not None and deadline < today


def rule_library_changed(assessed_under: str | None, run_under: str | None) -> bool:
    """Whether a run used another rule-library version than the finding's last assessment.

    A run that recorded no version (a caller that does not know it) changes nothing."""
    return run_under is not None and assessed_under != run_under
