"""Datetimes read in the dataset's timezone, durations in real elapsed hours, and order.

Extract timestamps are usually local wall-clock text with no offset. They are read as
timezone-aware datetimes in the dataset's timezone (Europe/London by default), so a
detention that spans the clock change is measured in the hours that actually passed and
the 24/36/96 h edges do not move by an hour. Two local times need a decision:

- **The repeated autumn hour** (01:00-01:59 on the last Sunday of October in London)
  happens twice, first in summer time (BST, UTC+1) then in GMT. Such a time is
  *ambiguous*; a rule's ``ambiguous`` kwarg says how to read it: ``earliest`` (the first
  occurrence, BST), ``latest`` (the second, GMT) or ``flag`` (the default). With
  ``flag`` the rule is worked out under both readings: a record whose verdict does not
  depend on the reading gets that verdict; one whose verdict does is *not* failed but
  listed as a warning on the rule (``clock_change_warning``), so it is never silently
  read as BST.
- **The skipped spring hour** (01:00-01:59 on the last Sunday of March in London) never
  happens on a correct clock. Such a time is read with the offset in force just before
  the change, as a clock that had not yet been put forward shows it: 01:30 is read as
  01:30 GMT (= 02:30 BST). This is also what Python's ``zoneinfo`` does with ``fold=0``
  (PEP 495), so the sample-data generator, which uses it, agrees.

Times that carry an offset (``+01:00``, ``Z``) are never ambiguous. A value that is not a
datetime is never a null a rule would ignore: callers get it back as "unparseable" and
fail the row.

Sources: the clock-change dates and hours are those of the Summer Time Act 1972 as
amended by the Summer Time Order 2002 (SI 2002/262), applied through the IANA tz
database entry ``Europe/London``; nothing here is hard-coded to London.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from dqaudit.timezones import DEFAULT_TIMEZONE

_OFFSET = r"(?:Z|[+-][0-9]{2}:?[0-9]{2})$"
NS_PER_HOUR = 3_600_000_000_000
_HALF_DAY = pd.Timedelta(hours=12)

EARLIEST, LATEST, FLAG = "earliest", "latest", "flag"
AMBIGUOUS_MODES = (EARLIEST, LATEST, FLAG)
DEFAULT_AMBIGUOUS = FLAG


@dataclass(frozen=True)
class LocalTimes:
    """A column read both ways: UTC instants for each reading of an ambiguous time."""

    earliest: pd.Series  # datetime64[ns, UTC]
    latest: pd.Series
    ambiguous: np.ndarray  # True where the two readings differ
    unparseable: np.ndarray  # True where a present value is not a datetime

    def reading(self, which: str) -> pd.Series:
        return self.latest if which == LATEST else self.earliest


def check_mode(ambiguous: str) -> str:
    if ambiguous not in AMBIGUOUS_MODES:
        raise ValueError(f"ambiguous must be one of: {', '.join(AMBIGUOUS_MODES)}")
    return ambiguous


def read_local(values: pd.Series, timezone: str = DEFAULT_TIMEZONE) -> LocalTimes:
    """Read ``values`` in ``timezone`` under both readings of the repeated autumn hour."""
    index = values.index
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        if values.dt.tz is not None:
            utc = values.dt.tz_convert("UTC").dt.as_unit("ns")
            return LocalTimes(utc, utc, _none(len(values)), _none(len(values)))
        early, late, ambiguous = _localize(values.astype("datetime64[ns]"), timezone)
        return LocalTimes(early, late, ambiguous, _none(len(values)))
    text = values.astype("string") if values.dtype != "string" else values
    present = text.notna().to_numpy()
    with_offset = text.str.contains(_OFFSET, regex=True).fillna(False).to_numpy(dtype=bool)
    early = pd.Series(pd.NaT, index=index, dtype="datetime64[ns, UTC]")
    late = early.copy()
    ambiguous = _none(len(values))
    naive = present & ~with_offset
    if naive.any():
        parsed = pd.to_datetime(text[naive], format="ISO8601", errors="coerce")
        if parsed.dt.tz is None:
            first, second, unsure = _localize(parsed.astype("datetime64[ns]"), timezone)
        else:  # pragma: no cover - ISO8601 text without an offset parses naive
            first = second = parsed.dt.tz_convert("UTC").dt.as_unit("ns")
            unsure = _none(len(parsed))
        early[naive], late[naive] = first, second
        ambiguous[naive] = unsure
    if with_offset.any():
        parsed = pd.to_datetime(text[with_offset], format="ISO8601", errors="coerce", utc=True)
        early[with_offset] = late[with_offset] = parsed.dt.as_unit("ns")
    unparseable = present & early.isna().to_numpy()
    return LocalTimes(early, late, ambiguous, unparseable)


def parse_local(
    values: pd.Series, timezone: str = DEFAULT_TIMEZONE, reading: str = EARLIEST
) -> tuple[pd.Series, np.ndarray]:
    """(UTC datetimes, unparseable mask) under one reading (``earliest`` or ``latest``)."""
    times = read_local(values, timezone)
    return times.reading(reading), times.unparseable


def _none(n: int) -> np.ndarray:
    return np.zeros(n, dtype=bool)


def _localize(naive: pd.Series, timezone: str) -> tuple[pd.Series, pd.Series, np.ndarray]:
    """(earliest, latest, ambiguous) UTC instants of naive local datetimes.

    The common case is one vectorised call; only values at a clock change (the localised
    value is NaT although the naive one is not) are worked out from the offsets in force
    12 hours either side: both readings for a repeated time, the offset before the change
    for a skipped one.
    """
    local = naive.dt.tz_localize(timezone, ambiguous="NaT", nonexistent="NaT")
    early = local.dt.tz_convert("UTC").dt.as_unit("ns")
    late = early.copy()
    ambiguous = _none(len(naive))
    changed = (local.isna() & naive.notna()).to_numpy()
    if changed.any():
        wall = naive[changed]
        before = _offset(wall - _HALF_DAY, timezone)
        after = _offset(wall + _HALF_DAY, timezone)
        first = wall - before  # UTC wall time under the offset before the change
        second = wall - after
        repeated = (_wall(first, timezone) == wall) & (_wall(second, timezone) == wall)
        lo = np.minimum(first.to_numpy(), second.to_numpy())
        hi = np.maximum(first.to_numpy(), second.to_numpy())
        skipped_value = first.to_numpy()
        rep = repeated.to_numpy()
        early[changed] = pd.to_datetime(np.where(rep, lo, skipped_value)).tz_localize("UTC")
        late[changed] = pd.to_datetime(np.where(rep, hi, skipped_value)).tz_localize("UTC")
        ambiguous[np.flatnonzero(changed)[rep & (lo != hi)]] = True
    return early, late, ambiguous


def _offset(wall: pd.Series, timezone: str) -> pd.Series:
    """UTC offset (a timedelta) in force at naive local times away from any change."""
    local = wall.dt.tz_localize(timezone, ambiguous="NaT", nonexistent="NaT")
    return wall - local.dt.tz_convert("UTC").dt.tz_localize(None)


def _wall(utc_naive: pd.Series, timezone: str) -> pd.Series:
    """Local wall-clock (naive) of naive UTC datetimes."""
    return utc_naive.dt.tz_localize("UTC").dt.tz_convert(timezone).dt.tz_localize(None)


def hours_between(start: pd.Series, end: pd.Series) -> np.ndarray:
    """Elapsed hours from ``start`` to ``end`` (aware datetimes); NaN where either is missing."""
    a = start.to_numpy(dtype="datetime64[ns]")
    b = end.to_numpy(dtype="datetime64[ns]")
    delta = (b - a).astype("timedelta64[ns]").astype("int64").astype("float64") / NS_PER_HOUR
    delta[np.isnat(a) | np.isnat(b)] = np.nan
    return delta


# --- verdicts under every reading of the repeated hour -----------------------------------------

Verdict = Callable[[list[pd.Series], np.ndarray], np.ndarray]
_MAX_COMBINED = 6  # columns whose readings are combined every way; more get the extremes


def _verdicts(times: list[LocalTimes], verdict: Verdict) -> tuple[np.ndarray, np.ndarray]:
    """(ok under every reading, ok under some reading) of the repeated hour, per row.

    ``verdict`` gets one UTC series per column and the rows' unparseable mask. Rows with
    no ambiguous value are judged once; the few that have one are judged under every
    combination of readings of their ambiguous columns (the all-early and all-late ones,
    and each column flipped alone, when a suite names very many columns).
    """
    bad = np.zeros(len(times[0].earliest), dtype=bool)
    unsure = np.zeros(len(bad), dtype=bool)
    for times_of_column in times:
        bad |= times_of_column.unparseable
        unsure |= times_of_column.ambiguous
    early = verdict([t.earliest for t in times], bad)
    if not unsure.any():
        return early, early
    rows = np.flatnonzero(unsure)
    columns = [i for i, t in enumerate(times) if t.ambiguous[rows].any()]
    if len(columns) <= _MAX_COMBINED:
        combos = list(itertools.product((False, True), repeat=len(columns)))
    else:
        combos = [tuple(c == f for c in columns) for f in columns]
        combos += [(False,) * len(columns), (True,) * len(columns)]
    surely, maybe = early.copy(), early.copy()
    surely[rows], maybe[rows] = True, False
    for combo in combos:
        late = {column for column, flip in zip(columns, combo, strict=True) if flip}
        readings = [(t.latest if i in late else t.earliest).iloc[rows] for i, t in enumerate(times)]
        ok = verdict(readings, bad[rows])
        surely[rows] &= ok
        maybe[rows] |= ok
    return surely, maybe


def _decide(times: list[LocalTimes], verdict: Verdict, ambiguous: str) -> np.ndarray:
    """One verdict per row; under ``flag`` a row fails only when every reading fails it."""
    check_mode(ambiguous)
    if ambiguous == FLAG:
        return _verdicts(times, verdict)[1]
    bad = np.zeros(len(times[0].earliest), dtype=bool)
    for times_of_column in times:
        bad |= times_of_column.unparseable
    return verdict([t.reading(ambiguous) for t in times], bad)


def _read_all(frame: pd.DataFrame, timezone: str) -> list[LocalTimes]:
    return [read_local(frame.iloc[:, i], timezone) for i in range(frame.shape[1])]


# --- timeliness -----------------------------------------------------------------------------


def _timely(begin: pd.Series, finish: pd.Series, bad: np.ndarray, max_hours: float) -> np.ndarray:
    hours = hours_between(begin, finish)
    return ~np.isnan(hours) & (hours >= 0) & (hours <= max_hours) & ~bad


def _pair_verdict(max_hours: float) -> Verdict:
    def verdict(readings: list[pd.Series], bad: np.ndarray) -> np.ndarray:
        return _timely(readings[0], readings[1], bad, max_hours)

    return verdict


def within_hours(
    start: pd.Series,
    end: pd.Series,
    max_hours: float,
    timezone: str = DEFAULT_TIMEZONE,
    ambiguous: str = DEFAULT_AMBIGUOUS,
) -> pd.Series:
    """True where ``end`` is at or after ``start`` and at most ``max_hours`` later.

    A missing or unparseable ``end`` counts as late: a record never entered is not a null
    to ignore. A missing ``start`` fails too, because timeliness cannot be shown without it.
    Under ``ambiguous: flag`` a row that passes under one reading of a repeated local hour
    and fails under another passes here and is listed by ``clock_change_warning``.
    """
    times = [read_local(start, timezone), read_local(end, timezone)]
    ok = _decide(times, _pair_verdict(max_hours), ambiguous)
    return pd.Series(ok, index=start.index, dtype=bool)


def earliest_of(readings: list[pd.Series]) -> pd.Series:
    """The earliest present instant of several UTC series, per row (NaT when none)."""
    stacked = np.vstack([r.to_numpy(dtype="datetime64[ns]") for r in readings])
    ints = np.where(np.isnat(stacked), np.iinfo(np.int64).max, stacked.astype("int64"))
    first = ints.min(axis=0)
    first = np.where(first == np.iinfo(np.int64).max, np.iinfo(np.int64).min, first)
    values = pd.to_datetime(first.astype("datetime64[ns]")).tz_localize("UTC")
    return pd.Series(values, index=readings[0].index)


def _first_verdict(max_hours: float) -> Verdict:
    def verdict(readings: list[pd.Series], bad: np.ndarray) -> np.ndarray:
        return _timely(earliest_of(readings[:-1]), readings[-1], bad, max_hours)

    return verdict


def within_hours_of_first(
    frame: pd.DataFrame,
    max_hours: float,
    timezone: str = DEFAULT_TIMEZONE,
    ambiguous: str = DEFAULT_AMBIGUOUS,
) -> pd.Series:
    """True where the last column is at most ``max_hours`` after the earliest of the others.

    The other columns are the alternative starts of one clock (arrested, reported,
    summonsed): the earliest present one starts it and blanks are skipped. No start at
    all, an unparseable value, or a missing or early end fails the row, as in
    ``within_hours``; ``ambiguous`` works as there.
    """
    if frame.shape[1] < 2:
        raise ValueError("column_list must name at least one start column and the end column")
    ok = _decide(_read_all(frame, timezone), _first_verdict(max_hours), ambiguous)
    return pd.Series(ok, index=frame.index, dtype=bool)


# --- order ------------------------------------------------------------------------------------


def _order_verdict(readings: list[pd.Series], bad: np.ndarray) -> np.ndarray:
    ok = ~bad
    latest = np.full(len(bad), np.iinfo(np.int64).min, dtype=np.int64)
    for stamps in readings:
        values = stamps.to_numpy(dtype="datetime64[ns]")
        missing = np.isnat(values)
        ints = values.astype("int64")
        ok = ok & (missing | (ints >= latest))
        latest = np.where(missing, latest, np.maximum(latest, ints))
    return ok


def in_order(
    frame: pd.DataFrame, timezone: str = DEFAULT_TIMEZONE, ambiguous: str = DEFAULT_AMBIGUOUS
) -> pd.Series:
    """True where the row's datetimes, in column order, never go backwards.

    Missing values are skipped (their completeness is another rule's job); an unparseable
    value fails the row. ``ambiguous`` works as in ``within_hours``.
    """
    ok = _decide(_read_all(frame, timezone), _order_verdict, ambiguous)
    return pd.Series(ok, index=frame.index, dtype=bool)


# --- the engine's per-rule warning ------------------------------------------------------------

PAIR_WITHIN_HOURS = "expect_column_pair_values_to_be_within_hours"
MULTI_WITHIN_HOURS = "expect_multicolumn_datetimes_to_be_within_hours"
IN_ORDER = "expect_multicolumn_datetimes_to_be_in_order"
CLOCK_RULES = frozenset({PAIR_WITHIN_HOURS, MULTI_WITHIN_HOURS, IN_ORDER})


@dataclass(frozen=True)
class ClockChangeWarning:
    """Rows a rule neither passed nor failed because of the repeated autumn hour."""

    rows: np.ndarray  # boolean mask over the frame's rows
    message: str

    @property
    def count(self) -> int:
        return int(self.rows.sum())


def clock_change_warning(
    expectation_type: str,
    kwargs: dict[str, Any],
    frame: pd.DataFrame,
    timezone: str = DEFAULT_TIMEZONE,
    selected: np.ndarray | None = None,
) -> ClockChangeWarning | None:
    """The rows of ``frame`` whose verdict on this rule depends on how a repeated local
    hour is read, for a rule with ``ambiguous: flag`` (the default); None when there are
    none or the rule reads ambiguous times one fixed way.

    ``kwargs`` are the rule's own; ``timezone`` is used when they set none; ``selected``
    marks the rows the rule's ``row_condition`` selects (without it, a rule that has one
    gets every row listed, and the message says so). The rule itself passes these rows
    (its metric is worked out the same way), so listing them is the only trace they leave.
    """
    if expectation_type not in CLOCK_RULES:
        return None
    mode = kwargs.get("ambiguous", DEFAULT_AMBIGUOUS)
    if mode != FLAG:
        return None
    zone = kwargs.get("timezone") or timezone
    if expectation_type == PAIR_WITHIN_HOURS:
        columns = [kwargs["column_A"], kwargs["column_B"]]
        verdict = _pair_verdict(float(kwargs["max_hours"]))
        keep = _pair_rows(frame[columns], kwargs.get("ignore_row_if", "neither"))
    else:
        columns = list(kwargs["column_list"])
        if expectation_type == MULTI_WITHIN_HOURS:
            verdict = _first_verdict(float(kwargs["max_hours"]))
            keep = _multi_rows(frame[columns], kwargs.get("ignore_row_if", "never"))
        else:
            verdict = _order_verdict
            keep = _multi_rows(
                frame[columns], kwargs.get("ignore_row_if", "all_values_are_missing")
            )
    surely, maybe = _verdicts(_read_all(frame[columns], zone), verdict)
    rows = (surely != maybe) & keep
    if selected is not None:
        rows &= selected
    if not rows.any():
        return None
    unconditioned = kwargs.get("row_condition") and selected is None
    where = " (row_condition not applied: some may be outside the rule's rows)"
    where = where if unconditioned else ""
    return ClockChangeWarning(rows, clock_change_message(int(rows.sum()), zone, where))


def clock_change_message(count: int, zone: str, where: str = "") -> str:
    """The warning's text, the same on every backend (Spark counts the rows itself)."""
    return (
        f"{count} record(s) have a local time in the repeated autumn clock-change "
        f"hour ({zone}) and pass or fail depending on whether it is read as the first or "
        f"the second occurrence; not failed, listed for checking{where}"
    )


def _pair_rows(frame: pd.DataFrame, ignore_row_if: str) -> np.ndarray:
    missing = frame.isna().to_numpy()
    if ignore_row_if == "both_values_are_missing":
        return ~missing.all(axis=1)
    if ignore_row_if == "either_value_is_missing":
        return ~missing.any(axis=1)
    return np.ones(len(frame), dtype=bool)


def _multi_rows(frame: pd.DataFrame, ignore_row_if: str) -> np.ndarray:
    missing = frame.isna().to_numpy()
    if ignore_row_if == "all_values_are_missing":
        return ~missing.all(axis=1)
    if ignore_row_if == "any_value_is_missing":
        return ~missing.any(axis=1)
    return np.ones(len(frame), dtype=bool)
