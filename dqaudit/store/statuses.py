"""The statuses the store keeps, as enums (each is stored as its value).

``Outcome`` (what an audit concluded) and ``KeySource`` (how a failing record is keyed)
belong to the engine and are imported from there; these are the store's own: where a
run is, where a finding is in its workflow, and where a record exception is.
"""

from __future__ import annotations

from enum import StrEnum

from dqaudit.engine.backend import KeySource  # the engine's: how a failing record is keyed

__all__ = ["ExceptionStatus", "FindingStatus", "KeySource", "RunStatus"]


class RunStatus(StrEnum):
    """Where a stored run is: written under RUNNING, then exactly one of the others."""

    RUNNING = "running"
    COMPLETE = "complete"
    INTERRUPTED = "interrupted"
    ERROR = "error"


class FindingStatus(StrEnum):
    """A finding's place in the action-plan workflow.

    "Overdue" is not a status: it is derived (an open status past its agreed, else due,
    date); see ``dqaudit.actions.finding_status``.
    """

    OPEN = "Open"
    AGREED = "Agreed"
    IN_PROGRESS = "In progress"
    RESOLVED = "Resolved"
    VERIFIED = "Verified"
    NOT_ACCEPTED = "Not accepted"

    @property
    def closed(self) -> bool:
        """Resolved, Verified and Not accepted count against no owner."""
        return self in (FindingStatus.RESOLVED, FindingStatus.VERIFIED, FindingStatus.NOT_ACCEPTED)


class ExceptionStatus(StrEnum):
    """A record exception: asked for by an owner, then approved or rejected."""

    REQUESTED = "requested"
    APPROVED = "approved"
    REJECTED = "rejected"
