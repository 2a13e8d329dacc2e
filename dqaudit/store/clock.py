"""Time as the store sees it: an injectable clock, and stored datetimes as aware UTC.

Every time the store writes (a run's start, a lock's lease, a trail entry) comes from
the store's clock, so tests drive time by handing the store a clock of their own rather
than by sleeping: no test depends on how fast the machine is.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The real clock: now, aware, in UTC."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """A stored datetime as aware UTC (SQLite hands them back naive)."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def maybe_utc(value: datetime | None) -> datetime | None:
    return None if value is None else as_utc(value)
