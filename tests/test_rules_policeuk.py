"""police.uk monthly upload: categories, outcomes, force area, LSOA, and Crime ID stability.

Sources: data.police.uk "About" (CSV columns, Crime type from the police.uk list, LSOA of
the anonymised point) and the API documentation (crime-categories; outcomes-for-crime,
whose persistent_id links a crime to its later outcomes). Real published street files
(City of London 2018-2021, South Yorkshire 2021) are read from ../shared/realdata when
present, never copied; the inside-force and LSOA checks run on police.uk-shaped rows
placed inside Birmingham, tested against the real West Midlands force boundary and the
real Birmingham LSOA layer (the only real boundaries we have).
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from dqaudit.engine.run import run_suite
from dqaudit.expectations.rules import codelists, policeuk
from tests.conftest import SAMPLE_DATA, realdata

CITY = "policeuk_nilips70-city-of-london"


def read_street(path: Path) -> pd.DataFrame:
    """A police.uk CSV as the csv connector reads it: text, only an empty cell is null."""
    return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])


def failing(
    frame: pd.DataFrame, expectations: list[dict[str, Any]], key: str | None
) -> list[list[str]]:
    """Each rule's failing keys, in rule order."""
    result = run_suite(frame, {"name": "t", "expectations": expectations}, key=key)
    assert all(r.error is None for r in result.results), [r.error for r in result.results]
    return [sorted(r.failing_keys or []) for r in result.results]


# --- code lists -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code_list", "valid", "invalid"),
    [
        (
            "policeuk_crime_type",
            ["Violence and sexual offences", "Anti-social behaviour", "Other crime"],
            # 'Violent crime' was the category before May 2013; case counts
            ["Violent crime", "Public disorder and weapons", "burglary", "Theft"],
        ),
        (
            "policeuk_outcome",
            # the published CSVs write 'Offender given penalty notice', the API adds 'a'
            [
                "Offender given penalty notice",
                "Offender given a penalty notice",
                "Under investigation",
            ],
            # 'No further action' became 'Investigation complete; no suspect identified' in 2014
            ["No further action", "Suspect Charged", "Offender imprisoned"],
        ),
    ],
)
def test_published_lists_accept_their_own_values_only(
    code_list: str, valid: list[str], invalid: list[str]
) -> None:
    codes = set(codelists.load(code_list).codes)
    assert set(valid) <= codes and not set(invalid) & codes
    assert "data.police.uk" in codelists.load(code_list).source


def test_every_real_published_street_file_passes_the_category_and_outcome_lists() -> None:
    files = sorted(realdata(CITY).glob("20*-street.csv"))
    files.append(realdata("policeuk_waiky8-crime-uk", "2021-01-south-yorkshire-street.csv"))
    types, outcomes = codelists.load("policeuk_crime_type"), codelists.load("policeuk_outcome")
    rows = 0
    for path in files:
        frame = read_street(path)
        rows += len(frame)
        assert frame["Crime type"].isin(types.codes).all(), path.name
        outcome = frame["Last outcome category"]
        assert (outcome.isin(outcomes.codes) | outcome.isna()).all(), path.name
        # ASB rows are the ones without a Crime ID or an outcome
        asb = frame["Crime type"] == "Anti-social behaviour"
        assert (frame["Crime ID"].isna() == asb).all() and (outcome.isna() == asb).all()
    assert rows > 30_000


# --- Crime ID continuity ----------------------------------------------------------------------


def crimes(rows: list[tuple]) -> pd.DataFrame:
    columns = ["Crime ID", "Month", "Crime type", "Location", "LSOA code", "Longitude", "Latitude"]
    return pd.DataFrame(rows, columns=columns)


def test_each_status_of_a_crime_id_against_last_months_extract() -> None:
    a, b, c, d, e = (x * 64 for x in "abcde")
    previous = crimes(
        [
            (a, "2024-11", "Burglary", "On or near High Street", "E01000001", "-1.9", "52.4"),
            (b, "2024-11", "Drugs", "On or near Mill Lane", "E01000002", "-1.8", "52.5"),
            (c, "2024-10", "Robbery", "On or near Park Road", "E01000003", "-1.7", "52.6"),
            (None, "2024-11", "Anti-social behaviour", "On or near Mill Lane", "E01000002", "-1.8", "52.5"),
        ]
    )  # fmt: skip
    current = crimes(
        [
            (a, "2024-11", "Burglary", "On or near High Street", "E01000001", "-1.9", "52.4"),
            (d, "2024-11", "Drugs", "On or near Mill Lane", "E01000002", "-1.8", "52.5"),
            (c, "2024-12", "Robbery", "On or near Park Road", "E01000003", "-1.7", "52.6"),
            (e, "2024-12", "Shoplifting", "On or near Station Road", "E01000004", "-1.6", "52.7"),
            (None, "2024-12", "Anti-social behaviour", "On or near Mill Lane", "E01000002", "-1.8", "52.5"),
        ]
    )  # fmt: skip
    status = policeuk.crime_id_continuity(current, previous, policeuk.ContinuityOptions())
    assert status["crime_id_continuity"].tolist() == ["same", "rekeyed", "reused", "new", pd.NA]


def test_consecutive_real_city_of_london_months_of_2019_keep_their_crime_ids() -> None:
    """Each published month holds its own crimes, so no ID of one month may recur in the
    next; over the eleven month pairs of 2019 none does (no reused or rekeyed ID)."""
    folder = realdata(CITY)
    months = [read_street(folder / f"2019-{m:02d}-city-of-london-street.csv") for m in range(1, 13)]
    compared = 0
    for previous, current in itertools.pairwise(months):
        status = policeuk.crime_id_continuity(current, previous, policeuk.ContinuityOptions())
        values = status["crime_id_continuity"]
        assert set(values.dropna()) == {"new"}
        assert values.isna().sum() == (current["Crime type"] == "Anti-social behaviour").sum()
        compared += len(current)
    assert compared > 9_000


def test_a_re_extracted_real_month_shows_the_ids_that_moved() -> None:
    """Last month's extract held January and February 2019 (the real files); this month's
    sends February again, with three crimes re-keyed and one carrying a January crime's ID."""
    folder = realdata(CITY)
    january = read_street(folder / "2019-01-city-of-london-street.csv")
    february = read_street(folder / "2019-02-city-of-london-street.csv")
    previous = pd.concat([january, february], ignore_index=True)
    again = february.copy()
    with_id = again.index[again["Crime ID"].notna() & ~again["Crime ID"].duplicated(keep=False)]
    rekeyed, reused = list(with_id[[3, 40, 400]]), int(with_id[100])
    for n, row in enumerate(rekeyed):
        again.loc[row, "Crime ID"] = f"{n:064x}"
    again.loc[reused, "Crime ID"] = january["Crime ID"].dropna().iloc[0]
    status = policeuk.crime_id_continuity(again, previous, policeuk.ContinuityOptions())
    values = status["crime_id_continuity"]
    assert sorted(values.index[values == "rekeyed"]) == sorted(rekeyed)
    assert list(values.index[values == "reused"]) == [reused]
    assert (values == "same").sum() == february["Crime ID"].notna().sum() - 4
    assert (values == "new").sum() == 0


def test_the_uniqueness_rule_finds_the_duplicate_crime_ids_real_files_carry() -> None:
    frame = read_street(realdata(CITY, "2019-06-city-of-london-street.csv"))
    found = failing(
        frame,
        [{"type": "expect_column_values_to_be_unique", "kwargs": {"column": "Crime ID"}}],
        None,
    )
    (keys,) = found
    duplicated = frame["Crime ID"].notna() & frame["Crime ID"].duplicated(keep=False)
    assert sorted(int(k) for k in keys) == [i + 2 for i in frame.index[duplicated]]
    assert len(keys) >= 50  # e.g. one crime published twice with two outcomes


# --- force area and LSOA ----------------------------------------------------------------------


def birmingham_rows() -> tuple[pd.DataFrame, dict[str, str]]:
    """police.uk-shaped rows at a point inside each of 40 real Birmingham LSOAs (2021), then
    three defects: a code and a name of the LSOA next door, and a point in London."""
    import shapely
    from shapely.geometry import shape

    layer = realdata("boundary_jhonfredg20-birmingham-lsoa", "boundaries-lsoa-birmingham.geojson")
    features = json.loads(layer.read_text())["features"][::16][:40]
    rows = []
    for n, feature in enumerate(features):
        point = shapely.point_on_surface(shape(feature["geometry"]))
        properties = feature["properties"]
        rows.append(
            {
                "Record ref": f"R{n:03d}",
                "Longitude": f"{point.x:.6f}",
                "Latitude": f"{point.y:.6f}",
                "LSOA code": properties["lsoa21cd"],
                "LSOA name": properties["lsoa21nm"],
            }
        )
    frame = pd.DataFrame(rows)
    frame.loc[5, "LSOA code"] = frame.loc[6, "LSOA code"]
    frame.loc[7, "LSOA name"] = frame.loc[8, "LSOA name"]
    frame.loc[9, ["Longitude", "Latitude"]] = ["-0.112422", "51.515381"]  # City of London
    paths = {
        "boundary": str(realdata("boundary_jamesturek-wm", "west-midlands.geojson")),
        "areas": str(layer),
    }
    return frame, paths


def area_rules(boundary: str, areas: str) -> list[dict[str, Any]]:
    xy = {"crs": "EPSG:4326"}
    return [
        {
            "type": "expect_column_pair_values_to_be_within_boundary",
            "kwargs": {"column_A": "Longitude", "column_B": "Latitude", "boundary": boundary, **xy},
        },
        {
            "type": "expect_multicolumn_values_to_match_boundary_area",
            "kwargs": {
                "column_list": ["Longitude", "Latitude", "LSOA code"],
                "areas": areas,
                "area_property": "lsoa21cd",
                **xy,
            },
        },
        {
            "type": "expect_multicolumn_values_to_match_boundary_area",
            "kwargs": {
                "column_list": ["Longitude", "Latitude", "LSOA name"],
                "areas": areas,
                "area_property": "lsoa21nm",
                **xy,
            },
        },
    ]


def test_points_inside_birmingham_against_the_real_force_boundary_and_lsoa_layer() -> None:
    frame, paths = birmingham_rows()
    found = failing(frame, area_rules(paths["boundary"], paths["areas"]), "Record ref")
    assert found == [["R009"], ["R005", "R009"], ["R007", "R009"]]


def test_the_sample_upload_fails_the_force_area_and_lsoa_rules_where_planted() -> None:
    suite = json.loads((SAMPLE_DATA / "workspace" / "suites" / "policeuk_street.json").read_text())
    reference = SAMPLE_DATA / "workspace" / "reference"
    rules = {
        e["meta"]["dqaudit"]["rule_id"]: e for e in suite["expectations"] if "column_list" in e["kwargs"] or "boundary" in e["kwargs"]
    }  # fmt: skip
    assert sorted(rules) == ["PUK-007", "PUK-008", "PUK-009"]
    for rule in rules.values():
        for name in ("boundary", "areas"):
            if name in rule["kwargs"]:
                rule["kwargs"][name] = str(reference / Path(rule["kwargs"][name]).name)
    frame = read_street(SAMPLE_DATA / "policeuk" / "street.csv")
    result = run_suite(frame, {"name": "t", "expectations": list(rules.values())}, key="Record ref")
    manifest = json.loads((SAMPLE_DATA / "manifest.json").read_text())
    for rule_id, outcome in zip(rules, result.results, strict=True):
        planted = {d["key"] for d in manifest["defects"] if d["rule_id"] == rule_id}
        assert set(outcome.failing_keys or []) == planted and planted, rule_id
