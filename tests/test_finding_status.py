"""The finding workflow as one pure function, checked on its own for every status × event."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from dqaudit.actions.finding_status import (
    LIBRARY_CHANGED,
    OwnerSet,
    RunFailed,
    RunPassed,
    Transition,
    is_overdue,
    rule_library_changed,
    transition,
)
from dqaudit.store import FindingStatus

S = FindingStatus
CURRENT = [None, *FindingStatus]
RUN_EVENTS = [
    RunFailed(),
    RunFailed(rule_library_changed=True),
    RunPassed(),
    RunPassed(rule_library_changed=True),
]
OWNER_EVENTS = [OwnerSet(status) for status in FindingStatus]

# Every (current status, run event) -> status after, written out by hand.
EXPECTED_RUNS = {
    (None, RunFailed()): S.OPEN,
    (None, RunFailed(True)): S.OPEN,
    (None, RunPassed()): None,
    (None, RunPassed(True)): None,
    (S.OPEN, RunFailed()): S.OPEN,
    (S.OPEN, RunFailed(True)): S.OPEN,
    (S.OPEN, RunPassed()): S.OPEN,
    (S.OPEN, RunPassed(True)): S.OPEN,
    (S.AGREED, RunFailed()): S.AGREED,
    (S.AGREED, RunFailed(True)): S.AGREED,
    (S.AGREED, RunPassed()): S.VERIFIED,
    (S.AGREED, RunPassed(True)): S.AGREED,  # never verified across a library change
    (S.IN_PROGRESS, RunFailed()): S.IN_PROGRESS,
    (S.IN_PROGRESS, RunFailed(True)): S.IN_PROGRESS,
    (S.IN_PROGRESS, RunPassed()): S.IN_PROGRESS,
    (S.IN_PROGRESS, RunPassed(True)): S.IN_PROGRESS,
    (S.RESOLVED, RunFailed()): S.OPEN,
    (S.RESOLVED, RunFailed(True)): S.OPEN,
    (S.RESOLVED, RunPassed()): S.VERIFIED,
    (S.RESOLVED, RunPassed(True)): S.RESOLVED,  # never verified across a library change
    (S.VERIFIED, RunFailed()): S.OPEN,
    (S.VERIFIED, RunFailed(True)): S.OPEN,
    (S.VERIFIED, RunPassed()): S.VERIFIED,
    (S.VERIFIED, RunPassed(True)): S.VERIFIED,
    (S.NOT_ACCEPTED, RunFailed()): S.NOT_ACCEPTED,
    (S.NOT_ACCEPTED, RunFailed(True)): S.NOT_ACCEPTED,
    (S.NOT_ACCEPTED, RunPassed()): S.NOT_ACCEPTED,
    (S.NOT_ACCEPTED, RunPassed(True)): S.NOT_ACCEPTED,
}


def test_the_table_covers_every_status_and_run_event() -> None:
    assert set(EXPECTED_RUNS) == set(itertools.product(CURRENT, RUN_EVENTS))


@pytest.mark.parametrize("current, event", list(EXPECTED_RUNS))
def test_each_run_event(current: FindingStatus | None, event: RunFailed | RunPassed) -> None:
    step = transition(current, event)
    assert isinstance(step, Transition) and not step.refused
    assert step.status == EXPECTED_RUNS[(current, event)]
    assert step.reason  # every change, and every non-change, says why


@pytest.mark.parametrize("current", [S.AGREED, S.RESOLVED, S.OPEN, S.VERIFIED])
def test_a_pass_under_a_changed_rule_library_says_it_was_re_assessed(current: S) -> None:
    step = transition(current, RunPassed(rule_library_changed=True))
    assert step.status is current and step.reason == LIBRARY_CHANGED
    assert "rule library changed" in step.reason and "re-assessed" in step.reason


def test_reopening_says_from_what_and_notes_a_library_change() -> None:
    assert transition(S.RESOLVED, RunFailed()).reason.endswith("was Resolved: reopened")
    assert "changed rule library" in transition(S.VERIFIED, RunFailed(True)).reason


@pytest.mark.parametrize("current, event", list(itertools.product(CURRENT, OWNER_EVENTS)))
def test_each_owner_edit(current: FindingStatus | None, event: OwnerSet) -> None:
    step = transition(current, event)
    if current is None:
        assert step.refused and step.status is None
    elif event.status is S.VERIFIED and current is not S.VERIFIED:
        assert step.refused and step.status is current
        assert step.reason == "only a passing audit can set Verified"
    else:
        assert not step.refused and step.status is event.status


def test_the_function_is_pure() -> None:
    for current, event in itertools.product(CURRENT, [*RUN_EVENTS, *OWNER_EVENTS]):
        assert transition(current, event) == transition(current, event)


def test_overdue_is_derived_from_the_dates_and_never_a_closed_status() -> None:
    today = date(2026, 11, 30)
    for status in FindingStatus:
        late = is_overdue(status, None, date(2026, 11, 1), today)
        assert late is (not status.closed)
    assert not is_overdue(S.OPEN, date(2026, 12, 1), date(2026, 11, 1), today)  # agreed later
    assert is_overdue(S.AGREED, date(2026, 11, 29), None, today)
    assert not is_overdue(S.OPEN, None, None, today)
    assert {s for s in FindingStatus if s.closed} == {S.RESOLVED, S.VERIFIED, S.NOT_ACCEPTED}


def test_what_counts_as_a_rule_library_change() -> None:
    assert rule_library_changed("v1", "v2")
    assert rule_library_changed(None, "v2")  # assessed before versions were recorded
    assert not rule_library_changed("v1", "v1")
    assert not rule_library_changed("v1", None)  # a run that did not say changes nothing
