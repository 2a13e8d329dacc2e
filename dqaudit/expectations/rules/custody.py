"""PACE 1984 detention measures: one row per detention from custody records and reviews.

PACE reviews live in a child table, so no single-batch expectation can judge them. This
builds, per detention, the measures the custody rules bound: hours to the first review,
the longest gap between reviews, hours detained before charge, and when the
superintendent's extension and the warrant of further detention were given. Everything
is computed on timezone-aware datetimes in the dataset's timezone (real elapsed hours,
so the clock change does not move the 24/36/96 h edges) with grouped, vectorised pandas.

Definitions (PACE 1984 ss. 40-44 and Code C):
- relevant time: the extract's relevant-time column where it has one, else the earlier of
  arrival at the station and arrest + 24 h;
- limits apply before charge: the clock stops at charge, or release if not charged;
- detentions under the Terrorism Act (flagged) are excluded: their measures are blank;
- the first review is due 6 h after detention was authorised, later ones 9 h apart until
  release; a late review postponed with a recorded reason is measured separately, so a
  suite can treat it as a warning rather than a failure.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from dqaudit.expectations.rules.catalogue import PACE_DERIVED_COLUMNS
from dqaudit.expectations.rules.timing import NS_PER_HOUR, parse_local

DERIVED_COLUMNS = PACE_DERIVED_COLUMNS


@dataclass(frozen=True)
class PaceOptions:
    """Column names and codes; the defaults are those of dqaudit's sample custody system."""

    key: str = "custody_ref"
    arrest: str = "arrest_datetime"
    arrival: str = "arrival_datetime"
    authorised: str = "detention_authorised_datetime"
    charge: str = "charge_datetime"
    release: str = "release_datetime"
    relevant_time: str = "relevant_time"
    date_of_birth: str = "date_of_birth"
    terrorism: str = "terrorism_act"
    terrorism_values: tuple[str, ...] = ("Y",)
    review_key: str = "custody_ref"
    review_time: str = "review_datetime"
    review_type: str = "review_type"
    postponed: str = "postponed"
    postponement_reason: str = "postponement_reason"
    postponed_values: tuple[str, ...] = ("Y",)
    review_types: tuple[str, ...] = ("PACE_FIRST", "PACE_SUBSEQUENT")
    extension_types: tuple[str, ...] = ("SUPT_EXTENSION",)
    warrant_types: tuple[str, ...] = ("WARRANT_FURTHER_DETENTION",)
    first_review_due_h: float = 6.0
    extension_due_h: float = 24.0
    warrant_due_h: float = 36.0

    def custody_columns(self, has_relevant: bool) -> list[str]:
        names = [self.key, self.arrest, self.arrival, self.authorised, self.charge, self.release]
        names += [self.date_of_birth, self.terrorism]
        return names + ([self.relevant_time] if has_relevant else [])

    def review_columns(self) -> list[str]:
        return [self.review_key, self.review_time, self.review_type, self.postponed]


def _hours(later: np.ndarray, earlier: np.ndarray) -> np.ndarray:
    """Elapsed hours between two int64-ns arrays where NaT is the int64 minimum."""
    missing = (later == _NAT) | (earlier == _NAT)
    hours = (later - earlier).astype("float64") / NS_PER_HOUR
    hours[missing] = np.nan
    return hours


_NAT = np.iinfo(np.int64).min


def _ns(series: pd.Series) -> np.ndarray:
    return series.to_numpy(dtype="datetime64[ns]").astype("int64")


def pace_measures(
    custody: pd.DataFrame, reviews: pd.DataFrame, options: PaceOptions, timezone: str
) -> pd.DataFrame:
    """The derived columns, one row per custody record, in the custody records' order."""
    o = options
    n = len(custody)
    stamp = {
        name: _ns(parse_local(custody[column], timezone)[0])
        for name, column in (
            ("arrest", o.arrest),
            ("arrival", o.arrival),
            ("authorised", o.authorised),
            ("charge", o.charge),
            ("release", o.release),
        )
    }
    relevant = _relevant_time(custody, stamp, o, timezone)
    clock_stop = np.where(stamp["charge"] != _NAT, stamp["charge"], stamp["release"])
    before_charge = _hours(clock_stop, relevant)

    position = pd.Series(np.arange(n), index=custody[o.key].astype("string").to_numpy())
    position = position[~position.index.duplicated(keep="first")]
    events = _events(reviews, position, o, timezone)

    first_h, first_postponed, max_gap, max_postponed = _review_measures(
        events[events["kind"] == "review"], stamp["authorised"], stamp["release"], o, n
    )
    extension = _authority_by(
        events, "extension", relevant, clock_stop, before_charge, o.extension_due_h, n
    )
    warrant = _authority_by(
        events, "warrant", relevant, clock_stop, before_charge, o.warrant_due_h, n
    )
    age = _age_years(custody[o.date_of_birth], stamp["arrival"], timezone)

    excluded = custody[o.terrorism].isin(o.terrorism_values).to_numpy()
    frame = pd.DataFrame(
        {
            "relevant_time": _iso(relevant, timezone),
            "first_review_h": first_h,
            "first_review_postponed": first_postponed,
            "max_review_gap_h": max_gap,
            "max_postponed_gap_h": max_postponed,
            "hours_before_charge": before_charge,
            "extension_by_h": extension,
            "warrant_by_h": warrant,
        },
        index=custody.index,
    )
    measures = [c for c in frame.columns if c != "relevant_time"]
    frame.loc[excluded, measures] = None
    for name in ("first_review_h", "max_review_gap_h", "max_postponed_gap_h"):
        frame[name] = pd.to_numeric(frame[name]).round(3)
    for name in ("hours_before_charge", "extension_by_h", "warrant_by_h"):
        frame[name] = pd.to_numeric(frame[name]).round(3)
    frame["age_at_arrival_years"] = pd.array(age, dtype="Int64")
    under = pd.Series(pd.NA, index=custody.index, dtype="string")
    known = ~pd.isna(age)
    under[known] = np.where(age[known] < 18, "Y", "N")
    under[known & (np.nan_to_num(age, nan=0) < 0)] = pd.NA  # a birth date after arrival
    frame["under_18"] = under
    return frame


def _relevant_time(
    custody: pd.DataFrame, stamp: dict[str, np.ndarray], o: PaceOptions, timezone: str
) -> np.ndarray:
    day = 24 * NS_PER_HOUR
    arrest_plus_day = np.where(stamp["arrest"] != _NAT, stamp["arrest"] + day, _NAT)
    candidates = np.where(stamp["arrival"] == _NAT, np.iinfo(np.int64).max, stamp["arrival"])
    other = np.where(arrest_plus_day == _NAT, np.iinfo(np.int64).max, arrest_plus_day)
    relevant = np.minimum(candidates, other)
    relevant[relevant == np.iinfo(np.int64).max] = _NAT
    if o.relevant_time in custody.columns:
        given = _ns(parse_local(custody[o.relevant_time], timezone)[0])
        relevant = np.where(given != _NAT, given, relevant)
    return relevant


def _events(
    reviews: pd.DataFrame, position: pd.Series, o: PaceOptions, timezone: str
) -> pd.DataFrame:
    """Reviews, extensions and warrants linked to their detention's row position."""
    keys = reviews[o.review_key].astype("string")
    linked = keys.isin(position.index).to_numpy()
    times = _ns(parse_local(reviews[o.review_time], timezone)[0])
    kinds = np.full(len(reviews), "", dtype=object)
    types = reviews[o.review_type]
    kinds[types.isin(o.review_types).to_numpy()] = "review"
    kinds[types.isin(o.extension_types).to_numpy()] = "extension"
    kinds[types.isin(o.warrant_types).to_numpy()] = "warrant"
    postponed = reviews[o.postponed].isin(o.postponed_values).to_numpy(copy=True)
    if o.postponement_reason in reviews.columns:
        reason = reviews[o.postponement_reason].fillna("").astype("string").str.strip()
        postponed &= (reason != "").to_numpy()
    keep = linked & (times != _NAT) & (kinds != "")
    events = pd.DataFrame(
        {
            "row": position.reindex(keys[keep].to_numpy()).to_numpy(dtype=np.int64),
            "time": times[keep],
            "kind": kinds[keep],
            "excused": postponed[keep],
        }
    )
    return events.sort_values(["row", "time"], kind="stable").reset_index(drop=True)


def _review_measures(
    reviews: pd.DataFrame, authorised: np.ndarray, release: np.ndarray, o: PaceOptions, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """First-review delay and the longest unexcused and excused gaps, per detention."""
    rows = reviews["row"].to_numpy()
    times = reviews["time"].to_numpy()
    excused = reviews["excused"].to_numpy()
    end = release[rows]
    in_detention = (end == _NAT) | (times <= end)
    rows, times, excused = rows[in_detention], times[in_detention], excused[in_detention]

    first_h = np.full(n, np.nan)
    first_postponed = np.full(n, None, dtype=object)
    starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]]) if len(rows) else np.array([], int)
    first_rows = rows[starts]
    first_h[first_rows] = _hours(times[starts], authorised[first_rows])
    first_postponed[first_rows] = np.where(excused[starts], "Y", "N")
    # Held past the first review's due time with no review at all before release.
    unreviewed = np.ones(n, dtype=bool)
    unreviewed[first_rows] = False
    held = _hours(release, authorised)
    overdue = unreviewed & (held > o.first_review_due_h)
    first_h[overdue] = held[overdue]
    first_postponed[overdue] = "N"

    # Gaps: each review to the next, and the last review to release.
    same = np.r_[rows[1:] == rows[:-1], False] if len(rows) else np.array([], bool)
    next_time = np.r_[times[1:], 0] if len(rows) else np.array([], np.int64)
    gap_end = np.where(same, next_time, release[rows] if len(rows) else next_time)
    gap_excused = np.r_[excused[1:], False] & same if len(rows) else np.array([], bool)
    gaps = _hours(gap_end, times)
    max_gap = _group_max(rows, np.where(gap_excused, np.nan, gaps), n)
    max_postponed = _group_max(rows, np.where(gap_excused, gaps, np.nan), n)
    return first_h, first_postponed, max_gap, max_postponed


def _group_max(rows: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    result = np.full(n, np.nan)
    valid = ~np.isnan(values)
    if valid.any():
        maxima = pd.Series(values[valid]).groupby(rows[valid]).max()
        result[maxima.index.to_numpy()] = maxima.to_numpy()
    return result


def _authority_by(
    events: pd.DataFrame,
    kind: str,
    relevant: np.ndarray,
    clock_stop: np.ndarray,
    before_charge: np.ndarray,
    due_h: float,
    n: int,
) -> np.ndarray:
    """Hours after the relevant time by which an authority was given, where one was needed.

    Blank when detention before charge did not pass ``due_h``; when it did and no
    authority was recorded before the clock stopped, the hours detained (so the value
    exceeds ``due_h`` and the rule fails).
    """
    needed = before_charge > due_h
    given = events[events["kind"] == kind]
    first = given.groupby("row")["time"].min()
    when = np.full(n, _NAT, dtype=np.int64)
    when[first.index.to_numpy()] = first.to_numpy()
    recorded = (when != _NAT) & (
        when <= np.where(clock_stop == _NAT, np.iinfo(np.int64).max, clock_stop)
    )
    result = np.full(n, np.nan)
    by = _hours(when, relevant)
    result[needed & recorded] = by[needed & recorded]
    result[needed & ~recorded] = before_charge[needed & ~recorded]
    return result


def _age_years(date_of_birth: pd.Series, arrival: np.ndarray, timezone: str) -> np.ndarray:
    """Whole years of age on the local date of arrival; NaN where either is unknown."""
    born = pd.to_datetime(date_of_birth, format="ISO8601", errors="coerce")
    arrived = pd.Series(arrival).where(arrival != _NAT)
    arrived = pd.to_datetime(arrived, unit="ns", utc=True).dt.tz_convert(timezone)
    b_year, b_month, b_day = (
        born.dt.year.to_numpy(),
        born.dt.month.to_numpy(),
        born.dt.day.to_numpy(),
    )
    a_year = arrived.dt.year.to_numpy()
    a_month, a_day = arrived.dt.month.to_numpy(), arrived.dt.day.to_numpy()
    before_birthday = (a_month < b_month) | ((a_month == b_month) & (a_day < b_day))
    return (a_year - b_year - before_birthday).astype("float64")


def _iso(stamps: np.ndarray, timezone: str) -> pd.Series:
    """Local ISO text of int64-ns UTC instants (blank for NaT), as extracts write times."""
    values = pd.Series(stamps).where(stamps != _NAT)
    local = pd.to_datetime(values, unit="ns", utc=True).dt.tz_convert(timezone)
    return local.dt.strftime("%Y-%m-%d %H:%M:%S").astype("string").to_numpy()
