"""Detention review schedules: PACE 1984 s.40 and Terrorism Act 2000 Schedule 8 Part II.

Both laws set a first review and later ones at a maximum interval, and both allow a review
to be postponed for stated reasons; the postponed review is then carried out as soon as
practicable, and the next one is timed as if the postponed one had been carried out at
the latest time the law allowed for it:

- PACE s.40(3): first review not later than 6 hours after detention was first
  authorised, the second not later than 9 hours after the first, later ones at intervals
  of not more than 9 hours; s.40(4)-(5): postponement; s.40(6): a review carried out
  after postponement "shall not affect any requirement of this section as to the time
  at which any subsequent review is to be carried out" (legislation.gov.uk, ukpga/1984/60).
- Terrorism Act 2000 Sch. 8 para 21(2)-(3): first review "as soon as is reasonably
  practicable after the time of the person's arrest", later ones at intervals of not
  more than 12 hours; para 21(4): no review after a warrant extending detention has been
  issued; para 22(3): a postponed review is "deemed to have been carried out at the
  latest time at which it could have been carried out" (legislation.gov.uk,
  ukpga/2000/11/schedule/8). The first TACT review has no fixed latest time, so a
  postponed first review counts from when it was actually carried out.

Everything here works on int64 nanoseconds since the epoch (UTC), ``NAT`` marking a
missing time, with events sorted by detention row and time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

NAT = np.iinfo(np.int64).min
NS_PER_HOUR = 3_600_000_000_000


@dataclass(frozen=True)
class Schedule:
    """A review regime: the first review's deadline (None: no fixed time) and the interval."""

    first_due_h: float | None
    interval_h: float


@dataclass
class ReviewMeasures:
    """Per-detention measures of one schedule (NaN / None where not applicable)."""

    first_h: np.ndarray  # hours from the schedule's start to the first review
    first_postponed: np.ndarray  # "Y" / "N" / None
    max_gap_h: np.ndarray  # longest interval not excused by a recorded postponement
    max_postponed_gap_h: np.ndarray  # longest interval ending at a postponed review
    second_review: np.ndarray  # int64 ns of the second review, NAT when none


def hours(later: np.ndarray, earlier: np.ndarray) -> np.ndarray:
    """Elapsed hours between two int64-ns arrays; NaN where either is missing."""
    missing = (later == NAT) | (earlier == NAT)
    result = (later - earlier).astype("float64") / NS_PER_HOUR
    result[missing] = np.nan
    return result


def group_max(rows: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Largest non-NaN value per row number (NaN where a row has none)."""
    result = np.full(n, np.nan)
    valid = ~np.isnan(values)
    if valid.any():
        maxima = pd.Series(values[valid]).groupby(rows[valid]).max()
        result[maxima.index.to_numpy()] = maxima.to_numpy()
    return result


def within(rows: np.ndarray, times: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Events at or after their detention's start (when known) and at or before its end."""
    lo, hi = start[rows], end[rows]
    return ((lo == NAT) | (times >= lo)) & ((hi == NAT) | (times <= hi))


def review_measures(
    events: pd.DataFrame,
    start: np.ndarray,
    end: np.ndarray,
    schedule: Schedule,
    n: int,
) -> ReviewMeasures:
    """Measures of the reviews in ``events`` (columns row, time, excused; sorted).

    Only reviews between a detention's ``start`` and ``end`` count: one keyed before the
    detention began or after it ended cannot be a review of it, so the missed review
    shows. ``excused`` marks a review postponed with a recorded reason. Gaps run from the
    previous review (or, after a postponed one, from its deemed time) to each review, and
    from the last review to ``end``.
    """
    rows = events["row"].to_numpy(dtype=np.int64)
    times = events["time"].to_numpy(dtype=np.int64)
    excused = events["excused"].to_numpy(dtype=bool)
    keep = within(rows, times, start, end)
    rows, times, excused = rows[keep], times[keep], excused[keep]
    first_h = np.full(n, np.nan)
    first_postponed = np.full(n, None, dtype=object)
    second = np.full(n, NAT, dtype=np.int64)
    if not len(rows):
        _unreviewed(first_h, first_postponed, np.ones(n, dtype=bool), start, end, schedule)
        nothing = np.full(n, np.nan)
        return ReviewMeasures(first_h, first_postponed, nothing, nothing.copy(), second)

    is_first = np.r_[True, rows[1:] != rows[:-1]]
    is_last = np.r_[rows[1:] != rows[:-1], True]
    firsts = np.flatnonzero(is_first)
    first_rows = rows[firsts]
    first_h[first_rows] = hours(times[firsts], start[first_rows])
    first_postponed[first_rows] = np.where(excused[firsts], "Y", "N")
    seconds = firsts + 1
    has_second = seconds < len(rows)
    has_second[has_second] &= ~is_first[seconds[has_second]]
    second[first_rows[has_second]] = times[seconds[has_second]]
    unreviewed = np.ones(n, dtype=bool)
    unreviewed[first_rows] = False
    _unreviewed(first_h, first_postponed, unreviewed, start, end, schedule)

    interval = int(schedule.interval_h * NS_PER_HOUR)
    first_due = np.full(n, NAT, dtype=np.int64)
    if schedule.first_due_h is not None:
        known = start != NAT
        first_due[known] = start[known] + int(schedule.first_due_h * NS_PER_HOUR)
    base = deemed_times(rows, times, excused, is_first, first_due[rows], interval)

    previous = np.r_[NAT, base[:-1]]
    gaps = np.where(is_first, np.nan, hours(times, previous))
    closing = hours(end[rows], base)  # the last review to the end of the schedule
    unexcused = np.where(excused, np.nan, gaps)
    unexcused = np.where(is_last & ~np.isnan(closing), np.fmax(unexcused, closing), unexcused)
    max_gap = group_max(rows, unexcused, n)
    max_postponed = group_max(rows, np.where(excused, gaps, np.nan), n)
    return ReviewMeasures(first_h, first_postponed, max_gap, max_postponed, second)


def _unreviewed(
    first_h: np.ndarray,
    first_postponed: np.ndarray,
    unreviewed: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    schedule: Schedule,
) -> None:
    """Held with no review at all: the first-review measure is the time held.

    Under PACE only once the first review fell due (6 h); under Schedule 8, whose first
    review has no fixed time, whenever the detention has an end.
    """
    held = hours(end, start)
    due = 0.0 if schedule.first_due_h is None else schedule.first_due_h
    overdue = unreviewed & (held > due)
    first_h[overdue] = held[overdue]
    first_postponed[overdue] = "N"


def deemed_times(
    rows: np.ndarray,
    times: np.ndarray,
    excused: np.ndarray,
    is_first: np.ndarray,
    first_due: np.ndarray,
    interval: int,
) -> np.ndarray:
    """When each review counts as carried out for timing the next one.

    A review carried out on time counts at its own time. A postponed review carried out
    after its latest lawful time counts at that latest time (PACE s.40(6); TA 2000 Sch. 8
    para 22(3)): the previous review's counted time plus the interval, or the first
    review's deadline. A late review that was not postponed counts at its own time (it
    is itself the breach). Only detentions with a postponement need the sequential pass,
    which runs over their reviews alone.
    """
    base = times.copy()
    postponed_rows = np.unique(rows[excused])
    if not len(postponed_rows):
        return base
    positions = np.flatnonzero(np.isin(rows, postponed_rows))
    time_list, first_list = times.tolist(), is_first.tolist()
    excused_list, due_list = excused.tolist(), first_due.tolist()
    counted = base.tolist()
    for i in positions.tolist():
        if first_list[i]:
            due = due_list[i]
        else:
            due = NAT if counted[i - 1] == NAT else counted[i - 1] + interval
        if excused_list[i] and due != NAT and time_list[i] > due:
            counted[i] = due
    return np.asarray(counted, dtype=np.int64)
