"""Unconfirmed incident locations: points that say where someone typed, not where it was.

The force's geo-spatial team handled "22,100 requests to update unconfirmed locations
created for an incident log" in one year (Information Services report, para. 26). A
location is unconfirmed when the call taker could only place the incident roughly. The
tell-tale points, all pandas only today:

- a point on a postcode's centroid (the postcode was geocoded, not the address), or on a
  police station (the station's own point stands in for "somewhere on this patch"):
  derivation kind ``unconfirmed_locations`` (inputs ``directory``, a postcode directory in
  OS Code-Point Open's layout, and ``stations``) adds ``location_match``
  (``postcode_centroid`` / ``police_station`` / blank) and ``location_match_ref``
  (the postcode or station matched), a match being within ``tolerance_m`` metres;
- a point shared by an implausible number of incidents (a default location, a station
  front counter, a depot): :func:`shared_point_ok`, the rule
  ``expect_column_pair_values_to_be_shared_by_at_most`` with its ``max_rows`` kwarg.

A recorded precision code (e.g. ``POSTCODE``) is checked with a core
``expect_column_values_to_not_be_in_set`` rule; these catch the points that carry no
such code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from dqaudit.expectations.rules import geometry
from dqaudit.expectations.rules.addresses import NO_COORDINATES_QUALITY

POSTCODE_CENTROID, POLICE_STATION = "postcode_centroid", "police_station"


@dataclass(frozen=True)
class LocationOptions:
    x: str = "easting"
    y: str = "northing"
    crs: str = geometry.BRITISH_NATIONAL_GRID
    directory_postcode: str = "PC"
    directory_x: str = "EA"
    directory_y: str = "NO"
    directory_quality: str = "PQ"
    directory_crs: str = geometry.BRITISH_NATIONAL_GRID
    station_code: str = "station_code"
    station_x: str = "easting"
    station_y: str = "northing"
    station_crs: str = geometry.BRITISH_NATIONAL_GRID
    metric_crs: str = geometry.BRITISH_NATIONAL_GRID
    tolerance_m: float = 1.0

    def required(self) -> dict[str, tuple[str, ...]]:
        return {
            "": (self.x, self.y),
            "directory": (self.directory_postcode, self.directory_x, self.directory_y),
            "stations": (self.station_code, self.station_x, self.station_y),
        }


def _points(
    frame: pd.DataFrame, x: str, y: str, crs: str, metric_crs: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x, y, usable) in the metric CRS; text that is not a number is not usable."""
    xs, bad_x = geometry.coordinates(frame[x])
    ys, bad_y = geometry.coordinates(frame[y])
    usable = ~(np.isnan(xs) | np.isnan(ys) | bad_x | bad_y)
    mx, my = np.full(len(xs), np.nan), np.full(len(ys), np.nan)
    if usable.any():
        mx[usable], my[usable] = geometry.to_metric(xs[usable], ys[usable], crs, metric_crs)
    return mx, my, usable & np.isfinite(mx) & np.isfinite(my)


def _nearest_within(
    px: np.ndarray, py: np.ndarray, rx: np.ndarray, ry: np.ndarray, tolerance: float
) -> np.ndarray:
    """Index of a reference point within ``tolerance`` of each point, else -1."""
    import shapely

    found = np.full(len(px), -1, dtype=np.int64)
    if not len(rx) or not len(px):
        return found
    tree = shapely.STRtree(shapely.points(rx, ry))
    points, targets = tree.query(
        shapely.points(px, py), predicate="dwithin", distance=max(tolerance, 1e-9)
    )
    order = np.argsort(points, kind="stable")
    points, targets = points[order], targets[order]
    first = np.unique(points, return_index=True)[1]
    found[points[first]] = targets[first]
    return found


def unconfirmed_locations(
    incidents: pd.DataFrame,
    directory: pd.DataFrame,
    stations: pd.DataFrame,
    options: LocationOptions,
) -> pd.DataFrame:
    """``location_match`` and ``location_match_ref`` per incident (a station wins a tie)."""
    o = options
    ix, iy, usable = _points(incidents, o.x, o.y, o.crs, o.metric_crs)
    dx, dy, d_ok = _points(directory, o.directory_x, o.directory_y, o.directory_crs, o.metric_crs)
    if o.directory_quality in directory.columns:
        quality = directory[o.directory_quality].astype("string").str.strip()
        d_ok &= (quality != NO_COORDINATES_QUALITY).fillna(True).to_numpy(dtype=bool)
    sx, sy, s_ok = _points(stations, o.station_x, o.station_y, o.station_crs, o.metric_crs)
    rows = np.flatnonzero(usable)
    postcode = _nearest_within(ix[rows], iy[rows], dx[d_ok], dy[d_ok], o.tolerance_m)
    station = _nearest_within(ix[rows], iy[rows], sx[s_ok], sy[s_ok], o.tolerance_m)
    postcodes = directory[o.directory_postcode].astype("string").to_numpy(object)[d_ok]
    codes = stations[o.station_code].astype("string").to_numpy(object)[s_ok]
    match = np.full(len(incidents), None, dtype=object)
    ref = np.full(len(incidents), None, dtype=object)
    at_postcode, at_station = postcode >= 0, station >= 0
    match[rows[at_postcode]] = POSTCODE_CENTROID
    ref[rows[at_postcode]] = [" ".join(str(p).split()) for p in postcodes[postcode[at_postcode]]]
    match[rows[at_station]] = POLICE_STATION
    ref[rows[at_station]] = codes[station[at_station]]
    return pd.DataFrame(
        {
            "location_match": pd.Series(match, index=incidents.index, dtype="string"),
            "location_match_ref": pd.Series(ref, index=incidents.index, dtype="string"),
        },
        index=incidents.index,
    )


def derive_unconfirmed(
    frame: pd.DataFrame, inputs: dict[str, pd.DataFrame], options: Any, _context: Any
) -> pd.DataFrame:
    return unconfirmed_locations(frame, inputs["directory"], inputs["stations"], options)


def shared_point_ok(x: pd.Series, y: pd.Series, max_rows: int, round_to: float = 0.0) -> pd.Series:
    """True where at most ``max_rows`` rows (this one included) share the row's point.

    Coordinates are compared as numbers (``"401000"`` and ``"401000.0"`` are one point),
    rounded to the nearest ``round_to`` units when it is positive. The count is over the
    rows the rule sees (after ``ignore_row_if`` and any ``row_condition``). Text that is
    not a number fails.
    """
    xs, bad_x = geometry.coordinates(x)
    ys, bad_y = geometry.coordinates(y)
    usable = ~(np.isnan(xs) | np.isnan(ys) | bad_x | bad_y)
    if round_to > 0:
        xs, ys = np.round(xs / round_to) * round_to, np.round(ys / round_to) * round_to
    points = pd.DataFrame({"x": xs[usable], "y": ys[usable]})
    counts = points.groupby(["x", "y"], sort=False)["x"].transform("size").to_numpy()
    ok = np.zeros(len(x), dtype=bool)
    ok[usable] = counts <= max_rows
    return pd.Series(ok, index=x.index, dtype=bool)
