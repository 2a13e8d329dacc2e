"""Neighbourhood and sector boundary changes: area codes checked against dated boundaries.

When a force redraws its neighbourhoods and sectors, codes are retired, merged and
created on a date, and every record made after that date must carry a code of the new
layout, while records made before it keep the code that was right at the time. The force
report counts 1,740 records updated in one year of such changes (Walsall, Dudley,
Wolverhampton and Sandwell), "ensuring new neighbourhoods allocated correctly".

The boundary layer is one GeoJSON file holding every version: each feature carries its
area code and the dates its polygon was in force, ``valid_from`` (inclusive) and
``valid_to`` (exclusive: the day the next version took effect; blank or missing while it
is still in force; a blank ``valid_from`` means since before any record). Two rules use
it, both pandas only (shapely, pyproj):

- :func:`code_in_force`: the recorded code was a code of the layout in force on the
  event's date. A retired code (used after its ``valid_to``), a code used before its
  ``valid_from`` and a code that never existed all fail;
- :func:`point_in_version`: the event's point falls in the polygon that the recorded code
  had on the event's date, so a record left with its old neighbourhood after the line
  moved fails even when the old code is still in use elsewhere.

Event dates are read as local dates in ``timezone`` (an event at 00:30 BST on the day of
a change is on that day, although it is still the day before in UTC).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from dqaudit.errors import InputError
from dqaudit.expectations.rules import geometry
from dqaudit.expectations.rules.timing import parse_local
from dqaudit.timezones import DEFAULT_TIMEZONE

VALID_FROM, VALID_TO = "valid_from", "valid_to"
_NEVER = np.datetime64("NaT", "D")


@dataclass(frozen=True)
class Versions:
    """Per feature of the layer: its code, and its first and first-no-longer days."""

    codes: np.ndarray
    starts: np.ndarray  # datetime64[D]; NaT: since ever
    ends: np.ndarray  # datetime64[D]; NaT: still in force

    def in_force(self, days: np.ndarray, features: np.ndarray) -> np.ndarray:
        """Whether feature ``features[i]`` was in force on ``days[i]`` (elementwise)."""
        starts, ends = self.starts[features], self.ends[features]
        after_start = np.isnat(starts) | (starts <= days)
        before_end = np.isnat(ends) | (days < ends)
        return after_start & before_end


def _day(value: object, path: str, number: int, name: str) -> np.datetime64:
    if value is None or (isinstance(value, str) and not value.strip()):
        return _NEVER
    try:
        return np.datetime64(dt.date.fromisoformat(str(value).strip()), "D")
    except ValueError:
        raise InputError(
            f"{path}: feature #{number} property '{name}' is {value!r}, not a date (YYYY-MM-DD)"
        ) from None


def load_versions(path: str | Path, area_property: str, valid_from: str, valid_to: str) -> Versions:
    """The layer's codes and validity dates (cached while the file is unchanged)."""
    file = Path(path).resolve()
    geometry.load_layer(file)  # a clear error for a missing or malformed file
    stat = file.stat()
    return _versions(str(file), stat.st_mtime_ns, stat.st_size, area_property, valid_from, valid_to)


@lru_cache(maxsize=8)
def _versions(
    path: str, _mtime: int, _size: int, area_property: str, valid_from: str, valid_to: str
) -> Versions:
    layer = geometry.load_layer(path)
    codes = layer.codes(area_property)
    starts = np.array(
        [_day(p.get(valid_from), path, n, valid_from) for n, p in enumerate(layer.properties, 1)],
        dtype="datetime64[D]",
    )
    ends = np.array(
        [_day(p.get(valid_to), path, n, valid_to) for n, p in enumerate(layer.properties, 1)],
        dtype="datetime64[D]",
    )
    for number, (start, end) in enumerate(zip(starts, ends, strict=True), start=1):
        if not np.isnat(start) and not np.isnat(end) and end <= start:
            raise InputError(f"{path}: feature #{number} ends ({end}) before it starts ({start})")
    return Versions(codes, starts, ends)


def local_days(values: pd.Series, timezone: str) -> tuple[np.ndarray, np.ndarray]:
    """(local calendar days as datetime64[D], unparseable mask) of date or datetime text."""
    stamps, bad = parse_local(values, timezone)
    local = stamps.dt.tz_convert(timezone).dt.tz_localize(None)
    days = local.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
    return days, np.asarray(bad, dtype=bool)


def code_in_force(
    codes: pd.Series,
    dates: pd.Series,
    areas: str | Path,
    area_property: str,
    valid_from_property: str = VALID_FROM,
    valid_to_property: str = VALID_TO,
    timezone: str = DEFAULT_TIMEZONE,
) -> pd.Series:
    """True where the code belonged to the layout in force on the row's date."""
    versions = load_versions(areas, area_property, valid_from_property, valid_to_property)
    days, bad = local_days(dates, timezone)
    recorded = codes.astype("string").to_numpy(dtype=object, na_value=None)
    by_code: dict[str, list[int]] = {}
    for index, code in enumerate(versions.codes):
        by_code.setdefault(code, []).append(index)
    ok = np.zeros(len(codes), dtype=bool)
    for code, features in by_code.items():
        rows = np.flatnonzero(recorded == code)
        if not len(rows):
            continue
        for feature in features:
            ok[rows] |= versions.in_force(days[rows], np.full(len(rows), feature))
    ok &= ~bad & ~np.isnat(days)
    return pd.Series(ok, index=codes.index, dtype=bool)


def point_in_version(
    x: pd.Series,
    y: pd.Series,
    codes: pd.Series,
    dates: pd.Series,
    areas: str | Path,
    area_property: str,
    valid_from_property: str = VALID_FROM,
    valid_to_property: str = VALID_TO,
    crs: str = geometry.BRITISH_NATIONAL_GRID,
    metric_crs: str = geometry.BRITISH_NATIONAL_GRID,
    timezone: str = DEFAULT_TIMEZONE,
) -> pd.Series:
    """True where the point lies in the polygon its recorded code had on the row's date.

    A point on a shared edge agrees with either side. A point in no polygon in force, bad
    coordinates or a date that is not one fail.
    """
    import shapely

    versions = load_versions(areas, area_property, valid_from_property, valid_to_property)
    xs, bad_x = geometry.coordinates(x)
    ys, bad_y = geometry.coordinates(y)
    days, bad_day = local_days(dates, timezone)
    usable = ~(np.isnan(xs) | np.isnan(ys) | bad_x | bad_y | bad_day | np.isnat(days))
    ok = np.zeros(len(x), dtype=bool)
    if usable.any():
        _, polygons, _ = geometry._prepared(areas, metric_crs)
        mx, my = geometry.to_metric(xs[usable], ys[usable], crs, metric_crs)
        positions = np.flatnonzero(usable)
        tree = shapely.STRtree(polygons)
        point_index, polygon_index = tree.query(shapely.points(mx, my), predicate="intersects")
        rows = positions[point_index]
        recorded = codes.astype("string").to_numpy(dtype=object, na_value=None)[rows]
        agree = versions.codes[polygon_index] == recorded
        agree &= versions.in_force(days[rows], polygon_index)
        ok[rows[agree]] = True
    return pd.Series(ok, index=x.index, dtype=bool)
