"""Datetimes read in the dataset's timezone, durations in real elapsed hours, and order.

Extract timestamps are usually local wall-clock text with no offset. They are read as
timezone-aware datetimes in the dataset's timezone (Europe/London by default), so a
detention that spans the clock change is measured in the hours that actually passed and
the 24/36/96 h edges do not move by an hour. A local time that occurs twice (the autumn
change) is read as its first occurrence (summer time); one that never occurs (the hour
skipped in spring) is read as summer time too.
A value that is not a datetime is never a null a rule would ignore: callers get it back
as "unparseable" and fail the row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dqaudit.timezones import DEFAULT_TIMEZONE

_OFFSET = r"(?:Z|[+-][0-9]{2}:?[0-9]{2})$"
NS_PER_HOUR = 3_600_000_000_000


def parse_local(
    values: pd.Series, timezone: str = DEFAULT_TIMEZONE
) -> tuple[pd.Series, np.ndarray]:
    """(UTC datetimes, unparseable mask): local text read in ``timezone``; offsets honoured."""
    index = values.index
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        stamps = values if values.dt.tz is not None else _localize(values, timezone)
        return stamps.dt.tz_convert("UTC").dt.as_unit("ns"), np.zeros(len(values), dtype=bool)
    text = values.astype("string") if values.dtype != "string" else values
    present = text.notna().to_numpy()
    with_offset = text.str.contains(_OFFSET, regex=True).fillna(False).to_numpy(dtype=bool)
    result = pd.Series(pd.NaT, index=index, dtype="datetime64[ns, UTC]")
    naive = present & ~with_offset
    if naive.any():
        parsed = pd.to_datetime(text[naive], format="ISO8601", errors="coerce")
        if parsed.dt.tz is None:
            parsed = _localize(parsed.astype("datetime64[ns]"), timezone)
        result[naive] = parsed.dt.tz_convert("UTC").dt.as_unit("ns")
    if with_offset.any():
        parsed = pd.to_datetime(text[with_offset], format="ISO8601", errors="coerce", utc=True)
        result[with_offset] = parsed.dt.as_unit("ns")
    unparseable = present & result.isna().to_numpy()
    return result, unparseable


def _localize(stamps: pd.Series, timezone: str) -> pd.Series:
    return stamps.dt.tz_localize(
        timezone, ambiguous=np.ones(len(stamps), dtype=bool), nonexistent="shift_forward"
    )


def hours_between(start: pd.Series, end: pd.Series) -> np.ndarray:
    """Elapsed hours from ``start`` to ``end`` (aware datetimes); NaN where either is missing."""
    a = start.to_numpy(dtype="datetime64[ns]")
    b = end.to_numpy(dtype="datetime64[ns]")
    delta = (b - a).astype("timedelta64[ns]").astype("int64").astype("float64") / NS_PER_HOUR
    delta[np.isnat(a) | np.isnat(b)] = np.nan
    return delta


def within_hours(
    start: pd.Series, end: pd.Series, max_hours: float, timezone: str = DEFAULT_TIMEZONE
) -> pd.Series:
    """True where ``end`` is at or after ``start`` and at most ``max_hours`` later.

    A missing or unparseable ``end`` counts as late: a record never entered is not a null
    to ignore. A missing ``start`` fails too, because timeliness cannot be shown without it.
    """
    begin, bad_begin = parse_local(start, timezone)
    finish, bad_finish = parse_local(end, timezone)
    hours = hours_between(begin, finish)
    ok = ~np.isnan(hours) & (hours >= 0) & (hours <= max_hours)
    ok &= ~bad_begin & ~bad_finish
    return pd.Series(ok, index=start.index, dtype=bool)


def in_order(frame: pd.DataFrame, timezone: str = DEFAULT_TIMEZONE) -> pd.Series:
    """True where the row's datetimes, in column order, never go backwards.

    Missing values are skipped (their completeness is another rule's job); an unparseable
    value fails the row.
    """
    ok = np.ones(len(frame), dtype=bool)
    latest = np.full(len(frame), np.iinfo(np.int64).min, dtype=np.int64)
    for name in frame.columns:
        stamps, bad = parse_local(frame[name], timezone)
        values = stamps.to_numpy(dtype="datetime64[ns]")
        missing = np.isnat(values)
        ints = values.astype("int64")
        ok &= ~bad & (missing | (ints >= latest))
        latest = np.where(missing, latest, np.maximum(latest, ints))
    return pd.Series(ok, index=frame.index, dtype=bool)
