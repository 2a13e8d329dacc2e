"""Detention measures, one row per detention, from custody records and their reviews.

Reviews live in a child table, so no single-batch expectation can judge them. This builds,
per detention, the measures the custody rules bound. Everything is computed on timezone-
aware datetimes in the dataset's timezone (real elapsed hours, so the clock change does
not move the 24/36/96 h edges) with grouped, vectorised pandas/numpy.

Sources (legislation.gov.uk revised text of the Police and Criminal Evidence Act 1984,
ukpga/1984/60, and the Terrorism Act 2000, ukpga/2000/11; PACE Code C section 15 and
Code H section 14 restate them for custody officers):

- relevant time, PACE s.41(2): the extract's relevant-time column where it has one;
  for a person arrested at the station after attending voluntarily (or accompanying a
  constable there without arrest), the time of that arrest, s.41(2)(c) (PNLD, "Relevant
  time for arrest at non-designated police station", 2019; the issue's "(ca)" could not be
  confirmed against the published text and is not relied on); otherwise the earlier of
  arrival at the station and arrest + 24 h, s.41(2)(a)/(d).
- the 24/36/96 h limits run before charge: the clock stops at charge, or release if not
  charged (s.41(1), s.42(1), s.43, s.44).
- reviews, s.40 (see ``review_schedule``): first by 6 h after detention was authorised,
  then at most every 9 h; a postponed review counts at its latest lawful time when the
  next one is timed (s.40(4)-(6)). A late review postponed with a recorded reason is
  measured apart, so a suite can list it as a warning.
- superintendent's extension, s.42: needed past 24 h, given within 24 h of the relevant
  time (s.42(4)(a)), never before the second review (s.42(4)(b)), and only where an
  offence for which the person is under arrest is indictable (s.42(1)(b)).
- warrant of further detention, s.43: needed past 36 h, applied for within 36 h, or
  within the 6 hours after that where the court could not sit at 36 h and sits in those
  6 hours (s.43(5)(b)). The custody officer records that fact and its reason (s.43(6));
  here it is read from the warrant event being marked postponed with a reason.
- Terrorism Act 2000 s.41 detentions (the terrorism flag) get no PACE measures; their
  Schedule 8 Part II reviews are measured instead: first review after arrest (no fixed
  time: "as soon as is reasonably practicable", para 21(2)), then at most every 12 h
  (para 21(3)), postponements deemed at their latest time (para 22(3)), and no review
  after a warrant of further detention has been issued (para 21(4)).
- the repeated autumn clock-change hour (see ``timing``): under ``ambiguous: flag`` the
  measures are worked out under both readings; a measure that differs is left blank and
  the detention is marked ``clock_change_ambiguous = "Y"`` for a warning rule to list.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from dqaudit.errors import InputError
from dqaudit.expectations.rules import review_schedule as schedule
from dqaudit.expectations.rules.catalogue import PACE_DERIVED_COLUMNS
from dqaudit.expectations.rules.review_schedule import NAT, NS_PER_HOUR, hours
from dqaudit.expectations.rules.timing import (
    AMBIGUOUS_MODES,
    EARLIEST,
    FLAG,
    LATEST,
    LocalTimes,
    read_local,
)

DERIVED_COLUMNS = PACE_DERIVED_COLUMNS
_MAX = np.iinfo(np.int64).max


@dataclass(frozen=True)
class PaceOptions:
    """Column names, codes and limits; the defaults are those of dqaudit's sample system."""

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
    voluntary: str = "voluntary_attendance"
    voluntary_values: tuple[str, ...] = ("Y",)
    indictable: str = "offence_indictable"
    indictable_values: tuple[str, ...] = ("Y",)
    review_key: str = "custody_ref"
    review_time: str = "review_datetime"
    review_type: str = "review_type"
    postponed: str = "postponed"
    postponement_reason: str = "postponement_reason"
    postponed_values: tuple[str, ...] = ("Y",)
    review_types: tuple[str, ...] = ("PACE_FIRST", "PACE_SUBSEQUENT")
    tact_review_types: tuple[str, ...] = ("TACT_REVIEW",)
    extension_types: tuple[str, ...] = ("SUPT_EXTENSION",)
    warrant_types: tuple[str, ...] = ("WARRANT_FURTHER_DETENTION",)
    first_review_due_h: float = 6.0
    review_interval_h: float = 9.0
    tact_review_interval_h: float = 12.0
    extension_due_h: float = 24.0
    warrant_due_h: float = 36.0
    ambiguous: str = FLAG

    def __post_init__(self) -> None:
        if self.ambiguous not in AMBIGUOUS_MODES:
            raise InputError(f"options.ambiguous must be one of: {', '.join(AMBIGUOUS_MODES)}")

    def custody_columns(self, has_relevant: bool) -> list[str]:
        names = [self.key, self.arrest, self.arrival, self.authorised, self.charge, self.release]
        names += [self.date_of_birth, self.terrorism, self.voluntary, self.indictable]
        return names + ([self.relevant_time] if has_relevant else [])

    def review_columns(self) -> list[str]:
        return [self.review_key, self.review_time, self.review_type, self.postponed]


_TIMES = ("arrest", "arrival", "authorised", "charge", "release")
_NUMBERS = (
    "first_review_h",
    "max_review_gap_h",
    "max_postponed_gap_h",
    "hours_before_charge",
    "extension_by_h",
    "warrant_by_h",
    "tact_first_review_h",
    "tact_max_review_gap_h",
    "tact_max_postponed_gap_h",
)
_FLAGS = (
    "first_review_postponed",
    "extension_before_second_review",
    "extension_offence_indictable",
    "warrant_court_unavailable",
)


def pace_measures(
    custody: pd.DataFrame, reviews: pd.DataFrame, options: PaceOptions, timezone: str
) -> pd.DataFrame:
    """The derived columns, one row per custody record, in the custody records' order."""
    o = options
    local = {name: read_local(custody[getattr(o, name)], timezone) for name in _TIMES}
    if o.relevant_time in custody.columns:
        local["relevant_time"] = read_local(custody[o.relevant_time], timezone)
    review_times = read_local(reviews[o.review_time], timezone)
    events = _Events(custody, reviews, o)
    first = EARLIEST if o.ambiguous == FLAG else o.ambiguous
    frame = _measures(custody, events, local, review_times, o, timezone, first)
    frame["clock_change_ambiguous"] = "N"
    unsure = any(t.ambiguous.any() for t in local.values()) or review_times.ambiguous.any()
    if o.ambiguous == FLAG and unsure:
        other = _measures(custody, events, local, review_times, o, timezone, LATEST)
        differs = np.zeros(len(frame), dtype=bool)
        for name in (*_NUMBERS, *_FLAGS, "tact_reviews_after_warrant"):
            changed = _changed(frame[name], other[name])
            frame.loc[changed, name] = None
            differs |= changed
        frame.loc[differs, "clock_change_ambiguous"] = "Y"
    frame["clock_change_ambiguous"] = frame["clock_change_ambiguous"].astype("string")
    return frame[list(DERIVED_COLUMNS)]


def _changed(a: pd.Series, b: pd.Series) -> np.ndarray:
    """Where two versions of a measure differ (a blank on one side only counts)."""
    missing_a, missing_b = a.isna().to_numpy(), b.isna().to_numpy()
    both = ~missing_a & ~missing_b
    changed = missing_a != missing_b
    changed[both] = a.to_numpy()[both] != b.to_numpy()[both]
    return changed


class _Events:
    """Reviews, extensions and warrants linked to their detention's row position."""

    def __init__(self, custody: pd.DataFrame, reviews: pd.DataFrame, o: PaceOptions):
        position = pd.Series(
            np.arange(len(custody)), index=custody[o.key].astype("string").to_numpy()
        )
        position = position[~position.index.duplicated(keep="first")]
        keys = reviews[o.review_key].astype("string")
        self.linked = keys.isin(position.index).to_numpy()
        self.rows = np.full(len(reviews), -1, dtype=np.int64)
        self.rows[self.linked] = position.reindex(keys[self.linked].to_numpy()).to_numpy()
        kinds = np.full(len(reviews), "", dtype=object)
        types = reviews[o.review_type]
        for kind, codes in (
            ("review", o.review_types),
            ("tact_review", o.tact_review_types),
            ("extension", o.extension_types),
            ("warrant", o.warrant_types),
        ):
            kinds[types.isin(codes).to_numpy()] = kind
        self.kinds = kinds
        excused = reviews[o.postponed].isin(o.postponed_values).to_numpy(copy=True)
        if o.postponement_reason in reviews.columns:
            reason = reviews[o.postponement_reason].fillna("").astype("string").str.strip()
            excused &= (reason != "").to_numpy()
        self.excused = excused

    def of(self, kind: str, times: np.ndarray, regime: np.ndarray) -> pd.DataFrame:
        """Events of one kind, with a time, of detentions where ``regime`` is True."""
        keep = self.linked & (self.kinds == kind) & (times != NAT)
        keep[keep] &= regime[self.rows[keep]]
        frame = pd.DataFrame(
            {"row": self.rows[keep], "time": times[keep], "excused": self.excused[keep]}
        )
        return frame.sort_values(["row", "time"], kind="stable").reset_index(drop=True)


def _ns(times: LocalTimes, reading: str) -> np.ndarray:
    return times.reading(reading).to_numpy(dtype="datetime64[ns]").astype("int64")


def _measures(
    custody: pd.DataFrame,
    events: _Events,
    local: dict[str, LocalTimes],
    review_times: LocalTimes,
    o: PaceOptions,
    timezone: str,
    reading: str,
) -> pd.DataFrame:
    n = len(custody)
    stamp = {name: _ns(times, reading) for name, times in local.items()}
    when = _ns(review_times, reading)
    tact = custody[o.terrorism].isin(o.terrorism_values).to_numpy()
    pace = ~tact
    relevant = _relevant_time(custody, stamp, o)
    clock_stop = np.where(stamp["charge"] != NAT, stamp["charge"], stamp["release"])
    before_charge = hours(clock_stop, relevant)

    pace_reviews = schedule.review_measures(
        events.of("review", when, pace),
        stamp["authorised"],
        stamp["release"],
        schedule.Schedule(o.first_review_due_h, o.review_interval_h),
        n,
    )
    extension_at = _first_event(events.of("extension", when, pace), n, clock_stop)
    warrant = events.of("warrant", when, pace)
    warrant_at = _first_event(warrant, n, clock_stop)
    extension = _authority_by(extension_at, relevant, before_charge, o.extension_due_h)
    warrant_by = _authority_by(warrant_at, relevant, before_charge, o.warrant_due_h)
    court_unavailable = _first_excused(warrant, n, clock_stop)
    given = extension_at != NAT
    second = pace_reviews.second_review
    early = given & ((second == NAT) | (extension_at < second))
    indictable = custody[o.indictable].isin(o.indictable_values).to_numpy()

    frame = pd.DataFrame(
        {
            "relevant_time": _iso(relevant, timezone),
            "first_review_h": pace_reviews.first_h,
            "first_review_postponed": pace_reviews.first_postponed,
            "max_review_gap_h": pace_reviews.max_gap_h,
            "max_postponed_gap_h": pace_reviews.max_postponed_gap_h,
            "hours_before_charge": before_charge,
            "extension_by_h": extension,
            "extension_before_second_review": _yes_no(early, given),
            "extension_offence_indictable": _yes_no(indictable, given),
            "warrant_by_h": warrant_by,
            "warrant_court_unavailable": np.where(court_unavailable, "Y", "N").astype(object),
        },
        index=custody.index,
    )
    pace_only = [c for c in frame.columns if c not in ("relevant_time",)]
    frame.loc[tact, pace_only] = None
    frame.loc[tact, "warrant_court_unavailable"] = "N"
    frame = pd.concat([frame, _tact(events, stamp, when, tact, o, custody.index)], axis=1)
    for name in _NUMBERS:
        frame[name] = pd.to_numeric(frame[name]).round(3)
    for name in _FLAGS:
        frame[name] = frame[name].astype("string")
    age = _age_years(custody[o.date_of_birth], _ns(local["arrival"], EARLIEST), timezone)
    frame["age_at_arrival_years"] = pd.array(age, dtype="Int64")
    under = pd.Series(pd.NA, index=custody.index, dtype="string")
    known = ~pd.isna(age)
    under[known] = np.where(age[known] < 18, "Y", "N")
    under[known & (np.nan_to_num(age, nan=0) < 0)] = pd.NA  # a birth date after arrival
    frame["under_18"] = under
    return frame


def _tact(
    events: _Events,
    stamp: dict[str, np.ndarray],
    when: np.ndarray,
    tact: np.ndarray,
    o: PaceOptions,
    index: pd.Index,
) -> pd.DataFrame:
    """Schedule 8 Part II measures; blank for PACE detentions."""
    n = len(tact)
    release = stamp["release"]
    warrant_at = _first_event(events.of("warrant", when, tact), n, release)
    end = np.where(warrant_at != NAT, np.minimum(warrant_at, _or_max(release)), release)
    end = np.where(end == _MAX, NAT, end)
    reviews = events.of("tact_review", when, tact)
    measures = schedule.review_measures(
        reviews, stamp["arrest"], end, schedule.Schedule(None, o.tact_review_interval_h), n
    )
    rows = reviews["row"].to_numpy(dtype=np.int64)
    times = reviews["time"].to_numpy(dtype=np.int64)
    after = (warrant_at[rows] != NAT) & (times > warrant_at[rows])
    after &= schedule.within(rows, times, stamp["arrest"], release)
    counts = np.bincount(rows[after], minlength=n).astype("float64")
    frame = pd.DataFrame(
        {
            "tact_first_review_h": measures.first_h,
            "tact_max_review_gap_h": measures.max_gap_h,
            "tact_max_postponed_gap_h": measures.max_postponed_gap_h,
            "tact_reviews_after_warrant": counts,
        },
        index=index,
    )
    frame.loc[~tact] = np.nan
    frame["tact_reviews_after_warrant"] = pd.array(
        frame["tact_reviews_after_warrant"].to_numpy(), dtype="Int64"
    )
    return frame


def _or_max(values: np.ndarray) -> np.ndarray:
    return np.where(values == NAT, _MAX, values)


def _yes_no(condition: np.ndarray, applies: np.ndarray) -> np.ndarray:
    result = np.full(len(condition), None, dtype=object)
    result[applies] = np.where(condition[applies], "Y", "N")
    return result


def _relevant_time(
    custody: pd.DataFrame, stamp: dict[str, np.ndarray], o: PaceOptions
) -> np.ndarray:
    day = 24 * NS_PER_HOUR
    arrest, arrival = stamp["arrest"], stamp["arrival"]
    arrest_plus_day = np.where(arrest != NAT, arrest + day, NAT)
    relevant = np.minimum(_or_max(arrival), _or_max(arrest_plus_day))
    relevant[relevant == _MAX] = NAT
    voluntary = custody[o.voluntary].isin(o.voluntary_values).to_numpy()
    relevant = np.where(voluntary, arrest, relevant)  # s.41(2)(c): the time of arrest
    if "relevant_time" in stamp:
        given = stamp["relevant_time"]
        relevant = np.where(given != NAT, given, relevant)
    return relevant


def _first_event(events: pd.DataFrame, n: int, clock_stop: np.ndarray) -> np.ndarray:
    """Time of each detention's first event recorded before the clock stopped (else NAT)."""
    when = np.full(n, NAT, dtype=np.int64)
    if len(events):
        first = events.drop_duplicates("row", keep="first")  # events are sorted by time
        when[first["row"].to_numpy()] = first["time"].to_numpy()
    late = (when != NAT) & (when > _or_max(clock_stop))
    when[late] = NAT
    return when


def _first_excused(events: pd.DataFrame, n: int, clock_stop: np.ndarray) -> np.ndarray:
    """Whether each detention's first event was marked postponed with a reason."""
    result = np.zeros(n, dtype=bool)
    if len(events):
        first = events.drop_duplicates("row", keep="first")
        rows = first["row"].to_numpy()
        ok = first["time"].to_numpy() <= _or_max(clock_stop)[rows]
        result[rows[ok]] = first["excused"].to_numpy()[ok]
    return result


def _authority_by(
    when: np.ndarray, relevant: np.ndarray, before_charge: np.ndarray, due_h: float
) -> np.ndarray:
    """Hours after the relevant time by which an authority was given, where one was needed.

    Blank when detention before charge did not pass ``due_h``; when it did and no
    authority was recorded before the clock stopped, the hours detained (so the value
    exceeds ``due_h`` and the rule fails).
    """
    needed = before_charge > due_h
    recorded = when != NAT
    result = np.full(len(when), np.nan)
    by = hours(when, relevant)
    result[needed & recorded] = by[needed & recorded]
    result[needed & ~recorded] = before_charge[needed & ~recorded]
    return result


def _age_years(date_of_birth: pd.Series, arrival: np.ndarray, timezone: str) -> np.ndarray:
    """Whole years of age on the local date of arrival; NaN where either is unknown."""
    born = pd.to_datetime(date_of_birth, format="ISO8601", errors="coerce")
    arrived = pd.Series(arrival).where(arrival != NAT)
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
    values = pd.Series(stamps).where(stamps != NAT)
    local = pd.to_datetime(values, unit="ns", utc=True).dt.tz_convert(timezone)
    return local.dt.strftime("%Y-%m-%d %H:%M:%S").astype("string").to_numpy()
