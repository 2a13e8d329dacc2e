"""Gazetteer geometry rules: real West Midlands data, CRS handling and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dqaudit.engine.run import run_suite
from dqaudit.errors import InputError
from dqaudit.expectations.rules import geometry
from tests.conftest import SAMPLE_DATA, invoke, realdata

CODEPOINT_COLUMNS = ["PC", "PQ", "EA", "NO", "CY", "RH", "LH", "CC", "DC", "WC"]
# The seven metropolitan districts that make up the West Midlands Police area.
WEST_MIDLANDS_DISTRICTS = {f"E080000{n}" for n in range(25, 32)}


def codepoint() -> pd.DataFrame:
    folder = realdata("codepoint-open_open-postcode")
    frames = [
        pd.read_csv(folder / f"{area}.csv", header=None, names=CODEPOINT_COLUMNS, dtype=str)
        for area in ("b", "cv", "dy", "ws", "wv")
    ]
    return pd.concat(frames, ignore_index=True)


def test_real_force_boundary_separates_the_seven_districts_exactly() -> None:
    """Every Code-Point Open postcode in a West Midlands district is inside the real force
    boundary, and every one in the neighbouring shire districts is outside."""
    boundary = realdata("boundary_jamesturek-wm", "west-midlands.geojson")
    postcodes = codepoint()
    inside = geometry.within_boundary(postcodes["EA"], postcodes["NO"], boundary).to_numpy()
    in_force = postcodes["DC"].isin(WEST_MIDLANDS_DISTRICTS).to_numpy()
    assert in_force.sum() > 50_000 and (~in_force).sum() > 30_000
    assert (inside == in_force).all()


def test_real_boundary_rule_through_gx_with_longitude_latitude(tmp_path: Path) -> None:
    """The same postcodes as WGS84 longitude/latitude give the same answer."""
    from pyproj import Transformer

    boundary = realdata("boundary_jamesturek-wm", "west-midlands.geojson")
    sample = codepoint().iloc[::50].reset_index(drop=True)
    lon, lat = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True).transform(
        sample["EA"].astype(float).to_numpy(), sample["NO"].astype(float).to_numpy()
    )
    frame = pd.DataFrame({"PC": sample["PC"], "lon": lon.astype(str), "lat": lat.astype(str)})
    suite = {
        "name": "wm",
        "expectations": [
            {
                "type": "expect_column_pair_values_to_be_within_boundary",
                "kwargs": {
                    "column_A": "lon",
                    "column_B": "lat",
                    "boundary": str(boundary),
                    "crs": "EPSG:4326",
                },
            }
        ],
    }
    result = run_suite(frame, suite, key="PC")
    outside = set(sample.loc[~sample["DC"].isin(WEST_MIDLANDS_DISTRICTS), "PC"])
    assert set(result.results[0].failing_keys) == outside
    assert result.results[0].success is False


def test_real_lsoa_layer_agrees_with_each_lsoas_own_point() -> None:
    """Birmingham LSOA polygons: each LSOA's published point falls in its own polygon, so
    every recorded code agrees; shifting the codes by one makes every row disagree."""
    path = realdata("boundary_jhonfredg20-birmingham-lsoa", "boundaries-lsoa-birmingham.geojson")
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    frame = pd.DataFrame(
        {
            "x": [str(f["properties"]["long"]) for f in features],
            "y": [str(f["properties"]["lat"]) for f in features],
            "code": [f["properties"]["lsoa21cd"] for f in features],
        }
    )
    agree = geometry.area_agrees(frame.x, frame.y, frame.code, path, "lsoa21cd", crs="EPSG:4326")
    assert agree.mean() > 0.99
    shifted = frame.code.shift(1).fillna("E01000000")
    assert not geometry.area_agrees(
        frame.x, frame.y, shifted, path, "lsoa21cd", crs="EPSG:4326"
    ).any()


def test_sample_boundary_in_wgs84_and_points_in_bng() -> None:
    boundary = SAMPLE_DATA / "workspace" / "reference" / "force_boundary.geojson"
    x = pd.Series(["405000", "445000", "0", "NA", "395000", "387600"])
    y = pd.Series(["285000", "285000", "285000", "285000", "306000", "271100"])
    assert geometry.within_boundary(x, y, boundary).tolist() == [
        True,
        False,
        False,
        False,
        False,
        True,
    ]
    # 120 m outside the west edge, accepted with a tolerance of 200 m
    assert geometry.within_boundary(
        pd.Series(["387380"]), pd.Series(["285000"]), boundary, tolerance_m=200
    ).tolist() == [True]


def test_neighbourhood_layer_with_legacy_crs_member() -> None:
    areas = SAMPLE_DATA / "workspace" / "reference" / "neighbourhoods.geojson"
    layer = geometry.load_layer(areas)
    assert layer.crs == "EPSG:27700"
    codes = layer.codes("code")
    cell = next(
        i
        for i, g in enumerate(layer.geometries)
        if g.contains(__import__("shapely").Point(405100, 285100))
    )
    x, y = pd.Series(["405100", "405100", "nonsense"]), pd.Series(["285100", "285100", "1"])
    recorded = pd.Series([codes[cell], "XX01", codes[cell]])
    assert geometry.area_agrees(x, y, recorded, areas, "code").tolist() == [True, False, False]


def test_point_on_a_shared_edge_agrees_with_either_side(tmp_path: Path) -> None:
    squares = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::27700"}},
        "features": [
            {
                "type": "Feature",
                "properties": {"c": "A"},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]]],
                },
            },
            {
                "type": "Feature",
                "properties": {"c": "B"},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[10, 0], [20, 0], [20, 10], [10, 10], [10, 0]]],
                },
            },
        ],
    }
    path = tmp_path / "squares.geojson"
    path.write_text(json.dumps(squares), encoding="utf-8")
    x, y = pd.Series(["10", "10", "5", "15"]), pd.Series(["5", "5", "5", "5"])
    codes = pd.Series(["A", "B", "B", "B"])
    assert geometry.area_agrees(x, y, codes, path, "c").tolist() == [True, True, False, True]
    with pytest.raises(InputError, match="has no property 'code'"):
        geometry.area_agrees(x, y, codes, path, "code")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "cannot read boundary file"),
        ('{"type": "Point", "coordinates": [0, 0]}', "is not a polygon layer"),
        ('{"type": "FeatureCollection", "features": []}', "holds no polygons"),
        (
            '{"type": "Feature", "properties": {}, "geometry": {"type": "LineString", "coordinates": [[0,0],[1,1]]}}',
            "is a LineString, not a polygon",
        ),
    ],
)
def test_bad_boundary_files_are_input_errors(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "b.geojson"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        geometry.within_boundary(pd.Series(["1"]), pd.Series(["1"]), path)


def test_missing_boundary_file_names_the_rule_and_path(tmp_path: Path) -> None:
    suite = tmp_path / "s.json"
    suite.write_text(
        json.dumps(
            {
                "name": "s",
                "expectations": [
                    {
                        "type": "expect_column_pair_values_to_be_within_boundary",
                        "kwargs": {
                            "column_A": "e",
                            "column_B": "n",
                            "boundary": "../reference/force.geojson",
                        },
                        "meta": {"dqaudit": {"rule_id": "GEO-1"}},
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    data = tmp_path / "d.csv"
    data.write_text("k,e,n\n1,405000,285000\n", encoding="utf-8")
    result = invoke("check", str(data), "--suite", str(suite), "--key", "k")
    assert result.exit_code == 2
    assert "rule GEO-1" in result.stderr and "boundary file not found" in result.stderr
    assert str((tmp_path.parent / "reference" / "force.geojson").resolve()) in result.stderr


def test_boundary_rule_is_vectorised_over_many_points() -> None:
    # 100,000 points: the scale itself is measured by make bench, not here
    boundary = SAMPLE_DATA / "workspace" / "reference" / "force_boundary.geojson"
    rng = np.random.default_rng(4)
    x = pd.Series(rng.uniform(380000, 450000, 100_000).round().astype(int).astype(str))
    y = pd.Series(rng.uniform(265000, 310000, 100_000).round().astype(int).astype(str))
    inside = geometry.within_boundary(x, y, boundary).to_numpy()
    xs, ys = x.astype(float).to_numpy(), y.astype(float).to_numpy()
    deep = (xs > 389000) & (xs < 440000) & (ys > 272500) & (ys < 301000)
    far = (xs < 386000) | (xs > 443000) | (ys < 269500) | (ys > 304000)
    assert inside[deep].all() and not inside[far].any()
