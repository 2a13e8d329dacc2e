"""Dated neighbourhood boundaries, and unconfirmed incident locations.

The boundary layer holds every version of the force's neighbourhoods, each feature with
its valid_from (inclusive) and valid_to (exclusive) dates; the force report's example is
its 2012/13 boundary changes in Walsall, Dudley, Wolverhampton and Sandwell. Unconfirmed
locations: points on a postcode centroid (OS Code-Point Open layout) or a police station,
and points shared by more incidents than the force's threshold (the max_rows kwarg).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from dqaudit.engine.run import run_suite
from dqaudit.errors import InputError
from dqaudit.expectations.rules import boundary_versions, locations

CELL = [[0, 0], [1000, 0], [1000, 1000], [0, 1000], [0, 0]]


def square(x0: int, properties: dict[str, Any]) -> dict[str, Any]:
    ring = [[x + x0, y] for x, y in CELL]
    return {"type": "Feature", "properties": properties, "geometry": {"type": "Polygon", "coordinates": [ring]}}  # fmt: skip


@pytest.fixture
def layer(tmp_path: Path) -> Path:
    """DY01 (0-1000 m) and DY02 (1000-2000 m) until 1 April 2024, merged as DU01 from that
    day; WS01 (2000-3000 m) has no dates: always in force."""
    features = [
        square(0, {"code": "DY01", "valid_from": "2015-04-01", "valid_to": "2024-04-01"}),
        square(1000, {"code": "DY02", "valid_from": None, "valid_to": "2024-04-01"}),
        square(0, {"code": "DU01", "valid_from": "2024-04-01", "valid_to": None}),
        square(1000, {"code": "DU01", "valid_from": "2024-04-01"}),
        square(2000, {"code": "WS01"}),
    ]
    document = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::27700"}},
        "features": features,
    }
    path = tmp_path / "neighbourhood_boundaries.geojson"
    path.write_text(json.dumps(document))
    return path


INCIDENTS = pd.DataFrame(
    [
        ("I1", "500", "500", "DY01", "2024-03-31 23:30:00"),  # old layout, last evening
        ("I2", "500", "500", "DU01", "2024-04-01 00:30:00"),  # BST: already 1 April
        ("I3", "500", "500", "DY01", "2024-04-01 00:30:00"),  # retired code
        ("I4", "500", "500", "DU01", "2024-03-31 10:00:00"),  # not yet in force
        ("I5", "500", "500", "ZZ99", "2024-05-01 10:00:00"),  # never existed
        ("I6", "1500", "500", "DY01", "2023-05-01 10:00:00"),  # in force, wrong polygon
        ("I7", "2500", "500", "WS01", "2010-01-01"),  # a date, and no dates on the feature
        ("I8", "500", "500", "DY01", "31/03/2024"),  # not an ISO date
    ],
    columns=["incident_ref", "easting", "northing", "neighbourhood_code", "opened_datetime"],
)


def test_a_code_is_valid_only_while_its_boundary_version_is_in_force(layer: Path) -> None:
    ok = boundary_versions.code_in_force(
        INCIDENTS["neighbourhood_code"], INCIDENTS["opened_datetime"], layer, "code"
    )
    assert ok.tolist() == [True, True, False, False, False, True, True, False]


def test_the_point_must_lie_in_the_polygon_its_code_had_that_day(layer: Path) -> None:
    i = INCIDENTS
    ok = boundary_versions.point_in_version(
        i["easting"], i["northing"], i["neighbourhood_code"], i["opened_datetime"], layer, "code"
    )
    assert ok.tolist() == [True, True, False, False, False, False, True, False]


def test_both_rules_run_as_expectations_and_fail_the_right_incidents(layer: Path) -> None:
    kwargs = {"areas": str(layer), "area_property": "code"}
    suite = {
        "name": "b",
        "expectations": [
            {
                "type": "expect_column_pair_values_to_be_area_code_in_force",
                "kwargs": {
                    "column_A": "neighbourhood_code",
                    "column_B": "opened_datetime",
                    **kwargs,
                },
            },
            {
                "type": "expect_multicolumn_values_to_match_boundary_version",
                "kwargs": {
                    "column_list": ["easting", "northing", "neighbourhood_code", "opened_datetime"],
                    **kwargs,
                },
            },
        ],
    }
    result = run_suite(INCIDENTS, suite, key="incident_ref")
    assert [r.error for r in result.results] == [None, None]
    assert [sorted(r.failing_keys or []) for r in result.results] == [
        ["I3", "I4", "I5", "I8"],
        ["I3", "I4", "I5", "I6", "I8"],
    ]


@pytest.mark.parametrize(
    ("properties", "message"),
    [
        ({"code": "A", "valid_from": "1 April 2024"}, "property 'valid_from' is '1 April 2024'"),
        (
            {"code": "A", "valid_from": "2024-04-01", "valid_to": "2024-03-01"},
            "ends (2024-03-01) before",
        ),
        ({"name": "A"}, "has no property 'code'"),
    ],
)
def test_a_bad_boundary_layer_is_an_error_naming_the_feature(
    tmp_path: Path, properties: dict, message: str
) -> None:
    path = tmp_path / "bad.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [square(0, properties)]}))
    with pytest.raises(InputError, match="feature #1") as error:
        boundary_versions.load_versions(path, "code", "valid_from", "valid_to")
    assert message in error.value.message


# --- unconfirmed locations ----------------------------------------------------------------------

DIRECTORY = pd.DataFrame(
    {"PC": ["B1  1AA", "B2  2BB"], "PQ": ["10", "90"], "EA": ["400000", "0"], "NO": ["280000", "0"]}
)
STATIONS = pd.DataFrame({"station_code": ["PBCS"], "easting": ["406311"], "northing": ["291517"]})


def test_points_on_a_postcode_centroid_or_a_station_are_unconfirmed() -> None:
    incidents = pd.DataFrame(
        {
            "easting": ["400000", "400000.9", "400002", "406311", "0", "", "x"],
            "northing": ["280000", "280000", "280000", "291517.4", "0", "1", "1"],
        }
    )
    result = locations.unconfirmed_locations(
        incidents, DIRECTORY, STATIONS, locations.LocationOptions()
    )
    assert result["location_match"].tolist() == [
        "postcode_centroid",
        "postcode_centroid",  # within 1 m
        pd.NA,  # 2 m away: a real address next to it
        "police_station",
        pd.NA,  # Code-Point quality 90 (no coordinates): its 0,0 is no centroid
        pd.NA,
        pd.NA,
    ]
    assert result["location_match_ref"].tolist()[:4] == ["B1 1AA", "B1 1AA", pd.NA, "PBCS"]


def test_more_incidents_at_one_point_than_the_threshold_all_fail() -> None:
    frame = pd.DataFrame(
        {
            "incident_ref": [f"I{n}" for n in range(7)],
            "easting": ["401000", "401000.0", "401000", "401000", "402000", "402000", "abc"],
            "northing": ["290000", "290000", "290000.00", "290000", "290000", "290000", "1"],
        }
    )
    expectation = {
        "type": "expect_column_pair_values_to_be_shared_by_at_most",
        "kwargs": {"column_A": "easting", "column_B": "northing", "max_rows": 3},
    }
    result = run_suite(frame, {"name": "p", "expectations": [expectation]}, key="incident_ref")
    (rule,) = result.results
    assert rule.error is None
    assert sorted(rule.failing_keys or []) == ["I0", "I1", "I2", "I3", "I6"]
    expectation["kwargs"]["max_rows"] = 4
    result = run_suite(frame, {"name": "p", "expectations": [expectation]}, key="incident_ref")
    assert sorted(result.results[0].failing_keys or []) == ["I6"]


def test_rounding_groups_points_within_the_grid() -> None:
    x = pd.Series(["401000.2", "401000.4", "401003"])
    y = pd.Series(["290000", "290000.3", "290000"])
    assert locations.shared_point_ok(x, y, 1).tolist() == [True, True, True]
    assert locations.shared_point_ok(x, y, 1, round_to=1.0).tolist() == [False, False, True]


def test_a_threshold_below_one_is_refused_naming_the_rule(tmp_path: Path) -> None:
    from tests.conftest import invoke, rule, write_suite

    data = tmp_path / "incidents.csv"
    data.write_text("incident_ref,easting,northing\nI1,1,2\n")
    suite = write_suite(
        tmp_path / "s.json",
        [
            rule(
                "expect_column_pair_values_to_be_shared_by_at_most",
                "INC-LOC-003",
                column_A="easting",
                column_B="northing",
                max_rows=0,
            )
        ],
    )
    result = invoke("check", str(data), "--suite", str(suite), "--key", "incident_ref")
    assert result.exit_code == 2
    assert "INC-LOC-003" in result.stderr and "max_rows" in result.stderr


def test_a_bad_date_in_the_layer_stops_check_before_any_data_is_read(tmp_path: Path) -> None:
    from tests.conftest import invoke, rule, write_suite

    layer = tmp_path / "areas.geojson"
    layer.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [square(0, {"code": "A", "valid_to": "soon"})],
            }
        )
    )
    data = tmp_path / "incidents.csv"
    data.write_text("incident_ref,code,opened\nI1,A,2024-01-01\n")
    suite = write_suite(
        tmp_path / "s.json",
        [
            rule(
                "expect_column_pair_values_to_be_area_code_in_force",
                "INC-BND-001",
                column_A="code",
                column_B="opened",
                areas="areas.geojson",
                area_property="code",
                valid_to_property="valid_to",
            )
        ],
    )
    result = invoke("check", str(data), "--suite", str(suite), "--key", "incident_ref")
    assert result.exit_code == 2
    assert "kwarg 'areas'" in result.stderr and "'valid_to' is 'soon'" in result.stderr
