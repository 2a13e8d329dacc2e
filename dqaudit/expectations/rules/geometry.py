"""Boundary and area checks with shapely and pyproj, vectorised over whole columns.

Boundaries come from GeoJSON: WGS84 (EPSG:4326) as RFC 7946 requires, unless the file
carries the older ``crs`` member (councils often publish British National Grid that way).
Every test runs in a metric CRS, British National Grid (EPSG:27700) by default, so
tolerances are in metres: the boundary is transformed once (and cached), points only when
they are not already in that CRS. Points on a boundary line count as inside.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dqaudit.errors import InputError

WGS84 = "EPSG:4326"
BRITISH_NATIONAL_GRID = "EPSG:27700"


@dataclass(frozen=True)
class Layer:
    """The polygons of one GeoJSON file, in ``crs``, with an optional code per polygon."""

    path: str
    crs: str
    geometries: np.ndarray
    properties: tuple[dict[str, Any], ...]

    def codes(self, property_name: str) -> np.ndarray:
        missing = [i for i, p in enumerate(self.properties) if property_name not in p]
        if missing:
            raise InputError(
                f"{self.path}: feature #{missing[0] + 1} has no property '{property_name}'"
            )
        return np.array([str(p[property_name]) for p in self.properties], dtype=object)


def load_layer(path: str | Path) -> Layer:
    """Read a GeoJSON file (cached while the file is unchanged)."""
    file = Path(path).resolve()
    try:
        stat = file.stat()
    except FileNotFoundError:
        raise InputError(f"boundary file not found: {file}") from None
    return _load_layer(str(file), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=8)
def _load_layer(path: str, _mtime: int, _size: int) -> Layer:
    import shapely
    from shapely.geometry import shape

    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"cannot read boundary file {path}: {exc}") from None
    if not isinstance(document, dict):
        raise InputError(f"{path}: not a GeoJSON object")
    features = _features(document, path)
    geometries, properties = [], []
    for number, feature in enumerate(features, start=1):
        try:
            geometry = shape(feature["geometry"])
        except Exception as exc:  # shapely raises several types for bad geometry
            raise InputError(f"{path}: feature #{number} has no valid geometry: {exc}") from None
        if geometry.geom_type not in ("Polygon", "MultiPolygon"):
            raise InputError(f"{path}: feature #{number} is a {geometry.geom_type}, not a polygon")
        if not geometry.is_valid:
            geometry = shapely.make_valid(geometry)
        geometries.append(geometry)
        properties.append(dict(feature.get("properties") or {}))
    if not geometries:
        raise InputError(f"{path}: the file holds no polygons")
    return Layer(
        path, _declared_crs(document), np.array(geometries, dtype=object), tuple(properties)
    )


def _features(document: dict[str, Any], path: str) -> list[dict[str, Any]]:
    kind = document.get("type")
    if kind == "FeatureCollection":
        return list(document.get("features") or [])
    if kind == "Feature":
        return [document]
    if kind in ("Polygon", "MultiPolygon"):
        return [{"type": "Feature", "geometry": document, "properties": {}}]
    raise InputError(f"{path}: GeoJSON type '{kind}' is not a polygon layer")


def _declared_crs(document: dict[str, Any]) -> str:
    """The legacy GeoJSON 2008 ``crs`` member, e.g. urn:ogc:def:crs:EPSG::27700; else WGS84."""
    name = ((document.get("crs") or {}).get("properties") or {}).get("name")
    if not name:
        return WGS84
    code = str(name).rsplit(":", 1)[-1]
    if str(name).upper().endswith("CRS84"):
        return WGS84
    return f"EPSG:{code}" if code.isdigit() else str(name)


@lru_cache(maxsize=16)
def _transformer(source: str, target: str) -> Any:
    from pyproj import Transformer
    from pyproj.exceptions import CRSError

    try:
        return Transformer.from_crs(source, target, always_xy=True)
    except CRSError as exc:
        raise InputError(f"unknown coordinate reference system: {exc}") from None


@lru_cache(maxsize=16)
def _layer_in(path: str, mtime: int, size: int, crs: str) -> tuple[np.ndarray, Any]:
    """The layer's polygons in ``crs``, prepared, and the union of them."""
    import shapely

    layer = _load_layer(path, mtime, size)
    geometries = layer.geometries
    if layer.crs != crs:
        transformer = _transformer(layer.crs, crs)

        def move(coords: np.ndarray) -> np.ndarray:
            x, y = transformer.transform(coords[:, 0], coords[:, 1])
            return np.column_stack([x, y])

        geometries = shapely.transform(geometries, move)
    union = shapely.union_all(geometries)
    shapely.prepare(geometries)
    shapely.prepare(union)
    return geometries, union


def _prepared(path: str | Path, crs: str) -> tuple[Layer, np.ndarray, Any]:
    file = Path(path).resolve()
    layer = load_layer(file)
    stat = file.stat()
    geometries, union = _layer_in(str(file), stat.st_mtime_ns, stat.st_size, crs)
    return layer, geometries, union


def coordinates(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(floats, unparseable mask): text coordinates as numbers; text that is not fails."""
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    bad = np.isnan(numbers) & values.notna().to_numpy()
    bad |= np.isinf(numbers)
    return numbers, bad


def to_metric(
    x: np.ndarray, y: np.ndarray, crs: str, metric_crs: str
) -> tuple[np.ndarray, np.ndarray]:
    if crs == metric_crs:
        return x, y
    mx, my = _transformer(crs, metric_crs).transform(x, y)
    return np.asarray(mx, dtype="float64"), np.asarray(my, dtype="float64")


def within_boundary(
    x: pd.Series,
    y: pd.Series,
    boundary: str | Path,
    crs: str = BRITISH_NATIONAL_GRID,
    tolerance_m: float = 0.0,
    metric_crs: str = BRITISH_NATIONAL_GRID,
) -> pd.Series:
    """True where the point (x, y) in ``crs`` lies inside the boundary (or within tolerance).

    For WGS84 give longitude as x and latitude as y. Missing or unparseable coordinates
    fail: the rule is asked only about rows GX has not already set aside as missing.
    """
    import shapely

    xs, bad_x = coordinates(x)
    ys, bad_y = coordinates(y)
    usable = ~(np.isnan(xs) | np.isnan(ys) | bad_x | bad_y)
    ok = np.zeros(len(x), dtype=bool)
    if usable.any():
        _, _, union = _prepared(boundary, metric_crs)
        mx, my = to_metric(xs[usable], ys[usable], crs, metric_crs)
        finite = np.isfinite(mx) & np.isfinite(my)
        inside = np.zeros(len(mx), dtype=bool)
        inside[finite] = shapely.intersects_xy(union, mx[finite], my[finite])
        if tolerance_m > 0 and (~inside & finite).any():
            near = ~inside & finite
            points = shapely.points(mx[near], my[near])
            inside[near] = shapely.distance(union, points) <= tolerance_m
        ok[usable] = inside
    return pd.Series(ok, index=x.index, dtype=bool)


def area_agrees(
    x: pd.Series,
    y: pd.Series,
    codes: pd.Series,
    areas: str | Path,
    area_property: str,
    crs: str = BRITISH_NATIONAL_GRID,
    metric_crs: str = BRITISH_NATIONAL_GRID,
) -> pd.Series:
    """True where the recorded area code is the code of a polygon the point falls in.

    This is the boundary-change audit: records keep the neighbourhood or sector they were
    given, while the point says where they now belong. A point on a shared edge agrees
    with either side; a point in no polygon, or with bad coordinates, fails.
    """
    import shapely

    xs, bad_x = coordinates(x)
    ys, bad_y = coordinates(y)
    usable = ~(np.isnan(xs) | np.isnan(ys) | bad_x | bad_y)
    ok = np.zeros(len(x), dtype=bool)
    if usable.any():
        layer, geometries, _ = _prepared(areas, metric_crs)
        layer_codes = layer.codes(area_property)
        mx, my = to_metric(xs[usable], ys[usable], crs, metric_crs)
        positions = np.flatnonzero(usable)
        tree = shapely.STRtree(geometries)
        point_index, polygon_index = tree.query(shapely.points(mx, my), predicate="intersects")
        recorded = codes.astype("string").to_numpy(dtype=object, na_value=None)[positions]
        agree = layer_codes[polygon_index] == recorded[point_index]
        ok[positions[point_index[agree]]] = True
    return pd.Series(ok, index=x.index, dtype=bool)


def distances_m(x1: np.ndarray, y1: np.ndarray, x2: np.ndarray, y2: np.ndarray) -> np.ndarray:
    """Straight-line distances in metres between points already in a metric CRS."""
    return np.hypot(x1 - x2, y1 - y2)
